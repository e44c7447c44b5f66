#include "cli/client_commands.h"

#include <CLI/CLI.hpp>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli/project_document.h"
#include "cli/table_render.h"

namespace godwit {
namespace {

using nlohmann::json;

// The human text: on stdout normally; on stderr with --json, so that
// stdout carries the API's JSON alone.
std::ostream& Info(ClientContext& c) { return c.json ? c.err : c.out; }

int Fail(ClientContext& c, const ApiError& e) {
  PrintApiError(e, c.err);
  return e.exit_code;
}

int FailReply(ClientContext& c, const ApiReply& reply) { return Fail(c, ErrorFromReply(reply, c.api.server())); }

int FailStatus(ClientContext& c, const Status& st) {
  return Fail(c, UsageError(st.message(), st.hint()));
}

// The body exactly as the daemon sent it, one document per line.
void PrintRaw(ClientContext& c, const ApiReply& reply) {
  c.out << reply.body;
  if (reply.body.empty() || reply.body.back() != '\n') c.out << '\n';
}

std::optional<int64_t> ParseId(const std::string& text) {
  int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v <= 0) return std::nullopt;
  return v;
}

// Every id parsed, or the usage error for the first bad one.
std::optional<std::vector<int64_t>> ParseIds(ClientContext& c, const std::vector<std::string>& texts, int* exit_code) {
  std::vector<int64_t> ids;
  for (const auto& t : texts) {
    auto id = ParseId(t);
    if (!id) {
      *exit_code = Fail(c, UsageError("'" + t + "' is not a project id", "Ids are the numbers `godwit project list` shows."));
      return std::nullopt;
    }
    if (std::find(ids.begin(), ids.end(), *id) == ids.end()) ids.push_back(*id);
  }
  if (ids.empty()) {
    *exit_code = Fail(c, UsageError("no project id given"));
    return std::nullopt;
  }
  return ids;
}

std::string ProjectPath(int64_t id) { return "/projects/" + std::to_string(id); }

std::string Str(const json& obj, const char* key) {
  if (!obj.is_object() || !obj.contains(key)) return "";
  const json& v = obj[key];
  return v.is_string() ? v.get<std::string>() : (v.is_null() ? "" : v.dump());
}

// "project 7 (shop to warehouse)".
std::string Describe(const json& project, int64_t fallback_id = 0) {
  std::string id = Str(project, "id");
  if (id.empty() && fallback_id > 0) id = std::to_string(fallback_id);
  std::string name = Str(project, "name");
  return "project " + id + (name.empty() ? "" : " (" + name + ")");
}

std::string StateText(const json& project) {
  std::string label = Str(project, "state_label");
  return label.empty() ? StateLabelFromName(Str(project, "state")) : label;
}

// $USER, else the account name of the process.
std::string CurrentUser() {
  const char* user = std::getenv("USER");
  if (user != nullptr && *user != '\0') return user;
  if (const passwd* pw = getpwuid(getuid()); pw != nullptr && pw->pw_name != nullptr) return pw->pw_name;
  return "";
}

// `verb`: "created" or "imported as".
int PostProject(ClientContext& c, json doc, const char* verb) {
  ApiReply reply = c.api.Send("POST", "/projects", doc);
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
  } else {
    std::string id = Str(reply.json, "id");
    c.out << verb << " " << Describe(reply.json) << ", " << StateText(reply.json) << "\n";
    if (!id.empty()) c.out << "  start it with: godwit start " << id << "\n";
  }
  return kExitOk;
}

int Confirm(ClientContext& c, size_t n) {
  if (c.yes) return kExitOk;
  std::ostream& o = Info(c);
  o << "Proceed with " << n << " project(s)? [y/N] " << std::flush;
  std::string answer;
  if (!std::getline(c.in, answer)) answer.clear();
  // A terminal echoes the answer; from a pipe, show it so the log reads right.
  if (!c.interactive) o << answer << "\n";
  for (auto& ch : answer) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
  while (!answer.empty() && std::isspace(static_cast<unsigned char>(answer.back()))) answer.pop_back();
  if (answer == "y" || answer == "yes") return kExitOk;
  return Fail(c, ApiError{kExitFailed, "CANCELLED", "not confirmed: nothing was changed",
                          "Answer y, or pass --yes to skip the question in scripts."});
}

