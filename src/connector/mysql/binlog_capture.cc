// MySQL/MariaDB's ChangeCapture (connector/change_capture.h): the binlog,
// read as a replica with a server_id of the stream's own. Nothing is kept
// on the server between runs but the position, which Godwit stores.
#include <chrono>
#include <cstdlib>

#include "connector/change_capture.h"
#include "connector/engines.h"
#include "connector/mysql/binlog_change_stream.h"
#include "connector/mysql/binlog_retention.h"

namespace godwit {
namespace {

class BinlogCapture final : public ChangeCapture {
 public:
  BinlogCapture(Endpoint db, CaptureNames names) : db_(std::move(db)), names_(std::move(names)) {
    if (names_.replica_server_id == 0) names_.replica_server_id = ReplicaServerIdFor(names_.stream);
  }

  // The binlog needs no setup per stream (the precheck checks log_bin,
  // binlog_format and binlog_row_image).
  Status Prepare(Session&, std::span<const TableRef>, const ObjectRules&, std::vector<std::string>&) override {
    return Status::Ok();
  }
  Status EnsureCaptured(Session&, const TableRef&) override { return Status::Ok(); }
  // The binlog carries DDL as statements of its own.
  std::optional<TableRef> RefreshDdlLog(Session&, const ObjectRules&, std::vector<std::string>&) override {
    return std::nullopt;
  }

  Result<std::unique_ptr<ChangeStream>> Open(const Position& from,
                                             std::function<bool(const TableRef&)> tables) override {
    mysql::BinlogStreamOptions o;
    o.server_id = names_.replica_server_id;
    o.start = from;
    o.tables = std::move(tables);
    o.report_host = "godwit:" + names_.stream;
    return mysql::OpenBinlogChangeStream(db_, o);
  }

  Result<std::string> RetentionAlert(Session& db, const Position& needed, int64_t needed_time_us) override {
    BinlogRetention in;
    in.expire_seconds = BinlogExpireSeconds(db);
    if (in.expire_seconds <= 0 || needed_time_us == 0) return std::string();
    auto log_end = BinlogLogEnd(db_, db);
    const auto* pos = std::get_if<MysqlBinlogPos>(&needed);
    const auto* end = log_end.ok() ? std::get_if<MysqlBinlogPos>(&*log_end) : nullptr;
    in.reading_current_file = pos && end && pos->file == end->file;
    const int64_t now_us =
        std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    in.needed_age_seconds = static_cast<double>(now_us - needed_time_us) / 1e6;
    return BinlogRetentionAlert(in);
  }

  Status Release(std::vector<std::string>&) override { return Status::Ok(); }

  std::string Describe() const override {
    return "the binlog position (replica server_id " + std::to_string(names_.replica_server_id) + ")";
  }

 private:
  const Endpoint db_;
  CaptureNames names_;
};

}  // namespace

Result<Position> BinlogLogEnd(const Endpoint& db, Session& session) {
  // MariaDB answers with four columns, MySQL 5.6+ with five (Executed_Gtid_Set).
  auto master = QueryFirstRow(session, "SHOW MASTER STATUS", 4);
  if (!master.ok()) master = QueryFirstRow(session, "SHOW MASTER STATUS", 5);
  ASSIGN_OR_RETURN(auto row, std::move(master));
  if (row[0].empty()) {
    return Status(ErrorCode::kServerConfig, db.Redacted() + " has no binary log (SHOW MASTER STATUS is empty)",
                  "Change capture needs log_bin with binlog_format=ROW on the captured server.");
  }
  char* end = nullptr;
  const unsigned long long pos = std::strtoull(row[1].c_str(), &end, 10);
  if (row[1].empty() || *end != '\0') {
    return Status(ErrorCode::kReadFailed, db.Redacted() + " reported binlog position '" + row[1] +
                                              "', which is not a number (SHOW MASTER STATUS)");
  }
  return Position(MysqlBinlogPos{row[0], pos, ""});
}

Result<std::unique_ptr<ChangeCapture>> OpenBinlogCapture(const Endpoint& db, const CaptureNames& names) {
  return std::unique_ptr<ChangeCapture>(std::make_unique<BinlogCapture>(db, names));
}

}  // namespace godwit
