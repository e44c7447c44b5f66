#include "connector/mysql/binlog_decoder.h"

#include <cctype>
#include <charconv>
#include <algorithm>
#include <cstring>

#include "common/text.h"
#include "connector/mysql/mysql_json.h"
#include "connector/mysql/mysql_types.h"
#include "schema/statement_redaction.h"

namespace godwit::mysql {
namespace {

namespace bt = binlog_type;

Status Truncated(std::string_view what) {
  return Status(ErrorCode::kReadFailed, "binlog row event truncated while reading " + std::string(what),
                "The binlog event is malformed; re-read it from the source (restart capture from the last stored "
                "position).");
}

uint64_t LittleEndian(std::string_view d, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(d[i])) << (8 * i);
  return v;
}

uint64_t BigEndian(std::string_view d, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<uint8_t>(d[i]);
  return v;
}

int64_t SignExtend(uint64_t v, size_t bytes) {
  if (bytes >= 8) return static_cast<int64_t>(v);
  const uint64_t sign = uint64_t{1} << (bytes * 8 - 1);
  return static_cast<int64_t>((v ^ sign) - sign);
}

void AppendPadded(std::string& out, uint64_t v, int width) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  for (int n = static_cast<int>(end - buf); n < width; ++n) out.push_back('0');
  out.append(buf, end);
}

template <typename T>
void AppendNumber(std::string& out, T v) {
  char buf[32];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, end);
}

// Fractional seconds of the temporal2 formats: (fsp + 1) / 2 big-endian
// bytes counting hundredths, ten-thousandths or microseconds.
size_t FracBytes(uint32_t fsp) { return (fsp + 1) / 2; }

void AppendFraction(std::string& out, uint64_t micros, uint32_t fsp) {
  if (fsp == 0) return;
  static constexpr uint64_t kPow[] = {1, 10, 100, 1000, 10000, 100000, 1000000};
  out.push_back('.');
  AppendPadded(out, micros / kPow[6 - fsp], static_cast<int>(fsp));
}

void AppendDate(std::string& out, uint64_t y, uint64_t m, uint64_t d) {
  AppendPadded(out, y, 4);
  out.push_back('-');
  AppendPadded(out, m, 2);
  out.push_back('-');
  AppendPadded(out, d, 2);
}

void AppendClock(std::string& out, uint64_t h, uint64_t mi, uint64_t s) {
  AppendPadded(out, h, 2);
  out.push_back(':');
  AppendPadded(out, mi, 2);
  out.push_back(':');
  AppendPadded(out, s, 2);
}

// Days since 1970-01-01 -> civil date (H. Hinnant's algorithm).
void CivilFromDays(int64_t z, int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
}

// Column text in the column's charset -> UTF-8, as the full migration's
// utf8mb4 session receives it.
Status ToUtf8(const ColumnType& col, std::string_view bytes, std::string& out) {
  const std::string& cs = col.charset;
  if (cs.empty() || cs == "binary" || cs.rfind("utf8", 0) == 0 || cs == "ascii") {
    out.assign(bytes);
    return Status::Ok();
  }
  if (cs == "latin1") {
    // MySQL's latin1 is Windows-1252; its 0x80..0x9f differ from ISO 8859-1.
    static constexpr uint16_t kCp1252[32] = {0x20AC, 0x81,   0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021,
                                             0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,   0x017D, 0x8F,
                                             0x90,   0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014,
                                             0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0x9D,   0x017E, 0x0178};
    out.clear();
    for (char c : bytes) {
      uint32_t u = static_cast<uint8_t>(c);
      if (u >= 0x80 && u < 0xa0) u = kCp1252[u - 0x80];
      if (u < 0x80) {
        out.push_back(static_cast<char>(u));
      } else if (u < 0x800) {
        out.push_back(static_cast<char>(0xc0 | (u >> 6)));
        out.push_back(static_cast<char>(0x80 | (u & 0x3f)));
      } else {
        out.push_back(static_cast<char>(0xe0 | (u >> 12)));
        out.push_back(static_cast<char>(0x80 | ((u >> 6) & 0x3f)));
        out.push_back(static_cast<char>(0x80 | (u & 0x3f)));
      }
    }
    return Status::Ok();
  }
  return Status(ErrorCode::kUnsupported,
                "change capture cannot convert character set " + cs + " (column type " + col.native + ") to UTF-8",
                "Convert the column to utf8mb4 on the source, or migrate without change capture.");
}

Status ZeroDate(std::string_view text) {
  return Status(ErrorCode::kDataError,
                "zero date '" + std::string(text) + "' in a captured row: no other engine can hold it",
                "Fix the row on the source, or map zero dates to NULL explicitly (--zero-date null, or zero_date: null "
                "in the project file).");
}

// Rows decoded with the current catalog meet a table altered since they
// were written: only the server's own record of the shape at write time
// (FULL row metadata) decodes them.
constexpr const char* kAlteredHint =
    "Set binlog_row_metadata=FULL on the source (SET GLOBAL binlog_row_metadata=FULL, and in its configuration) so "
    "that row events carry the table's shape as of their write; the changes already written without it can only be "
    "captured from a position after the ALTER, or by copying the table again.";

