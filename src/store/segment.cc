#include "store/segment.h"

#include <fcntl.h>
#include <unistd.h>
#include <xxhash.h>
#include <zstd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

#include "store/event_codec.h"

namespace godwit::store {
namespace {

constexpr char kSegmentMagic[8] = {'G', 'W', 'L', 'O', 'G', 'S', 'E', 'G'};
constexpr uint32_t kSegmentVersion = 1;
constexpr size_t kSegmentFixedHeader = 8 + 4 + 8 + 4;  // magic, version, first_seq, position length
constexpr uint32_t kMaxPositionBytes = 64 * 1024;
constexpr uint8_t kCodecStored = 0;
constexpr uint8_t kCodecZstd = 1;

void Put32(uint32_t v, std::string* out) {
  for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
void Put64(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint32_t Get32(const char* p) {
  uint32_t v = 0;
  for (int i = 0; i < 4; ++i) v |= static_cast<uint32_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}
uint64_t Get64(const char* p) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(p[i])) << (8 * i);
  return v;
}

uint64_t RecordChecksum(std::string_view header21, std::string_view body) {
  return XXH64(body.data(), body.size(), XXH64(header21.data(), header21.size(), 0));
}

}  // namespace

std::string SegmentFileName(uint64_t first_seq) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%012llu.seg", static_cast<unsigned long long>(first_seq));
  return buf;
}

std::optional<uint64_t> ParseSegmentFileName(std::string_view name) {
  constexpr std::string_view kSuffix = ".seg";
  if (name.size() <= kSuffix.size() || name.substr(name.size() - kSuffix.size()) != kSuffix) return std::nullopt;
  std::string_view digits = name.substr(0, name.size() - kSuffix.size());
  if (digits.size() > 19) return std::nullopt;
  uint64_t v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<uint64_t>(c - '0');
  }
  return v;
}

Status IoError(const std::string& operation, const std::string& path, int err) {
  return Status(ErrorCode::kMetadata, "change log: cannot " + operation + " " + path + ": " + std::strerror(err),
                "check that the data directory exists and is writable by Godwit and that its disk is not full");
}

Status CorruptError(const std::string& message) {
  return Status(ErrorCode::kMetadata, "change log is damaged: " + message,
                "a change log file was damaged outside its last record (disk fault or an edit); the changes "
                "it held cannot be replayed: release the project's change capture and start it again from a "
                "new full migration");
}

// ---- File --------------------------------------------------------------

Result<File> File::Open(const std::string& path, Mode mode) {
  int flags = O_CLOEXEC;
  switch (mode) {
    case Mode::kRead: flags |= O_RDONLY; break;
    case Mode::kAppend: flags |= O_RDWR | O_APPEND; break;
    case Mode::kCreate: flags |= O_RDWR | O_APPEND | O_CREAT | O_EXCL; break;
  }
  // 0600: segments hold row images, the migrated data itself.
  int fd = ::open(path.c_str(), flags, 0600);
  if (fd < 0) return IoError(mode == Mode::kCreate ? "create" : "open", path, errno);
  File f;
  f.fd_ = fd;
  f.path_ = path;
  off_t end = ::lseek(fd, 0, SEEK_END);
  if (end < 0) return IoError("seek in", path, errno);
  f.size_ = static_cast<uint64_t>(end);
  return f;
}

File::File(File&& other) noexcept : fd_(other.fd_), size_(other.size_), path_(std::move(other.path_)) {
  other.fd_ = -1;
}

File& File::operator=(File&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = other.fd_;
    size_ = other.size_;
    path_ = std::move(other.path_);
    other.fd_ = -1;
  }
  return *this;
}

File::~File() {
  if (fd_ >= 0) ::close(fd_);
}

Status File::ReadAt(uint64_t offset, size_t n, std::string* out) const {
  out->resize(n);
  size_t got = 0;
  while (got < n) {
    ssize_t r = ::pread(fd_, out->data() + got, n - got, static_cast<off_t>(offset + got));
    if (r < 0) {
      if (errno == EINTR) continue;
      return IoError("read", path_, errno);
    }
    if (r == 0) break;
    got += static_cast<size_t>(r);
  }
  out->resize(got);
  return Status::Ok();
}

