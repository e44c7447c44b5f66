// Unsupported types: each chosen table is converted to the destination's
// dialect exactly as the schema migration will (ConvertTable, which also
// generates the CREATE TABLE, so the dialect itself judges every type).
// A table that cannot be converted is a failed item of its own, naming the
// column and type; what conversion would drop or change (a default
// expression of another engine, an index the destination cannot build) is
// one warning, so nobody learns of it only after the migration.
#include "precheck/check.h"
#include "schema/dialect.h"
#include "schema/table_conversion.h"

namespace godwit::precheck {
namespace {

constexpr const char* kTypesId = "source.unsupported_types";
constexpr const char* kTypesTitle = "the destination can hold every column type";
constexpr const char* kConversionId = "source.schema_conversion";
constexpr const char* kConversionTitle = "tables convert to the destination without changes";

}  // namespace

void CheckSupportedTypes(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  if (!context.tables) {
    items.push_back(Skipped(kTypesId, kTypesTitle, context.tables_unavailable));
    return;
  }
  const PrecheckRequest& r = context.request;
  const Dialect& destination = DialectFor(r.destination.engine);
  std::vector<std::string> changes;
  size_t failed = 0;
  for (const TableSchema& t : *context.tables) {
    auto converted = ConvertTable(t, context.DestinationOf(t.ref), r.source.engine, destination, &*context.mapping);
    if (!converted.ok()) {
      ++failed;
      PrecheckItem item = Failed(kTypesId, kTypesTitle, converted.status().message(),
                                 "Exclude table " + t.ref.ToString() +
                                     " from the migration, or change the column's "
                                     "type on the source (or create the table on the destination by hand and choose no "
                                     "schema migration for it).");
      item.object = t.ref.ToString();
      items.push_back(std::move(item));
      continue;
    }
    for (std::string& w : converted->warnings) changes.push_back(std::move(w));
  }
  if (failed == 0) {
    items.push_back(Passed(kTypesId, kTypesTitle,
                           "all " + std::to_string(context.tables->size()) + " chosen table(s) convert to " +
                               std::string(EngineName(r.destination.engine))));
  }
  if (changes.empty()) {
    items.push_back(Passed(kConversionId, kConversionTitle, "nothing is dropped or changed"));
  } else {
    items.push_back(Warning(kConversionId, kConversionTitle, NameList(changes, 10, "; "),
                            "Recreate what is listed on the destination by hand after the migration if it is needed."));
  }
}

}  // namespace godwit::precheck
