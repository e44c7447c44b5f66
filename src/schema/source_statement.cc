#include "schema/source_statement.h"

#include <cctype>
#include <vector>

#include "schema/sql_lexer.h"

namespace godwit {
namespace {

std::string Lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

// The first few words of `tokens`, for messages.
std::string Opening(const std::vector<sql::Token>& tokens) {
  std::string out;
  int words = 0;
  for (const sql::Token& t : tokens) {
    if (sql::IsBlank(t)) continue;
    if (++words > 5) break;
    if (!out.empty()) out += ' ';
    out += t.text.substr(0, 40);
  }
  return out.empty() ? "nothing" : out;
}

// Whether the non-blank tokens from `at` begin with the words of `head`.
bool StartsWithWords(const std::vector<sql::Token>& tokens, size_t at, std::string_view head) {
  size_t i = at;
  while (!head.empty()) {
    size_t sp = head.find(' ');
    std::string_view word = head.substr(0, sp);
    while (i < tokens.size() && sql::IsBlank(tokens[i])) ++i;
    if (i >= tokens.size() || !sql::IsWord(tokens[i], word)) return false;
    ++i;
    head = sp == std::string_view::npos ? std::string_view() : head.substr(sp + 1);
  }
  return true;
}

}  // namespace

Result<std::string> SourceStatement(std::string_view text, Engine engine, const SourceStatementRules& rules) {
  ASSIGN_OR_RETURN(std::vector<sql::Token> tokens, sql::Tokenize(text, engine));
  // Blanks and one `;` at the end are not part of the statement.
  while (!tokens.empty() && sql::IsBlank(tokens.back())) tokens.pop_back();
  if (!tokens.empty() && tokens.back().kind == sql::TokenKind::kPunct && tokens.back().text == ";") tokens.pop_back();
  while (!tokens.empty() && sql::IsBlank(tokens.back())) tokens.pop_back();

  bool head_ok = false;
  for (std::string_view head : rules.heads) head_ok = head_ok || StartsWithWords(tokens, 0, head);
  if (!head_ok) {
    std::string expected;
    for (std::string_view head : rules.heads) expected += (expected.empty() ? "" : " or ") + std::string(head);
    return Status(ErrorCode::kUnsupported,
                  "the source's definition begins with " + Opening(tokens) + " where " + expected + " was expected",
                  "The source server returned a definition Godwit does not run; create the object by hand.");
  }
  if (!rules.compound_body) {
    for (const sql::Token& t : tokens) {
      if (t.kind == sql::TokenKind::kPunct && t.text == ";") {
        return Status(ErrorCode::kUnsupported,
                      "the source's definition holds more than one statement (" + Opening(tokens) + " ...; ...)",
                      "The source server returned a definition Godwit does not run; create the object by hand.");
      }
    }
  }
  // A name as the engine compares it: unquoted names fold to lower case
  // on PostgreSQL; MySQL's database and table names compare as written.
  auto name_of = [&](const sql::Token& t) {
    return t.kind == sql::TokenKind::kWord && engine == Engine::kPostgres ? Lower(t.value) : t.value;
  };
  auto is_name = [](const sql::Token& t) {
    return t.kind == sql::TokenKind::kWord || t.kind == sql::TokenKind::kQuotedIdent;
  };
  auto next_solid = [&](size_t i) {
    ++i;
    while (i < tokens.size() && sql::IsBlank(tokens[i])) ++i;
    return i;
  };
  auto rename = [&](sql::Token& t, const std::string& to) -> Status {
    ASSIGN_OR_RETURN(std::string quoted, sql::QuoteIdentifier(to, engine));
    t.kind = sql::TokenKind::kQuotedIdent;
    t.text = quoted;
    t.value = to;
    return Status();
  };
  std::vector<bool> renamed(tokens.size(), false);  // a table rename already gave its destination schema
  if (rules.table_renames != nullptr && !rules.table_renames->empty()) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (!is_name(tokens[i])) continue;
      size_t dot = next_solid(i);
      if (dot >= tokens.size() || tokens[dot].text != ".") continue;
      size_t name = next_solid(dot);
      if (name >= tokens.size() || !is_name(tokens[name])) continue;
      auto it = rules.table_renames->find(TableRef{name_of(tokens[i]), name_of(tokens[name])});
      if (it == rules.table_renames->end()) continue;
      RETURN_IF_ERROR(rename(tokens[i], it->second.schema));
      RETURN_IF_ERROR(rename(tokens[name], it->second.name));
      renamed[i] = true;
      i = name;
    }
  }
  if (rules.schema_renames != nullptr && !rules.schema_renames->empty()) {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (!is_name(tokens[i]) || renamed[i]) continue;
      size_t dot = next_solid(i);
      if (dot >= tokens.size() || tokens[dot].kind != sql::TokenKind::kPunct || tokens[dot].text != ".") continue;
      auto it = rules.schema_renames->find(name_of(tokens[i]));
      if (it != rules.schema_renames->end()) RETURN_IF_ERROR(rename(tokens[i], it->second));
    }
  }
  return sql::Render(tokens, engine, engine);
}

