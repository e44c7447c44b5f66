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

#include "cli/data_dir.h"
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

int FailStatus(ClientContext& c, const Status& st) { return Fail(c, UsageError(st.message(), st.hint())); }

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
      *exit_code =
          Fail(c, UsageError("'" + t + "' is not a project id", "Ids are the numbers `godwit project list` shows."));
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
  bool any_failed =
      result.json.contains("failed") && result.json["failed"].is_array() && !result.json["failed"].empty();
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
    for (const auto& item : value)
      c.out << "    " << (item.is_string() ? item.get<std::string>() : item.dump()) << "\n";
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
  const json& project =
      reply.json.contains("project") && reply.json["project"].is_object() ? reply.json["project"] : reply.json;
  std::string state = StateText(project);
  c.out << Describe(project, id) << ": " << Human(operation) << (state.empty() ? " done" : ", now " + state) << "\n";
  if (operation == "release") PrintReleaseDetails(c, reply.json);
  const std::string state_name = Str(project, "state");
  if (operation == "skip_full_verification" && (state_name == "paused" || state_name == "failed")) {
    c.out << "  resume it to go on without verification: godwit resume " << id << "\n";
  }
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
  if (Status written = WritePrivateFile(out_file, text); !written.ok()) {
    return Fail(c, ApiError{kExitFailed, "WRITE_FAILED", written.message(), written.hint()});
  }
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
  for (const auto& [k, v] : params.items())
    changed += (changed.empty() ? "" : ", ") + Human(k) + " " + (v.is_string() ? v.get<std::string>() : v.dump());
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
// Full verification.

