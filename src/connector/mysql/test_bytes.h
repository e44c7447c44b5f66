// Byte strings for the binlog and binary JSON unit tests, written out as
// the formats' specifications lay them.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>

namespace godwit::mysql::testing {

inline std::string Bytes(std::initializer_list<int> b) {
  std::string s;
  for (int c : b) s.push_back(static_cast<char>(c));
  return s;
}

// `v` in `n` bytes, little-endian (Le) or big-endian (Be).
inline std::string Le(uint64_t v, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

inline std::string Be(uint64_t v, int n) {
  std::string s;
  for (int i = n - 1; i >= 0; --i) s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  return s;
}

}  // namespace godwit::mysql::testing
