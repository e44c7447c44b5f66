// Small text helpers shared by the dialects, connectors, the API and the
// CLI: hexadecimal and percent-encoding (written once here), SQL string
// literals.
//
// Thread-safety: pure functions.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace godwit {

// Appends `bytes` as hexadecimal digits, two per byte: uppercase (SQL
// X'..' literals) or lowercase (PostgreSQL's bytea form, JSON escapes,
// tokens and ids).
void AppendHexUpper(std::string_view bytes, std::string& out);
void AppendHexLower(std::string_view bytes, std::string& out);
inline std::string HexUpper(std::string_view bytes) {
  std::string out;
  AppendHexUpper(bytes, out);
  return out;
}
inline std::string HexLower(std::string_view bytes) {
  std::string out;
  AppendHexLower(bytes, out);
  return out;
}

// The value of one hexadecimal digit of either case, or -1.
// (Inline over a table: the COPY decoder calls it per digit.)
namespace text_internal {
constexpr std::array<int8_t, 256> MakeHexValues() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int c = '0'; c <= '9'; ++c) t[c] = static_cast<int8_t>(c - '0');
  for (int c = 'a'; c <= 'f'; ++c) t[c] = static_cast<int8_t>(c - 'a' + 10);
  for (int c = 'A'; c <= 'F'; ++c) t[c] = static_cast<int8_t>(c - 'A' + 10);
  return t;
}
inline constexpr std::array<int8_t, 256> kHexValues = MakeHexValues();
}  // namespace text_internal
inline int HexDigitValue(char c) { return text_internal::kHexValues[static_cast<unsigned char>(c)]; }

// Appends the bytes `hex` spells, two digits (either case) a byte. False,
// with `out` partly written, when `hex` has an odd length or a non-digit.
bool DecodeHex(std::string_view hex, std::string& out);

// Percent-encoding (RFC 3986): every byte but the unreserved ones (ASCII
// letters and digits, - _ . ~) and those in `keep` becomes %XX, uppercase.
// `keep` "/" leaves path separators as they are.
std::string PercentEncode(std::string_view text, std::string_view keep = {});

// Undoes %XX escapes (either case); other bytes, '+' included, stay as
// they are. kInvalidArgument "incomplete percent-escape" for a '%' with
// fewer than two characters after it, "bad percent-escape" for one not
// followed by two hexadecimal digits; the caller adds where.
Result<std::string> PercentDecode(std::string_view text);

// 'text' with single quotes doubled: the standard SQL string literal
// (PostgreSQL with standard_conforming_strings, SQLite).
std::string SqlStringLiteral(std::string_view text);

// A figure a server printed (a setting, a byte count), as a number; 0 when
// it is empty or not a number: the server did not say.
double NumberOrZero(const std::string& text);

}  // namespace godwit
