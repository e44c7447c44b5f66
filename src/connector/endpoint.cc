#include "connector/endpoint.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>

#include "common/text.h"

namespace godwit {
namespace {

namespace fs = std::filesystem;
using Trust = EndpointPolicy::Trust;

// libpq keywords the daemon passes on for an API client: they change how
// the connection is made and checked, and read nothing on the daemon's host.
// Not GSS's (gssdelegation, krbsrvname, gsslib): Kerberos would log in, and
// could forward, with the daemon's own ticket; GSS is off for API clients
// (ForceRemotePgOptions). Not hostaddr: it would bypass the host check.
const std::set<std::string, std::less<>> kPgPlainKeywords = {
    "sslmode",
    "sslcompression",
    "sslsni",
    "sslnegotiation",
    "ssl_min_protocol_version",
    "ssl_max_protocol_version",
    "sslcertmode",
    "gssencmode",
    "channel_binding",
    "require_auth",
    "requirepeer",
    "connect_timeout",
    "application_name",
    "target_session_attrs",
    "load_balance_hosts",
    "keepalives",
    "keepalives_idle",
    "keepalives_interval",
    "keepalives_count",
    "tcp_user_timeout",
};
// A file that cannot exist (/dev/null is not a directory: stat fails with
// ENOTDIR, which libpq takes as "no such file" and goes on without a client
// certificate). What sslcert/sslkey are for an API client that names none,
// so that libpq does not fall back on ~/.postgresql/postgresql.crt/.key,
// the daemon user's own certificate.
const char kNoClientFile[] = "/dev/null/godwit-no-client-certificate";
// libpq keywords naming a file libpq reads (a certificate, a key, a CRL):
// for an API client, only files inside the operator's secrets directory.
const std::set<std::string, std::less<>> kPgFileKeywords = {"sslrootcert", "sslcert", "sslkey", "sslcrl", "sslcrldir"};
// Options the MySQL and SQLite sessions know (they refuse any other).
const std::set<std::string, std::less<>> kMysqlSqliteKeywords = {"zero_date", "create"};

Status Refused(const std::string& message, const std::string& hint) {
  return Status(ErrorCode::kInvalidArgument, message, hint);
}

// `path` made absolute with every symbolic link and '..' of its existing
// part resolved (the rest, which does not exist, taken as written and
// normalised), so that where it lies is known whether or not it exists.
// Empty when it cannot be resolved.
std::string RealPath(const std::string& path) {
  std::error_code ec;
  fs::path abs = fs::absolute(path, ec);
  if (ec) return "";
  fs::path real = fs::weakly_canonical(abs, ec);
  if (ec) return "";
  return real.lexically_normal().string();
}

// Whether the real path `path` is `dir` or below it (both real paths).
bool Inside(const std::string& path, const std::string& dir) {
  if (path.empty() || dir.empty()) return false;
  if (dir == "/") return true;
  std::string d = dir.back() == '/' ? dir.substr(0, dir.size() - 1) : dir;
  return path == d || (path.size() > d.size() && path.compare(0, d.size(), d) == 0 && path[d.size()] == '/');
}

// The real path of a file an API client names, when the policy lets the
// daemon read it: inside `allowed`, never in the data directory. Empty
// otherwise — whether or not the file exists, so that the answer tells
// nothing about the daemon's host.
std::string AllowedFile(const std::string& path, const std::string& allowed, const EndpointPolicy& policy) {
  if (allowed.empty() || path.empty()) return "";
  std::string real = RealPath(path);
  if (!Inside(real, allowed) || Inside(real, policy.data_dir)) return "";
  return real;
}

const char kSecretsDirHint[] =
    "Send the password with the request instead (the godwit CLI reads password_env/password_file on your side and "
    "sends the password), or have the operator put the file in the directory given to `godwit serve --secrets-dir "
    "DIR`.";

// Undoes the URI's %XX escapes (common/text.h), naming the URI in errors.
Result<std::string> UriDecode(std::string_view s) {
  Result<std::string> decoded = PercentDecode(s);
  if (!decoded.ok()) return Status(ErrorCode::kInvalidArgument, decoded.status().message() + " in endpoint URI");
  return decoded;
}

}  // namespace

Result<Endpoint> ParseEndpointUri(std::string_view uri, const EndpointPolicy& policy) {
  Endpoint ep;
  size_t scheme_end = uri.find("://");
  if (scheme_end == std::string_view::npos) {
    // Not echoed: without a scheme, "admin:S3cret@db/x" may well hold a
    // password, and this message reaches logs and API responses.
    return Status(ErrorCode::kInvalidArgument, "endpoint is not a URI (it has no scheme://)",
                  "Write it as mysql://user@host:port/db, postgresql://user@host:port/db or sqlite:///path/file.db.");
  }
  std::string scheme(uri.substr(0, scheme_end));
  std::string_view rest = uri.substr(scheme_end + 3);
  if (scheme == "mysql" || scheme == "mariadb") {
    ep.engine = Engine::kMysql;
    ep.port = 3306;
  } else if (scheme == "postgresql" || scheme == "postgres" || scheme == "pg") {
    ep.engine = Engine::kPostgres;
    ep.port = 5432;
  } else if (scheme == "sqlite") {
    ep.engine = Engine::kSqlite;
  } else {
    return Status(ErrorCode::kInvalidArgument, "unknown database kind '" + scheme + "' in endpoint URI",
                  "Use one of mysql://, mariadb://, postgresql:// or sqlite://.");
  }

  std::string_view query;
  if (size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
  }

  if (ep.engine == Engine::kSqlite) {
    ASSIGN_OR_RETURN(ep.path, UriDecode(rest));
    if (ep.path.empty()) {
      return Status(ErrorCode::kInvalidArgument, "sqlite endpoint has no file path",
                    "Write it as sqlite:///absolute/path.db or sqlite://relative/path.db.");
    }
  } else {
    std::string_view authority = rest, path;
    if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
      authority = rest.substr(0, slash);
      path = rest.substr(slash + 1);
    }
    if (size_t at = authority.rfind('@'); at != std::string_view::npos) {
      std::string_view userinfo = authority.substr(0, at);
      authority = authority.substr(at + 1);
      if (size_t colon = userinfo.find(':'); colon != std::string_view::npos) {
        ASSIGN_OR_RETURN(ep.user, UriDecode(userinfo.substr(0, colon)));
        ASSIGN_OR_RETURN(ep.password, UriDecode(userinfo.substr(colon + 1)));
      } else {
        ASSIGN_OR_RETURN(ep.user, UriDecode(userinfo));
      }
    }
    std::string_view host = authority, port;
    if (!authority.empty() && authority.front() == '[') {  // [ipv6]:port
      size_t close = authority.find(']');
      if (close == std::string_view::npos) return Status(ErrorCode::kInvalidArgument, "unclosed '[' in endpoint host");
      host = authority.substr(1, close - 1);
      std::string_view after = authority.substr(close + 1);
      if (!after.empty() && after.front() == ':') port = after.substr(1);
    } else if (size_t colon = authority.rfind(':'); colon != std::string_view::npos) {
      host = authority.substr(0, colon);
      port = authority.substr(colon + 1);
    }
    if (!port.empty() || (host.data() != authority.data() || host.size() != authority.size())) {
      if (!port.empty() || authority.back() == ':') {
        std::string p_text(port);
        char* end = nullptr;
        long p = std::strtol(p_text.c_str(), &end, 10);
        if (p_text.empty() || *end != '\0' || p <= 0 || p > 65535) {
          return Status(ErrorCode::kInvalidArgument,
                        "port '" + p_text + "' in endpoint URI is not a number from 1 to 65535");
        }
        ep.port = static_cast<uint16_t>(p);
      }
    }
    ASSIGN_OR_RETURN(ep.host, UriDecode(host));
    if (ep.host.empty()) ep.host = "127.0.0.1";
    ASSIGN_OR_RETURN(ep.database, UriDecode(path));
    if (ep.user.empty()) ep.user = ep.engine == Engine::kMysql ? "root" : "postgres";
  }

  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view kv = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
    if (kv.empty()) continue;
    size_t eq = kv.find('=');
    ASSIGN_OR_RETURN(std::string key, UriDecode(kv.substr(0, eq)));
    std::string value;
    if (eq != std::string_view::npos) {
      ASSIGN_OR_RETURN(value, UriDecode(kv.substr(eq + 1)));
    }
    if (key == "password_env" || key == "password_file") {
      // A stored endpoint's password comes from the store.
      if (policy.trust == Trust::kStored) continue;
      ASSIGN_OR_RETURN(ep.password,
                       key == "password_env" ? ReadPasswordEnv(value, policy) : ReadPasswordFile(value, policy));
    } else if (key == "password") {
      // The password as a query parameter: kept apart like the URI's own,
      // never among the options (which are stored, shown and exported).
      if (!ep.password.empty() && ep.password != value) {
        return Status(ErrorCode::kInvalidArgument, "the endpoint URI gives two different passwords",
                      "Give the password once: user:password@host, or ?password=.");
      }
      ep.password = value;
    } else {
      ep.options[key] = value;
    }
  }
  RETURN_IF_ERROR(CheckEndpoint(ep, policy));
  if (policy.trust == Trust::kRemote) {
    // Open what was checked: the real paths, not the links leading there.
    if (ep.engine == Engine::kSqlite) ep.path = RealPath(ep.path);
    for (auto& [key, value] : ep.options) {
      if (kPgFileKeywords.count(key) != 0 && value != kNoClientFile) value = RealPath(value);
    }
    ForceRemotePgOptions(ep);
  }
  return ep;
}