std::string Human(std::string operation) {
  std::replace(operation.begin(), operation.end(), '_', ' ');
  return operation;
}

// The batch protocol of docs/api.md: preview, confirm, execute on the
// supported projects.
int RunBatch(ClientContext& c, const std::string& operation, const std::vector<int64_t>& ids, json extra) {
  // The preview gets the same arguments as the execute call: what is
  // allowed can depend on them (release with force).
  json preview_body = extra.is_object() ? extra : json::object();
  preview_body["ids"] = ids;
  ApiReply preview = c.api.Send("POST", "/batch/" + operation + "/preview", preview_body);
  if (!preview.ok()) return FailReply(c, preview);
  Info(c) << RenderBatchPreview(Human(operation), preview.json);
  std::vector<int64_t> supported;
  if (preview.json.contains("supported") && preview.json["supported"].is_array()) {
    for (const auto& s : preview.json["supported"]) {
      if (s.is_object() && s.contains("id") && s["id"].is_number_integer()) supported.push_back(s["id"].get<int64_t>());
    }
  }
  size_t unsupported = 0;
  bool all_unknown = true;
  if (preview.json.contains("unsupported") && preview.json["unsupported"].is_array()) {
    for (const auto& u : preview.json["unsupported"]) {
      ++unsupported;
      if (Str(u, "reason") != "no such project") all_unknown = false;
    }
  }
  if (supported.empty()) {
    if (c.json) PrintRaw(c, preview);
    if (unsupported > 0 && all_unknown) {
      return Fail(c, ApiError{kExitNotFound, "NOT_FOUND", "none of the selected projects exists",
                              "Check the ids with `godwit project list`."});
    }
    return Fail(c, ApiError{kExitRefused, "INVALID_STATE",
                            "none of the selected projects allows " + Human(operation) + " in its current state",
                            "The reasons above say why; `godwit project show ID` gives a project's state."});
  }
  int confirmed = Confirm(c, supported.size());
  if (confirmed != kExitOk) return confirmed;
  json body = extra.is_object() ? extra : json::object();
  body["ids"] = supported;
  ApiReply result = c.api.Send("POST", "/batch/" + operation, body);
  if (!result.ok()) return FailReply(c, result);
  if (c.json) {
    PrintRaw(c, result);
  } else {
    c.out << RenderBatchResult(Human(operation), result.json);
  }
  bool any_failed = result.json.contains("failed") && result.json["failed"].is_array() && !result.json["failed"].empty();
  if (any_failed || unsupported > 0) {
    if (!any_failed) {
      Info(c) << unsupported << " selected project(s) did not support " << Human(operation)
              << " and were left as they are\n";
    }
    return kExitFailed;
  }
  return kExitOk;
}

void PrintReleaseDetails(ClientContext& c, const json& answer) {
  if (!answer.is_object()) return;
  for (const auto& [key, value] : answer.items()) {
    if (!value.is_array() || value.empty()) continue;
    c.out << "  " << Human(key) << ":\n";
    for (const auto& item : value) c.out << "    " << (item.is_string() ? item.get<std::string>() : item.dump()) << "\n";
  }
}

