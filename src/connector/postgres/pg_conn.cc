#include "connector/postgres/pg_conn.h"

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <set>
#include <vector>

#include "connector/postgres/postgres_types.h"

namespace godwit::pg {
namespace {

// The settings every connection runs with, whatever the server, database
// or role configure (client settings override ALTER DATABASE/ROLE ... SET):
//  - standard_conforming_strings on: the dialect's literals
//    (PostgresDialect::Literal, used by replay, deletes, corrections and the
//    DDL trigger) double quotes and leave backslashes alone. With it off a
//    backslash in a value escapes the quote after it and the rest of the
//    value becomes SQL.
//  - TimeZone UTC, DateStyle ISO/YMD, IntervalStyle iso_8601, shortest
//    round-trip floats and hex bytea: the text forms the codec reads and
//    writes (postgres_codec.h, model/types.h).
// client_encoding UTF8 goes as a connection keyword of its own.
constexpr const char* kStartupOptions =
    "-c standard_conforming_strings=on -c TimeZone=UTC -c DateStyle=ISO,YMD -c IntervalStyle=iso_8601 "
    "-c extra_float_digits=1 -c bytea_output=hex";
// The same as statements, for connections other than replication ones:
// poolers such as PgBouncer refuse the `options` startup parameter, and a
// SET right after the login comes before anything Godwit runs.
constexpr const char* kSessionSettings =
    "SET standard_conforming_strings = on; SET TimeZone = 'UTC'; SET DateStyle = 'ISO, YMD'; "
    "SET IntervalStyle = 'iso_8601'; SET extra_float_digits = 1; SET bytea_output = 'hex'";

std::string Where(const Endpoint& ep) {
  return "PostgreSQL at " + ep.host + ":" + std::to_string(ep.port) + " (database \"" + ep.database + "\", user \"" +
         ep.user + "\")";
}

// Removes every occurrence of `secret` from `text`: libpq does not print
// passwords, but a message must never carry one whatever happens.
std::string Scrub(std::string text, const std::string& secret) {
  if (secret.empty()) return text;
  for (size_t at = text.find(secret); at != std::string::npos; at = text.find(secret, at)) {
    text.replace(at, secret.size(), "***");
  }
  return text;
}

// libpq's verbose connection error, made readable: no "LOCATION:" lines,
// no SQLSTATE after the severity, one line.
std::string CleanConnectMessage(std::string_view msg, std::string_view sqlstate) {
  std::string out;
  size_t start = 0;
  while (start < msg.size()) {
    size_t nl = msg.find('\n', start);
    std::string_view line = msg.substr(start, nl == std::string_view::npos ? std::string_view::npos : nl - start);
    start = nl == std::string_view::npos ? msg.size() : nl + 1;
    if (line.empty() || line.substr(0, 9) == "LOCATION:") continue;
    if (!out.empty()) out += "; ";
    out += line;
  }
  if (!sqlstate.empty()) {
    std::string code = std::string(sqlstate) + ": ";
    if (size_t at = out.find(code); at != std::string::npos) out.erase(at, code.size());
  }
  return out;
}

// Whether a TCP connection to host:port can be opened within `timeout_ms`:
// tells "nothing listens there" apart from "the server refused us" when
// libpq gives no SQLSTATE.
bool TcpReachable(const std::string& host, uint16_t port, int timeout_ms) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* addrs = nullptr;
  if (getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &addrs) != 0) return false;
  bool ok = false;
  for (addrinfo* a = addrs; a != nullptr && !ok; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) continue;
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc == 0) {
      ok = true;
    } else if (errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      if (poll(&p, 1, timeout_ms) == 1) {
        int err = 0;
        socklen_t len = sizeof(err);
        ok = getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == 0 && err == 0;
      }
    }
    close(fd);
  }
  freeaddrinfo(addrs);
  return ok;
}

