#include "store/change_log.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <filesystem>

#include "common/failpoint.h"
#include "store/event_codec.h"

namespace godwit::store {

struct LogShared {
  std::string dir;
  Mutex mu;
  // First sequence number of each segment on disk, ascending; the last one
  // is being appended to.
  std::vector<uint64_t> segments GODWIT_GUARDED_BY(mu);
  // Last durable sequence number. Stored (release) only after the records
  // up to it are written and synced, so a reader that loads it (acquire)
  // may read every record up to it.
  std::atomic<uint64_t> durable_seq{0};

  std::string PathOf(uint64_t first_seq) const { return dir + "/" + SegmentFileName(first_seq); }
};

namespace {

std::string Where(const std::string& path, uint64_t offset) { return path + " at offset " + std::to_string(offset); }

}  // namespace

// ---- ChangeLogReader ---------------------------------------------------

ChangeLogReader::ChangeLogReader(std::shared_ptr<LogShared> shared, uint64_t from_seq, int zstd_level)
    : shared_(std::move(shared)), codec_(zstd_level), next_seq_(from_seq), next_record_seq_(from_seq) {}

ChangeLogReader::~ChangeLogReader() = default;

Status ChangeLogReader::OpenSegment(uint64_t first_seq) {
  ASSIGN_OR_RETURN(File file, File::Open(shared_->PathOf(first_seq), File::Mode::kRead));
  ASSIGN_OR_RETURN(HeaderRead hr, ReadSegmentHeader(file));
  if (hr.outcome != ReadOutcome::kOk) return CorruptError(file.path() + ": " + hr.why);
  if (hr.header.first_seq != first_seq) {
    return CorruptError(file.path() + ": its header says it starts at sequence " + std::to_string(hr.header.first_seq));
  }
  file_ = std::move(file);
  offset_ = hr.size;
  next_record_seq_ = first_seq;
  return Status::Ok();
}

Status ChangeLogReader::ReadRecord() {
  pending_.clear();
  pending_index_ = 0;
  for (;;) {
    uint64_t durable = shared_->durable_seq.load(std::memory_order_acquire);
    if (next_record_seq_ > durable) return Status::Ok();  // caught up
    RecordHeader h;
    std::string why;
    ASSIGN_OR_RETURN(ReadOutcome outcome, codec_.ReadHeader(file_, offset_, &h, &why));
    if (outcome == ReadOutcome::kEnd) {
      // The record we want is durable, so it starts the next segment.
      bool exists;
      {
        MutexLock lock(shared_->mu);
        exists = std::binary_search(shared_->segments.begin(), shared_->segments.end(), next_record_seq_);
      }
      if (!exists) {
        return CorruptError(file_.path() + " ends before sequence " + std::to_string(next_record_seq_) +
                            " and no segment starts there");
      }
      RETURN_IF_ERROR(OpenSegment(next_record_seq_));
      continue;
    }
    if (outcome == ReadOutcome::kBad) return CorruptError(Where(file_.path(), offset_) + ": " + why);
    if (h.first_seq != next_record_seq_) {
      return CorruptError(Where(file_.path(), offset_) + ": record starts at sequence " + std::to_string(h.first_seq) +
                          " where " + std::to_string(next_record_seq_) + " was expected");
    }
    if (h.end_seq() <= next_seq_) {  // wholly before the start point: skip unread
      offset_ += h.frame_size();
      next_record_seq_ = h.end_seq();
      continue;
    }
    ASSIGN_OR_RETURN(outcome, codec_.ReadBody(file_, offset_, h, &raw_, &why));
    if (outcome != ReadOutcome::kOk) return CorruptError(Where(file_.path(), offset_) + ": " + why);
    RETURN_IF_ERROR(DecodeEvents(raw_, &pending_, Where(file_.path(), offset_)));
    if (pending_.size() != h.count) {
      return CorruptError(Where(file_.path(), offset_) + ": record holds " + std::to_string(pending_.size()) +
                          " events where its header says " + std::to_string(h.count));
    }
    pending_first_seq_ = h.first_seq;
    pending_index_ = next_seq_ > h.first_seq ? next_seq_ - h.first_seq : 0;
    offset_ += h.frame_size();
    next_record_seq_ = h.end_seq();
    return Status::Ok();
  }
}

Result<std::optional<LogEntry>> ChangeLogReader::Next() {
  if (!error_.ok()) return error_;
  if (pending_index_ >= pending_.size()) {
    Status st = ReadRecord();
    if (!st.ok()) {
      error_ = st;
      return st;
    }
    if (pending_index_ >= pending_.size()) return std::optional<LogEntry>();
  }
  LogEntry entry{pending_first_seq_ + pending_index_, std::move(pending_[pending_index_])};
  ++pending_index_;
  next_seq_ = entry.seq + 1;
  return std::optional<LogEntry>(std::move(entry));
}

// ---- ChangeLog ---------------------------------------------------------

ChangeLog::ChangeLog(std::string dir, ChangeLogOptions options)
    : dir_(std::move(dir)), options_(options), shared_(std::make_shared<LogShared>()), codec_(options.zstd_level) {
  shared_->dir = dir_;
}

ChangeLog::~ChangeLog() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
}

