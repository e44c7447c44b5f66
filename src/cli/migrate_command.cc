#include "cli/migrate_command.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <thread>

#include "cli/command_target.h"
#include "cli/progress_display.h"
#include "cli/project_file.h"
#include "connector/change_capture.h"
#include "connector/session.h"
#include "sync/capture_resources.h"
#include "sync/synchronizer.h"

namespace godwit {
namespace {

std::atomic<int> g_interrupts{0};

void OnInterrupt(int) {
  if (g_interrupts.fetch_add(1) >= 1) _exit(130);  // second Ctrl-C: leave now; resume still works
}

void PrintError(const Status& st) {
  std::fprintf(stderr, "godwit: %s\n", st.ToString().c_str());
  std::string hint = st.hint();
  if (!hint.empty()) std::fprintf(stderr, "  what to do: %s\n", hint.c_str());
}

// What one `godwit migrate` invocation runs, derived from its arguments.
struct MigratePlan {
  FullMigrationOptions full;
  bool incremental = false;
  std::string id_hex;     // hash of the source/destination pair: names its state
  std::string log_dir;    // --incremental: the change log
  std::string stream_id;  // --incremental: checkpoint and heartbeat rows
  CaptureSetup capture;   // --incremental: what capture holds between runs
};

Result<MigratePlan> BuildPlan(const MigrateArgs& a) {
  MigratePlan plan;
  ASSIGN_OR_RETURN(CommandTarget target, ResolveCommandTarget({a.project_file, a.source_uri, a.destination_uri,
                                                               a.include, a.exclude, a.zero_date, a.state_dir},
                                                              "migrate"));
  plan.full = std::move(target.options);
  FullMigrationOptions& opt = plan.full;
  plan.incremental = a.incremental || target.file_incremental;
  if (a.concurrency > 0) opt.concurrency = a.concurrency;
  if (a.chunk_rows > 0) opt.chunk_rows = a.chunk_rows;
  if (!a.replication_slot.empty()) opt.replication_slot = a.replication_slot;
  opt.restart = a.restart;
  const CaptureTraits capture = CaptureTraitsFor(opt.source.engine);
  if (!opt.replication_slot.empty() && !capture.named_slot) {
    return Status(ErrorCode::kInvalidArgument, "--replication-slot applies to a PostgreSQL source only");
  }
  if (a.server_id != 0 && !capture.replica_server_id) {
    return Status(ErrorCode::kInvalidArgument, "--server-id applies to a MySQL/MariaDB source only");
  }
  if (a.until_caught_up && !plan.incremental) {
    return Status(ErrorCode::kInvalidArgument, "--until-caught-up needs --incremental");
  }
  if ((plan.incremental || a.release) && !capture.supported) {
    return Status(ErrorCode::kUnsupported,
                  "--incremental needs a MySQL/MariaDB or PostgreSQL source: SQLite keeps no change log to read",
                  "Run the migration without --incremental.");
  }
  // One state file per source/destination pair, so that re-running the
  // same command resumes it.
  plan.id_hex = target.id_hex;
  const std::filesystem::path dir(target.state_dir);
  opt.state_path = (dir / ("migrate-" + plan.id_hex + ".db")).string();
  plan.log_dir = (dir / ("migrate-" + plan.id_hex + ".changelog")).string();
  plan.stream_id = "migrate-" + plan.id_hex;
  if ((plan.incremental || a.release) && capture.named_slot && opt.replication_slot.empty()) {
    opt.replication_slot = "godwit_" + plan.id_hex;
  }
  plan.capture.captured = opt.source;
  plan.capture.applied = opt.destination;
  plan.capture.objects = opt.objects;
  plan.capture.names.stream = opt.replication_slot.empty() ? "godwit_" + plan.id_hex : opt.replication_slot;
  plan.capture.names.replica_server_id = a.server_id;
  plan.capture.names.row_id = plan.stream_id;
  plan.capture.log_dir = plan.log_dir;
  // A run without --incremental after one with it (its change log kept):
  // synchronization has owned the destination since the copy completed,
  // and the tables it created are no less its own.
  std::error_code ec;
  opt.incremental = plan.incremental || std::filesystem::exists(plan.log_dir, ec);
  return plan;
}

// Frees what --incremental keeps between runs.
int Release(const MigratePlan& plan) {
  std::vector<std::string> freed, not_freed;
  Status st = CaptureResources(plan.capture).Release(freed, not_freed);
  for (const auto& f : freed) std::printf("freed %s\n", f.c_str());
  for (const auto& f : not_freed) std::fprintf(stderr, "godwit: could not free %s\n", f.c_str());
  if (!st.ok()) {
    PrintError(st);
    return 1;
  }
  std::printf(
      "released: the next run copies everything again, so empty the destination tables first (or give "
      "another destination)\n");
  std::error_code ec;
  std::filesystem::remove(plan.full.state_path, ec);
  return 0;
}

std::string SyncLine(const SyncStatus& s) {
  std::string line =
      fmt::format("in sync: latency {} | applied {} transactions, {} rows ({:.0f} rows/s) | log {} / {}\n",
                  FormatLatency(s), s.transactions, s.rows, s.rows_per_second, s.applied_seq, s.captured_seq);
  if (!s.retention_alert.empty()) line += "ALERT: " + s.retention_alert + "\n";
  return line;
}

// The synchronization's options, from the position the full migration
// recorded with its snapshot (empty until it has taken the snapshot).
Result<std::optional<SyncOptions>> SyncOptionsFor(const MigratePlan& plan) {
  ASSIGN_OR_RETURN(std::optional<Position> start, RecordedStartPosition(plan.full.state_path));
  if (!start) return std::optional<SyncOptions>();
  SyncOptions so;
  so.source = plan.full.source;
  so.destination = plan.full.destination;
  so.objects = plan.full.objects;
  so.log_dir = plan.log_dir;
  so.stream_id = plan.stream_id;
  so.start = *start;
  so.capture = plan.capture.names;
  return std::optional<SyncOptions>(std::move(so));
}

// After the copy: keeps the destination in sync until stopped.
int RunSync(const MigratePlan& plan, const MigrateArgs& args) {
  auto found = SyncOptionsFor(plan);
  if (!found.ok() || !*found) {
    PrintError(found.ok()
                   ? Status(ErrorCode::kMetadata, "the full migration recorded no source position to synchronize from",
                            "Run the command with --restart --incremental to copy again from a new snapshot.")
                   : found.status());
    return 1;
  }
  const SyncOptions& so = **found;
  Synchronizer sync(so);
  std::atomic<bool> cancel{false};
  std::atomic<bool> done{false};
  const bool tty = isatty(STDERR_FILENO);
  std::fprintf(stderr, "godwit: keeping %s in sync with %s%s\n", plan.full.destination.Redacted().c_str(),
               plan.full.source.Redacted().c_str(),
               args.until_caught_up ? " (Ctrl-C: stop once caught up)" : " (Ctrl-C: stop; run again to resume)");
  std::thread display([&] {
    auto last = std::chrono::steady_clock::now() - std::chrono::seconds(60);
    bool asked = false;
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
      if (g_interrupts > 0 && !asked) {
        asked = true;
        if (args.until_caught_up) {
          std::fprintf(stderr, "\ngodwit: stopping once everything committed so far is applied\n");
          sync.RequestStopWhenCaughtUp();
        } else {
          cancel = true;
        }
      }
      if (args.quiet) continue;
      auto now = std::chrono::steady_clock::now();
      if (now - last < (tty ? std::chrono::seconds(1) : std::chrono::seconds(10))) continue;
      last = now;
      std::string line = SyncLine(sync.status());
      std::fputs(tty ? ("\r\x1b[2K" + line.substr(0, line.size() - 1)).c_str() : line.c_str(), stderr);
    }
  });
  if (args.until_caught_up && g_interrupts > 0) sync.RequestStopWhenCaughtUp();
  Status st = sync.Run(cancel);
  done = true;
  display.join();
  SyncStatus final_status = sync.status();
  if (tty && !args.quiet) std::fputs("\n", stderr);
  for (const auto& w : final_status.warnings) std::fprintf(stderr, "godwit: warning: %s\n", w.c_str());
  std::fputs(SyncLine(final_status).c_str(), stdout);
  const std::string keep = CaptureResources(plan.capture).Describe();
  if (st.ok()) {
    std::printf("caught up: the destination has applied everything the source committed before the stop request\n");
    std::printf("%s are kept: run the same command to continue, or add --release to free them\n", keep.c_str());
    return 0;
  }
  if (st.code() == ErrorCode::kCancelled) {
    std::printf(
        "stopped at durable positions; %s are kept: run the same command to resume, or "
        "add --release to free them\n",
        keep.c_str());
    return 130;
  }
  PrintError(st);
  return 1;
}

}  // namespace

