#include "connector/postgres/pg_change_stream.h"

#include <poll.h>

#include <cerrno>
#include <chrono>
#include <deque>
#include <set>

#include "connector/postgres/pg_conn.h"
#include "connector/postgres/pgoutput_decoder.h"
#include "connector/postgres/postgres_connector.h"
#include "model/row_collector.h"
#include "schema/dialects.h"

namespace godwit::pg {
namespace {

using Clock = std::chrono::steady_clock;

// The settings under which PostgreSQL's text output is the canonical form
// (the full migration's session runs with the same; postgres_session.cc).
// The output functions run in the walsender, so they go in the startup
// packet.
constexpr const char* kWalsenderSettings =
    "-c TimeZone=UTC -c DateStyle=ISO,YMD -c extra_float_digits=1 -c bytea_output=hex -c IntervalStyle=iso_8601";

// A status update at least this often, well within wal_sender_timeout's
// default of 60 s, whether or not the server asks.
constexpr auto kStatusInterval = std::chrono::seconds(10);

std::string SqlString(std::string_view s) {
  std::string out = "'";
  for (char c : s) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  out.push_back('\'');
  return out;
}

Status SlotDropped(const std::string& slot, std::string native_code = {}) {
  return Status(ErrorCode::kServerConfig,
                "replication slot \"" + slot +
                    "\" does not exist on the source: it was dropped, so the changes "
                    "made since it was last read are lost to change capture",
                "Re-create the project (or clone it) to copy the tables again and capture from a new slot; do not "
                "drop Godwit's replication slots while a project uses them.",
                std::move(native_code));
}

Status InvalidSlotName(const std::string& slot) {
  return Status(ErrorCode::kInvalidArgument, "replication slot name \"" + slot + "\" is not valid",
                "Use 1 to 63 lower-case letters, digits and underscores.");
}

void PutU64(std::string& out, uint64_t v) {
  for (int i = 7; i >= 0; --i) out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

int64_t NowPgMicros() {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::system_clock::now().time_since_epoch());
  return us.count() - kPgEpochUnixMicros;
}

class PgChangeStream final : public ChangeStream {
 public:
  PgChangeStream(ConnPtr conn, std::string slot, uint64_t start_lsn)
      : conn_(std::move(conn)), slot_(slot), decoder_(std::move(slot), start_lsn), confirmed_(start_lsn) {}

  Result<std::optional<ChangeEvent>> Next(std::chrono::milliseconds timeout) override {
    if (!failure_.ok()) return failure_;
    const auto deadline = Clock::now() + timeout;
    while (pending_.empty()) {
      if (Clock::now() - last_status_ >= kStatusInterval) RETURN_IF_ERROR(Fail(SendStatus(false)));
      char* buf = nullptr;
      int n = PQgetCopyData(conn_.get(), &buf, 1);
      if (n > 0) {
        std::string_view msg(buf, static_cast<size_t>(n));
        Status st = HandleMessage(msg);
        PQfreemem(buf);
        RETURN_IF_ERROR(Fail(st));
        continue;
      }
      if (n == -1) return Fail(StreamEnded());
      if (n == -2) return Fail(Lost());
      // Nothing complete buffered: wait for the socket.
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
      if (left.count() <= 0) return std::optional<ChangeEvent>();
      auto until_status =
          std::chrono::duration_cast<std::chrono::milliseconds>(kStatusInterval - (Clock::now() - last_status_));
      pollfd p{PQsocket(conn_.get()), POLLIN, 0};
      int rc = poll(&p, 1, static_cast<int>(std::max<int64_t>(0, std::min(left, until_status).count())));
      if (rc < 0 && errno != EINTR) return Fail(Lost());
      if (rc > 0 && PQconsumeInput(conn_.get()) == 0) return Fail(Lost());
    }
    ChangeEvent ev = std::move(pending_.front());
    pending_.pop_front();
    return std::optional<ChangeEvent>(std::move(ev));
  }

