// Appending small row events to the change log: events/s and MB/s (of
// encoded, uncompressed event bytes) with an fdatasync per Append.
//   change_log_bench [--benchmark_filter=...]   (GODWIT_BENCH_DIR picks the disk; default /tmp)
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <filesystem>

#include "store/change_log.h"
#include "store/event_codec.h"

namespace godwit::store {
namespace {

std::vector<ChangeEvent> SmallRows(uint64_t first, size_t n) {
  std::vector<ChangeEvent> v(n);
  for (size_t i = 0; i < n; ++i) {
    ChangeEvent& e = v[i];
    uint64_t id = first + i;
    e.kind = ChangeKind::kInsert;
    e.table = {"public", "sbtest1"};
    e.columns = {"id", "k", "c", "pad"};
    e.after = {FieldValue::Of(std::to_string(id)), FieldValue::Of(std::to_string(id * 7 % 100000)),
               FieldValue::Of("68487932199-96439406143-93774651418-" + std::to_string(id)),
               FieldValue::Of("22195207048-70116052123-" + std::to_string(id % 977))};
    e.position = PgLsnPos{"0/" + std::to_string(0x16B3748 + id * 64), "godwit_1"};
    e.commit_time_us = 1'700'000'000'000'000 + static_cast<int64_t>(id);
    e.transaction_id = std::to_string(1000 + id / 10);
  }
  return v;
}

// 1M events appended in batches of state.range(0).
void BM_Append1M(benchmark::State& state) {
  const size_t batch = static_cast<size_t>(state.range(0));
  constexpr uint64_t kEvents = 1'000'000;
  const char* base = std::getenv("GODWIT_BENCH_DIR");
  std::string dir = std::string(base ? base : "/tmp") + "/godwit_change_log_bench";
  // Batches are built up front so the timing is the log's alone.
  std::vector<std::vector<ChangeEvent>> batches;
  uint64_t raw_bytes = 0;
  for (uint64_t seq = 1; seq <= kEvents; seq += batch) {
    batches.push_back(SmallRows(seq, batch));
    std::string raw;
    EncodeEvents(batches.back(), &raw);
    raw_bytes += raw.size();
  }
  uint64_t disk_bytes = 0;
  for (auto _ : state) {
    state.PauseTiming();
    std::filesystem::remove_all(dir);
    auto log = std::move(ChangeLog::Open(dir)).value();
    disk_bytes = 0;
    state.ResumeTiming();
    for (const auto& b : batches) {
      auto r = log->Append(b);
      if (!r.ok()) {
        state.SkipWithError(r.status().ToString().c_str());
        return;
      }
      disk_bytes += r->bytes_written;
    }
  }
  std::filesystem::remove_all(dir);
  state.counters["events"] =
      benchmark::Counter(static_cast<double>(kEvents) * state.iterations(), benchmark::Counter::kIsRate);
  state.counters["MB"] =
      benchmark::Counter(static_cast<double>(raw_bytes) * state.iterations() / 1e6, benchmark::Counter::kIsRate);
  state.counters["compression"] = static_cast<double>(raw_bytes) / static_cast<double>(disk_bytes);
}
BENCHMARK(BM_Append1M)->Arg(100)->Arg(1000)->Arg(10000)->Unit(benchmark::kMillisecond)->Iterations(1)->UseRealTime();

}  // namespace
}  // namespace godwit::store

BENCHMARK_MAIN();
