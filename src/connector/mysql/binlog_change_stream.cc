#include "connector/mysql/binlog_change_stream.h"

#include <errmsg.h>
#include <mysql.h>
#include <mysqld_error.h>
#include <mariadb_rpl.h>

#include <cstdlib>
#include <deque>
#include <memory>
#include <unordered_map>
#include <vector>

#include "connector/engines.h"
#include "connector/mysql/binlog_decoder.h"
#include "connector/mysql/local_infile.h"
#include "model/row_collector.h"

namespace godwit::mysql {
namespace {

using Clock = std::chrono::steady_clock;

constexpr unsigned kErrBinlogRead = 1236;  // ER_MASTER_FATAL_ERROR_READING_BINLOG

bool IsLost(unsigned err) {
  return err == CR_SERVER_GONE_ERROR || err == CR_SERVER_LOST || err == 2055 || err == ER_SERVER_SHUTDOWN ||
         err == ER_CONNECTION_KILLED || err == CR_CONNECTION_ERROR || err == CR_CONN_HOST_ERROR;
}

std::string Str(const MARIADB_STRING& s) { return s.str ? std::string(s.str, s.length) : std::string(); }

// Where an event starts in its binlog file: its header's next position
// minus its length as stored (checksum included); 0 when unknown.
uint64_t EventStart(const MARIADB_RPL_EVENT& ev) {
  if (!ev.raw_data || ev.raw_data_size < ev.raw_data_ofs + 13) return 0;
  const unsigned char* header = ev.raw_data + ev.raw_data_ofs;
  const uint32_t length = header[9] | header[10] << 8 | header[11] << 16 | static_cast<uint32_t>(header[12]) << 24;
  return ev.next_event_pos >= length ? ev.next_event_pos - length : 0;
}

class BinlogChangeStream final : public ChangeStream {
 public:
  // by_gtid: start after start.gtid; else at start.file/pos.
  BinlogChangeStream(Endpoint endpoint, std::unique_ptr<Session> catalog, MysqlBinlogPos start, bool by_gtid,
                     BinlogDecoderOptions options, std::chrono::milliseconds heartbeat)
      : endpoint_(std::move(endpoint)),
        catalog_(std::move(catalog)),
        start_(start),
        by_gtid_(by_gtid),
        // By GTID the file is the server's choice (the dump opens with a
        // ROTATE naming it): until then the restart point is the GTID alone.
        decoder_(
            by_gtid ? MysqlBinlogPos{"", 0, start.gtid} : start, [this](const TableRef& ref) { return Lookup(ref); },
            std::move(options)),
        heartbeat_(heartbeat) {}

  ~BinlogChangeStream() override {
    if (event_) mariadb_free_rpl_event(event_);
    if (rpl_) mariadb_rpl_close(rpl_);
    if (m_) mysql_close(m_);
  }

