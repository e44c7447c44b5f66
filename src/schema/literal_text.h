// What a value's canonical text must look like before a dialect writes it
// into SQL without quotes. Source data decides the text (a SQLite source
// stores any text in an INTEGER, REAL or BIT column), so a check that only
// looks at the characters ("digits, signs, points and e") lets `1--` through,
// and `--` comments out the rest of the statement's line. These are the
// strict shapes; anything else is quoted, or refused where quoting would
// change the value.
//
// Thread-safety: pure functions.
#pragma once

#include <string_view>

namespace godwit {

// -?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)? : a number every engine reads as one
// token. No leading '+' (PostgreSQL reads "+1" as an operator and a number,
// harmless, but nothing canonical is written so).
inline bool IsNumberText(std::string_view s) {
  size_t i = 0;
  const auto digits = [&] {
    size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i - from;
  };
  if (i < s.size() && s[i] == '-') ++i;
  size_t whole = digits();
  size_t fraction = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    fraction = digits();
  }
  if (whole == 0 && fraction == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '-' || s[i] == '+')) ++i;
    if (digits() == 0) return false;
  }
  return i == s.size();
}

// -?\d+
inline bool IsIntegerText(std::string_view s) {
  size_t i = (!s.empty() && s[0] == '-') ? 1 : 0;
  if (i == s.size()) return false;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

// [01]+ : the canonical text of a BIT value.
inline bool IsBitText(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c != '0' && c != '1') return false;
  }
  return true;
}

// The non-finite values a float or decimal may hold (quoted when written).
inline bool IsNonFiniteText(std::string_view s) { return s == "NaN" || s == "Infinity" || s == "-Infinity"; }

}  // namespace godwit
