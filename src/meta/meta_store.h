// The metadata store: the durable record of a migration's progress in an
// SQLite file (WAL mode): the recorded source position, the per-table
// status, the chunk plan of every table with a checkpoint per chunk, and the
// per-index build record.
//
// Checkpoint contract: the copier marks a chunk `started` before it writes
// anything and `done` only after the destination has committed the chunk's
// rows. A chunk found `started` on resume may or may not have committed, so
// it is re-copied with its rows deleted first in the same destination
// transaction: no duplicates, no gaps.
//
// Thread-safety: all methods may be called from any thread; one internal
// mutex serialises access to the single SQLite connection.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"

struct sqlite3;

namespace godwit {

struct MigrationRecord {
  std::string source;         // redacted URI, for messages and a sanity check on resume
  std::string destination;    // redacted URI
  std::string position_json;  // model/position.h; empty until the snapshot was taken
  std::string state;          // "running", "completed", "failed", "cancelled"
  int64_t created_at = 0;     // unix seconds
  int64_t updated_at = 0;
};

enum class TablePhase {
  kPending = 0,        // nothing done yet
  kSchemaCreated = 1,  // destination table exists (created by us or found empty)
  kPlanned = 2,        // chunk plan saved
  kCopied = 3,         // every chunk done
  kIndexed = 4,        // secondary and unique indexes built
  kCompleted = 5,      // constraints added, after-load steps run
};

struct TableRecord {
  std::string key;          // source "schema.table"
  std::string destination;  // destination "schema.table"
  TablePhase phase = TablePhase::kPending;
  std::string status;  // "pending", "running", "completed", "failed", "skipped"
  int64_t estimated_rows = 0;
  int64_t migrated_rows = 0;
  std::string error;  // last error, with its code and hint
  // Session::TableIdentity of the destination table when the run last
  // created or altered it; "" until it was created (and in state files
  // written before it was recorded). A resumed run compares it with the
  // table it finds.
  std::string destination_identity;
};

enum class ChunkState { kPending = 0, kStarted = 1, kDone = 2 };

struct ChunkRecord {
  int64_t index = 0;
  std::string lower_json;  // JSON array of canonical key values, or "null" (unbounded)
  std::string upper_json;
  ChunkState state = ChunkState::kPending;
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t attempts = 0;  // copies of the chunk started so far (MarkChunkStarted calls)
};

struct IndexRecord {
  std::string table_key;
  std::string name;
  std::string ddl;
  std::string status;  // "pending", "running", "completed", "failed", "skipped"
  int64_t started_at_ms = 0;
  int64_t ended_at_ms = 0;
  std::string error;
};

class MetaStore {
 public:
  // Opens (creating if needed) the store at `path` and brings its schema to
  // the current version.
  static Result<std::unique_ptr<MetaStore>> Open(const std::string& path);
  ~MetaStore();

  Result<std::optional<MigrationRecord>> LoadMigration();
  Status SaveMigration(const MigrationRecord& record);

  Result<std::vector<TableRecord>> LoadTables();
  Status SaveTable(const TableRecord& record);

  // Replaces the chunk plan of a table (only ever called before any chunk of
  // it was started).
  Status SaveChunkPlan(const std::string& table_key, const std::vector<ChunkRecord>& chunks);
  Result<std::vector<ChunkRecord>> LoadChunks(const std::string& table_key);
  // Called before every copy of a chunk, first or again; counts the
  // attempt. A done chunk stays done.
  Status MarkChunkStarted(const std::string& table_key, int64_t index);
  // Records the committed chunk and adds its rows to the table's count, in
  // one transaction.
  Status MarkChunkDone(const std::string& table_key, int64_t index, int64_t rows, int64_t bytes);

  // Forgets a table's chunk plan and index records, so that it is copied
  // again from the start (its table record is the caller's to reset).
  Status ForgetTableWork(const std::string& table_key);

  Status SaveIndex(const IndexRecord& record);
  Result<std::vector<IndexRecord>> LoadIndexes(const std::string& table_key);

  // Drops everything (for --restart).
  Status Reset();

 private:
  explicit MetaStore(sqlite3* db) : db_(db) {}

  Mutex mu_;
  sqlite3* db_ GODWIT_GUARDED_BY(mu_);
};

}  // namespace godwit