  Status Open(uint32_t server_id, const std::string& report_host) {
    m_ = mysql_init(nullptr);
    if (!m_) return Status(ErrorCode::kInternal, "out of memory initialising the MySQL client");
    unsigned connect_timeout = 10;
    mysql_optionsv(m_, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
    // Heartbeats come every heartbeat_ when idle: silence much longer than
    // that is a dead connection.
    unsigned read_timeout = static_cast<unsigned>(std::max<int64_t>(30, heartbeat_.count() * 10 / 1000));
    mysql_optionsv(m_, MYSQL_OPT_READ_TIMEOUT, &read_timeout);
    mysql_optionsv(m_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
    // The library's default would accept a file request after a LOAD
    // statement; this connection sends none, and never sends a file.
    SetUpLocalInfile(m_, LocalInfile::kOff);
    if (!mysql_real_connect(m_, endpoint_.host.c_str(), endpoint_.user.c_str(), endpoint_.password.c_str(), nullptr,
                            endpoint_.port, nullptr, 0)) {
      unsigned err = mysql_errno(m_);
      return Status(err == ER_ACCESS_DENIED_ERROR ? ErrorCode::kAuthFailed : ErrorCode::kHostUnreachable,
                    "cannot open a replication connection to " + endpoint_.Redacted() + ": " + mysql_error(m_), {},
                    std::to_string(err));
    }
    const std::string heartbeat_ns = std::to_string(static_cast<int64_t>(heartbeat_.count()) * 1000000);
    std::vector<std::string> setup = {"SET @master_binlog_checksum = @@global.binlog_checksum",
                                      "SET @mariadb_slave_capability = 4",
                                      "SET @master_heartbeat_period = " + heartbeat_ns};
    if (by_gtid_) {
      if (!mariadb_connection(m_)) {
        return Status(ErrorCode::kUnsupported,
                      "capture cannot start from a GTID on " + endpoint_.Redacted() +
                          ": it is MySQL, whose GTID dump (COM_BINLOG_DUMP_GTID) MariaDB Connector/C does not send",
                      "Start from a binlog file and position (SHOW MASTER STATUS, or the position the project "
                      "recorded).");
      }
      // As a MariaDB replica connects with MASTER_USE_GTID: the server finds
      // the binlog holding the position and skips the groups up to it.
      // Strict mode makes a GTID the binlog does not hold an error instead
      // of a start at the next one. The GTID was validated: digits, '-', ','.
      setup.push_back("SET @slave_connect_state = '" + start_.gtid + "'");
      setup.push_back("SET @slave_gtid_strict_mode = 1");
      setup.push_back("SET @slave_gtid_ignore_duplicates = 0");
    }
    for (const std::string& sql : setup) {
      if (mysql_real_query(m_, sql.data(), sql.size()) != 0) return Error("setting up the replication connection");
    }
    rpl_ = mariadb_rpl_init(m_);
    if (!rpl_) return Error("initialising binlog replication");
    // By GTID the server ignores the file and offset (it starts at the
    // beginning of the file holding the GTID).
    const std::string file = by_gtid_ ? std::string() : start_.file;
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FILENAME, file.c_str(), file.size());
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_START, static_cast<unsigned long>(by_gtid_ ? 4 : start_.pos));
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_SERVER_ID, server_id);
    // With a host the library registers the stream (COM_REGISTER_SLAVE)
    // before the dump, so it is listed by SHOW SLAVE HOSTS under that name.
    if (!report_host.empty()) {
      mariadb_rpl_optionsv(rpl_, MARIADB_RPL_HOST, report_host.c_str(), report_host.size());
    }
    mariadb_rpl_optionsv(rpl_, MARIADB_RPL_FLAGS, 0u);
    if (mariadb_rpl_open(rpl_) != 0) return Error("starting the binlog dump");
    return Status::Ok();
  }

  Result<std::optional<ChangeEvent>> Next(std::chrono::milliseconds timeout) override {
    if (!failure_.ok()) return failure_;
    const auto deadline = Clock::now() + timeout;
    while (pending_.empty()) {
      MARIADB_RPL_EVENT* ev = mariadb_rpl_fetch(rpl_, event_);
      if (!ev) {
        event_ = nullptr;  // freed by the connector on error
        return Fail(Error("reading the binlog"));
      }
      event_ = ev;
      RETURN_IF_ERROR(Fail(Handle(*ev)));
      if (pending_.empty() && Clock::now() >= deadline) {  // a heartbeat at the latest
        return std::optional<ChangeEvent>();
      }
    }
    ChangeEvent out = std::move(pending_.front());
    pending_.pop_front();
    return std::optional<ChangeEvent>(std::move(out));
  }

  Status Confirm(const Position& position) override {
    // The binlog's retention is the server's (binlog_expire_logs_seconds):
    // nothing to tell it, but the position must be one of ours.
    if (!std::holds_alternative<MysqlBinlogPos>(position)) {
      return Status(
          ErrorCode::kInvalidArgument,
          "a MySQL change stream was given a position that is not a binlog position: " + PositionToString(position));
    }
    return failure_;
  }

 private:
  Result<TableSchema> Lookup(const TableRef& ref) {
    ASSIGN_OR_RETURN(Catalog cat, catalog_->ReadCatalog([&](const TableRef& t) { return t == ref; }));
    for (auto& t : cat.tables) {
      if (t.ref == ref) return std::move(t);
    }
    return Status(ErrorCode::kNotFound, "table " + ref.ToString() + " is not in the catalog");
  }

