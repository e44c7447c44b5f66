#include "cli/verify_command.h"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <thread>

#include "cli/command_target.h"
#include "cli/data_dir.h"
#include "cli/progress_display.h"
#include "verify/catch_up.h"
#include "verify/db_checksum.h"
#include "verify/verifier.h"

namespace godwit {
namespace {

std::atomic<int> g_verify_interrupts{0};

void OnVerifyInterrupt(int) {
  if (g_verify_interrupts.fetch_add(1) >= 1) _exit(kVerifyInterrupted);
}

void PrintVerifyError(const Status& st) {
  std::fprintf(stderr, "godwit: %s\n", st.ToString().c_str());
  std::string hint = st.hint();
  if (!hint.empty()) std::fprintf(stderr, "  what to do: %s\n", hint.c_str());
}

std::string ProgressLine(const VerifySnapshot& s) {
  int64_t units = 0, done = 0;
  for (const auto& t : s.tables) {
    units += t.units_total;
    done += t.units_done;
  }
  return fmt::format("verifying: {}/{} units, {} rows compared, {:.0f} rows/s, {} read, {}\n", done, units,
                     s.rows_compared, s.rows_per_second,
                     HumanBytes(static_cast<double>(s.bytes_source + s.bytes_destination)),
                     HumanDuration(s.elapsed_seconds));
}

std::string TableLine(const TableVerifyResult& t) {
  std::string line = fmt::format("{:<12} {} -> {}  ({}, {} rows", t.status, t.source,
                                 t.destination.empty() ? "(missing)" : t.destination, t.method.empty() ? "-" : t.method,
                                 t.rows_source);
  if (t.status == "inconsistent" || t.only_in_source + t.only_in_destination + t.differing > 0) {
    line += fmt::format("; only in source {}, only in destination {}, differing {}", t.only_in_source,
                        t.only_in_destination, t.differing);
    if (!t.differing_columns.empty()) {
      std::string cols;
      for (const auto& [c, n] : t.differing_columns) cols += (cols.empty() ? "" : ", ") + fmt::format("{} {}", c, n);
      line += " [" + cols + "]";
    }
  }
  line += ")";
  if (!t.only_in_source_columns.empty() || !t.only_in_destination_columns.empty()) {
    std::string a, b;
    for (const auto& c : t.only_in_source_columns) a += (a.empty() ? "" : ", ") + c;
    for (const auto& c : t.only_in_destination_columns) b += (b.empty() ? "" : ", ") + c;
    line += "\n             columns only in source: " + (a.empty() ? "-" : a) +
            "; only in destination: " + (b.empty() ? "-" : b);
  }
  for (const auto& s : t.samples) {
    line += "\n             " + s.kind + " " + s.key_json;
    if (!s.columns.empty()) {
      std::string cols;
      for (const auto& c : s.columns) cols += (cols.empty() ? "" : ",") + c;
      line += " (" + cols + ")";
    }
  }
  if (!t.error.empty()) line += "\n             " + t.error;
  return line + "\n";
}

}  // namespace

int RunVerify(const VerifyArgs& args) {
  auto target = ResolveCommandTarget({args.project_file, args.source_uri, args.destination_uri, args.include,
                                      args.exclude, args.zero_date, args.state_dir},
                                     "verify");
  if (!target.ok()) {
    PrintVerifyError(target.status());
    return kVerifyUsage;
  }
  VerifyOptions opt;
  opt.source = target->options.source;
  opt.destination = target->options.destination;
  opt.objects = target->options.objects;
  opt.chunk_rows = args.chunk_rows > 0 ? args.chunk_rows : target->options.chunk_rows;
  opt.concurrency = args.concurrency;
  opt.method = args.method == "database" ? MethodChoice::kDatabase
               : args.method == "hashed" ? MethodChoice::kHashed
                                         : MethodChoice::kAuto;
  opt.restart = args.restart;
  opt.mode = ParseVerifyMode(args.mode).value_or(VerifyMode::kAll);
  opt.state_path = (std::filesystem::path(target->state_dir) / ("verify-" + target->id_hex + ".db")).string();
  if (opt.method == MethodChoice::kDatabase &&
      (opt.source.engine != opt.destination.engine || !HasDatabaseChecksum(opt.source.engine))) {
    PrintVerifyError(Status(ErrorCode::kInvalidArgument,
                            "--method database needs two MySQL/MariaDB or two PostgreSQL servers: checksums "
                            "computed by two different engines (or SQLite, which has no CRC function) never match",
                            "Use --method auto (the default) or --method hashed."));
    return kVerifyUsage;
  }
  std::fprintf(stderr, "godwit: verifying %s -> %s (state %s)\n", opt.source.Redacted().c_str(),
               opt.destination.Redacted().c_str(), opt.state_path.c_str());
  // `godwit migrate --incremental` of the same pair names its checkpoint
  // rows on the destination after the same hash: while it synchronizes, a
  // difference is confirmed only once it has applied what the source
  // committed before the row was read.
  const std::string stream_id = "migrate-" + target->id_hex;
  if (auto dst = Connect(opt.destination); dst.ok()) {
    if (auto found = HasCheckpointRows(**dst, stream_id); found.ok() && *found) {
      opt.waiter = std::make_shared<CheckpointCatchUp>(opt.source, opt.destination, stream_id);
      std::fprintf(stderr,
                   "godwit: the destination is synchronized by %s: differences are confirmed once it has "
                   "applied what the source committed before the row was read\n",
                   stream_id.c_str());
    }
  }

  struct sigaction sa {};
  sa.sa_handler = OnVerifyInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  Verifier verifier(opt);
  std::atomic<bool> done{false};
  const bool tty = isatty(STDERR_FILENO);
  std::thread display([&] {
    auto last = std::chrono::steady_clock::now();
    const auto every = tty ? std::chrono::seconds(1) : std::chrono::seconds(10);
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (g_verify_interrupts > 0) verifier.Cancel();
      if (args.quiet || std::chrono::steady_clock::now() - last < every) continue;
      last = std::chrono::steady_clock::now();
      std::string line = ProgressLine(verifier.Snapshot());
      if (tty) line = "\x1b[2K\r" + line.substr(0, line.size() - 1);
      std::fputs(line.c_str(), stderr);
    }
    if (tty && !args.quiet) std::fputs("\x1b[2K\r", stderr);
  });
  Status st = verifier.Run();
  done = true;
  display.join();

