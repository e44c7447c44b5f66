#include "connector/engines.h"

namespace godwit {

Result<std::unique_ptr<Session>> Connect(const Endpoint& endpoint) {
  switch (endpoint.engine) {
    case Engine::kMysql: return ConnectMysql(endpoint);
    case Engine::kPostgres: return ConnectPostgres(endpoint);
    case Engine::kSqlite: return ConnectSqlite(endpoint);
  }
  return Status(ErrorCode::kInternal, "unknown engine");
}

}  // namespace godwit