  // The optional metadata block of a TABLE_MAP: from the end of its null
  // bitmap to the end of the event (before the checksum), as the connector
  // leaves it in the raw event. The connector's own split of it
  // (table_map.column_names...) keeps one byte of DEFAULT_CHARSET's
  // collation and no length for SIGNEDNESS, so the block is parsed here
  // whole (table_map_metadata.h).
  std::string OptionalMetadata(const MARIADB_RPL_EVENT& ev) const {
    const auto& tm = ev.event.table_map;
    if (!ev.raw_data || !tm.null_indicator) return {};
    const unsigned char* begin = tm.null_indicator + (tm.column_count + 7) / 8;
    const unsigned char* end = ev.raw_data + ev.raw_data_size - (rpl_->use_checksum ? 4 : 0);
    if (begin < ev.raw_data || begin >= end) return {};
    return std::string(reinterpret_cast<const char*>(begin), static_cast<size_t>(end - begin));
  }

  Status Handle(const MARIADB_RPL_EVENT& ev) {
    std::vector<ChangeEvent> out;
    const uint64_t next = ev.next_event_pos;
    switch (ev.event_type) {
      case ROTATE_EVENT:
        decoder_.OnRotate(Str(ev.event.rotate.filename), ev.event.rotate.position);
        return Status::Ok();
      case GTID_EVENT: {
        std::string gtid = std::to_string(ev.event.gtid.domain_id) + "-" + std::to_string(ev.server_id) + "-" +
                           std::to_string(ev.event.gtid.sequence_nr);
        RETURN_IF_ERROR(decoder_.OnGtid(std::move(gtid), (ev.event.gtid.flags & FL_STANDALONE) != 0, ev.timestamp,
                                        EventStart(ev), out));
        break;
      }
      case QUERY_EVENT:
      case QUERY_COMPRESSED_EVENT:
        RETURN_IF_ERROR(
            decoder_.OnQuery(Str(ev.event.query.database), Str(ev.event.query.statement), ev.timestamp, next, out));
        break;
      case XID_EVENT: RETURN_IF_ERROR(decoder_.OnXid(ev.event.xid.transaction_nr, ev.timestamp, next, out)); break;
      case TABLE_MAP_EVENT: {
        const auto& tm = ev.event.table_map;
        BinlogTableMap map;
        map.table_id = tm.table_id;
        map.table = {Str(tm.database), Str(tm.table)};
        map.column_types = Str(tm.column_types);
        map.metadata = Str(tm.metadata);
        map.optional_metadata = OptionalMetadata(ev);
        RETURN_IF_ERROR(decoder_.OnTableMap(map));
        return Status::Ok();
      }
      case WRITE_ROWS_EVENT_V1:
      case UPDATE_ROWS_EVENT_V1:
      case DELETE_ROWS_EVENT_V1:
      case WRITE_ROWS_EVENT:
      case UPDATE_ROWS_EVENT:
      case DELETE_ROWS_EVENT:
      case WRITE_ROWS_COMPRESSED_EVENT_V1:
      case UPDATE_ROWS_COMPRESSED_EVENT_V1:
      case DELETE_ROWS_COMPRESSED_EVENT_V1: {
        const auto& r = ev.event.rows;
        BinlogRowsEvent rows;
        rows.kind = r.type == WRITE_ROWS    ? BinlogRowsEvent::Kind::kWrite
                    : r.type == UPDATE_ROWS ? BinlogRowsEvent::Kind::kUpdate
                                            : BinlogRowsEvent::Kind::kDelete;
        rows.table_id = r.table_id;
        rows.column_count = r.column_count;
        const size_t bitmap = (r.column_count + 7) / 8;
        rows.columns = std::string_view(reinterpret_cast<const char*>(r.column_bitmap), bitmap);
        rows.rows = std::string_view(static_cast<const char*>(r.row_data), r.row_data_size);
        if (rows.kind == BinlogRowsEvent::Kind::kUpdate) {
          if (r.column_update_bitmap) {
            rows.columns_after = std::string_view(reinterpret_cast<const char*>(r.column_update_bitmap), bitmap);
          } else {
            // MySQL's v2 UPDATE: the connector leaves the after-image
            // bitmap at the head of the row data.
            if (rows.rows.size() < bitmap) return Status(ErrorCode::kReadFailed, "short binlog UPDATE_ROWS event");
            rows.columns_after = rows.rows.substr(0, bitmap);
            rows.rows.remove_prefix(bitmap);
          }
        }
        RETURN_IF_ERROR(decoder_.OnRows(rows, ev.timestamp, out));
        break;
      }
      case WRITE_ROWS_COMPRESSED_EVENT:
      case UPDATE_ROWS_COMPRESSED_EVENT:
      case DELETE_ROWS_COMPRESSED_EVENT:
        return Status(ErrorCode::kUnsupported,
                      "the binlog holds compressed v2 row events, which MariaDB Connector/C does not decode",
                      "Set log_bin_compress=OFF on the source (MariaDB's compressed v1 events are supported).");
      case PARTIAL_UPDATE_ROWS_EVENT:
        // Only the changed paths of JSON values: the rest of the row is not
        // in the binlog, and skipping the event would lose the update.
        return Status(ErrorCode::kUnsupported,
                      "the binlog holds partial JSON updates (binlog_row_value_options=PARTIAL_JSON), which carry "
                      "only the changed part of a JSON value",
                      "SET GLOBAL binlog_row_value_options='' on the source (and in the sessions that set it), then "
                      "re-create the project to copy the tables again.");
      case HEARTBEAT_LOG_EVENT:
      case FORMAT_DESCRIPTION_EVENT: return Status::Ok();
      default:
        if (!(ev.flags & LOG_EVENT_ARTIFICIAL_F)) decoder_.OnOther(next);
        return Status::Ok();
    }
    for (auto& e : out) pending_.push_back(std::move(e));
    return Status::Ok();
  }

