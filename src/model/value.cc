#include "model/value.h"

#include <algorithm>

namespace godwit {

namespace {
constexpr size_t kMinBlock = 64 << 10;
}

char* RowBatch::Reserve(size_t n) {
  if (blocks_.empty() || block_used_ + n > block_size_) {
    block_size_ = std::max(kMinBlock, n);
    blocks_.push_back(std::make_unique<char[]>(block_size_));
    if (blocks_.size() == 1) first_block_size_ = block_size_;
    block_used_ = 0;
  }
  char* p = blocks_.back().get() + block_used_;
  block_used_ += n;
  return p;
}

void RowBatch::Clear(size_t columns) {
  columns_ = columns;
  values_.clear();
  payload_bytes_ = 0;
  // Keep the first block for reuse; drop the rest so a batch that once held
  // a huge blob does not pin its memory.
  if (blocks_.size() > 1) blocks_.resize(1);
  block_size_ = blocks_.empty() ? 0 : first_block_size_;
  block_used_ = 0;
}

}  // namespace godwit
