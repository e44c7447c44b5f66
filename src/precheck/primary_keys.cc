// Tables without a primary key among the chosen tables. Rows are chunked,
// copied idempotently and matched (verification, change replay) by a key:
// the primary key, else the first unique index whose columns are all NOT
// NULL (TableSchema::ChunkKey). A table with neither is still migrated,
// but as one chunk that an interruption copies again whole — so it is a
// warning that names each table and what will be used.
#include "precheck/check.h"

namespace godwit::precheck {
namespace {

constexpr const char* kId = "source.tables_without_primary_key";
constexpr const char* kTitle = "every chosen table has a primary key";

std::string KeyColumns(const IndexDef& key) {
  std::string out;
  for (const IndexColumn& c : key.columns) out += (out.empty() ? "" : ", ") + c.name;
  return out;
}

}  // namespace

void CheckPrimaryKeys(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  if (!context.tables) return items.push_back(Skipped(kId, kTitle, context.tables_unavailable));
  std::vector<std::string> with_unique, without_key;
  for (const TableSchema& t : *context.tables) {
    if (t.primary_key) continue;
    if (auto key = t.ChunkKey()) {
      with_unique.push_back(t.ref.ToString() + " (unique key " + key->name + " on " + KeyColumns(*key) + ")");
    } else {
      without_key.push_back(t.ref.ToString());
    }
  }
  if (with_unique.empty() && without_key.empty()) {
    return items.push_back(
        Passed(kId, kTitle, "all " + std::to_string(context.tables->size()) + " chosen table(s) have a primary key"));
  }
  std::string message;
  if (!with_unique.empty()) {
    message = std::to_string(with_unique.size()) +
              " table(s) without a primary key use a unique NOT NULL key "
              "instead: " +
              NameList(with_unique);
  }
  if (!without_key.empty()) {
    if (!message.empty()) message += "; ";
    message += std::to_string(without_key.size()) +
               " table(s) have no primary key and no unique NOT NULL key, so "
               "each is copied as one chunk (and again whole if the copy is interrupted): " +
               NameList(without_key);
  }
  items.push_back(Warning(kId, kTitle, message,
                          "Add a primary key (or a unique key on NOT NULL columns) to these tables on the source "
                          "before migrating, or exclude them."));
}

}  // namespace godwit::precheck
