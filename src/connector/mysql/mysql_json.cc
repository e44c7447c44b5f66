#include "connector/mysql/mysql_json.h"

#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "connector/mysql/binlog_decoder.h"

namespace godwit::mysql {
namespace {

// Type bytes of sql-common/json_binary.h.
enum : uint8_t {
  kSmallObject = 0x00,
  kLargeObject = 0x01,
  kSmallArray = 0x02,
  kLargeArray = 0x03,
  kLiteral = 0x04,
  kInt16 = 0x05,
  kUint16 = 0x06,
  kInt32 = 0x07,
  kUint32 = 0x08,
  kInt64 = 0x09,
  kUint64 = 0x0a,
  kDouble = 0x0b,
  kString = 0x0c,
  kOpaque = 0x0f,
};
enum : uint8_t { kNullLiteral = 0x00, kTrueLiteral = 0x01, kFalseLiteral = 0x02 };

// enum_field_types of the opaque values MySQL prints as something other
// than base64 (the temporal2 codes too, though MySQL stores the old ones).
enum : uint8_t {
  kFieldTimestamp = 7,
  kFieldDate = 10,
  kFieldTime = 11,
  kFieldDateTime = 12,
  kFieldTimestamp2 = 17,
  kFieldDateTime2 = 18,
  kFieldTime2 = 19,
  kFieldNewDecimal = 246,
};

// MySQL refuses documents nested deeper than this (JSON_DOCUMENT_MAX_DEPTH);
// the limit also bounds the recursion on malformed input.
constexpr int kMaxDepth = 100;

Status Malformed(const std::string& what) {
  return Status(ErrorCode::kReadFailed, "malformed MySQL binary JSON value: " + what,
                "The binlog event is damaged or not from a MySQL JSON column; restart capture from the last stored "
                "position, and if it persists, exclude the table and report the value.");
}

uint64_t ReadLe(std::string_view d, size_t at, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(d[at + i])) << (8 * i);
  return v;
}

// Strings and opaque values: the length in 7-bit groups, low group first,
// the high bit set on every byte but the last (at most 5 bytes: < 2^32).
Status ReadVarLength(std::string_view d, size_t& at, uint64_t& len) {
  len = 0;
  for (int i = 0; i < 5; ++i) {
    if (at >= d.size()) return Malformed("a length runs past the end of the value");
    const uint8_t b = static_cast<uint8_t>(d[at++]);
    len |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
    if ((b & 0x80) == 0) {
      if (len > UINT32_MAX) return Malformed("a length exceeds 4 GiB");
      return Status::Ok();
    }
  }
  return Malformed("a length field is longer than 5 bytes");
}

void AppendQuoted(std::string& out, std::string_view s) {
  out.push_back('"');
  for (char c : s) {
    switch (c) {
      case '"': out += "\\\""; break;
      case '\\': out += "\\\\"; break;
      case '\b': out += "\\b"; break;
      case '\f': out += "\\f"; break;
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<uint8_t>(c) < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", static_cast<unsigned>(static_cast<uint8_t>(c)));
          out += buf;
        } else {
          out.push_back(c);  // UTF-8 as stored
        }
    }
  }
  out.push_back('"');
}

void AppendDouble(std::string& out, double d) {
  char buf[40];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  std::string s(buf, end);
  const size_t e = s.find('e');
  if (e != std::string::npos) {
    // to_chars writes "1e+20" and "1e-07"; MySQL writes "1e20" and "1e-7".
    std::string mantissa = s.substr(0, e), exponent = s.substr(e + 1);
    const bool negative = !exponent.empty() && exponent[0] == '-';
    if (!exponent.empty() && (exponent[0] == '+' || exponent[0] == '-')) exponent.erase(0, 1);
    exponent.erase(0, std::min(exponent.find_first_not_of('0'), exponent.size() - 1));
    s = mantissa + "e" + (negative ? "-" : "") + exponent;
  } else if (s.find('.') == std::string::npos) {
    s += ".0";  // MySQL keeps a double a double in text: 1.0, not 1
  }
  out += s;
}

void AppendBase64(std::string& out, std::string_view bytes) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  size_t i = 0;
  for (; i + 3 <= bytes.size(); i += 3) {
    const uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16 |
                       static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8 |
                       static_cast<uint8_t>(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(v >> k) & 63]);
  }
  if (const size_t rest = bytes.size() - i; rest > 0) {
    uint32_t v = static_cast<uint32_t>(static_cast<uint8_t>(bytes[i])) << 16;
    if (rest == 2) v |= static_cast<uint32_t>(static_cast<uint8_t>(bytes[i + 1])) << 8;
    out.push_back(kAlphabet[(v >> 18) & 63]);
    out.push_back(kAlphabet[(v >> 12) & 63]);
    out.push_back(rest == 2 ? kAlphabet[(v >> 6) & 63] : '=');
    out.push_back('=');
  }
}

