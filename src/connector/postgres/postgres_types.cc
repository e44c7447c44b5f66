#include "connector/postgres/postgres_types.h"

#include <cctype>

#include "connector/postgres/postgres_codec.h"
#include "schema/default_expression.h"

namespace godwit::pg {
namespace {

constexpr int32_t kVarHdrSz = 4;  // typmods of char/varchar/numeric include the varlena header

bool StartsWith(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// True when `s` is wholly enclosed by one pair of parentheses: "(a) AND (b)"
// is not, "((a) AND (b))" is. Parentheses inside quotes are skipped.
bool EnclosedInParens(std::string_view s) {
  if (s.size() < 2 || s.front() != '(' || s.back() != ')') return false;
  int depth = 0;
  char quote = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (quote != 0) {
      if (c == quote) quote = 0;  // a doubled quote re-enters at once: same effect
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
      if (depth == 0 && i != s.size() - 1) return false;
    }
  }
  return depth == 0;
}

// A cast suffix as ruleutils prints it: one or more "::type name" where the
// type may have spaces, a typmod, array brackets, a schema or double quotes
// ("::character varying", "::\"bit\"", "::timestamp(3) without time zone").
bool IsCastSuffix(std::string_view s) {
  if (!StartsWith(s, "::")) return false;
  bool in_quotes = false;
  for (char c : s) {
    if (c == '"') {
      in_quotes = !in_quotes;
      continue;
    }
    if (in_quotes) continue;
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ' ' || c == '.' || c == ':' || c == '(' ||
        c == ')' || c == ',' || c == '[' || c == ']') {
      continue;
    }
    return false;
  }
  return !in_quotes;
}

bool IsNumber(std::string_view s) {
  if (!s.empty() && s.front() == '-') s.remove_prefix(1);
  if (s.empty()) return false;
  bool digits = false, dot = false;
  for (char c : s) {
    if (c >= '0' && c <= '9') {
      digits = true;
    } else if (c == '.' && !dot) {
      dot = true;
    } else {
      return false;
    }
  }
  return digits;
}

// 'text'::cast -> text with '' undoubled; false when `s` is not one quoted
// string followed by casts only.
bool ParseQuotedLiteral(std::string_view s, std::string& out) {
  if (s.empty() || s.front() != '\'') return false;
  size_t i = 1;
  std::string value;
  while (true) {
    if (i >= s.size()) return false;
    if (s[i] == '\'') {
      if (i + 1 < s.size() && s[i + 1] == '\'') {
        value.push_back('\'');
        i += 2;
        continue;
      }
      break;
    }
    value.push_back(s[i++]);
  }
  std::string_view rest = s.substr(i + 1);
  if (!rest.empty() && !IsCastSuffix(rest)) return false;
  out = std::move(value);
  return true;
}

}  // namespace

ColumnType MapType(uint32_t type_oid, int32_t typmod, char typtype, std::string_view format_type,
                   std::vector<std::string> enum_labels) {
  ColumnType t;
  t.native = std::string(format_type);
  auto fsp = [&] { return typmod < 0 ? 6u : static_cast<uint32_t>(typmod); };
  switch (type_oid) {
    case oid::kBool: t.kind = TypeKind::kBool; break;
    case oid::kInt2: t.kind = TypeKind::kInt16; break;
    case oid::kInt4: t.kind = TypeKind::kInt32; break;
    case oid::kInt8: t.kind = TypeKind::kInt64; break;
    case oid::kNumeric:
      if (typmod >= kVarHdrSz) {
        int32_t m = typmod - kVarHdrSz;
        int32_t precision = (m >> 16) & 0xffff;
        // Since PostgreSQL 15 the scale is an 11-bit signed field and may be
        // negative (numeric(2,-3) rounds to thousands): no canonical form.
        int32_t scale = ((m & 0x7ff) ^ 1024) - 1024;
        if (scale < 0) {
          t.kind = TypeKind::kNative;
          break;
        }
        t.precision = static_cast<uint32_t>(precision);
        t.scale = static_cast<uint32_t>(scale);
      }
      t.kind = TypeKind::kDecimal;
      break;
    case oid::kFloat4: t.kind = TypeKind::kFloat; break;
    case oid::kFloat8: t.kind = TypeKind::kDouble; break;
    case oid::kBpchar:
      t.kind = TypeKind::kChar;
      t.length = typmod >= kVarHdrSz ? static_cast<uint32_t>(typmod - kVarHdrSz) : 1;
      break;
    case oid::kVarchar:
      t.kind = TypeKind::kVarchar;
      t.length = typmod >= kVarHdrSz ? static_cast<uint32_t>(typmod - kVarHdrSz) : 0;
      break;
    case oid::kText: t.kind = TypeKind::kText; break;
    case oid::kBytea: t.kind = TypeKind::kBlob; break;
    case oid::kDate: t.kind = TypeKind::kDate; break;
    case oid::kTime:
      t.kind = TypeKind::kTime;
      t.fsp = fsp();
      break;
    case oid::kTimestamp:
      t.kind = TypeKind::kDateTime;
      t.fsp = fsp();
      break;
    case oid::kTimestampTz:
      t.kind = TypeKind::kTimestampTz;
      t.fsp = fsp();
      break;
    case oid::kJson:
    case oid::kJsonb: t.kind = TypeKind::kJson; break;
    case oid::kUuid: t.kind = TypeKind::kUuid; break;
    case oid::kBit:
    case oid::kVarbit:
      t.kind = TypeKind::kBit;
      t.length = typmod > 0 ? static_cast<uint32_t>(typmod) : 0;
      break;
    default:
      if (typtype == 'e') {
        t.kind = TypeKind::kEnum;
        t.labels = std::move(enum_labels);
      } else {
        t.kind = TypeKind::kNative;
      }
  }
  return t;
}