int SingleOperation(ClientContext& c, const std::string& operation, int64_t id, bool force) {
  ApiReply reply;
  if (operation == "delete") {
    reply = c.api.Send("DELETE", ProjectPath(id), nullptr);
  } else if (operation == "release") {
    reply = c.api.Send("POST", ProjectPath(id) + "/release", json{{"force", force}});
  } else {
    reply = c.api.Send("POST", ProjectPath(id) + "/" + operation, json::object());
  }
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
    return kExitOk;
  }
  if (operation == "delete") {
    c.out << "deleted project " << id << "\n";
    return kExitOk;
  }
  // The answer is the project, or for release what was freed (with the
  // project under "project" when the daemon includes it).
  const json& project = reply.json.contains("project") && reply.json["project"].is_object() ? reply.json["project"]
                                                                                          : reply.json;
  std::string state = StateText(project);
  c.out << Describe(project, id) << ": " << Human(operation) << (state.empty() ? " done" : ", now " + state) << "\n";
  if (operation == "release") PrintReleaseDetails(c, reply.json);
  return kExitOk;
}

}  // namespace

std::string NormalizeStateName(const std::string& text) {
  std::string out;
  for (char ch : text) {
    if (ch == ' ' || ch == '-') {
      out += '_';
    } else {
      out += static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    }
  }
  return out;
}

namespace {

int CreateFromFile(ClientContext& c, const std::string& file, const std::string& name,
                   const std::vector<std::string>& tags, const std::string& user, const char* verb) {
  auto doc = LoadProjectDocument(file);
  if (!doc.ok()) return FailStatus(c, doc.status());
  ApplyCreateOverrides(*doc, name, tags, user);
  Status st = ResolvePasswords(*doc);
  if (!st.ok()) return FailStatus(c, st.WithContext(file));
  return PostProject(c, std::move(*doc), verb);
}

}  // namespace

int ProjectCreate(ClientContext& c, const std::string& file, const std::string& name,
                  const std::vector<std::string>& tags, const std::string& user) {
  return CreateFromFile(c, file, name, tags, user, "created");
}

int ProjectImport(ClientContext& c, const std::string& file, const std::string& user) {
  return CreateFromFile(c, file, "", {}, user, "imported as");
}

int ProjectList(ClientContext& c, const ListFilters& f) {
  std::vector<std::pair<std::string, std::string>> params = {
      {"status", NormalizeStateName(f.status)},
      {"tag", f.tag},
      {"type", f.type},
      {"keyword", f.keyword},
      {"page", f.page > 0 ? std::to_string(f.page) : ""},
      {"page_size", f.page_size > 0 ? std::to_string(f.page_size) : ""},
  };
  std::string query = QueryString(params);
  ApiReply reply = c.api.Send("GET", "/projects" + (query.empty() ? "" : "?" + query), nullptr);
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
  } else {
    c.out << RenderProjectList(reply.json);
  }
  return kExitOk;
}

int ProjectShow(ClientContext& c, const std::string& id_text) {
  int code = 0;
  auto ids = ParseIds(c, {id_text}, &code);
  if (!ids) return code;
  ApiReply reply = c.api.Send("GET", ProjectPath(ids->front()), nullptr);
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
  } else {
    c.out << RenderProjectDetail(reply.json);
  }
  return kExitOk;
}

int ProjectExport(ClientContext& c, const std::string& id_text, const std::string& format, bool objects_only,
                  const std::string& out_file) {
  int code = 0;
  auto ids = ParseIds(c, {id_text}, &code);
  if (!ids) return code;
  if (format != "yaml" && format != "json") return Fail(c, UsageError("--format must be yaml or json"));
  std::string query = QueryString({{"format", format}, {"objects_only", objects_only ? "true" : "false"}});
  ApiReply reply = c.api.Send("GET", ProjectPath(ids->front()) + "/export?" + query, nullptr);
  if (!reply.ok()) return FailReply(c, reply);
  std::string text = reply.body;
  if (format == "json" && !c.json && !reply.json.is_null()) text = reply.json.dump(2);
  if (text.empty() || text.back() != '\n') text += '\n';
  if (out_file.empty() || out_file == "-") {
    c.out << text;
    return kExitOk;
  }
  std::ofstream file(out_file, std::ios::binary | std::ios::trunc);
  file << text;
  file.close();
  if (!file) return Fail(c, ApiError{kExitFailed, "WRITE_FAILED", "cannot write " + out_file, "Check the path and permissions."});
  Info(c) << "exported project " << ids->front() << " to " << out_file << "\n";
  return kExitOk;
}

