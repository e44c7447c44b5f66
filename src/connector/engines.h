// Entry points of the engine connectors, used by Connect() only.
#pragma once

#include <memory>

#include "connector/session.h"

namespace godwit {

Result<std::unique_ptr<Session>> ConnectMysql(const Endpoint& endpoint);
Result<std::unique_ptr<Session>> ConnectPostgres(const Endpoint& endpoint);
Result<std::unique_ptr<Session>> ConnectSqlite(const Endpoint& endpoint);

}  // namespace godwit
