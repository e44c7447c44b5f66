#include "server/api_server.h"

#include <httplib.h>
#include <spdlog/spdlog.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <set>
#include <string_view>

#include "common/error_catalog.h"
#include "orchestrator/operation_args.h"
#include "verify/verifier.h"

namespace godwit {
namespace {

using nlohmann::json;
constexpr const char* kJson = "application/json";

int HttpStatusOf(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
    case ErrorCode::kUnsupported: return 400;
    case ErrorCode::kUnauthorized: return 401;
    case ErrorCode::kNotFound: return 404;
    case ErrorCode::kInvalidState:
    case ErrorCode::kConflict: return 409;
    case ErrorCode::kMetadata:
    case ErrorCode::kInternal: return 500;
    default: return 502;  // a database failed (release reaching the source, for one)
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
// One request as its handler sees it. The steps every route shares have
// run before the handler (RunRoute): the bearer token is checked (the
// pre-routing handler), then the path's project id, the query parameters
// and the JSON body as the route asks.
//
// A handler answers through the Call (Json, Reply, Text, Reject) and
// returns OK; or it returns an error Status, which RunRoute answers with
// the status's HTTP code, catalog name, message and hint.
struct Call {
  const httplib::Request& req;
  httplib::Response& res;
  Orchestrator& orchestrator;
  const EndpointPolicy& endpoints;
  int64_t id = 0;              // routes with kId: the project id in the path
  json body = json::object();  // routes with kBody: the body; an empty one is {}

  // The path's n-th captured group ("start" in /projects/7/start for n = 2).
  std::string Part(int n) const { return req.matches[n]; }
  // The query parameter `key`, or `fallback` when the request has none.
  std::string Param(const std::string& key, const std::string& fallback = {}) const {
    return req.has_param(key) ? req.get_param_value(key) : fallback;
  }

  Status Json(const json& doc, int status = 200) {
    SendJson(res, doc, status);
    return Status();
  }
  // The orchestrator's JSON answer, or its error.
  Status Reply(const Result<json>& result) { return result.ok() ? Json(*result) : result.status(); }
  Status Text(const std::string& text, const char* content_type) {
    res.set_content(text, content_type);
    return Status();
  }
  // Answers 400 INVALID_ARGUMENT in the handler's own words, with no hint
  // unless given (a Status would add the catalog's default hint). Returns
  // OK: the request is answered.
  Status Reject(const std::string& message, const std::string& hint = {}) {
    SendError(res, 400, "INVALID_ARGUMENT", message, hint);
    return Status();
  }
};

// The body as JSON into `c.body`; an empty body is `{}`. Answers 400 and
// returns false when it is not a JSON object.
bool ReadBody(Call& c) {
  if (c.req.body.empty()) return true;
  json doc = json::parse(c.req.body, nullptr, false);
  if (doc.is_discarded()) {
    SendError(c.res, 400, "BAD_REQUEST", "the request body is not valid JSON",
              "Send a JSON document with Content-Type: application/json (docs/api.md).");
    return false;
  }
  if (!doc.is_object()) {
    SendError(c.res, 400, "BAD_REQUEST", "the request body must be a JSON object");
    return false;
  }
  c.body = std::move(doc);
  return true;
}

// The project id (the path's first group) into `c.id`; answers 404 and
// returns false when it is not an int64 (too many digits).
bool ReadPathId(Call& c) {
  const std::string s = c.Part(1);
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), c.id);
  if (ec != std::errc() || p != s.data() + s.size()) {
    SendError(c.res, 404, "NOT_FOUND", "no project with id " + s);
    return false;
  }
  return true;
}

// Refuses query parameters outside `known` (names separated by spaces).
bool OnlyKnownParams(const Call& c, std::string_view known) {
  for (const auto& [key, _] : c.req.params) {
    bool found = false;
    for (size_t at = 0; !found && at < known.size();) {
      size_t end = std::min(known.find(' ', at), known.size());
      found = known.substr(at, end - at) == key;
      at = end + 1;
    }
    if (!found) {
      SendError(c.res, 400, "INVALID_ARGUMENT", "unknown query parameter '" + key + "'", "See docs/api.md.");
      return false;
    }
  }
  return true;
}

// The integer query parameter `key` (`fallback` when absent); answers 400
// and returns nullopt when it is not an integer from `min` to `max`.
std::optional<int64_t> IntParam(Call& c, const std::string& key, int64_t fallback, int64_t min, int64_t max) {
  if (!c.req.has_param(key)) return fallback;
  std::string s = c.req.get_param_value(key);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v < min || v > max) {
    SendError(
        c.res, 400, "INVALID_ARGUMENT",
        "query parameter '" + key + "' must be an integer from " + std::to_string(min) + " to " + std::to_string(max));
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
    case json::value_t::string: return YAML::Node(j.get<std::string>());
    case json::value_t::boolean: return YAML::Node(j.get<bool>());
    case json::value_t::number_integer:
    case json::value_t::number_unsigned: return YAML::Node(j.get<int64_t>());
    case json::value_t::number_float: return YAML::Node(j.get<double>());
    default: return YAML::Node(YAML::NodeType::Null);
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

// The operation named in the path, the body's arguments and ids. Answers
// (404 for an unknown operation, 400 for a bad body) and returns nullopt
// when the request is not one.
std::optional<BatchRequest> ParseBatch(Call& c) {
  std::string name = c.Part(1);
  auto op = ParseOperation(name);
  const auto& batch_ops = BatchOperations();
  if (!op || std::find(batch_ops.begin(), batch_ops.end(), *op) == batch_ops.end()) {
    std::string known;
    for (Operation o : batch_ops) known += (known.empty() ? "" : ", ") + std::string(OperationName(o));
    SendError(c.res, 404, "NOT_FOUND", "no batch operation '" + name + "'", "Batch operations: " + known + ".");
    return std::nullopt;
  }
  // The body is read after the name is known good, so an unknown operation
  // is a 404 whatever its body.
  if (!ReadBody(c)) return std::nullopt;
  BatchRequest out{*op, {}, json::object()};
  for (const auto& [key, value] : c.body.items()) {
    if (key == "ids") continue;
    bool takes = (key == "alerts" && *op == Operation::kModifyAlerts) || (key == "force" && *op == Operation::kRelease);
    if (!takes) {
      SendError(c.res, 400, "INVALID_ARGUMENT", "'" + key + "' is not a field of batch " + name, "See docs/api.md.");
      return std::nullopt;
    }
    out.args[key] = value;
  }
  if (out.args.contains("force") && !out.args["force"].is_boolean()) {
    SendError(c.res, 400, "INVALID_ARGUMENT", "'force' must be true or false");
    return std::nullopt;
  }
  if (*op == Operation::kModifyAlerts && !out.args.contains("alerts")) {
    SendError(c.res, 400, "INVALID_ARGUMENT", "batch modify_alerts needs 'alerts': {\"level\", ...}");
    return std::nullopt;
  }
  const json& ids = c.body["ids"];
  if (!ids.is_array() || ids.empty() || ids.size() > 1000) {
    SendError(c.res, 400, "INVALID_ARGUMENT", "'ids' must be a list of 1 to 1000 project ids");
    return std::nullopt;
  }
  std::set<int64_t> seen;
  for (const auto& id : ids) {
    if (!id.is_number_integer()) {
      SendError(c.res, 400, "INVALID_ARGUMENT", "'ids' must hold integers");
      return std::nullopt;
    }
    if (seen.insert(id.get<int64_t>()).second) out.ids.push_back(id.get<int64_t>());
  }
  return out;
}

// The batch with its arguments. Bad arguments fail each project the
// operation applies to, after the projects it does not (as when the
// orchestrator read the arguments per project).
BatchResult BatchWithArgs(Orchestrator& orchestrator, const BatchRequest& batch) {
  auto args = ParseOperationArgs(batch.op, batch.args);
  if (args.ok()) return orchestrator.Batch(batch.op, batch.ids, *args);
  BatchResult out;
  BatchPreview preview = orchestrator.Preview(batch.op, batch.ids);
  for (const auto& u : preview.unsupported) out.failed.emplace_back(u.id, u.reason);
  for (const auto& s : preview.supported) out.failed.emplace_back(s.id, args.status().message());
  return out;
}

// The handlers, one per route (kRoutes below).

Status Health(Call& c) { return c.Json(json{{"status", "ok"}}); }

Status StateMachine(Call& c) {
  json states = json::array();
  for (ProjectState st : kAllStates) {
    json ops = json::array();
    for (Operation op : AllowedOperations(st)) ops.push_back(OperationName(op));
    states.push_back({{"state", StateName(st)}, {"label", StateLabel(st)}, {"operations", ops}});
  }
  return c.Json(json{{"states", states}});
}

Status CreateProject(Call& c) {
  ASSIGN_OR_RETURN(auto spec, ParseProjectSpec(c.body, c.endpoints));
  ASSIGN_OR_RETURN(auto project, c.orchestrator.Create(spec));
  return c.Json(ProjectToJson(project), 201);
}

Status ListProjects(Call& c) {
  ProjectFilter f;
  f.state = c.Param("status");
  if (!f.state.empty() && !ParseState(f.state)) {
    std::string names;
    for (ProjectState st : kAllStates) names += (names.empty() ? "" : ", ") + std::string(StateName(st));
    return c.Reject("unknown status '" + f.state + "'", "Known: " + names + ".");
  }
  f.tag = c.Param("tag");
  f.type = c.Param("type");
  f.keyword = c.Param("keyword");
  auto page = IntParam(c, "page", 1, 1, 1000000);
  if (!page) return Status();  // answered
  auto size = IntParam(c, "page_size", 50, 1, 500);
  if (!size) return Status();  // answered
  f.page = *page;
  f.page_size = *size;
  ASSIGN_OR_RETURN(auto list, c.orchestrator.List(f));
  json projects = json::array();
  for (const auto& p : list.first) projects.push_back(ProjectToJson(p));
  return c.Json(json{{"projects", projects}, {"total", list.second}, {"page", f.page}, {"page_size", f.page_size}});
}

Status GetProject(Call& c) {
  ASSIGN_OR_RETURN(auto project, c.orchestrator.Get(c.id));
  ASSIGN_OR_RETURN(json subtasks, c.orchestrator.Subtasks(c.id));
  ASSIGN_OR_RETURN(json tables, c.orchestrator.TableProgress(c.id));
  json out = ProjectToJson(project);
  out["subtasks"] = std::move(subtasks);
  out["progress"] = std::move(tables);
  json ops = json::array();
  for (Operation op : AllowedOperations(project.state)) {
    if (CheckOperation(project, op).ok()) ops.push_back(OperationName(op));
  }
  out["allowed_operations"] = ops;
  return c.Json(out);
}

Status DeleteProject(Call& c) { return c.Reply(c.orchestrator.Apply(Operation::kDelete, c.id)); }

// The clone runs anew: its endpoints must be ones the operator allows now
// (the allowances may have narrowed since the original was created).
Status CloneProject(Call& c) {
  ASSIGN_OR_RETURN(auto original, c.orchestrator.Get(c.id));
  for (const auto* ep : {&original.spec.source, &original.spec.destination}) {
    Status st = CheckEndpoint(ep->endpoint, c.endpoints);
    if (!st.ok()) return st.WithContext(ep == &original.spec.source ? "source" : "destination");
  }
  ASSIGN_OR_RETURN(auto clone, c.orchestrator.Clone(c.id));
  return c.Json(ProjectToJson(clone), 201);
}

// `op` on the path's project with the body's arguments. A bad argument is
// answered after what the project itself refuses (404 for an unknown id,
// 409 when its state does not allow `op`), as when the orchestrator read
// the arguments: a client learns first that the operation cannot apply.
Status ApplyWithArgs(Call& c, Operation op) {
  auto args = ParseOperationArgs(op, c.body);
  if (!args.ok()) {
    ASSIGN_OR_RETURN(auto project, c.orchestrator.Get(c.id));
    RETURN_IF_ERROR(CheckOperation(project, op));
    return args.status();
  }
  return c.Reply(c.orchestrator.Apply(op, c.id, *args));
}

// start, pause, resume, release, clone, skip_ddl, skip_full_verification.
Status ProjectAction(Call& c) {
  const std::string action = c.Part(2);
  for (const auto& [key, value] : c.body.items()) {
    if (action != "release" || key != "force") {
      return c.Reject("'" + key + "' is not a field of " + action, "See docs/api.md.");
    }
    if (!value.is_boolean()) return c.Reject("'force' must be true or false");
  }
  if (action == "clone") return CloneProject(c);
  Operation op = *ParseOperation(action);
  if (op == Operation::kRelease && c.body.value("force", false)) op = Operation::kForceRelease;
  return ApplyWithArgs(c, op);
}

// PUT parameters, alerts or objects.
Status ModifyProject(Call& c) {
  const std::string what = c.Part(2);
  Operation op = what == "parameters" ? Operation::kModifyParameters
                 : what == "alerts"   ? Operation::kModifyAlerts
                                      : Operation::kModifyObjects;
  return ApplyWithArgs(c, op);
}

Status ExportProject(Call& c) {
  const std::string format = c.Param("format", "json");
  const std::string objects_only = c.Param("objects_only", "false");
  if (format != "json" && format != "yaml") return c.Reject("format must be json or yaml");
  if (objects_only != "true" && objects_only != "false") return c.Reject("objects_only must be true or false");
  ASSIGN_OR_RETURN(auto project, c.orchestrator.Get(c.id));
  json doc = SpecToJson(project.spec, objects_only == "true");
  if (format == "json") return c.Json(doc);
  YAML::Emitter out;
  out << ToYaml(doc);
  return c.Text(std::string("# Godwit project ") + std::to_string(c.id) +
                    " (passwords are not exported: give them again, or name password_env/password_file)\n" +
                    out.c_str() + "\n",
                "application/yaml");
}

// Full verification (docs/verification.md): the result, re-verify,
// corrections as SQL, applying them.
Status GetVerification(Call& c) { return c.Reply(c.orchestrator.Verification(c.id)); }

Status Reverify(Call& c) {
  for (const auto& [key, value] : c.body.items()) {
    if (key != "mode") return c.Reject("'" + key + "' is not a field of rerun");
  }
  const json mode = c.body.value("mode", json("all"));
  if (!mode.is_string()) return c.Reject("'mode' must be all, abnormal or records");
  auto verify_mode = ParseVerifyMode(mode.get<std::string>());
  if (!verify_mode) {
    return Status(ErrorCode::kInvalidArgument,
                  "mode must be all, abnormal or records, not '" + mode.get<std::string>() + "'");
  }
  return c.Reply(c.orchestrator.Reverify(c.id, *verify_mode));
}

Status CorrectionSql(Call& c) {
  const std::string del = c.Param("delete_destination_only", "false");
  if (del != "true" && del != "false") return c.Reject("delete_destination_only must be true or false");
  ASSIGN_OR_RETURN(std::string sql, c.orchestrator.CorrectionSql(c.id, del == "true"));
  return c.Text(sql, "application/sql");
}

Status Correct(Call& c) {
  for (const auto& [key, value] : c.body.items()) {
    if (key != "delete_destination_only") return c.Reject("'" + key + "' is not a field of correct");
    if (!value.is_boolean()) return c.Reject("'delete_destination_only' must be true or false");
  }
  return c.Reply(c.orchestrator.Correct(c.id, c.body.value("delete_destination_only", false)));
}

Status Subtasks(Call& c) {
  ASSIGN_OR_RETURN(json subtasks, c.orchestrator.Subtasks(c.id));
  return c.Json(json{{"subtasks", subtasks}});
}

Status Events(Call& c) {
  RETURN_IF_ERROR(c.orchestrator.Get(c.id).status());  // 404 for an unknown project
  ASSIGN_OR_RETURN(auto events, c.orchestrator.Events(c.id));
  json out = json::array();
  for (const auto& e : events) out.push_back({{"at", e.at}, {"kind", e.kind}, {"message", e.message}});
  return c.Json(json{{"events", out}});
}

Status PreviewBatch(Call& c) {
  auto batch = ParseBatch(c);
  if (!batch) return Status();  // answered
  return c.Json(PreviewToJson(c.orchestrator.Preview(batch->op, batch->ids)));
}

Status RunBatch(Call& c) {
  auto batch = ParseBatch(c);
  if (!batch) return Status();  // answered
  BatchResult r = BatchWithArgs(c.orchestrator, *batch);
  json failed = json::array();
  for (const auto& [id, reason] : r.failed) failed.push_back({{"id", id}, {"reason", reason}});
  return c.Json(json{{"succeeded", r.succeeded}, {"failed", failed}});
}

Status Metrics(Call& c) {
  std::string out = "# HELP godwit_projects Migration projects by state.\n# TYPE godwit_projects gauge\n";
  for (ProjectState st : kAllStates) {
    ProjectFilter f;
    f.state = std::string(StateName(st));
    f.page_size = 1;
    ASSIGN_OR_RETURN(auto list, c.orchestrator.List(f));
    out += "godwit_projects{state=\"" + f.state + "\"} " + std::to_string(list.second) + "\n";
  }
  return c.Text(out, "text/plain; version=0.0.4");
}

// What RunRoute does before a route's handler.
enum Needs : unsigned {
  kNothing = 0,
  kId = 1,    // the path's first group is a project id (404 when it is not)
  kBody = 2,  // the body is a JSON object (400 when it is not)
};

struct Route {
  const char* method;   // GET, POST, PUT or DELETE
  const char* pattern;  // httplib's regular expression for the path
  unsigned needs;
  // The query parameters the route accepts, separated by spaces (400 for
  // any other); nullptr: parameters are not looked at.
  const char* params;
  Status (*handler)(Call&);
};

// The API (docs/api.md). httplib tries a method's routes in this order.
constexpr Route kRoutes[] = {
    {"GET", "/api/v1/health", kNothing, nullptr, Health},  // the only route without the token
    {"GET", "/api/v1/state-machine", kNothing, nullptr, StateMachine},
    {"POST", "/api/v1/projects", kBody, nullptr, CreateProject},
    {"GET", "/api/v1/projects", kNothing, "status tag type keyword page page_size", ListProjects},
    {"GET", R"(/api/v1/projects/(\d+))", kId, nullptr, GetProject},
    {"DELETE", R"(/api/v1/projects/(\d+))", kId, nullptr, DeleteProject},
    {"POST", R"(/api/v1/projects/(\d+)/(start|pause|resume|release|clone|skip_ddl|skip_full_verification))",
     kId | kBody, nullptr, ProjectAction},
    {"PUT", R"(/api/v1/projects/(\d+)/(parameters|alerts|objects))", kId | kBody, nullptr, ModifyProject},
    {"GET", R"(/api/v1/projects/(\d+)/export)", kId, "format objects_only", ExportProject},
    {"GET", R"(/api/v1/projects/(\d+)/verification)", kId, "", GetVerification},
    {"POST", R"(/api/v1/projects/(\d+)/verification/rerun)", kId | kBody, nullptr, Reverify},
    {"GET", R"(/api/v1/projects/(\d+)/verification/corrections\.sql)", kId, "delete_destination_only", CorrectionSql},
    {"POST", R"(/api/v1/projects/(\d+)/verification/correct)", kId | kBody, nullptr, Correct},
    {"GET", R"(/api/v1/projects/(\d+)/subtasks)", kId, nullptr, Subtasks},
    {"GET", R"(/api/v1/projects/(\d+)/events)", kId, nullptr, Events},
    {"POST", R"(/api/v1/batch/([a-z_]+)/preview)", kNothing, nullptr, PreviewBatch},  // reads its body itself
    {"POST", R"(/api/v1/batch/([a-z_]+))", kNothing, nullptr, RunBatch},
    {"GET", "/metrics", kNothing, nullptr, Metrics},
};

// The steps every route shares, then its handler; an error the handler
// returns is answered here.
void RunRoute(const Route& route, Orchestrator& orchestrator, const EndpointPolicy& endpoints,
              const httplib::Request& req, httplib::Response& res) {
  Call c{req, res, orchestrator, endpoints};
  if ((route.needs & kId) && !ReadPathId(c)) return;
  if (route.params != nullptr && !OnlyKnownParams(c, route.params)) return;
  if ((route.needs & kBody) && !ReadBody(c)) return;
  Status st = route.handler(c);
  if (!st.ok()) SendStatus(res, st);
}

// Answers 401 unless the request carries `Bearer <token>`; the health check
// needs none.
void RequireToken(httplib::Server& s, const std::string& token) {
  s.set_pre_routing_handler([&token](const httplib::Request& req, httplib::Response& res) {
    if (req.path == "/api/v1/health") return httplib::Server::HandlerResponse::Unhandled;
    const std::string auth = req.get_header_value("Authorization");
    // Constant-time comparison, so the token cannot be guessed byte by byte.
    const std::string expected = "Bearer " + token;
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
}

// Limits, socket options, and the answers httplib gives itself (unknown
// path, unreadable request, a handler's exception) in the API's error form.
void ConfigureHttp(httplib::Server& s) {
  s.set_payload_max_length(kMaxRequestBody);
  // httplib's default also sets SO_REUSEPORT, with which a second daemon
  // would silently share the port and answer half the requests with its
  // own token and projects. SO_REUSEADDR alone keeps fast restarts working.
  s.set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, reinterpret_cast<void*>(&yes), sizeof(yes));
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
  ConfigureHttp(s);
  RequireToken(s, token_);
  for (const Route& route : kRoutes) {
    httplib::Server::Handler handler = [this, &route](const httplib::Request& req, httplib::Response& res) {
      RunRoute(route, orchestrator_, endpoints_, req, res);
    };
    const std::string_view method = route.method;
    if (method == "GET") {
      s.Get(route.pattern, std::move(handler));
    } else if (method == "POST") {
      s.Post(route.pattern, std::move(handler));
    } else if (method == "PUT") {
      s.Put(route.pattern, std::move(handler));
    } else {
      s.Delete(route.pattern, std::move(handler));
    }
  }
}

}  // namespace godwit