Result<std::string> ReadPasswordEnv(const std::string& name, const EndpointPolicy& policy) {
  if (policy.trust == Trust::kStored) {
    return Status(ErrorCode::kInternal, "a stored endpoint's password_env is not read again");
  }
  if (policy.trust == Trust::kRemote) {
    bool allowed = false;
    for (const auto& entry : policy.secrets_env) {
      if (!entry.empty() && entry.back() == '*') {
        allowed = allowed || (entry.size() > 1 && name.size() >= entry.size() - 1 &&
                              name.compare(0, entry.size() - 1, entry, 0, entry.size() - 1) == 0);
      } else {
        allowed = allowed || entry == name;
      }
    }
    if (!allowed) {
      return Refused("password_env " + name + " is not an environment variable this daemon reads for API clients" +
                         (policy.secrets_env.empty() ? " (it reads none)" : ""),
                     "Send the password with the request instead (the godwit CLI reads password_env on your side and "
                     "sends the password), or have the operator allow the variable: `godwit serve --secrets-env " +
                         name + "`.");
    }
  }
  const char* v = name.empty() ? nullptr : std::getenv(name.c_str());
  if (v == nullptr) {
    return Status(ErrorCode::kInvalidArgument,
                  "environment variable " + name + " named by password_env is not set" +
                      (policy.trust == Trust::kRemote ? " in the daemon's environment" : ""),
                  policy.trust == Trust::kRemote ? "Have the operator set it where `godwit serve` starts, or send the "
                                                   "password with the request."
                                                 : "Export the variable before running Godwit, or give the password "
                                                   "another way.");
  }
  return std::string(v);
}

