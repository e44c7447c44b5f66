#include "orchestrator/subtask_runner.h"

#include <algorithm>
#include <filesystem>
#include <span>

#include <thread>

#include <fmt/format.h>

#include "common/mutex.h"
#include "common/failpoint.h"
#include "connector/change_capture.h"
#include "connector/session.h"
#include "model/row_collector.h"
#include "precheck/precheck.h"
#include "replay/change_applier.h"
#include "replay/partitioned_applier.h"
#include "schema/dialect.h"
#include "sync/capture_resources.h"
#include "sync/synchronizer.h"
#include "orchestrator/sync_catch_up.h"
#include "verify/catch_up.h"
#include "verify/verifier.h"

namespace godwit {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

Endpoint SourceEndpoint(const Project& p) {
  Endpoint ep = p.spec.source.endpoint;
  if (HasZeroDates(ep.engine)) ep.options["zero_date"] = p.spec.params.zero_date;
  return ep;
}

SubtaskOutcome RunPrecheckSubtask(const SubtaskRun& run) {
  const Project& p = *run.project;
  PrecheckRequest req;
  req.source = SourceEndpoint(p);
  req.destination = p.spec.destination.endpoint;
  req.objects = p.spec.objects;
  req.schema = p.spec.type.schema;
  req.full = p.spec.type.full;
  req.incremental = p.spec.type.incremental;
  req.verification = p.spec.type.verification;
  req.reverse = p.spec.type.reverse;
  std::vector<PrecheckItem> items = RunPrecheck(req);

  SubtaskOutcome out;
  out.detail = json::array();
  std::vector<const PrecheckItem*> failed;
  for (const auto& item : items) {
    out.detail.push_back({{"id", item.id},
                          {"title", item.title},
                          {"status", PrecheckStatusName(item.status)},
                          {"message", item.message},
                          {"hint", item.hint},
                          {"object", item.object},
                          {"skipped", item.skipped}});
    if (item.status == PrecheckStatus::kFailed) failed.push_back(&item);
  }
  out.progress = 100;
  if (!failed.empty()) {
    std::string message = std::to_string(failed.size()) + " precheck item(s) failed: ";
    std::string hint;
    for (size_t i = 0; i < failed.size(); ++i) {
      message += (i ? "; " : "") + failed[i]->title + ": " + failed[i]->message;
      if (!failed[i]->hint.empty()) hint += (hint.empty() ? "" : " ") + failed[i]->hint;
    }
    out.status =
        Status(ErrorCode::kPrecheckFailed, message, hint + " Then resume the project: the precheck runs again.");
    out.object = failed.front()->object;
  }
  return out;
}

class FullMigrationEngine : public RunningEngine {
 public:
  explicit FullMigrationEngine(FullMigration& m) : m_(m) {}
  void Cancel() override { m_.Cancel(); }
  double Percent() const override { return ProgressPercent(m_.progress().Snapshot()); }
  json Detail() const override { return ProgressToJson(m_.progress().Snapshot()); }

 private:
  FullMigration& m_;
};

class SyncEngine : public RunningEngine {
 public:
  SyncEngine(Synchronizer& s, const std::vector<DdlRecord>& skipped_ddl)
      : s_(s), skipped_ddl_(SkippedDdlToJson(skipped_ddl)) {}
  void Cancel() override { cancel = true; }
  double Percent() const override {
    SyncStatus st = s_.status();
    if (st.captured_seq == 0) return st.monitoring ? 100 : 0;
    return 100.0 * static_cast<double>(std::min(st.applied_seq, st.captured_seq)) /
           static_cast<double>(st.captured_seq);
  }
  json Detail() const override {
    json out = SyncStatusToJson(s_.status());
    out["skipped_ddl"] = skipped_ddl_;
    return out;
  }
  std::optional<SyncStatus> Sync() const override { return s_.status(); }
  std::atomic<bool> cancel{false};

