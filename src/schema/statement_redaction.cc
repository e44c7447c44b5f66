#include "schema/statement_redaction.h"

#include <cctype>
#include <vector>

namespace godwit {
namespace {

bool IdentChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// Marks in `hide` the bytes of `s` inside string literals and comments, as
// read with backslashes escaping in every quoted string
// (`backslash_escapes`) or only in PostgreSQL's E'...'.
void MarkLiterals(std::string_view s, Engine engine, bool backslash_escapes, std::vector<bool>& hide) {
  const bool pg = engine != Engine::kMysql;
  const size_t n = s.size();
  auto mark = [&](size_t from, size_t to) {
    for (size_t k = from; k < to && k < n; ++k) hide[k] = true;
  };
  size_t i = 0;
  while (i < n) {
    const char c = s[i];
    if (c == '\'' || (!pg && c == '"')) {
      const bool esc = backslash_escapes || !pg ||
                       (i > 0 && (s[i - 1] == 'E' || s[i - 1] == 'e') && (i == 1 || !IdentChar(s[i - 2])));
      size_t j = i + 1;
      while (j < n) {
        if (esc && s[j] == '\\') {
          j += 2;
        } else if (s[j] == c) {
          if (j + 1 < n && s[j + 1] == c) {
            j += 2;
          } else {
            break;
          }
        } else {
          ++j;
        }
      }
      mark(i + 1, j);
      i = j + 1;
    } else if (pg && c == '$' && (i == 0 || !IdentChar(s[i - 1]))) {
      size_t j = i + 1;
      if (j < n &&
          (std::isalpha(static_cast<unsigned char>(s[j])) || s[j] == '_' || static_cast<unsigned char>(s[j]) >= 0x80)) {
        while (j < n && IdentChar(s[j]) && s[j] != '$') ++j;
      }
      if (j >= n || s[j] != '$') {
        ++i;  // a parameter ($1) or a lone dollar
        continue;
      }
      const std::string_view tag = s.substr(i, j - i + 1);
      const size_t close = s.find(tag, j + 1);
      const size_t end = close == std::string_view::npos ? n : close;
      mark(j + 1, end);
      i = close == std::string_view::npos ? n : close + tag.size();
    } else if (c == '"' || c == '`') {
      const size_t j = s.find(c, i + 1);  // a doubled quote reads as two quoted parts: the same bytes stay
      i = j == std::string_view::npos ? n : j + 1;
    } else if ((c == '-' && i + 1 < n && s[i + 1] == '-') || (!pg && c == '#')) {
      const size_t j = s.find('\n', i);
      mark(i + (c == '#' ? 1 : 2), j);
      i = j == std::string_view::npos ? n : j + 1;
    } else if (c == '/' && i + 1 < n && s[i + 1] == '*') {
      // PostgreSQL nests block comments; MySQL does not.
      int depth = 1;
      size_t j = i + 2;
      while (j < n && depth > 0) {
        if (s[j] == '*' && j + 1 < n && s[j + 1] == '/') {
          --depth;
          j += 2;
        } else if (pg && s[j] == '/' && j + 1 < n && s[j + 1] == '*') {
          ++depth;
          j += 2;
        } else {
          ++j;
        }
      }
      mark(i + 2, depth == 0 ? j - 2 : n);
      i = j;
    } else {
      ++i;
    }
  }
}

}  // namespace

std::string RedactStatement(std::string_view statement, std::optional<Engine> engine) {
  std::vector<bool> hide(statement.size(), false);
  // Each dialect read both ways; without an engine, MySQL's and
  // PostgreSQL's readings (SQLite's literals and comments are PostgreSQL's).
  for (const Engine e : {Engine::kMysql, Engine::kPostgres}) {
    if (engine && (*engine == Engine::kMysql) != (e == Engine::kMysql)) continue;
    MarkLiterals(statement, e, false, hide);
    MarkLiterals(statement, e, true, hide);
  }
  std::string out;
  out.reserve(statement.size());
  for (size_t i = 0; i < statement.size(); ++i) {
    if (!hide[i]) {
      out += statement[i];
    } else if (i == 0 || !hide[i - 1]) {
      out += "***";
    }
  }
  return out;
}

std::string RedactStatementForMessage(std::string_view statement, std::optional<Engine> engine, size_t max) {
  std::string out = RedactStatement(statement, engine);
  if (out.size() <= max) return out;
  // Cut at a character's start, so the message stays UTF-8.
  size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
  // The redacted length: the original's would tell the literals' lengths.
  return out.substr(0, cut) + "... (" + std::to_string(out.size()) + " bytes redacted)";
}

}  // namespace godwit
