#include "cli/project_document.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <sstream>

namespace godwit {
namespace {

using nlohmann::json;

Status Invalid(const std::string& what, const std::string& hint = {}) {
  return Status(ErrorCode::kInvalidArgument, what,
                hint.empty() ? "See docs/project-file.md and docs/api.md for the fields and their forms." : hint);
}

// A plain (unquoted, untagged) scalar as YAML 1.2's core schema reads it,
// restricted to what a project document holds: null, booleans, decimal
// integers; everything else stays text.
json PlainScalar(const std::string& s) {
  if (s.empty() || s == "~" || s == "null" || s == "Null" || s == "NULL") return nullptr;
  if (s == "true" || s == "True" || s == "TRUE") return true;
  if (s == "false" || s == "False" || s == "FALSE") return false;
  size_t digits_from = (s[0] == '-' || s[0] == '+') ? 1 : 0;
  if (digits_from < s.size() && std::all_of(s.begin() + static_cast<std::ptrdiff_t>(digits_from), s.end(),
                                            [](char c) { return c >= '0' && c <= '9'; })) {
    int64_t v = 0;
    const char* begin = s.data() + (s[0] == '+' ? 1 : 0);
    auto [end, ec] = std::from_chars(begin, s.data() + s.size(), v);
    if (ec == std::errc() && end == s.data() + s.size()) return v;
  }
  return s;
}

json NodeToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Undefined:
    case YAML::NodeType::Null: return nullptr;
    case YAML::NodeType::Scalar: {
      const std::string& tag = node.Tag();
      // "!" marks a quoted scalar; an explicit !!str keeps text as text.
      if (tag == "!" || tag == "tag:yaml.org,2002:str") return node.Scalar();
      return PlainScalar(node.Scalar());
    }
    case YAML::NodeType::Sequence: {
      json out = json::array();
      for (const auto& item : node) out.push_back(NodeToJson(item));
      return out;
    }
    case YAML::NodeType::Map: {
      json out = json::object();
      for (const auto& kv : node) out[kv.first.as<std::string>()] = NodeToJson(kv.second);
      return out;
    }
  }
  return nullptr;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string PercentDecode(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && HexDigit(s[i + 1]) >= 0 && HexDigit(s[i + 2]) >= 0) {
      out += static_cast<char>(HexDigit(s[i + 1]) * 16 + HexDigit(s[i + 2]));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Moves password_env/password_file out of a URI's query into a mapping.
json EndpointFromUri(const std::string& uri) {
  size_t q = uri.find('?');
  if (q == std::string::npos) return json(uri);
  std::string base = uri.substr(0, q);
  std::string rest;
  json out = json::object();
  std::stringstream query(uri.substr(q + 1));
  std::string param;
  while (std::getline(query, param, '&')) {
    size_t eq = param.find('=');
    // Decoded, as the daemon decodes it: password%5Fenv is password_env.
    std::string key = PercentDecode(param.substr(0, eq));
    if (key == "password_env" || key == "password_file") {
      out[key] = eq == std::string::npos ? std::string() : PercentDecode(param.substr(eq + 1));
    } else if (!param.empty()) {
      rest += (rest.empty() ? "" : "&") + param;
    }
  }
  if (out.empty()) return json(uri);
  out["uri"] = rest.empty() ? base : base + "?" + rest;
  return out;
}

Status ResolveEndpoint(json& doc, const char* field, const EnvLookup& env) {
  if (!doc.contains(field)) return Status();  // the daemon says what is missing
  json& ep = doc[field];
  if (ep.is_string()) {
    ep = EndpointFromUri(ep.get<std::string>());
    if (ep.is_string()) return Status();
  }
  if (!ep.is_object()) return Status();  // wrong form: the daemon names it
  const std::string f = field;
  if (ep.contains("password")) {
    return Invalid(f + ".password is not accepted in a file: passwords in files leak",
                   "Name an environment variable with password_env or a file with password_file instead.");
  }
  // The URI may carry the reference too: `uri: mysql://...?password_env=X`.
  if (ep.contains("uri") && ep["uri"].is_string()) {
    json from_uri = EndpointFromUri(ep["uri"].get<std::string>());
    if (from_uri.is_object()) {
      for (auto& [k, v] : from_uri.items()) {
        if (k != "uri" && ep.contains(k)) return Invalid(f + " names " + k + " twice (in the URI and as a key)");
        ep[k] = v;  // "uri" becomes the URI without the reference
      }
    }
  }
  bool has_env = ep.contains("password_env");
  bool has_file = ep.contains("password_file");
  if (has_env && has_file) return Invalid(f + " may name password_env or password_file, not both");
  if (has_env) {
    if (!ep["password_env"].is_string() || ep["password_env"].get<std::string>().empty()) {
      return Invalid(f + ".password_env must be the name of an environment variable");
    }
    std::string name = ep["password_env"].get<std::string>();
    std::optional<std::string> value = env(name);
    if (!value) {
      return Invalid(f + ": environment variable " + name + " named by password_env is not set",
                     "Export it in the shell that runs godwit (the CLI reads it and sends the password).");
    }
    ep["password"] = *value;
  } else if (has_file) {
    if (!ep["password_file"].is_string() || ep["password_file"].get<std::string>().empty()) {
      return Invalid(f + ".password_file must be a path");
    }
    std::string path = ep["password_file"].get<std::string>();
    std::ifstream in(path);
    if (!in) {
      return Invalid(f + ": cannot read password_file " + path, "Check the path and that you may read the file.");
    }
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    ep["password"] = line;
  }
  return Status();
}

}  // namespace

Result<json> YamlToJson(const std::string& text) {
  try {
    return NodeToJson(YAML::Load(text));
  } catch (const YAML::Exception& e) {
    return Invalid(std::string("not valid YAML: ") + e.what());
  }
}

Result<json> LoadProjectDocument(const std::string& path) {
  std::ifstream in(path);
  if (!in) return Invalid("cannot read " + path, "Check the path and permissions.");
  std::stringstream ss;
  ss << in.rdbuf();
  std::string text = ss.str();
  json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (doc.is_discarded() && path.ends_with(".json")) {
    try {
      doc = json::parse(text);
    } catch (const json::exception& e) {
      return Invalid(path + ": not valid JSON: " + e.what());
    }
  }
  if (doc.is_discarded()) {
    auto yaml = YamlToJson(text);
    if (!yaml.ok()) return yaml.status().WithContext(path);
    doc = std::move(*yaml);
  }
  if (!doc.is_object()) return Invalid(path + ": the top level must be a mapping");
  return doc;
}

std::optional<std::string> GetEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Status ResolvePasswords(json& doc, const EnvLookup& env) {
  if (!doc.is_object()) return Invalid("the project document must be a mapping");
  RETURN_IF_ERROR(ResolveEndpoint(doc, "source", env));
  RETURN_IF_ERROR(ResolveEndpoint(doc, "destination", env));
  return Status();
}

void ApplyCreateOverrides(json& doc, const std::string& name, const std::vector<std::string>& tags,
                          const std::string& user) {
  if (!name.empty()) doc["name"] = name;
  if (doc.contains("tags") && doc["tags"].is_string()) doc["tags"] = json::array({doc["tags"]});
  if (!tags.empty()) {
    if (!doc.contains("tags") || doc["tags"].is_null()) doc["tags"] = json::array();
    if (doc["tags"].is_array()) {
      for (const auto& t : tags) {
        if (std::find(doc["tags"].begin(), doc["tags"].end(), json(t)) == doc["tags"].end()) doc["tags"].push_back(t);
      }
    }
  }
  if ((!doc.contains("created_by") || doc["created_by"].is_null()) && !user.empty()) doc["created_by"] = user;
}

}  // namespace godwit
