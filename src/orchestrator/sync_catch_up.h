// A verification beside a synchronization of this process waits on it
// before it confirms a difference (verify/recheck.h): the destination is
// behind the source by the replay latency, so a row read on the source a
// moment ago may not be on the destination yet. Here, where both the
// verifier and the synchronizer are known, so that neither depends on the
// other.
#pragma once

#include <atomic>
#include <functional>

#include "sync/synchronizer.h"
#include "verify/recheck.h"

namespace godwit {

// Waits on a Synchronizer of this process, through its status. With the
// heartbeat running (the usual case), everything the source committed
// before T is on the destination once the Writer has committed a heartbeat
// written after T: the heartbeat row is committed on the source after it
// was written, and the Writer applies in commit order. Without a heartbeat
// (no right to create its table on the source), it waits until the Writer
// has applied everything captured one second after T, which holds once
// capture keeps up with the source.
class SyncCatchUp : public CatchUpWaiter {
 public:
  // `status` reads the synchronization's status (Synchronizer::status());
  // `cancel`, when set, ends a wait early with kCancelled.
  explicit SyncCatchUp(std::function<SyncStatus()> status, const std::atomic<bool>* cancel = nullptr)
      : status_(std::move(status)), cancel_(cancel) {}

  Status WaitPast(std::chrono::system_clock::time_point before, std::chrono::seconds timeout) override;

 private:
  std::function<SyncStatus()> status_;
  const std::atomic<bool>* cancel_;
};

}  // namespace godwit
