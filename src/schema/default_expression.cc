#include "schema/default_expression.h"

#include <cctype>
#include <string>
#include <vector>

#include "schema/sql_lexer.h"

namespace godwit {
namespace {

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Whether tokens [begin, end) are wrapped in one pair of parentheses.
bool Wrapped(const std::vector<const sql::Token*>& t, size_t begin, size_t end) {
  if (end - begin < 2 || t[begin]->text != "(" || t[end - 1]->text != ")") return false;
  int depth = 0;
  for (size_t i = begin; i < end; ++i) {
    if (t[i]->kind != sql::TokenKind::kPunct) continue;
    if (t[i]->text == "(") ++depth;
    if (t[i]->text == ")" && --depth == 0 && i != end - 1) return false;
  }
  return true;
}

bool IsTimestampKeywordWithPrecision(const std::string& s) {
  for (std::string_view kw : {"CURRENT_TIMESTAMP", "LOCALTIMESTAMP", "NOW"}) {
    if (s.size() < kw.size() + 2 || s.compare(0, kw.size(), kw) != 0 || s[kw.size()] != '(' || s.back() != ')') {
      continue;
    }
    bool digits = true;
    for (size_t i = kw.size() + 1; i + 1 < s.size(); ++i) digits = digits && std::isdigit(static_cast<unsigned char>(s[i]));
    if (digits) return true;
  }
  return false;
}

}  // namespace

std::optional<Column::DefaultKind> KnownDefaultFunction(std::string_view expr, Engine dialect) {
  auto tokens = sql::Tokenize(expr, dialect);
  if (!tokens.ok()) return std::nullopt;
  std::vector<const sql::Token*> solid;
  for (const sql::Token& t : *tokens) {
    if (!sql::IsBlank(t)) solid.push_back(&t);
  }
  size_t begin = 0, end = solid.size();
  while (Wrapped(solid, begin, end)) ++begin, --end;
  // A schema-qualified function (public.uuid_generate_v4()).
  if (end - begin > 2 && solid[begin]->kind != sql::TokenKind::kString && solid[begin + 1]->text == ".") begin += 2;
  // The tokens as one upper-case text, strings quoted: the spellings are
  // compared whole, so nothing around a known call passes for it.
  std::string s;
  for (size_t i = begin; i < end; ++i) {
    const sql::Token& t = *solid[i];
    if (t.kind == sql::TokenKind::kString) {
      if (!t.prefix.empty()) return std::nullopt;
      s += "'" + Upper(t.value) + "'";
    } else if (t.kind == sql::TokenKind::kQuotedIdent) {
      return std::nullopt;
    } else {
      s += Upper(t.text);
    }
  }
  using K = Column::DefaultKind;
  if (s == "NOW()" || s == "CURRENT_TIMESTAMP" || s == "CURRENT_TIMESTAMP()" || s == "LOCALTIMESTAMP" ||
      s == "LOCALTIMESTAMP()" || s == "TRANSACTION_TIMESTAMP()" || s == "STATEMENT_TIMESTAMP()" ||
      s == "CLOCK_TIMESTAMP()" || IsTimestampKeywordWithPrecision(s)) {
    return K::kCurrentTimestamp;
  }
  if (s == "CURRENT_DATE" || s == "CURRENT_DATE()" || s == "CURDATE()" || s == "('NOW'::TEXT)::DATE" ||
      s == "'NOW'::TEXT::DATE" || s == "'NOW'::DATE") {
    return K::kCurrentDate;
  }
  if (s == "GEN_RANDOM_UUID()" || s == "UUID_GENERATE_V4()" || s == "UUID()") return K::kUuid;
  return std::nullopt;
}

}  // namespace godwit
