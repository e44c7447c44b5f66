#include "connector/mysql/mysql_types.h"

#include <cctype>
#include <cstdlib>
#include <cstring>

#include "schema/default_expression.h"
#include "schema/sql_lexer.h"

namespace godwit::mysql {
namespace {

// The labels of enum('a','b''c') / set(...): the string literals of the
// list, read by the SQL lexer (MariaDB writes a quote as '' and a
// backslash as \\).
std::vector<std::string> ParseLabels(std::string_view s) {
  std::vector<std::string> out;
  size_t i = s.find('(');
  if (i == std::string_view::npos) return out;
  auto tokens = sql::Tokenize(s.substr(i), Engine::kMysql);
  if (!tokens.ok()) return out;
  for (const sql::Token& t : *tokens) {
    if (t.kind == sql::TokenKind::kString) out.push_back(t.value);
  }
  return out;
}

void Args(std::string_view s, uint32_t& a, uint32_t& b) {
  a = b = 0;
  size_t open = s.find('(');
  if (open == std::string_view::npos) return;
  std::string inner(s.substr(open + 1));
  a = static_cast<uint32_t>(std::strtoul(inner.c_str(), nullptr, 10));
  if (size_t comma = inner.find(','); comma != std::string::npos && comma < inner.find(')')) {
    b = static_cast<uint32_t>(std::strtoul(inner.c_str() + comma + 1, nullptr, 10));
  }
}

}  // namespace

ColumnType ParseColumnType(std::string_view data_type, std::string_view column_type) {
  ColumnType t;
  t.native = std::string(column_type);
  std::string dt(data_type);
  for (char& c : dt) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  t.is_unsigned = column_type.find("unsigned") != std::string_view::npos;
  uint32_t a = 0, b = 0;
  Args(column_type, a, b);
  if (dt == "tinyint")
    t.kind = TypeKind::kInt8;
  else if (dt == "smallint")
    t.kind = TypeKind::kInt16;
  else if (dt == "mediumint")
    t.kind = TypeKind::kInt24;
  else if (dt == "int" || dt == "integer")
    t.kind = TypeKind::kInt32;
  else if (dt == "bigint")
    t.kind = TypeKind::kInt64;
  else if (dt == "decimal" || dt == "numeric")
    t.kind = TypeKind::kDecimal, t.precision = a, t.scale = b;
  else if (dt == "float")
    t.kind = TypeKind::kFloat;
  else if (dt == "double" || dt == "real")
    t.kind = TypeKind::kDouble;
  else if (dt == "char")
    t.kind = TypeKind::kChar, t.length = a;
  else if (dt == "varchar")
    t.kind = TypeKind::kVarchar, t.length = a;
  else if (dt == "tinytext")
    t.kind = TypeKind::kText, t.length = 255;
  else if (dt == "text")
    t.kind = TypeKind::kText, t.length = 65535;
  else if (dt == "mediumtext")
    t.kind = TypeKind::kText, t.length = 16777215;
  else if (dt == "longtext")
    t.kind = TypeKind::kText, t.length = 4294967295u;
  else if (dt == "binary")
    t.kind = TypeKind::kBinary, t.length = a;
  else if (dt == "varbinary")
    t.kind = TypeKind::kVarbinary, t.length = a;
  else if (dt == "tinyblob")
    t.kind = TypeKind::kBlob, t.length = 255;
  else if (dt == "blob")
    t.kind = TypeKind::kBlob, t.length = 65535;
  else if (dt == "mediumblob")
    t.kind = TypeKind::kBlob, t.length = 16777215;
  else if (dt == "longblob")
    t.kind = TypeKind::kBlob, t.length = 4294967295u;
  else if (dt == "date")
    t.kind = TypeKind::kDate;
  else if (dt == "time")
    t.kind = TypeKind::kTime, t.fsp = a;
  else if (dt == "datetime")
    t.kind = TypeKind::kDateTime, t.fsp = a;
  else if (dt == "timestamp")
    t.kind = TypeKind::kTimestampTz, t.fsp = a;
  else if (dt == "year")
    t.kind = TypeKind::kYear;
  else if (dt == "json")
    t.kind = TypeKind::kJson;
  else if (dt == "enum")
    t.kind = TypeKind::kEnum, t.labels = ParseLabels(column_type);
  else if (dt == "set")
    t.kind = TypeKind::kSet, t.labels = ParseLabels(column_type);
  else if (dt == "bit")
    t.kind = TypeKind::kBit, t.length = a ? a : 1;
  else if (dt == "uuid")
    t.kind = TypeKind::kUuid;
  else
    t.kind = TypeKind::kNative;
  if (!t.IsInteger() && t.kind != TypeKind::kDecimal && t.kind != TypeKind::kFloat && t.kind != TypeKind::kDouble) {
    t.is_unsigned = false;
  }
  return t;
}

void ParseDefault(const char* raw, Column& c) {
  c.default_kind = Column::DefaultKind::kNone;
  c.default_value.clear();
  if (raw == nullptr) return;  // no default
  std::string v(raw);
  std::string low = v;
  for (char& ch : low) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  if (low == "null") {
    c.default_kind = Column::DefaultKind::kNull;
    return;
  }
  if (auto known = KnownDefaultFunction(v, Engine::kMysql)) {
    c.default_kind = *known;
    return;
  }
  // MariaDB writes a string default as a quoted literal ('it''s', with
  // backslashes escaped). Only text that is exactly one literal is one:
  // 'a' || 'b' is an expression, not the literal "a' || 'b".
  if (auto tokens = sql::Tokenize(v, Engine::kMysql); tokens.ok()) {
    const sql::Token* only = nullptr;
    size_t significant = 0;
    for (const sql::Token& t : *tokens) {
      if (sql::IsBlank(t)) continue;
      ++significant;
      only = &t;
    }
    if (significant == 1 && only->kind == sql::TokenKind::kString && only->prefix.empty()) {
      c.default_kind = Column::DefaultKind::kLiteral;
      c.default_value = only->value;
      return;
    }
  }
  char* end = nullptr;
  std::strtod(v.c_str(), &end);
  if (!v.empty() && end && *end == '\0') {
    c.default_kind = Column::DefaultKind::kLiteral;
    c.default_value = v;
    return;
  }
  if (v.size() > 3 && (v[0] == 'b' || v[0] == 'B') && v[1] == '\'') {  // b'0101'
    c.default_kind = Column::DefaultKind::kLiteral;
    c.default_value = v.substr(2, v.size() - 3);
    return;
  }
  c.default_kind = Column::DefaultKind::kExpression;
  c.default_value = v;
}

bool IsZeroDate(std::string_view v) {
  // YYYY-MM-DD...: '0000-00-00' and dates with a zero month or day, which
  // no other engine can hold.
  if (v.size() < 10 || v[4] != '-' || v[7] != '-') return false;
  return (v[5] == '0' && v[6] == '0') || (v[8] == '0' && v[9] == '0');
}

void BitsToText(std::string_view bytes, uint32_t bits, std::string& out) {
  out.assign(bits, '0');
  // The last byte holds the least significant bits.
  for (uint32_t i = 0; i < bits; ++i) {
    size_t byte_from_end = i / 8;
    if (byte_from_end >= bytes.size()) break;
    unsigned char b = static_cast<unsigned char>(bytes[bytes.size() - 1 - byte_from_end]);
    if (b & (1u << (i % 8))) out[bits - 1 - i] = '1';
  }
}

void AppendLoadDataEscaped(std::string_view v, std::string& out) {
  size_t start = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    char c = v[i];
    const char* rep = nullptr;
    switch (c) {
      case '\\': rep = "\\\\"; break;
      case '\t': rep = "\\t"; break;
      case '\n': rep = "\\n"; break;
      case '\r': rep = "\\r"; break;
      case '\0': rep = "\\0"; break;
      default: continue;
    }
    out.append(v.data() + start, i - start);
    out.append(rep, 2);
    start = i + 1;
  }
  out.append(v.data() + start, v.size() - start);
}

}  // namespace godwit::mysql
