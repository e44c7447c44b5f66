#include "sync/synchronizer.h"

#include <algorithm>
#include <deque>
#include <map>
#include <thread>

#include <fmt/format.h>
#include <nlohmann/json.hpp>

#include "common/retry.h"
#include "connector/session.h"
#include "meta/meta_store.h"
#include "model/row_collector.h"
#include "model/object_mapping.h"
#include "schema/dialect.h"
#include "schema/table_conversion.h"
#include "store/capture.h"
#include "store/change_log.h"
#include "sync/ddl_sync.h"
#include "sync/heartbeat.h"
#include "sync/schema_sync.h"
#include "sync/sync_shared.h"
#include "sync/writer.h"

namespace godwit {
namespace {

using Clock = std::chrono::steady_clock;
using nlohmann::json;

std::string Seconds(double s) {
  if (s < 10) return fmt::format("{:.1f} seconds", s);
  return fmt::format("{:.0f} seconds", s);
}

}  // namespace

std::string FormatLatency(const SyncStatus& s) {
  if (!s.latency_seconds) return "unknown (nothing applied yet)";
  return Seconds(*s.latency_seconds) + " (updated " + Seconds(s.latency_updated_seconds_ago) + " ago)";
}

json SyncStatusToJson(const SyncStatus& s) {
  json tables = json::array();
  for (const auto& t : s.tables) {
    tables.push_back({{"source", t.source},
                      {"destination", t.destination},
                      {"inserts", t.inserts},
                      {"updates", t.updates},
                      {"deletes", t.deletes},
                      {"total", t.inserts + t.updates + t.deletes}});
  }
  return json{{"running", s.running},
              {"status", s.monitoring ? "monitoring" : "running"},
              {"latency", FormatLatency(s)},
              {"latency_seconds", s.latency_seconds ? json(*s.latency_seconds) : json(nullptr)},
              {"latency_updated_seconds_ago", s.latency_updated_seconds_ago},
              {"heartbeat", s.heartbeat},
              {"applied_position", PositionToString(s.applied_position)},
              {"applied_source_time_us", s.applied_source_time_us},
              {"applied_beat_written_us", s.applied_beat_written_us},
              {"applied_sequence", s.applied_seq},
              {"captured_position", PositionToString(s.captured_position)},
              {"captured_position_json", PositionToJson(s.captured_position)},
              {"captured_source_time_us", s.captured_source_time_us},
              {"captured_sequence", s.captured_seq},
              {"metrics",
               {{"transactions", s.transactions},
                {"rows", s.rows},
                {"bytes", s.bytes},
                {"rows_per_second", s.rows_per_second},
                {"bytes_per_second", s.bytes_per_second},
                {"avg_statement_ms", s.avg_statement_ms},
                {"avg_commit_ms", s.avg_commit_ms},
                {"store_reconnects", s.store_reconnects},
                {"writer_reconnects", s.writer_reconnects}}},
              {"tables", tables},
              {"warnings", s.warnings},
              {"applied_ddl", s.applied_ddl},
              {"failed_ddl", s.failed_ddl ? json{{"sequence", s.failed_ddl->sequence},
                                                 {"statement", s.failed_ddl->statement},
                                                 {"error", s.failed_ddl->error}}
                                          : json(nullptr)},
              {"retention_alert", s.retention_alert}};
}

Result<std::optional<Position>> RecordedStartPosition(const std::string& state_path) {
  ASSIGN_OR_RETURN(auto meta, MetaStore::Open(state_path));
  ASSIGN_OR_RETURN(auto record, meta->LoadMigration());
  if (!record || record->position_json.empty()) return std::optional<Position>();
  ASSIGN_OR_RETURN(Position start, PositionFromJson(record->position_json));
  if (std::holds_alternative<NoPosition>(start)) {
    return Status(ErrorCode::kServerConfig,
                  "the source reported no change-log position when the copy started (binary logging off?)",
                  "Enable log_bin with binlog_format=ROW on the source, then copy again from a new snapshot "
                  "(godwit migrate --restart, or clone the project).");
  }
  return std::optional<Position>(std::move(start));
}

// Wires the parts together: the Store (capture), the Writer, and the
// monitor thread (heartbeat and retention watch), over SyncShared.
struct Synchronizer::Impl : SyncShared {
  explicit Impl(SyncOptions o) : SyncShared(std::move(o)) {}

