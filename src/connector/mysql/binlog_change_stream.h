// MySQL/MariaDB change capture: the binlog read over the replication
// protocol with MariaDB Connector/C's mariadb_rpl (connector/change_stream.h),
// decoded by BinlogDecoder (binlog_decoder.h).
//
// The stream registers as a replica with the caller's server_id (unique
// among the source's replicas: the server disconnects an older dump
// connection with the same id), asks for binlog dumps from a file/position
// (the MysqlBinlogPos the full migration recorded with its snapshot, or
// the position of the last event the caller stored), follows rotations,
// and skips format descriptions, heartbeats and other bookkeeping events.
// It asks for a heartbeat every `heartbeat`, so Next() returns at most one
// heartbeat period after its timeout when the source is idle.
//
// The source needs log_bin, binlog_format=ROW and binlog_row_image=FULL
// (MINIMAL images come through as key-only before images and kUnchanged
// after values); the user needs REPLICATION SLAVE and SELECT on
// information_schema (the catalog gives column names and exact types).
//
// Errors from Next(): a lost connection is kConnectionLost (open a new
// stream from the last stored position); a binlog file the server no
// longer has (error 1236: purged, or expired by binlog_expire_logs_seconds)
// is kServerConfig; a statement-format data change is kServerConfig.
// After an error the stream is unusable. Messages name the server with
// Endpoint::Redacted(), never the password.
//
// Thread-safety: one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>

#include "common/status.h"
#include "connector/change_stream.h"
#include "connector/endpoint.h"
#include "model/table_schema.h"

namespace godwit::mysql {

struct BinlogStreamOptions {
  // This stream's replica id; non-zero, unique among the source's
  // replicas and other capture streams.
  uint32_t server_id = 0;
  // Where to start: a MysqlBinlogPos (file and pos; gtid is carried into
  // the events' positions until the first GTID is read).
  Position start;
  // Tables whose rows are captured; null = every table of the endpoint's
  // database (of every database when the endpoint names none).
  std::function<bool(const TableRef&)> tables;
  std::chrono::milliseconds heartbeat{500};
};

// Connects (one replication connection and one catalog session) and
// starts the binlog dump. kInvalidArgument for a start that is not a
// MysqlBinlogPos or a zero server_id; connection failures as ConnectMysql
// classifies them. A purged start file may be reported here or by the
// first Next().
Result<std::unique_ptr<ChangeStream>> OpenBinlogChangeStream(const Endpoint& endpoint,
                                                             const BinlogStreamOptions& options);

}  // namespace godwit::mysql
