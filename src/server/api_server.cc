#include "server/api_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <charconv>
#include <map>
#include <set>

#include "common/error_catalog.h"

namespace godwit {
namespace {

using nlohmann::json;
constexpr const char* kJson = "application/json";

int HttpStatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsupported:
      return 400;
    case ErrorCode::kUnauthorized:
      return 401;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kInvalidState:
    case ErrorCode::kConflict:
      return 409;
    case ErrorCode::kMetadata:
    case ErrorCode::kInternal:
      return 500;
    default:
      return 502;  // a database failed (release reaching the source, for one)
  }
}

void SendError(httplib::Response& res, int status, const std::string& code, const std::string& message,
               const std::string& hint = {}) {
  res.status = status;
  res.set_content(json{{"error", {{"code", code}, {"message", message}, {"hint", hint}}}}.dump(), kJson);
}

void SendStatus(httplib::Response& res, const Status& st) {
  SendError(res, HttpStatusOf(st.code()), std::string(LookupError(st.code()).name), st.message(), st.hint());
}

void SendJson(httplib::Response& res, const json& body, int status = 200) {
  res.status = status;
  res.set_content(body.dump(), kJson);
}

// The request body as JSON; an empty body is `{}`. Sends 400 and returns
// nullopt when it is not JSON.
std::optional<json> BodyJson(const httplib::Request& req, httplib::Response& res) {
  if (req.body.empty()) return json::object();
  json doc = json::parse(req.body, nullptr, false);
  if (doc.is_discarded()) {
    SendError(res, 400, "BAD_REQUEST", "the request body is not valid JSON",
              "Send a JSON document with Content-Type: application/json (docs/api.md).");
    return std::nullopt;
  }
  if (!doc.is_object()) {
    SendError(res, 400, "BAD_REQUEST", "the request body must be a JSON object");
    return std::nullopt;
  }
  return doc;
}

std::optional<int64_t> PathId(const httplib::Request& req, httplib::Response& res) {
  int64_t id = 0;
  const std::string s = req.matches[1];
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), id);
  if (ec != std::errc() || p != s.data() + s.size()) {
    SendError(res, 404, "NOT_FOUND", "no project with id " + s);
    return std::nullopt;
  }
  return id;
}

// Refuses query parameters outside `known`.
bool OnlyKnownParams(const httplib::Request& req, httplib::Response& res, std::initializer_list<std::string> known) {
  for (const auto& [key, _] : req.params) {
    if (std::find(known.begin(), known.end(), key) == known.end()) {
      SendError(res, 400, "INVALID_ARGUMENT", "unknown query parameter '" + key + "'", "See docs/api.md.");
      return false;
    }
  }
  return true;
}

std::optional<int64_t> IntParam(const httplib::Request& req, httplib::Response& res, const std::string& key,
                                int64_t fallback, int64_t min, int64_t max) {
  if (!req.has_param(key)) return fallback;
  std::string s = req.get_param_value(key);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < min || v > max) {
    SendError(res, 400, "INVALID_ARGUMENT",
              "query parameter '" + key + "' must be an integer from " + std::to_string(min) + " to " +
                  std::to_string(max));
    return std::nullopt;
  }
  return v;
}

