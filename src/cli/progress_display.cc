#include "cli/progress_display.h"

#include <fmt/format.h>

#include <algorithm>

namespace godwit {

std::string HumanBytes(double b) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  int u = 0;
  while (b >= 1024 && u < 4) {
    b /= 1024;
    ++u;
  }
  return fmt::format("{:.1f} {}", b, units[u]);
}

std::string HumanDuration(double s) {
  if (s < 0) return "?";
  int64_t t = static_cast<int64_t>(s + 0.5);
  if (t >= 3600) return fmt::format("{}h{:02}m", t / 3600, (t / 60) % 60);
  if (t >= 60) return fmt::format("{}m{:02}s", t / 60, t % 60);
  return fmt::format("{}s", t);
}

std::string RenderProgress(const ProgressSnapshot& s, int max_tables) {
  int64_t estimated = 0, migrated = 0;
  for (const auto& t : s.tables) {
    estimated += std::max(t.estimated_rows, t.migrated_rows);
    migrated += t.migrated_rows;
  }
  double secs = std::max(s.elapsed_seconds, 0.001);
  double rps = s.rows_written / secs;
  double eta = rps > 0 && estimated > migrated ? (estimated - migrated) / rps : 0;
  std::string out = fmt::format("{:<11} {:>12} / ~{} rows  {:>9.0f} rows/s  {:>10}/s  elapsed {}  ETA {}\n", s.phase,
                                migrated, estimated, rps, HumanBytes(s.bytes_written / secs),
                                HumanDuration(s.elapsed_seconds), s.phase == "copying" ? HumanDuration(eta) : "-");
  int shown = 0, completed = 0, failed = 0;
  for (const auto& t : s.tables) {
    if (t.status == "completed") ++completed;
    if (t.status == "failed") ++failed;
  }
  for (const auto& t : s.tables) {
    if (t.status == "completed" || t.status == "pending") continue;
    if (shown++ >= max_tables) break;
    double pct = t.estimated_rows > 0 ? 100.0 * t.migrated_rows / t.estimated_rows : 0;
    out += fmt::format("  {:<40.40} {:>12} rows {:>5.1f}%  {}\n", t.source, t.migrated_rows, std::min(pct, 100.0),
                       t.status == "failed" ? "FAILED: " + t.error.substr(0, 80) : t.status);
  }
  out += fmt::format("  tables: {} completed, {} failed, {} in all\n", completed, failed, s.tables.size());
  return out;
}

std::string RenderSummary(const ProgressSnapshot& s) {
  double secs = std::max(s.elapsed_seconds, 0.001);
  std::string out;
  out += fmt::format("{:<44} {:>12} {:>12}  {}\n", "table", "rows", "estimated", "status");
  for (const auto& t : s.tables) {
    out += fmt::format("{:<44} {:>12} {:>12}  {}\n", t.source + (t.destination.empty() ? "" : " -> " + t.destination),
                       t.migrated_rows, t.estimated_rows, t.status);
    if (!t.error.empty()) out += "    error: " + t.error + "\n";
  }
  out += fmt::format(
      "\n{} rows ({}) in {}: {:.0f} rows/s, {}/s; per chunk: read {:.1f} ms, write {:.1f} ms, chunking {:.1f} ms\n",
      s.rows_written, HumanBytes(s.bytes_written), HumanDuration(s.elapsed_seconds), s.rows_written / secs,
      HumanBytes(s.bytes_written / secs), s.avg_read_ms, s.avg_write_ms, s.avg_chunking_ms);
  std::string phases;
  for (const auto& [name, secs] : s.phase_seconds) {
    if (secs >= 0.05) phases += fmt::format("{}{} {:.1f}s", phases.empty() ? "" : ", ", name, secs);
  }
  if (!phases.empty()) out += "phases: " + phases + "\n";
  for (const auto& w : s.warnings) out += "warning: " + w + "\n";
  return out;
}

}  // namespace godwit