Result<std::unique_ptr<ChangeLog>> ChangeLog::Open(const std::string& dir, ChangeLogOptions options) {
  std::error_code ec;
  // Only the owner may look in: the segments hold row images (0700 here,
  // 0600 for the files; the data or state directory above is 0700 too).
  if (std::filesystem::create_directories(dir, ec)) {
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all, ec);
  }
  if (ec) return IoError("create directory", dir, ec.value());
  std::unique_ptr<ChangeLog> log(new ChangeLog(dir, options));
  std::string lock_path = dir + "/LOCK";
  log->lock_fd_ = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (log->lock_fd_ < 0) return IoError("open", lock_path, errno);
  if (::flock(log->lock_fd_, LOCK_EX | LOCK_NB) != 0) {
    if (errno == EWOULDBLOCK) {
      return Status(ErrorCode::kConflict, "change log " + dir + " is already open in another process or thread",
                    "run one capture per project and direction; stop the other Godwit process using this data "
                    "directory");
    }
    return IoError("lock", lock_path, errno);
  }
  RETURN_IF_ERROR(log->Recover());
  return log;
}

Status ChangeLog::Recover() {
  std::vector<uint64_t> firsts;
  std::error_code ec;
  for (std::filesystem::directory_iterator it(dir_, ec), end; !ec && it != end; it.increment(ec)) {
    if (auto seq = ParseSegmentFileName(it->path().filename().string())) firsts.push_back(*seq);
  }
  if (ec) return IoError("list directory", dir_, ec.value());
  std::sort(firsts.begin(), firsts.end());

  if (firsts.empty()) {
    RETURN_IF_ERROR(CreateSegment(1, NoPosition{}));
    next_seq_ = 1;
    last_position_ = NoPosition{};
  } else {
    RETURN_IF_ERROR(RecoverLastSegment(&firsts));
    for (size_t i = 0; i + 1 < firsts.size(); ++i) RETURN_IF_ERROR(CheckEarlierSegment(firsts[i], firsts[i + 1]));
    MutexLock lock(shared_->mu);
    shared_->segments = firsts;
  }
  recovery_.last_seq = next_seq_ - 1;
  recovery_.last_position = last_position_;
  shared_->durable_seq.store(next_seq_ - 1, std::memory_order_release);
  return Status::Ok();
}

// The last segment may end in whatever a crash during Append left: keep
// every record that is whole, checksummed and decodable, cut the rest.
Status ChangeLog::RecoverLastSegment(std::vector<uint64_t>* firsts) {
  auto note_cut = [this](const std::string& path, uint64_t bytes, const std::string& why) {
    if (!recovery_.tail_cut) {
      recovery_.tail_cut = true;
      recovery_.segment = path;
      recovery_.reason = why;
    }
    recovery_.bytes_dropped += bytes;
  };
  for (;;) {
    uint64_t seq = firsts->back();
    std::string path = shared_->PathOf(seq);
    ASSIGN_OR_RETURN(File file, File::Open(path, File::Mode::kAppend));
    ASSIGN_OR_RETURN(HeaderRead hr, ReadSegmentHeader(file));
    if (hr.outcome == ReadOutcome::kOk && hr.header.first_seq != seq) {
      hr.outcome = ReadOutcome::kBad;
      hr.why = "its header says it starts at sequence " + std::to_string(hr.header.first_seq);
    }
    if (hr.outcome != ReadOutcome::kOk) {
      // A crash while rolling to this segment: it holds no durable record
      // its header could vouch for.
      note_cut(path, file.size(), hr.why);
      if (firsts->size() > 1) {
        file = File();
        if (::unlink(path.c_str()) != 0) return IoError("remove", path, errno);
        RETURN_IF_ERROR(SyncDir(dir_));
        firsts->pop_back();
        continue;
      }
      RETURN_IF_ERROR(file.Truncate(0));
      std::string header;
      EncodeSegmentHeader(SegmentHeader{seq, NoPosition{}}, &header);
      RETURN_IF_ERROR(file.Append(header));
      RETURN_IF_ERROR(file.Sync());
      active_ = std::move(file);
      active_header_size_ = header.size();
      next_seq_ = seq;
      last_position_ = NoPosition{};
      return Status::Ok();
    }

    uint64_t offset = hr.size;
    uint64_t expected = seq;
    Position last = hr.header.start_position;
    std::string raw;
    std::vector<ChangeEvent> events;
    for (;;) {
      RecordHeader h;
      std::string why;
      ASSIGN_OR_RETURN(ReadOutcome outcome,
                       ScanRecord(file, path, offset, expected, /*decode=*/true, &h, &raw, &events, &why));
      if (outcome == ReadOutcome::kEnd) break;
      if (outcome != ReadOutcome::kOk) {
        note_cut(path, file.size() - offset, Where(path, offset) + ": " + why);
        RETURN_IF_ERROR(file.Truncate(offset));
        RETURN_IF_ERROR(file.Sync());
        break;
      }
      last = events.back().position;
      expected = h.end_seq();
      offset += h.frame_size();
    }
    active_ = std::move(file);
    active_header_size_ = hr.size;
    next_seq_ = expected;
    last_position_ = std::move(last);
    return Status::Ok();
  }
}

