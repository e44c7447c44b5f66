// The local change log: what capture (the Store) has read from a source,
// kept on disk until the Writer has applied it. One log per project and
// direction, in a directory of its own (store/segment.h has the format).
//
// Sequence numbers: every appended event gets the next sequence number,
// starting at 1 and never reused, across restarts and released segments.
//
// Durability contract: Append returns once its events are written and
// fdatasync'd. Capture confirms to the source (PostgreSQL standby status,
// the MySQL position it would restart from) only the `last_position` of an
// Append that returned OK; anything after it may be lost in a crash and is
// read from the source again.
//
// Recovery: Open scans the last segment record by record. A tail that is
// cut short, fails its checksum or does not decode — what a crash during
// Append leaves — is cut off (the file is truncated to the last good
// record) and reported in `recovery()`: the caller must restart capture
// from `recovery().last_position`, never from a position it remembers. A
// damaged record anywhere before the last segment's tail is an error (from
// Open, or from a reader that reaches it): those events were durable once,
// and skipping them would silently lose changes.
//
// Retention: Release(n) deletes the segments whose events are all <= n
// (what the Writer has applied and checkpointed). The segment being
// appended to is never deleted.
//
// Thread-safety: one thread appends (Append); Release, durable_seq,
// first_seq and OpenReader may be called from any thread, concurrently with
// Append. Each ChangeLogReader is used by one thread at a time, may run
// while Append runs, and may outlive the ChangeLog. Only one ChangeLog may
// have a directory open at a time (an flock on `LOCK` enforces it across
// processes).
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/mutex.h"
#include "common/status.h"
#include "model/change_event.h"
#include "store/segment.h"

namespace godwit::store {

struct ChangeLogOptions {
  // Roll to a new segment once the current one is at least this large.
  uint64_t segment_bytes = 64ull << 20;
  // An Append is split into records of about this many uncompressed bytes.
  size_t record_bytes = 1u << 20;
  // zstd level; 0 stores records uncompressed.
  int zstd_level = 1;
  // Also verify the checksum of every record of every segment at Open (not
  // only the last segment's); costs a full read of the log.
  bool verify_all_on_open = false;
};

// What Open found and did.
struct RecoveryReport {
  // True when a damaged tail was cut off; capture must re-read the source
  // from `last_position`.
  bool tail_cut = false;
  std::string segment;  // the file that was cut (or removed), when tail_cut
  uint64_t bytes_dropped = 0;
  std::string reason;  // why the tail was not valid
  // The last event the log holds durably (0 when it holds none), and its
  // restart position: where capture continues. With no event, the position
  // stored with the last segment (NoPosition for a new log).
  uint64_t last_seq = 0;
  Position last_position;
};

struct AppendResult {
  uint64_t first_seq = 0;      // of the first event appended (0 when none were)
  uint64_t last_seq = 0;       // the log's last durable sequence after this Append
  Position last_position;      // restart position of the event last_seq
  uint64_t bytes_written = 0;  // on disk, framing included
};

struct LogEntry {
  uint64_t seq = 0;
  ChangeEvent event;
};

struct LogShared;  // state shared between a log and its readers

// Reads events in sequence order from a start point; sees what Append has
// made durable, including events appended after the reader was opened.
class ChangeLogReader {
 public:
  ~ChangeLogReader();

  // The next event, or nullopt when the reader has caught up with the
  // durable end of the log (call again later; never blocks). An error —
  // a damaged record, a released segment — is sticky.
  Result<std::optional<LogEntry>> Next();

  // The sequence number Next will return next.
  uint64_t next_seq() const { return next_seq_; }

 private:
  friend class ChangeLog;
  ChangeLogReader(std::shared_ptr<LogShared> shared, uint64_t from_seq, int zstd_level);
  Status ReadRecord();  // fills pending_ with the next record, or leaves it empty when caught up
  Status OpenSegment(uint64_t first_seq);

  std::shared_ptr<LogShared> shared_;
  RecordCodec codec_;
  uint64_t next_seq_;         // next event to return
  uint64_t next_record_seq_;  // first event of the next record to read
  File file_;                 // segment being read
  uint64_t offset_ = 0;       // of the next record in file_
  std::vector<ChangeEvent> pending_;
  size_t pending_index_ = 0;
  uint64_t pending_first_seq_ = 0;
  std::string raw_;
  Status error_;
};

class ChangeLog {
 public:
  // Opens (creating when missing) the log in `dir`, recovering its tail.
  // Errors: kMetadata for I/O and for damage before the last segment's
  // tail; kConflict when another ChangeLog has the directory open.
  static Result<std::unique_ptr<ChangeLog>> Open(const std::string& dir, ChangeLogOptions options = {});
  ~ChangeLog();

  const RecoveryReport& recovery() const { return recovery_; }

  // Appends `events` as one or more records and makes them durable. On an
  // I/O error nothing of this call is durable and the log refuses further
  // appends (reopen it: recovery cuts whatever was half-written). An empty
  // `events` appends nothing and reports the current end.
  Result<AppendResult> Append(const std::vector<ChangeEvent>& events);

  // The last durable sequence number (0 when the log holds none yet).
  uint64_t durable_seq() const;
  // Restart position of the event durable_seq (appending thread only).
  const Position& last_position() const { return last_position_; }
  // The oldest sequence number still stored (readers may start there).
  uint64_t first_seq() const;

  // A reader returning events from `from_seq` on. `from_seq` must be
  // between first_seq() and durable_seq() + 1; kNotFound when its segment
  // was released, kInvalidArgument when it is past the end.
  Result<std::unique_ptr<ChangeLogReader>> OpenReader(uint64_t from_seq) const;

  // Deletes every segment whose events are all <= up_to_seq (clamped to
  // durable_seq()); returns how many were deleted. The segment being
  // appended to stays. Readers still positioned in a deleted segment keep
  // reading it (the file stays open), but opening a reader there fails.
  Result<size_t> Release(uint64_t up_to_seq);

  const std::string& dir() const { return dir_; }

 private:
  ChangeLog(std::string dir, ChangeLogOptions options);
  Status Recover();
  Status RecoverLastSegment(std::vector<uint64_t>* firsts);
  Status CheckEarlierSegment(uint64_t first_seq, uint64_t next_first_seq);
  // Validates the record at `offset` of `file`: its header, that it starts
  // at sequence `expected`, and — with `decode` — its checksummed body and
  // its events (into `events`); without, only that it fits in the file.
  // kEnd at the end of the file; kBad with `why` for any damage.
  Result<ReadOutcome> ScanRecord(const File& file, const std::string& path, uint64_t offset, uint64_t expected,
                                 bool decode, RecordHeader* header, std::string* raw, std::vector<ChangeEvent>* events,
                                 std::string* why);
  Status CreateSegment(uint64_t first_seq, const Position& start_position);
  Status WriteRecord(uint64_t first_seq, uint32_t count, const std::string& raw, uint64_t* bytes);

  std::string dir_;
  ChangeLogOptions options_;
  std::shared_ptr<LogShared> shared_;
  RecoveryReport recovery_;
  int lock_fd_ = -1;

  // Appending thread only (Append holds append_mu_ so that a misuse from
  // two threads serialises instead of corrupting the file).
  Mutex append_mu_;
  RecordCodec codec_;
  File active_;  // the last segment, open for append
  uint64_t active_header_size_ = 0;
  uint64_t next_seq_ = 1;   // the next event's sequence number
  Position last_position_;  // of event next_seq_ - 1
  Status failed_;           // sticky after an I/O error in Append
  std::string raw_, body_, frame_;
};

}  // namespace godwit::store
