#include "verify/row_hash.h"

#include <bit>
#include <cassert>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>

#include "verify/canonical_json.h"

namespace godwit {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// "12:00:00.500000" → "12:00:00.5", "1.000" → "1", "100" → "100": only a
// fraction made of digits alone loses its trailing zeros.
std::string_view TrimFraction(std::string_view v) {
  size_t dot = v.rfind('.');
  if (dot == std::string_view::npos) return v;
  for (size_t i = dot + 1; i < v.size(); ++i) {
    if (!IsDigit(v[i])) return v;
  }
  size_t end = v.size();
  while (end > dot + 1 && v[end - 1] == '0') --end;
  if (end == dot + 1) end = dot;
  return v.substr(0, end);
}

std::string_view TrimDecimal(std::string_view v) {
  v = TrimFraction(v);
  if (v == "-0") return v.substr(1);
  return v;
}

bool HasUpperAscii(std::string_view v) {
  for (char c : v) {
    if (c >= 'A' && c <= 'Z') return true;
  }
  return false;
}

// Parses Godwit's canonical float text; false when `v` is not a number.
template <typename T>
bool ParseIeee(std::string_view v, T& out) {
  if (v == "NaN") {
    out = std::numeric_limits<T>::quiet_NaN();
    return true;
  }
  if (v == "Infinity" || v == "-Infinity") {
    out = v[0] == '-' ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::infinity();
    return true;
  }
  auto [end, ec] = std::from_chars(v.data(), v.data() + v.size(), out);
  if (ec == std::errc() && end == v.data() + v.size()) return true;
  if (ec != std::errc::result_out_of_range) return false;
  // Beyond the type's range (a double's text read as float, say): round as
  // strtod does, to infinity or zero. Rare, so the copy does not matter.
  std::string copy(v);
  char* stop = nullptr;
  if constexpr (std::is_same_v<T, float>) {
    out = std::strtof(copy.c_str(), &stop);
  } else {
    out = std::strtod(copy.c_str(), &stop);
  }
  return stop == copy.c_str() + copy.size();
}

template <typename Bits, typename T>
void AppendIeee(T value, std::string& out) {
  if (std::isnan(value)) value = std::numeric_limits<T>::quiet_NaN();  // one pattern for every NaN
  if (value == 0) value = 0;                                           // -0 is +0
  Bits bits = std::bit_cast<Bits>(value);
  char bytes[sizeof bits];
  for (size_t i = 0; i < sizeof bits; ++i) bytes[i] = static_cast<char>((bits >> (8 * i)) & 0xff);  // little-endian
  out.append(bytes, sizeof bytes);
}

// The normal form when it is a part of the canonical text (most kinds:
// nothing, or a prefix, or a suffix); nullopt when it must be computed
// (AppendComputedForm).
std::optional<std::string_view> TrimmedForm(TypeKind kind, std::string_view v) {
  switch (kind) {
    case TypeKind::kDecimal: return TrimDecimal(v);
    case TypeKind::kFloat:
    case TypeKind::kDouble:
    case TypeKind::kJson: return std::nullopt;
    case TypeKind::kChar: {
      size_t end = v.find_last_not_of(' ');
      return v.substr(0, end == std::string_view::npos ? 0 : end + 1);
    }
    case TypeKind::kTime:
    case TypeKind::kDateTime:
    case TypeKind::kTimestampTz: return TrimFraction(v);
    case TypeKind::kUuid:
      if (HasUpperAscii(v)) return std::nullopt;
      return v;
    case TypeKind::kBit: {
      // Leading zeros go, but one digit stays: "0000" → "0", while an
      // empty bit varying stays "".
      size_t first = v.find_first_not_of('0');
      if (first == std::string_view::npos) return v.substr(v.empty() ? 0 : v.size() - 1);
      return v.substr(first);
    }
    default: return v;
  }
}

// The normal form of the kinds TrimmedForm leaves out, appended to `out`.
void AppendComputedForm(TypeKind kind, std::string_view v, std::string& out) {
  switch (kind) {
    case TypeKind::kFloat: {
      float f;
      if (ParseIeee(v, f)) {
        AppendIeee<uint32_t>(f, out);
      } else {
        out.append(v);
      }
      return;
    }
    case TypeKind::kDouble: {
      double d;
      if (ParseIeee(v, d)) {
        AppendIeee<uint64_t>(d, out);
      } else {
        out.append(v);
      }
      return;
    }
    case TypeKind::kJson:
      if (!AppendCanonicalJson(v, out)) out.append(v);
      return;
    case TypeKind::kUuid:
      for (char c : v) out.push_back(c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c);
      return;
    default: out.append(v);
  }
}

void AppendVarint(uint64_t n, std::string& out) {
  while (n >= 0x80) {
    out.push_back(static_cast<char>((n & 0x7f) | 0x80));
    n >>= 7;
  }
  out.push_back(static_cast<char>(n));
}

// The kinds whose normal form is the more lenient, most lenient first.
// Kinds in one group of the comment in row_hash.h share a rule, so their
// order among themselves does not matter.
// uuid before char: a MySQL CHAR(36) holding an uppercase UUID copied
// into a PostgreSQL uuid column is the same value in lowercase.
constexpr TypeKind kLenientFirst[] = {
    TypeKind::kJson,    TypeKind::kFloat, TypeKind::kDouble,   TypeKind::kUuid,        TypeKind::kChar,
    TypeKind::kDecimal, TypeKind::kTime,  TypeKind::kDateTime, TypeKind::kTimestampTz, TypeKind::kBit,
};

}  // namespace

