// The precheck's questions answered by SQLite (server_checks.h): a file,
// with no users, grants or change log. The precheck checks the file's and
// its directory's access instead of privileges, so those questions are
// never asked here.
#include "connector/server_checks.h"

namespace godwit {
namespace sqlite_internal {
namespace {

class SqliteServerChecks : public ServerChecks {
 public:
  bool IsFile() const override { return true; }

  // Tables live in the file's main schema, which has no name to give.
  std::string AssumedDefaultSchema(const Endpoint&) const override { return ""; }

  Result<std::vector<SettingFinding>> CaptureSettings() const override { return NoChangeLog(); }
  Result<std::vector<SettingFinding>> ReadCaptureSettings(Session&) const override { return NoChangeLog(); }

  Result<TablePrivileges> ReadTablePrivileges(Session&, const Endpoint&, const std::set<std::string>&) const override {
    return Status(ErrorCode::kInternal, "SQLite has no users: the precheck checks the file's access instead");
  }
  std::string GrantSelect(Session&, const Endpoint&, const std::string&) const override { return ""; }
  void CheckDestination(Session&, const Endpoint&, const DestinationNeeds&, std::vector<std::string>&,
                        std::vector<std::string>&) const override {}
  Verdict CheckReplication(Session&, const Endpoint&) const override {
    return {false, "SQLite keeps no change log Godwit can read", ""};
  }

 private:
  static Status NoChangeLog() { return Status(ErrorCode::kUnsupported, "SQLite keeps no change log Godwit can read"); }
};

}  // namespace
}  // namespace sqlite_internal

const ServerChecks& SqliteServerChecksInstance() {
  static const sqlite_internal::SqliteServerChecks checks;
  return checks;
}

}  // namespace godwit
