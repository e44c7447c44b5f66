// Segment files of the change log: the on-disk framing below ChangeLog
// (store/change_log.h), with no policy of its own.
//
// A segment is named after the sequence number of its first event
// (`000000000001.seg`) and holds a header then records back to back:
//
//   segment header := "GWLOGSEG" u32 version(=1) u64 first_seq
//                     u32 n  position[n]        (event_codec.h tagged form)
//                     u64 xxh64(all of the above)
//   record := u32 stored_len  u32 raw_len  u64 first_seq  u32 count
//             u8 codec (0 = stored, 1 = zstd)
//             u64 checksum    XXH64(body, seed = XXH64(the 21 bytes before it))
//             body[stored_len]  the compressed event batch (event_codec.h)
//
// All integers are little-endian. The header's position is the restart
// point of the last event before the segment, so that even an empty
// segment says where capture stands. A record's events have the sequence
// numbers first_seq .. first_seq + count - 1; records follow each other
// without gaps, across segments too.
//
// Thread-safety: File is a plain file descriptor (pread/append from one
// thread at a time per object); RecordCodec keeps compression contexts and
// must be used by one thread at a time; everything else is free functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model/position.h"

struct ZSTD_CCtx_s;
struct ZSTD_DCtx_s;

namespace godwit::store {

inline constexpr size_t kRecordHeaderSize = 29;
// Sanity bounds: a length past these is corruption, not a record.
inline constexpr uint32_t kMaxRecordBytes = 1u << 30;
inline constexpr uint32_t kMaxEventsPerRecord = 1u << 26;

std::string SegmentFileName(uint64_t first_seq);
// The first sequence number a segment file name stands for; nullopt for
// any other file.
std::optional<uint64_t> ParseSegmentFileName(std::string_view name);

// kMetadata naming the operation and the file, with a hint.
Status IoError(const std::string& operation, const std::string& path, int err);
// kMetadata for a damaged log, with what to do about it.
Status CorruptError(const std::string& message);

// An open file descriptor; closes on destruction. Errors name the path.
class File {
 public:
  enum class Mode { kRead, kAppend, kCreate /* new file, fails if it exists */ };
  static Result<File> Open(const std::string& path, Mode mode);

  File() = default;
  File(File&& other) noexcept;
  File& operator=(File&& other) noexcept;
  File(const File&) = delete;
  File& operator=(const File&) = delete;
  ~File();

  // Reads up to `n` bytes at `offset` into `*out` (resized to what was
  // read: fewer than `n` only at the end of the file).
  Status ReadAt(uint64_t offset, size_t n, std::string* out) const;
  // Writes at the end of the file (kAppend/kCreate).
  Status Append(std::string_view data);
  Status Sync();  // fdatasync
  Status Truncate(uint64_t size);
  // Size as of Open plus what Append wrote.
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }
  bool is_open() const { return fd_ >= 0; }

 private:
  int fd_ = -1;
  uint64_t size_ = 0;
  std::string path_;
};

// fsync of a directory, so that creating or removing a file in it is durable.
Status SyncDir(const std::string& dir);

struct SegmentHeader {
  uint64_t first_seq = 1;
  Position start_position;  // restart point of the event before first_seq
};

void EncodeSegmentHeader(const SegmentHeader& header, std::string* out);

// What reading a header or record found. kEnd: nothing at all at that
// offset (the clean end of a segment). kBad: something is there but it is
// short, insane, fails its checksum or does not decompress; `why` says which.
enum class ReadOutcome { kOk, kEnd, kBad };

struct HeaderRead {
  ReadOutcome outcome = ReadOutcome::kOk;
  std::string why;
  SegmentHeader header;
  uint64_t size = 0;  // bytes the header takes; records start here
};
// Errors only for I/O; damage is reported in the outcome.
Result<HeaderRead> ReadSegmentHeader(const File& file);

struct RecordHeader {
  uint32_t stored_len = 0;
  uint32_t raw_len = 0;
  uint64_t first_seq = 0;
  uint32_t count = 0;
  uint8_t codec = 0;
  uint64_t checksum = 0;
  uint64_t frame_size() const { return kRecordHeaderSize + stored_len; }
  uint64_t end_seq() const { return first_seq + count; }  // one past the last event
};

// Frames event batches into records and reads them back. Holds zstd
// contexts, so keep one per thread.
class RecordCodec {
 public:
  // zstd_level 0 stores records uncompressed.
  explicit RecordCodec(int zstd_level = 1);
  ~RecordCodec();
  RecordCodec(const RecordCodec&) = delete;
  RecordCodec& operator=(const RecordCodec&) = delete;

  // Replaces `*frame` with the record holding `raw` (an encoded batch of
  // `count` events starting at `first_seq`).
  Status Frame(uint64_t first_seq, uint32_t count, std::string_view raw, std::string* frame);

  // Reads and sanity-checks the record header at `offset`.
  Result<ReadOutcome> ReadHeader(const File& file, uint64_t offset, RecordHeader* header, std::string* why) const;
  // Reads the body of the record at `offset`, checks the checksum and
  // decompresses it into `*raw`.
  Result<ReadOutcome> ReadBody(const File& file, uint64_t offset, const RecordHeader& header, std::string* raw,
                               std::string* why);

 private:
  int level_;
  ZSTD_CCtx_s* cctx_ = nullptr;
  ZSTD_DCtx_s* dctx_ = nullptr;
  std::string scratch_;
};

}  // namespace godwit::store