  const VerifySnapshot snap = verifier.Snapshot();
  const bool correcting = st.ok() && !verifier.Identical() && (!args.corrections_file.empty() || args.apply);
  if (args.json) {
    // With --apply, one document: the result after the corrections.
    if (!(correcting && args.apply)) std::printf("%s\n", ToJson(snap).dump(2).c_str());
  } else if (!snap.tables.empty() || st.ok()) {
    int consistent = 0, inconsistent = 0, failed = 0;
    for (const auto& t : snap.tables) {
      std::fputs(TableLine(t).c_str(), stdout);
      consistent += t.status == "consistent";
      inconsistent += t.status == "inconsistent";
      failed += t.status == "failed";
    }
    std::printf("%zu tables: %d consistent, %d inconsistent, %d failed; %lld rows compared in %s (%.0f rows/s)\n",
                snap.tables.size(), consistent, inconsistent, failed, static_cast<long long>(snap.rows_compared),
                HumanDuration(snap.elapsed_seconds).c_str(), snap.rows_per_second);
  }
  std::fflush(stdout);
  if (correcting) {
    CorrectionOptions copt;
    copt.delete_destination_only = args.delete_extra;
    if (!args.corrections_file.empty()) {
      auto corrections = verifier.Corrections(copt);
      if (!corrections.ok()) {
        PrintVerifyError(corrections.status().WithContext("building the corrections"));
        return kVerifyCouldNotVerify;
      }
      const std::string sql =
          CorrectionsSql(opt.source.Redacted(), opt.destination.Redacted(), opt.destination.engine, *corrections);
      // Full source rows: 0600, never through a link (WritePrivateFile).
      if (Status written = WritePrivateFile(args.corrections_file, sql); !written.ok()) {
        PrintVerifyError(Status(written.code(), written.message(), "Give a writable path to --corrections."));
        return kVerifyUsage;
      }
      size_t statements = 0;
      for (const auto& t : *corrections) statements += t.statements.size();
      std::fprintf(stderr, "godwit: %zu correction statements written to %s\n", statements,
                   args.corrections_file.c_str());
    }
    if (args.apply) {
      Status applied = verifier.Correct(copt);
      if (!applied.ok()) {
        PrintVerifyError(applied.WithContext("applying the corrections"));
        return kVerifyCouldNotVerify;
      }
      const VerifySnapshot after = verifier.Snapshot();
      if (args.json) {
        std::printf("%s\n", ToJson(after).dump(2).c_str());
      } else {
        std::printf("after the corrections:\n");
        for (const auto& t : after.tables) std::fputs(TableLine(t).c_str(), stdout);
      }
      std::fflush(stdout);
    }
  }
  if (!st.ok()) {
    PrintVerifyError(st);
    if (st.code() == ErrorCode::kCancelled) return kVerifyInterrupted;
    if (st.code() == ErrorCode::kInvalidArgument) return kVerifyUsage;
    return kVerifyCouldNotVerify;
  }
  return verifier.Identical() ? kVerifyIdentical : kVerifyDifferences;
}

}  // namespace godwit
