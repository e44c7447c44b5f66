// Waiting in tests for something another process or thread brings about.
#pragma once

#include <chrono>
#include <thread>

namespace godwit::testing {

// Asks `done` every `interval` until it holds or `timeout` has passed, then
// once more, so a condition met right at the deadline still counts. Returns
// whether it held. Each caller keeps its own interval: a test that polls a
// database every 500 ms should not start polling it every 20 ms.
template <typename F>
bool PollUntil(std::chrono::milliseconds timeout, std::chrono::milliseconds interval, F done) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(interval);
  }
  return done();
}

}  // namespace godwit::testing