Status File::Append(std::string_view data) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t w = ::write(fd_, data.data() + done, data.size() - done);
    if (w < 0) {
      if (errno == EINTR) continue;
      return IoError("write", path_, errno);
    }
    done += static_cast<size_t>(w);
    size_ += static_cast<uint64_t>(w);
  }
  return Status::Ok();
}

Status File::Sync() {
  if (::fdatasync(fd_) != 0) return IoError("fdatasync", path_, errno);
  return Status::Ok();
}

Status File::Truncate(uint64_t size) {
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) return IoError("truncate", path_, errno);
  size_ = size;
  return Status::Ok();
}

Status SyncDir(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return IoError("open directory", dir, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return IoError("fsync directory", dir, err);
  return Status::Ok();
}

// ---- Segment header ----------------------------------------------------

void EncodeSegmentHeader(const SegmentHeader& header, std::string* out) {
  size_t start = out->size();
  out->append(kSegmentMagic, sizeof kSegmentMagic);
  Put32(kSegmentVersion, out);
  Put64(header.first_seq, out);
  std::string pos;
  EncodePosition(header.start_position, &pos);
  Put32(static_cast<uint32_t>(pos.size()), out);
  out->append(pos);
  Put64(XXH64(out->data() + start, out->size() - start, 0), out);
}

Result<HeaderRead> ReadSegmentHeader(const File& file) {
  HeaderRead r;
  auto bad = [&r](std::string why) {
    r.outcome = ReadOutcome::kBad;
    r.why = std::move(why);
    return r;
  };
  std::string fixed;
  RETURN_IF_ERROR(file.ReadAt(0, kSegmentFixedHeader, &fixed));
  if (fixed.empty()) return bad("the file is empty (no segment header)");
  if (fixed.size() < kSegmentFixedHeader) return bad("the segment header is cut short");
  if (std::memcmp(fixed.data(), kSegmentMagic, sizeof kSegmentMagic) != 0)
    return bad("not a Godwit change log segment");
  uint32_t version = Get32(fixed.data() + 8);
  if (version != kSegmentVersion) {
    return bad("segment format version " + std::to_string(version) + " is not one this Godwit reads");
  }
  uint32_t pos_len = Get32(fixed.data() + 20);
  if (pos_len > kMaxPositionBytes) return bad("the segment header's position length is implausible");
  std::string rest;
  RETURN_IF_ERROR(file.ReadAt(kSegmentFixedHeader, pos_len + 8, &rest));
  if (rest.size() < pos_len + 8) return bad("the segment header is cut short");
  std::string all = fixed + rest.substr(0, pos_len);
  if (XXH64(all.data(), all.size(), 0) != Get64(rest.data() + pos_len))
    return bad("the segment header checksum does not match");
  auto pos = DecodePosition(std::string_view(rest).substr(0, pos_len), file.path() + " header");
  if (!pos.ok()) return bad(pos.status().message());
  r.header.first_seq = Get64(fixed.data() + 12);
  r.header.start_position = std::move(pos).value();
  r.size = kSegmentFixedHeader + pos_len + 8;
  return r;
}

// ---- Records -----------------------------------------------------------

RecordCodec::RecordCodec(int zstd_level) : level_(zstd_level) {}

RecordCodec::~RecordCodec() {
  ZSTD_freeCCtx(cctx_);
  ZSTD_freeDCtx(dctx_);
}

Status RecordCodec::Frame(uint64_t first_seq, uint32_t count, std::string_view raw, std::string* frame) {
  if (raw.size() > kMaxRecordBytes || count > kMaxEventsPerRecord) {
    return Status(ErrorCode::kInternal, "change log record too large: " + std::to_string(raw.size()) + " bytes, " +
                                            std::to_string(count) + " events");
  }
  frame->clear();
  uint8_t codec = kCodecStored;
  std::string_view body = raw;
  if (level_ > 0) {
    if (cctx_ == nullptr) cctx_ = ZSTD_createCCtx();
    if (cctx_ == nullptr) return Status(ErrorCode::kInternal, "zstd: cannot allocate a compression context");
    scratch_.resize(ZSTD_compressBound(raw.size()));
    size_t n = ZSTD_compressCCtx(cctx_, scratch_.data(), scratch_.size(), raw.data(), raw.size(), level_);
    if (ZSTD_isError(n))
      return Status(ErrorCode::kInternal, std::string("zstd compression failed: ") + ZSTD_getErrorName(n));
    if (n < raw.size()) {
      codec = kCodecZstd;
      body = std::string_view(scratch_.data(), n);
    }
  }
  frame->reserve(kRecordHeaderSize + body.size());
  Put32(static_cast<uint32_t>(body.size()), frame);
  Put32(static_cast<uint32_t>(raw.size()), frame);
  Put64(first_seq, frame);
  Put32(count, frame);
  frame->push_back(static_cast<char>(codec));
  Put64(RecordChecksum(std::string_view(*frame).substr(0, kRecordHeaderSize - 8), body), frame);
  frame->append(body);
  return Status::Ok();
}

Result<ReadOutcome> RecordCodec::ReadHeader(const File& file, uint64_t offset, RecordHeader* h,
                                            std::string* why) const {
  std::string buf;
  RETURN_IF_ERROR(file.ReadAt(offset, kRecordHeaderSize, &buf));
  if (buf.empty()) return ReadOutcome::kEnd;
  if (buf.size() < kRecordHeaderSize) {
    *why = "record header cut short (" + std::to_string(buf.size()) + " of " + std::to_string(kRecordHeaderSize) +
           " bytes)";
    return ReadOutcome::kBad;
  }
  h->stored_len = Get32(buf.data());
  h->raw_len = Get32(buf.data() + 4);
  h->first_seq = Get64(buf.data() + 8);
  h->count = Get32(buf.data() + 16);
  h->codec = static_cast<uint8_t>(buf[20]);
  h->checksum = Get64(buf.data() + 21);
  if (h->stored_len > kMaxRecordBytes || h->raw_len > kMaxRecordBytes || h->count == 0 ||
      h->count > kMaxEventsPerRecord || h->codec > kCodecZstd ||
      (h->codec == kCodecStored && h->stored_len != h->raw_len)) {
    *why = "record header is implausible (bad length, count or codec)";
    return ReadOutcome::kBad;
  }
  return ReadOutcome::kOk;
}

Result<ReadOutcome> RecordCodec::ReadBody(const File& file, uint64_t offset, const RecordHeader& h, std::string* raw,
                                          std::string* why) {
  std::string buf;
  RETURN_IF_ERROR(file.ReadAt(offset, h.frame_size(), &buf));
  if (buf.size() < h.frame_size()) {
    *why = "record cut short (" + std::to_string(buf.size()) + " of " + std::to_string(h.frame_size()) + " bytes)";
    return ReadOutcome::kBad;
  }
  std::string_view body = std::string_view(buf).substr(kRecordHeaderSize);
  if (RecordChecksum(std::string_view(buf).substr(0, kRecordHeaderSize - 8), body) != h.checksum) {
    *why = "record checksum does not match";
    return ReadOutcome::kBad;
  }
  if (h.codec == kCodecStored) {
    raw->assign(body);
    return ReadOutcome::kOk;
  }
  if (dctx_ == nullptr) dctx_ = ZSTD_createDCtx();
  if (dctx_ == nullptr) return Status(ErrorCode::kInternal, "zstd: cannot allocate a decompression context");
  raw->resize(h.raw_len);
  size_t n = ZSTD_decompressDCtx(dctx_, raw->data(), raw->size(), body.data(), body.size());
  if (ZSTD_isError(n) || n != h.raw_len) {
    *why = ZSTD_isError(n) ? std::string("record does not decompress: ") + ZSTD_getErrorName(n)
                           : "record decompresses to the wrong length";
    return ReadOutcome::kBad;
  }
  return ReadOutcome::kOk;
}

}  // namespace godwit::store