Status TypeMismatch(uint8_t type, const ColumnType& col) {
  return Status(ErrorCode::kReadFailed,
                "binlog column type " + std::to_string(type) + " does not match the catalog's " + col.native +
                    ": the table was altered after these changes were written",
                kAlteredHint);
}

bool Bit(std::string_view bitmap, size_t i) {
  return i / 8 < bitmap.size() && (static_cast<uint8_t>(bitmap[i / 8]) >> (i % 8)) & 1;
}

// First keyword of a statement, upper-cased, after blanks and comments.
std::string FirstWords(std::string_view s, int words) {
  std::string out;
  size_t i = 0;
  for (int w = 0; w < words; ++w) {
    for (;;) {
      while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
      if (s.substr(i, 2) == "/*" && s.substr(i, 3) != "/*!") {
        size_t end = s.find("*/", i + 2);
        i = end == std::string_view::npos ? s.size() : end + 2;
      } else if (s.substr(i, 1) == "#" || s.substr(i, 3) == "-- ") {
        size_t end = s.find('\n', i);
        i = end == std::string_view::npos ? s.size() : end + 1;
      } else {
        break;
      }
    }
    if (w) out.push_back(' ');
    while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) {
      out.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(s[i]))));
      ++i;
    }
  }
  return out;
}

}  // namespace

