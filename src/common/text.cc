#include "common/text.h"

#include <array>
#include <cstdint>
#include <exception>

namespace godwit {

namespace {

// Written into place (bytea and binary keys pass through here per value on
// the copy's and the Writer's paths).
void AppendHex(std::string_view bytes, const char (&digits)[17], std::string& out) {
  const size_t at = out.size();
  out.resize(at + bytes.size() * 2);
  char* w = out.data() + at;
  for (unsigned char c : bytes) {
    *w++ = digits[c >> 4];
    *w++ = digits[c & 15];
  }
}

constexpr char kUpperDigits[] = "0123456789ABCDEF";
constexpr char kLowerDigits[] = "0123456789abcdef";

bool IsUnreserved(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.' || c == '~';
}

}  // namespace

void AppendHexUpper(std::string_view bytes, std::string& out) { AppendHex(bytes, kUpperDigits, out); }
void AppendHexLower(std::string_view bytes, std::string& out) { AppendHex(bytes, kLowerDigits, out); }

bool DecodeHex(std::string_view hex, std::string& out) {
  if (hex.size() % 2 != 0) return false;
  out.reserve(out.size() + hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    const int hi = HexDigitValue(hex[i]);
    const int lo = HexDigitValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return true;
}

std::string PercentEncode(std::string_view text, std::string_view keep) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (IsUnreserved(c) || keep.find(static_cast<char>(c)) != std::string_view::npos) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kUpperDigits[c >> 4]);
      out.push_back(kUpperDigits[c & 15]);
    }
  }
  return out;
}

Result<std::string> PercentDecode(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out.push_back(text[i]);
      continue;
    }
    if (i + 2 >= text.size()) return Status(ErrorCode::kInvalidArgument, "incomplete percent-escape");
    const int hi = HexDigitValue(text[i + 1]);
    const int lo = HexDigitValue(text[i + 2]);
    if (hi < 0 || lo < 0) return Status(ErrorCode::kInvalidArgument, "bad percent-escape");
    out.push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return out;
}

std::string SqlStringLiteral(std::string_view text) {
  std::string out;
  out.reserve(text.size() + 2);
  out.push_back('\'');
  for (char c : text) {
    if (c == '\'') out.push_back('\'');
    out.push_back(c);
  }
  out.push_back('\'');
  return out;
}

double NumberOrZero(const std::string& text) {
  try {
    return text.empty() ? 0 : std::stod(text);
  } catch (const std::exception&) {
    return 0;
  }
}

}  // namespace godwit