Result<std::string> ReadPasswordFile(const std::string& path, const EndpointPolicy& policy) {
  if (policy.trust == Trust::kStored) {
    return Status(ErrorCode::kInternal, "a stored endpoint's password_file is not read again");
  }
  std::string open_path = path;
  if (policy.trust == Trust::kRemote) {
    open_path = AllowedFile(path, policy.secrets_dir, policy);
    if (open_path.empty()) {
      return Refused("password_file " + path +
                         (policy.secrets_dir.empty()
                              ? " is not read: this daemon reads no password file for API clients"
                              : " is not a file this daemon reads for API clients (inside its secrets directory)"),
                     kSecretsDirHint);
    }
  }
  std::ifstream in(open_path);
  std::string line;
  if (!in || !std::getline(in, line)) {
    return Status(ErrorCode::kInvalidArgument, "cannot read password_file " + path,
                  policy.trust == Trust::kRemote ? "Have the operator check the file in the secrets directory."
                                                 : "Check the path and that Godwit may read it.");
  }
  if (!line.empty() && line.back() == '\r') line.pop_back();
  return line;
}

bool IsSecretOptionName(std::string_view key) {
  std::string k(key);
  std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  for (const char* word : {"pass", "pwd", "secret", "token", "credential"}) {
    if (k.find(word) != std::string::npos) return true;
  }
  return false;
}

