#include "verify/catch_up.h"

#include <thread>

#include "connector/change_capture.h"
#include "model/row_collector.h"
#include "model/object_mapping.h"
#include "schema/dialect.h"

namespace godwit {

namespace {

// The stream's checkpoint rows: "ID" and its partitions' "ID.p1", "ID.p2"...
std::string CheckpointRowsSql(Session& destination, const std::string& stream_id, const std::string& what) {
  const Dialect& d = DialectFor(destination.engine());
  const TableRef table = InDefaultSchema(destination, {"", kCheckpointTableName});
  return "SELECT " + what + " FROM " + d.QualifiedName(table) + " WHERE " + d.QuoteIdent("stream_id") + " = " +
         d.Literal(ColumnType{}, stream_id) + " OR " + d.QuoteIdent("stream_id") + " LIKE " +
         d.Literal(ColumnType{}, stream_id + ".p%");
}

// Whether the synchronization's heartbeat row on the source was written in
// the last few seconds (it is written every second while it runs).
bool SynchronizationAlive(Session& source, const std::string& stream_id) {
  const Dialect& d = DialectFor(source.engine());
  const TableRef table{source.default_schema(), kHeartbeatTableName};
  auto row = QueryFirstRow(source,
                           "SELECT " + d.QuoteIdent("written_us") + " FROM " + d.QualifiedName(table) + " WHERE " +
                               d.QuoteIdent("stream_id") + " = " + d.Literal(ColumnType{}, stream_id),
                           1);
  if (!row.ok() || (*row)[0].empty()) return false;
  const int64_t written_us = std::strtoll((*row)[0].c_str(), nullptr, 10);
  const int64_t now_us =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch())
          .count();
  return now_us - written_us < 5'000'000;
}

}  // namespace

Result<bool> HasCheckpointRows(Session& destination, const std::string& stream_id) {
  RowCollector rows;
  Status st = destination.Query(CheckpointRowsSql(destination, stream_id, "1"), std::vector<ColumnType>(1), rows,
                                BatchLimits{});
  if (!st.ok()) return false;  // no checkpoint table: nothing synchronizes into this destination
  return !rows.rows.empty();
}

Status CheckpointCatchUp::WaitPast(std::chrono::system_clock::time_point before, std::chrono::seconds timeout) {
  using namespace std::chrono;
  (void)before;  // the position read now is after it: see the header
  ASSIGN_OR_RETURN(auto src, Connect(source_));
  ASSIGN_OR_RETURN(Position end, CaptureLogEnd(source_, *src));
  ASSIGN_OR_RETURN(auto dst, Connect(destination_));
  const std::string sql = CheckpointRowsSql(*dst, stream_id_, DialectFor(dst->engine()).QuoteIdent("position_json"));
  const auto deadline = steady_clock::now() + timeout;
  while (true) {
    RowCollector rows;
    RETURN_IF_ERROR(dst->Query(sql, std::vector<ColumnType>(1), rows, BatchLimits{}));
    bool all_past = !rows.rows.empty();
    for (const auto& r : rows.rows) {
      auto pos = PositionFromJson(r[0].value_or(""));
      if (!pos.ok() || !PositionAtOrAfter(*pos, end)) all_past = false;
    }
    if (all_past) return Status();
    // Its heartbeat tells whether that synchronization runs at all: one
    // stopped (or gone) moves no row, and the destination then only changes
    // when someone writes to it — compare it as it is.
    if (!SynchronizationAlive(*src, stream_id_)) return Status();
    if (steady_clock::now() >= deadline) {
      return Status(ErrorCode::kReadFailed,
                    "the synchronization into the destination (" + stream_id_ +
                        ") did not reach the source's "
                        "position " +
                        PositionToString(end) + " within " + std::to_string(timeout.count()) + " s",
                    "Is `godwit migrate --incremental` running? Verify again once it has caught up.");
    }
    std::this_thread::sleep_for(milliseconds(100));
  }
}

}  // namespace godwit
