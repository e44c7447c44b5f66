// Endpoints: where a database is and how to log in.
//
// Parsed from URIs:
//   mysql://user:pass@host:3306/db          (also mariadb://)
//   postgresql://user:pass@host:5432/db     (also postgres://; libpq's URI form)
//   sqlite:///absolute/path.db   sqlite://relative/path.db
// Query parameters: `password_env=VAR` reads the password from an
// environment variable, `password_file=PATH` from a file (first line);
// others are passed to the driver (for PostgreSQL, libpq keywords such as
// sslmode). Percent-escapes are decoded in every part.
//
// The password never leaves this struct in text meant for people:
// Redacted() prints the URI without it.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

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

Result<Endpoint> ParseEndpointUri(std::string_view uri);

}  // namespace godwit
