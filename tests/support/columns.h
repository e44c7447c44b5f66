// Hand-built schema pieces for tests that describe a table without reading
// it from a server.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/table_schema.h"

namespace godwit::testing {

// A column of `kind`; `length` for the kinds that have one (VARCHAR).
inline Column Col(std::string name, TypeKind kind, bool nullable = true, uint32_t length = 0) {
  Column c;
  c.name = std::move(name);
  c.type.kind = kind;
  c.type.length = length;
  c.nullable = nullable;
  return c;
}

// A unique index named `name` over `columns`; `primary` makes it the key.
inline IndexDef UniqueIndex(std::string name, const std::vector<std::string>& columns, bool primary) {
  IndexDef k;
  k.name = std::move(name);
  k.primary = primary;
  k.unique = true;
  for (const auto& c : columns) k.columns.push_back(IndexColumn{c});
  return k;
}

}  // namespace godwit::testing
