// RunPrecheck: connections first, then the chosen tables (read once from
// the source catalog, with the project's include/exclude and renames), then
// every check in a fixed order. See precheck.h.
#include "precheck/precheck.h"

#include <map>

#include "common/text.h"
#include "connector/server_checks.h"
#include "precheck/check.h"

namespace godwit {
namespace precheck {
namespace {

constexpr const char* kTablesId = "source.tables";
constexpr const char* kTablesTitle = "tables chosen by the include/exclude patterns";

// Reads the chosen source tables into the context and reports them.
void ChooseTables(PrecheckContext& context, std::vector<PrecheckItem>& items) {
  const PrecheckRequest& r = context.request;
  if (Status st = ObjectMapping::Validate(r.objects); !st.ok()) {
    items.push_back(Failed(kTablesId, kTablesTitle, st.message(), st.hint()));
    context.tables_unavailable = "the include/exclude patterns are invalid (see " + std::string(kTablesId) + ")";
    return;
  }
  std::string dst_default = context.destination
                                ? context.destination->default_schema()
                                : ServerChecksFor(r.destination.engine).AssumedDefaultSchema(r.destination);
  if (!context.source) {
    items.push_back(Skipped(kTablesId, kTablesTitle, context.source_unavailable));
    context.tables_unavailable = context.source_unavailable;
    return;
  }
  context.mapping.emplace(r.objects, context.source->default_schema(), dst_default);
  const ObjectMapping& mapping = *context.mapping;
  auto catalog = context.source->ReadCatalog([&](const TableRef& ref) { return mapping.Includes(ref); });
  if (!catalog.ok()) {
    items.push_back(Failed(kTablesId, kTablesTitle, "cannot read the source catalog: " + catalog.status().message(),
                           catalog.status().hint()));
    context.tables_unavailable = "the source catalog could not be read (see " + std::string(kTablesId) + ")";
    return;
  }
  if (catalog->tables.empty()) {
    items.push_back(Failed(kTablesId, kTablesTitle,
                           "no table of " + r.source.Redacted() + " matches the include/exclude patterns",
                           "Check the database name in the source URI and the include/exclude patterns (matched "
                           "against 'schema.table' and 'table')."));
    context.tables_unavailable = "no table is chosen (see " + std::string(kTablesId) + ")";
    return;
  }
  // Two source tables renamed onto one destination name would overwrite
  // each other; the full migration refuses that, so say it now.
  std::map<TableRef, TableRef> taken;
  bool clash = false;
  for (const TableSchema& t : catalog->tables) {
    TableRef dst = mapping.DestinationOf(t.ref);
    auto [it, inserted] = taken.emplace(dst, t.ref);
    if (!inserted) {
      clash = true;
      items.push_back(Failed(kTablesId, kTablesTitle,
                             "source tables " + it->second.ToString() + " and " + t.ref.ToString() +
                                 " would both become " + dst.ToString() + " on the destination",
                             "Rename one of them (objects rename) or exclude one."));
    }
  }
  size_t views = catalog->views.size();
  if (!clash) {
    items.push_back(Passed(kTablesId, kTablesTitle,
                           std::to_string(catalog->tables.size()) + " table(s)" +
                               (views ? " and " + std::to_string(views) + " view(s)" : "") + " chosen"));
  }
  context.tables = std::move(catalog->tables);
}

// Last line of defence for "no password in any text": the connectors never
// put one in a message, but a server may echo what it was sent. Passwords
// shorter than 4 characters are left alone, or every "e" in a message
// could become "***".
void ScrubPassword(const std::string& password, std::vector<PrecheckItem>& items) {
  if (password.size() < 4) return;
  auto scrub = [&](std::string& s) {
    for (size_t at = s.find(password); at != std::string::npos; at = s.find(password, at + 3)) {
      s.replace(at, password.size(), "***");
    }
  };
  for (PrecheckItem& item : items) {
    scrub(item.title);
    scrub(item.message);
    scrub(item.hint);
    scrub(item.object);
  }
}

}  // namespace

PrecheckItem Passed(std::string id, std::string title, std::string message) {
  return PrecheckItem{std::move(id), std::move(title), PrecheckStatus::kPassed, std::move(message), "", "", false};
}

PrecheckItem Warning(std::string id, std::string title, std::string message, std::string hint) {
  return PrecheckItem{
      std::move(id), std::move(title), PrecheckStatus::kWarning, std::move(message), std::move(hint), "", false};
}

PrecheckItem Failed(std::string id, std::string title, std::string message, std::string hint) {
  return PrecheckItem{std::move(id), std::move(title), PrecheckStatus::kFailed, std::move(message), std::move(hint), "",
                      false};
}

PrecheckItem Skipped(std::string id, std::string title, const std::string& reason) {
  return PrecheckItem{std::move(id),
                      std::move(title),
                      PrecheckStatus::kWarning,
                      "not checked: " + reason,
                      "Fix the failed item first and run the precheck again.",
                      "",
                      true};
}

}  // namespace precheck

std::vector<PrecheckItem> RunPrecheck(const PrecheckRequest& request) {
  using namespace precheck;
  std::vector<PrecheckItem> items;
  PrecheckContext context(request);
  CheckConnectivity(context, items);
  ChooseTables(context, items);
  static constexpr Check kChecks[] = {CheckPrivileges, CheckServerSettings, CheckPrimaryKeys, CheckReplicaIdentity,
                                      CheckSupportedTypes, CheckTimeRange};
  for (Check check : kChecks) check(context, items);
  ScrubPassword(request.source.password, items);
  ScrubPassword(request.destination.password, items);
  return items;
}

bool PrecheckPassed(const std::vector<PrecheckItem>& items) {
  for (const PrecheckItem& item : items) {
    if (item.status == PrecheckStatus::kFailed) return false;
  }
  return true;
}

const char* PrecheckStatusName(PrecheckStatus status) {
  switch (status) {
    case PrecheckStatus::kPassed: return "passed";
    case PrecheckStatus::kWarning: return "warning";
    case PrecheckStatus::kFailed: return "failed";
  }
  return "failed";
}

}  // namespace godwit
