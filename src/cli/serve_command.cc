#include "cli/serve_command.h"

#include <pthread.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/stat.h>
#include <unistd.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <thread>

#include "meta/project_store.h"
#include "orchestrator/orchestrator.h"
#include "server/api_server.h"

namespace godwit {
namespace {

namespace fs = std::filesystem;

void PrintError(const Status& st) {
  std::fprintf(stderr, "godwit: %s\n", st.ToString().c_str());
  if (std::string hint = st.hint(); !hint.empty()) std::fprintf(stderr, "  what to do: %s\n", hint.c_str());
}

// The API token: created at the first start, 32 random bytes as hex, in a
// file only the daemon's user can read.
Result<std::string> LoadOrCreateToken(const fs::path& path) {
  std::ifstream in(path);
  std::string token;
  if (in && std::getline(in, token) && token.size() >= 32) return token;
  std::ifstream random("/dev/urandom", std::ios::binary);
  unsigned char bytes[32];
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    return Status(ErrorCode::kInternal, "cannot read /dev/urandom to make the API token");
  }
  static const char* kHex = "0123456789abcdef";
  token.clear();
  for (unsigned char b : bytes) {
    token.push_back(kHex[b >> 4]);
    token.push_back(kHex[b & 15]);
  }
  fs::path tmp = path.string() + ".tmp";
  {
    // Created with mode 0600 before anything is written into it.
    mode_t old = umask(077);
    std::ofstream out(tmp, std::ios::trunc);
    umask(old);
    out << token << "\n";
    if (!out.flush()) return Status(ErrorCode::kMetadata, "cannot write the API token to " + tmp.string());
  }
  std::error_code ec;
  fs::permissions(tmp, fs::perms::owner_read | fs::perms::owner_write, ec);
  fs::rename(tmp, path, ec);
  if (ec) return Status(ErrorCode::kMetadata, "cannot write the API token to " + path.string() + ": " + ec.message());
  return token;
}

Result<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) {
    return Status(ErrorCode::kInvalidArgument, "--listen must be HOST:PORT, not '" + listen + "'",
                  "For example --listen 127.0.0.1:8190.");
  }
  std::string host = listen.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = -1;
  try {
    size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) port = -1;
  } catch (...) {
    port = -1;
  }
  if (port < 0 || port > 65535) {
    return Status(ErrorCode::kInvalidArgument, "--listen has a bad port in '" + listen + "'",
                  "Give a port from 1 to 65535 (0: any free port).");
  }
  return std::make_pair(host, port);
}

}  // namespace

int RunServe(const ServeArgs& args) {
  auto listen = ParseListen(args.listen);
  if (!listen.ok()) {
    PrintError(listen.status());
    return 2;
  }
  if (args.max_running_projects < 1 || args.max_running_projects > 1024) {
    PrintError(Status(ErrorCode::kInvalidArgument, "--max-running-projects must be between 1 and 1024"));
    return 2;
  }
  fs::path dir = args.data_dir.empty() ? fs::path(DefaultDataDir()) : fs::path(args.data_dir);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) {
    PrintError(Status(ErrorCode::kMetadata, "cannot create the data directory " + dir.string() + ": " + ec.message(),
                      "Give a writable directory with --data-dir."));
    return 1;
  }
  // Passwords and the token live here: only the daemon's user may look in.
  fs::permissions(dir, fs::perms::owner_all, ec);

  auto logger = std::make_shared<spdlog::logger>(
      "godwit", spdlog::sinks_init_list{std::make_shared<spdlog::sinks::stderr_color_sink_mt>(),
                                        std::make_shared<spdlog::sinks::rotating_file_sink_mt>(
                                            (dir / "godwit.log").string(), 10 << 20, 3)});
  logger->flush_on(spdlog::level::info);
  spdlog::set_default_logger(logger);

  auto token = LoadOrCreateToken(dir / "token");
  if (!token.ok()) {
    PrintError(token.status());
    return 1;
  }
  auto store = ProjectStore::Open((dir / "godwit.db").string());
  if (!store.ok()) {
    PrintError(store.status());
    return 1;
  }

  // SIGINT/SIGTERM are taken by one thread with sigwait, so that stopping
  // is an ordinary call and not work inside a signal handler. The mask is
  // set before any thread starts so every thread inherits it.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGINT);
  sigaddset(&stop_signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  Orchestrator orchestrator(**store,
                            OrchestratorOptions{dir.string(), args.max_running_projects, args.retention_check_seconds});
  ApiServer server(orchestrator, *token);
  auto port = server.Bind(listen->first, listen->second);
  if (!port.ok()) {
    PrintError(port.status());
    return 1;
  }
  if (Status st = orchestrator.Start(); !st.ok()) {
    PrintError(st);
    return 1;
  }
  spdlog::info("serving the API on http://{}:{} (data directory {}, token in {})", listen->first, *port, dir.string(),
               (dir / "token").string());
  // For scripts and tests that asked for any free port.
  std::ofstream(dir / "server.addr") << listen->first << ":" << *port << "\n";

  std::thread stopper([&] {
    int sig = 0;
    sigwait(&stop_signals, &sig);
    spdlog::info("signal {}: stopping; running projects continue at the next start", sig);
    server.Stop();
  });
  Status served = server.Serve();
  // Serve() returns after Stop(); if it returned by itself, wake the stopper.
  if (!served.ok()) {
    PrintError(served);
    kill(getpid(), SIGTERM);
  }
  stopper.join();
  orchestrator.Shutdown();
  spdlog::info("stopped");
  return served.ok() ? 0 : 1;
}

}  // namespace godwit