  // The connection's current error, classified.
  Status Error(const std::string& what) {
    unsigned err = mysql_errno(m_);
    std::string msg = mysql_error(m_);
    if (err == 0 && rpl_ && mariadb_rpl_errno(rpl_) != 0) {
      err = mariadb_rpl_errno(rpl_);
      msg = mariadb_rpl_error(rpl_);
    }
    const MysqlBinlogPos& need = decoder_.restart();
    if (err == kErrBinlogRead && by_gtid_) {
      // The server words the cases (a GTID it never logged, a hole in strict
      // mode, purged binlogs) in its message; the code is 1236 for all.
      return Status(ErrorCode::kServerConfig,
                    "capture cannot read the binlog of " + endpoint_.Redacted() + " after GTID position " + need.gtid +
                        ": the server's binlogs do not hold it (server: " + msg + ")",
                    "Compare the GTID with SELECT @@gtid_binlog_pos, @@gtid_binlog_state on the source: a GTID of "
                    "another server or domain, or a mistyped one, is not in its binlogs, so start from a binlog file "
                    "and position instead. If the binlogs after it were purged, the changes since are lost to "
                    "capture: re-create the project to copy the tables again.",
                    std::to_string(err));
    }
    if (err == kErrBinlogRead) {
      return Status(ErrorCode::kServerConfig,
                    "the binlog change capture needs (" + need.file + " from position " + std::to_string(need.pos) +
                        ") is no longer on " + endpoint_.Redacted() +
                        ": it was purged (PURGE BINARY LOGS or "
                        "binlog_expire_logs_seconds), so the changes since are lost to capture (server: " +
                        msg + ")",
                    "Re-create the project (or clone it) to copy the tables again; keep binlogs longer on the source "
                    "(binlog_expire_logs_seconds) than capture can fall behind, and do not purge binlogs a project "
                    "still needs.",
                    std::to_string(err));
    }
    if (err == 0 || IsLost(err)) {
      return Status(ErrorCode::kConnectionLost,
                    "connection to " + endpoint_.Redacted() + " lost while " + what + (msg.empty() ? "" : ": " + msg),
                    "The server closed the connection or the network failed; open a new stream from the last stored "
                    "position.",
                    std::to_string(err));
    }
    if (err == 4052) {  // ER_SLAVE_SAME_ID
      return Status(
          ErrorCode::kConflict,
          "another replica or capture stream connected to " + endpoint_.Redacted() + " with the same server_id: " + msg,
          "Give every capture stream and replica of the source its own server_id.", std::to_string(err));
    }
    if (err == ER_ACCESS_DENIED_ERROR || err == ER_SPECIFIC_ACCESS_DENIED_ERROR || err == 1227) {
      return Status(ErrorCode::kPermissionDenied, what + " on " + endpoint_.Redacted() + ": " + msg,
                    "Grant the user REPLICATION SLAVE (and REPLICATION CLIENT) on the source.", std::to_string(err));
    }
    return Status(ErrorCode::kReadFailed, what + " on " + endpoint_.Redacted() + ": " + msg, {}, std::to_string(err));
  }

