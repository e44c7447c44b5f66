// The Checker's durable record (verification and correction, docs/verification.md):
// the runs, each verified table's latest result, the units (key ranges or
// hash buckets) a table's verification is split into with a checkpoint
// each, and the differences confirmed at each table's latest verification.
//
// One SQLite file (WAL mode, versioned schema) of its own — the service keeps
// it at projects/ID/verify.db, `godwit verify` at STATE_DIR/verify-HASH.db —
// so the migration's checkpoint file keeps its schema version alone.
//
// Tables, units and differences are kept per source table, not per run: a
// table verified again replaces what its earlier verification recorded
// (StartTable), and a table not verified again keeps its last result (a
// re-verify of only the abnormal tables leaves the consistent ones as they
// were).
//
// Resume contract: a unit is marked done together with the differences it
// found, in one transaction (FinishUnit); a run interrupted at any point
// resumes with the units not done, and no difference is recorded twice.
//
// Thread-safety: every method may be called from any thread; one internal
// mutex serialises access to the connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

struct sqlite3;

namespace godwit {

struct VerifyRunRecord {
  int64_t id = 0;
  std::string mode;        // "all", "abnormal", "records"
  std::string state;       // "running", "completed", "failed", "cancelled"
  int64_t started_at = 0;  // unix seconds
  int64_t ended_at = 0;    // 0 while running
};

struct VerifyTableRecord {
  std::string source;       // source "schema.table"
  std::string destination;  // destination "schema.table"
  int64_t run_id = 0;       // the run that verified it last
  // "pending", "running", "consistent", "inconsistent", "failed", "skipped"
  std::string status;
  std::string detail_json;  // the per-table result (docs/verification.md)
  // Session::TableIdentity of the destination table when it was verified;
  // "" when it was missing (and in stores written before it was recorded).
  // A result recorded for another incarnation of the table is not current.
  std::string destination_identity;
};

struct VerifyUnitRecord {
  int64_t index = 0;
  std::string lower_json;  // KeyBoundToJson (pipeline/chunker.h); "null" unbounded
  std::string upper_json;
  int64_t bucket = 0;  // hash-bucket units: this unit's bucket of `buckets`
  int64_t buckets = 1;
  bool done = false;
  int64_t rows_source = 0;  // set when done
  int64_t rows_destination = 0;
  bool matched = false;  // pass 1 found both sides' digests equal
};

enum class DiffKind { kOnlyInSource, kOnlyInDestination, kDiffering };
std::string_view DiffKindName(DiffKind kind);  // "only_in_source", "only_in_destination", "differing"
// The inverse of DiffKindName; nullopt for any other string.
std::optional<DiffKind> ParseDiffKind(std::string_view name);

struct StoredDiff {
  std::string key_json;  // the key's canonical values as a JSON array of strings (source side)
  DiffKind kind = DiffKind::kDiffering;
  std::vector<std::string> columns;  // differing columns (kDiffering), destination names
};

class VerifyStore {
 public:
  // Opens or creates the store at `path` (its directory must exist). Errors
  // (kMetadata) name the file: cannot open, written by a newer Godwit.
  // Every later error is kMetadata and names the file too, except misuse of
  // the contract (a unit or table not started, a run that does not exist),
  // which is kInternal.
  static Result<std::unique_ptr<VerifyStore>> Open(const std::string& path);
  ~VerifyStore();

  // --- runs ---
  // Records a new run, "running" since now; returns its id (ids are never
  // reused, so a table's run_id never names a later run).
  Result<int64_t> BeginRun(const std::string& mode);
  // Sets the run's final state and ended_at (now). kInternal if no such run.
  Status EndRun(int64_t run_id, const std::string& state);
  // The newest run, if any.
  Result<std::optional<VerifyRunRecord>> LatestRun();
  // The newest run when it did not end ("running"): the one to resume. An
  // older run left "running" under a newer one is not returned: the newer
  // run has since re-verified tables that run would resume.
  Result<std::optional<VerifyRunRecord>> UnfinishedRun();

  // --- tables ---
  // Starts (re)verifying `source` in `run_id`: deletes the table's earlier
  // units and differences, records its units (indexes 0..n-1 in the given
  // order; their `index` and `done` fields are ignored, every unit starts
  // not done) and sets it "running" with run_id and destination updated and
  // detail_json "{}" (the earlier result described units now gone), all in
  // one transaction. Other tables are untouched. A table that fails before
  // it is split is started with no units, then given its result.
  // `destination_identity` is recorded with it (VerifyTableRecord).
  Status StartTable(int64_t run_id, const std::string& source, const std::string& destination,
                    const std::vector<VerifyUnitRecord>& units, const std::string& destination_identity = "");
  // Replaces the table's status and result JSON. kInternal when the table
  // was never started (StartTable records its destination and run).
  Status SaveTableResult(const std::string& source, const std::string& status, const std::string& detail_json);
  Result<std::optional<VerifyTableRecord>> Table(const std::string& source);
  Result<std::vector<VerifyTableRecord>> Tables();  // ordered by source

  // --- units ---
  Result<std::vector<VerifyUnitRecord>> Units(const std::string& source);  // by index
  // Marks the unit done with its counts and adds `diffs` (a difference
  // already recorded for the same key is replaced), in one transaction.
  // Finishing a done unit again overwrites its counts. kInternal when the
  // table has no unit `index` (nothing is written).
  Status FinishUnit(const std::string& source, int64_t index, int64_t rows_source, int64_t rows_destination,
                    bool matched, const std::vector<StoredDiff>& diffs);

  // --- differences ---
  // The table's recorded differences, ordered by key_json, at most `limit`
  // (0: all).
  Result<std::vector<StoredDiff>> Diffs(const std::string& source, size_t limit = 0);
  Result<int64_t> CountDiffs(const std::string& source);
  // Removes differences found equal since (re-verify of the records, a
  // correction applied) by key, in one transaction; unknown keys are
  // ignored.
  Status RemoveDiffs(const std::string& source, const std::vector<std::string>& key_jsons);
  // Replaces the table's differences by `diffs` (re-verify of the records),
  // in one transaction.
  Status ReplaceDiffs(const std::string& source, const std::vector<StoredDiff>& diffs);

 private:
  VerifyStore(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  // "verify store PATH: " + what, for error messages.
  std::string What(const std::string& what) const;

  Mutex mu_;
  sqlite3* db_ GODWIT_GUARDED_BY(mu_);
  const std::string path_;
};

}  // namespace godwit
