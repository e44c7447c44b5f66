#include "common/retry.h"

#include <algorithm>
#include <thread>

namespace godwit {

std::chrono::milliseconds Backoff::Delay(int attempt) const {
  std::chrono::milliseconds d = initial;
  // Doubling stops at `max`, so no shift can overflow however many attempts.
  for (int i = 1; i < attempt && d < max; ++i) d *= 2;
  return std::min(d, max);
}

bool SleepUnlessCancelled(std::chrono::milliseconds d, const std::atomic<bool>& cancel) {
  using Clock = std::chrono::steady_clock;
  const auto until = Clock::now() + d;
  while (!cancel) {
    const auto now = Clock::now();
    if (now >= until) return true;
    std::this_thread::sleep_for(std::min<Clock::duration>(std::chrono::milliseconds(50), until - now));
  }
  return false;
}

}  // namespace godwit