Status ConnectFailure(const Endpoint& ep, PGconn* conn, bool timed_out) {
  std::string raw = conn != nullptr ? PQerrorMessage(conn) : "out of memory";
  std::string_view sqlstate = SqlStateFromVerboseMessage(raw);
  std::string detail = Scrub(CleanConnectMessage(raw, sqlstate), ep.password);
  std::string message = "cannot connect to " + Where(ep) + ": " + detail;

  if (conn != nullptr && PQconnectionNeedsPassword(conn)) {
    return Status(ErrorCode::kAuthFailed,
                  "cannot connect to " + Where(ep) + ": the server requires a password and none was given",
                  "Put the password in the endpoint URI, or use password_env= / password_file=.", "28P01");
  }
  if (!sqlstate.empty()) {
    ErrorCode code = ClassifySqlState(sqlstate, ErrorCode::kHostUnreachable);
    std::string hint;
    switch (code) {
      case ErrorCode::kAuthFailed:
        hint =
            "Check the user name and password of the endpoint, and that pg_hba.conf on the server lets this user "
            "connect from this host with a password.";
        break;
      case ErrorCode::kUnknownDatabase:
        hint = "Create database \"" + ep.database + "\" on the server or correct the database name in the endpoint.";
        break;
      case ErrorCode::kPermissionDenied:
        hint = "Grant the user CONNECT on the database (and REPLICATION for change capture).";
        break;
      default: break;
    }
    return Status(code, message, hint, std::string(sqlstate));
  }
  bool local_socket = !ep.host.empty() && (ep.host.front() == '/' || ep.host.front() == '@');
  if (!local_socket && !TcpReachable(ep.host, ep.port, 3000)) {
    return Status(ErrorCode::kHostUnreachable, message,
                  "Check the host and port, that PostgreSQL is running and listening there (listen_addresses), and "
                  "that no firewall blocks the connection.");
  }
  if (timed_out) {
    return Status(ErrorCode::kHostUnreachable, message + " (timed out)",
                  "The server accepts TCP connections but did not complete the login in time; check its load and "
                  "the connect_timeout option.");
  }
  // Last resort, reached only when the server answered without an error
  // packet carrying a SQLSTATE (a pre-3.0 protocol server, or libpq failing
  // on its own side during authentication, e.g. an unsupported method):
  // libpq exposes nothing but the text then.
  if (detail.find("authentication") != std::string::npos || detail.find("password") != std::string::npos) {
    return Status(ErrorCode::kAuthFailed, message, "Check the user name, the password and pg_hba.conf.");
  }
  return Status(ErrorCode::kHostUnreachable, message);
}

}  // namespace

Result<ConnPtr> OpenConnection(const Endpoint& ep, bool replication) {
  // Unknown option names would make libpq fail with a message only; check
  // them against libpq's own list so the user gets kInvalidArgument.
  std::set<std::string> known;
  if (PQconninfoOption* defaults = PQconndefaults(); defaults != nullptr) {
    for (PQconninfoOption* o = defaults; o->keyword != nullptr; ++o) known.insert(o->keyword);
    PQconninfoFree(defaults);
  }
  std::vector<std::string> keys, values;
  auto set = [&](const std::string& k, const std::string& v) {
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == k) {
        values[i] = v;
        return;
      }
    }
    keys.push_back(k);
    values.push_back(v);
  };
  set("connect_timeout", "10");
  set("application_name", "godwit");
  for (const auto& [k, v] : ep.options) {
    if (!known.empty() && known.count(k) == 0) {
      return Status(ErrorCode::kInvalidArgument, "unknown PostgreSQL connection option '" + k + "' in endpoint",
                    "Endpoint query parameters are passed to libpq; see the libpq documentation for the keywords "
                    "(sslmode, sslrootcert, target_session_attrs...).");
    }
    if (k == "host" || k == "port" || k == "user" || k == "password" || k == "dbname" || k == "replication") {
      continue;  // the URI's own parts win
    }
    set(k, v);
  }
  set("client_encoding", "UTF8");
  set("host", ep.host);
  set("port", std::to_string(ep.port));
  set("user", ep.user);
  if (!ep.password.empty()) set("password", ep.password);
  if (!ep.database.empty()) set("dbname", ep.database);
  if (replication) {
    set("replication", "database");
    // A walsender runs the output functions of the rows it decodes with
    // its startup settings; after the endpoint's own options, so ours win.
    std::string options = kStartupOptions;
    for (size_t i = 0; i < keys.size(); ++i) {
      if (keys[i] == "options" && !values[i].empty()) options = values[i] + " " + options;
    }
    set("options", options);
  }

  int timeout_s = 0;
  for (size_t i = 0; i < keys.size(); ++i) {
    if (keys[i] == "connect_timeout") timeout_s = std::atoi(values[i].c_str());
  }
  if (timeout_s <= 0) timeout_s = 10;

  std::vector<const char*> kp, vp;
  for (size_t i = 0; i < keys.size(); ++i) {
    kp.push_back(keys[i].c_str());
    vp.push_back(values[i].c_str());
  }
  kp.push_back(nullptr);
  vp.push_back(nullptr);

  // Connect asynchronously so that error verbosity can be raised before
  // the login: that is what puts the server's SQLSTATE into the startup
  // error message, the only place libpq reports it then.
  ConnPtr conn(PQconnectStartParams(kp.data(), vp.data(), 0));
  if (conn == nullptr) return Status(ErrorCode::kInternal, "libpq could not allocate a connection");
  if (PQstatus(conn.get()) == CONNECTION_BAD) return ConnectFailure(ep, conn.get(), false);
  PQsetErrorVerbosity(conn.get(), PQERRORS_VERBOSE);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_s);
  PostgresPollingStatusType st = PGRES_POLLING_WRITING;
  while (st != PGRES_POLLING_OK && st != PGRES_POLLING_FAILED) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return ConnectFailure(ep, conn.get(), true);
    pollfd p{PQsocket(conn.get()), static_cast<short>(st == PGRES_POLLING_READING ? POLLIN : POLLOUT), 0};
    int rc = poll(&p, 1, static_cast<int>(left.count()));
    if (rc < 0 && errno != EINTR) return ConnectFailure(ep, conn.get(), false);
    if (rc == 0) return ConnectFailure(ep, conn.get(), true);
    st = PQconnectPoll(conn.get());
  }
  if (st == PGRES_POLLING_FAILED || PQstatus(conn.get()) != CONNECTION_OK) {
    return ConnectFailure(ep, conn.get(), false);
  }
  PQsetErrorVerbosity(conn.get(), PQERRORS_DEFAULT);
  // libpq prints NOTICEs ("table does not exist, skipping") to stderr by
  // default; a daemon must not. Nothing Godwit runs needs them.
  PQsetNoticeProcessor(
      conn.get(), [](void*, const char*) {}, nullptr);
  if (!replication) {
    ResultPtr res(PQexec(conn.get(), kSessionSettings));
    if (PQresultStatus(res.get()) != PGRES_COMMAND_OK) {
      Status s = ResultError(conn.get(), res.get(), ErrorCode::kConnectionLost, "setting up the session");
      return Status(s.code(), "cannot set up the session on " + Where(ep) + ": " + s.message(), s.hint(),
                    s.native_code());
    }
  }
  return conn;
}