// DATE, TIME, DATETIME and TIMESTAMP in JSON: MySQL's packed 8-byte integer
// (my_time.h, TIME_to_longlong_*_packed): microseconds in the low 24 bits,
// above them hour << 12 | minute << 6 | second, and for dates
// ((year * 13 + month) << 5 | day) above that; negative for negative times.
Status AppendTemporal(std::string& out, uint8_t field_type, std::string_view data) {
  if (data.size() < 8) return Malformed("a temporal value shorter than 8 bytes");
  const int64_t packed = static_cast<int64_t>(ReadLe(data, 0, 8));
  const bool negative = packed < 0;
  const uint64_t magnitude = negative ? 0 - static_cast<uint64_t>(packed) : static_cast<uint64_t>(packed);
  const unsigned micros = static_cast<unsigned>(magnitude & 0xffffff);
  const uint64_t whole = magnitude >> 24;
  char buf[64];
  if (field_type == kFieldTime || field_type == kFieldTime2) {
    const unsigned hours = static_cast<unsigned>((whole >> 12) & 0x3ff);
    std::snprintf(buf, sizeof buf, "%s%02u:%02u:%02u.%06u", negative ? "-" : "", hours,
                  static_cast<unsigned>((whole >> 6) & 63), static_cast<unsigned>(whole & 63), micros);
  } else {
    const uint64_t ymd = whole >> 17, hms = whole & 0x1ffff, ym = ymd >> 5;
    const auto year = static_cast<unsigned>(ym / 13), month = static_cast<unsigned>(ym % 13),
               day = static_cast<unsigned>(ymd & 31);
    if (field_type == kFieldDate) {
      std::snprintf(buf, sizeof buf, "%04u-%02u-%02u", year, month, day);
    } else {
      std::snprintf(buf, sizeof buf, "%04u-%02u-%02u %02u:%02u:%02u.%06u", year, month, day,
                    static_cast<unsigned>(hms >> 12), static_cast<unsigned>((hms >> 6) & 63),
                    static_cast<unsigned>(hms & 63), micros);
    }
  }
  out.push_back('"');
  out += buf;
  out.push_back('"');
  return Status::Ok();
}

Status AppendOpaque(std::string& out, uint8_t field_type, std::string_view data) {
  switch (field_type) {
    case kFieldNewDecimal: {
      // Precision and scale bytes, then the binary DECIMAL of the binlog.
      if (data.size() < 2) return Malformed("a DECIMAL without precision and scale");
      std::string text;
      auto used =
          DecodeBinaryDecimal(static_cast<uint8_t>(data[0]), static_cast<uint8_t>(data[1]), data.substr(2), text);
      if (!used.ok()) return Malformed("a DECIMAL: " + used.status().message());
      out += text;
      return Status::Ok();
    }
    case kFieldDate:
    case kFieldTime:
    case kFieldDateTime:
    case kFieldTimestamp:
    case kFieldTime2:
    case kFieldDateTime2:
    case kFieldTimestamp2: return AppendTemporal(out, field_type, data);
    default:
      out += "\"base64:type" + std::to_string(field_type) + ":";
      AppendBase64(out, data);
      out.push_back('"');
      return Status::Ok();
  }
}

class Printer {
 public:
  explicit Printer(std::string& out) : out_(out) {}

  // The value of `type` whose bytes start at `at` in `d` (everything up to
  // the end of `d` may belong to it).
  Status Value(uint8_t type, std::string_view d, size_t at, int depth) {
    switch (type) {
      case kSmallObject:
      case kLargeObject:
      case kSmallArray:
      case kLargeArray:
        if (depth >= kMaxDepth) return Malformed("nested deeper than " + std::to_string(kMaxDepth) + " levels");
        return Container(type == kSmallObject || type == kLargeObject, type == kLargeObject || type == kLargeArray,
                         d.substr(at), depth + 1);
      default: return Scalar(type, d, at);
    }
  }