  Status Fail(Status st) {
    if (!st.ok() && failure_.ok()) failure_ = st;
    return st;
  }

  Endpoint endpoint_;
  std::unique_ptr<Session> catalog_;
  MysqlBinlogPos start_;
  bool by_gtid_;
  BinlogDecoder decoder_;
  std::chrono::milliseconds heartbeat_;
  MYSQL* m_ = nullptr;
  MARIADB_RPL* rpl_ = nullptr;
  MARIADB_RPL_EVENT* event_ = nullptr;  // reused by every fetch
  std::deque<ChangeEvent> pending_;     // the events of one binlog event (a rows event holds many rows)
  Status failure_;
};

class Rows : public BatchConsumer {
 public:
  Status Consume(RowBatch& b) override {
    for (size_t r = 0; r < b.rows(); ++r) {
      std::vector<std::string> row;
      for (const Value& v : b.row(r)) row.emplace_back(v.is_null() ? std::string_view() : v.bytes());
      rows.push_back(std::move(row));
    }
    return Status::Ok();
  }
  std::vector<std::vector<std::string>> rows;
};

// What the decoder needs to read FULL row metadata (table_map_metadata.h):
// whether the server is MariaDB, and the charset of each collation id.
Status ReadServerCharsets(Session& catalog, BinlogDecoderOptions& dopts) {
  const ColumnType text{TypeKind::kText};
  const ColumnType id_text[] = {text, text};
  Rows version;
  RETURN_IF_ERROR(catalog.Query("SELECT VERSION()", std::span(id_text, 1), version, {}));
  dopts.mariadb = !version.rows.empty() && version.rows[0][0].find("MariaDB") != std::string::npos;
  Rows ids;
  RETURN_IF_ERROR(catalog.Query("SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATIONS WHERE ID IS NOT NULL",
                                id_text, ids, {}));
  if (dopts.mariadb) {
    // MariaDB 10.10+ lists its UCA 14.0.0 collations once for every
    // charset they apply to here, not in COLLATIONS.
    Rows more;
    if (catalog
            .Query("SELECT ID, CHARACTER_SET_NAME FROM information_schema.COLLATION_CHARACTER_SET_APPLICABILITY "
                   "WHERE ID IS NOT NULL",
                   id_text, more, {})
            .ok()) {
      for (auto& r : more.rows) ids.rows.push_back(std::move(r));
    }
  }
  auto charsets = std::make_shared<std::unordered_map<uint32_t, std::string>>();
  for (const auto& r : ids.rows) {
    (*charsets)[static_cast<uint32_t>(std::strtoul(r[0].c_str(), nullptr, 10))] = r[1];
  }
  dopts.charset_of = [charsets](uint32_t id) {
    auto it = charsets->find(id);
    return it == charsets->end() ? std::string() : it->second;
  };
  return Status::Ok();
}

}  // namespace

