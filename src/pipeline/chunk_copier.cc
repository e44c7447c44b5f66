#include "pipeline/chunk_copier.h"

#include <chrono>
#include <deque>
#include <thread>

#include "common/mutex.h"

namespace godwit {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// The hand-off between the reader (producer) and the writer (consumer).
class BatchQueue : public BatchConsumer, public BatchSource {
 public:
  BatchQueue(size_t capacity, const std::atomic<bool>* cancel, const std::function<void(int64_t, int64_t)>* on_read)
      : capacity_(capacity), cancel_(cancel), on_read_(on_read) {}

  // Reader side.
  Status Consume(RowBatch& batch) override {
    if (cancel_ && cancel_->load()) return Status(ErrorCode::kCancelled, "stopped by the user");
    if (on_read_ && *on_read_) {
      (*on_read_)(static_cast<int64_t>(batch.rows()), static_cast<int64_t>(batch.payload_bytes()));
    }
    MutexLock lock(mu_);
    while (queue_.size() >= capacity_ && !writer_gone_) not_full_.Wait(mu_);
    if (writer_gone_) return Status(ErrorCode::kCancelled, "the destination stopped taking rows");
    rows_ += static_cast<int64_t>(batch.rows());
    bytes_ += static_cast<int64_t>(batch.payload_bytes());
    queue_.push_back(std::move(batch));
    batch.Clear(queue_.back().columns());
    not_empty_.NotifyOne();
    return Status();
  }
  void FinishReading(Status status) {
    MutexLock lock(mu_);
    reader_done_ = true;
    reader_status_ = std::move(status);
    not_empty_.NotifyOne();
  }

  // Writer side.
  Result<bool> Next(RowBatch& batch) override {
    MutexLock lock(mu_);
    while (queue_.empty() && !reader_done_) not_empty_.Wait(mu_);
    if (cancel_ && cancel_->load()) return Status(ErrorCode::kCancelled, "stopped by the user");
    if (!queue_.empty()) {
      batch = std::move(queue_.front());
      queue_.pop_front();
      not_full_.NotifyOne();
      return true;
    }
    if (!reader_status_.ok()) return reader_status_;
    return false;
  }
  void WriterGone() {
    MutexLock lock(mu_);
    writer_gone_ = true;
    queue_.clear();
    not_full_.NotifyOne();
  }

  int64_t rows() const { return rows_; }
  int64_t bytes() const { return bytes_; }

 private:
  const size_t capacity_;
  const std::atomic<bool>* cancel_;
  const std::function<void(int64_t, int64_t)>* on_read_;
  Mutex mu_;
  CondVar not_full_, not_empty_;
  std::deque<RowBatch> queue_ GODWIT_GUARDED_BY(mu_);
  bool reader_done_ GODWIT_GUARDED_BY(mu_) = false;
  bool writer_gone_ GODWIT_GUARDED_BY(mu_) = false;
  Status reader_status_ GODWIT_GUARDED_BY(mu_);
  int64_t rows_ = 0, bytes_ = 0;  // reader thread only until join
};

}  // namespace

Result<ChunkCopyStats> CopyChunk(Session& source, Session& destination, const ChunkCopyRequest& req) {
  BatchQueue queue(req.queue_batches, req.cancel, &req.on_read);
  ChunkCopyStats stats;
  Status write_status;
  std::thread writer([&] {
    int64_t t0 = NowNs();
    write_status = destination.BulkLoad(*req.destination, req.pre_sql, queue);
    stats.write_ns = NowNs() - t0;
    queue.WriterGone();
  });
  int64_t t0 = NowNs();
  Status read_status = source.Query(req.select_sql, req.source_types, queue, req.limits);
  stats.read_ns = NowNs() - t0;
  queue.FinishReading(read_status);
  writer.join();
  // The reader's error is the cause when both failed (the writer then only
  // saw the aborted stream), except when the reader merely noticed the
  // writer had gone.
  if (!read_status.ok() && read_status.code() != ErrorCode::kCancelled) return read_status;
  if (!write_status.ok()) return write_status;
  if (!read_status.ok()) return read_status;
  stats.rows = queue.rows();
  stats.bytes = queue.bytes();
  return stats;
}

}  // namespace godwit