Status CheckOneClause(std::string_view text, Engine engine, const std::string& what) {
  ASSIGN_OR_RETURN(std::vector<sql::Token> tokens, sql::Tokenize(text, engine));
  int depth = 0;
  bool one = true;
  for (const sql::Token& t : tokens) {
    if (t.kind != sql::TokenKind::kPunct) continue;
    if (t.text == "(" || t.text == "[") ++depth;  // ARRAY['a', 'b'] is one clause too
    if (t.text == ")" || t.text == "]") --depth;
    one = one && t.text != ";" && depth >= 0 && !(depth == 0 && t.text == ",");
  }
  if (one && depth == 0) return Status();
  return Status(ErrorCode::kUnsupported,
                "the source's text for " + what + " is not one clause: " + std::string(text.substr(0, 80)),
                "Create it on the destination by hand.");
}

Result<std::string> WithoutDefiner(std::string_view statement) {
  ASSIGN_OR_RETURN(std::vector<sql::Token> tokens, sql::Tokenize(statement, Engine::kMysql));
  auto solid = [&](size_t i) {
    while (i < tokens.size() && sql::IsBlank(tokens[i])) ++i;
    return i;
  };
  size_t create = solid(0);
  if (create >= tokens.size() || !sql::IsWord(tokens[create], "CREATE")) return std::string(statement);
  size_t definer = solid(create + 1);
  if (definer >= tokens.size() || !sql::IsWord(tokens[definer], "DEFINER")) return std::string(statement);
  size_t eq = solid(definer + 1);
  if (eq >= tokens.size() || tokens[eq].text != "=") return std::string(statement);
  // The account: CURRENT_USER[()], or user[@host] with each part a word,
  // a quoted identifier or a string.
  size_t end = solid(eq + 1);
  auto part = [&](size_t i) {
    return i < tokens.size() && (tokens[i].kind == sql::TokenKind::kWord ||
                                 tokens[i].kind == sql::TokenKind::kQuotedIdent ||
                                 tokens[i].kind == sql::TokenKind::kString);
  };
  if (!part(end)) return Status(ErrorCode::kUnsupported, "a DEFINER clause Godwit cannot read");
  ++end;
  if (end + 1 < tokens.size() && tokens[end].text == "(" && tokens[end + 1].text == ")") end += 2;
  if (end < tokens.size() && tokens[end].text == "@") {
    if (!part(end + 1)) return Status(ErrorCode::kUnsupported, "a DEFINER clause Godwit cannot read");
    end += 2;
  }
  std::string out;
  for (size_t i = 0; i < tokens.size(); ++i) {
    if (i > create && i < end) continue;
    out += tokens[i].text;
  }
  return out;
}

}  // namespace godwit
