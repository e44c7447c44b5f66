#include "pipeline/progress.h"

namespace godwit {

void Progress::SetPhase(const std::string& phase) {
  MutexLock lock(mu_);
  auto now = std::chrono::steady_clock::now();
  if (!phase_.empty()) {
    phase_seconds_.emplace_back(phase_, std::chrono::duration<double>(now - phase_start_).count());
  }
  phase_ = phase;
  phase_start_ = now;
}

void Progress::SetTable(const TableProgress& table) {
  MutexLock lock(mu_);
  if (!tables_.count(table.source)) order_.push_back(table.source);
  tables_[table.source] = table;
}

void Progress::UpdateTable(const std::string& source, const std::string& status, const std::string& error) {
  MutexLock lock(mu_);
  auto& t = tables_[source];
  t.status = status;
  if (!error.empty() || status != "failed") t.error = error;
}

void Progress::AddTableRows(const std::string& source, int64_t rows) {
  MutexLock lock(mu_);
  tables_[source].migrated_rows += rows;
}

void Progress::AddWarning(const std::string& warning) {
  MutexLock lock(mu_);
  warnings_.push_back(warning);
}

ProgressSnapshot Progress::Snapshot() const {
  ProgressSnapshot s;
  {
    MutexLock lock(mu_);
    s.phase = phase_;
    for (const auto& key : order_) s.tables.push_back(tables_.at(key));
    s.warnings = warnings_;
    s.phase_seconds = phase_seconds_;
    if (!phase_.empty()) {
      s.phase_seconds.emplace_back(
          phase_, std::chrono::duration<double>(std::chrono::steady_clock::now() - phase_start_).count());
    }
  }
  s.rows_read = rows_read_;
  s.bytes_read = bytes_read_;
  s.rows_written = rows_written_;
  s.bytes_written = bytes_written_;
  s.chunks_done = chunks_done_;
  s.chunks_total = chunks_total_;
  s.elapsed_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  if (s.chunks_done > 0) {
    s.avg_read_ms = read_ns_ / 1e6 / s.chunks_done;
    s.avg_write_ms = write_ns_ / 1e6 / s.chunks_done;
  }
  if (planned_chunks_ > 0) s.avg_chunking_ms = chunking_ns_ / 1e6 / planned_chunks_;
  return s;
}

}  // namespace godwit