void ForceRemotePgOptions(Endpoint& endpoint) {
  if (endpoint.engine != Engine::kPostgres) return;
  // GSS encryption would use the daemon's Kerberos credentials.
  endpoint.options["gssencmode"] = "disable";
  // Without sslcert/sslkey libpq sends ~/.postgresql/postgresql.crt/.key.
  for (const char* key : {"sslcert", "sslkey"}) {
    if (endpoint.options.count(key) == 0) endpoint.options[key] = kNoClientFile;
  }
}

namespace {

// For an API client, the host must be reached over TCP: a Unix socket logs
// in as the daemon's own OS user (PostgreSQL peer, MariaDB unix_socket
// authentication), and libpq's errors would tell which directories exist.
Status CheckRemoteHost(const Endpoint& endpoint) {
  const char kHint[] =
      "Give the server's address or host name (TCP), e.g. 127.0.0.1 for a server on the daemon's "
      "host; the daemon does not connect API clients' endpoints through Unix sockets.";
  if (endpoint.engine == Engine::kPostgres) {
    // libpq takes a comma-separated list of hosts; an element that is a
    // path ('/...'), an abstract socket ('@...') or empty (libpq's default
    // socket directory) is a Unix socket.
    size_t start = 0;
    while (true) {
      size_t comma = endpoint.host.find(',', start);
      std::string h = endpoint.host.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
      if (h.empty() || h.find('/') != std::string::npos || h.front() == '@') {
        return Refused("PostgreSQL host '" + endpoint.host +
                           "' is a Unix socket (or an empty element of a host list), which the daemon does not "
                           "connect to for API clients",
                       kHint);
      }
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
  } else if (endpoint.engine == Engine::kMysql) {
    std::string h = endpoint.host;
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    // MySQL's client library connects to "localhost" (or no host) through
    // the Unix socket.
    if (h.empty() || h == "localhost") {
      return Refused("MySQL host '" + endpoint.host +
                         "' means the Unix socket to MySQL's client library, which the daemon does not connect to "
                         "for API clients",
                     kHint);
    }
  }
  return Status();
}

}  // namespace

Status CheckEndpoint(const Endpoint& endpoint, const EndpointPolicy& policy) {
  if (policy.trust != Trust::kRemote) return Status();
  if (endpoint.engine != Engine::kSqlite) RETURN_IF_ERROR(CheckRemoteHost(endpoint));
  if (endpoint.engine == Engine::kSqlite) {
    if (policy.sqlite_dir.empty()) {
      return Refused("SQLite endpoints are not accepted: this daemon opens no SQLite file for API clients",
                     "Have the operator allow a directory for them: `godwit serve --sqlite-dir DIR`, then give "
                     "files inside it.");
    }
    if (AllowedFile(endpoint.path, policy.sqlite_dir, policy).empty()) {
      return Refused("SQLite file " + endpoint.path + " is not inside the directory this daemon opens SQLite files in",
                     "Give a file inside the directory the operator gave to `godwit serve --sqlite-dir` (" +
                         policy.sqlite_dir + "), with no symbolic link leading out of it.");
    }
  }
  for (const auto& [key, value] : endpoint.options) {
    if (endpoint.engine != Engine::kPostgres) {
      if (kMysqlSqliteKeywords.count(key) == 0) {
        return Refused("unknown " + std::string(EngineName(endpoint.engine)) + " endpoint option '" + key + "'",
                       "Endpoints of this kind accept zero_date=error|null besides the password.");
      }
      continue;
    }
    if (key == "passfile" || key == "service" || key == "servicefile") {
      return Refused("PostgreSQL option '" + key +
                         "' is not accepted by the daemon: it makes libpq read a file of "
                         "the daemon's host",
                     "Give the host, user and database in the URI and send the password with the request.");
    }
    if (key == "options") {
      return Refused(
          "PostgreSQL option 'options' is not accepted by the daemon: it sets server settings for "
          "Godwit's sessions, which Godwit chooses itself",
          "Remove it; set what the server needs per role or database (ALTER ROLE ... SET) instead.");
    }
    if (IsSecretOptionName(key)) {
      return Refused("PostgreSQL option '" + key +
                         "' holds a secret, which the daemon would have to store and "
                         "show in clear",
                     "Remove it: the daemon takes only the password (user:password@ in the URI, or the "
                     "endpoint's password field); use an unencrypted key file in the secrets directory.");
    }
    if (kPgFileKeywords.count(key) != 0) {
      if ((key == "sslcert" || key == "sslkey") && value == kNoClientFile) continue;  // ForceRemotePgOptions's
      if (AllowedFile(value, policy.secrets_dir, policy).empty()) {
        return Refused("PostgreSQL option " + key + "=" + value +
                           " names a file this daemon does not read for API clients (only files inside its secrets "
                           "directory)",
                       "Have the operator put the file in the directory given to `godwit serve --secrets-dir DIR` "
                       "and name it there.");
      }
      continue;
    }
    if (kPgPlainKeywords.count(key) == 0) {
      std::string known;
      for (const auto& k : kPgPlainKeywords) known += (known.empty() ? "" : ", ") + k;
      for (const auto& k : kPgFileKeywords) known += ", " + k;
      return Refused("PostgreSQL option '" + key + "' is not among the libpq keywords the daemon passes on",
                     "Accepted: " + known + " (file names inside the operator's --secrets-dir).");
    }
  }
  return Status();
}

std::string Endpoint::Redacted() const {
  std::string out(EngineName(engine));
  out += "://";
  if (engine == Engine::kSqlite) return out + path;
  out += PercentEncode(user, "/");
  if (!password.empty()) out += ":***";
  out += "@";
  out += host.find(':') != std::string::npos ? "[" + host + "]" : host;
  out += ":" + std::to_string(port) + "/" + PercentEncode(database, "/");
  return out;
}

bool HasZeroDates(Engine engine) { return engine == Engine::kMysql; }

bool EndpointReadsSchema(const Endpoint& endpoint, std::string_view schema) {
  return endpoint.engine != Engine::kMysql || endpoint.database.empty() || schema == endpoint.database;
}

void AllowCreation(Endpoint& endpoint) {
  if (endpoint.engine == Engine::kSqlite) endpoint.options["create"] = "1";
}

std::string Endpoint::UriWithoutPassword() const {
  Endpoint copy = *this;
  copy.password.clear();
  std::string out = copy.Redacted();
  char sep = '?';
  for (const auto& [key, value] : options) {
    if (IsSecretOptionName(key)) continue;  // never stored in clear, shown or exported
    out += sep + PercentEncode(key, "/") + "=" + PercentEncode(value, "/");
    sep = '&';
  }
  return out;
}

}  // namespace godwit
