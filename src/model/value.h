// Values and row batches.
//
// Every value travels in its canonical text form (model/types.h) as a
// byte view, NULL being a distinct state. Carrying text rather than parsed
// numbers is deliberate: both the MySQL text protocol and PostgreSQL COPY
// speak text, so an integer or a decimal crosses from one engine to the
// other without being parsed and printed again — Godwit's CPU per row is
// what bounds throughput.
//
// A RowBatch owns the bytes its values point into (an append-only arena), so
// a batch can be handed from a reader thread to a writer thread whole.
// Not thread-safe: one thread at a time.
#pragma once

#include <cstddef>
#include <cstring>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace godwit {

class Value {
 public:
  Value() = default;  // NULL
  static Value Null() { return Value(); }
  static Value Of(std::string_view bytes) { return Value(bytes.data(), bytes.size()); }

  bool is_null() const { return data_ == nullptr; }
  std::string_view bytes() const { return {data_, size_}; }
  size_t size() const { return size_; }

 private:
  Value(const char* d, size_t n) : data_(d ? d : kEmpty), size_(n) {}
  static constexpr const char kEmpty[1] = {0};
  const char* data_ = nullptr;
  size_t size_ = 0;
};

// Rows of `columns` values each, stored row-major.
class RowBatch {
 public:
  explicit RowBatch(size_t columns = 0) : columns_(columns) {}
  RowBatch(RowBatch&&) = default;
  RowBatch& operator=(RowBatch&&) = default;

  size_t columns() const { return columns_; }
  size_t rows() const { return columns_ == 0 ? 0 : values_.size() / columns_; }
  bool empty() const { return values_.empty(); }
  // Bytes of value data held (excluding bookkeeping): the batch's payload.
  size_t payload_bytes() const { return payload_bytes_; }

  std::span<const Value> row(size_t i) const { return {values_.data() + i * columns_, columns_}; }
  const Value& at(size_t row, size_t col) const { return values_[row * columns_ + col]; }

  // Appends one value to the row being built; the bytes are copied.
  void AddNull() { values_.emplace_back(); }
  void Add(std::string_view bytes) {
    values_.push_back(Value::Of(Store(bytes)));
    payload_bytes_ += bytes.size();
  }
  // Appends a value whose bytes the caller already placed with Reserve().
  void AddStored(std::string_view stored) {
    values_.push_back(Value::Of(stored));
    payload_bytes_ += stored.size();
  }
  // Returns `n` writable bytes in the arena, valid for the batch's life.
  char* Reserve(size_t n);

  void Clear(size_t columns);

 private:
  std::string_view Store(std::string_view bytes) {
    char* p = Reserve(bytes.size());
    if (!bytes.empty()) std::memcpy(p, bytes.data(), bytes.size());
    return {p, bytes.size()};
  }

  size_t columns_;
  std::vector<Value> values_;
  std::vector<std::unique_ptr<char[]>> blocks_;
  size_t block_used_ = 0;
  size_t block_size_ = 0;
  size_t first_block_size_ = 0;
  size_t payload_bytes_ = 0;
};

// Limits on one batch; a reader closes a batch at whichever comes first.
struct BatchLimits {
  size_t max_rows = 4096;
  size_t max_bytes = 4 << 20;
};

// Receives batches from a reader. Returning an error stops the read.
class BatchConsumer {
 public:
  virtual ~BatchConsumer() = default;
  // Takes ownership of the batch's contents (it may move from it).
  virtual Status Consume(RowBatch& batch) = 0;
};

// Supplies batches to a writer. Next() returns false at the end of input;
// an error status stops the write and is reported by the writer.
class BatchSource {
 public:
  virtual ~BatchSource() = default;
  virtual Result<bool> Next(RowBatch& batch) = 0;
};

}  // namespace godwit
