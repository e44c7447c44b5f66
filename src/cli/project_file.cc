#include "cli/project_file.h"

#include <yaml-cpp/yaml.h>

#include <fstream>
#include <set>
#include <sstream>

namespace godwit {
namespace {

Status Invalid(const std::string& what) {
  return Status(ErrorCode::kInvalidArgument, "project file: " + what,
                "See docs/project-file.md for the fields and their forms.");
}

Result<Endpoint> ParseEndpointNode(const YAML::Node& node, const std::string& field) {
  if (!node) return Invalid("'" + field + "' is missing");
  std::string uri;
  std::string query;
  if (node.IsScalar()) {
    uri = node.as<std::string>();
  } else if (node.IsMap()) {
    if (!node["uri"]) return Invalid("'" + field + ".uri' is missing");
    uri = node["uri"].as<std::string>();
    for (const char* key : {"password_env", "password_file"}) {
      if (node[key])
        query += std::string(query.empty() && uri.find('?') == std::string::npos ? "?" : "&") + key + "=" +
                 node[key].as<std::string>();
    }
    if (node["password"]) {
      return Invalid("'" + field +
                     ".password' is not accepted: passwords in files leak; use password_env or "
                     "password_file");
    }
  } else {
    return Invalid("'" + field + "' must be a URI or a mapping with 'uri'");
  }
  auto ep = ParseEndpointUri(uri + query);
  if (!ep.ok()) return ep.status().WithContext("project file '" + field + "'");
  return ep;
}

std::vector<std::string> StringList(const YAML::Node& node) {
  std::vector<std::string> out;
  if (!node) return out;
  if (node.IsScalar()) {
    out.push_back(node.as<std::string>());
  } else {
    for (const auto& n : node) out.push_back(n.as<std::string>());
  }
  return out;
}

}  // namespace

Status ApplyZeroDate(const std::string& choice, Endpoint& endpoint) {
  if (choice.empty()) return Status();
  if (choice != "error" && choice != "null") {
    return Status(ErrorCode::kInvalidArgument, "zero_date must be 'error' or 'null', not '" + choice + "'");
  }
  endpoint.options["zero_date"] = choice;
  return Status();
}

Result<FullMigrationOptions> ParseProjectYaml(const std::string& text, bool* incremental) {
  FullMigrationOptions opt;
  try {
    YAML::Node root = YAML::Load(text);
    if (!root.IsMap()) return Invalid("the top level must be a mapping");
    static const std::set<std::string> kKnown = {"name",      "source",           "destination",
                                                 "objects",   "concurrency",      "chunk_rows",
                                                 "zero_date", "replication_slot", "incremental"};
    for (const auto& kv : root) {
      std::string key = kv.first.as<std::string>();
      if (!kKnown.count(key)) return Invalid("unknown field '" + key + "'");
    }
    ASSIGN_OR_RETURN(opt.source, ParseEndpointNode(root["source"], "source"));
    ASSIGN_OR_RETURN(opt.destination, ParseEndpointNode(root["destination"], "destination"));
    if (const auto& objects = root["objects"]) {
      opt.objects.include = StringList(objects["include"]);
      opt.objects.exclude = StringList(objects["exclude"]);
      if (const auto& rename = objects["rename"]) {
        for (const auto& kv : rename["schemas"]) {
          opt.objects.schema_renames[kv.first.as<std::string>()] = kv.second.as<std::string>();
        }
        for (const auto& kv : rename["tables"]) {
          opt.objects.table_renames[kv.first.as<std::string>()] = kv.second.as<std::string>();
        }
      }
    }
    if (root["concurrency"]) opt.concurrency = root["concurrency"].as<int>();
    if (root["chunk_rows"]) opt.chunk_rows = root["chunk_rows"].as<int64_t>();
    if (root["incremental"] && incremental) *incremental = root["incremental"].as<bool>();
    if (root["replication_slot"]) opt.replication_slot = root["replication_slot"].as<std::string>();
    if (root["zero_date"]) {
      std::string z = root["zero_date"].IsNull() ? "null" : root["zero_date"].as<std::string>();
      RETURN_IF_ERROR(ApplyZeroDate(z, opt.source));
    }
  } catch (const YAML::Exception& e) {
    return Invalid(std::string("not valid YAML or a field has the wrong form: ") + e.what());
  }
  RETURN_IF_ERROR(ObjectMapping::Validate(opt.objects));
  return opt;
}

Result<FullMigrationOptions> LoadProjectFile(const std::string& path, bool* incremental) {
  std::ifstream in(path);
  if (!in) {
    return Status(ErrorCode::kInvalidArgument, "cannot read project file " + path, "Check the path and permissions.");
  }
  std::stringstream ss;
  ss << in.rdbuf();
  auto opt = ParseProjectYaml(ss.str(), incremental);
  if (!opt.ok()) return opt.status().WithContext(path);
  return opt;
}

}  // namespace godwit
