// Canonical JSON: one text per JSON value, so that two engines' copies of a
// document compare equal byte for byte (verify/row_hash.h).
//
// MariaDB keeps JSON as written; PostgreSQL jsonb reorders keys (by length,
// then bytes), drops duplicate keys (the last wins), re-escapes strings and
// keeps numbers as numeric ("1.0" stays "1.0", "1e2" becomes "100"). The
// canonical form removes every such difference and no other:
//   - no whitespace outside strings;
//   - object members sorted by the bytes of their (unescaped) keys; of
//     duplicate keys the last one wins;
//   - strings decoded (\u0041 is "A", surrogate pairs are UTF-8) and written
//     again escaping only '"', '\\' and control characters: \b \f \n \r \t
//     in their short form, the others as \u00xx (lowercase hex);
//   - numbers as exact decimals, never through a double: sign, then the
//     significant digits without leading or trailing zeros and the point
//     where it falls ("1", "1.0", "1e0" and "10E-1" are all "1"; "-0" is
//     "0"; "0.25", "-120", "12345678901234567890.1"); when that would need
//     more than 64 zeros of padding, the significant digits as an integer
//     and an exponent instead ("1e400", "-15e-300").
//
// Limits (nlohmann-json's parser): a number whose magnitude overflows a
// double (e.g. 1e400) is rejected, and so is text that is not UTF-8; such
// text has no canonical form. A decimal exponent beyond ±10^9 is rejected
// too, rather than saturated (saturation would make different numbers
// equal).
//
// Thread-safety: safe to call from any number of threads (each thread keeps
// its own scratch space, so steady use does not allocate beyond `out`).
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace godwit {

// Returns the canonical form of JSON text, or nullopt when it is not valid JSON.
std::optional<std::string> CanonicalJson(std::string_view text);

// Appends the canonical form of `text` to `out` and returns true; when
// `text` is not valid JSON, returns false and leaves `out` as it was.
bool AppendCanonicalJson(std::string_view text, std::string& out);

}  // namespace godwit
