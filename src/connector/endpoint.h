// Endpoints: where a database is and how to log in.
//
// Parsed from URIs:
//   mysql://user:pass@host:3306/db          (also mariadb://)
//   postgresql://user:pass@host:5432/db     (also postgres://; libpq's URI form)
//   sqlite:///absolute/path.db   sqlite://relative/path.db
// Query parameters: `password_env=VAR` reads the password from an
// environment variable, `password_file=PATH` from a file (first line),
// `password=` is the password itself (kept apart like the URI's own);
// others are passed to the driver (for PostgreSQL, libpq keywords such as
// sslmode). Percent-escapes are decoded in every part.
//
// The password never leaves this struct in text meant for people:
// Redacted() prints the URI without it, UriWithoutPassword() without it
// and without any option whose name says it holds a secret.
//
// Who wrote the URI decides what reading it may touch on this host
// (EndpointPolicy): the command line reads its user's own environment and
// files; the daemon reads, for an API client, only what its operator
// allowed with `godwit serve --secrets-dir/--secrets-env/--sqlite-dir`,
// never its data directory, and passes PostgreSQL only the libpq keywords
// of an allow-list.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/types.h"

namespace godwit {

struct Endpoint {
  Engine engine = Engine::kSqlite;
  std::string host;
  uint16_t port = 0;
  std::string user;
  std::string password;
  std::string database;  // MySQL database / PostgreSQL database
  std::string path;      // SQLite file
  std::map<std::string, std::string> options;

  // URI with the password replaced by "***" (or absent when none was set).
  std::string Redacted() const;
  // URI without any password but with every driver option, so that
  // ParseEndpointUri(UriWithoutPassword()) gives this endpoint back minus
  // its password. What the service stores; the password is kept apart.
  std::string UriWithoutPassword() const;
};

// What reading an endpoint may touch on this host.
struct EndpointPolicy {
  enum class Trust {
    // The command line: the URI is its user's, and so are the environment
    // and files it names. Everything is resolved, nothing restricted.
    kLocal,
    // The daemon, for an API client: the client is not the daemon's user.
    // Password references resolve only inside the operator's allowances,
    // SQLite files only under sqlite_dir, PostgreSQL options only from the
    // allow-list; the data directory is out of reach.
    kRemote,
    // Read back from the daemon's own store, accepted when created: no
    // reference is resolved (the password comes from the store), nothing
    // is checked again.
    kStored,
  };
  Trust trust = Trust::kLocal;
  // kRemote only. Paths are real paths (no symlinks, absolute); empty: none
  // allowed.
  std::string secrets_dir;               // password_file and sslcert/sslkey/... inside it
  std::vector<std::string> secrets_env;  // password_env names; "PREFIX*" matches a prefix
  std::string sqlite_dir;                // SQLite files under it
  std::string data_dir;                  // never reachable, even inside the above

  static EndpointPolicy Local() { return {}; }
  static EndpointPolicy Stored() { return {Trust::kStored, {}, {}, {}, {}}; }
};

Result<Endpoint> ParseEndpointUri(std::string_view uri, const EndpointPolicy& policy = EndpointPolicy::Local());

// The password a password_env / password_file reference names, read as the
// policy allows. For kRemote, a reference outside the allowances is refused
// with a message telling the operator how to allow it and nothing about
// whether the variable is set or the file exists. kStored: refused (a
// stored endpoint's password comes from the store).
Result<std::string> ReadPasswordEnv(const std::string& name, const EndpointPolicy& policy);
Result<std::string> ReadPasswordFile(const std::string& path, const EndpointPolicy& policy);

// For kRemote: the host is reached over TCP (no PostgreSQL socket path or
// '@' abstract socket in any element of a host list, no MySQL "localhost"),
// the SQLite path is under sqlite_dir and outside data_dir (symlinks
// resolved), the options are known to the engine's allow-list and none
// holds a secret. OK for the other trusts. ParseEndpointUri checks it;
// call it again where an endpoint accepted earlier is used anew (a clone).
Status CheckEndpoint(const Endpoint& endpoint, const EndpointPolicy& policy);

// For kRemote PostgreSQL endpoints (ParseEndpointUri does it): GSS off
// (gssencmode=disable) and, unless the client named its own, sslcert and
// sslkey set to a file that cannot exist, so that libpq uses none of the
// daemon user's credentials (its Kerberos tickets, ~/.postgresql/
// postgresql.crt/.key). Kept in the options, so stored projects keep them.
void ForceRemotePgOptions(Endpoint& endpoint);

// Whether `engine` stores zero dates (0000-00-00, MySQL/MariaDB), which its
// endpoints' zero_date option (error | null) says how to read.
bool HasZeroDates(Engine engine);

// Whether tables of `schema` are among those a session to `endpoint` reads:
// a MySQL/MariaDB URI that names a database reaches that database only
// (though its binlog carries every database's changes); a PostgreSQL
// database reaches all its schemas, and SQLite has but one.
bool EndpointReadsSchema(const Endpoint& endpoint, std::string_view schema);

// Lets a session to `endpoint` create its database when it does not exist,
// where the engine can (a SQLite file: option create=1). A server's
// database must exist already; its endpoint is left as it is.
void AllowCreation(Endpoint& endpoint);

// Whether a query key's name says it holds a secret (password, sslpassword,
// passphrase, secret, token...): never stored in clear, shown or exported.
bool IsSecretOptionName(std::string_view key);

}  // namespace godwit
