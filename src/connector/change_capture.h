// What change capture needs and holds on the captured database, per
// engine: the setup before a copy's snapshot, the stream of committed
// changes, the warning before the server discards what the stream still
// needs, and the release of what capture kept; and, for any session, where
// the log ends now.
// One implementation per engine in connector/<engine>/ (PostgreSQL: a
// logical slot and a publication; MySQL/MariaDB: a binlog position and a
// replica server_id, nothing kept on the server); SQLite keeps no change
// log, so OpenChangeCapture refuses it.
//
// The captured database is whichever side changes are read from: the
// source for forward synchronization, the destination for the reverse
// stage. sync/capture_resources.h adds what every engine shares (the
// heartbeat row, the checkpoint rows, the local change log) on top.
//
// Thread-safety: Open keeps no state between calls and may run on a thread
// of its own (the Store opens) beside RetentionAlert, whose state is its
// own (the monitor calls it); the rest one thread at a time. Streams are
// independent. CaptureLogEnd keeps no state.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/change_stream.h"
#include "connector/endpoint.h"
#include "connector/session.h"
#include "model/object_rules.h"
#include "model/position.h"
#include "model/table_schema.h"

namespace godwit {

// Names one capture stream by on the captured database. Unique per daemon
// instance, project and direction (or per CLI source/destination pair), so
// that streams of different daemons, tests or directions never share one.
struct CaptureNames {
  // The PostgreSQL slot and publication; the heartbeat row and the
  // destination's checkpoint rows on every engine.
  std::string stream;
  // MySQL/MariaDB: the server_id the binlog stream registers with. 0:
  // derived from `stream` (ReplicaServerIdFor).
  uint32_t replica_server_id = 0;
  // Names this stream's rows in Godwit's tables: the heartbeat row, the
  // destination's checkpoint rows, the PostgreSQL DDL log's rows (the
  // service uses `stream`; godwit migrate a name of its own).
  std::string row_id;
};

// A replica server_id for `stream`: a hash of the name, non-zero and away
// from the small ids servers are usually given (0x40000000 and up).
uint32_t ReplicaServerIdFor(const std::string& stream);

class ChangeCapture {
 public:
  virtual ~ChangeCapture() = default;

  // Before the copy's snapshot: makes `tables` (those `objects` take)
  // capturable from that moment, DDL included (PostgreSQL: refuses tables
  // whose rows a change stream cannot identify, creates the publication,
  // which must exist before the slot, and the trigger that records DDL).
  // What the user may not create and capture can do without (the DDL
  // trigger) is a warning appended to `warnings`. `db` is a session on the
  // captured database. Idempotent.
  virtual Status Prepare(Session& db, std::span<const TableRef> tables, const ObjectRules& objects,
                         std::vector<std::string>& warnings) = 0;

  // Adds `table` to what Prepare made capturable (an older setup may lack
  // one Godwit added since, such as its heartbeat table). Idempotent.
  virtual Status EnsureCaptured(Session& db, const TableRef& table) = 0;

  // Where the stream carries no DDL (PostgreSQL's pgoutput), Godwit records
  // it on the captured database as rows of a log table in the stream
  // (connector/postgres/pg_ddl_capture.h), which the Writer turns into DDL
  // steps. At each synchronization's start this brings that recording up
  // to date (a setup from before DDL capture lacks it; the object rules may
  // have changed) and returns the log table; what cannot be set up is a
  // warning appended to `warnings`. nullopt where the stream carries DDL
  // itself (MySQL's binlog). `db` is a session on the captured database.
  virtual std::optional<TableRef> RefreshDdlLog(Session& db, const ObjectRules& objects,
                                                std::vector<std::string>& warnings) = 0;

  // The committed changes after `from` (a position this engine recorded).
  // `tables` says which tables' rows are kept where the engine cannot ask
  // the server to filter (MySQL); {schema, ""} asks about DDL run in a
  // schema. Null keeps the endpoint's database.
  virtual Result<std::unique_ptr<ChangeStream>> Open(const Position& from,
                                                     std::function<bool(const TableRef&)> tables) = 0;

  // Empty while the captured database keeps what this stream still needs
  // with room to spare; otherwise what is at risk and how long is left, in
  // a DBA's words (PostgreSQL: the WAL the slot retains against
  // max_slot_wal_keep_size; MySQL/MariaDB: the age of the binlog not yet
  // stored against its expiry). `needed` is the position the Store
  // continues from and `needed_time_us` the commit time of the last change
  // it stored (0 when unknown: no alert on MySQL). Checked every 30 s
  // while a synchronization runs and, by the service, for paused and
  // failed projects, when nothing reads the log and the risk grows.
  // Remembers what it read last (to estimate the log's rate): one thread
  // calls it.
  virtual Result<std::string> RetentionAlert(Session& db, const Position& needed, int64_t needed_time_us) = 0;

  // Drops what Prepare and the copy's snapshot left on the database and
  // appends to `freed` what there was ("replication slot godwit_7").
  // Nothing there is not an error; an engine that keeps nothing on the
  // server does not connect. Fails with what could not be dropped.
  virtual Status Release(std::vector<std::string>& freed) = 0;

  // What this capture keeps on the database between runs, as a DBA names
  // it ("the replication slot and publication godwit_7", "the binlog
  // position (replica server_id 1234)").
  virtual std::string Describe() const = 0;
};

// What capture from an engine asks of whoever sets it up, known without
// a connection: the front ends check their options against it.
struct CaptureTraits {
  // The engine keeps a change log Godwit reads (SQLite keeps none).
  bool supported = false;
  // The stream reads a replication slot named after it, which the copy's
  // snapshot creates (SnapshotOptions::replication_slot): PostgreSQL.
  bool named_slot = false;
  // The stream registers with the server as a replica with a server_id
  // of its own (CaptureNames::replica_server_id): MySQL/MariaDB.
  bool replica_server_id = false;
};

CaptureTraits CaptureTraitsFor(Engine engine);

// The position at the end of the change log of `session` (a session on
// `db`, which errors name) now: what a change committed from here on comes
// after. The log is the server's, so no stream names are needed.
// kUnsupported for SQLite, saying what to do.
Result<Position> CaptureLogEnd(const Endpoint& db, Session& session);

// The capture of `db` (the captured database's endpoint) for `names`.
// kUnsupported for SQLite, saying what to do.
Result<std::unique_ptr<ChangeCapture>> OpenChangeCapture(const Endpoint& db, const CaptureNames& names);

}  // namespace godwit