  Status Confirm(const Position& position) override {
    if (!failure_.ok()) return failure_;
    const auto* pos = std::get_if<PgLsnPos>(&position);
    if (pos == nullptr) {
      return Status(
          ErrorCode::kInvalidArgument,
          "a PostgreSQL change stream was given a position that is not an LSN: " + PositionToString(position));
    }
    ASSIGN_OR_RETURN(uint64_t lsn, ParseLsn(pos->lsn));
    if (lsn > confirmed_) confirmed_ = lsn;  // never backwards: the server ignores it anyway
    return Fail(SendStatus(false));
  }

 private:
  Status HandleMessage(std::string_view msg) {
    if (msg.empty()) return Status::Ok();
    switch (msg[0]) {
      case 'w': {  // XLogData: start LSN, end LSN, send time, pgoutput message
        if (msg.size() < 25) return Status(ErrorCode::kReadFailed, "short XLogData message from PostgreSQL");
        std::vector<ChangeEvent> events;
        RETURN_IF_ERROR(decoder_.Decode(msg.substr(25), events));
        for (auto& e : events) pending_.push_back(std::move(e));
        return Status::Ok();
      }
      case 'k': {  // keepalive: WAL end, send time, reply requested
        if (msg.size() < 18) return Status(ErrorCode::kReadFailed, "short keepalive message from PostgreSQL");
        if (msg[17] != 0) return SendStatus(false);
        return Status::Ok();
      }
      default:
        return Status(ErrorCode::kReadFailed,
                      std::string("unexpected replication message type '") + msg[0] + "' from PostgreSQL");
    }
  }

  // Standby Status Update: written, flushed and applied are all the
  // confirmed LSN, the only one the caller vouches for.
  Status SendStatus(bool reply_requested) {
    std::string m;
    m.reserve(34);
    m.push_back('r');
    PutU64(m, confirmed_);
    PutU64(m, confirmed_);
    PutU64(m, confirmed_);
    PutU64(m, static_cast<uint64_t>(NowPgMicros()));
    m.push_back(reply_requested ? 1 : 0);
    if (PQputCopyData(conn_.get(), m.data(), static_cast<int>(m.size())) != 1 || PQflush(conn_.get()) != 0) {
      return Lost();
    }
    last_status_ = Clock::now();
    return Status::Ok();
  }

  // The server ended the COPY: with an error (slot dropped meanwhile,
  // publication missing, server shutting down) or, unexpectedly, without.
  Status StreamEnded() {
    ResultPtr res(PQgetResult(conn_.get()));
    if (res == nullptr || PQresultStatus(res.get()) == PGRES_COMMAND_OK) {
      return Status(ErrorCode::kConnectionLost, "PostgreSQL ended replication from slot \"" + slot_ + "\"",
                    "Open a new stream from the last stored position.");
    }
    Status s = ResultError(conn_.get(), res.get(), ErrorCode::kReadFailed, "reading slot \"" + slot_ + "\"");
    if (s.native_code() == "42704") return SlotDropped(slot_, s.native_code());
    return s;
  }

  Status Lost() {
    std::string msg = PQerrorMessage(conn_.get());
    while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
    return Status(ErrorCode::kConnectionLost,
                  "connection to PostgreSQL lost while reading slot \"" + slot_ + "\": " + msg,
                  "The server closed the connection or the network failed; open a new stream from the last stored "
                  "position.");
  }

  // Makes a failure sticky: after one, the stream is unusable.
  Status Fail(Status st) {
    if (!st.ok() && failure_.ok()) failure_ = st;
    return st;
  }

