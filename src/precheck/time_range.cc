// MySQL TIME values PostgreSQL cannot hold: MySQL's TIME is a duration
// (-838:59:59 to 838:59:59), PostgreSQL's time a time of day (00:00:00 to
// 24:00:00). One MIN/MAX query per TIME column of the chosen tables finds
// the tables whose copy would fail, before anything runs; the copy itself
// still refuses such a value with its own error (connector/postgres,
// FirstUnstorableValue). SQLite destinations keep the text as it is.
#include <cstdlib>
#include <map>
#include <set>

#include "precheck/check.h"
#include "schema/dialect.h"

namespace godwit::precheck {
namespace {

constexpr const char* kId = "source.time_range";
constexpr const char* kTitle = "TIME values fit the destination's time type";

// Whether MySQL TIME text lies within 00:00:00..24:00:00.
bool WithinDay(const std::string& v) {
  if (v.empty()) return true;  // NULL: no rows
  if (v[0] == '-') return false;
  size_t colon = v.find(':');
  int hours = std::atoi(v.substr(0, colon).c_str());
  if (hours < 24) return true;
  return hours == 24 && v.find_first_not_of("0:.", colon) == std::string::npos;
}

}  // namespace

void CheckTimeRange(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  const PrecheckRequest& r = context.request;
  if (r.source.engine != Engine::kMysql || r.destination.engine != Engine::kPostgres) return;
  if (!context.tables) {
    items.push_back(Skipped(kId, kTitle, context.tables_unavailable));
    return;
  }
  if (context.source == nullptr) {
    items.push_back(Skipped(kId, kTitle, context.source_unavailable));
    return;
  }
  // Tables the DBA created on the destination with another type for the
  // column (interval) take the values as they are.
  std::set<TableRef> wanted;
  for (const TableSchema& t : *context.tables) wanted.insert(context.DestinationOf(t.ref));
  std::map<TableRef, TableSchema> made;
  if (context.destination) {
    auto cat = context.destination->ReadCatalog([&](const TableRef& ref) { return wanted.count(ref) > 0; });
    if (cat.ok()) {
      for (TableSchema& t : cat->tables) made.emplace(t.ref, std::move(t));
    }
  }
  const Dialect& dialect = DialectFor(Engine::kMysql);
  size_t failed = 0, columns = 0;
  for (const TableSchema& t : *context.tables) {
    auto dst = made.find(context.DestinationOf(t.ref));
    for (const Column& c : t.columns) {
      if (c.type.kind != TypeKind::kTime) continue;
      if (dst != made.end()) {
        const Column* d = dst->second.FindColumn(c.name);
        if (d && d->type.kind != TypeKind::kTime) continue;
      }
      ++columns;
      const std::string q = dialect.QuoteIdent(c.name);
      auto row = QueryFirstRow(*context.source,
                               "SELECT MIN(" + q + "), MAX(" + q + ") FROM " + dialect.QualifiedName(t.ref), 2);
      std::string object = t.ref.ToString() + "." + c.name;
      if (!row.ok()) {
        PrecheckItem item = Warning(kId, kTitle, "could not read the range of " + object + ": " + row.status().message(),
                                    "Grant SELECT on the table, or check its TIME values by hand.");
        item.object = object;
        items.push_back(std::move(item));
        continue;
      }
      const std::string& lo = (*row)[0];
      const std::string& hi = (*row)[1];
      if (WithinDay(lo) && WithinDay(hi)) continue;
      ++failed;
      PrecheckItem item =
          Failed(kId, kTitle,
                 "column " + c.name + " of " + t.ref.ToString() + " holds TIME values from " + lo + " to " + hi +
                     ", outside PostgreSQL time's 00:00:00 to 24:00:00: the table's copy would fail",
                 "Use PostgreSQL's interval type for the column: create table " +
                     context.DestinationOf(t.ref).ToString() + " on the destination by hand with " + c.name +
                     " as interval (Godwit loads into an existing empty table), or exclude the table.");
      item.object = object;
      items.push_back(std::move(item));
    }
  }
  if (failed == 0 && columns > 0) {
    items.push_back(Passed(kId, kTitle, "the " + std::to_string(columns) + " TIME column(s) hold times of day only"));
  }
}

}  // namespace godwit::precheck