Status ResultError(PGconn* conn, const PGresult* res, ErrorCode fallback, std::string_view what) {
  const char* state = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  if (state == nullptr) {
    std::string msg = res != nullptr ? PQresultErrorMessage(res) : "";
    if (msg.empty()) msg = PQerrorMessage(conn);
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    if (PQstatus(conn) == CONNECTION_BAD) {
      return Status(ErrorCode::kConnectionLost, std::string(what) + ": connection to PostgreSQL lost: " + msg,
                    "The server closed the connection or the network failed; the operation can be retried.");
    }
    return Status(fallback, std::string(what) + ": " + msg);
  }
  const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  const char* detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
  const char* hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
  std::string message = std::string(what) + ": " + (primary != nullptr ? primary : "error");
  if (detail != nullptr) message += " (" + std::string(detail) + ")";
  return Status(ClassifySqlState(state, fallback), std::move(message), hint != nullptr ? hint : "", state);
}

Result<ResultPtr> Exec(PGconn* conn, std::string_view sql, ErrorCode fallback, std::string_view what) {
  ResultPtr res(PQexec(conn, std::string(sql).c_str()));
  ExecStatusType st = PQresultStatus(res.get());
  if (res == nullptr || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)) {
    Status s = ResultError(conn, res.get(), fallback, what);
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT) DrainResults(conn);
    return s;
  }
  return res;
}

Result<ResultPtr> ExecParams(PGconn* conn, const std::string& sql, std::span<const std::string> params,
                             ErrorCode fallback, std::string_view what) {
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p.c_str());
  ResultPtr res(
      PQexecParams(conn, sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr, nullptr, 0));
  ExecStatusType st = PQresultStatus(res.get());
  if (res == nullptr || (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)) {
    return ResultError(conn, res.get(), fallback, what);
  }
  return res;
}

void DrainResults(PGconn* conn) {
  while (true) {
    ResultPtr r(PQgetResult(conn));
    if (r == nullptr) return;
    ExecStatusType st = PQresultStatus(r.get());
    if (st == PGRES_COPY_IN) {
      PQputCopyEnd(conn, "abandoned by Godwit");
    } else if (st == PGRES_COPY_OUT) {
      char* buf = nullptr;
      int n;
      while ((n = PQgetCopyData(conn, &buf, 0)) > 0) PQfreemem(buf);
      if (n == -2) return;
    }
    if (PQstatus(conn) == CONNECTION_BAD) return;
  }
}

}  // namespace godwit::pg
