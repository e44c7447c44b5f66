// The client side of the daemon's REST API (docs/api.md): where the daemon
// is, the bearer token, one call = one HTTP request, and how an answer maps
// to what the CLI prints and the exit code scripts rely on.
//
// The transport is an interface so that the client commands can be driven
// by a fake in unit tests; HttpTransport is the real one (cpp-httplib).
//
// Thread-safety: an HttpTransport serves one thread at a time; the pure
// functions are safe anywhere.
#pragma once

#include <memory>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace godwit {

// Exit codes of the client commands (docs/cli.md, `godwit --help`). Never
// renumber: scripts test them.
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;       // the operation failed; a batch with any failure
inline constexpr int kExitUsage = 2;        // bad usage or 400 Bad Request
inline constexpr int kExitUnreachable = 3;  // daemon unreachable, or 401 (token)
inline constexpr int kExitNotFound = 4;     // 404
inline constexpr int kExitRefused = 5;      // 409: not allowed in the current state

// One HTTP answer. `status` 0 means no answer at all: the daemon could not
// be reached (`transport_error` says why).
struct ApiReply {
  int status = 0;
  std::string body;     // raw body, as the daemon sent it
  nlohmann::json json;  // the parsed body; null when it is not JSON
  std::string transport_error;
  bool ok() const { return status >= 200 && status < 300; }
};

// What went wrong, in the words the CLI prints:
//   godwit: CODE: message
//     what to do: hint
struct ApiError {
  int exit_code = kExitFailed;
  std::string code;  // the API's code (NOT_FOUND, INVALID_STATE...) or the CLI's own
  std::string message;
  std::string hint;
};

// The exit code for an HTTP status (0 = unreachable). 2xx is 0.
int ExitCodeForHttpStatus(int status);

// The error an unsuccessful reply stands for: the API's {"error": {code,
// message, hint}} when present, else something made from the status; the
// hint falls back to advice for that status. `server` names the daemon in
// the unreachable message.
ApiError ErrorFromReply(const ApiReply& reply, const std::string& server);

// A local problem (bad argument, unreadable file): exit code 2.
ApiError UsageError(std::string message, std::string hint = {});

// Prints the error in the form above to stderr-like `err`.
void PrintApiError(const ApiError& error, std::ostream& err);

// Where the daemon is and how to authenticate, after defaults.
struct ClientConfig {
  std::string server;  // "http://host:port", no trailing slash
  std::string token;   // may be empty: the daemon then answers 401
};

// --server, else $GODWIT_SERVER, else http://127.0.0.1:8190; a bare
// host:port gets "http://". --token, else $GODWIT_TOKEN, else the first line
// of DATA_DIR/token (DefaultDataDir()), else empty.
ClientConfig ResolveClientConfig(const std::string& server_flag, const std::string& token_flag);

// Sends requests to the daemon. Paths are relative to /api/v1 ("/projects").
class ApiTransport {
 public:
  virtual ~ApiTransport() = default;
  // `body` is sent as JSON when not null (a null body sends nothing).
  virtual ApiReply Send(const std::string& method, const std::string& path, const nlohmann::json& body) = 0;
  // Where requests go, for messages.
  virtual std::string server() const = 0;
};

// The real transport over HTTP (or HTTPS, with the system's cpp-httplib).
std::unique_ptr<ApiTransport> MakeHttpTransport(const ClientConfig& config);

// "a=1&b=x%20y" from pairs, skipping empty values.
std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params);

}  // namespace godwit
