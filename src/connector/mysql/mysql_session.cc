// The MySQL/MariaDB connector over MariaDB Connector/C.
//
// Reads stream with mysql_use_result (bounded memory whatever the result
// size); bulk loads go through LOAD DATA LOCAL INFILE fed from memory by a
// local-infile handler, with multi-row INSERT as the fallback when the
// server refuses local infile. No connection ever sends the server a local
// file (local_infile.h says how). Sessions run in UTC so TIMESTAMP values
// read and write as the canonical UTC text.
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>

#include <algorithm>
#include <cstring>
#include <map>
#include <mutex>
#include <set>

#include "common/text.h"
#include "connector/engines.h"
#include "connector/mysql/local_infile.h"
#include "connector/mysql/mysql_types.h"
#include "schema/dialects.h"
#include "schema/literal_text.h"
#include "schema/source_statement.h"
#include "schema/sql_lexer.h"

namespace godwit {
namespace {

using mysql::AppendLoadDataEscaped;

ErrorCode Classify(unsigned err, ErrorCode otherwise) {
  switch (err) {
    case CR_CONNECTION_ERROR:  // 2002
    case CR_CONN_HOST_ERROR:   // 2003
    case CR_UNKNOWN_HOST:      // 2005
      return ErrorCode::kHostUnreachable;
    case ER_ACCESS_DENIED_ERROR:  // 1045
      return ErrorCode::kAuthFailed;
    case ER_BAD_DB_ERROR:  // 1049
      return ErrorCode::kUnknownDatabase;
    case ER_DBACCESS_DENIED_ERROR:  // 1044
    case ER_TABLEACCESS_DENIED_ERROR:
    case ER_COLUMNACCESS_DENIED_ERROR:
    case ER_SPECIFIC_ACCESS_DENIED_ERROR:
    case ER_PROCACCESS_DENIED_ERROR: return ErrorCode::kPermissionDenied;
    case CR_SERVER_GONE_ERROR:  // 2006
    case CR_SERVER_LOST:        // 2013
    case 2055:                  // CR_SERVER_LOST_EXTENDED
    case ER_SERVER_SHUTDOWN:    // 1053
    case ER_CONNECTION_KILLED:  // 1927
    case ER_LOCK_DEADLOCK:      // 1213: the transaction was rolled back; retrying is the cure
      return ErrorCode::kConnectionLost;
    case ER_NO_SUCH_TABLE:  // 1146
      return ErrorCode::kNotFound;
    default: return otherwise;
  }
}

std::string ErrorHint(ErrorCode code) {
  switch (code) {
    case ErrorCode::kAuthFailed:
      return "Check the user and password; MySQL also matches the client host ('user'@'host').";
    case ErrorCode::kPermissionDenied:
      return "Grant the migration user the privilege the message names (SELECT, RELOAD, REPLICATION CLIENT, ...).";
    default: return {};
  }
}

Status MysqlError(MYSQL* m, ErrorCode otherwise, const std::string& what) {
  unsigned err = mysql_errno(m);
  ErrorCode code = Classify(err, otherwise);
  return Status(code, what + ": " + mysql_error(m), ErrorHint(code), std::to_string(err));
}

std::string Quote(std::string_view name) { return MysqlDialect().QuoteIdent(name); }

struct ResultDeleter {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using ResultPtr = std::unique_ptr<MYSQL_RES, ResultDeleter>;

class MysqlConn {
 public:
  explicit MysqlConn(MYSQL* m) : m_(m) {}
  ~MysqlConn() {
    if (m_) mysql_close(m_);
  }
  MYSQL* get() const { return m_; }

