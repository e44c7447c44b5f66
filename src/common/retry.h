// Retrying with backoff: the one schedule and the one cancellable sleep the
// reconnect loops share (the Store's capture, the Writer, the full
// migration's snapshot and chunks, the verifier's tables).
//
// The schedule doubles from `initial` and stays at `max`: with the defaults
// 1, 2, 4, 8, 10, 10... seconds. A loop that retries an operation counts
// its failed attempts from 1 and sleeps Delay(attempt) before the next one.
//
// Thread-safety: Backoff is a value; SleepUnlessCancelled only reads
// `cancel`, which any thread may set.
#pragma once

#include <atomic>
#include <chrono>

namespace godwit {

struct Backoff {
  std::chrono::milliseconds initial{1000};
  std::chrono::milliseconds max{10000};

  // The wait after the `attempt`-th failure (1-based): initial * 2^(attempt-1),
  // at most `max`. Attempts under 1 count as 1.
  std::chrono::milliseconds Delay(int attempt) const;
};

// Sleeps up to `d`, returning early (within ~50 ms) once `cancel` is set.
// Returns false when it returned because of `cancel`.
bool SleepUnlessCancelled(std::chrono::milliseconds d, const std::atomic<bool>& cancel);

}  // namespace godwit
