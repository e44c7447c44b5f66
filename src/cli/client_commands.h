// The `godwit` commands that drive the daemon over its REST API
// (docs/api.md, docs/cli.md): project create|list|show|export|import|clone|
// delete, start|pause|resume|release|delete ID..., alerts set, params set,
// subtasks, and a project's full verification: project verification|
// reverify|corrections|correct|skip-verification.
//
// Each command is a function of a ClientContext — the transport, the
// streams and the output mode — and returns the process exit code
// (kExit* in cli/api_client.h), so tests drive them with a fake transport
// and string streams. ClientCommandLine wires them into CLI11.
//
// Several ids make a batch: the preview is printed, the user confirms on
// `in` (unless `yes`), and only the projects the preview showed as
// supporting the operation are sent to the execute call.
//
// Thread-safety: one command at a time per context.
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/api_client.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace godwit {

struct ClientContext {
  ApiTransport& api;
  std::istream& in;
  std::ostream& out;
  std::ostream& err;
  bool json = false;         // print the API's JSON as it is (stdout); human text goes to `err`
  bool yes = false;          // batches: no confirmation question
  bool interactive = false;  // `in` is a terminal (it echoes the answer itself)
};

// `project create -f FILE`: the file's document with --name/--tag applied,
// created_by defaulting to `user`, passwords resolved locally.
int ProjectCreate(ClientContext& c, const std::string& file, const std::string& name,
                  const std::vector<std::string>& tags, const std::string& user);
// `project import FILE`: an exported document (YAML or JSON), as it is.
int ProjectImport(ClientContext& c, const std::string& file, const std::string& user);

struct ListFilters {
  std::string status;  // a state name; "Not Started" and "not-started" are accepted too
  std::string tag;
  std::string type;
  std::string keyword;
  int page = 0;  // 0: the daemon's default
  int page_size = 0;
};
int ProjectList(ClientContext& c, const ListFilters& filters);
int ProjectShow(ClientContext& c, const std::string& id);
// `format`: "yaml" or "json"; `out_file` empty = stdout.
int ProjectExport(ClientContext& c, const std::string& id, const std::string& format, bool objects_only,
                  const std::string& out_file);
int ProjectClone(ClientContext& c, const std::string& id);

// `operation`: start, pause, resume, release, delete. One id uses the
// project's own endpoint, several a batch. `force` applies to release.
int RunOperation(ClientContext& c, const std::string& operation, const std::vector<std::string>& ids,
                 bool force = false);

// `alerts`: {"level", "latency_threshold_seconds"?}; several ids: batch
// modify_alerts.
int AlertsSet(ClientContext& c, const std::vector<std::string>& ids, const nlohmann::json& alerts);
// `params`: any of concurrency, verify_concurrency, chunk_rows, zero_date.
int ParamsSet(ClientContext& c, const std::string& id, const nlohmann::json& params);
int ShowSubtasks(ClientContext& c, const std::string& id);

// Full verification in the service (docs/verification.md). Skipping it is
// RunOperation(c, "skip_full_verification", ids).
//
// `project verification ID`: its status, one line per table and a summary
// (GET /projects/{id}/verification). Exit 0 whenever the answer came,
// whatever the tables' status: it also shows a verification still running.
int VerificationShow(ClientContext& c, const std::string& id);
// `project reverify ID`: `mode` all, abnormal or records.
int VerificationRerun(ClientContext& c, const std::string& id, const std::string& mode);
// `project corrections ID`: the correction SQL, to `out_file` (empty or "-":
// stdout). `delete_extra`: rows only in the destination become DELETEs
// instead of comments.
int VerificationCorrections(ClientContext& c, const std::string& id, bool delete_extra, const std::string& out_file);
// `project correct ID`: applies the corrections on the destination and
// prints the tables as they are afterwards. Exit 0 when every table is
// consistent then, 1 when one is not (the reason is printed).
int VerificationCorrect(ClientContext& c, const std::string& id, bool delete_extra);

// The normalized state name for --status ("Not Started" -> "not_started").
std::string NormalizeStateName(const std::string& text);

// Adds the client commands to `app`; after app.parse(), Run() executes
// the one the user chose. Must outlive the parse (CLI11 writes into it).
class ClientCommandLine {
 public:
  explicit ClientCommandLine(CLI::App& app);
  ClientCommandLine(const ClientCommandLine&) = delete;
  ClientCommandLine& operator=(const ClientCommandLine&) = delete;

  // The exit code of the chosen client command; nullopt when the parsed
  // command is not one of them (serve, migrate...).
  std::optional<int> Run(std::istream& in, std::ostream& out, std::ostream& err);

 private:
  using Action = std::function<int(ClientContext&)>;
  // `json`: whether the command offers --json (not for answers that are
  // not JSON, such as the correction SQL).
  void AddGlobals(CLI::App* sub, bool json = true);
  void Register(CLI::App* sub, Action action) { commands_.emplace_back(sub, std::move(action)); }

  std::vector<std::pair<CLI::App*, Action>> commands_;
  // Option values, shared by the subcommands (only one is parsed per run).
  std::string server_;
  std::string token_;
  bool json_ = false;
  bool yes_ = false;
  bool force_ = false;
  bool objects_only_ = false;
  bool delete_extra_ = false;
  std::string mode_;
  std::string file_;
  std::string name_;
  std::vector<std::string> tags_;
  std::vector<std::string> ids_;
  std::string id_;
  std::string format_;
  std::string out_file_;
  ListFilters filters_;
  std::string level_;
  int latency_threshold_ = 0;
  int concurrency_ = 0;
  int verify_concurrency_ = 0;
  int64_t chunk_rows_ = 0;
  std::string zero_date_;
  CLI::Option* latency_opt_ = nullptr;
  CLI::Option* concurrency_opt_ = nullptr;
  CLI::Option* verify_concurrency_opt_ = nullptr;
  CLI::Option* chunk_rows_opt_ = nullptr;
  CLI::Option* zero_date_opt_ = nullptr;
};

}  // namespace godwit
