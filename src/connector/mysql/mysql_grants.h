// What SHOW GRANTS says the current MySQL/MariaDB account may do, for the
// precheck's privilege questions (mysql_server_checks.cc). SHOW GRANTS
// (rather than information_schema's USER_PRIVILEGES) because it also lists
// the privileges of MariaDB's current role, and it needs no privilege to
// run.
//
// Understood: global (`*.*`), database (`db`.*, with LIKE wildcards `%`
// and `_` and `\` escapes) and table (`db`.`t`) grants, ALL [PRIVILEGES],
// and MySQL 8 partial revokes (`REVOKE ... ON db.* FROM`). Column grants,
// routine grants, PROXY and role grants (`GRANT role TO user`) add nothing
// that a table-wide check could count on and are ignored.
//
// Thread-safety: values.
#pragma once

#include <map>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace godwit::mysql {

class MysqlGrants {
 public:
  // `lines` are the rows of SHOW GRANTS, in any order.
  static MysqlGrants Parse(const std::vector<std::string>& lines);

  // True when `privilege` (upper case, "REPLICATION SLAVE") is granted on *.*.
  bool HasGlobal(std::string_view privilege) const;
  // True when `privilege` holds for every table of database `db` (a
  // global or a matching database grant, not revoked there).
  bool HasOnDatabase(std::string_view privilege, std::string_view db) const;
  // True when `privilege` holds on table `db`.`table` (also by a table grant).
  bool HasOnTable(std::string_view privilege, std::string_view db, std::string_view table) const;

 private:
  static bool Contains(const std::set<std::string>& privileges, std::string_view privilege);
  std::set<std::string> global_;
  std::vector<std::pair<std::string, std::set<std::string>>> databases_;  // LIKE pattern -> privileges
  std::map<std::string, std::set<std::string>> revoked_;                  // database -> privileges
  std::map<std::pair<std::string, std::string>, std::set<std::string>> tables_;
};

// MySQL's matching of a database name in a grant: LIKE with `%`, `_` and
// `\` escaping the next character.
bool MysqlGrantPatternMatches(std::string_view pattern, std::string_view name);

}  // namespace godwit::mysql
