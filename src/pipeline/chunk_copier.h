// Copies one chunk: rows read from the source session stream through a
// small bounded queue into the destination session's bulk load, the read
// and the write running on two threads so that neither waits for the
// other's round trips. Memory is bounded by the queue's capacity times the
// batch limits, whatever the chunk's size.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/session.h"

namespace godwit {

struct ChunkCopyStats {
  int64_t rows = 0;
  int64_t bytes = 0;
  int64_t read_ns = 0;   // time the reader spent producing batches (including waits for the source)
  int64_t write_ns = 0;  // wall time of the destination's load, commit included
};

struct ChunkCopyRequest {
  std::string select_sql;  // SELECT of every source column in destination order
  std::span<const ColumnType> source_types;
  const TableSchema* destination = nullptr;
  std::vector<std::string> pre_sql;  // run in the load's transaction first (clearing the chunk on retry)
  BatchLimits limits;
  size_t queue_batches = 4;
  const std::atomic<bool>* cancel = nullptr;
  // Called on the reader's thread for each batch as the source hands it
  // over (before the destination has it): rows and payload bytes read.
  std::function<void(int64_t rows, int64_t bytes)> on_read;
};

// Either every row of the chunk is committed on the destination, or none
// is (the load is one transaction); returns the first error of either side.
Result<ChunkCopyStats> CopyChunk(Session& source, Session& destination, const ChunkCopyRequest& request);

}  // namespace godwit
