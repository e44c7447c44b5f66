#include "orchestrator/sync_catch_up.h"

#include <thread>

namespace godwit {

Status SyncCatchUp::WaitPast(std::chrono::system_clock::time_point before, std::chrono::seconds timeout) {
  using namespace std::chrono;
  const int64_t t_us = duration_cast<microseconds>(before.time_since_epoch()).count();
  const auto deadline = steady_clock::now() + timeout;
  std::optional<uint64_t> captured_target;
  while (true) {
    if (cancel_ && *cancel_) return Status(ErrorCode::kCancelled, "verification stopped");
    const SyncStatus s = status_();
    if (!s.running) {
      return Status(ErrorCode::kConnectionLost,
                    "incremental synchronization is not running, so a difference cannot be told from a change "
                    "still on its way",
                    "Resume the synchronization, then verify again.");
    }
    if (s.heartbeat) {
      if (s.applied_beat_written_us > t_us) return Status();
    } else {
      if (!captured_target && system_clock::now() >= before + seconds(1)) captured_target = s.captured_seq;
      if (captured_target && s.applied_seq >= *captured_target) return Status();
    }
    if (steady_clock::now() >= deadline) {
      return Status(ErrorCode::kReadFailed,
                    "the destination did not catch up with the source within " + std::to_string(timeout.count()) + " s",
                    "Synchronization latency is high; verify the records again once it is low.");
    }
    std::this_thread::sleep_for(milliseconds(50));
  }
}

}  // namespace godwit