int ProjectClone(ClientContext& c, const std::string& id_text) {
  int code = 0;
  auto ids = ParseIds(c, {id_text}, &code);
  if (!ids) return code;
  ApiReply reply = c.api.Send("POST", ProjectPath(ids->front()) + "/clone", json::object());
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
  } else {
    c.out << "cloned project " << ids->front() << " as " << Describe(reply.json) << ", " << StateText(reply.json)
          << "\n";
  }
  return kExitOk;
}

int RunOperation(ClientContext& c, const std::string& operation, const std::vector<std::string>& id_texts, bool force) {
  int code = 0;
  auto ids = ParseIds(c, id_texts, &code);
  if (!ids) return code;
  if (ids->size() == 1) return SingleOperation(c, operation, ids->front(), force);
  json extra = json::object();
  if (operation == "release") extra["force"] = force;
  return RunBatch(c, operation, *ids, extra);
}

int AlertsSet(ClientContext& c, const std::vector<std::string>& id_texts, const json& alerts) {
  int code = 0;
  auto ids = ParseIds(c, id_texts, &code);
  if (!ids) return code;
  if (ids->size() > 1) return RunBatch(c, "modify_alerts", *ids, json{{"alerts", alerts}});
  ApiReply reply = c.api.Send("PUT", ProjectPath(ids->front()) + "/alerts", alerts);
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
    return kExitOk;
  }
  // The answer may be the project or the alert configuration itself.
  const json& a = reply.json.contains("alerts") ? reply.json["alerts"] : reply.json;
  std::string level = Str(a, "level").empty() ? Str(alerts, "level") : Str(a, "level");
  std::string threshold = Str(a, "latency_threshold_seconds");
  c.out << "project " << ids->front() << ": alerts " << level
        << (threshold.empty() || level == "none" ? "" : ", latency threshold " + threshold + " s") << "\n";
  return kExitOk;
}

int ParamsSet(ClientContext& c, const std::string& id_text, const json& params) {
  int code = 0;
  auto ids = ParseIds(c, {id_text}, &code);
  if (!ids) return code;
  if (!params.is_object() || params.empty()) {
    return Fail(c, UsageError("no parameter given",
                              "Give at least one of --concurrency, --verify-concurrency, --chunk-rows, --zero-date."));
  }
  ApiReply reply = c.api.Send("PUT", ProjectPath(ids->front()) + "/parameters", params);
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
    return kExitOk;
  }
  std::string changed;
  for (const auto& [k, v] : params.items()) changed += (changed.empty() ? "" : ", ") + Human(k) + " " + (v.is_string() ? v.get<std::string>() : v.dump());
  c.out << "project " << ids->front() << ": parameters set: " << changed << "\n";
  return kExitOk;
}

int ShowSubtasks(ClientContext& c, const std::string& id_text) {
  int code = 0;
  auto ids = ParseIds(c, {id_text}, &code);
  if (!ids) return code;
  ApiReply reply = c.api.Send("GET", ProjectPath(ids->front()) + "/subtasks", nullptr);
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
  } else {
    c.out << RenderSubtasks(reply.json);
  }
  return kExitOk;
}

// ---------------------------------------------------------------------------
// The command line.

