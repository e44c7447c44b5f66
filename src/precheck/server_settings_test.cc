// The settings check's verdicts without a server: a fake Session answers
// SHOW GLOBAL VARIABLES / current_setting() with canned rows.
#include <gtest/gtest.h>

#include "precheck/check.h"

namespace godwit::precheck {
namespace {

class CannedSession : public Session {
 public:
  CannedSession(Engine engine, std::vector<TextRow> rows) : engine_(engine), rows_(std::move(rows)) {}
  Engine engine() const override { return engine_; }
  std::string default_schema() const override { return ""; }
  Result<Catalog> ReadCatalog(const ObjectFilter&) override { return Catalog{}; }
  Status Execute(std::string_view) override { return Status(); }
  Status Query(std::string_view, std::span<const ColumnType> types, BatchConsumer& consumer,
               const BatchLimits&) override {
    RowBatch batch(types.size());
    for (const TextRow& row : rows_) {
      for (const auto& v : row) v ? batch.Add(*v) : batch.AddNull();
    }
    return consumer.Consume(batch);
  }
  Status BulkLoad(const TableSchema&, std::span<const std::string>, BatchSource&) override { return Status(); }
  Result<std::unique_ptr<SnapshotLease>> ExportSnapshot(const SnapshotOptions&) override {
    return Status(ErrorCode::kUnsupported, "not in this fake");
  }
  Status JoinSnapshot(const SnapshotLease&) override { return Status(); }
  Status EndSnapshot() override { return Status(); }
  Result<std::string> TableIdentity(const TableRef&) override { return std::string(); }