 private:
  MYSQL* m_;
};

// `local_infile`: kAnnounced for sessions (any of them may bulk load),
// kOff for connections that never do.
Result<std::unique_ptr<MysqlConn>> OpenConnection(const Endpoint& ep, mysql::LocalInfile local_infile) {
  static std::once_flag init;
  std::call_once(init, [] { mysql_library_init(0, nullptr, nullptr); });
  MYSQL* m = mysql_init(nullptr);
  if (!m) return Status(ErrorCode::kInternal, "out of memory initialising the MySQL client");
  auto conn = std::make_unique<MysqlConn>(m);
  unsigned timeout = 10;
  mysql_optionsv(m, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  unsigned rw_timeout = 3600;
  mysql_optionsv(m, MYSQL_OPT_READ_TIMEOUT, &rw_timeout);
  mysql_optionsv(m, MYSQL_OPT_WRITE_TIMEOUT, &rw_timeout);
  mysql::SetUpLocalInfile(m, local_infile);
  mysql_optionsv(m, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  if (!mysql_real_connect(m, ep.host.c_str(), ep.user.c_str(), ep.password.c_str(),
                          ep.database.empty() ? nullptr : ep.database.c_str(), ep.port, nullptr, 0)) {
    Status st = MysqlError(m, ErrorCode::kHostUnreachable,
                           "cannot connect to MySQL at " + ep.host + ":" + std::to_string(ep.port));
    return st;
  }
  mysql::RefuseFileRequests(m);
  for (const char* sql : {"SET NAMES utf8mb4", "SET time_zone = '+00:00'",
                          "SET SESSION sql_mode = "
                          "'STRICT_ALL_TABLES,NO_AUTO_VALUE_ON_ZERO,NO_ENGINE_SUBSTITUTION,ERROR_FOR_DIVISION_BY_ZERO'",
                          "SET SESSION foreign_key_checks = 0", "SET SESSION net_read_timeout = 3600",
                          "SET SESSION net_write_timeout = 3600"}) {
    if (mysql_query(m, sql) != 0)
      return MysqlError(m, ErrorCode::kServerConfig, std::string("setting up the session (") + sql + ")");
  }
  return conn;
}

// Runs a catalog query and returns all rows as optional strings.
using Rows = std::vector<std::vector<std::optional<std::string>>>;
Result<Rows> Fetch(MYSQL* m, const std::string& sql) {
  if (mysql_real_query(m, sql.data(), sql.size()) != 0)
    return MysqlError(m, ErrorCode::kReadFailed, "reading the catalog");
  ResultPtr res(mysql_store_result(m));
  if (!res) {
    if (mysql_errno(m)) return MysqlError(m, ErrorCode::kReadFailed, "reading the catalog");
    return Rows{};
  }
  Rows out;
  unsigned n = mysql_num_fields(res.get());
  while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
    unsigned long* len = mysql_fetch_lengths(res.get());
    std::vector<std::optional<std::string>> r;
    for (unsigned i = 0; i < n; ++i)
      r.push_back(row[i] ? std::optional<std::string>(std::string(row[i], len[i])) : std::nullopt);
    out.push_back(std::move(r));
  }
  return out;
}

std::string Escape(MYSQL* m, std::string_view s) {
  std::string out(s.size() * 2 + 1, '\0');
  unsigned long n = mysql_real_escape_string(m, out.data(), s.data(), s.size());
  out.resize(n);
  return out;
}

class MysqlLease : public SnapshotLease {
 public:
  MysqlLease(std::unique_ptr<MysqlConn> conn, bool locked, Position pos)
      : conn_(std::move(conn)), locked_(locked), position_(std::move(pos)) {}
  const Position& position() const override { return position_; }
  const std::string& token() const override { return token_; }
  Status Release() override {
    if (locked_ && conn_) {
      locked_ = false;
      if (mysql_query(conn_->get(), "UNLOCK TABLES") != 0) {
        return MysqlError(conn_->get(), ErrorCode::kReadFailed, "releasing the snapshot lock");
      }
    }
    conn_.reset();
    return Status();
  }

 private:
  std::unique_ptr<MysqlConn> conn_;
  bool locked_;
  Position position_;
  std::string token_;
};

// Feeds LOAD DATA LOCAL INFILE from a BatchSource, one batch at a time.
class InfileFeeder : public mysql::InfileStream {
 public:
  explicit InfileFeeder(BatchSource& source) : source_(source) {}

  bool started() const { return started_; }
  const Status& status() const { return status_; }

  int Read(char* buf, unsigned int len) override {
    started_ = true;
    while (pos_ >= text_.size()) {
      if (done_) return 0;
      auto more = source_.Next(batch_);
      if (!more.ok()) {
        status_ = more.status();
        return -1;
      }
      if (!*more) {
        done_ = true;
        return 0;
      }
      Encode();
    }
    size_t n = std::min<size_t>(len, text_.size() - pos_);
    std::memcpy(buf, text_.data() + pos_, n);
    pos_ += n;
    return static_cast<int>(n);
  }

 private:
  void Encode() {
    text_.clear();
    pos_ = 0;
    const size_t cols = batch_.columns();
    for (size_t r = 0; r < batch_.rows(); ++r) {
      auto row = batch_.row(r);
      for (size_t c = 0; c < cols; ++c) {
        if (c) text_.push_back('\t');
        if (row[c].is_null()) {
          text_.append("\\N", 2);
        } else {
          AppendLoadDataEscaped(row[c].bytes(), text_);
        }
      }
      text_.push_back('\n');
    }
  }

  BatchSource& source_;
  RowBatch batch_;
  std::string text_;
  size_t pos_ = 0;
  bool done_ = false;
  bool started_ = false;
  Status status_;
};

class MysqlSession : public Session {
 public:
  MysqlSession(std::unique_ptr<MysqlConn> conn, Endpoint ep) : conn_(std::move(conn)), ep_(std::move(ep)) {
    auto it = ep_.options.find("zero_date");
    zero_date_null_ = it != ep_.options.end() && it->second == "null";
  }

  Engine engine() const override { return Engine::kMysql; }
  std::string default_schema() const override { return ep_.database; }

  Status Execute(std::string_view sql) override {
    if (mysql_real_query(m(), sql.data(), sql.size()) != 0)
      return MysqlError(m(), ErrorCode::kDdlFailed, "MySQL refused the statement");
    // A statement that returns rows (rare here) must have them consumed.
    ResultPtr res(mysql_store_result(m()));
    return Status();
  }

  Status Query(std::string_view sql, std::span<const ColumnType> types, BatchConsumer& consumer,
               const BatchLimits& limits) override;
  Status BulkLoad(const TableSchema& table, std::span<const std::string> pre_sql, BatchSource& source) override;
  Result<Catalog> ReadCatalog(const ObjectFilter& filter) override;
  Result<std::vector<SchemaObject>> ReadObjects(const std::vector<std::string>& schemas) override;

  Result<std::unique_ptr<SnapshotLease>> ExportSnapshot(const SnapshotOptions& options) override {
    if (!options.replication_slot.empty()) {
      return Status(ErrorCode::kInvalidArgument, "replication slots are a PostgreSQL feature",
                    "Remove the replication slot option for a MySQL source.");
    }
    ASSIGN_OR_RETURN(auto conn, OpenConnection(ep_, mysql::LocalInfile::kOff));
    bool locked = mysql_query(conn->get(), "FLUSH TABLES WITH READ LOCK") == 0;
    // Without RELOAD privilege there is no global lock: the position below
    // is then taken before any reader's snapshot starts, so it is at or
    // before every chunk's view, and change replay from it (idempotent)
    // brings the destination to the source's state all the same.
    Position pos = NoPosition{};
    ASSIGN_OR_RETURN(Rows status, Fetch(conn->get(), "SHOW MASTER STATUS"));
    if (!status.empty() && status[0].size() >= 2 && status[0][0] && status[0][1]) {
      MysqlBinlogPos p;
      p.file = *status[0][0];
      p.pos = std::strtoull(status[0][1]->c_str(), nullptr, 10);
      auto gtid = Fetch(conn->get(), "SELECT @@gtid_binlog_pos");
      if (gtid.ok() && !gtid->empty() && (*gtid)[0][0]) p.gtid = *(*gtid)[0][0];
      pos = p;
    }
    return std::unique_ptr<SnapshotLease>(new MysqlLease(std::move(conn), locked, pos));
  }

  Status JoinSnapshot(const SnapshotLease&) override {
    RETURN_IF_ERROR(Run("SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ", "joining the snapshot"));
    return Run("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY", "joining the snapshot");
  }
  Status EndSnapshot() override { return Run("COMMIT", "ending the snapshot"); }

  // READ COMMITTED keeps InnoDB's gap locks (taken by deletes of absent
  // keys) from making sessions that write disjoint rows wait on each
  // other. Statement-based binary logging refuses it, so it stays as
  // configured there.
  Status PrepareConcurrentWrites() override {
    ASSIGN_OR_RETURN(Rows format, Fetch(m(), "SELECT @@binlog_format"));
    if (!format.empty() && !format[0].empty() && format[0][0] == "STATEMENT") return Status();
    return Execute("SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED");
  }

  Result<std::string> TableIdentity(const TableRef& table) override {
    // MariaDB has no server UUID and InnoDB's table id changes with a
    // rebuild too: the creation time is the one mark of a re-created table.
    const std::string& schema = table.schema.empty() ? ep_.database : table.schema;
    ASSIGN_OR_RETURN(Rows rows, Fetch(m(),
                                      "SELECT COALESCE(CAST(CREATE_TIME AS CHAR), '') FROM "
                                      "information_schema.TABLES WHERE TABLE_SCHEMA = '" +
                                          Escape(m(), schema) + "' AND TABLE_NAME = '" + Escape(m(), table.name) +
                                          "' AND TABLE_TYPE = 'BASE TABLE'"));
    if (rows.empty()) return std::string();
    return "mysql created " + rows[0][0].value_or("");
  }

 private:
  MYSQL* m() const { return conn_->get(); }
  Status Run(const std::string& sql, const std::string& what, ErrorCode otherwise = ErrorCode::kReadFailed) {
    if (mysql_real_query(m(), sql.data(), sql.size()) != 0) return MysqlError(m(), otherwise, what);
    ResultPtr res(mysql_store_result(m()));
    return Status();
  }
  Status LoadData(const TableSchema& table, BatchSource& source, bool& refused);
  Status InsertRows(const TableSchema& table, BatchSource& source);
  Status WarningsAsError(const std::string& table);

  std::unique_ptr<MysqlConn> conn_;
  Endpoint ep_;
  bool zero_date_null_ = false;
  bool local_infile_refused_ = false;
};

Status MysqlSession::Query(std::string_view sql, std::span<const ColumnType> types, BatchConsumer& consumer,
                           const BatchLimits& limits) {
  if (mysql_real_query(m(), sql.data(), sql.size()) != 0)
    return MysqlError(m(), ErrorCode::kReadFailed, "reading rows");
  ResultPtr res(mysql_use_result(m()));
  if (!res) return MysqlError(m(), ErrorCode::kReadFailed, "reading rows");
  const unsigned n = mysql_num_fields(res.get());
  if (n != types.size()) {
    return Status(ErrorCode::kInternal,
                  "query returns " + std::to_string(n) + " columns, expected " + std::to_string(types.size()));
  }
  enum class Conv : uint8_t { kPass, kBit, kDate };
  std::vector<Conv> plan;
  for (const auto& t : types) {
    plan.push_back(t.kind == TypeKind::kBit ? Conv::kBit
                   : (t.kind == TypeKind::kDate || t.kind == TypeKind::kDateTime || t.kind == TypeKind::kTimestampTz)
                       ? Conv::kDate
                       : Conv::kPass);
  }
  RowBatch batch(n);
  std::string scratch;
  while (MYSQL_ROW row = mysql_fetch_row(res.get())) {
    unsigned long* len = mysql_fetch_lengths(res.get());
    for (unsigned i = 0; i < n; ++i) {
      if (row[i] == nullptr) {
        batch.AddNull();
        continue;
      }
      std::string_view v(row[i], len[i]);
      switch (plan[i]) {
        case Conv::kPass: batch.Add(v); break;
        case Conv::kBit:
          mysql::BitsToText(v, types[i].length, scratch);
          batch.Add(scratch);
          break;
        case Conv::kDate:
          if (mysql::IsZeroDate(v)) {
            if (zero_date_null_) {
              batch.AddNull();
              break;
            }
            return Status(ErrorCode::kDataError,
                          "zero date '" + std::string(v) + "' in column " + std::to_string(i + 1) +
                              " of the row whose first value is '" +
                              (row[0] ? std::string(row[0], std::min<unsigned long>(len[0], 64)) : "NULL") +
                              "': no other engine can hold it",
                          "Fix the row on the source, or map zero dates to NULL explicitly (--zero-date null, or "
                          "zero_date: null in the project file).");
          }
          batch.Add(v);
          break;
      }
    }
    if (batch.rows() >= limits.max_rows || batch.payload_bytes() >= limits.max_bytes) {
      RETURN_IF_ERROR(consumer.Consume(batch));
      batch.Clear(n);
    }
  }
  if (mysql_errno(m()) != 0) return MysqlError(m(), ErrorCode::kReadFailed, "reading rows");
  if (!batch.empty()) RETURN_IF_ERROR(consumer.Consume(batch));
  return Status();
}

Status MysqlSession::WarningsAsError(const std::string& table) {
  if (mysql_warning_count(m()) == 0) return Status();
  std::string detail;
  auto rows = Fetch(m(), "SHOW WARNINGS LIMIT 3");
  std::string code;
  if (rows.ok()) {
    for (auto& r : *rows) {
      if (r.size() >= 3) {
        detail += (detail.empty() ? "" : "; ") + r[2].value_or("");
        if (code.empty()) code = r[1].value_or("");
      }
    }
  }
  // A warning means MySQL altered a value (truncated, rounded, replaced):
  // the copy would not be faithful, so the chunk fails.
  return Status(ErrorCode::kWriteFailed, "MySQL altered values while loading " + table + ": " + detail,
                "Check the destination column types against the source values named here.", code);
}

Status MysqlSession::LoadData(const TableSchema& table, BatchSource& source, bool& refused) {
  std::string sql = "LOAD DATA LOCAL INFILE '" + std::string(mysql::kInfileStreamName) + "' INTO TABLE " +
                    MysqlDialect().QualifiedName(table.ref) +
                    " CHARACTER SET binary FIELDS TERMINATED BY '\\t' ESCAPED BY '\\\\' LINES TERMINATED BY '\\n' (";
  std::string sets;
  for (size_t i = 0; i < table.columns.size(); ++i) {
    const Column& c = table.columns[i];
    if (i) sql += ", ";
    if (c.type.kind == TypeKind::kBit || c.type.kind == TypeKind::kUuid) {
      // LOAD DATA cannot parse '0101' into BIT, and with the binary file
      // charset MariaDB's UUID takes the text as 16 raw bytes: both go
      // through a variable.
      std::string var = "@godwit_v" + std::to_string(i);
      sql += var;
      sets += (sets.empty() ? " SET " : ", ") + Quote(c.name) + " = " +
              (c.type.kind == TypeKind::kBit ? "CAST(CONV(" + var + ", 2, 10) AS UNSIGNED)"
                                             : "CONVERT(" + var + " USING ascii)");
    } else {
      sql += Quote(c.name);
    }
  }
  sql += ")" + sets;
  InfileFeeder feeder(source);
  int rc;
  std::string refused_name;
  {
    // Only this statement's reply may ask for a file, and only for the
    // stream: anything else would be a server reading our disk.
    mysql::StreamGrant grant(m(), feeder);
    rc = mysql_real_query(m(), sql.data(), sql.size());
    refused_name = grant.refused_name();
  }
  if (rc != 0) {
    if (!refused_name.empty()) {
      return Status(ErrorCode::kWriteFailed,
                    "the MySQL server at " + ep_.host + ":" + std::to_string(ep_.port) +
                        " answered Godwit's LOAD DATA "
                        "for " +
                        table.ref.ToString() + " by asking for the local file '" + refused_name +
                        "' instead of the rows: refused, nothing was sent",
                    "A MySQL server never does this: check that the destination endpoint names the server you mean "
                    "and that nothing on the network path between Godwit and it rewrites its traffic.");
    }
    if (!feeder.status().ok()) return feeder.status();
    unsigned err = mysql_errno(m());
    if (!feeder.started() && (err == ER_NOT_ALLOWED_COMMAND || err == 3948 || err == 4166 || err == 2068)) {
      refused = true;
      return MysqlError(m(), ErrorCode::kWriteFailed, "local infile refused");
    }
    return MysqlError(m(), ErrorCode::kWriteFailed, "loading rows into " + table.ref.ToString());
  }
  return WarningsAsError(table.ref.ToString());
}

Status MysqlSession::InsertRows(const TableSchema& table, BatchSource& source) {
  std::string head = "INSERT INTO " + MysqlDialect().QualifiedName(table.ref) + " (";
  for (size_t i = 0; i < table.columns.size(); ++i) head += (i ? ", " : "") + Quote(table.columns[i].name);
  head += ") VALUES ";
  constexpr size_t kMaxStatement = 4 << 20;  // well under max_allowed_packet
  std::string sql = head;
  size_t rows_in_sql = 0;
  auto flush = [&]() -> Status {
    if (rows_in_sql == 0) return Status();
    if (mysql_real_query(m(), sql.data(), sql.size()) != 0) {
      return MysqlError(m(), ErrorCode::kWriteFailed, "inserting rows into " + table.ref.ToString());
    }
    RETURN_IF_ERROR(WarningsAsError(table.ref.ToString()));
    sql = head;
    rows_in_sql = 0;
    return Status();
  };
  RowBatch batch;
  std::string escaped;
  for (;;) {
    ASSIGN_OR_RETURN(bool more, source.Next(batch));
    if (!more) break;
    for (size_t r = 0; r < batch.rows(); ++r) {
      sql += rows_in_sql ? ",(" : "(";
      auto row = batch.row(r);
      for (size_t c = 0; c < row.size(); ++c) {
        if (c) sql += ',';
        const ColumnType& t = table.columns[c].type;
        if (row[c].is_null()) {
          sql += "NULL";
        } else if (t.IsBinary()) {
          sql += "X'";
          AppendHexUpper(row[c].bytes(), sql);
          sql += '\'';
        } else if (t.kind == TypeKind::kBit) {
          // Written bare between b'..': anything but 0s and 1s would end
          // the literal and be SQL.
          if (!IsBitText(row[c].bytes())) {
            return Status(ErrorCode::kDataError,
                          "value '" + std::string(row[c].bytes().substr(0, 64)) + "' of BIT column " +
                              table.columns[c].name + " of " + table.ref.ToString() + " is not made of 0s and 1s",
                          "Fix the value on the source (a BIT value is binary digits), or exclude the table.");
          }
          sql += "b'" + std::string(row[c].bytes()) + "'";
        } else {
          sql += '\'';
          sql += Escape(m(), row[c].bytes());
          sql += '\'';
        }
      }
      sql += ')';
      ++rows_in_sql;
      if (sql.size() >= kMaxStatement) RETURN_IF_ERROR(flush());
    }
  }
  return flush();
}

Status MysqlSession::BulkLoad(const TableSchema& table, std::span<const std::string> pre_sql, BatchSource& source) {
  RETURN_IF_ERROR(Run("START TRANSACTION", "starting the load", ErrorCode::kWriteFailed));
  auto fail = [&](Status st) {
    if (mysql_query(m(), "ROLLBACK") != 0) {
      // The connection is gone; the server rolls back on its own.
    }
    return st;
  };
  for (const std::string& sql : pre_sql) {
    if (mysql_real_query(m(), sql.data(), sql.size()) != 0) {
      return fail(MysqlError(m(), ErrorCode::kWriteFailed, "clearing the chunk's rows before copying it again"));
    }
  }
  Status st;
  bool refused = false;
  if (!local_infile_refused_) {
    st = LoadData(table, source, refused);
    if (refused) local_infile_refused_ = true;
  }
  if (local_infile_refused_ && (refused || st.ok())) {
    // The server forbids LOCAL INFILE (local_infile=OFF): nothing was read
    // from the source yet, so the same rows go in as INSERTs.
    st = InsertRows(table, source);
  }
  if (!st.ok()) return fail(st);
  if (mysql_query(m(), "COMMIT") != 0) return fail(MysqlError(m(), ErrorCode::kWriteFailed, "committing the load"));
  return Status();
}

Result<Catalog> MysqlSession::ReadCatalog(const ObjectFilter& filter) {
  std::string scope = ep_.database.empty() ? "NOT IN ('mysql','information_schema','performance_schema','sys')"
                                           : "= '" + Escape(m(), ep_.database) + "'";
  Catalog cat;
  std::map<std::pair<std::string, std::string>, size_t> index_of;
  ASSIGN_OR_RETURN(Rows tables,
                   Fetch(m(),
                         "SELECT TABLE_SCHEMA, TABLE_NAME, TABLE_TYPE, TABLE_ROWS, DATA_LENGTH, "
                         "TABLE_COMMENT, TABLE_COLLATION FROM information_schema.TABLES WHERE TABLE_SCHEMA " +
                             scope + " AND TABLE_TYPE IN ('BASE TABLE', 'VIEW') ORDER BY TABLE_SCHEMA, TABLE_NAME"));
  for (auto& r : tables) {
    TableRef ref{r[0].value_or(""), r[1].value_or("")};
    if (!filter(ref)) continue;
    if (r[2] == "VIEW") {
      cat.views.push_back({ref, "", ""});
      continue;
    }
    TableSchema t;
    t.ref = ref;
    t.estimated_rows = r[3] ? std::strtoll(r[3]->c_str(), nullptr, 10) : 0;
    t.estimated_bytes = r[4] ? std::strtoll(r[4]->c_str(), nullptr, 10) : 0;
    t.comment = r[5].value_or("");
    t.default_collation = r[6].value_or("");
    index_of[{ref.schema, ref.name}] = cat.tables.size();
    cat.tables.push_back(std::move(t));
  }
  auto table_of = [&](const std::optional<std::string>& s, const std::optional<std::string>& n) -> TableSchema* {
    auto it = index_of.find({s.value_or(""), n.value_or("")});
    return it == index_of.end() ? nullptr : &cat.tables[it->second];
  };

  ASSIGN_OR_RETURN(Rows cols, Fetch(m(),
                                    "SELECT TABLE_SCHEMA, TABLE_NAME, COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, "
                                    "IS_NULLABLE, COLUMN_DEFAULT, EXTRA, COLUMN_COMMENT, CHARACTER_SET_NAME, "
                                    "COLLATION_NAME FROM information_schema.COLUMNS WHERE TABLE_SCHEMA " +
                                        scope + " ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION"));
  for (auto& r : cols) {
    TableSchema* t = table_of(r[0], r[1]);
    if (!t) continue;
    std::string extra = r[7].value_or("");
    if (extra.find("GENERATED") != std::string::npos) continue;  // computed by the server, not copied
    Column c;
    c.name = r[2].value_or("");
    c.type = mysql::ParseColumnType(r[3].value_or(""), r[4].value_or(""));
    c.nullable = r[5] == "YES";
    mysql::ParseDefault(r[6] ? r[6]->c_str() : nullptr, c);
    c.auto_increment = extra.find("auto_increment") != std::string::npos;
    // "on update current_timestamp" (MariaDB: "...current_timestamp(6)").
    c.on_update_current_timestamp = extra.find("on update") != std::string::npos;
    c.comment = r[8].value_or("");
    // Always recorded: a utf8mb4_bin column created with the server's
    // default collation would equate 'a' and 'A' and fail its unique keys.
    c.type.charset = r[9].value_or("");
    c.type.collation = r[10].value_or("");
    t->columns.push_back(std::move(c));
  }

  ASSIGN_OR_RETURN(Rows idx, Fetch(m(),
                                   "SELECT TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, NON_UNIQUE, COLUMN_NAME, SUB_PART, "
                                   "INDEX_TYPE, COLLATION FROM information_schema.STATISTICS WHERE TABLE_SCHEMA " +
                                       scope + " ORDER BY TABLE_SCHEMA, TABLE_NAME, INDEX_NAME, SEQ_IN_INDEX"));
  for (auto& r : idx) {
    TableSchema* t = table_of(r[0], r[1]);
    if (!t) continue;
    std::string name = r[2].value_or("");
    IndexDef* d = nullptr;
    if (name == "PRIMARY") {
      if (!t->primary_key) t->primary_key = IndexDef{"PRIMARY", {}, true, true, ""};
      d = &*t->primary_key;
    } else {
      for (auto& e : t->indexes) {
        if (e.name == name) d = &e;
      }
      if (!d) {
        t->indexes.push_back(IndexDef{name, {}, r[3] == "0", false, ""});
        d = &t->indexes.back();
        std::string type = r[6].value_or("");
        if (type == "FULLTEXT") d->kind = IndexKind::kFulltext;
        if (type == "SPATIAL") d->kind = IndexKind::kSpatial;
      }
    }
    IndexColumn ic;
    ic.name = r[4].value_or("");
    ic.prefix_length = r[5] ? static_cast<uint32_t>(std::strtoul(r[5]->c_str(), nullptr, 10)) : 0;
    ic.descending = r[7] == "D";
    d->columns.push_back(ic);
  }

  ASSIGN_OR_RETURN(Rows fks, Fetch(m(),
                                   "SELECT k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, k.COLUMN_NAME, "
                                   "k.REFERENCED_TABLE_SCHEMA, k.REFERENCED_TABLE_NAME, k.REFERENCED_COLUMN_NAME, "
                                   "r.UPDATE_RULE, r.DELETE_RULE FROM information_schema.KEY_COLUMN_USAGE k JOIN "
                                   "information_schema.REFERENTIAL_CONSTRAINTS r ON r.CONSTRAINT_SCHEMA = "
                                   "k.CONSTRAINT_SCHEMA AND r.CONSTRAINT_NAME = k.CONSTRAINT_NAME AND r.TABLE_NAME = "
                                   "k.TABLE_NAME WHERE k.REFERENCED_TABLE_NAME IS NOT NULL AND k.TABLE_SCHEMA " +
                                       scope +
                                       " ORDER BY k.TABLE_SCHEMA, k.TABLE_NAME, k.CONSTRAINT_NAME, "
                                       "k.ORDINAL_POSITION"));
  for (auto& r : fks) {
    TableSchema* t = table_of(r[0], r[1]);
    if (!t) continue;
    std::string name = r[2].value_or("");
    ForeignKey* f = nullptr;
    for (auto& e : t->foreign_keys) {
      if (e.name == name) f = &e;
    }
    if (!f) {
      t->foreign_keys.push_back(ForeignKey{name, {}, {r[4].value_or(""), r[5].value_or("")}, {}, "", ""});
      f = &t->foreign_keys.back();
      f->on_update = r[7].value_or("");
      f->on_delete = r[8].value_or("");
      if (f->on_update == "RESTRICT" || f->on_update == "NO ACTION") f->on_update.clear();
      if (f->on_delete == "RESTRICT" || f->on_delete == "NO ACTION") f->on_delete.clear();
    }
    f->columns.push_back(r[3].value_or(""));
    f->ref_columns.push_back(r[6].value_or(""));
  }

  ASSIGN_OR_RETURN(Rows checks, Fetch(m(),
                                      "SELECT CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME, CHECK_CLAUSE, LEVEL "
                                      "FROM information_schema.CHECK_CONSTRAINTS WHERE CONSTRAINT_SCHEMA " +
                                          scope + " ORDER BY CONSTRAINT_SCHEMA, TABLE_NAME, CONSTRAINT_NAME"));
  for (auto& r : checks) {
    TableSchema* t = table_of(r[0], r[1]);
    if (!t) continue;
    std::string name = r[2].value_or(""), clause = r[3].value_or("");
    // MariaDB's JSON is LONGTEXT with an automatic json_valid() check.
    if (r[4] == "Column" && clause == "json_valid(" + Quote(name) + ")") {
      bool is_json = false;
      for (auto& c : t->columns) {
        if (c.name == name && c.type.kind == TypeKind::kText) {
          c.type.kind = TypeKind::kJson;
          c.type.length = 0;
          is_json = true;
        }
      }
      if (is_json) continue;
    }
    t->checks.push_back({r[4] == "Column" ? t->ref.name + "_" + name + "_check" : name, clause});
  }

  if (!cat.views.empty()) {
    ASSIGN_OR_RETURN(Rows views, Fetch(m(),
                                       "SELECT TABLE_SCHEMA, TABLE_NAME, VIEW_DEFINITION FROM "
                                       "information_schema.VIEWS WHERE TABLE_SCHEMA " +
                                           scope));
    for (auto& v : cat.views) {
      for (auto& r : views) {
        if (r[0] == v.ref.schema && r[1] == v.ref.name) v.definition = r[2].value_or("");
      }
    }
  }
  // Tables of a storage engine without columns visible to us are skipped.
  std::erase_if(cat.tables, [](const TableSchema& t) { return t.columns.empty(); });
  return cat;
}

// Routines, triggers and events as mysqldump --routines --triggers
// --events reads them: SHOW CREATE, without the DEFINER clause
// (WithoutDefiner says why), preceded by the sql_mode they were created
// under, which decides how their bodies read (SchemaObjects restores the
// session's own afterwards). A definition the server does not show the
// migration user (SHOW CREATE PROCEDURE needs the routine's owner or
// SELECT on mysql.proc) is an object Godwit cannot create, named so.
Result<std::vector<SchemaObject>> MysqlSession::ReadObjects(const std::vector<std::string>& schemas) {
  std::vector<SchemaObject> out;
  if (schemas.empty()) return out;
  std::string in;
  for (const std::string& s : schemas) in += (in.empty() ? "'" : ",'") + Escape(m(), s) + "'";
  auto add = [&](ObjectKind kind, const std::string& schema, const std::string& name, const std::string& show,
                 size_t sql_mode_column, size_t create_column) -> Result<SchemaObject*> {
    SchemaObject o;
    o.kind = kind;
    o.ref = TableRef{schema, name};
    o.identity = name;
    ASSIGN_OR_RETURN(Rows rows, Fetch(m(), "SHOW CREATE " + show + " " + Quote(schema) + "." + Quote(name)));
    if (rows.empty() || rows[0].size() <= create_column || !rows[0][create_column]) {
      o.unsupported_reason = "not shown to the migration user (grant it SELECT on mysql.proc, or migrate as the "
                             "object's owner)";
    } else {
      const std::string sql_mode = rows[0][sql_mode_column].value_or("");
      auto create = WithoutDefiner(*rows[0][create_column]);
      if (sql_mode.find("ANSI_QUOTES") != std::string::npos ||
          sql_mode.find("NO_BACKSLASH_ESCAPES") != std::string::npos) {
        // Its text reads differently under that mode than Godwit's lexer
        // reads it: not run.
        o.unsupported_reason = "written under sql_mode " + sql_mode +
                               ", whose quoting Godwit does not read (ANSI_QUOTES, NO_BACKSLASH_ESCAPES)";
      } else if (!create.ok()) {
        o.unsupported_reason = create.status().message();
      } else {
        auto mode = sql::QuoteString(sql_mode, Engine::kMysql);
        if (mode.ok()) o.statements.push_back("SET SESSION sql_mode = " + *mode);
        if (kind == ObjectKind::kEvent) {
          // An event's schedule is read in the time zone it was created in.
          auto zone = sql::QuoteString(rows[0][2].value_or("SYSTEM"), Engine::kMysql);
          if (zone.ok()) o.statements.push_back("SET SESSION time_zone = " + *zone);
        }
        o.statements.push_back(std::move(*create));
      }
    }
    out.push_back(std::move(o));
    return &out.back();
  };
  ASSIGN_OR_RETURN(Rows routines, Fetch(m(),
                                        "SELECT ROUTINE_SCHEMA, ROUTINE_NAME, ROUTINE_TYPE, ROUTINE_COMMENT "
                                        "FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA IN (" +
                                            in + ") ORDER BY CREATED, ROUTINE_SCHEMA, ROUTINE_NAME"));
  for (const auto& r : routines) {
    const bool procedure = r[2] == "PROCEDURE";
    ASSIGN_OR_RETURN(SchemaObject * o, add(procedure ? ObjectKind::kProcedure : ObjectKind::kFunction,
                                           r[0].value_or(""), r[1].value_or(""),
                                           procedure ? "PROCEDURE" : "FUNCTION", 1, 2));
    o->comment = r[3].value_or("");
  }
  ASSIGN_OR_RETURN(Rows triggers, Fetch(m(),
                                        "SELECT TRIGGER_SCHEMA, TRIGGER_NAME, EVENT_OBJECT_TABLE FROM "
                                        "information_schema.TRIGGERS WHERE TRIGGER_SCHEMA IN (" +
                                            in + ") ORDER BY EVENT_OBJECT_TABLE, ACTION_ORDER, TRIGGER_NAME"));
  for (const auto& r : triggers) {
    ASSIGN_OR_RETURN(SchemaObject * o,
                     add(ObjectKind::kTrigger, r[0].value_or(""), r[1].value_or(""), "TRIGGER", 1, 2));
    o->table = TableRef{r[0].value_or(""), r[2].value_or("")};
    o->identity = o->ref.name + " on " + o->table.ToString();
  }
  ASSIGN_OR_RETURN(Rows events, Fetch(m(),
                                      "SELECT EVENT_SCHEMA, EVENT_NAME, STATUS FROM information_schema.EVENTS "
                                      "WHERE EVENT_SCHEMA IN (" +
                                          in + ") ORDER BY CREATED, EVENT_NAME"));
  for (const auto& r : events) {
    ASSIGN_OR_RETURN(SchemaObject * o, add(ObjectKind::kEvent, r[0].value_or(""), r[1].value_or(""), "EVENT", 1, 3));
    o->enabled = r[2] == "ENABLED";
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<Session>> ConnectMysql(const Endpoint& endpoint) {
  for (const auto& [k, v] : endpoint.options) {
    if (k != "zero_date" && k != "create") {
      return Status(ErrorCode::kInvalidArgument, "unknown MySQL endpoint option '" + k + "'",
                    "MySQL endpoints accept zero_date=error|null, password_env and password_file.");
    }
  }
  ASSIGN_OR_RETURN(auto conn, OpenConnection(endpoint, mysql::LocalInfile::kAnnounced));
  return std::unique_ptr<Session>(new MysqlSession(std::move(conn), endpoint));
}

}  // namespace godwit
