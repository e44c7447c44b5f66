// The project document the CLI sends to POST /api/v1/projects
// (docs/api.md), made from a YAML or JSON file on the user's machine:
//
//  - YAML becomes JSON generically: mappings and sequences as they are,
//    plain scalars as YAML 1.2's core schema reads them (null, true/false,
//    decimal integers), every other scalar — and every quoted one — a
//    string. Keys are not checked here: the daemon refuses unknown ones.
//  - password_env / password_file in `source` and `destination` (as mapping
//    keys or as URI query parameters) are resolved here, where the user's
//    environment and files are, into "password"; the reference is kept so
//    that the daemon can show and export it instead of the secret.
//
// Error messages never contain a password: only variable names and paths.
//
// Thread-safety: pure functions (ResolvePasswords reads the environment).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"

namespace godwit {

// The YAML text as JSON; INVALID_ARGUMENT when it does not parse.
Result<nlohmann::json> YamlToJson(const std::string& text);

// The file's document: JSON when the text is JSON, else YAML. The top level
// must be a mapping.
Result<nlohmann::json> LoadProjectDocument(const std::string& path);

// Looks a variable up; the default is std::getenv. Tests pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> GetEnv(const std::string& name);

// Resolves the password references of `source` and `destination` in place:
//   "mysql://app@h/db?password_env=PW"  -> {"uri": "mysql://app@h/db", "password_env": "PW", "password": "..."}
//   {"uri": ..., "password_file": "/run/pg"} -> the same plus "password" (the file's first line)
// A password written in the file itself ("password" key) is refused, as
// `godwit migrate` refuses it: files get copied and committed.
Status ResolvePasswords(nlohmann::json& doc, const EnvLookup& env = GetEnv);

// What `project create` adds to the file's document: --name replaces the
// name, each --tag is added to the tags (a single-string `tags` becomes a
// list), and created_by defaults to `user` when the file has none.
void ApplyCreateOverrides(nlohmann::json& doc, const std::string& name, const std::vector<std::string>& tags,
                          const std::string& user);

}  // namespace godwit