ColumnType ComparisonType(const ColumnType& source, const ColumnType& destination) {
  if (source.kind == destination.kind) return destination;
  for (TypeKind k : kLenientFirst) {
    if (source.kind == k) return source;
    if (destination.kind == k) return destination;
  }
  return destination;
}

void AppendNormalForm(const ColumnType& type, std::string_view canonical, std::string& out) {
  if (auto form = TrimmedForm(type.kind, canonical)) {
    out.append(*form);
  } else {
    AppendComputedForm(type.kind, canonical, out);
  }
}

RowHasher::RowHasher(std::vector<ColumnType> types, std::vector<int> key_columns)
    : types_(std::move(types)), key_columns_(std::move(key_columns)) {
  buffer_.reserve(1024);
  scratch_.reserve(256);
}

void RowHasher::AppendColumn(size_t column, const Value& value, std::string& out) {
  if (value.is_null()) {
    out.push_back('\0');
    return;
  }
  out.push_back('\1');
  TypeKind kind = types_[column].kind;
  if (auto form = TrimmedForm(kind, value.bytes())) {
    AppendVarint(form->size(), out);
    out.append(*form);
    return;
  }
  scratch_.clear();
  AppendComputedForm(kind, value.bytes(), scratch_);
  AppendVarint(scratch_.size(), out);
  out.append(scratch_);
}

XXH128_hash_t RowHasher::Row(std::span<const Value> row) {
  assert(row.size() == types_.size());
  buffer_.clear();
  for (size_t i = 0; i < row.size(); ++i) AppendColumn(i, row[i], buffer_);
  return XXH3_128bits(buffer_.data(), buffer_.size());
}

uint64_t RowHasher::Key(std::span<const Value> row, std::string& key_out) {
  assert(row.size() == types_.size());
  key_out.clear();
  for (int c : key_columns_) AppendColumn(static_cast<size_t>(c), row[static_cast<size_t>(c)], key_out);
  return XXH3_64bits(key_out.data(), key_out.size());
}

void RowHasher::Columns(std::span<const Value> row, std::span<uint64_t> out) {
  assert(row.size() == types_.size() && out.size() == types_.size());
  for (size_t i = 0; i < row.size(); ++i) {
    buffer_.clear();
    AppendColumn(i, row[i], buffer_);
    out[i] = XXH3_64bits(buffer_.data(), buffer_.size());
  }
}

}  // namespace godwit