 private:
  Status Scalar(uint8_t type, std::string_view d, size_t at) {
    auto need = [&](size_t n, const char* what) {
      return at + n <= d.size() ? Status::Ok() : Malformed(std::string(what) + " runs past the end of the value");
    };
    switch (type) {
      case kLiteral:
        RETURN_IF_ERROR(need(1, "a literal"));
        switch (static_cast<uint8_t>(d[at])) {
          case kNullLiteral: out_ += "null"; return Status::Ok();
          case kTrueLiteral: out_ += "true"; return Status::Ok();
          case kFalseLiteral: out_ += "false"; return Status::Ok();
          default: return Malformed("literal byte " + std::to_string(static_cast<uint8_t>(d[at])));
        }
      case kInt16: return Integer(d, at, 2, true);
      case kUint16: return Integer(d, at, 2, false);
      case kInt32: return Integer(d, at, 4, true);
      case kUint32: return Integer(d, at, 4, false);
      case kInt64: return Integer(d, at, 8, true);
      case kUint64: return Integer(d, at, 8, false);
      case kDouble: {
        RETURN_IF_ERROR(need(8, "a double"));
        const uint64_t bits = ReadLe(d, at, 8);
        double v;
        std::memcpy(&v, &bits, sizeof v);
        AppendDouble(out_, v);
        return Status::Ok();
      }
      case kString: {
        uint64_t len = 0;
        RETURN_IF_ERROR(ReadVarLength(d, at, len));
        RETURN_IF_ERROR(need(len, "a string"));
        AppendQuoted(out_, d.substr(at, len));
        return Status::Ok();
      }
      case kOpaque: {
        RETURN_IF_ERROR(need(1, "an opaque value"));
        const uint8_t field_type = static_cast<uint8_t>(d[at++]);
        uint64_t len = 0;
        RETURN_IF_ERROR(ReadVarLength(d, at, len));
        RETURN_IF_ERROR(need(len, "an opaque value"));
        return AppendOpaque(out_, field_type, d.substr(at, len));
      }
      default: return Malformed("unknown type byte " + std::to_string(type));
    }
  }

  // A little-endian integer of `n` bytes at `at`.
  Status Integer(std::string_view d, size_t at, size_t n, bool is_signed) {
    if (at + n > d.size()) return Malformed("an integer runs past the end of the value");
    const uint64_t v = ReadLe(d, at, n);
    const int shift = static_cast<int>(64 - 8 * n);
    char buf[24];
    auto [end, ec] = is_signed ? std::to_chars(buf, buf + sizeof buf, static_cast<int64_t>(v << shift) >> shift)
                               : std::to_chars(buf, buf + sizeof buf, v);
    out_.append(buf, end);
    return Status::Ok();
  }

  // An object or array: `d` starts at its element count and may run past
  // its end (its own size field says where it ends).
  Status Container(bool object, bool large, std::string_view d, int depth) {
    const size_t word = large ? 4 : 2;
    const std::string kind = object ? "an object" : "an array";
    if (d.size() < 2 * word) return Malformed(kind + " header runs past the end of the value");
    const uint64_t count = ReadLe(d, 0, word);
    const uint64_t bytes = ReadLe(d, word, word);
    if (bytes > d.size()) {
      return Malformed(kind + " of " + std::to_string(bytes) + " bytes in " + std::to_string(d.size()));
    }
    d = d.substr(0, bytes);
    const size_t key_entry = word + 2, value_entry = 1 + word;
    const uint64_t header = 2 * word + count * ((object ? key_entry : 0) + value_entry);
    if (count > bytes || header > bytes) {
      return Malformed(kind + " of " + std::to_string(count) + " members in " + std::to_string(bytes) + " bytes");
    }
    const size_t values_at = 2 * word + (object ? count * key_entry : 0);
    out_.push_back(object ? '{' : '[');
    for (uint64_t i = 0; i < count; ++i) {
      if (i) out_ += ", ";
      if (object) {
        const size_t entry = 2 * word + i * key_entry;
        const uint64_t key_at = ReadLe(d, entry, word), key_len = ReadLe(d, entry + word, 2);
        if (key_at < header || key_at + key_len > bytes) return Malformed("a key outside an object");
        AppendQuoted(out_, d.substr(key_at, key_len));
        out_ += ": ";
      }
      const size_t entry = values_at + i * value_entry;
      const uint8_t type = static_cast<uint8_t>(d[entry]);
      // Literals and 16-bit integers sit in the entry itself, and 32-bit
      // ones too in the large format.
      const bool inlined =
          type == kLiteral || type == kInt16 || type == kUint16 || (large && (type == kInt32 || type == kUint32));
      if (inlined) {
        RETURN_IF_ERROR(Scalar(type, d.substr(0, entry + value_entry), entry + 1));
        continue;
      }
      const uint64_t value_at = ReadLe(d, entry + 1, word);
      if (value_at < header || value_at >= bytes) return Malformed("a value outside " + kind);
      RETURN_IF_ERROR(Value(type, d, value_at, depth));
    }
    out_.push_back(object ? '}' : ']');
    return Status::Ok();
  }

  std::string& out_;
};

}  // namespace

Status MysqlJsonToText(std::string_view binary, std::string& out) {
  out.clear();
  if (binary.empty()) {
    out = "null";
    return Status::Ok();
  }
  Printer p(out);
  Status st = p.Value(static_cast<uint8_t>(binary[0]), binary, 1, 0);
  if (!st.ok()) out.clear();
  return st;
}

}  // namespace godwit::mysql
