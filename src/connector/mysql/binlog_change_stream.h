// MySQL/MariaDB change capture: the binlog read over the replication
// protocol with MariaDB Connector/C's mariadb_rpl (connector/change_stream.h),
// decoded by BinlogDecoder (binlog_decoder.h).
//
// The stream registers as a replica with the caller's server_id (unique
// among the source's replicas: the server disconnects an older dump
// connection with the same id), asks for binlog dumps from a file/position
// (the MysqlBinlogPos the full migration recorded with its snapshot, or
// the position of the last event the caller stored) or, on MariaDB, from a
// GTID position (below), follows rotations, and skips format descriptions,
// heartbeats and other bookkeeping events. It asks for a heartbeat every
// `heartbeat`, so Next() returns at most one heartbeat period after its
// timeout when the source is idle.
//
// GTID start (MariaDB only): the stream asks for the transactions after a
// GTID position ("domain-server-seq", one per domain, as @@gtid_binlog_pos
// prints it) as a MariaDB replica does, with @slave_connect_state and
// @slave_gtid_strict_mode=1 before the dump, so that a GTID the binlog does
// not hold is an error rather than a silent start elsewhere. (Strict mode
// also refuses a binlog whose GTIDs run out of order within a domain, which
// a source without gtid_strict_mode can write: start such a source from a
// file/position.) GTID is used when the start position has a GTID and no
// file, or when prefer_gtid asks for it; otherwise the file/position, exact
// on the server that wrote it, is. Every event's position carries both the
// binlog file/offset and the GTID position (the start's, advanced by each
// MariaDB GTID_EVENT read), so a restart can use either. MySQL's GTIDs
// (uuid:n-m sets) cannot start a stream: mariadb_rpl sends COM_BINLOG_DUMP
// only, never MySQL's COM_BINLOG_DUMP_GTID, so OpenBinlogChangeStream
// refuses them (kUnsupported) and says to start from a file/position.
//
// The source needs log_bin, binlog_format=ROW and binlog_row_image=FULL
// (MINIMAL images come through as key-only before images and kUnchanged
// after values); the user needs REPLICATION SLAVE and SELECT on
// information_schema (the catalog gives column names and exact types, and
// says which tables exist). With binlog_row_metadata=FULL (MySQL 8,
// MariaDB 10.5+) the TABLE_MAP events carry the column names and types as
// of each row's write, which the decoder uses instead of the catalog, so
// rows written before an ALTER still decode after it; without it such rows
// are an error (binlog_decoder.h). The collation ids FULL metadata names
// are resolved with the source's information_schema.COLLATIONS, read once
// when the stream opens.
//
// Errors from Next(): a lost connection is kConnectionLost (open a new
// stream from the last stored position); a binlog file the server no
// longer has (error 1236: purged, or expired by binlog_expire_logs_seconds)
// is kServerConfig, and so is a GTID start position the binlog does not
// hold (another server's or domain's GTID, a mistyped one, or one whose
// binlogs were purged); a statement-format data change is kServerConfig.
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
  // Where to start: a MysqlBinlogPos. With a file: at file/pos, and gtid
  // (the GTID position at that point, may be empty) is carried into the
  // events' positions and advanced by the GTIDs read. Without a file:
  // after the GTID position gtid (MariaDB).
  Position start;
  // Start after start.gtid even when start has a file: for a position
  // recorded on another server of the same replication topology (after a
  // failover file offsets differ between servers, GTIDs do not).
  bool prefer_gtid = false;
  // Tables whose rows are captured; null = every table of the endpoint's
  // database (of every database when the endpoint names none).
  std::function<bool(const TableRef&)> tables;
  std::chrono::milliseconds heartbeat{500};
  // The name the stream registers under (SHOW SLAVE HOSTS' Host column),
  // so that a DBA, and the clash check below, can tell whose stream an id
  // belongs to. Empty: the stream does not register.
  std::string report_host;
};

// Connects (one replication connection and one catalog session) and
// starts the binlog dump. kInvalidArgument for a start that is not a
// MysqlBinlogPos, has neither file nor GTID, has a malformed GTID, or
// prefer_gtid without a GTID, and for a zero server_id; kUnsupported for a
// GTID start on MySQL (or with a MySQL GTID set); connection failures as
// ConnectMysql classifies them. A purged start file or a GTID the binlog
// does not hold may be reported here or by the first Next().
// Before the dump, when the user may run SHOW SLAVE HOSTS, a replica of
// another name registered with the same server_id is kConflict naming it
// (connecting would disconnect it, and it would disconnect this stream).
Result<std::unique_ptr<ChangeStream>> OpenBinlogChangeStream(const Endpoint& endpoint,
                                                             const BinlogStreamOptions& options);

}  // namespace godwit::mysql
