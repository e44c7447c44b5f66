#include "cli/api_client.h"

#include <httplib.h>

#include <cctype>
#include <cstdlib>
#include <fstream>

#include "cli/serve_command.h"
#include "common/text.h"

namespace godwit {
namespace {

constexpr const char* kApiPrefix = "/api/v1";
constexpr const char* kDefaultServer = "http://127.0.0.1:8190";

std::string DefaultHint(int status) {
  switch (status) {
    case 0: return "Start the daemon with `godwit serve`, or point --server / $GODWIT_SERVER at it.";
    case 400: return "Correct the value named in the message; docs/api.md describes the fields.";
    case 401: return "Pass --token or set $GODWIT_TOKEN; run as the user who started the daemon to use DATA_DIR/token.";
    case 404: return "Check the project id with `godwit project list`.";
    case 409: return "`godwit project show ID` gives the state; docs/api.md lists what each state allows.";
    default:
      if (status >= 500) return "Look at the daemon's log; the operation can be tried again.";
      return "";
  }
}

std::string CodeForStatus(int status) {
  switch (status) {
    case 0: return "UNREACHABLE";
    case 400: return "BAD_REQUEST";
    case 401: return "UNAUTHORIZED";
    case 404: return "NOT_FOUND";
    case 405: return "METHOD_NOT_ALLOWED";
    case 409: return "INVALID_STATE";
    case 500: return "INTERNAL";
    default: return "HTTP_" + std::to_string(status);
  }
}

std::string Trim(std::string s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.pop_back();
  size_t i = 0;
  while (i < s.size() && std::isspace(static_cast<unsigned char>(s[i]))) ++i;
  return s.substr(i);
}

std::string DescribeTransportError(httplib::Error error) {
  switch (error) {
    case httplib::Error::Connection: return "nothing answers there (connection refused or timed out)";
    case httplib::Error::ConnectionTimeout: return "the connection timed out";
    case httplib::Error::Read: return "the connection broke while reading the answer";
    case httplib::Error::Write: return "the connection broke while sending the request";
    case httplib::Error::SSLConnection:
    case httplib::Error::SSLServerVerification: return "the TLS connection failed";
    default: return httplib::to_string(error);
  }
}

class HttpTransport : public ApiTransport {
 public:
  explicit HttpTransport(const ClientConfig& config) : config_(config), client_(config.server) {
    client_.set_connection_timeout(5, 0);
    // Release and delete clean up before they answer; give them time.
    client_.set_read_timeout(300, 0);
    client_.set_write_timeout(30, 0);
    client_.set_keep_alive(true);
  }

  ApiReply Send(const std::string& method, const std::string& path, const nlohmann::json& body) override {
    ApiReply reply;
    if (!client_.is_valid()) {
      reply.transport_error = "not a usable address (give http://host:port)";
      return reply;
    }
    httplib::Headers headers;
    if (!config_.token.empty()) headers.emplace("Authorization", "Bearer " + config_.token);
    std::string full = std::string(kApiPrefix) + path;
    std::string payload = body.is_null() ? std::string() : body.dump();
    const char* type = "application/json";
    auto send = [&]() -> httplib::Result {
      if (method == "GET") return client_.Get(full.c_str(), headers);
      if (method == "POST") return client_.Post(full.c_str(), headers, payload, type);
      if (method == "PUT") return client_.Put(full.c_str(), headers, payload, type);
      if (payload.empty()) return client_.Delete(full.c_str(), headers);
      return client_.Delete(full.c_str(), headers, payload, type);
    };
    if (method != "GET" && method != "POST" && method != "PUT" && method != "DELETE") {
      reply.transport_error = "unknown method " + method;
      return reply;
    }
    httplib::Result res = send();
    if (!res) {
      reply.transport_error = DescribeTransportError(res.error());
      return reply;
    }
    reply.status = res->status;
    reply.body = res->body;
    reply.json = nlohmann::json::parse(reply.body, nullptr, /*allow_exceptions=*/false);
    if (reply.json.is_discarded()) reply.json = nullptr;
    return reply;
  }

