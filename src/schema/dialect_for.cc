#include "schema/dialects.h"

namespace godwit {

const Dialect& DialectFor(Engine engine) {
  switch (engine) {
    case Engine::kMysql: return MysqlDialect();
    case Engine::kPostgres: return PostgresDialect();
    case Engine::kSqlite: return SqliteDialect();
  }
  return SqliteDialect();
}

}  // namespace godwit