  Status Prepare();
  void Monitor();
  Status OpenLog();  // opens the change log and creates the Store over it
  void CloseLog();   // after the Store stopped: lets go of the log's directory
  void CheckRetention(Session& src);
  Result<std::unique_ptr<ChangeStream>> OpenStream(const Position& from);

  // The source's change capture (slot and publication, or binlog replica).
  std::unique_ptr<ChangeCapture> source_capture;
  DdlSync ddl{*this};
  Writer writer{*this, ddl};
  std::unique_ptr<store::Capture> capture;
};

Synchronizer::Synchronizer(SyncOptions options) : impl_(std::make_unique<Impl>(std::move(options))) {}
Synchronizer::~Synchronizer() = default;

void Synchronizer::RequestStopWhenCaughtUp() { impl_->stop_requested = true; }

SyncStatus Synchronizer::status() const {
  MutexLock lock(impl_->mu);
  SyncStatus s = impl_->status;
  if (s.latency_seconds) {
    s.latency_updated_seconds_ago = std::chrono::duration<double>(Clock::now() - impl_->applied_at).count();
  }
  if (impl_->capture) {
    auto cs = impl_->capture->stats();
    s.captured_seq = cs.durable_seq;
    s.captured_position = cs.durable_position;
    if (cs.last_commit_time_us) s.captured_source_time_us = cs.last_commit_time_us;
    s.store_reconnects = cs.reconnects;
  }
  s.tables.clear();
  for (const auto& [ref, t] : impl_->by_table) s.tables.push_back(t);
  if (impl_->statements) s.avg_statement_ms = impl_->statement_ms / static_cast<double>(impl_->statements);
  if (impl_->commits) s.avg_commit_ms = impl_->commit_ms / static_cast<double>(impl_->commits);
  if (impl_->samples.size() >= 2) {
    const auto& [t0, r0, b0] = impl_->samples.front();
    const auto& [t1, r1, b1] = impl_->samples.back();
    double secs = std::max(std::chrono::duration<double>(Clock::now() - t0).count(), 0.001);
    (void)t1;
    s.rows_per_second = static_cast<double>(r1 - r0) / secs;
    s.bytes_per_second = static_cast<double>(b1 - b0) / secs;
  }
  return s;
}

Status Synchronizer::Impl::Prepare() {
  // kUnsupported, saying what to do, for a source that keeps no change log.
  if (!source_capture) {
    ASSIGN_OR_RETURN(source_capture, OpenChangeCapture(opt.source, opt.capture));
  }
  if (opt.stream_id.empty()) return Status(ErrorCode::kInternal, "the synchronization needs a stream id");
  ASSIGN_OR_RETURN(auto src, Connect(opt.source));
  ASSIGN_OR_RETURN(auto dst, Connect(opt.destination));
  source_default_schema = src->default_schema();
  mapping.emplace(opt.objects, src->default_schema(), dst->default_schema());
  auto catalog = src->ReadCatalog([&](const TableRef& ref) { return mapping->Includes(ref); });
  if (!catalog.ok()) return catalog.status().WithContext("reading the source catalog");
  const Dialect& dst_dialect = DialectFor(opt.destination.engine);
  for (const TableSchema& t : catalog->tables) {
    auto converted = ConvertTable(t, mapping->DestinationOf(t.ref), src->engine(), dst_dialect, &*mapping);
    if (!converted.ok()) {
      Warn("changes to " + t.ref.ToString() + " are not applied: " + converted.status().message());
      continue;
    }
    MutexLock lock(mu);
    SyncTableStats stats{t.ref.ToString(), converted->table.ref.ToString()};
    for (const auto& carried : opt.carried_tables) {
      if (carried.source == stats.source) {
        stats.inserts = carried.inserts;
        stats.updates = carried.updates;
        stats.deletes = carried.deletes;
      }
    }
    by_table[t.ref] = stats;
    ddl.AddTable(t.ref, std::move(converted->table));
  }
  heartbeat_ref = HeartbeatTable(*src);
  heartbeat = false;
  // Projects from before DDL capture get it here; for the others this
  // refreshes it (the object rules may have changed).
  std::vector<std::string> warnings;
  const std::optional<TableRef> ddl_log = source_capture->RefreshDdlLog(*src, opt.objects, warnings);
  for (const std::string& w : warnings) Warn(w);
  if (ddl_log) {
    ddl_log_ref = *ddl_log;
    RETURN_IF_ERROR(ddl.LoadPgCatalog(*src, catalog->tables));
  }
  if (opt.heartbeat) {
    Status st = EnsureHeartbeat(*src, opt.stream_id);
    // The capture must carry the heartbeat table (an older setup may not).
    if (st.ok()) st = source_capture->EnsureCaptured(*src, heartbeat_ref);
    if (st.ok()) {
      heartbeat = true;
    } else {
      Warn("no heartbeat: " + st.ToString() + " — lag is measured from the application's own writes only");
    }
  }
  MutexLock lock(mu);
  status.heartbeat = heartbeat;
  return Status();
}

Result<std::unique_ptr<ChangeStream>> Synchronizer::Impl::OpenStream(const Position& from) {
  return source_capture->Open(from, [this](const TableRef& ref) {
    // {db, ""} asks whether DDL run in database db may concern the
    // migration: any may (a statement run elsewhere can name a migrated
    // table as db.table), so all DDL is kept and the Writer picks what
    // concerns it.
    if (ref.name.empty()) return true;
    return ref == heartbeat_ref || InScope(ref);
  });
}

Status Synchronizer::RunCapture(const std::atomic<bool>& stop) {
  Impl& m = *impl_;
  RETURN_IF_ERROR(m.Prepare());
  RETURN_IF_ERROR(m.OpenLog());
  m.stop_all = false;
  Status store_status;
  std::thread store([&] { store_status = m.capture->Run(m.stop_all); });
  std::thread monitor([&] { m.Monitor(); });
  while (!stop && !m.stop_all) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  m.stop_all = true;
  store.join();
  monitor.join();
  m.CloseLog();
  if (!store_status.ok() && store_status.code() != ErrorCode::kCancelled) {
    return store_status.WithContext("capturing changes from " + m.opt.source.Redacted());
  }
  return Status();
}

Status Synchronizer::Impl::OpenLog() {
  auto opened = store::ChangeLog::Open(opt.log_dir);
  if (!opened.ok()) return opened.status().WithContext("opening the change log " + opt.log_dir);
  if ((*opened)->recovery().tail_cut) {
    Warn("the change log's last record was incomplete (" + (*opened)->recovery().reason +
         "); it was cut and is read from the source again");
  }
  MutexLock lock(mu);
  log = std::move(*opened);
  capture = std::make_unique<store::Capture>(
      *log, [this](const Position& from) { return OpenStream(from); }, opt.start);
  status.running = true;
  return Status();
}

void Synchronizer::Impl::CloseLog() {
  MutexLock lock(mu);
  status.running = false;
  if (capture) {
    // Keep what the Store reported for status() after it stopped.
    auto cs = capture->stats();
    status.captured_seq = cs.durable_seq;
    status.captured_position = cs.durable_position;
    if (cs.last_commit_time_us) status.captured_source_time_us = cs.last_commit_time_us;
  }
  capture.reset();
  log.reset();
}

Status Synchronizer::Run(const std::atomic<bool>& cancel) {
  Impl& m = *impl_;
  RETURN_IF_ERROR(m.Prepare());
  if (m.stop_requested && !m.heartbeat) {
    return Status(ErrorCode::kUnsupported,
                  "stopping once caught up needs Godwit's heartbeat row on the source, and it could not be written",
                  "Grant the migration user CREATE, INSERT and UPDATE on the source's default schema (the heartbeat "
                  "table godwit_heartbeat), or stop the synchronization with Ctrl-C instead.");
  }
  RETURN_IF_ERROR(m.OpenLog());
  m.stop_all = false;
  Status store_status;
  std::thread store([&] {
    Status st = m.capture->Run(m.stop_all);
    if (!st.ok() && st.code() != ErrorCode::kCancelled) {
      store_status = st.WithContext("capturing changes from " + m.opt.source.Redacted());
      m.stop_all = true;
    }
  });
  std::thread monitor([&] { m.Monitor(); });
  Status writer_status = m.writer.Run(cancel);
  m.stop_all = true;
  store.join();
  monitor.join();
  m.CloseLog();
  if (!store_status.ok()) return store_status;
  return writer_status;
}

void Synchronizer::Impl::Monitor() {
  std::unique_ptr<Session> src;
  auto next_beat = Clock::now();
  auto next_retention = Clock::now() + std::chrono::seconds(2);
  while (!stop_all) {
    auto now = Clock::now();
    bool beat_due = heartbeat && (now >= next_beat || (stop_requested && target_beat == 0));
    bool retention_due = now >= next_retention;
    if (beat_due || retention_due) {
      if (!src) {
        auto s = Connect(opt.source);
        if (s.ok()) src = std::move(*s);
      }
      if (src && beat_due) {
        // The stop marker is read before the write, so the beat written
        // here is after every commit that preceded the request.
        const bool marking = stop_requested.load();
        const int64_t seq = NowMicros();
        Status st = WriteHeartbeat(*src, opt.stream_id, seq);
        if (st.ok()) {
          if (marking && target_beat == 0) target_beat = seq;
        } else {
          src.reset();  // reconnect at the next beat; the Store reports a source that stays down
        }
        next_beat = now + opt.heartbeat_interval;
      }
      if (src && retention_due) {
        CheckRetention(*src);
        next_retention = now + opt.retention_check_interval;
      }
    }
    SleepUnlessCancelled(std::chrono::milliseconds(50), stop_all);
  }
}

void Synchronizer::Impl::CheckRetention(Session& src) {
  Position needed;
  int64_t needed_time_us = 0;
  {
    MutexLock lock(mu);
    if (!capture) return;
  }
  auto cs = capture->stats();
  needed = cs.durable_position;
  needed_time_us = cs.last_commit_time_us;
  auto alert = source_capture->RetentionAlert(src, needed, needed_time_us);
  if (!alert.ok()) return;  // the next check tries again
  MutexLock lock(mu);
  status.retention_alert = *alert;
}

CaptureDuringCopy::CaptureDuringCopy(std::function<bool()> ready, OptionsFn options,
                                     std::function<void(const Status&)> on_error)
    : ready_(std::move(ready)), options_(std::move(options)), on_error_(std::move(on_error)) {
  thread_ = std::thread([this] { Run(); });
}

CaptureDuringCopy::~CaptureDuringCopy() { Stop(); }

void CaptureDuringCopy::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void CaptureDuringCopy::Run() {
  std::optional<SyncOptions> so;
  while (!stop_ && !so) {
    if (ready_()) {
      auto found = options_();
      if (!found.ok()) {
        on_error_(found.status());
        return;
      }
      so = std::move(*found);
    }
    if (!so) std::this_thread::sleep_for(std::chrono::milliseconds(250));
  }
  if (!so) return;
  Synchronizer capture(*so);
  if (Status st = capture.RunCapture(stop_); !st.ok()) on_error_(st);
}

}  // namespace godwit