YAML::Node ToYaml(const json& j) {
  switch (j.type()) {
    case json::value_t::object: {
      YAML::Node n(YAML::NodeType::Map);
      for (const auto& [k, v] : j.items()) n[k] = ToYaml(v);
      return n;
    }
    case json::value_t::array: {
      YAML::Node n(YAML::NodeType::Sequence);
      for (const auto& v : j) n.push_back(ToYaml(v));
      return n;
    }
    case json::value_t::string:
      return YAML::Node(j.get<std::string>());
    case json::value_t::boolean:
      return YAML::Node(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return YAML::Node(j.get<int64_t>());
    case json::value_t::number_float:
      return YAML::Node(j.get<double>());
    default:
      return YAML::Node(YAML::NodeType::Null);
  }
}

json PreviewToJson(const BatchPreview& p) {
  json supported = json::array(), unsupported = json::array();
  for (const auto& s : p.supported) supported.push_back({{"id", s.id}, {"name", s.name}, {"updated_at", s.updated_at}});
  for (const auto& u : p.unsupported) unsupported.push_back({{"id", u.id}, {"name", u.name}, {"reason", u.reason}});
  return json{{"supported", supported}, {"unsupported", unsupported}};
}

// A batch request: {"ids": [...]} plus the arguments the operation takes.
struct BatchRequest {
  Operation op;
  std::vector<int64_t> ids;
  json args = json::object();
};

std::optional<BatchRequest> ParseBatch(const httplib::Request& req, httplib::Response& res) {
  std::string name = req.matches[1];
  auto op = ParseOperation(name);
  const auto& batch_ops = BatchOperations();
  if (!op || std::find(batch_ops.begin(), batch_ops.end(), *op) == batch_ops.end()) {
    std::string known;
    for (Operation o : batch_ops) known += (known.empty() ? "" : ", ") + std::string(OperationName(o));
    SendError(res, 404, "NOT_FOUND", "no batch operation '" + name + "'", "Batch operations: " + known + ".");
    return std::nullopt;
  }
  auto body = BodyJson(req, res);
  if (!body) return std::nullopt;
  BatchRequest out{*op, {}, json::object()};
  for (const auto& [key, value] : body->items()) {
    if (key == "ids") continue;
    bool takes = (key == "alerts" && *op == Operation::kModifyAlerts) || (key == "force" && *op == Operation::kRelease);
    if (!takes) {
      SendError(res, 400, "INVALID_ARGUMENT", "'" + key + "' is not a field of batch " + name, "See docs/api.md.");
      return std::nullopt;
    }
    out.args[key] = value;
  }
  if (out.args.contains("force") && !out.args["force"].is_boolean()) {
    SendError(res, 400, "INVALID_ARGUMENT", "'force' must be true or false");
    return std::nullopt;
  }
  if (*op == Operation::kModifyAlerts && !out.args.contains("alerts")) {
    SendError(res, 400, "INVALID_ARGUMENT", "batch modify_alerts needs 'alerts': {\"level\", ...}");
    return std::nullopt;
  }
  const json& ids = (*body)["ids"];
  if (!ids.is_array() || ids.empty() || ids.size() > 1000) {
    SendError(res, 400, "INVALID_ARGUMENT", "'ids' must be a list of 1 to 1000 project ids");
    return std::nullopt;
  }
  std::set<int64_t> seen;
  for (const auto& id : ids) {
    if (!id.is_number_integer()) {
      SendError(res, 400, "INVALID_ARGUMENT", "'ids' must hold integers");
      return std::nullopt;
    }
    if (seen.insert(id.get<int64_t>()).second) out.ids.push_back(id.get<int64_t>());
  }
  return out;
}

}  // namespace

ApiServer::ApiServer(Orchestrator& orchestrator, std::string token, EndpointPolicy endpoints)
    : orchestrator_(orchestrator),
      token_(std::move(token)),
      endpoints_(std::move(endpoints)),
      http_(std::make_unique<httplib::Server>()) {
  Routes();
}

ApiServer::~ApiServer() = default;

Result<int> ApiServer::Bind(const std::string& host, int port) {
  int bound = port == 0 ? http_->bind_to_any_port(host) : (http_->bind_to_port(host, port) ? port : -1);
  if (bound <= 0) {
    return Status(ErrorCode::kInvalidArgument, "cannot listen on " + host + ":" + std::to_string(port),
                  "Is another process using the port, or the address not on this machine? Give another with "
                  "--listen HOST:PORT.");
  }
  return bound;
}

Status ApiServer::Serve() {
  if (!http_->listen_after_bind()) {
    return Status(ErrorCode::kInternal, "the HTTP server stopped unexpectedly");
  }
  return Status();
}

void ApiServer::Stop() { http_->stop(); }

