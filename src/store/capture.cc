#include "store/capture.h"

#include <algorithm>
#include <variant>

#include "common/retry.h"

namespace godwit::store {
namespace {

using Clock = std::chrono::steady_clock;

bool IsNone(const Position& p) { return std::holds_alternative<NoPosition>(p); }

}  // namespace

Capture::Capture(ChangeLog& log, StreamOpener open, Position initial, CaptureOptions options)
    : log_(log), open_(std::move(open)), initial_(std::move(initial)), options_(options) {
  MutexLock lock(mu_);
  stats_.durable_seq = log_.durable_seq();
  stats_.durable_position = log_.last_position();
}

CaptureStats Capture::stats() const {
  MutexLock lock(mu_);
  return stats_;
}

Result<uint64_t> Capture::EventsOfUnfinishedTransaction() {
  if (log_.durable_seq() == 0) return uint64_t{0};
  // The Writer releases segments only up to a commit it applied, so the
  // unfinished transaction's kBegin is always still stored; counting from
  // the last kCommit seen gives its length whatever precedes it.
  ASSIGN_OR_RETURN(auto reader, log_.OpenReader(log_.first_seq()));
  uint64_t since_commit = 0;
  while (true) {
    ASSIGN_OR_RETURN(auto entry, reader->Next());
    if (!entry) break;
    since_commit = entry->event.kind == ChangeKind::kCommit ? 0 : since_commit + 1;
  }
  return since_commit;
}

Status Capture::Flush(ChangeStream& stream) {
  if (pending_.empty()) return Status();
  ASSIGN_OR_RETURN(AppendResult appended, log_.Append(pending_));
  uint64_t commits = 0;
  int64_t commit_time = 0;
  for (const auto& e : pending_) {
    if (e.kind == ChangeKind::kCommit) {
      durable_in_transaction_ = 0;
      ++commits;
      commit_time = e.commit_time_us;
    } else {
      ++durable_in_transaction_;
    }
  }
  {
    MutexLock lock(mu_);
    stats_.events += pending_.size();
    stats_.transactions += commits;
    stats_.durable_seq = appended.last_seq;
    stats_.durable_position = appended.last_position;
    if (commits > 0) stats_.last_commit_time_us = commit_time;
  }
  pending_.clear();
  // Only now may the source forget it.
  return stream.Confirm(appended.last_position);
}

Status Capture::Run(const std::atomic<bool>& cancel) {
  ASSIGN_OR_RETURN(durable_in_transaction_, EventsOfUnfinishedTransaction());
  int failures = 0;
  while (!cancel) {
    const Position from = IsNone(log_.last_position()) ? initial_ : log_.last_position();
    auto opened = open_(from);
    Status st = opened.status();
    if (opened.ok()) {
      ChangeStream& stream = **opened;
      uint64_t repeat = durable_in_transaction_;  // re-sent events already in the log
      pending_.clear();
      Clock::time_point first_pending{};
      Clock::time_point last_confirm = Clock::now();
      const auto poll = std::min(options_.flush_interval, std::chrono::milliseconds(200));
      while (!cancel) {
        auto next = stream.Next(poll);
        if (!next.ok()) {
          st = next.status();
          break;
        }
        const bool got = next->has_value();
        if (got) {
          failures = 0;  // the source is back and delivering
          if (repeat > 0) {
            --repeat;
            continue;
          }
          if (pending_.empty()) first_pending = Clock::now();
          pending_.push_back(std::move(**next));
        }
        const bool due = pending_.size() >= options_.batch_events ||
                         (!pending_.empty() && (!got || Clock::now() - first_pending >= options_.flush_interval));
        if (due) {
          st = Flush(stream);
          if (!st.ok()) break;
          last_confirm = Clock::now();
        } else if (!got && !IsNone(log_.last_position()) && Clock::now() - last_confirm >= std::chrono::seconds(1)) {
          // Idle: keep confirming, so the source sees a live consumer.
          st = stream.Confirm(log_.last_position());
          if (!st.ok()) break;
          last_confirm = Clock::now();
        }
      }
      if (cancel && st.ok()) {
        RETURN_IF_ERROR(Flush(stream));
        return Status(ErrorCode::kCancelled, "capture stopped; it resumes from the change log's end");
      }
    }
    if (!st.retryable() || ++failures > options_.max_reconnects) return st;
    // What was read but not appended is read again from the log's end.
    pending_.clear();
    {
      MutexLock lock(mu_);
      ++stats_.reconnects;
    }
    SleepUnlessCancelled(Backoff{.max = options_.max_backoff}.Delay(failures), cancel);
  }
  return Status(ErrorCode::kCancelled, "capture stopped; it resumes from the change log's end");
}

}  // namespace godwit::store
