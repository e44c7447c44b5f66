// Godwit's heartbeat on a source: one row per synchronization stream in a
// small table of its own (`godwit_heartbeat`, in the source's default
// schema), updated about once a second.
//
// Why: latency is "now minus the source time of the last applied change",
// which goes stale when the application is idle or writes only tables
// outside the migration. A heartbeat commit flows through the same change
// stream as the data, so when the Writer applies it, everything committed
// before it is applied too: lag stays true end to end, and "caught up with
// everything committed before time T" is "applied a beat written after T".
//
// The row carries Godwit's own clock (written_us), so the latency measured
// from it does not depend on the source server's clock or on the
// one-second resolution of MySQL binlog timestamps.
//
// Thread-safety: free functions; each Session is used by one thread.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "common/status.h"
#include "connector/session.h"
#include "model/change_event.h"

namespace godwit {

struct Beat {
  int64_t seq = 0;
  int64_t written_us = 0;  // Godwit's clock, microseconds since the epoch
};

// The heartbeat table on `source` (its default schema).
TableRef HeartbeatTable(Session& source);

// Creates the table when missing and this stream's row. Fails (typically
// PERMISSION_DENIED) when the user may not create or write it; callers
// then run without a heartbeat and say so.
Status EnsureHeartbeat(Session& source, const std::string& stream_id);

// Writes beat `seq` stamped with the current time.
Status WriteHeartbeat(Session& source, const std::string& stream_id, int64_t seq);

// Deletes this stream's row, and the table when no other stream uses it.
// False when the stream had no row.
Result<bool> DropHeartbeat(Session& source, const std::string& stream_id);

// When `event` is an insert or update of `stream_id`'s heartbeat row in
// `table`, the beat it carries.
std::optional<Beat> ParseBeat(const ChangeEvent& event, const TableRef& table, const std::string& stream_id);

int64_t NowMicros();

}  // namespace godwit
