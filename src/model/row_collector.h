// In-memory ends of the batch pipes: a consumer that keeps every row (for
// small results such as chunk boundaries and catalog probes, and for tests)
// and a source that hands out rows held in memory.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "model/value.h"

namespace godwit {

using TextRow = std::vector<std::optional<std::string>>;  // nullopt = NULL

class RowCollector : public BatchConsumer {
 public:
  Status Consume(RowBatch& batch) override {
    for (size_t r = 0; r < batch.rows(); ++r) {
      TextRow row;
      row.reserve(batch.columns());
      for (const Value& v : batch.row(r)) {
        row.push_back(v.is_null() ? std::nullopt : std::optional<std::string>(std::string(v.bytes())));
      }
      rows.push_back(std::move(row));
    }
    ++batches;
    return Status();
  }

  std::vector<TextRow> rows;
  int batches = 0;
};

// Hands out `rows` as one batch, then the end of input.
class RowVectorSource : public BatchSource {
 public:
  RowVectorSource(size_t columns, std::vector<TextRow> rows) : columns_(columns), rows_(std::move(rows)) {}
  Result<bool> Next(RowBatch& batch) override {
    if (sent_) return false;
    sent_ = true;
    batch.Clear(columns_);
    for (const auto& row : rows_) {
      for (const auto& v : row) v ? batch.Add(*v) : batch.AddNull();
    }
    return true;
  }

 private:
  size_t columns_;
  std::vector<TextRow> rows_;
  bool sent_ = false;
};

}  // namespace godwit
