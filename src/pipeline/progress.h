// Live progress and metrics of a full migration, updated by the workers
// and read by the CLI's display (or later the API).
//
// Thread-safety: every method may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "common/mutex.h"

namespace godwit {

struct TableProgress {
  std::string source;  // "schema.table"
  std::string destination;
  int64_t estimated_rows = 0;
  int64_t migrated_rows = 0;
  std::string status;  // pending, schema, copying, indexing, constraints, completed, failed, skipped
  std::string error;
};

struct ProgressSnapshot {
  std::string phase;
  std::vector<TableProgress> tables;
  int64_t rows_read = 0, bytes_read = 0, rows_written = 0, bytes_written = 0;
  int64_t chunks_done = 0, chunks_total = 0;
  double elapsed_seconds = 0;
  // Averages per chunk, milliseconds.
  double avg_read_ms = 0, avg_write_ms = 0, avg_chunking_ms = 0;
  std::vector<std::string> warnings;
  // Seconds spent in each phase so far, in the order the phases ran.
  std::vector<std::pair<std::string, double>> phase_seconds;
};

class Progress {
 public:
  Progress() : start_(std::chrono::steady_clock::now()) {}

  void SetPhase(const std::string& phase);
  void SetTable(const TableProgress& table);
  void UpdateTable(const std::string& source, const std::string& status, const std::string& error = {});
  void AddTableRows(const std::string& source, int64_t rows);
  void AddWarning(const std::string& warning);

  void AddChunksTotal(int64_t n) { chunks_total_ += n; }
  // A chunk the destination committed: rows and bytes written.
  void ChunkDone(int64_t rows, int64_t bytes, int64_t read_ns, int64_t write_ns) {
    rows_written_ += rows;
    bytes_written_ += bytes;
    chunks_done_ += 1;
    read_ns_ += read_ns;
    write_ns_ += write_ns;
  }
  // Rows handed over by the source as it streams them, before (and
  // whether or not) the destination commits them.
  void RowsRead(int64_t rows, int64_t bytes) {
    rows_read_ += rows;
    bytes_read_ += bytes;
  }
  // Time spent splitting tables into `chunks` chunks in all; the snapshot
  // reports it per chunk planned.
  void ChunkingTime(int64_t ns, int64_t chunks) {
    chunking_ns_ += ns;
    planned_chunks_ += chunks;
  }

  ProgressSnapshot Snapshot() const;

 private:
  const std::chrono::steady_clock::time_point start_;
  mutable Mutex mu_;
  std::string phase_ GODWIT_GUARDED_BY(mu_);
  std::chrono::steady_clock::time_point phase_start_ GODWIT_GUARDED_BY(mu_);
  std::vector<std::pair<std::string, double>> phase_seconds_ GODWIT_GUARDED_BY(mu_);
  std::map<std::string, TableProgress> tables_ GODWIT_GUARDED_BY(mu_);
  std::vector<std::string> order_ GODWIT_GUARDED_BY(mu_);
  std::vector<std::string> warnings_ GODWIT_GUARDED_BY(mu_);
  std::atomic<int64_t> rows_read_{0}, bytes_read_{0}, rows_written_{0}, bytes_written_{0};
  std::atomic<int64_t> chunks_done_{0}, chunks_total_{0};
  std::atomic<int64_t> read_ns_{0}, write_ns_{0}, chunking_ns_{0}, planned_chunks_{0};
};

}  // namespace godwit