 private:
  Engine engine_;
  std::vector<TextRow> rows_;
};

const PrecheckItem& Item(const std::vector<PrecheckItem>& items, const std::string& id) {
  for (const auto& i : items) {
    if (i.id == id) return i;
  }
  static PrecheckItem missing{"missing"};
  ADD_FAILURE() << "no item " << id;
  return missing;
}

std::vector<PrecheckItem> RunSettingsCheck(Engine engine, std::vector<TextRow> rows, bool incremental) {
  PrecheckRequest request;
  request.source.engine = engine;
  request.incremental = incremental;
  PrecheckContext context(request);
  context.source = std::make_unique<CannedSession>(engine, std::move(rows));
  std::vector<PrecheckItem> items;
  CheckServerSettings(context, items);
  return items;
}

const std::vector<TextRow> kStatementBinlog = {
    {"binlog_format", "STATEMENT"}, {"binlog_row_image", "MINIMAL"}, {"log_bin", "ON"}, {"server_id", "0"}};

TEST(ServerSettingsTest, MysqlProblemsWarnWhenIncrementalIsNotChosen) {
  auto items = RunSettingsCheck(Engine::kMysql, kStatementBinlog, false);
  EXPECT_EQ(Item(items, "source.log_bin").status, PrecheckStatus::kPassed);
  for (const char* id : {"source.binlog_format", "source.binlog_row_image", "source.server_id"}) {
    const PrecheckItem& item = Item(items, id);
    EXPECT_EQ(item.status, PrecheckStatus::kWarning) << id;
    EXPECT_NE(item.message.find("needed later for incremental synchronization"), std::string::npos) << item.message;
    EXPECT_FALSE(item.hint.empty());
  }
  EXPECT_NE(Item(items, "source.binlog_format").message.find("STATEMENT"), std::string::npos);
}

TEST(ServerSettingsTest, MysqlProblemsFailWhenIncrementalIsChosen) {
  auto items = RunSettingsCheck(Engine::kMysql, kStatementBinlog, true);
  EXPECT_EQ(Item(items, "source.binlog_format").status, PrecheckStatus::kFailed);
  EXPECT_EQ(Item(items, "source.binlog_row_image").status, PrecheckStatus::kFailed);
  EXPECT_EQ(Item(items, "source.server_id").status, PrecheckStatus::kFailed);
  EXPECT_NE(Item(items, "source.binlog_format").hint.find("ROW"), std::string::npos);
}

TEST(ServerSettingsTest, MysqlBinlogOff) {
  auto items =
      RunSettingsCheck(Engine::kMysql, {{"log_bin", "OFF"}, {"binlog_format", "ROW"}, {"server_id", "1"}}, true);
  EXPECT_EQ(Item(items, "source.log_bin").status, PrecheckStatus::kFailed);
  // No binlog_row_image at all: a server that always logs full rows.
  EXPECT_EQ(Item(items, "source.binlog_row_image").status, PrecheckStatus::kPassed);
}

TEST(ServerSettingsTest, MysqlRowMetadataIsRecommendedNeverRequired) {
  const std::vector<TextRow> minimal = {{"binlog_format", "ROW"},
                                        {"binlog_row_image", "FULL"},
                                        {"binlog_row_metadata", "MINIMAL"},
                                        {"log_bin", "ON"},
                                        {"server_id", "1"}};
  for (bool incremental : {true, false}) {
    auto items = RunSettingsCheck(Engine::kMysql, minimal, incremental);
    const PrecheckItem& item = Item(items, "source.binlog_row_metadata");
    EXPECT_EQ(item.status, PrecheckStatus::kWarning) << incremental;
    EXPECT_NE(item.message.find("MINIMAL"), std::string::npos) << item.message;
    EXPECT_NE(item.hint.find("binlog_row_metadata = 'FULL'"), std::string::npos) << item.hint;
    EXPECT_TRUE(PrecheckPassed(items)) << "a warning does not stop the project";
  }
  auto full = minimal;
  full[2][1] = "FULL";
  EXPECT_EQ(Item(RunSettingsCheck(Engine::kMysql, full, true), "source.binlog_row_metadata").status,
            PrecheckStatus::kPassed);
  // A server without the setting (MariaDB before 10.5) cannot write it: a warning too.
  const std::vector<TextRow> old_server = {{"binlog_format", "ROW"}, {"log_bin", "ON"}, {"server_id", "1"}};
  const auto old_items = RunSettingsCheck(Engine::kMysql, old_server, true);
  const PrecheckItem& item = Item(old_items, "source.binlog_row_metadata");
  EXPECT_EQ(item.status, PrecheckStatus::kWarning);
  EXPECT_NE(item.message.find("cannot write column names"), std::string::npos) << item.message;
}

TEST(ServerSettingsTest, PostgresWalLevelSlotsAndSenders) {
  auto items = RunSettingsCheck(Engine::kPostgres, {{"replica", "4", "4", "10", "2"}}, true);
  EXPECT_EQ(Item(items, "source.wal_level").status, PrecheckStatus::kFailed);
  EXPECT_NE(Item(items, "source.wal_level").hint.find("wal_level = logical"), std::string::npos);
  EXPECT_EQ(Item(items, "source.replication_slots").status, PrecheckStatus::kFailed);
  EXPECT_NE(Item(items, "source.replication_slots").message.find("4 of max_replication_slots = 4"), std::string::npos);
  EXPECT_EQ(Item(items, "source.wal_senders").status, PrecheckStatus::kPassed);
  items = RunSettingsCheck(Engine::kPostgres, {{"logical", "4", "1", "2", "2"}}, false);
  EXPECT_EQ(Item(items, "source.wal_level").status, PrecheckStatus::kPassed);
  EXPECT_EQ(Item(items, "source.replication_slots").status, PrecheckStatus::kPassed);
  EXPECT_EQ(Item(items, "source.wal_senders").status, PrecheckStatus::kWarning);
}

TEST(ServerSettingsTest, DestinationCheckedOnlyForReverse) {
  PrecheckRequest request;
  request.source.engine = Engine::kSqlite;
  request.destination.engine = Engine::kMysql;
  PrecheckContext context(request);
  context.destination = std::make_unique<CannedSession>(Engine::kMysql, kStatementBinlog);
  std::vector<PrecheckItem> items;
  CheckServerSettings(context, items);
  EXPECT_TRUE(items.empty());
  request.reverse = true;
  CheckServerSettings(context, items);
  EXPECT_EQ(Item(items, "destination.binlog_format").status, PrecheckStatus::kFailed);
  EXPECT_NE(Item(items, "destination.binlog_format").message.find("reverse synchronization"), std::string::npos);
}

}  // namespace
}  // namespace godwit::precheck