ClientCommandLine::ClientCommandLine(CLI::App& app) {
  auto ids_option = [this](CLI::App* sub, const char* what) {
    sub->add_option("ID", ids_, what)->required()->type_name("ID...");
  };
  auto yes_flag = [this](CLI::App* sub) {
    sub->add_flag("-y,--yes", yes_, "with several ids: do not ask for confirmation");
  };

  // project ...
  auto* project = app.add_subcommand("project", "Create, list, show, export, import, clone and delete projects");
  project->require_subcommand(1);

  auto* create = project->add_subcommand("create", "Create a project from a YAML or JSON file (docs/cli.md)");
  create->add_option("-f,--file", file_, "the project file: the `godwit migrate` keys plus name, tags, "
                                         "migration_type, alerts, verify_concurrency, created_by")
      ->required();
  create->add_option("--name", name_, "the project's name (overrides the file)");
  create->add_option("--tag", tags_, "a tag to add; repeatable")->allow_extra_args(false)->multi_option_policy(
      CLI::MultiOptionPolicy::TakeAll);
  AddGlobals(create);
  Register(create, [this](ClientContext& c) { return ProjectCreate(c, file_, name_, tags_, CurrentUser()); });

  auto* list = project->add_subcommand("list", "List projects, newest first, with filters and paging");
  list->add_option("--status", filters_.status, "only this state: not_started, running, paused, failed, ...");
  list->add_option("--tag", filters_.tag, "only projects with this tag");
  list->add_option("--type", filters_.type, "only projects of this migration type: schema, full, ...");
  list->add_option("--keyword", filters_.keyword, "matches the name or the id");
  list->add_option("--page", filters_.page, "page number, from 1")->check(CLI::PositiveNumber);
  list->add_option("--page-size", filters_.page_size, "projects per page")->check(CLI::PositiveNumber);
  AddGlobals(list);
  Register(list, [this](ClientContext& c) { return ProjectList(c, filters_); });

  auto* show = project->add_subcommand("show", "A project's configuration, subtasks, tables and last error");
  show->add_option("ID", id_, "the project id")->required();
  AddGlobals(show);
  Register(show, [this](ClientContext& c) { return ProjectShow(c, id_); });

  auto* export_cmd = project->add_subcommand("export", "Print a project's configuration (never its passwords)");
  export_cmd->add_option("ID", id_, "the project id")->required();
  export_cmd->add_option("--format", format_, "yaml (default) or json")->check(CLI::IsMember({"yaml", "json"}));
  export_cmd->add_flag("--objects-only", objects_only_, "only the migration objects");
  export_cmd->add_option("-o,--output", out_file_, "write to FILE instead of stdout");
  AddGlobals(export_cmd);
  Register(export_cmd, [this](ClientContext& c) {
    std::string format = format_.empty() ? (c.json ? "json" : "yaml") : format_;
    return ProjectExport(c, id_, format, objects_only_, out_file_);
  });

  auto* import = project->add_subcommand("import", "Create a project from an exported file (passwords given again)");
  import->add_option("FILE", file_, "the exported YAML or JSON")->required();
  AddGlobals(import);
  Register(import, [this](ClientContext& c) { return ProjectImport(c, file_, CurrentUser()); });

  auto* clone = project->add_subcommand("clone", "A new Not Started project with the same configuration");
  clone->add_option("ID", id_, "the project to copy")->required();
  AddGlobals(clone);
  Register(clone, [this](ClientContext& c) { return ProjectClone(c, id_); });

  auto* project_delete = project->add_subcommand("delete", "Delete Not Started or Released projects");
  ids_option(project_delete, "one or more project ids");
  yes_flag(project_delete);
  AddGlobals(project_delete);
  Register(project_delete, [this](ClientContext& c) { return RunOperation(c, "delete", ids_); });

  // Lifecycle operations.
  struct Op {
    const char* name;
    const char* help;
  };
  for (const Op& op : {Op{"start", "Start Not Started projects"},
                       Op{"pause", "Pause Running projects at a checkpoint"},
                       Op{"resume", "Resume Paused or Failed projects from their checkpoints"},
                       Op{"release", "Free what projects hold (replication slots, local change logs)"},
                       Op{"delete", "Delete Not Started or Released projects and their local data"},
                       Op{"skip-ddl", "Skip the captured DDL a Failed project's destination refused, and resume"}}) {
    auto* sub = app.add_subcommand(op.name, std::string(op.help) + "; several ids make a batch");
    ids_option(sub, "one or more project ids");
    yes_flag(sub);
    if (std::string(op.name) == "release") {
      sub->add_flag("--force", force_, "release even when the project or a database is unhealthy");
    }
    AddGlobals(sub);
    std::string name = op.name;
    if (name == "skip-ddl") name = "skip_ddl";
    Register(sub, [this, name](ClientContext& c) { return RunOperation(c, name, ids_, force_); });
  }

  // alerts set
  auto* alerts = app.add_subcommand("alerts", "Alert configuration of projects");
  alerts->require_subcommand(1);
  auto* alerts_set = alerts->add_subcommand("set", "Set the alert level (several ids make a batch)");
  ids_option(alerts_set, "one or more project ids");
  alerts_set->add_option("--level", level_, "none, low, medium or high")
      ->required()
      ->check(CLI::IsMember({"none", "low", "medium", "high"}));
  latency_opt_ = alerts_set->add_option("--latency-threshold", latency_threshold_,
                                        "seconds of replication latency that raise an alert (default by level: "
                                        "low 300, medium 60, high 10)")
                     ->check(CLI::NonNegativeNumber);
  yes_flag(alerts_set);
  AddGlobals(alerts_set);
  Register(alerts_set, [this](ClientContext& c) {
    json a = {{"level", level_}};
    if (latency_opt_->count() > 0) a["latency_threshold_seconds"] = latency_threshold_;
    return AlertsSet(c, ids_, a);
  });

  // params set
  auto* params = app.add_subcommand("params", "Migration parameters of a project");
  params->require_subcommand(1);
  auto* params_set = params->add_subcommand("set", "Change parameters (Not Started, Paused or Failed projects)");
  params_set->add_option("ID", id_, "the project id")->required();
  concurrency_opt_ = params_set->add_option("--concurrency", concurrency_, "full-migration workers (0 = the core count)");
  verify_concurrency_opt_ =
      params_set->add_option("--verify-concurrency", verify_concurrency_, "verification workers (0 = the core count)");
  chunk_rows_opt_ = params_set->add_option("--chunk-rows", chunk_rows_, "rows per chunk");
  zero_date_opt_ = params_set->add_option("--zero-date", zero_date_, "MySQL zero dates: error or null")
                       ->check(CLI::IsMember({"error", "null"}));
  AddGlobals(params_set);
  Register(params_set, [this](ClientContext& c) {
    json p = json::object();
    if (concurrency_opt_->count() > 0) p["concurrency"] = concurrency_;
    if (verify_concurrency_opt_->count() > 0) p["verify_concurrency"] = verify_concurrency_;
    if (chunk_rows_opt_->count() > 0) p["chunk_rows"] = chunk_rows_;
    if (zero_date_opt_->count() > 0) p["zero_date"] = zero_date_;
    return ParamsSet(c, id_, p);
  });

  auto* subtasks = app.add_subcommand("subtasks", "A project's subtasks: status, progress, start, end, duration");
  subtasks->add_option("ID", id_, "the project id")->required();
  AddGlobals(subtasks);
  Register(subtasks, [this](ClientContext& c) { return ShowSubtasks(c, id_); });
}

void ClientCommandLine::AddGlobals(CLI::App* sub) {
  sub->add_option("--server", server_, "the daemon's address (default $GODWIT_SERVER or http://127.0.0.1:8190)");
  sub->add_option("--token", token_, "the API token (default $GODWIT_TOKEN, else DATA_DIR/token)");
  sub->add_flag("--json", json_, "print the API's JSON as it is, for scripts");
}

std::optional<int> ClientCommandLine::Run(std::istream& in, std::ostream& out, std::ostream& err) {
  for (auto& [sub, action] : commands_) {
    if (!sub->parsed()) continue;
    ClientConfig config = ResolveClientConfig(server_, token_);
    std::unique_ptr<ApiTransport> api = MakeHttpTransport(config);
    ClientContext c{*api, in, out, err, json_, yes_};
    c.interactive = isatty(STDIN_FILENO) != 0;
    int code = action(c);
    out.flush();
    err.flush();
    return code;
  }
  return std::nullopt;
}

}  // namespace godwit