  std::string server() const override { return config_.server; }

 private:
  ClientConfig config_;
  httplib::Client client_;
};

}  // namespace

int ExitCodeForHttpStatus(int status) {
  if (status >= 200 && status < 300) return kExitOk;
  switch (status) {
    case 0:
    case 401: return kExitUnreachable;
    case 400:
    case 413: return kExitUsage;
    case 404: return kExitNotFound;
    case 409: return kExitRefused;
    default: return kExitFailed;
  }
}

ApiError ErrorFromReply(const ApiReply& reply, const std::string& server) {
  ApiError e;
  e.exit_code = ExitCodeForHttpStatus(reply.status);
  if (e.exit_code == kExitOk) e.exit_code = kExitFailed;  // an "error" made from a 2xx: the caller's surprise
  e.code = CodeForStatus(reply.status);
  if (reply.status == 0) {
    e.message = "cannot reach the daemon at " + server;
    if (!reply.transport_error.empty()) e.message += ": " + reply.transport_error;
  } else if (reply.json.is_object() && reply.json.contains("error") && reply.json["error"].is_object()) {
    const auto& err = reply.json["error"];
    if (err.contains("code") && err["code"].is_string()) e.code = err["code"].get<std::string>();
    if (err.contains("message") && err["message"].is_string()) e.message = err["message"].get<std::string>();
    if (err.contains("hint") && err["hint"].is_string()) e.hint = err["hint"].get<std::string>();
  } else {
    std::string body = Trim(reply.body);
    if (body.size() > 200) body = body.substr(0, 200) + "...";
    e.message = "the daemon answered HTTP " + std::to_string(reply.status) + (body.empty() ? "" : ": " + body);
  }
  if (e.message.empty()) e.message = "the daemon answered HTTP " + std::to_string(reply.status);
  if (e.hint.empty()) e.hint = DefaultHint(reply.status);
  return e;
}

ApiError UsageError(std::string message, std::string hint) {
  return ApiError{kExitUsage, "INVALID_ARGUMENT", std::move(message),
                  hint.empty() ? "See `godwit --help` and docs/cli.md." : std::move(hint)};
}

void PrintApiError(const ApiError& error, std::ostream& err) {
  err << "godwit: " << error.code << ": " << error.message << "\n";
  if (!error.hint.empty()) err << "  what to do: " << error.hint << "\n";
}

ClientConfig ResolveClientConfig(const std::string& server_flag, const std::string& token_flag) {
  ClientConfig c;
  c.server = server_flag;
  if (c.server.empty()) {
    const char* env = std::getenv("GODWIT_SERVER");
    c.server = env != nullptr && *env != '\0' ? env : kDefaultServer;
  }
  if (c.server.find("://") == std::string::npos) c.server = "http://" + c.server;
  while (!c.server.empty() && c.server.back() == '/') c.server.pop_back();
  if (c.server.size() > 7 && c.server.ends_with(kApiPrefix)) c.server.resize(c.server.size() - 7);

  c.token = token_flag;
  if (c.token.empty()) {
    const char* env = std::getenv("GODWIT_TOKEN");
    if (env != nullptr) c.token = env;
  }
  if (c.token.empty()) {
    std::ifstream in(DefaultDataDir() + "/token");
    std::string line;
    if (in && std::getline(in, line)) c.token = line;
  }
  c.token = Trim(c.token);
  return c;
}

std::unique_ptr<ApiTransport> MakeHttpTransport(const ClientConfig& config) {
  return std::make_unique<HttpTransport>(config);
}

std::string QueryString(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [k, v] : params) {
    if (v.empty()) continue;
    if (!out.empty()) out += '&';
    out += PercentEncode(k) + "=" + PercentEncode(v);
  }
  return out;
}

}  // namespace godwit
