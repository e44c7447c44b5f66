// Small text helpers shared by the dialects and connectors.
#pragma once

#include <string>
#include <string_view>

namespace godwit {

// Appends `bytes` as uppercase hexadecimal digits.
void AppendHexUpper(std::string_view bytes, std::string& out);
inline std::string HexUpper(std::string_view bytes) {
  std::string out;
  AppendHexUpper(bytes, out);
  return out;
}

// 'text' with single quotes doubled: the standard SQL string literal
// (PostgreSQL with standard_conforming_strings, SQLite).
std::string SqlStringLiteral(std::string_view text);

}  // namespace godwit
