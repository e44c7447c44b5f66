// Which source objects a migration takes and what they are called on the
// destination (see model/object_mapping.h for how they are applied).
#pragma once

#include <map>
#include <string>
#include <vector>

namespace godwit {

struct ObjectRules {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  std::map<std::string, std::string> schema_renames;  // source schema -> destination schema
  std::map<std::string, std::string> table_renames;   // "schema.table" or "table" -> "name" or "schema.name"
};

}  // namespace godwit
