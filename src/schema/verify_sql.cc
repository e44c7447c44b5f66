#include "schema/verify_sql.h"

namespace godwit {

const VerifySql& VerifySqlFor(Engine engine) {
  switch (engine) {
    case Engine::kMysql: return MysqlVerifySql();
    case Engine::kPostgres: return PostgresVerifySql();
    case Engine::kSqlite: return SqliteVerifySql();
  }
  return SqliteVerifySql();  // not reached: every engine is listed above
}

}  // namespace godwit
