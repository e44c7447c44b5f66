// The error catalog: one entry per ErrorCode with a stable name, what it
// means and what a DBA can do about it. docs/errors.md is generated from
// this table (`godwit errors --markdown`).
#pragma once

#include <span>
#include <string_view>

#include "common/status.h"

namespace godwit {

struct ErrorCatalogEntry {
  ErrorCode code;
  std::string_view name;
  std::string_view meaning;
  std::string_view hint;
};

std::span<const ErrorCatalogEntry> ErrorCatalog();
const ErrorCatalogEntry& LookupError(ErrorCode code);

}  // namespace godwit