Result<size_t> DecodeBinaryDecimal(uint32_t precision, uint32_t scale, std::string_view data, std::string& out) {
  static constexpr size_t kDigBytes[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
  if (precision == 0 || scale > precision) {
    return Status(ErrorCode::kReadFailed,
                  "binlog DECIMAL with precision " + std::to_string(precision) + " and scale " + std::to_string(scale));
  }
  const uint32_t intg = precision - scale;
  const uint32_t intg0 = intg / 9, intg0x = intg % 9, frac0 = scale / 9, frac0x = scale % 9;
  const size_t size = intg0 * 4 + kDigBytes[intg0x] + frac0 * 4 + kDigBytes[frac0x];
  if (data.size() < size) return Truncated("a DECIMAL");
  std::string buf(data.substr(0, size));
  const bool negative = (static_cast<uint8_t>(buf[0]) & 0x80) == 0;
  buf[0] = static_cast<char>(buf[0] ^ 0x80);
  if (negative) {
    for (char& c : buf) c = static_cast<char>(~c);
  }
  std::string_view p(buf);
  std::string int_digits, frac_digits;
  auto take = [&](size_t bytes) {
    uint64_t v = BigEndian(p, bytes);
    p.remove_prefix(bytes);
    return v;
  };
  if (intg0x) AppendNumber(int_digits, take(kDigBytes[intg0x]));
  for (uint32_t i = 0; i < intg0; ++i) AppendPadded(int_digits, take(4), 9);
  for (uint32_t i = 0; i < frac0; ++i) AppendPadded(frac_digits, take(4), 9);
  if (frac0x) AppendPadded(frac_digits, take(kDigBytes[frac0x]), static_cast<int>(frac0x));
  size_t nz = int_digits.find_first_not_of('0');
  int_digits = nz == std::string::npos ? "0" : int_digits.substr(nz);
  const bool zero = int_digits == "0" && frac_digits.find_first_not_of('0') == std::string::npos;
  out.clear();
  if (negative && !zero) out.push_back('-');
  out += int_digits;
  if (scale) {
    out.push_back('.');
    out += frac_digits;
  }
  return size;
}

Result<std::vector<uint16_t>> ParseColumnMeta(std::string_view types, std::string_view metadata) {
  std::vector<uint16_t> meta(types.size(), 0);
  size_t at = 0;
  auto need = [&](size_t n) { return at + n <= metadata.size(); };
  for (size_t i = 0; i < types.size(); ++i) {
    const uint8_t t = static_cast<uint8_t>(types[i]);
    switch (t) {
      case bt::kFloat:
      case bt::kDouble:
      case bt::kBlob:
      case bt::kGeometry:
      case bt::kJson:
      case bt::kTimestamp2:
      case bt::kDateTime2:
      case bt::kTime2:
        if (!need(1)) return Truncated("TABLE_MAP metadata");
        meta[i] = static_cast<uint8_t>(metadata[at]);
        at += 1;
        break;
      case bt::kVarchar:
      case bt::kVarString:
        if (!need(2)) return Truncated("TABLE_MAP metadata");
        meta[i] = static_cast<uint16_t>(LittleEndian(metadata.substr(at), 2));
        at += 2;
        break;
      case bt::kBit:
      case bt::kNewDecimal:
      case bt::kString:
      case bt::kEnum:
      case bt::kSet:
        if (!need(2)) return Truncated("TABLE_MAP metadata");
        meta[i] =
            static_cast<uint16_t>(static_cast<uint8_t>(metadata[at]) << 8 | static_cast<uint8_t>(metadata[at + 1]));
        at += 2;
        break;
      default: break;
    }
  }
  return meta;
}

Result<size_t> DecodeBinlogValue(uint8_t type, uint16_t meta, const ColumnType& col, std::string_view data,
                                 bool zero_date_null, std::string& out, bool& is_null) {
  is_null = false;
  out.clear();
  auto need = [&](size_t n) { return data.size() >= n; };
  auto integer = [&](size_t n, TypeKind kind) -> Result<size_t> {
    if (col.kind != kind && !(kind == TypeKind::kInt8 && col.kind == TypeKind::kBool)) return TypeMismatch(type, col);
    if (!need(n)) return Truncated("an integer");
    uint64_t v = LittleEndian(data, n);
    if (col.is_unsigned)
      AppendNumber(out, v);
    else
      AppendNumber(out, SignExtend(v, n));
    return n;
  };
  auto zero_date = [&](size_t consumed) -> Result<size_t> {
    if (!zero_date_null) return ZeroDate(out);
    out.clear();
    is_null = true;
    return consumed;
  };
  switch (type) {
    case bt::kTiny: return integer(1, TypeKind::kInt8);
    case bt::kShort: return integer(2, TypeKind::kInt16);
    case bt::kInt24: return integer(3, TypeKind::kInt24);
    case bt::kLong: return integer(4, TypeKind::kInt32);
    case bt::kLongLong: return integer(8, TypeKind::kInt64);
    case bt::kFloat: {
      if (col.kind != TypeKind::kFloat && col.kind != TypeKind::kDouble) return TypeMismatch(type, col);
      if (!need(4)) return Truncated("a FLOAT");
      uint32_t bits = static_cast<uint32_t>(LittleEndian(data, 4));
      float f;
      std::memcpy(&f, &bits, 4);
      AppendNumber(out, f);
      return 4;
    }
    case bt::kDouble: {
      if (col.kind != TypeKind::kDouble && col.kind != TypeKind::kFloat) return TypeMismatch(type, col);
      if (!need(8)) return Truncated("a DOUBLE");
      uint64_t bits = LittleEndian(data, 8);
      double d;
      std::memcpy(&d, &bits, 8);
      AppendNumber(out, d);
      return 8;
    }
    case bt::kNewDecimal:
      if (col.kind != TypeKind::kDecimal) return TypeMismatch(type, col);
      return DecodeBinaryDecimal(meta >> 8, meta & 0xff, data, out);
    case bt::kYear: {
      if (col.kind != TypeKind::kYear) return TypeMismatch(type, col);
      if (!need(1)) return Truncated("a YEAR");
      uint8_t y = static_cast<uint8_t>(data[0]);
      AppendPadded(out, y == 0 ? 0 : 1900 + y, 4);
      return 1;
    }
    case bt::kDate: {
      if (col.kind != TypeKind::kDate) return TypeMismatch(type, col);
      if (!need(3)) return Truncated("a DATE");
      uint64_t v = LittleEndian(data, 3);
      uint64_t d = v & 31, m = (v >> 5) & 15, y = v >> 9;
      AppendDate(out, y, m, d);
      if (m == 0 || d == 0) return zero_date(3);
      return 3;
    }
    case bt::kDateTime2: {
      if (col.kind != TypeKind::kDateTime) return TypeMismatch(type, col);
      const size_t n = 5 + FracBytes(meta);
      if (meta > 6 || !need(n)) return Truncated("a DATETIME");
      const int64_t packed = static_cast<int64_t>(BigEndian(data, 5)) - 0x8000000000LL;
      const uint64_t ymdhms = static_cast<uint64_t>(packed < 0 ? -packed : packed);
      const uint64_t ymd = ymdhms >> 17, hms = ymdhms & 0x1ffff;
      const uint64_t ym = ymd >> 5;
      const uint64_t frac = BigEndian(data.substr(5), FracBytes(meta));
      const uint64_t micros = FracBytes(meta) == 1 ? frac * 10000 : FracBytes(meta) == 2 ? frac * 100 : frac;
      AppendDate(out, ym / 13, ym % 13, ymd & 31);
      out.push_back(' ');
      AppendClock(out, hms >> 12, (hms >> 6) & 63, hms & 63);
      AppendFraction(out, micros, meta);
      if (ym % 13 == 0 || (ymd & 31) == 0) return zero_date(n);
      return n;
    }
    case bt::kTimestamp2: {
      if (col.kind != TypeKind::kTimestampTz) return TypeMismatch(type, col);
      const size_t n = 4 + FracBytes(meta);
      if (meta > 6 || !need(n)) return Truncated("a TIMESTAMP");
      const uint64_t secs = BigEndian(data, 4);
      const uint64_t frac = BigEndian(data.substr(4), FracBytes(meta));
      const uint64_t micros = FracBytes(meta) == 1 ? frac * 10000 : FracBytes(meta) == 2 ? frac * 100 : frac;
      if (secs == 0) {
        out = "0000-00-00 00:00:00";
        AppendFraction(out, 0, meta);
        return zero_date(n);
      }
      int64_t y;
      unsigned m, d;
      CivilFromDays(static_cast<int64_t>(secs / 86400), y, m, d);
      const uint64_t sod = secs % 86400;
      AppendDate(out, static_cast<uint64_t>(y), m, d);
      out.push_back(' ');
      AppendClock(out, sod / 3600, sod / 60 % 60, sod % 60);
      AppendFraction(out, micros, meta);
      return n;
    }
    case bt::kTime2: {
      if (col.kind != TypeKind::kTime) return TypeMismatch(type, col);
      const size_t n = 3 + FracBytes(meta);
      if (meta > 6 || !need(n)) return Truncated("a TIME");
      int64_t packed;
      switch (FracBytes(meta)) {
        case 0: packed = (static_cast<int64_t>(BigEndian(data, 3)) - 0x800000) << 24; break;
        case 1: {
          int64_t intpart = static_cast<int64_t>(BigEndian(data, 3)) - 0x800000;
          int64_t frac = static_cast<uint8_t>(data[3]);  // unsigned: negative times store 0x100 - frac
          if (intpart < 0 && frac) {
            ++intpart;
            frac -= 0x100;
          }
          packed = intpart * (int64_t{1} << 24) + frac * 10000;
          break;
        }
        case 2: {
          int64_t intpart = static_cast<int64_t>(BigEndian(data, 3)) - 0x800000;
          int64_t frac = static_cast<int64_t>(BigEndian(data.substr(3), 2));
          if (intpart < 0 && frac) {
            ++intpart;
            frac -= 0x10000;
          }
          packed = intpart * (int64_t{1} << 24) + frac * 100;
          break;
        }
        default: packed = static_cast<int64_t>(BigEndian(data, 6)) - 0x800000000000LL; break;
      }
      if (packed < 0) {
        out.push_back('-');
        packed = -packed;
      }
      const uint64_t hms = static_cast<uint64_t>(packed) >> 24;
      AppendClock(out, (hms >> 12) & 0x3ff, (hms >> 6) & 63, hms & 63);
      AppendFraction(out, static_cast<uint64_t>(packed) & 0xffffff, meta);
      return n;
    }
    case bt::kTimestamp: {  // pre-5.6 format: seconds, little-endian, no fraction
      if (col.kind != TypeKind::kTimestampTz) return TypeMismatch(type, col);
      if (!need(4)) return Truncated("a TIMESTAMP");
      const uint64_t secs = LittleEndian(data, 4);
      if (secs == 0) {
        out = "0000-00-00 00:00:00";
        return zero_date(4);
      }
      int64_t y;
      unsigned m, d;
      CivilFromDays(static_cast<int64_t>(secs / 86400), y, m, d);
      AppendDate(out, static_cast<uint64_t>(y), m, d);
      out.push_back(' ');
      AppendClock(out, secs % 86400 / 3600, secs % 3600 / 60, secs % 60);
      return 4;
    }
    case bt::kDateTime: {  // pre-5.6 format: YYYYMMDDhhmmss as an integer
      if (col.kind != TypeKind::kDateTime) return TypeMismatch(type, col);
      if (!need(8)) return Truncated("a DATETIME");
      uint64_t v = LittleEndian(data, 8);
      uint64_t date = v / 1000000, time = v % 1000000;
      AppendDate(out, date / 10000, date / 100 % 100, date % 100);
      out.push_back(' ');
      AppendClock(out, time / 10000, time / 100 % 100, time % 100);
      if (date / 100 % 100 == 0 || date % 100 == 0) return zero_date(8);
      return 8;
    }
    case bt::kTime: {  // pre-5.6 format: [-]HHMMSS as a 3-byte integer
      if (col.kind != TypeKind::kTime) return TypeMismatch(type, col);
      if (!need(3)) return Truncated("a TIME");
      int64_t v = SignExtend(LittleEndian(data, 3), 3);
      if (v < 0) {
        out.push_back('-');
        v = -v;
      }
      AppendClock(out, static_cast<uint64_t>(v / 10000), static_cast<uint64_t>(v / 100 % 100),
                  static_cast<uint64_t>(v % 100));
      return 3;
    }
    case bt::kBit: {
      if (col.kind != TypeKind::kBit) return TypeMismatch(type, col);
      const size_t n = (meta & 0xff) + ((meta >> 8) ? 1 : 0);
      if (!need(n)) return Truncated("a BIT");
      BitsToText(data.substr(0, n), col.length, out);
      return n;
    }
    case bt::kVarchar:
    case bt::kVarString: {
      const size_t prefix = meta < 256 ? 1 : 2;
      if (!need(prefix)) return Truncated("a VARCHAR");
      const size_t len = LittleEndian(data, prefix);
      if (!need(prefix + len)) return Truncated("a VARCHAR");
      if (!col.IsString() && !col.IsBinary()) return TypeMismatch(type, col);
      RETURN_IF_ERROR(ToUtf8(col, data.substr(prefix, len), out));
      return prefix + len;
    }
    case bt::kBlob: {
      if (meta < 1 || meta > 4) return Truncated("a BLOB's length size");
      if (!need(meta)) return Truncated("a BLOB");
      const size_t len = LittleEndian(data, meta);
      if (!need(meta + len)) return Truncated("a BLOB");
      if (col.kind != TypeKind::kText && col.kind != TypeKind::kBlob && col.kind != TypeKind::kJson &&
          col.kind != TypeKind::kNative) {
        return TypeMismatch(type, col);
      }
      RETURN_IF_ERROR(ToUtf8(col, data.substr(meta, len), out));
      return meta + len;
    }
    case bt::kString: {
      uint32_t real_type = meta >> 8, max_len = meta & 0xff;
      if ((real_type & 0x30) != 0x30) {  // the length's high bits hide in the type byte
        max_len |= ((real_type & 0x30) ^ 0x30) << 4;
        real_type |= 0x30;
      }
      if (real_type == bt::kEnum) {
        if (col.kind != TypeKind::kEnum) return TypeMismatch(type, col);
        if (!need(max_len) || max_len < 1 || max_len > 2) return Truncated("an ENUM");
        const uint64_t idx = LittleEndian(data, max_len);
        if (idx > col.labels.size()) return TypeMismatch(type, col);
        if (idx > 0) out = col.labels[idx - 1];  // 0 is the empty string of an invalid value
        return max_len;
      }
      if (real_type == bt::kSet) {
        if (col.kind != TypeKind::kSet) return TypeMismatch(type, col);
        if (!need(max_len) || max_len < 1 || max_len > 8) return Truncated("a SET");
        const uint64_t bits = LittleEndian(data, max_len);
        for (size_t i = 0; i < col.labels.size() && i < 64; ++i) {
          if (bits >> i & 1) {
            if (!out.empty()) out.push_back(',');
            out += col.labels[i];
          }
        }
        return max_len;
      }
      const size_t prefix = max_len < 256 ? 1 : 2;
      if (!need(prefix)) return Truncated("a CHAR");
      const size_t len = LittleEndian(data, prefix);
      if (!need(prefix + len)) return Truncated("a CHAR");
      std::string_view v = data.substr(prefix, len);
      if (col.kind == TypeKind::kChar) {
        // Multi-byte charsets keep the pad spaces in the binlog; the
        // server strips them when it returns a CHAR.
        while (!v.empty() && v.back() == ' ') v.remove_suffix(1);
        RETURN_IF_ERROR(ToUtf8(col, v, out));
      } else if (col.kind == TypeKind::kBinary) {
        out.assign(v);  // the binlog drops BINARY's trailing zero bytes
        if (out.size() < col.length) out.resize(col.length, '\0');
      } else if (col.kind == TypeKind::kUuid) {
        // MariaDB's UUID travels as a BINARY(16) (type 254) of the value's
        // bytes in text order, its trailing zero bytes dropped like BINARY's;
        // the full copy reads the server's text form, lower-case with dashes.
        if (v.size() > 16) return TypeMismatch(type, col);
        std::string bytes(v);
        bytes.resize(16, '\0');
        // 8-4-4-4-12 hex digits.
        for (size_t i = 0; i < 16; ++i) {
          if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
          AppendHexLower(std::string_view(bytes).substr(i, 1), out);
        }
      } else {
        return TypeMismatch(type, col);
      }
      return prefix + len;
    }
    case bt::kJson: {
      // Stored like a BLOB (`meta` length bytes, then the document), in
      // MySQL's binary JSON; MariaDB's JSON is a text BLOB and never gets here.
      if (meta < 1 || meta > 4) return Truncated("a JSON value's length size");
      if (!need(meta)) return Truncated("a JSON value");
      const size_t len = LittleEndian(data, meta);
      if (!need(meta + len)) return Truncated("a JSON value");
      if (col.kind != TypeKind::kJson) return TypeMismatch(type, col);
      RETURN_IF_ERROR(MysqlJsonToText(data.substr(meta, len), out));
      return meta + len;
    }
    default:
      return Status(ErrorCode::kUnsupported,
                    "change capture cannot decode binlog column type " + std::to_string(type) + " (" + col.native + ")",
                    "Exclude the table from the migration, or migrate without change capture.");
  }
}

namespace {

// The comma-separated entries of a GTID position, blanks around them dropped.
std::vector<std::string_view> GtidEntries(std::string_view position) {
  std::vector<std::string_view> out;
  for (size_t at = 0; at <= position.size();) {
    size_t end = std::min(position.find(',', at), position.size());
    std::string_view g = position.substr(at, end - at);
    while (!g.empty() && std::isspace(static_cast<unsigned char>(g.front()))) g.remove_prefix(1);
    while (!g.empty() && std::isspace(static_cast<unsigned char>(g.back()))) g.remove_suffix(1);
    out.push_back(g);
    at = end + 1;
  }
  return out;
}

// domain-server-seq: unsigned numbers of 32, 32 and 64 bits.
bool IsMariadbGtid(std::string_view g) {
  int parts = 0;
  for (size_t at = 0; at <= g.size(); ++parts) {
    const size_t end = std::min(g.find('-', at), g.size());
    uint64_t v = 0;
    auto [p, ec] = std::from_chars(g.data() + at, g.data() + end, v);
    if (ec != std::errc() || p != g.data() + end || (parts < 2 && v > UINT32_MAX)) return false;
    at = end + 1;
  }
  return parts == 3;
}

}  // namespace

bool IsMariadbGtidPosition(std::string_view position) {
  if (position.empty()) return false;
  for (std::string_view g : GtidEntries(position)) {
    if (!IsMariadbGtid(g)) return false;
  }
  return true;
}

std::string AdvanceGtidPosition(std::string_view position, std::string_view gtid) {
  const std::string_view domain = gtid.substr(0, gtid.find('-') + 1);  // "D-"
  std::string out;
  bool replaced = false;
  for (std::string_view g : GtidEntries(position)) {
    if (g.empty()) continue;
    if (!out.empty()) out.push_back(',');
    if (!domain.empty() && g.substr(0, domain.size()) == domain) {
      out += gtid;
      replaced = true;
    } else {
      out += g;
    }
  }
  if (!replaced) {
    if (!out.empty()) out.push_back(',');
    out += gtid;
  }
  return out;
}

BinlogDecoder::BinlogDecoder(MysqlBinlogPos start, TableLookup lookup, BinlogDecoderOptions options)
    : restart_(start), file_(start.file), lookup_(std::move(lookup)), options_(std::move(options)) {}

void BinlogDecoder::OnRotate(std::string file, uint64_t pos) {
  file_ = std::move(file);
  if (!in_txn_) {
    restart_.file = file_;
    restart_.pos = pos;
  }
}

void BinlogDecoder::OnOther(uint64_t next_pos) {
  if (!in_txn_ && next_pos != 0) {
    restart_.file = file_;
    restart_.pos = next_pos;
  }
}

ChangeEvent BinlogDecoder::InTxn(ChangeKind kind) const {
  ChangeEvent ev;
  ev.kind = kind;
  ev.position = txn_start_;
  ev.commit_time_us = txn_time_us_;
  ev.transaction_id = txn_gtid_;
  return ev;
}

void BinlogDecoder::Begin(uint32_t timestamp, std::vector<ChangeEvent>& out) {
  (void)out;
  in_txn_ = true;
  txn_start_ = restart_;
  txn_time_us_ = int64_t{timestamp} * 1000000;
  // Emitted with the transaction's first captured event: a transaction that
  // touches none of the project's tables (another database on the same
  // server) is not reported at all.
  begin_pending_ = true;
}

void BinlogDecoder::EmitBegin(std::vector<ChangeEvent>& out) {
  if (!begin_pending_) return;
  out.push_back(InTxn(ChangeKind::kBegin));
  begin_pending_ = false;
}

void BinlogDecoder::Commit(uint32_t timestamp, uint64_t next_pos, std::string txn_id, std::vector<ChangeEvent>& out) {
  ChangeEvent ev;
  ev.kind = ChangeKind::kCommit;
  restart_.file = file_;
  restart_.pos = next_pos;
  if (!txn_gtid_.empty()) restart_.gtid = AdvanceGtidPosition(restart_.gtid, txn_gtid_);
  ev.position = restart_;
  ev.commit_time_us = int64_t{timestamp} * 1000000;
  ev.transaction_id = txn_gtid_.empty() ? std::move(txn_id) : txn_gtid_;
  if (!begin_pending_) out.push_back(std::move(ev));  // else: nothing of it was captured
  begin_pending_ = false;
  in_txn_ = false;
  standalone_ = false;
  txn_gtid_.clear();
  maps_.clear();
}

Status BinlogDecoder::OnGtid(std::string gtid, bool standalone, uint32_t timestamp, uint64_t start_pos,
                             std::vector<ChangeEvent>& out) {
  if (in_txn_) {
    return Status(ErrorCode::kReadFailed, "binlog GTID " + gtid + " starts inside transaction " + txn_gtid_,
                  "The binlog is inconsistent; restart capture from the last stored position.");
  }
  if (start_pos != 0) {
    restart_.file = file_;
    restart_.pos = start_pos;
  }
  txn_gtid_ = std::move(gtid);
  standalone_ = standalone;
  Begin(timestamp, out);
  return Status::Ok();
}

Status BinlogDecoder::OnQuery(std::string_view schema, std::string_view statement, uint32_t timestamp,
                              uint64_t next_pos, std::vector<ChangeEvent>& out) {
  const std::string two = FirstWords(statement, 2);
  const std::string first = two.substr(0, two.find(' '));
  if (first == "BEGIN") {
    if (!in_txn_) Begin(timestamp, out);
    return Status::Ok();
  }
  if (first.empty()) return Status::Ok();  // a comment only (MariaDB's dummy events)
  if (two == "COMMIT " || two == "ROLLBACK ") {
    if (!in_txn_) return Status::Ok();
    Commit(timestamp, next_pos, {}, out);
    return Status::Ok();
  }
  if (first == "SAVEPOINT" || first == "RELEASE" || two.rfind("ROLLBACK TO", 0) == 0) return Status::Ok();
  if (first == "XA") {
    return Status(ErrorCode::kUnsupported, "change capture does not support XA transactions in the binlog",
                  "Avoid XA transactions on the tables being migrated.");
  }
  if (first == "INSERT" || first == "UPDATE" || first == "DELETE" || first == "REPLACE" || first == "LOAD") {
    return Status(ErrorCode::kServerConfig,
                  // Its values (UPDATE users SET password='...') stay out of the message.
                  "the binlog holds a data change as a statement (" +
                      RedactStatementForMessage(statement, Engine::kMysql, 80) + "), not as row events",
                  "Set binlog_format=ROW (and binlog_row_image=FULL) on the source and restart the project's capture.");
  }
  // DDL (or another administrative statement): the catalog may change.
  schemas_.clear();
  const bool wanted = !options_.tables || options_.tables(TableRef{std::string(schema), ""});
  const bool own_txn = !in_txn_;
  if (!wanted && own_txn) return Status::Ok();  // another database's DDL, nothing open
  std::vector<ChangeEvent> events;
  if (own_txn) Begin(timestamp, events);
  if (wanted) {
    EmitBegin(events);
    ChangeEvent ev = InTxn(ChangeKind::kDdl);
    ev.ddl.assign(statement);
    ev.ddl_schema.assign(schema);
    events.push_back(std::move(ev));
  }
  // A DDL's own GTID group opened a transaction: close it either way.
  if (own_txn || standalone_) Commit(timestamp, next_pos, {}, events);
  for (auto& e : events) out.push_back(std::move(e));
  return Status::Ok();
}

Status BinlogDecoder::OnXid(uint64_t xid, uint32_t timestamp, uint64_t next_pos, std::vector<ChangeEvent>& out) {
  if (!in_txn_) {
    return Status(ErrorCode::kReadFailed, "binlog XID " + std::to_string(xid) + " outside a transaction",
                  "The binlog is inconsistent; restart capture from the last stored position.");
  }
  Commit(timestamp, next_pos, std::to_string(xid), out);
  return Status::Ok();
}

Status BinlogDecoder::OnTableMap(const BinlogTableMap& map) {
  MappedTable t;
  t.ref = map.table;
  t.types = map.column_types;
  ASSIGN_OR_RETURN(t.meta, ParseColumnMeta(map.column_types, map.metadata));
  t.captured = !options_.tables || options_.tables(t.ref);
  if (t.captured) {
    auto it = schemas_.find(t.ref);
    if (it == schemas_.end()) {
      auto schema = lookup_(t.ref);
      if (!schema.ok() && schema.status().code() != ErrorCode::kNotFound) return schema.status();
      it = schemas_.emplace(t.ref, schema.ok() ? std::optional<TableSchema>(std::move(*schema)) : std::nullopt).first;
    }
    if (!it->second) {
      // Not in the catalog (dropped since, or outside the source's
      // database): its rows are skipped.
      t.captured = false;
      maps_[map.table_id] = std::move(t);
      return Status::Ok();
    }
    if (!map.optional_metadata.empty()) {
      Status st = ColumnsFromEvent(map, *it->second, t);
      if (!st.ok()) {
        return Status(st.code(), st.message() + " (TABLE_MAP of " + t.ref.ToString() + ")", st.hint(),
                      st.native_code());
      }
    }
    if (t.schema.columns.empty()) t.schema = *it->second;  // no FULL metadata: the catalog's shape
    if (t.schema.columns.size() != t.types.size()) {
      return Status(ErrorCode::kReadFailed,
                    "table " + t.ref.ToString() + " has " + std::to_string(t.types.size()) +
                        " columns in the binlog but " + std::to_string(t.schema.columns.size()) +
                        " in the catalog: it was altered after these changes were written, or has generated columns",
                    kAlteredHint);
    }
  }
  maps_[map.table_id] = std::move(t);
  return Status::Ok();
}

Status BinlogDecoder::ColumnsFromEvent(const BinlogTableMap& map, const TableSchema& catalog, MappedTable& t) const {
  ASSIGN_OR_RETURN(TableMapMetadata md,
                   ParseTableMapMetadata(map.column_types, t.meta, map.optional_metadata, options_.mariadb));
  if (!md.full()) return Status::Ok();  // MINIMAL: signedness and charsets only, names from the catalog
  ASSIGN_OR_RETURN(std::vector<Column> cols, ColumnsFromTableMap(map.column_types, t.meta, md, options_.charset_of));
  for (Column& c : cols) {
    const Column* now = catalog.FindColumn(c.name);
    // ENUM/SET members travel in the column's charset; labels are UTF-8.
    // A charset ToUtf8 does not convert can still use the catalog's labels
    // (information_schema gives them in UTF-8) while they are the same list.
    for (std::string& label : c.type.labels) {
      std::string utf8;
      Status st = ToUtf8(c.type, label, utf8);
      if (!st.ok()) {
        if (now && now->type.kind == c.type.kind && now->type.labels.size() == c.type.labels.size()) {
          c.type.labels = now->type.labels;
          break;
        }
        return st;
      }
      label = std::move(utf8);
    }
    // What the binlog cannot tell apart: MariaDB's UUID travels as a
    // BINARY(16). The catalog's column of the same name says which it is.
    if (now && now->type.kind == TypeKind::kUuid && c.type.kind == TypeKind::kBinary && c.type.length == 16) {
      c.type = now->type;
    }
  }
  t.schema.ref = catalog.ref;
  t.schema.columns = std::move(cols);
  return Status::Ok();
}

Status BinlogDecoder::DecodeImage(const MappedTable& t, std::string_view present, std::string_view& data,
                                  RowImage& image, bool& partial) {
  const size_t n = t.types.size();
  size_t n_present = 0;
  for (size_t i = 0; i < n; ++i) n_present += Bit(present, i);
  const size_t null_bytes = (n_present + 7) / 8;
  if (data.size() < null_bytes) return Truncated("a row's null bitmap");
  std::string_view nulls = data.substr(0, null_bytes);
  data.remove_prefix(null_bytes);
  image.assign(n, FieldValue::Null());
  partial = false;
  size_t k = 0;
  std::string text;
  for (size_t i = 0; i < n; ++i) {
    if (!Bit(present, i)) {
      partial = true;
      image[i] = FieldValue::Unchanged();
      continue;
    }
    if (Bit(nulls, k++)) continue;
    const Column& col = t.schema.columns[i];
    bool is_null = false;
    auto used = DecodeBinlogValue(static_cast<uint8_t>(t.types[i]), t.meta[i], col.type, data, options_.zero_date_null,
                                  text, is_null);
    if (!used.ok()) {
      const Status& s = used.status();
      return Status(s.code(), s.message() + " (column " + col.name + " of " + t.ref.ToString() + ")", s.hint(),
                    s.native_code());
    }
    data.remove_prefix(*used);
    if (!is_null) image[i] = FieldValue::Of(std::move(text));
  }
  return Status::Ok();
}

Status BinlogDecoder::OnRows(const BinlogRowsEvent& rows, uint32_t timestamp, std::vector<ChangeEvent>& out) {
  (void)timestamp;
  auto it = maps_.find(rows.table_id);
  if (it == maps_.end()) {
    return Status(ErrorCode::kReadFailed,
                  "binlog row event for table id " + std::to_string(rows.table_id) + " without a TABLE_MAP before it",
                  "Restart capture from the last stored position (the start of a transaction).");
  }
  if (!in_txn_) {
    return Status(ErrorCode::kReadFailed, "binlog row event outside a transaction",
                  "Restart capture from the last stored position (the start of a transaction).");
  }
  const MappedTable& t = it->second;
  if (!t.captured) return Status::Ok();
  if (rows.column_count != t.types.size()) {
    return Status(ErrorCode::kReadFailed, "binlog row event for " + t.ref.ToString() + " has " +
                                              std::to_string(rows.column_count) + " columns, its TABLE_MAP " +
                                              std::to_string(t.types.size()));
  }
  std::vector<std::string> names;
  for (const auto& c : t.schema.columns) names.push_back(c.name);
  std::vector<ChangeEvent> events;
  std::string_view data = rows.rows;
  while (!data.empty()) {
    ChangeEvent ev = InTxn(rows.kind == BinlogRowsEvent::Kind::kWrite    ? ChangeKind::kInsert
                           : rows.kind == BinlogRowsEvent::Kind::kUpdate ? ChangeKind::kUpdate
                                                                         : ChangeKind::kDelete);
    ev.table = t.ref;
    ev.columns = names;
    bool partial = false;
    if (rows.kind == BinlogRowsEvent::Kind::kWrite) {
      RETURN_IF_ERROR(DecodeImage(t, rows.columns, data, ev.after, partial));
    } else {
      RETURN_IF_ERROR(DecodeImage(t, rows.columns, data, ev.before, partial));
      if (partial) {
        // A minimal before image holds the key only: the others are unknown.
        for (auto& f : ev.before) {
          if (f.state == FieldValue::State::kUnchanged) f = FieldValue::Null();
        }
        ev.before_is_key_only = true;
      }
      if (rows.kind == BinlogRowsEvent::Kind::kUpdate) {
        RETURN_IF_ERROR(DecodeImage(t, rows.columns_after, data, ev.after, partial));
      }
    }
    events.push_back(std::move(ev));
  }
  if (!events.empty()) EmitBegin(out);
  for (auto& e : events) out.push_back(std::move(e));
  return Status::Ok();
}

}  // namespace godwit::mysql