namespace {

const json& Member(const json& obj, const char* key) {
  static const json kNull;
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

int64_t Int(const json& obj, const char* key) {
  const json& v = Member(obj, key);
  return v.is_number() ? v.get<int64_t>() : 0;
}

// 1234567 -> "1,234,567".
std::string Thousands(int64_t n) {
  std::string digits = std::to_string(n);
  std::string out;
  size_t lead = digits[0] == '-' ? 1 : 0;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > lead && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string CountCell(const json& table, const char* key) {
  const json& v = Member(table, key);
  return v.is_number() ? Thousands(v.get<int64_t>()) : "-";
}

// "status 3, note 1" from {"status": 3, "note": 1}, most differing first.
std::string DifferingColumns(const json& columns) {
  if (!columns.is_object() || columns.empty()) return "-";
  std::vector<std::pair<int64_t, std::string>> sorted;
  for (const auto& [name, n] : columns.items()) sorted.emplace_back(n.is_number() ? n.get<int64_t>() : 0, name);
  std::stable_sort(sorted.begin(), sorted.end(), [](const auto& a, const auto& b) { return a.first > b.first; });
  std::string out;
  for (const auto& [n, name] : sorted) out += (out.empty() ? "" : ", ") + name + " " + Thousands(n);
  return out;
}

std::string JoinStrings(const json& arr) {
  if (!arr.is_array() || arr.empty()) return "-";
  std::string out;
  for (const auto& v : arr) out += (out.empty() ? "" : ", ") + (v.is_string() ? v.get<std::string>() : v.dump());
  return out;
}

// The verification document of docs/verification.md ("result" of GET
// .../verification, or the answer of .../correct): one row per table, then
// what a row cannot hold (errors, columns on one side only, sample
// differences), then the summary.
std::string RenderVerificationResult(const json& result) {
  const json& tables = Member(result, "tables");
  std::vector<std::vector<std::string>> rows;
  std::string notes;
  if (tables.is_array()) {
    for (const auto& t : tables) {
      std::string source = Str(t, "source");
      std::string status = Str(t, "status");
      if ((status == "running" || status == "pending") && Int(t, "units_total") > 0) {
        status += " " + std::to_string(Int(t, "units_done")) + "/" + std::to_string(Int(t, "units_total"));
      }
      std::string destination = Str(t, "destination");
      rows.push_back({source.empty() ? "-" : source, destination.empty() ? "(missing)" : destination,
                      status.empty() ? "-" : status, Str(t, "method").empty() ? "-" : Str(t, "method"),
                      CountCell(t, "rows_compared"), CountCell(t, "only_in_source"),
                      CountCell(t, "only_in_destination"), CountCell(t, "differing"),
                      DifferingColumns(Member(t, "differing_columns"))});
      if (!Str(t, "error").empty()) notes += "  " + source + ": " + Str(t, "error") + "\n";
      const json& schema = Member(t, "schema");
      if (schema.is_object()) {
        notes += "  " + source + ": columns only in source: " + JoinStrings(Member(schema, "only_in_source")) +
                 "; only in destination: " + JoinStrings(Member(schema, "only_in_destination")) + "\n";
      }
      if (Int(t, "unsettled") > 0) {
        notes += "  " + source + ": " + Thousands(Int(t, "unsettled")) +
                 " row(s) kept changing while compared (unsettled): verify the records again later\n";
      }
      const json& samples = Member(t, "samples");
      if (samples.is_array()) {
        for (const auto& sample : samples) {
          std::string line = "  " + source + ": " + Human(Str(sample, "kind")) + " " + Member(sample, "key").dump();
          const json& columns = Member(sample, "columns");
          if (columns.is_array() && !columns.empty()) line += " (" + JoinStrings(columns) + ")";
          notes += line + "\n";
        }
      }
      if (Str(t, "detail") == "truncated") {
        notes += "  " + source + ": only the first differences were kept; the counts are exact\n";
      }
    }
  }
  std::string out;
  if (rows.empty()) {
    out += "No tables verified yet.\n";
  } else {
    out += RenderTable({"TABLE", "DESTINATION", "STATUS", "METHOD", "ROWS", "ONLY IN SOURCE", "ONLY IN DEST",
                        "DIFFERING", "DIFFERING COLUMNS"},
                       rows, {false, false, false, false, true, true, true, true, false});
  }
  if (!notes.empty()) out += notes;
  const json& summary = Member(result, "summary");
  const json& metrics = Member(result, "metrics");
  if (summary.is_object()) {
    out += Thousands(Int(summary, "tables")) + " table(s): " + Thousands(Int(summary, "consistent")) + " consistent, " +
           Thousands(Int(summary, "inconsistent")) + " inconsistent, " + Thousands(Int(summary, "failed")) +
           " failed; " + Thousands(Int(summary, "differences")) + " difference(s)";
    // A correction's re-check reads only the corrected rows by key: it
    // compares no rows worth a rate.
    if (metrics.is_object() && Int(metrics, "rows_compared") > 0) {
      out += "; " + Thousands(Int(metrics, "rows_compared")) + " rows compared in " +
             FormatDuration(Member(metrics, "elapsed_seconds"));
      const json& rate = Member(metrics, "rows_per_second");
      if (rate.is_number()) out += " (" + Thousands(static_cast<int64_t>(rate.get<double>())) + " rows/s)";
    }
    out += "\n";
  }
  return out;
}

// The first line of `project verification`: the subtask's status and times.
std::string RenderVerificationStatus(const json& answer) {
  const json& result = Member(answer, "result");
  std::string status = Str(answer, "status");
  std::string line = "Full verification: " + (status.empty() ? std::string("-") : status);
  if (status == "pending" && !Str(result, "rerun_mode").empty()) {
    line += " (re-verify " + Str(result, "rerun_mode") + " requested)";
  }
  if (Int(answer, "started_at") > 0) line += ", started " + FormatLocalTime(Member(answer, "started_at"));
  if (Int(answer, "ended_at") > 0) {
    line += ", ended " + FormatLocalTime(Member(answer, "ended_at"));
    if (Int(answer, "started_at") > 0) {
      line += " (" + FormatDuration(json(Int(answer, "ended_at") - Int(answer, "started_at"))) + ")";
    }
  }
  if (Int(result, "corrected_at") > 0) line += "; corrected " + FormatLocalTime(Member(result, "corrected_at"));
  line += "\n";
  if (status == "skipped") line += "Skipped, irreversibly: clone the project to verify again.\n";
  return line;
}

bool EveryTableConsistent(const json& result) {
  const json& tables = Member(result, "tables");
  if (tables.is_array()) {
    for (const auto& t : tables) {
      if (Str(t, "status") != "consistent") return false;
    }
    return true;
  }
  const json& summary = Member(result, "summary");
  return summary.is_object() && Int(summary, "inconsistent") == 0 && Int(summary, "failed") == 0;
}

// Why tables are still not consistent after a correction, and what to do.
std::string CorrectionLeftovers(const json& result, int64_t id, bool delete_extra) {
  int64_t kept = 0, failed = 0, other = 0;
  const json& tables = Member(result, "tables");
  if (tables.is_array()) {
    for (const auto& t : tables) {
      std::string status = Str(t, "status");
      if (status == "consistent") continue;
      if (status == "failed") {
        ++failed;
      } else if (!delete_extra && Int(t, "only_in_destination") > 0) {
        ++kept;
      } else {
        ++other;
      }
    }
  }
  std::string sid = std::to_string(id);
  std::string out = "Not every table is consistent after the correction:\n";
  if (kept > 0) {
    out += "  " + std::to_string(kept) +
           " table(s) keep rows only in the destination: delete them with "
           "`godwit project correct " +
           sid +
           " --delete-extra` (review them first with "
           "`godwit project corrections " +
           sid + " --delete-extra`)\n";
  }
  if (failed > 0) out += "  " + std::to_string(failed) + " table(s) failed: their errors above say why\n";
  if (other > 0) {
    out += "  " + std::to_string(other) +
           " table(s) still differ: tables without a key are not corrected row by "
           "row (copy them again); rows changing meanwhile settle: `godwit project reverify " +
           sid + " --mode records`\n";
  }
  return out;
}

// A correction is synchronous: the daemon can still be at it when the
// client gives up waiting.
int FailCorrection(ClientContext& c, const ApiReply& reply, int64_t id) {
  ApiError e = ErrorFromReply(reply, c.api.server());
  if (reply.status == 0 && reply.transport_error.find("reading") != std::string::npos) {
    e.hint = "The daemon may still be working on it: `godwit project verification " + std::to_string(id) +
             "` shows the tables once it is done.";
  }
  return Fail(c, e);
}

}  // namespace

int VerificationShow(ClientContext& c, const std::string& id_text) {
  int code = 0;
  auto ids = ParseIds(c, {id_text}, &code);
  if (!ids) return code;
  ApiReply reply = c.api.Send("GET", ProjectPath(ids->front()) + "/verification", nullptr);
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
    return kExitOk;
  }
  c.out << RenderVerificationStatus(reply.json);
  const json& result = Member(reply.json, "result");
  if (result.is_object()) c.out << RenderVerificationResult(result);
  return kExitOk;
}

int VerificationRerun(ClientContext& c, const std::string& id_text, const std::string& mode) {
  int code = 0;
  auto ids = ParseIds(c, {id_text}, &code);
  if (!ids) return code;
  if (mode != "all" && mode != "abnormal" && mode != "records") {
    return Fail(c, UsageError("--mode must be all, abnormal or records, not '" + mode + "'"));
  }
  const int64_t id = ids->front();
  ApiReply reply = c.api.Send("POST", ProjectPath(id) + "/verification/rerun", json{{"mode", mode}});
  if (!reply.ok()) return FailReply(c, reply);
  if (c.json) {
    PrintRaw(c, reply);
    return kExitOk;
  }
  std::string state = Str(reply.json, "state");
  c.out << Describe(reply.json, id) << ": re-verify (" << mode << ") requested, now " << StateText(reply.json) << "\n";
  if (state == "paused" || state == "failed") {
    c.out << "  it runs when the project resumes: godwit resume " << id << "\n";
  } else {
    c.out << "  follow it with: godwit project verification " << id << "\n";
  }
  return kExitOk;
}

int VerificationCorrections(ClientContext& c, const std::string& id_text, bool delete_extra,
                            const std::string& out_file) {
  int code = 0;
  auto ids = ParseIds(c, {id_text}, &code);
  if (!ids) return code;
  const int64_t id = ids->front();
  std::string query = QueryString({{"delete_destination_only", delete_extra ? "true" : "false"}});
  ApiReply reply = c.api.Send("GET", ProjectPath(id) + "/verification/corrections.sql?" + query, nullptr);
  if (!reply.ok()) return FailCorrection(c, reply, id);
  std::string sql = reply.body;
  if (!sql.empty() && sql.back() != '\n') sql += '\n';
  if (out_file.empty() || out_file == "-") {
    c.out << sql;
    return kExitOk;
  }
  if (Status written = WritePrivateFile(out_file, sql); !written.ok()) {
    return Fail(c, ApiError{kExitFailed, "WRITE_FAILED", written.message(), written.hint()});
  }
  Info(c) << "wrote the corrections of project " << id << " to " << out_file
          << "; review them, then run them on the destination or use `godwit project correct " << id << "`\n";
  return kExitOk;
}

int VerificationCorrect(ClientContext& c, const std::string& id_text, bool delete_extra) {
  int code = 0;
  auto ids = ParseIds(c, {id_text}, &code);
  if (!ids) return code;
  const int64_t id = ids->front();
  ApiReply reply =
      c.api.Send("POST", ProjectPath(id) + "/verification/correct", json{{"delete_destination_only", delete_extra}});
  if (!reply.ok()) return FailCorrection(c, reply, id);
  const bool consistent = EveryTableConsistent(reply.json);
  if (c.json) {
    PrintRaw(c, reply);
  } else {
    c.out << "Corrected project " << id << "; the tables now:\n" << RenderVerificationResult(reply.json);
  }
  if (consistent) return kExitOk;
  Info(c) << CorrectionLeftovers(reply.json, id, delete_extra);
  return kExitFailed;
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
  auto* project = app.add_subcommand(
      "project", "Create, list, show, export, import, clone and delete projects; their full verification");
  project->require_subcommand(1);

  auto* create = project->add_subcommand("create", "Create a project from a YAML or JSON file (docs/cli.md)");
  create
      ->add_option("-f,--file", file_,
                   "the project file: the `godwit migrate` keys plus name, tags, "
                   "migration_type, alerts, verify_concurrency, created_by")
      ->required();
  create->add_option("--name", name_, "the project's name (overrides the file)");
  create->add_option("--tag", tags_, "a tag to add; repeatable")
      ->allow_extra_args(false)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
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

  // Full verification (docs/verification.md, "In the service").
  auto* verification = project->add_subcommand(
      "verification",
      "A project's full verification: its status, each table's rows compared and differences, errors, a summary");
  verification->add_option("ID", id_, "the project id")->required();
  AddGlobals(verification);
  Register(verification, [this](ClientContext& c) { return VerificationShow(c, id_); });

  auto* reverify = project->add_subcommand(
      "reverify", "Verify again: every table, the tables not consistent last time, or the rows found different");
  reverify->add_option("ID", id_, "the project id")->required();
  reverify
      ->add_option("--mode", mode_,
                   "all (default): every table; abnormal: the tables not consistent last time; records: only "
                   "the rows found different, read again by key")
      ->check(CLI::IsMember({"all", "abnormal", "records"}));
  AddGlobals(reverify);
  Register(reverify, [this](ClientContext& c) { return VerificationRerun(c, id_, mode_.empty() ? "all" : mode_); });

  auto* corrections = project->add_subcommand(
      "corrections", "Print the SQL that corrects the destination for the differences found, for review");
  corrections->add_option("ID", id_, "the project id")->required();
  corrections->add_option("-o,--output", out_file_, "write to FILE instead of stdout");
  corrections->add_flag("--delete-extra", delete_extra_,
                        "also DELETE rows only in the destination (without it they are listed as comments and kept)");
  AddGlobals(corrections, /*json=*/false);
  Register(corrections, [this](ClientContext& c) { return VerificationCorrections(c, id_, delete_extra_, out_file_); });

  auto* correct = project->add_subcommand(
      "correct", "Correct the destination for the differences found; exit 0 when every table is consistent then");
  correct->add_option("ID", id_, "the project id")->required();
  correct->add_flag("--delete-extra", delete_extra_, "also delete rows only in the destination (kept without it)");
  AddGlobals(correct);
  Register(correct, [this](ClientContext& c) { return VerificationCorrect(c, id_, delete_extra_); });

  auto* skip_verification = project->add_subcommand(
      "skip-verification", "Skip the full verification, irreversibly (clone to verify again); several ids: a batch");
  ids_option(skip_verification, "one or more project ids");
  yes_flag(skip_verification);
  AddGlobals(skip_verification);
  Register(skip_verification, [this](ClientContext& c) { return RunOperation(c, "skip_full_verification", ids_); });

  // Lifecycle operations.
  struct Op {
    const char* name;
    const char* help;
  };
  for (const Op& op : {Op{"start", "Start Not Started projects"}, Op{"pause", "Pause Running projects at a checkpoint"},
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
  latency_opt_ = alerts_set
                     ->add_option("--latency-threshold", latency_threshold_,
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
  concurrency_opt_ =
      params_set->add_option("--concurrency", concurrency_, "full-migration workers (0 = the core count)");
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

void ClientCommandLine::AddGlobals(CLI::App* sub, bool json) {
  sub->add_option("--server", server_, "the daemon's address (default $GODWIT_SERVER or http://127.0.0.1:8190)");
  sub->add_option("--token", token_, "the API token (default $GODWIT_TOKEN, else DATA_DIR/token)");
  if (json) sub->add_flag("--json", json_, "print the API's JSON as it is, for scripts");
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
