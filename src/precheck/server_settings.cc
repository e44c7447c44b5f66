// Server settings that change capture needs, read from the server itself
// by each engine's connector/server_checks.h: MySQL/MariaDB's binary log
// settings and server_id, PostgreSQL's wal_level and free replication
// slots and WAL senders; SQLite keeps no change log at all.
//
// On the source they fail the precheck when incremental synchronization is
// chosen and are warnings otherwise (fixing them often needs a restart, so
// it is worth knowing before the project that needs them). On the
// destination they are checked only when reverse synchronization is
// chosen, since only then is it read as a source.
#include "connector/server_checks.h"
#include "precheck/check.h"

namespace godwit::precheck {
namespace {

void CheckSide(const PrecheckContext& context, Side side, bool required, std::vector<PrecheckItem>& items) {
  const ServerChecks& checks = ServerChecksFor(context.endpoint(side).engine);
  const std::string prefix = std::string(SideName(side)) + ".";
  const char* purpose = side == Side::kSource ? "incremental synchronization" : "reverse synchronization";
  auto settings = checks.CaptureSettings();
  if (!settings.ok()) {  // no change log at all (SQLite)
    if (required) {
      items.push_back(Failed(prefix + "change_log", std::string("the ") + SideName(side) + " keeps a change log",
                             settings.status().message() + ", so " + purpose + " cannot start from it",
                             std::string("Leave ") + purpose +
                                 " out of the migration type, or migrate from MySQL/MariaDB "
                                 "or PostgreSQL."));
    }
    return;
  }
  Session* session = context.session(side);
  if (!session) {
    for (const SettingFinding& s : *settings) {
      items.push_back(Skipped(prefix + s.name, s.title, context.unavailable(side)));
    }
    return;
  }
  auto findings = checks.ReadCaptureSettings(*session);
  if (!findings.ok()) {
    const Status& st = findings.status();
    for (const SettingFinding& s : *settings) {
      PrecheckItem item =
          Failed(prefix + s.name, s.title, "cannot read the server's settings: " + st.message(), st.hint());
      if (!required || s.advisory) item.status = PrecheckStatus::kWarning;
      items.push_back(std::move(item));
    }
    return;
  }
  for (SettingFinding& f : *findings) {
    if (f.ok) {
      items.push_back(Passed(prefix + f.name, f.title, f.message));
    } else if (f.advisory) {
      items.push_back(Warning(prefix + f.name, f.title, f.message, f.hint));
    } else if (required) {
      items.push_back(Failed(prefix + f.name, f.title, f.message + ", which " + purpose + " cannot work with", f.hint));
    } else {
      items.push_back(Warning(prefix + f.name, f.title, f.message + " — needed later for " + purpose, f.hint));
    }
  }
}

}  // namespace

void CheckServerSettings(const PrecheckContext& context, std::vector<PrecheckItem>& items) {
  CheckSide(context, Side::kSource, context.request.incremental, items);
  if (context.request.reverse) CheckSide(context, Side::kDestination, true, items);
}

}  // namespace godwit::precheck
