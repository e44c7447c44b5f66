// Decoder of the pgoutput logical replication protocol (version 1): turns
// the payload of each XLogData message a logical slot sends into Godwit's
// ChangeEvents, with values converted to canonical text (model/types.h)
// exactly as the full migration's reader converts them.
//
// Pure: no I/O. The replication connection (pg_change_stream.h) feeds it
// one message at a time, in order. Relation messages are cached, so the
// decoder must see the whole stream from the start of a replication
// session (the server re-sends each Relation before its first use in a
// session).
//
// Positions (model/change_event.h): kCommit carries the commit's end LSN,
// the point from which a restart sees only later transactions. kBegin and
// every row event of a transaction carry the restart LSN current when the
// transaction began (the previous commit's end, or the start LSN), so a
// caller that restarts from the position of an event it stored never
// skips the rest of a partially stored transaction.
//
// Values: the walsender must run with the same settings the full
// migration's session uses (TimeZone UTC, DateStyle ISO, extra_float_digits
// 1, bytea_output hex, IntervalStyle iso_8601; pg_change_stream.cc sets
// them), so that PostgreSQL's text output is canonical but for bool, bytea
// and timestamptz, which PlanCopyOut's conversions fix.
//
// Thread-safety: one thread at a time.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/status.h"
#include "connector/postgres/postgres_codec.h"
#include "model/change_event.h"

namespace godwit::pg {

// PostgreSQL timestamps count microseconds from 2000-01-01 UTC.
constexpr int64_t kPgEpochUnixMicros = 946684800LL * 1000000;

// A Relation message, as cached by the decoder.
struct PgRelation {
  struct Column {
    std::string name;
    uint32_t type_oid = 0;
    int32_t typmod = -1;
    bool key = false;  // part of the replica identity
    CopyOutConv conv = CopyOutConv::kText;
  };
  uint32_t oid = 0;
  TableRef table;
  char replica_identity = 'd';  // 'd' default (primary key), 'n' nothing, 'f' full, 'i' index
  std::vector<Column> columns;
};

class PgoutputReader;

class PgOutputDecoder {
 public:
  // `slot` goes into every event's PgLsnPos; `start_lsn` is where the
  // replication session starts (the restart point before any commit).
  PgOutputDecoder(std::string slot, uint64_t start_lsn);

  // Decodes one pgoutput message and appends the events it stands for to
  // `out`: none for Relation, Type, Origin and logical messages, one for
  // Begin, Commit, Insert, Update and Delete, one per table for Truncate.
  // A malformed message, a row of a relation never described, or a
  // message out of place (a row outside a transaction) is kReadFailed;
  // `out` is then unchanged.
  Status Decode(std::string_view message, std::vector<ChangeEvent>& out);

  // The restart point: the end LSN of the last decoded Commit, or the
  // start LSN.
  uint64_t restart_lsn() const { return restart_lsn_; }
  bool in_transaction() const { return in_transaction_; }
  // The cached relation of that oid, or null.
  const PgRelation* relation(uint32_t oid) const;

 private:
  Status DecodeRelation(PgoutputReader& r);
  Status DecodeRow(char kind, PgoutputReader& r, ChangeEvent& ev);
  Status DecodeTuple(PgoutputReader& r, const PgRelation& rel, RowImage& image);
  Position Pos(uint64_t lsn) const { return PgLsnPos{FormatLsn(lsn), slot_}; }

  std::string slot_;
  uint64_t restart_lsn_;
  bool in_transaction_ = false;
  uint64_t txn_restart_lsn_ = 0;  // restart_lsn_ when the current transaction began
  int64_t txn_commit_time_us_ = 0;
  std::string txn_xid_;
  std::unordered_map<uint32_t, PgRelation> relations_;
};

}  // namespace godwit::pg
