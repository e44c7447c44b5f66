// The wide table: every supported type with its edge values (maxima,
// minima, empty values, NULLs), on a source of each engine. Shared by the
// copy test (wide_table_test.cc, which checks every value arrives) and the
// verification test (verify_test.cc, which checks none is a false alarm).
#pragma once

#include <string>

#include "model/types.h"

namespace godwit::testing {

// A 1 MiB blob of repeated 00 ff 41 (row 1's large binary value).
std::string Blob1MiB();

// Creates a fresh source database (SQLite: file) holding the wide table of
// `engine`: row 1 the maxima, row 2 the minima and empty values, row 3
// NULLs. `tag` makes the name unique. Returns the source URI.
std::string PrepareWideSource(Engine engine, const std::string& tag);

}  // namespace godwit::testing
