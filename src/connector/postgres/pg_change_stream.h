// PostgreSQL change capture: a logical replication slot with the pgoutput
// plugin, read over libpq's replication protocol (connector/change_stream.h).
//
// Setup (the caller names the slot and the publication):
//   EnsurePublication   CREATE PUBLICATION ... FOR TABLE ... when missing
//   EnsureLogicalSlot   the slot with pgoutput when missing (the full
//                       migration creates it itself, with an exported
//                       snapshot: PostgresSession::ExportSnapshot)
//   OpenPgChangeStream  START_REPLICATION SLOT ... LOGICAL from a position
//
// The stream sends a Standby Status Update with write = flush = apply = the
// last LSN the caller confirmed: on Confirm(), on a keepalive that asks for
// a reply, and every 10 s. It never reports more than the caller
// confirmed, so an idle slot advances only as far as what was stored.
// Status updates are sent from Next() and Confirm() only: a caller that
// calls neither for longer than the server's wal_sender_timeout (60 s by
// default) loses the connection (CONNECTION_LOST).
//
// Thread-safety: the stream is used by one thread at a time; the setup
// functions are independent calls.
#pragma once

#include <memory>
#include <span>
#include <string>

#include "common/status.h"
#include "connector/change_stream.h"
#include "connector/endpoint.h"
#include "connector/session.h"
#include "model/table_schema.h"

namespace godwit::pg {

// Creates publication `name` FOR TABLE `tables` unless one of that name
// exists (an existing publication is left as it is). kInvalidArgument
// when `tables` is empty; kPermissionDenied when the user may not create
// it.
Status EnsurePublication(const Endpoint& endpoint, const std::string& name, std::span<const TableRef> tables);
// Drops publication `name`; false when there was none.
Result<bool> DropPublication(const Endpoint& endpoint, const std::string& name);

// Creates logical slot `slot` with pgoutput unless it exists. An existing
// slot of another plugin is kConflict. kServerConfig when the server
// cannot have one (wal_level, max_replication_slots).
Status EnsureLogicalSlot(const Endpoint& endpoint, const std::string& slot);

// Drops logical slot `slot`; false when there was none. kConflict while a
// stream still reads it.
Result<bool> DropLogicalSlot(const Endpoint& endpoint, const std::string& slot);

// Among `tables`, those whose rows logical replication cannot identify:
// REPLICA IDENTITY NOTHING, or DEFAULT without a primary key. Once such a
// table is in a publication, PostgreSQL refuses UPDATE and DELETE on it on
// the source itself — so Godwit never publishes one (the precheck and
// PostgreSQL's ChangeCapture::Prepare report them instead).
Result<std::vector<TableRef>> TablesWithoutReplicaIdentity(Session& session, std::span<const TableRef> tables);

struct PgStreamOptions {
  std::string slot;
  std::string publication;
  // Where to start: the position of the last event the caller stored (a
  // PgLsnPos); NoPosition starts at the slot's confirmed_flush_lsn. The
  // server never sends a transaction whose commit ends at or before the
  // slot's confirmed position, whatever is asked.
  Position start;
};

// Opens a replication connection and starts streaming. A missing slot is
// kServerConfig ("was dropped; re-create or clone the project"); the
// connection's failures are classified as OpenConnection does.
Result<std::unique_ptr<ChangeStream>> OpenPgChangeStream(const Endpoint& endpoint, const PgStreamOptions& options);

}  // namespace godwit::pg