Result<ReadOutcome> ChangeLog::ScanRecord(const File& file, const std::string& path, uint64_t offset, uint64_t expected,
                                          bool decode, RecordHeader* h, std::string* raw,
                                          std::vector<ChangeEvent>* events, std::string* why) {
  ASSIGN_OR_RETURN(ReadOutcome outcome, codec_.ReadHeader(file, offset, h, why));
  if (outcome != ReadOutcome::kOk) return outcome;
  if (h->first_seq != expected) {
    *why = "record starts at sequence " + std::to_string(h->first_seq) + " where " + std::to_string(expected) +
           " was expected";
    return ReadOutcome::kBad;
  }
  if (!decode) {
    if (offset + h->frame_size() > file.size()) {
      *why = "record cut short";
      return ReadOutcome::kBad;
    }
    return ReadOutcome::kOk;
  }
  ASSIGN_OR_RETURN(outcome, codec_.ReadBody(file, offset, *h, raw, why));
  if (outcome != ReadOutcome::kOk) return outcome;
  Status st = DecodeEvents(*raw, events, Where(path, offset));
  if (!st.ok() || events->size() != h->count) {
    *why = st.ok() ? "record holds fewer or more events than its header says" : st.message();
    return ReadOutcome::kBad;
  }
  return ReadOutcome::kOk;
}

// A segment before the last was synced before the next one was created:
// any damage in it is an error, never a tail to cut.
Status ChangeLog::CheckEarlierSegment(uint64_t first_seq, uint64_t next_first_seq) {
  std::string path = shared_->PathOf(first_seq);
  ASSIGN_OR_RETURN(File file, File::Open(path, File::Mode::kRead));
  ASSIGN_OR_RETURN(HeaderRead hr, ReadSegmentHeader(file));
  if (hr.outcome != ReadOutcome::kOk) return CorruptError(path + " (not the last segment): " + hr.why);
  if (hr.header.first_seq != first_seq) {
    return CorruptError(path + ": its header says it starts at sequence " + std::to_string(hr.header.first_seq));
  }
  uint64_t offset = hr.size;
  uint64_t expected = first_seq;
  std::string raw;
  std::vector<ChangeEvent> events;
  for (;;) {
    RecordHeader h;
    std::string why;
    ASSIGN_OR_RETURN(ReadOutcome outcome,
                     ScanRecord(file, path, offset, expected, options_.verify_all_on_open, &h, &raw, &events, &why));
    if (outcome == ReadOutcome::kEnd) break;
    if (outcome != ReadOutcome::kOk) {
      return CorruptError("corrupt record in the middle of the log (" + path + " is not the last segment), " +
                          Where(path, offset) + ": " + why);
    }
    expected = h.end_seq();
    offset += h.frame_size();
  }
  if (expected != next_first_seq) {
    return CorruptError(path + " ends before sequence " + std::to_string(expected) +
                        " but the next segment starts at " + std::to_string(next_first_seq));
  }
  return Status::Ok();
}

Status ChangeLog::CreateSegment(uint64_t first_seq, const Position& start_position) {
  ASSIGN_OR_RETURN(File file, File::Open(shared_->PathOf(first_seq), File::Mode::kCreate));
  std::string header;
  EncodeSegmentHeader(SegmentHeader{first_seq, start_position}, &header);
  RETURN_IF_ERROR(file.Append(header));
  RETURN_IF_ERROR(file.Sync());
  RETURN_IF_ERROR(SyncDir(dir_));
  GODWIT_FAILPOINT("store_segment_created");
  {
    MutexLock lock(shared_->mu);
    shared_->segments.push_back(first_seq);
  }
  active_ = std::move(file);
  active_header_size_ = header.size();
  return Status::Ok();
}

