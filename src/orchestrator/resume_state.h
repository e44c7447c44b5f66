// What a subtask's next run continues from, as typed state: the
// synchronization's skipped and failed DDL, its per-table counts and
// whether it had reached Monitoring; the verification's requested re-run.
//
// The state is stored apart from the display JSON the API shows (the
// subtask's `detail`), in a versioned blob of its own (SubtaskRow::
// resume_state), so that renaming a field of the API can never change what
// a resume reads. The display JSON is produced from this state, never the
// other way round; only a store written before the blob existed is read
// once from its display JSON (the *FromLegacyDetail functions).
//
// Thread-safety: plain values and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "meta/project_store.h"
#include "model/position.h"
#include "sync/synchronizer.h"
#include "verify/verifier.h"

namespace godwit {

// A captured DDL statement the destination refused, and when the user
// chose to skip it (0 while it has not been skipped).
struct DdlRecord {
  uint64_t sequence = 0;  // in the change log
  std::string statement;
  std::string error;
  int64_t skipped_at = 0;
};

struct SyncResumeState {
  // The DDL the last run stopped on, until the user skips it.
  std::optional<DdlRecord> failed_ddl;
  // The DDL the user skipped: never applied by any later run.
  std::vector<DdlRecord> skipped_ddl;
  // Per-table counts of the runs so far, which the next run adds to.
  std::vector<SyncTableStats> tables;
  // The synchronization had reached Monitoring: the next run reports it at once.
  bool monitoring = false;
  // The last change stored in the project's change log and its source
  // commit time: what the source's log retention must still keep.
  std::optional<Position> captured_position;
  int64_t captured_source_time_us = 0;

  std::set<uint64_t> SkipDdlSequences() const;
};

struct VerifyResumeState {
  // A re-verify the user asked for: the next run starts anew in this mode.
  std::optional<VerifyMode> rerun_mode;
};

// The blob's format version; Decode refuses a newer one (a store written by
// a newer Godwit) rather than guess.
inline constexpr int kResumeStateVersion = 1;

std::string EncodeResumeState(const SyncResumeState& state);
std::string EncodeResumeState(const VerifyResumeState& state);
// "" decodes to the empty state; METADATA on a damaged or newer blob.
Result<SyncResumeState> DecodeSyncResumeState(std::string_view blob);
Result<VerifyResumeState> DecodeVerifyResumeState(std::string_view blob);

// The state a synchronization run leaves, from its final status and the
// state it started from (the skipped DDL carries over).
SyncResumeState SyncResumeAfterRun(const SyncResumeState& before, const SyncStatus& status);

// The display fields the API shows for the state ("failed_ddl",
// "skipped_ddl", "rerun_mode"), written into `detail` (an object).
void WriteSyncDisplay(const SyncResumeState& state, nlohmann::json& detail);
nlohmann::json SkippedDdlToJson(const std::vector<DdlRecord>& skipped);
void WriteVerifyDisplay(const VerifyResumeState& state, nlohmann::json& detail);

// A subtask row's resume state: its typed blob, or for a row stored before
// the blob existed its display detail (read once; the next save writes the
// blob). METADATA when the blob is damaged or newer than this Godwit.
Result<SyncResumeState> SyncResumeOf(const SubtaskRow& row);
Result<VerifyResumeState> VerifyResumeOf(const SubtaskRow& row);
// Stores the state in the row's blob, and its display fields in its detail.
void SetSyncResume(SubtaskRow& row, const SyncResumeState& state);
void SetVerifyResume(SubtaskRow& row, const VerifyResumeState& state);

// Stores written before resume_state existed kept it in the display JSON
// only: read there once, when the blob is empty.
SyncResumeState SyncResumeFromLegacyDetail(const nlohmann::json& detail);
VerifyResumeState VerifyResumeFromLegacyDetail(const nlohmann::json& detail);

}  // namespace godwit
