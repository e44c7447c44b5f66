#include "cli/migrate_command.h"

#include <unistd.h>
#include <xxhash.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fmt/format.h>
#include <thread>

#include "cli/progress_display.h"
#include "cli/project_file.h"

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

Result<FullMigrationOptions> BuildOptions(const MigrateArgs& a) {
  FullMigrationOptions opt;
  if (!a.project_file.empty()) {
    if (!a.source_uri.empty() || !a.destination_uri.empty()) {
      return Status(ErrorCode::kInvalidArgument, "give either -f PROJECT_FILE or SOURCE_URI DEST_URI, not both");
    }
    ASSIGN_OR_RETURN(opt, LoadProjectFile(a.project_file));
  } else {
    if (a.source_uri.empty() || a.destination_uri.empty()) {
      return Status(ErrorCode::kInvalidArgument, "SOURCE_URI and DEST_URI are required (or -f PROJECT_FILE)",
                    "Example: godwit migrate mysql://app@127.0.0.1:3306/shop postgresql://postgres@127.0.0.1/shop");
    }
    auto src = ParseEndpointUri(a.source_uri);
    if (!src.ok()) return src.status().WithContext("source");
    auto dst = ParseEndpointUri(a.destination_uri);
    if (!dst.ok()) return dst.status().WithContext("destination");
    opt.source = *src;
    opt.destination = *dst;
  }
  for (auto& p : a.include) opt.objects.include.push_back(p);
  for (auto& p : a.exclude) opt.objects.exclude.push_back(p);
  if (a.concurrency > 0) opt.concurrency = a.concurrency;
  if (a.chunk_rows > 0) opt.chunk_rows = a.chunk_rows;
  if (!a.replication_slot.empty()) opt.replication_slot = a.replication_slot;
  RETURN_IF_ERROR(ApplyZeroDate(a.zero_date, opt.source));
  opt.restart = a.restart;
  if (opt.replication_slot.size() > 0 && opt.source.engine != Engine::kPostgres) {
    return Status(ErrorCode::kInvalidArgument, "--replication-slot applies to a PostgreSQL source only");
  }
  // One state file per source/destination pair, so that re-running the
  // same command resumes it.
  std::string id = opt.source.Redacted() + "\n" + opt.destination.Redacted();
  std::error_code ec;
  std::filesystem::create_directories(a.state_dir, ec);
  if (ec) {
    return Status(ErrorCode::kMetadata, "cannot create the state directory " + a.state_dir + ": " + ec.message(),
                  "Give a writable directory with --state-dir.");
  }
  opt.state_path = (std::filesystem::path(a.state_dir) /
                    fmt::format("migrate-{:016x}.db", XXH3_64bits(id.data(), id.size())))
                       .string();
  return opt;
}

}  // namespace

int RunMigrate(const MigrateArgs& args) {
  auto opt = BuildOptions(args);
  if (!opt.ok()) {
    PrintError(opt.status());
    return 2;
  }
  std::fprintf(stderr, "godwit: migrating %s -> %s (state %s)\n", opt->source.Redacted().c_str(),
               opt->destination.Redacted().c_str(), opt->state_path.c_str());
  FullMigration migration(*opt);

  struct sigaction sa {};
  sa.sa_handler = OnInterrupt;
  sigemptyset(&sa.sa_mask);
  sigaction(SIGINT, &sa, nullptr);
  sigaction(SIGTERM, &sa, nullptr);

  std::atomic<bool> done{false};
  const bool tty = isatty(STDERR_FILENO);
  std::thread display([&] {
    int lines = 0;
    auto last_plain = std::chrono::steady_clock::now();
    while (!done) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
      if (g_interrupts > 0) migration.Cancel();
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

  std::fputs(RenderSummary(migration.progress().Snapshot()).c_str(), stdout);
  if (st.ok()) {
    std::printf("migration completed\n");
    return 0;
  }
  PrintError(st);
  return st.code() == ErrorCode::kCancelled ? 130 : 1;
}

}  // namespace godwit
