// The per-engine dialect singletons behind DialectFor().
#pragma once

#include "schema/dialect.h"

namespace godwit {

const Dialect& MysqlDialect();
const Dialect& PostgresDialect();
const Dialect& SqliteDialect();

}  // namespace godwit
