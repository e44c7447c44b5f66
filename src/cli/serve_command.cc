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
#include "common/text.h"
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

// Opens one of the daemon's own files in its data directory without
// following a symbolic link there: whoever planted one would have the
// daemon read (the token) or write (the log, the token) a file of their
// choosing. `flags` as for open(2); created 0600.
Result<int> OpenOwnFile(const fs::path& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_NOFOLLOW | O_CLOEXEC, 0600);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT && (flags & O_CREAT) == 0) return -1;
    return Status(ErrorCode::kMetadata,
                  "cannot open " + path.string() + ": " +
                      (err == ELOOP ? std::string("it is a symbolic link, which the daemon does not follow in its "
                                                  "data directory")
                                    : std::string(std::strerror(err))),
                  err == ELOOP ? "Remove the link (and find out who made it: only the directory's owner can), or "
                                 "give another --data-dir."
                               : "Check that the data directory is writable.");
  }
  return fd;
}

// The API token: created at the first start, 32 random bytes as hex, in a
// file only the daemon's user can read.
Result<std::string> LoadOrCreateToken(const fs::path& path) {
  std::string token;
  ASSIGN_OR_RETURN(int in_fd, OpenOwnFile(path, O_RDONLY));
  if (in_fd >= 0) {
    char buf[256];
    ssize_t n = ::read(in_fd, buf, sizeof buf);
    ::close(in_fd);
    if (n > 0) {
      token.assign(buf, static_cast<size_t>(n));
      token = token.substr(0, token.find('\n'));
      if (token.size() >= 32) return token;
    }
  }
  std::ifstream random("/dev/urandom", std::ios::binary);
  unsigned char bytes[32];
  if (!random.read(reinterpret_cast<char*>(bytes), sizeof bytes)) {
    return Status(ErrorCode::kInternal, "cannot read /dev/urandom to make the API token");
  }
  token = HexLower(std::string_view(reinterpret_cast<const char*>(bytes), sizeof bytes));
  fs::path tmp = path.string() + ".tmp";
  {
    // A new file (O_EXCL: not one left or planted there), mode 0600 before
    // anything is written into it.
    ::unlink(tmp.c_str());
    ASSIGN_OR_RETURN(int fd, OpenOwnFile(tmp, O_WRONLY | O_CREAT | O_EXCL));
    std::string line = token + "\n";
    bool written = ::write(fd, line.data(), line.size()) == static_cast<ssize_t>(line.size());
    ::close(fd);
    if (!written) return Status(ErrorCode::kMetadata, "cannot write the API token to " + tmp.string());
  }
  std::error_code ec;
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
  ASSIGN_OR_RETURN(int fd, OpenOwnFile(path, O_RDWR | O_CREAT));
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

// libpq and the MySQL client read their environment for what an endpoint
// does not give: a password (PGPASSWORD, MYSQL_PWD), files (PGPASSFILE,
// PGSERVICEFILE, PGSSLCERT/PGSSLKEY: the daemon user's client certificate),
// the host (PGHOST, MYSQL_HOST, MYSQL_UNIX_PORT: a Unix socket), plugins
// (MARIADB_PLUGIN_DIR, LIBMYSQL_PLUGINS). An API client's endpoint, pointing
// at a server it controls, would then receive the daemon user's secrets or
// reach what the host checks refuse. The daemon takes passwords only from
// its store and everything else from the endpoint, so every PG*, MYSQL_*,
// MARIADB_* and LIBMYSQL_* variable is removed from its environment, unless
// the operator allowed it with --secrets-env. Kerberos: GSS encryption is
// off for API clients (gssencmode=disable), but a server may still ask for
// GSS authentication, which would use the daemon user's ticket cache or
// client keytab: both are pointed at files that cannot exist.
void ScrubClientLibraryEnvironment(const fs::path& data_dir, const std::vector<std::string>& allowed) {
  auto is_allowed = [&](const std::string& name) {
    for (const auto& entry : allowed) {
      if (!entry.empty() && entry.back() == '*') {
        if (entry.size() > 1 && name.compare(0, entry.size() - 1, entry, 0, entry.size() - 1) == 0) return true;
      } else if (entry == name) {
        return true;
      }
    }
    return false;
  };
  std::vector<std::string> scrub;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string name(*e);
    name = name.substr(0, name.find('='));
    for (const char* prefix : {"PG", "MYSQL_", "MARIADB_", "LIBMYSQL_", "KRB5CCNAME", "KRB5_CLIENT_KTNAME"}) {
      if (name.starts_with(prefix) && !is_allowed(name)) scrub.push_back(name);
    }
  }
  for (const auto& name : scrub) unsetenv(name.c_str());
  // libpq reads ~/.pgpass when PGPASSFILE is unset: point it at a file
  // that does not exist (a missing password file is silently skipped).
  setenv("PGPASSFILE", (data_dir / "no-pgpass").c_str(), 1);
  setenv("KRB5CCNAME", "FILE:/dev/null/godwit-no-kerberos-tickets", 0);
  setenv("KRB5_CLIENT_KTNAME", "FILE:/dev/null/godwit-no-kerberos-keytab", 0);
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

  // spdlog opens godwit.log by name and follows a link there: create it
  // (0600) or open it first, refusing a symbolic link.
  if (auto log_fd = OpenOwnFile(dir / "godwit.log", O_WRONLY | O_CREAT | O_APPEND); !log_fd.ok()) {
    PrintError(log_fd.status());
    return 1;
  } else {
    ::close(*log_fd);
  }
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

  Orchestrator orchestrator(
      **store, OrchestratorOptions{dir.string(), args.max_running_projects, args.retention_check_seconds, endpoints});
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
  spdlog::info(
      "API clients' endpoints may use: password_file and libpq ssl files in {}; password_env {}; SQLite "
      "files in {}",
      endpoints.secrets_dir.empty() ? "(none)" : endpoints.secrets_dir, env_names.empty() ? "(none)" : env_names,
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