int RunMigrate(const MigrateArgs& args) {
  auto plan = BuildPlan(args);
  if (!plan.ok()) {
    PrintError(plan.status());
    return 2;
  }
  if (args.release) return Release(*plan);
  FullMigrationOptions& opt = plan->full;
  std::fprintf(stderr, "godwit: migrating %s -> %s (state %s)\n", opt.source.Redacted().c_str(),
               opt.destination.Redacted().c_str(), opt.state_path.c_str());

  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  if (plan->incremental) {
    // Starting over: what the previous synchronization kept describes the
    // old snapshot (its change log, the destination's checkpoint of it,
    // and on PostgreSQL the slot the new snapshot must be created with).
    CaptureResources capture(plan->capture);
    std::vector<std::string> freed, not_freed, warnings;
    if (args.restart) {
      if (Status st = capture.Release(freed, not_freed); !st.ok()) {
        PrintError(st.WithContext("starting over: freeing what the previous run kept"));
        return 1;
      }
    }
    // Before the copy's snapshot: the publication (PostgreSQL) must exist
    // before the slot, and the heartbeat table before capture starts.
    Status st = capture.Prepare(warnings);
    for (const auto& w : warnings) std::fprintf(stderr, "godwit: warning: %s\n", w.c_str());
    if (!st.ok()) {
      PrintError(st.WithContext("preparing change capture"));
      return 1;
    }
  }

  FullMigration migration(opt);
  std::optional<CaptureDuringCopy> capture;
  if (plan->incremental) {
    capture.emplace([&migration] { return migration.SnapshotTaken(); }, [&plan] { return SyncOptionsFor(*plan); },
                    [](const Status& st) {
                      std::fprintf(stderr, "godwit: warning: change capture during the copy stopped: %s\n",
                                   st.ToString().c_str());
                    });
  }
  std::atomic<bool> done{false};
  const bool tty = isatty(STDERR_FILENO);
  std::thread display([&] {
    int lines = 0;
    auto last_plain = std::chrono::steady_clock::now();
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      // With --until-caught-up, Ctrl-C during the copy means "finish, catch
      // up, then stop"; otherwise it stops the copy at a checkpoint.
      if (g_interrupts > 0 && !args.until_caught_up) migration.Cancel();
      if (args.quiet) continue;
      auto snap = migration.progress().Snapshot();
      if (tty) {
        static auto last = std::chrono::steady_clock::now();
        if (std::chrono::steady_clock::now() - last < std::chrono::seconds(1)) continue;
        last = std::chrono::steady_clock::now();
        std::string block = RenderProgress(snap, 8);
        std::string out;
        for (int i = 0; i < lines; ++i) out += "\x1b[1A\x1b[2K";
        out += block;
        lines = static_cast<int>(std::count(block.begin(), block.end(), '\n'));
        std::fputs(out.c_str(), stderr);
      } else if (std::chrono::steady_clock::now() - last_plain >= std::chrono::seconds(10)) {
        last_plain = std::chrono::steady_clock::now();
        std::string block = RenderProgress(snap, 0);
        std::fputs(block.substr(0, block.find('\n') + 1).c_str(), stderr);
      }
    }
  });
  Status st = migration.Run();
  done = true;
  display.join();
  if (capture) capture->Stop();

  std::fputs(RenderSummary(migration.progress().Snapshot()).c_str(), stdout);
  if (!st.ok()) {
    PrintError(st);
    return st.code() == ErrorCode::kCancelled ? 130 : 1;
  }
  std::printf("migration completed\n");
  std::fflush(stdout);
  if (!plan->incremental) return 0;
  return RunSync(*plan, args);
}

}  // namespace godwit
