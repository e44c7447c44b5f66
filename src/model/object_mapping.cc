#include "model/object_mapping.h"

#include <fnmatch.h>

namespace godwit {

bool GlobMatch(const std::string& pattern, const std::string& text) {
  return fnmatch(pattern.c_str(), text.c_str(), 0) == 0;
}

ObjectMapping::ObjectMapping(ObjectRules rules, std::string source_default_schema,
                             std::string destination_default_schema)
    : rules_(std::move(rules)),
      source_default_(std::move(source_default_schema)),
      destination_default_(std::move(destination_default_schema)) {}

Status ObjectMapping::Validate(const ObjectRules& rules) {
  for (const auto* list : {&rules.include, &rules.exclude}) {
    for (const auto& p : *list) {
      if (p.empty()) return Status(ErrorCode::kInvalidArgument, "an include/exclude pattern is empty");
      int depth = 0;
      for (char c : p) {
        if (c == '[') ++depth;
        if (c == ']') --depth;
      }
      if (depth != 0) {
        return Status(ErrorCode::kInvalidArgument, "pattern '" + p + "' has an unbalanced '['",
                      "Patterns are shell globs such as 'shop.*' or 'order_?'.");
      }
    }
  }
  for (const auto& [from, to] : rules.table_renames) {
    if (from.empty() || to.empty()) return Status(ErrorCode::kInvalidArgument, "a table rename has an empty name");
  }
  return Status();
}

bool ObjectMapping::Includes(const TableRef& source) const {
  if (IsGodwitTable(source)) return false;
  std::string full = source.ToString();
  auto matches = [&](const std::string& p) { return GlobMatch(p, full) || GlobMatch(p, source.name); };
  bool included = rules_.include.empty();
  for (const auto& p : rules_.include) included = included || matches(p);
  if (!included) return false;
  for (const auto& p : rules_.exclude) {
    if (matches(p)) return false;
  }
  return true;
}

bool IsGodwitTable(const TableRef& ref) {
  return ref.name == kHeartbeatTableName || ref.name == kCheckpointTableName || ref.name == kDdlLogTableName;
}

std::string ObjectMapping::SchemaOf(const std::string& source_schema) const {
  if (auto it = rules_.schema_renames.find(source_schema); it != rules_.schema_renames.end()) return it->second;
  if (source_schema == source_default_ || source_schema.empty()) return destination_default_;
  return source_schema;
}

TableRef ObjectMapping::DestinationOf(const TableRef& source) const {
  TableRef dst;
  dst.schema = SchemaOf(source.schema);
  dst.name = source.name;
  auto it = rules_.table_renames.find(source.ToString());
  if (it == rules_.table_renames.end()) it = rules_.table_renames.find(source.name);
  if (it != rules_.table_renames.end()) {
    const std::string& to = it->second;
    if (size_t dot = to.find('.'); dot != std::string::npos) {
      dst.schema = to.substr(0, dot);
      dst.name = to.substr(dot + 1);
    } else {
      dst.name = to;
    }
  }
  return dst;
}

}  // namespace godwit