namespace {

// SHOW SLAVE HOSTS lists the replicas registered with the server. One of
// another name with `server_id` would be disconnected by this stream's
// dump, and would disconnect it in turn: refuse, naming it. A user without
// the privilege to list replicas skips the check (the server still reports
// a clash once both are connected: kConflict from Next()).
Status CheckReplicaIdFree(Session& catalog, const Endpoint& endpoint, uint32_t server_id,
                          const std::string& report_host) {
  // MariaDB lists four columns (Server_id, Host, Port, Master_id), MySQL 8
  // five (and Replica_UUID).
  std::vector<TextRow> rows;
  for (size_t columns : {4, 5}) {
    auto listed = QueryTextRows(catalog, "SHOW SLAVE HOSTS", columns);
    if (listed.ok()) {
      rows = std::move(*listed);
      break;
    }
    if (columns == 5) return Status::Ok();
  }
  for (const auto& r : rows) {
    if (r[0].value_or("") != std::to_string(server_id)) continue;
    const std::string host = r[1].value_or("");
    if (!report_host.empty() && host == report_host) continue;  // this stream's own earlier connection
    return Status(ErrorCode::kConflict,
                  "replica server_id " + std::to_string(server_id) + " is already taken on " + endpoint.Redacted() +
                      " by " + (host.empty() ? std::string("a replica that reports no host") : "\"" + host + "\"") +
                      " (SHOW SLAVE HOSTS): two streams with one id disconnect each other",
                  "Give this capture another replica server_id (the project's replica_server_id parameter, or "
                  "godwit migrate --server-id), or stop the other replica.");
  }
  return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<ChangeStream>> OpenBinlogChangeStream(const Endpoint& endpoint,
                                                             const BinlogStreamOptions& options) {
  const auto* start = std::get_if<MysqlBinlogPos>(&options.start);
  if (start == nullptr || (start->file.empty() && start->gtid.empty())) {
    return Status(ErrorCode::kInvalidArgument,
                  "MySQL change capture needs a binlog file and position, or a MariaDB GTID position, to start "
                  "from, not " +
                      PositionToString(options.start));
  }
  if (options.prefer_gtid && start->gtid.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "capture was asked to start by GTID from a position without one: " + PositionToString(options.start),
                  "Give the GTID position to start after (SELECT @@gtid_binlog_pos on the source), or start from "
                  "the file and position.");
  }
  const bool by_gtid = !start->gtid.empty() && (start->file.empty() || options.prefer_gtid);
  if (by_gtid && !IsMariadbGtidPosition(start->gtid)) {
    if (start->gtid.find(':') != std::string::npos) {  // uuid:1-5, MySQL's GTID set
      return Status(ErrorCode::kUnsupported,
                    "capture cannot start from MySQL GTID set '" + start->gtid +
                        "': MariaDB Connector/C does not send MySQL's GTID dump (COM_BINLOG_DUMP_GTID)",
                    "Start from a binlog file and position (SHOW MASTER STATUS on the source, or the position the "
                    "project recorded).");
    }
    return Status(ErrorCode::kInvalidArgument, "'" + start->gtid + "' is not a MariaDB GTID position",
                  "A GTID position is domain-server-sequence, one per replication domain separated by commas, as "
                  "SELECT @@gtid_binlog_pos prints it (for example 0-1-42,1-2-7).");
  }
  if (options.server_id == 0) {
    return Status(ErrorCode::kInvalidArgument, "MySQL change capture needs a non-zero replica server_id");
  }
  BinlogDecoderOptions dopts;
  dopts.tables = options.tables;
  if (!dopts.tables && !endpoint.database.empty()) {
    dopts.tables = [db = endpoint.database](const TableRef& t) { return t.schema == db; };
  }
  for (const auto& [k, v] : endpoint.options) {
    if (k == "zero_date") dopts.zero_date_null = v == "null";
  }
  ASSIGN_OR_RETURN(auto catalog, ConnectMysql(endpoint));
  RETURN_IF_ERROR(CheckReplicaIdFree(*catalog, endpoint, options.server_id, options.report_host));
  RETURN_IF_ERROR(ReadServerCharsets(*catalog, dopts));
  auto stream = std::make_unique<BinlogChangeStream>(endpoint, std::move(catalog), *start, by_gtid, std::move(dopts),
                                                     options.heartbeat);
  RETURN_IF_ERROR(stream->Open(options.server_id, options.report_host));
  return std::unique_ptr<ChangeStream>(std::move(stream));
}

}  // namespace godwit::mysql
