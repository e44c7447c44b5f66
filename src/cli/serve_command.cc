#include "cli/serve_command.h"

#include <fcntl.h>
#include <pthread.h>
#include <spdlog/sinks/rotating_file_sink.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <thread>

#include "cli/data_dir.h"
#include "connector/endpoint.h"
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

// One daemon per data directory: two would run the same projects twice,
// each writing the destinations and the change logs. The lock is an flock
// on DATA_DIR/lock, which the kernel drops when the process ends however it
// ends (SIGKILL too), so a stale file never blocks a restart. The file
// holds the owner's pid, for the message the next one prints. Returns the
// descriptor, to keep open for the daemon's life.
Result<int> LockDataDir(const fs::path& dir) {
  const std::string path = (dir / "lock").string();
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) {
    return Status(ErrorCode::kMetadata, "cannot open " + path + ": " + std::strerror(errno),
                  "Check that the data directory is writable.");
  }
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    int err = errno;
    char buf[32] = {0};
    ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    ::close(fd);
    std::string pid = n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
    while (!pid.empty() && (pid.back() == '\n' || pid.back() == ' ')) pid.pop_back();
    if (err == EWOULDBLOCK) {
      return Status(ErrorCode::kConflict,
                    "another godwit serve" + (pid.empty() ? std::string() : " (pid " + pid + ")") +
                        " is running on the data directory " + dir.string(),
                    "Use that daemon, stop it first" + (pid.empty() ? std::string() : " (kill -TERM " + pid + ")") +
                        ", or give this one another --data-dir.");
    }
    return Status(ErrorCode::kMetadata, "cannot lock " + path + ": " + std::strerror(err));
  }
  std::string pid = std::to_string(getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds without it; only the next daemon's message is poorer.
  }
  return fd;
}

// An operator's directory (--secrets-dir, --sqlite-dir) as a real path;
// it must exist and lie outside the data directory.
Result<std::string> AllowedDir(const std::string& dir, const std::string& flag, const std::string& data_dir) {
  if (dir.empty()) return std::string();
  std::error_code ec;
  fs::path real = fs::canonical(dir, ec);
  if (ec || !fs::is_directory(real, ec)) {
    return Status(ErrorCode::kInvalidArgument, flag + " " + dir + " is not a directory", "Create it first.");
  }
  std::string r = real.string();
  if (r == data_dir || r.starts_with(data_dir + "/")) {
    return Status(ErrorCode::kInvalidArgument,
                  flag + " " + dir + " lies inside the data directory, which API clients must never reach",
                  "Give a directory outside " + data_dir + ".");
  }
  return r;
}

// libpq and the MySQL client fall back on these when an endpoint gives no
// password (PGPASSWORD, ~/.pgpass, MYSQL_PWD) or name files (a service
// file): an API client's endpoint, pointing at a server it controls, would
// then receive the daemon user's own secrets. The daemon takes passwords
// only from its store, so they are removed from its environment, unless
// the operator allowed a variable with --secrets-env.
void ScrubClientLibraryEnvironment(const fs::path& data_dir, const std::vector<std::string>& allowed) {
  for (const char* name : {"PGPASSWORD", "PGPASSFILE", "PGSERVICE", "PGSERVICEFILE", "PGSYSCONFDIR", "MYSQL_PWD"}) {
    if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) unsetenv(name);
  }
  // libpq reads ~/.pgpass when PGPASSFILE is unset: point it at a file
  // that does not exist (a missing password file is silently skipped).
  setenv("PGPASSFILE", (data_dir / "no-pgpass").c_str(), 1);
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
  // Passwords, the token, logs, change logs: everything the daemon creates
  // is its user's only (files 0600, directories 0700), from the start.
  umask(077);
  fs::path dir = args.data_dir.empty() ? fs::path(DefaultDataDir()) : fs::path(args.data_dir);
  if (Status st = EnsurePrivateDirectory(dir.string(), "the data directory", "--data-dir"); !st.ok()) {
    PrintError(st);
    return 1;
  }
  auto lock_fd = LockDataDir(dir);
  if (!lock_fd.ok()) {
    PrintError(lock_fd.status());
    return 1;
  }
  EndpointPolicy endpoints;
  endpoints.trust = EndpointPolicy::Trust::kRemote;
  {
    std::error_code ec;
    endpoints.data_dir = fs::canonical(dir, ec).string();
    auto secrets = AllowedDir(args.secrets_dir, "--secrets-dir", endpoints.data_dir);
    auto sqlite = AllowedDir(args.sqlite_dir, "--sqlite-dir", endpoints.data_dir);
    for (const auto* r : {&secrets, &sqlite}) {
      if (!r->ok()) {
        PrintError(r->status());
        return 2;
      }
    }
    endpoints.secrets_dir = *secrets;
    endpoints.sqlite_dir = *sqlite;
    for (const auto& name : args.secrets_env) {
      if (!name.empty()) endpoints.secrets_env.push_back(name);
    }
  }
  ScrubClientLibraryEnvironment(dir, endpoints.secrets_env);

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
  ApiServer server(orchestrator, *token, endpoints);
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
  std::string env_names;
  for (const auto& n : endpoints.secrets_env) env_names += (env_names.empty() ? "" : ",") + n;
  spdlog::info("API clients' endpoints may use: password_file and libpq ssl files in {}; password_env {}; SQLite "
               "files in {}",
               endpoints.secrets_dir.empty() ? "(none)" : endpoints.secrets_dir,
               env_names.empty() ? "(none)" : env_names,
               endpoints.sqlite_dir.empty() ? "(none)" : endpoints.sqlite_dir);
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
  ::close(*lock_fd);  // only now may another daemon take the directory
  return served.ok() ? 0 : 1;
}

}  // namespace godwit
