#include "connector/mysql/mysql_grants.h"

#include <cctype>
#include <optional>

namespace godwit::mysql {
namespace {

std::string Trim(std::string_view s) {
  size_t b = 0, e = s.size();
  while (b < e && std::isspace(static_cast<unsigned char>(s[b]))) ++b;
  while (e > b && std::isspace(static_cast<unsigned char>(s[e - 1]))) --e;
  return std::string(s.substr(b, e - b));
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

// Position of `word` (e.g. " ON ") in `line` at or after `from`, outside
// backticks, quotes and parentheses; npos when absent.
size_t FindTopLevel(std::string_view line, std::string_view word, size_t from) {
  char quote = 0;
  int depth = 0;
  for (size_t i = from; i < line.size(); ++i) {
    char c = line[i];
    if (quote) {
      if (c == quote) quote = 0;  // a doubled quote closes and reopens: same outcome
      continue;
    }
    if (c == '`' || c == '\'' || c == '"') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (depth == 0 && line.compare(i, word.size(), word) == 0) {
      return i;
    }
  }
  return std::string_view::npos;
}

// The privilege names of a GRANT/REVOKE list; column grants
// ("SELECT (`a`, `b`)") are left out: they do not cover a whole table.
std::set<std::string> PrivilegeList(std::string_view list) {
  std::set<std::string> out;
  int depth = 0;
  char quote = 0;
  size_t start = 0;
  auto take = [&](size_t end) {
    std::string p = Trim(list.substr(start, end - start));
    if (!p.empty() && p.find('(') == std::string::npos) {
      p = Upper(p);
      out.insert(p == "ALL PRIVILEGES" ? "ALL" : p);
    }
  };
  for (size_t i = 0; i < list.size(); ++i) {
    char c = list[i];
    if (quote) {
      if (c == quote) quote = 0;
    } else if (c == '`' || c == '\'') {
      quote = c;
    } else if (c == '(') {
      ++depth;
    } else if (c == ')') {
      --depth;
    } else if (c == ',' && depth == 0) {
      take(i);
      start = i + 1;
    }
  }
  take(list.size());
  return out;
}

// One name of `db`.`table`: backquoted (`` doubles a backtick), `*`, or bare.
std::optional<std::string> ReadName(std::string_view s, size_t& i) {
  if (i >= s.size()) return std::nullopt;
  std::string out;
  if (s[i] == '`') {
    for (++i; i < s.size(); ++i) {
      if (s[i] == '`') {
        if (i + 1 < s.size() && s[i + 1] == '`') {
          out += '`';
          ++i;
          continue;
        }
        ++i;
        return out;
      }
      out += s[i];
    }
    return std::nullopt;  // unterminated
  }
  if (s[i] == '*') {
    ++i;
    return std::string("*");
  }
  while (i < s.size() && s[i] != '.' && s[i] != ' ') out += s[i++];
  if (out.empty()) return std::nullopt;
  return out;
}

struct Grant {
  bool revoke = false;
  std::set<std::string> privileges;
  std::string db;     // "*" for global
  std::string table;  // "*" for a whole database
};

std::optional<Grant> ParseLine(std::string_view line) {
  Grant g;
  size_t start;
  std::string_view to_word;
  if (line.rfind("GRANT ", 0) == 0) {
    start = 6;
    to_word = " TO ";
  } else if (line.rfind("REVOKE ", 0) == 0) {
    g.revoke = true;
    start = 7;
    to_word = " FROM ";
  } else {
    return std::nullopt;  // SET DEFAULT ROLE ...
  }
  size_t on = FindTopLevel(line, " ON ", start);
  size_t to = FindTopLevel(line, to_word, start);
  if (on == std::string_view::npos || (to != std::string_view::npos && to < on)) return std::nullopt;  // role grant
  g.privileges = PrivilegeList(line.substr(start, on - start));
  std::string_view object = line.substr(on + 4);
  if (object.rfind("TABLE ", 0) == 0) object.remove_prefix(6);
  for (std::string_view routine : {"FUNCTION ", "PROCEDURE ", "PACKAGE "}) {
    if (object.rfind(routine, 0) == 0) return std::nullopt;
  }
  size_t i = 0;
  auto db = ReadName(object, i);
  if (!db || i >= object.size() || object[i] != '.') return std::nullopt;  // PROXY ON ''@'' and the like
  ++i;
  auto table = ReadName(object, i);
  if (!table) return std::nullopt;
  g.db = *db;
  g.table = *table;
  return g;
}

}  // namespace

bool MysqlGrantPatternMatches(std::string_view pattern, std::string_view name) {
  // Iterative LIKE: remember the last '%' to backtrack to.
  size_t p = 0, n = 0, star_p = std::string_view::npos, star_n = 0;
  while (n < name.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star_p = p++;
      star_n = n;
      continue;
    }
    if (p < pattern.size()) {
      bool escaped = pattern[p] == '\\' && p + 1 < pattern.size();
      char want = escaped ? pattern[p + 1] : pattern[p];
      if ((!escaped && want == '_') || want == name[n]) {
        p += escaped ? 2 : 1;
        ++n;
        continue;
      }
    }
    if (star_p == std::string_view::npos) return false;
    p = star_p + 1;
    n = ++star_n;
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

MysqlGrants MysqlGrants::Parse(const std::vector<std::string>& lines) {
  MysqlGrants out;
  for (const std::string& line : lines) {
    auto g = ParseLine(line);
    if (!g) continue;
    if (g->revoke) {
      if (g->table == "*" && g->db != "*") out.revoked_[g->db].insert(g->privileges.begin(), g->privileges.end());
      continue;
    }
    if (g->db == "*") {
      out.global_.insert(g->privileges.begin(), g->privileges.end());
    } else if (g->table == "*") {
      out.databases_.emplace_back(g->db, g->privileges);
    } else {
      out.tables_[{g->db, g->table}].insert(g->privileges.begin(), g->privileges.end());
    }
  }
  return out;
}

bool MysqlGrants::Contains(const std::set<std::string>& privileges, std::string_view privilege) {
  return privileges.count("ALL") > 0 || privileges.count(std::string(privilege)) > 0;
}

bool MysqlGrants::HasGlobal(std::string_view privilege) const { return Contains(global_, privilege); }

bool MysqlGrants::HasOnDatabase(std::string_view privilege, std::string_view db) const {
  if (auto it = revoked_.find(std::string(db)); it != revoked_.end() && Contains(it->second, privilege)) return false;
  if (HasGlobal(privilege)) return true;
  for (const auto& [pattern, privileges] : databases_) {
    if (MysqlGrantPatternMatches(pattern, db) && Contains(privileges, privilege)) return true;
  }
  return false;
}

bool MysqlGrants::HasOnTable(std::string_view privilege, std::string_view db, std::string_view table) const {
  if (HasOnDatabase(privilege, db)) return true;
  auto it = tables_.find({std::string(db), std::string(table)});
  return it != tables_.end() && Contains(it->second, privilege);
}

}  // namespace godwit::mysql