void ApiServer::Routes() {
  httplib::Server& s = *http_;
  s.set_payload_max_length(kMaxRequestBody);
  // httplib's default also sets SO_REUSEPORT, with which a second daemon
  // would silently share the port and answer half the requests with its
  // own token and projects. SO_REUSEADDR alone keeps fast restarts working.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
  });

  s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/api/v1/health") return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    // Constant-time comparison, so the token cannot be guessed byte by byte.
    const std::string expected = "Bearer " + token_;
    bool ok = auth.size() == expected.size();
    unsigned char diff = 0;
    for (size_t i = 0; ok && i < auth.size(); ++i) diff |= static_cast<unsigned char>(auth[i] ^ expected[i]);
    if (!ok || diff != 0) {
      SendStatus(res, Status(ErrorCode::kUnauthorized,
                             auth.empty() ? "the request has no bearer token" : "the bearer token is wrong"));
      return httplib::Server::HandlerResponse::Handled;
    }
    return httplib::Server::HandlerResponse::Unhandled;
  });
  s.set_error_handler(httplib::Server::HandlerWithResponse([](const httplib::Request&, httplib::Response& res) {
    if (!res.body.empty()) return httplib::Server::HandlerResponse::Unhandled;
    if (res.status == 413) {
      SendError(res, 400, "BAD_REQUEST",
                "the request body is larger than " + std::to_string(kMaxRequestBody) + " bytes");
    } else if (res.status == 404) {
      SendError(res, 404, "NOT_FOUND", "no such path", "See docs/api.md for the API's paths and methods.");
    } else {
      SendError(res, res.status, "BAD_REQUEST",
                "the request could not be read (HTTP " + std::to_string(res.status) + ")",
                "POST and PUT need a Content-Length header, even for an empty body: send {} (curl -d '{}').");
    }
    return httplib::Server::HandlerResponse::Handled;
  }));
  s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    SendError(res, 500, "INTERNAL", "internal error: " + what, "Report it with the daemon's log.");
  });
  s.set_logger([](const httplib::Request& req, const httplib::Response& res) {
    // Method, path and status only: bodies may carry passwords.
    spdlog::info("{} {} {}", req.method, req.path, res.status);
  });

  s.Get("/api/v1/health", [](const httplib::Request&, httplib::Response& res) {
    SendJson(res, json{{"status", "ok"}});
  });

  s.Get("/api/v1/state-machine", [](const httplib::Request&, httplib::Response& res) {
    json states = json::array();
    for (ProjectState st : kAllStates) {
      json ops = json::array();
      for (Operation op : AllowedOperations(st)) ops.push_back(OperationName(op));
      states.push_back({{"state", StateName(st)}, {"label", StateLabel(st)}, {"operations", ops}});
    }
    SendJson(res, json{{"states", states}});
  });

  s.Post("/api/v1/projects", [this](const httplib::Request& req, httplib::Response& res) {
    auto body = BodyJson(req, res);
    if (!body) return;
    auto spec = ParseProjectSpec(*body, endpoints_);
    if (!spec.ok()) return SendStatus(res, spec.status());
    auto p = orchestrator_.Create(*spec);
    if (!p.ok()) return SendStatus(res, p.status());
    SendJson(res, ProjectToJson(*p), 201);
  });

  s.Get("/api/v1/projects", [this](const httplib::Request& req, httplib::Response& res) {
    if (!OnlyKnownParams(req, res, {"status", "tag", "type", "keyword", "page", "page_size"})) return;
    ProjectFilter f;
    f.state = req.get_param_value("status");
    if (!f.state.empty() && !ParseState(f.state)) {
      std::string names;
      for (ProjectState st : kAllStates) names += (names.empty() ? "" : ", ") + std::string(StateName(st));
      return SendError(res, 400, "INVALID_ARGUMENT", "unknown status '" + f.state + "'", "Known: " + names + ".");
    }
    f.tag = req.get_param_value("tag");
    f.type = req.get_param_value("type");
    f.keyword = req.get_param_value("keyword");
    auto page = IntParam(req, res, "page", 1, 1, 1000000);
    if (!page) return;
    auto size = IntParam(req, res, "page_size", 50, 1, 500);
    if (!size) return;
    f.page = *page;
    f.page_size = *size;
    auto list = orchestrator_.List(f);
    if (!list.ok()) return SendStatus(res, list.status());
    json projects = json::array();
    for (const auto& p : list->first) projects.push_back(ProjectToJson(p));
    SendJson(res, json{{"projects", projects}, {"total", list->second}, {"page", f.page}, {"page_size", f.page_size}});
  });

  s.Get(R"(/api/v1/projects/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto id = PathId(req, res);
    if (!id) return;
    auto p = orchestrator_.Get(*id);
    if (!p.ok()) return SendStatus(res, p.status());
    auto subtasks = orchestrator_.Subtasks(*id);
    if (!subtasks.ok()) return SendStatus(res, subtasks.status());
    auto tables = orchestrator_.TableProgress(*id);
    if (!tables.ok()) return SendStatus(res, tables.status());
    json out = ProjectToJson(*p);
    out["subtasks"] = *subtasks;
    out["progress"] = *tables;
    json ops = json::array();
    for (Operation op : AllowedOperations(p->state)) {
      if (CheckOperation(*p, op).ok()) ops.push_back(OperationName(op));
    }
    out["allowed_operations"] = ops;
    SendJson(res, out);
  });

  s.Delete(R"(/api/v1/projects/(\d+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto id = PathId(req, res);
    if (!id) return;
    auto r = orchestrator_.Apply(Operation::kDelete, *id, json::object());
    if (!r.ok()) return SendStatus(res, r.status());
    SendJson(res, *r);
  });

  s.Post(R"(/api/v1/projects/(\d+)/(start|pause|resume|release|clone|skip_ddl|skip_full_verification))",
         [this](const httplib::Request& req, httplib::Response& res) {
           auto id = PathId(req, res);
           if (!id) return;
           auto body = BodyJson(req, res);
           if (!body) return;
           const std::string action = req.matches[2];
           for (const auto& [key, value] : body->items()) {
             if (action != "release" || key != "force") {
               return SendError(res, 400, "INVALID_ARGUMENT", "'" + key + "' is not a field of " + action,
                                "See docs/api.md.");
             }
             if (!value.is_boolean()) return SendError(res, 400, "INVALID_ARGUMENT", "'force' must be true or false");
           }
           if (action == "clone") {
             // The clone runs anew: its endpoints must be ones the operator
             // allows now (the allowances may have narrowed since).
             auto original = orchestrator_.Get(*id);
             if (!original.ok()) return SendStatus(res, original.status());
             for (const auto* ep : {&original->spec.source, &original->spec.destination}) {
               Status st = CheckEndpoint(ep->endpoint, endpoints_);
               if (!st.ok()) return SendStatus(res, st.WithContext(ep == &original->spec.source ? "source" : "destination"));
             }
             auto p = orchestrator_.Clone(*id);
             if (!p.ok()) return SendStatus(res, p.status());
             return SendJson(res, ProjectToJson(*p), 201);
           }
           Operation op = *ParseOperation(action);
           if (op == Operation::kRelease && body->value("force", false)) op = Operation::kForceRelease;
           auto r = orchestrator_.Apply(op, *id, *body);
           if (!r.ok()) return SendStatus(res, r.status());
           SendJson(res, *r);
         });

  s.Put(R"(/api/v1/projects/(\d+)/(parameters|alerts|objects))",
        [this](const httplib::Request& req, httplib::Response& res) {
          auto id = PathId(req, res);
          if (!id) return;
          auto body = BodyJson(req, res);
          if (!body) return;
          const std::string what = req.matches[2];
          Operation op = what == "parameters" ? Operation::kModifyParameters
                         : what == "alerts"   ? Operation::kModifyAlerts
                                              : Operation::kModifyObjects;
          auto r = orchestrator_.Apply(op, *id, *body);
          if (!r.ok()) return SendStatus(res, r.status());
          SendJson(res, *r);
        });

  s.Get(R"(/api/v1/projects/(\d+)/export)", [this](const httplib::Request& req, httplib::Response& res) {
    auto id = PathId(req, res);
    if (!id) return;
    if (!OnlyKnownParams(req, res, {"format", "objects_only"})) return;
    std::string format = req.has_param("format") ? req.get_param_value("format") : "json";
    std::string objects_only = req.has_param("objects_only") ? req.get_param_value("objects_only") : "false";
    if (format != "json" && format != "yaml") {
      return SendError(res, 400, "INVALID_ARGUMENT", "format must be json or yaml");
    }
    if (objects_only != "true" && objects_only != "false") {
      return SendError(res, 400, "INVALID_ARGUMENT", "objects_only must be true or false");
    }
    auto p = orchestrator_.Get(*id);
    if (!p.ok()) return SendStatus(res, p.status());
    json doc = SpecToJson(p->spec, objects_only == "true");
    if (format == "json") return SendJson(res, doc);
    YAML::Emitter out;
    out << ToYaml(doc);
    res.set_content(std::string("# Godwit project ") + std::to_string(*id) +
                        " (passwords are not exported: give them again, or name password_env/password_file)\n" +
                        out.c_str() + "\n",
                    "application/yaml");
  });

  // Full verification (docs/verification.md): the result, re-verify,
  // corrections as SQL, applying them.
  s.Get(R"(/api/v1/projects/(\d+)/verification)", [this](const httplib::Request& req, httplib::Response& res) {
    auto id = PathId(req, res);
    if (!id) return;
    if (!OnlyKnownParams(req, res, {})) return;
    auto r = orchestrator_.Verification(*id);
    if (!r.ok()) return SendStatus(res, r.status());
    SendJson(res, *r);
  });
  s.Post(R"(/api/v1/projects/(\d+)/verification/rerun)", [this](const httplib::Request& req, httplib::Response& res) {
    auto id = PathId(req, res);
    if (!id) return;
    auto body = BodyJson(req, res);
    if (!body) return;
    for (const auto& [key, value] : body->items()) {
      if (key != "mode") return SendError(res, 400, "INVALID_ARGUMENT", "'" + key + "' is not a field of rerun");
    }
    const json mode = body->value("mode", json("all"));
    if (!mode.is_string()) return SendError(res, 400, "INVALID_ARGUMENT", "'mode' must be all, abnormal or records");
    auto r = orchestrator_.Reverify(*id, mode.get<std::string>());
    if (!r.ok()) return SendStatus(res, r.status());
    SendJson(res, *r);
  });
  s.Get(R"(/api/v1/projects/(\d+)/verification/corrections\.sql)",
        [this](const httplib::Request& req, httplib::Response& res) {
          auto id = PathId(req, res);
          if (!id) return;
          if (!OnlyKnownParams(req, res, {"delete_destination_only"})) return;
          const std::string del =
              req.has_param("delete_destination_only") ? req.get_param_value("delete_destination_only") : "false";
          if (del != "true" && del != "false") {
            return SendError(res, 400, "INVALID_ARGUMENT", "delete_destination_only must be true or false");
          }
          auto sql = orchestrator_.CorrectionSql(*id, del == "true");
          if (!sql.ok()) return SendStatus(res, sql.status());
          res.set_content(*sql, "application/sql");
        });
  s.Post(R"(/api/v1/projects/(\d+)/verification/correct)", [this](const httplib::Request& req, httplib::Response& res) {
    auto id = PathId(req, res);
    if (!id) return;
    auto body = BodyJson(req, res);
    if (!body) return;
    for (const auto& [key, value] : body->items()) {
      if (key != "delete_destination_only") {
        return SendError(res, 400, "INVALID_ARGUMENT", "'" + key + "' is not a field of correct");
      }
      if (!value.is_boolean()) {
        return SendError(res, 400, "INVALID_ARGUMENT", "'delete_destination_only' must be true or false");
      }
    }
    auto r = orchestrator_.Correct(*id, body->value("delete_destination_only", false));
    if (!r.ok()) return SendStatus(res, r.status());
    SendJson(res, *r);
  });

  s.Get(R"(/api/v1/projects/(\d+)/subtasks)", [this](const httplib::Request& req, httplib::Response& res) {
    auto id = PathId(req, res);
    if (!id) return;
    auto r = orchestrator_.Subtasks(*id);
    if (!r.ok()) return SendStatus(res, r.status());
    SendJson(res, json{{"subtasks", *r}});
  });

  s.Get(R"(/api/v1/projects/(\d+)/events)", [this](const httplib::Request& req, httplib::Response& res) {
    auto id = PathId(req, res);
    if (!id) return;
    auto p = orchestrator_.Get(*id);
    if (!p.ok()) return SendStatus(res, p.status());
    auto events = orchestrator_.Events(*id);
    if (!events.ok()) return SendStatus(res, events.status());
    json out = json::array();
    for (const auto& e : *events) out.push_back({{"at", e.at}, {"kind", e.kind}, {"message", e.message}});
    SendJson(res, json{{"events", out}});
  });

  s.Post(R"(/api/v1/batch/([a-z_]+)/preview)", [this](const httplib::Request& req, httplib::Response& res) {
    auto batch = ParseBatch(req, res);
    if (!batch) return;
    SendJson(res, PreviewToJson(orchestrator_.Preview(batch->op, batch->ids)));
  });

  s.Post(R"(/api/v1/batch/([a-z_]+))", [this](const httplib::Request& req, httplib::Response& res) {
    auto batch = ParseBatch(req, res);
    if (!batch) return;
    BatchResult r = orchestrator_.Batch(batch->op, batch->ids, batch->args);
    json failed = json::array();
    for (const auto& [id, reason] : r.failed) failed.push_back({{"id", id}, {"reason", reason}});
    SendJson(res, json{{"succeeded", r.succeeded}, {"failed", failed}});
  });

  s.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    std::string out = "# HELP godwit_projects Migration projects by state.\n# TYPE godwit_projects gauge\n";
    for (ProjectState st : kAllStates) {
      ProjectFilter f;
      f.state = std::string(StateName(st));
      f.page_size = 1;
      auto list = orchestrator_.List(f);
      if (!list.ok()) return SendStatus(res, list.status());
      out += "godwit_projects{state=\"" + f.state + "\"} " + std::to_string(list->second) + "\n";
    }
    res.set_content(out, "text/plain; version=0.0.4");
  });
}

}  // namespace godwit