NormalisedDefault NormaliseDefault(std::string_view expr, const ColumnType& type) {
  NormalisedDefault d;
  std::string_view e = Trim(expr);
  if (e.empty()) return d;
  if (StartsWith(e, "nextval(") && e.back() == ')') {
    d.auto_increment = true;  // serial / bigserial: the identity of old
    return d;
  }
  if (e == "NULL" || (StartsWith(e, "NULL::") && IsCastSuffix(e.substr(4)))) {
    d.kind = Column::DefaultKind::kNull;
    return d;
  }
  if (auto known = KnownDefaultFunction(e, Engine::kPostgres)) {
    d.kind = *known;
    return d;
  }
  std::string value;
  bool literal = false;
  if (ParseQuotedLiteral(e, value)) {
    literal = true;
  } else if (e == "true" || e == "false") {
    value = std::string(e);
    literal = true;
  } else {
    // Bare numbers, possibly cast ("42", "3.14", "0::bigint").
    size_t cast = e.find("::");
    std::string_view num = e.substr(0, cast);
    if (IsNumber(num) && (cast == std::string_view::npos || IsCastSuffix(e.substr(cast)))) {
      value = std::string(num);
      literal = true;
    }
  }
  if (!literal) {
    d.kind = Column::DefaultKind::kExpression;
    d.value = std::string(e);
    return d;
  }
  // The literal is in PostgreSQL's output form; bring it to canonical text.
  d.kind = Column::DefaultKind::kLiteral;
  switch (type.kind) {
    case TypeKind::kBool:
      // assign(count, char) rather than = "1": GCC 12 warns falsely
      // (-Wrestrict, bug 105329) on assigning a short literal here.
      if (value == "true" || value == "t")
        value.assign(1, '1');
      else if (value == "false" || value == "f")
        value.assign(1, '0');
      break;
    case TypeKind::kBlob:
    case TypeKind::kBinary:
    case TypeKind::kVarbinary:
      if (StartsWith(value, "\\x")) {
        std::string raw;
        if (!DecodeHex(std::string_view(value).substr(2), raw)) {
          d.kind = Column::DefaultKind::kExpression;
          d.value = std::string(e);
          return d;
        }
        value = std::move(raw);
      }
      break;
    case TypeKind::kTimestampTz: value.resize(StripUtcOffsetInPlace(value.data(), value.size())); break;
    default: break;
  }
  d.value = std::move(value);
  return d;
}

std::string CheckExpression(std::string_view constraintdef) {
  std::string_view s = Trim(constraintdef);
  if (StartsWith(s, "CHECK")) s = Trim(s.substr(5));
  constexpr std::string_view kNotValid = "NOT VALID";
  if (s.size() >= kNotValid.size() && s.substr(s.size() - kNotValid.size()) == kNotValid) {
    s = Trim(s.substr(0, s.size() - kNotValid.size()));
  }
  constexpr std::string_view kNoInherit = "NO INHERIT";
  if (s.size() >= kNoInherit.size() && s.substr(s.size() - kNoInherit.size()) == kNoInherit) {
    s = Trim(s.substr(0, s.size() - kNoInherit.size()));
  }
  while (EnclosedInParens(s)) s = Trim(s.substr(1, s.size() - 2));
  return std::string(s);
}

ErrorCode ClassifySqlState(std::string_view sqlstate, ErrorCode fallback) {
  if (sqlstate == "28P01" || sqlstate == "28000") return ErrorCode::kAuthFailed;
  if (sqlstate == "3D000" || sqlstate == "3F000") return ErrorCode::kUnknownDatabase;
  if (sqlstate == "42501") return ErrorCode::kPermissionDenied;
  if (sqlstate == "42P01") return ErrorCode::kNotFound;
  if (StartsWith(sqlstate, "08") || sqlstate == "57P01" || sqlstate == "57P02" || sqlstate == "57P03") {
    return ErrorCode::kConnectionLost;
  }
  if (sqlstate == "53300") return ErrorCode::kConnectionLost;  // too_many_connections: retry later
  if (sqlstate == "57014") return ErrorCode::kCancelled;       // query_canceled
  if (sqlstate == "55000") {
    // object_not_in_prerequisite_state: e.g. wal_level below logical for a
    // replication slot; a server setting, not a statement mistake.
    return fallback == ErrorCode::kDdlFailed ? fallback : ErrorCode::kServerConfig;
  }
  return fallback;
}

std::string_view SqlStateFromVerboseMessage(std::string_view message) {
  // "FATAL:  28P01: password authentication failed for user ..."
  for (size_t at = message.find(":  "); at != std::string_view::npos; at = message.find(":  ", at + 1)) {
    std::string_view code = message.substr(at + 3, 6);
    if (code.size() < 6 || code[5] != ':') continue;
    bool ok = true;
    for (size_t i = 0; i < 5; ++i) {
      char c = code[i];
      ok = ok && ((c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z'));
    }
    if (ok) return code.substr(0, 5);
  }
  return {};
}

}  // namespace godwit::pg