Status ChangeLog::WriteRecord(uint64_t first_seq, uint32_t count, const std::string& raw, uint64_t* bytes) {
  if (active_.size() >= options_.segment_bytes && active_.size() > active_header_size_) {
    // The old segment must be whole on disk before a newer one exists:
    // recovery treats damage anywhere but the last segment as an error.
    RETURN_IF_ERROR(active_.Sync());
    RETURN_IF_ERROR(CreateSegment(first_seq, last_position_));
  }
  RETURN_IF_ERROR(codec_.Frame(first_seq, count, raw, &frame_));
  RETURN_IF_ERROR(active_.Append(frame_));
  GODWIT_FAILPOINT("store_record_written");
  *bytes += frame_.size();
  return Status::Ok();
}

Result<AppendResult> ChangeLog::Append(const std::vector<ChangeEvent>& events) {
  MutexLock lock(append_mu_);
  if (!failed_.ok()) {
    return Status(failed_.code(),
                  "change log " + dir_ + " refuses appends after an earlier failure: " + failed_.message(),
                  failed_.hint());
  }
  AppendResult result;
  if (events.empty()) {
    result.last_seq = next_seq_ - 1;
    result.last_position = last_position_;
    return result;
  }
  result.first_seq = next_seq_;
  uint64_t record_first = next_seq_;
  uint32_t count = 0;
  body_.clear();
  for (size_t i = 0; i < events.size(); ++i) {
    EncodeEvent(events[i], &body_);
    ++count;
    if (body_.size() >= options_.record_bytes || count == kMaxEventsPerRecord || i + 1 == events.size()) {
      raw_.clear();
      EncodeBatchHeader(count, &raw_);
      raw_ += body_;
      Status st = WriteRecord(record_first, count, raw_, &result.bytes_written);
      if (!st.ok()) {
        failed_ = st;
        return st;
      }
      record_first += count;
      count = 0;
      body_.clear();
      last_position_ = events[i].position;
    }
  }
  Status st = active_.Sync();
  if (!st.ok()) {
    // After a failed fdatasync the page cache may no longer hold what we
    // wrote; only a reopen (recovery) tells what is on disk.
    failed_ = st;
    return st;
  }
  GODWIT_FAILPOINT("store_append_synced");
  next_seq_ = record_first;
  shared_->durable_seq.store(next_seq_ - 1, std::memory_order_release);
  result.last_seq = next_seq_ - 1;
  result.last_position = last_position_;
  return result;
}

uint64_t ChangeLog::durable_seq() const { return shared_->durable_seq.load(std::memory_order_acquire); }

uint64_t ChangeLog::first_seq() const {
  MutexLock lock(shared_->mu);
  return shared_->segments.front();
}

Result<std::unique_ptr<ChangeLogReader>> ChangeLog::OpenReader(uint64_t from_seq) const {
  uint64_t durable = durable_seq();
  uint64_t segment;
  {
    MutexLock lock(shared_->mu);
    if (from_seq < shared_->segments.front()) {
      return Status(ErrorCode::kNotFound,
                    "change log " + dir_ + " no longer holds sequence " + std::to_string(from_seq) + " (it starts at " +
                        std::to_string(shared_->segments.front()) + ")",
                    "the segment was released as applied; the Writer must resume from its own checkpoint");
    }
    segment = *(std::upper_bound(shared_->segments.begin(), shared_->segments.end(), from_seq) - 1);
  }
  if (from_seq > durable + 1) {
    return Status(ErrorCode::kInvalidArgument, "change log " + dir_ + " holds sequences up to " +
                                                   std::to_string(durable) + ", cannot read from " +
                                                   std::to_string(from_seq));
  }
  std::unique_ptr<ChangeLogReader> reader(new ChangeLogReader(shared_, from_seq, options_.zstd_level));
  RETURN_IF_ERROR(reader->OpenSegment(segment));
  reader->next_seq_ = from_seq;
  return reader;
}

Result<size_t> ChangeLog::Release(uint64_t up_to_seq) {
  up_to_seq = std::min(up_to_seq, durable_seq());
  std::vector<uint64_t> doomed;
  {
    MutexLock lock(shared_->mu);
    std::vector<uint64_t>& segs = shared_->segments;
    size_t n = 0;
    while (n + 1 < segs.size() && segs[n + 1] - 1 <= up_to_seq) ++n;
    doomed.assign(segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(n));
    segs.erase(segs.begin(), segs.begin() + static_cast<std::ptrdiff_t>(n));
  }
  for (uint64_t seq : doomed) {
    std::string path = shared_->PathOf(seq);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) return IoError("remove", path, errno);
  }
  if (!doomed.empty()) RETURN_IF_ERROR(SyncDir(dir_));
  return doomed.size();
}

}  // namespace godwit::store
