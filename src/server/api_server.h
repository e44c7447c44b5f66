// The REST/JSON API (docs/api.md) over the orchestrator, served with
// cpp-httplib. Every request but the health check needs the bearer token;
// every error is `{"error": {"code", "message", "hint"}}` with a status the
// code implies (400 bad input, 401 no token, 404 unknown, 409 not allowed in
// this state, 500 the daemon's own failure, 502 a database failed). No
// response and no log line carries a password.
//
// API clients are not the daemon's user: every endpoint they send (a new
// project, and a clone, whose endpoints are checked again) is read under
// the operator's EndpointPolicy (connector/endpoint.h), so that a client
// cannot make the daemon read its own environment, files or data directory.
//
// Thread-safety: httplib serves requests on a thread pool; handlers only
// call the orchestrator, which is thread-safe. Stop() may be called from
// any thread.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "connector/endpoint.h"
#include "orchestrator/orchestrator.h"

namespace httplib {
class Server;
}

namespace godwit {

class ApiServer {
 public:
  // `orchestrator` must outlive the server. `endpoints`: what the
  // operator lets API clients' endpoints reach (trust kRemote).
  ApiServer(Orchestrator& orchestrator, std::string token, EndpointPolicy endpoints);
  ~ApiServer();

  // Binds `host:port` (port 0: any free port). Returns the bound port.
  Result<int> Bind(const std::string& host, int port);
  // Serves until Stop(); returns when stopped.
  Status Serve();
  void Stop();

 private:
  void Routes();
  Orchestrator& orchestrator_;
  const std::string token_;
  const EndpointPolicy endpoints_;
  std::unique_ptr<httplib::Server> http_;
};

// The largest request body accepted (1 MiB); larger ones get 400.
inline constexpr size_t kMaxRequestBody = 1 << 20;

}  // namespace godwit