  ConnPtr conn_;
  std::string slot_;
  PgOutputDecoder decoder_;
  uint64_t confirmed_;
  std::deque<ChangeEvent> pending_;  // the events of one message (a Truncate may name several tables)
  Clock::time_point last_status_ = Clock::now();
  Status failure_;
};

}  // namespace

Status EnsurePublication(const Endpoint& endpoint, const std::string& name, std::span<const TableRef> tables) {
  if (tables.empty()) {
    return Status(ErrorCode::kInvalidArgument, "publication \"" + name + "\" would cover no table");
  }
  ASSIGN_OR_RETURN(ConnPtr conn, OpenConnection(endpoint, false));
  const std::string params[] = {name};
  ASSIGN_OR_RETURN(ResultPtr exists, ExecParams(conn.get(), "SELECT 1 FROM pg_publication WHERE pubname = $1", params,
                                                ErrorCode::kReadFailed, "looking up publication"));
  if (PQntuples(exists.get()) > 0) return Status::Ok();
  const Dialect& d = PostgresDialect();
  std::string sql = "CREATE PUBLICATION " + d.QuoteIdent(name) + " FOR TABLE ";
  for (size_t i = 0; i < tables.size(); ++i) {
    if (i != 0) sql += ", ";
    sql += d.QualifiedName(tables[i]);
  }
  auto r = Exec(conn.get(), sql, ErrorCode::kServerConfig, "creating publication \"" + name + "\"");
  if (!r.ok()) {
    if (r.status().native_code() == "42710") return Status::Ok();  // created meanwhile
    return r.status();
  }
  return Status::Ok();
}

Result<bool> DropPublication(const Endpoint& endpoint, const std::string& name) {
  ASSIGN_OR_RETURN(ConnPtr conn, OpenConnection(endpoint, false));
  const std::string params[] = {name};
  ASSIGN_OR_RETURN(ResultPtr found, ExecParams(conn.get(), "SELECT 1 FROM pg_publication WHERE pubname = $1", params,
                                               ErrorCode::kReadFailed, "looking up publication"));
  if (PQntuples(found.get()) == 0) return false;
  auto r = Exec(conn.get(), "DROP PUBLICATION IF EXISTS " + PostgresDialect().QuoteIdent(name), ErrorCode::kConflict,
                "dropping publication \"" + name + "\"");
  if (!r.ok()) return r.status();
  return true;
}

Result<std::vector<TableRef>> TablesWithoutReplicaIdentity(Session& session, std::span<const TableRef> tables) {
  ASSIGN_OR_RETURN(
      auto rows,
      QueryTextRows(session,
                    "SELECT n.nspname, c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                    "WHERE c.relkind IN ('r', 'p') AND (c.relreplident = 'n' OR (c.relreplident = 'd' AND NOT EXISTS "
                    "(SELECT 1 FROM pg_index i WHERE i.indrelid = c.oid AND i.indisprimary)))",
                    2));
  std::set<TableRef> unidentified;
  for (const auto& r : rows) unidentified.insert(TableRef{r[0].value_or(""), r[1].value_or("")});
  std::vector<TableRef> out;
  for (const TableRef& t : tables) {
    if (unidentified.count(t)) out.push_back(t);
  }
  return out;
}

Result<bool> DropLogicalSlot(const Endpoint& endpoint, const std::string& slot) {
  ASSIGN_OR_RETURN(ConnPtr conn, OpenConnection(endpoint, false));
  const std::string params[] = {slot};
  ASSIGN_OR_RETURN(ResultPtr found,
                   ExecParams(conn.get(), "SELECT active FROM pg_replication_slots WHERE slot_name = $1", params,
                              ErrorCode::kReadFailed, "looking up replication slot"));
  if (PQntuples(found.get()) == 0) return false;
  auto r = ExecParams(conn.get(), "SELECT pg_drop_replication_slot($1)", params, ErrorCode::kConflict,
                      "dropping replication slot \"" + slot + "\" (is a capture still reading it?)");
  if (!r.ok()) return r.status();
  return true;
}

Status EnsureLogicalSlot(const Endpoint& endpoint, const std::string& slot) {
  if (!IsValidSlotName(slot)) return InvalidSlotName(slot);
  ASSIGN_OR_RETURN(ConnPtr conn, OpenConnection(endpoint, false));
  const std::string params[] = {slot};
  ASSIGN_OR_RETURN(ResultPtr found,
                   ExecParams(conn.get(), "SELECT plugin FROM pg_replication_slots WHERE slot_name = $1", params,
                              ErrorCode::kReadFailed, "looking up replication slot"));
  if (PQntuples(found.get()) > 0) {
    std::string plugin = PQgetisnull(found.get(), 0, 0) ? "" : PQgetvalue(found.get(), 0, 0);
    if (plugin != "pgoutput") {
      return Status(ErrorCode::kConflict,
                    "replication slot \"" + slot + "\" exists but is not a logical slot of pgoutput" +
                        (plugin.empty() ? std::string(" (a physical slot)") : " (plugin " + plugin + ")"),
                    "Choose another slot name, or drop that slot if nothing uses it.");
    }
    return Status::Ok();
  }
  auto r = ExecParams(conn.get(), "SELECT pg_create_logical_replication_slot($1, 'pgoutput')", params,
                      ErrorCode::kServerConfig, "creating replication slot \"" + slot + "\"");
  if (!r.ok()) {
    if (r.status().native_code() == "42710") return Status::Ok();  // created meanwhile
    if (r.status().code() == ErrorCode::kServerConfig) {
      return Status(ErrorCode::kServerConfig, r.status().message(),
                    "Set wal_level = logical and max_replication_slots > 0 in postgresql.conf and restart the "
                    "server.",
                    r.status().native_code());
    }
    return r.status();
  }
  return Status::Ok();
}

Result<std::unique_ptr<ChangeStream>> OpenPgChangeStream(const Endpoint& endpoint, const PgStreamOptions& options) {
  if (!IsValidSlotName(options.slot)) return InvalidSlotName(options.slot);
  if (options.publication.empty()) return Status(ErrorCode::kInvalidArgument, "no publication given to read");
  Endpoint ep = endpoint;
  std::string& startup = ep.options["options"];
  startup = startup.empty() ? kWalsenderSettings : startup + " " + kWalsenderSettings;
  ASSIGN_OR_RETURN(ConnPtr conn, OpenConnection(ep, true));

  // A replication connection in database mode runs plain SQL too.
  ASSIGN_OR_RETURN(
      ResultPtr found,
      Exec(conn.get(),
           "SELECT plugin, confirmed_flush_lsn FROM pg_replication_slots WHERE slot_name = " + SqlString(options.slot),
           ErrorCode::kReadFailed, "looking up replication slot"));
  if (PQntuples(found.get()) == 0) return SlotDropped(options.slot);
  uint64_t start = 0;
  if (const auto* pos = std::get_if<PgLsnPos>(&options.start); pos != nullptr && !pos->lsn.empty()) {
    ASSIGN_OR_RETURN(start, ParseLsn(pos->lsn));
  } else if (!PQgetisnull(found.get(), 0, 1)) {
    ASSIGN_OR_RETURN(start, ParseLsn(PQgetvalue(found.get(), 0, 1)));
  }

  std::string pubs = SqlString(PostgresDialect().QuoteIdent(options.publication));
  std::string sql = "START_REPLICATION SLOT \"" + options.slot + "\" LOGICAL " + FormatLsn(start) +
                    " (proto_version '1', publication_names " + pubs + ")";
  ResultPtr res(PQexec(conn.get(), sql.c_str()));
  if (PQresultStatus(res.get()) != PGRES_COPY_BOTH) {
    Status s = ResultError(conn.get(), res.get(), ErrorCode::kReadFailed,
                           "starting replication from slot \"" + options.slot + "\"");
    if (s.native_code() == "42704") return SlotDropped(options.slot, s.native_code());
    if (s.native_code() == "55006") {  // object_in_use
      return Status(ErrorCode::kConflict, s.message(),
                    "Another process reads from that slot; stop it first (a killed reader's connection may take a "
                    "few seconds to go away).",
                    s.native_code());
    }
    return s;
  }
  return std::unique_ptr<ChangeStream>(std::make_unique<PgChangeStream>(std::move(conn), options.slot, start));
}

}  // namespace godwit::pg
