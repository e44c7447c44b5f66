#include "model/table_schema.h"

namespace godwit {

const Column* TableSchema::FindColumn(std::string_view name) const {
  for (const auto& c : columns) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

int TableSchema::ColumnIndex(std::string_view name) const {
  for (size_t i = 0; i < columns.size(); ++i) {
    if (columns[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

std::optional<IndexDef> TableSchema::ChunkKey() const {
  if (primary_key) return primary_key;
  for (const auto& idx : indexes) {
    if (!idx.unique || !idx.unsupported_reason.empty()) continue;
    bool usable = true;
    for (const auto& ic : idx.columns) {
      const Column* c = FindColumn(ic.name);
      if (c == nullptr || c->nullable || ic.prefix_length != 0) usable = false;
    }
    if (usable) return idx;
  }
  return std::nullopt;
}

}  // namespace godwit

namespace godwit {

std::string_view ObjectKindName(ObjectKind kind) {
  switch (kind) {
    case ObjectKind::kExtension: return "extension";
    case ObjectKind::kType: return "type";
    case ObjectKind::kDomain: return "domain";
    case ObjectKind::kSequence: return "sequence";
    case ObjectKind::kFunction: return "function";
    case ObjectKind::kProcedure: return "procedure";
    case ObjectKind::kAggregate: return "aggregate";
    case ObjectKind::kTrigger: return "trigger";
    case ObjectKind::kMaterializedView: return "materialized view";
    case ObjectKind::kEvent: return "event";
  }
  return "object";
}

}  // namespace godwit