 private:
  Synchronizer& s_;
  const json skipped_ddl_;
};

// What the project's forward synchronization holds: named after the
// project and this daemon's instance (resource_name), so that daemons and
// tests capturing from one server never share a slot or a replica id.
CaptureSetup ProjectCaptureSetup(const Project& p, const std::string& project_dir) {
  CaptureSetup c;
  c.captured = SourceEndpoint(p);
  c.applied = p.spec.destination.endpoint;
  c.objects = p.spec.objects;
  c.names.stream = ProjectSlotName(p);
  c.names.replica_server_id = p.spec.params.replica_server_id;
  c.names.row_id = ProjectSlotName(p);
  c.synchronized = p.spec.type.incremental;
  c.log_dir = (fs::path(project_dir) / "changelog").string();
  return c;
}

// The synchronization's options for a project, from the position its full
// migration recorded (nullopt until the copy has taken its snapshot).
Result<std::optional<SyncOptions>> ProjectSyncOptions(const Project& p, const std::string& project_dir) {
  ASSIGN_OR_RETURN(std::optional<Position> start,
                   RecordedStartPosition((fs::path(project_dir) / "checkpoints.db").string()));
  if (!start) return std::optional<SyncOptions>();
  SyncOptions so;
  so.source = SourceEndpoint(p);
  so.destination = p.spec.destination.endpoint;
  so.objects = p.spec.objects;
  so.log_dir = (fs::path(project_dir) / "changelog").string();
  so.stream_id = ProjectSlotName(p);
  so.start = *start;
  so.capture = ProjectCaptureSetup(p, project_dir).names;
  so.apply_insert = p.spec.params.sync_insert;
  so.apply_update = p.spec.params.sync_update;
  so.apply_delete = p.spec.params.sync_delete;
  so.monitoring_threshold_seconds = p.spec.alerts.level == AlertLevel::kNone ? DefaultLatencyThreshold(AlertLevel::kLow)
                                                                             : p.spec.alerts.latency_threshold_seconds;
  return std::optional<SyncOptions>(std::move(so));
}

SubtaskOutcome RunIncrementalSubtask(const SubtaskRun& run) {
  const Project& p = *run.project;
  SubtaskOutcome out;
  auto found = ProjectSyncOptions(p, run.project_dir);
  if (!found.ok() || !*found) {
    out.status =
        found.ok() ? Status(ErrorCode::kMetadata, "the full migration recorded no source position to synchronize from",
                            "Clone the project to copy again from a new snapshot.")
                   : found.status();
    return out;
  }
  SyncOptions so = std::move(**found);
  const SyncResumeState& resume = run.sync_resume;
  const bool was_monitoring = resume.monitoring;
  so.skip_ddl_sequences = resume.SkipDdlSequences();
  so.carried_tables = resume.tables;
  Synchronizer sync(so);
  SyncEngine engine(sync, resume.skipped_ddl);
  run.attach(&engine);
  if (was_monitoring && run.set_status) run.set_status(SubtaskStatus::kMonitoring);
  // Watches for a pause (the orchestrator's flag) and for the first time
  // latency reaches the threshold.
  std::atomic<bool> finished{false};
  const bool alerting = p.spec.alerts.level != AlertLevel::kNone;
  const double threshold = so.monitoring_threshold_seconds;
  std::thread verification;
  std::atomic<bool> sync_ended{false};
  std::thread watcher([&] {
    bool monitoring = was_monitoring;
    bool latency_alerted = false;
    std::string retention_alerted;
    while (!finished) {
      if (run.cancel->load()) engine.cancel = true;
      SyncStatus st = sync.status();
      if (!monitoring && st.monitoring) {
        monitoring = true;
        if (run.set_status) run.set_status(SubtaskStatus::kMonitoring);
      }
      // Full verification runs beside the synchronization once the
      // destination keeps up with the source (PRODUCT.md, step 6).
      if (monitoring && st.running && run.start_verification && !verification.joinable()) {
        auto waiter = std::make_shared<SyncCatchUp>([&sync] { return sync.status(); }, &engine.cancel);
        verification = std::thread([&run, &sync_ended, waiter] { run.start_verification(waiter, &sync_ended); });
      }
      // Latency counts from the last applied change: when nothing has been
      // applied for a while, the lag is at least that long. Alerts start
      // once the synchronization is Monitoring (PRODUCT.md): catching up
      // after the copy is expected to lag.
      if (alerting && run.alert && monitoring && st.latency_seconds) {
        const double lag = *st.latency_seconds + st.latency_updated_seconds_ago;
        if (lag > threshold && !latency_alerted) {
          latency_alerted = true;
          run.alert(fmt::format("replication latency {:.0f} seconds is above the alert threshold of {:.0f} seconds",
                                lag, threshold));
        } else if (lag <= threshold && latency_alerted) {
          latency_alerted = false;
          run.alert(fmt::format("replication latency is back under {:.0f} seconds", threshold));
        }
      }
      if (run.alert && st.retention_alert != retention_alerted) {
        retention_alerted = st.retention_alert;
        if (!retention_alerted.empty()) run.alert(retention_alerted);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
  });
  out.status = sync.Run(engine.cancel);
  sync_ended = true;
  finished = true;
  watcher.join();
  // The verification waits on this synchronization: it ends with it.
  if (verification.joinable()) verification.join();
  run.attach(nullptr);
  out.sync_resume = SyncResumeAfterRun(resume, sync.status());
  out.detail = engine.Detail();
  if (was_monitoring) out.detail["status"] = SubtaskStatusName(SubtaskStatus::kMonitoring);
  out.progress = engine.Percent();
  return out;
}

}  // namespace

VerifyOptions ProjectVerifyOptions(const Project& p, const std::string& project_dir) {
  VerifyOptions opt;
  opt.source = SourceEndpoint(p);
  opt.destination = p.spec.destination.endpoint;
  opt.objects = p.spec.objects;
  opt.concurrency = p.spec.params.verify_concurrency > 0 ? p.spec.params.verify_concurrency : DefaultConcurrency();
  opt.chunk_rows = p.spec.params.chunk_rows;
  opt.state_path = (fs::path(project_dir) / "verify.db").string();
  return opt;
}

namespace {

class VerifyEngine : public RunningEngine {
 public:
  explicit VerifyEngine(Verifier& v) : v_(v) {}
  void Cancel() override { v_.Cancel(); }
  double Percent() const override { return VerifyPercent(v_.Snapshot()); }
  json Detail() const override { return ToJson(v_.Snapshot()); }

 private:
  Verifier& v_;
};

SubtaskOutcome RunVerificationSubtask(const SubtaskRun& run) {
  VerifyOptions opt = ProjectVerifyOptions(*run.project, run.project_dir);
  opt.waiter = run.waiter;
  // A re-verify asked for a mode (Orchestrator::Reverify).
  if (run.verify_resume.rerun_mode) {
    opt.mode = *run.verify_resume.rerun_mode;
    opt.restart = true;
  }
  SubtaskOutcome out;
  Verifier verifier(opt);
  VerifyEngine engine(verifier);
  run.attach(&engine);
  std::atomic<bool> finished{false};
  std::thread watcher([&] {
    while (!finished) {
      if (run.cancel->load() || (run.cancel_stage && run.cancel_stage->load()) ||
          (run.sync_ended && run.sync_ended->load())) {
        verifier.Cancel();
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  });
  out.status = verifier.Run();
  finished = true;
  watcher.join();
  run.attach(nullptr);
  const VerifySnapshot snap = verifier.Snapshot();
  out.detail = ToJson(snap);
  out.progress = VerifyPercent(snap);
  if (out.status.ok()) out.progress = 100;
  return out;
}

SubtaskOutcome RunMigrationSubtask(SubtaskKind kind, const SubtaskRun& run) {
  const Project& p = *run.project;
  FullMigrationOptions opt;
  opt.source = SourceEndpoint(p);
  opt.destination = p.spec.destination.endpoint;
  opt.objects = p.spec.objects;
  if (p.spec.params.concurrency > 0) opt.concurrency = p.spec.params.concurrency;
  opt.chunk_rows = p.spec.params.chunk_rows;
  opt.state_path = (fs::path(run.project_dir) / "checkpoints.db").string();
  if (kind == SubtaskKind::kSchema) {
    // With a full migration to follow, secondary indexes, foreign keys and
    // CHECKs wait until the rows are in; without one, schema migration
    // creates everything.
    opt.scope = p.spec.type.full ? FullMigrationScope::kTablesOnly : FullMigrationScope::kSchemaOnly;
  }

  SubtaskOutcome out;
  std::error_code ec;
  fs::create_directories(run.project_dir, ec);
  if (ec) {
    out.status = Status(ErrorCode::kMetadata, "cannot create " + run.project_dir + ": " + ec.message(),
                        "Check the daemon's data directory is writable and has free space.");
    return out;
  }
  std::vector<std::string> capture_warnings;
  if (kind == SubtaskKind::kFull && p.spec.type.incremental) {
    // Before the copy's snapshot: the publication must exist before the
    // slot the copy creates (pgoutput looks it up as of each change), and
    // the heartbeat table before capture starts.
    if (CaptureTraitsFor(opt.source.engine).named_slot) opt.replication_slot = ProjectSlotName(p);
    out.status = CaptureResources(ProjectCaptureSetup(p, run.project_dir)).Prepare(capture_warnings);
    if (!out.status.ok()) {
      out.status = out.status.WithContext("preparing change capture");
      return out;
    }
  }
  FullMigration migration(opt);
  std::optional<CaptureDuringCopy> capture;
  Mutex capture_mu;
  std::string capture_error;
  if (kind == SubtaskKind::kFull && p.spec.type.incremental) {
    capture.emplace([&migration] { return migration.SnapshotTaken(); },
                    [&p, &run] { return ProjectSyncOptions(p, run.project_dir); },
                    [&](const Status& st) {
                      MutexLock lock(capture_mu);
                      capture_error =
                          "change capture during the copy stopped (synchronization retries it after the "
                          "copy): " +
                          st.ToString();
                    });
  }
  FullMigrationEngine engine(migration);
  run.attach(&engine);
  if (run.cancel->load()) migration.Cancel();  // a pause that came before attach
  out.status = migration.Run();
  if (capture) capture->Stop();
  run.attach(nullptr);

  ProgressSnapshot snap = migration.progress().Snapshot();
  out.detail = ProgressToJson(snap);
  for (const auto& w : capture_warnings) out.detail["warnings"].push_back(w);
  if (!capture_error.empty()) out.detail["warnings"].push_back(capture_error);
  out.progress = out.status.ok() ? 100 : ProgressPercent(snap);
  if (!out.status.ok()) {
    for (const auto& t : snap.tables) {
      if (t.status == "failed") {
        out.object = t.source;
        // The run's error lists the failed objects; the first one's own
        // error is what the DBA acts on.
        out.status =
            Status(out.status.code(), out.status.message() + " — " + t.source + ": " + t.error, out.status.hint());
        break;
      }
    }
  }
  return out;
}

}  // namespace

Result<std::string> CheckProjectRetention(const Project& p, const Position& needed, int64_t needed_time_us) {
  ASSIGN_OR_RETURN(auto src, Connect(SourceEndpoint(p)));
  ASSIGN_OR_RETURN(auto capture, OpenChangeCapture(SourceEndpoint(p), ProjectCaptureSetup(p, "").names));
  return capture->RetentionAlert(*src, needed, needed_time_us);
}

std::string ProjectSlotName(const Project& p) {
  return p.resource_name.empty() ? "godwit_" + std::to_string(p.id) : p.resource_name;
}

json ProgressToJson(const ProgressSnapshot& snap) {
  json tables = json::array();
  for (const auto& t : snap.tables) {
    tables.push_back({{"source", t.source},
                      {"destination", t.destination},
                      {"estimated_rows", t.estimated_rows},
                      {"migrated_rows", t.migrated_rows},
                      {"status", t.status},
                      {"error", t.error}});
  }
  double secs = std::max(snap.elapsed_seconds, 0.001);
  return json{{"phase", snap.phase},
              {"tables", tables},
              {"warnings", snap.warnings},
              {"metrics",
               {{"rows_read", snap.rows_read},
                {"rows_written", snap.rows_written},
                {"bytes_read", snap.bytes_read},
                {"bytes_written", snap.bytes_written},
                {"read_rows_per_second", snap.rows_read / secs},
                {"write_rows_per_second", snap.rows_written / secs},
                {"read_bytes_per_second", snap.bytes_read / secs},
                {"write_bytes_per_second", snap.bytes_written / secs},
                {"chunks_done", snap.chunks_done},
                {"chunks_total", snap.chunks_total},
                {"avg_read_ms", snap.avg_read_ms},
                {"avg_write_ms", snap.avg_write_ms},
                {"avg_chunking_ms", snap.avg_chunking_ms},
                {"elapsed_seconds", snap.elapsed_seconds}}}};
}

double ProgressPercent(const ProgressSnapshot& snap) {
  int64_t estimated = 0, migrated = 0;
  for (const auto& t : snap.tables) {
    estimated += std::max(t.estimated_rows, t.migrated_rows);
    migrated += t.migrated_rows;
  }
  if (estimated == 0) return 0;
  return std::min(99.0, 100.0 * static_cast<double>(migrated) / static_cast<double>(estimated));
}

SubtaskOutcome RunSubtask(SubtaskKind kind, const SubtaskRun& run) {
  switch (kind) {
    case SubtaskKind::kPrecheck: return RunPrecheckSubtask(run);
    case SubtaskKind::kSchema:
    case SubtaskKind::kFull: return RunMigrationSubtask(kind, run);
    case SubtaskKind::kIncremental: return RunIncrementalSubtask(run);
    case SubtaskKind::kVerification: return RunVerificationSubtask(run);
    default: {
      // ParseProjectSpec refuses the types that would need these, so a
      // stored project never reaches here; say so plainly if one does.
      SubtaskOutcome out;
      out.status = Status(ErrorCode::kUnsupported,
                          "subtask " + std::string(SubtaskName(kind)) + " is not available in this version of Godwit",
                          "Release the project and create it again with migration_type [schema, full, incremental].");
      return out;
    }
  }
}

Status ReleaseResources(const Project& p, const std::string& project_dir, std::vector<std::string>& freed,
                        std::vector<std::string>& not_freed) {
  GODWIT_FAILPOINT("release_resources");
  // A project without synchronization still drops a slot or publication
  // of its name on the source (left by an earlier version), not leaked.
  Status first = CaptureResources(ProjectCaptureSetup(p, project_dir)).Release(freed, not_freed);
  const fs::path tmp = fs::path(project_dir) / "tmp";
  std::error_code ec;
  if (fs::exists(tmp, ec)) {
    fs::remove_all(tmp, ec);
    if (!ec) {
      freed.push_back("local " + tmp.string());
    } else {
      not_freed.push_back("local " + tmp.string() + ": " + ec.message());
      if (first.ok()) first = Status(ErrorCode::kMetadata, "cannot remove " + tmp.string() + ": " + ec.message());
    }
  }
  return first;
}

}  // namespace godwit
