#include "store/event_codec.h"

#include <type_traits>

namespace godwit::store {
namespace {

constexpr uint8_t kBatchVersion = 1;
constexpr uint8_t kFlagBeforeKeyOnly = 1;
constexpr uint8_t kMaxKind = static_cast<uint8_t>(ChangeKind::kDdl);

enum PositionTag : uint8_t { kPosNone = 0, kPosMysql = 1, kPosPg = 2 };

void PutVarint(uint64_t v, std::string* out) {
  char buf[10];
  int n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  out->append(buf, n);
}

void PutString(std::string_view s, std::string* out) {
  PutVarint(s.size(), out);
  out->append(s);
}

uint64_t ZigZag(int64_t v) { return (static_cast<uint64_t>(v) << 1) ^ static_cast<uint64_t>(v >> 63); }
int64_t UnZigZag(uint64_t v) { return static_cast<int64_t>(v >> 1) ^ -static_cast<int64_t>(v & 1); }

void PutImage(const RowImage& image, std::string* out) {
  PutVarint(image.size(), out);
  for (const FieldValue& f : image) {
    switch (f.state) {
      case FieldValue::State::kNull: out->push_back(0); break;
      case FieldValue::State::kUnchanged: out->push_back(1); break;
      case FieldValue::State::kValue:
        PutVarint(2 + static_cast<uint64_t>(f.bytes.size()), out);
        out->append(f.bytes);
        break;
    }
  }
}

// Reads from a byte range; the first failure sticks and names what was
// being read, so callers check once at the end.
class Reader {
 public:
  explicit Reader(std::string_view data) : p_(data.data()), end_(data.data() + data.size()) {}

  bool failed() const { return !error_.empty(); }
  const std::string& error() const { return error_; }
  bool at_end() const { return p_ == end_; }
  void Fail(std::string why) {
    if (error_.empty()) error_ = std::move(why);
    p_ = end_;
  }

  uint8_t Byte(const char* field) {
    if (p_ == end_) {
      Fail(std::string("truncated at ") + field);
      return 0;
    }
    return static_cast<uint8_t>(*p_++);
  }
  uint64_t Varint(const char* field) {
    uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_) {
        Fail(std::string("truncated varint at ") + field);
        return 0;
      }
      uint8_t b = static_cast<uint8_t>(*p_++);
      v |= static_cast<uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) return v;
    }
    Fail(std::string("overlong varint at ") + field);
    return 0;
  }
  std::string_view Bytes(uint64_t n, const char* field) {
    if (n > static_cast<uint64_t>(end_ - p_)) {
      Fail(std::string("length past the end at ") + field);
      return {};
    }
    std::string_view s(p_, n);
    p_ += n;
    return s;
  }
  std::string String(const char* field) { return std::string(Bytes(Varint(field), field)); }
  // A count of items each at least one byte long: bounded by what is left,
  // so a corrupt count cannot make us reserve gigabytes.
  uint64_t Count(const char* field) {
    uint64_t n = Varint(field);
    if (n > static_cast<uint64_t>(end_ - p_)) {
      Fail(std::string("count past the end at ") + field);
      return 0;
    }
    return n;
  }

 private:
  const char* p_;
  const char* end_;
  std::string error_;
};

void ReadImage(Reader& r, RowImage* image, const char* field) {
  uint64_t n = r.Count(field);
  image->clear();
  image->reserve(n);
  for (uint64_t i = 0; i < n && !r.failed(); ++i) {
    uint64_t tag = r.Varint(field);
    if (tag == 0) {
      image->push_back(FieldValue::Null());
    } else if (tag == 1) {
      image->push_back(FieldValue::Unchanged());
    } else {
      image->push_back(FieldValue::Of(std::string(r.Bytes(tag - 2, field))));
    }
  }
}

Position ReadPosition(Reader& r) {
  switch (r.Byte("position tag")) {
    case kPosNone: return NoPosition{};
    case kPosMysql: {
      MysqlBinlogPos p;
      p.file = r.String("binlog file");
      p.pos = r.Varint("binlog pos");
      p.gtid = r.String("gtid");
      return p;
    }
    case kPosPg: {
      PgLsnPos p;
      p.lsn = r.String("lsn");
      p.slot = r.String("slot");
      return p;
    }
    default: r.Fail("unknown position tag"); return NoPosition{};
  }
}

void ReadEvent(Reader& r, ChangeEvent* e) {
  uint8_t kind = r.Byte("kind");
  if (kind > kMaxKind) r.Fail("unknown event kind " + std::to_string(kind));
  e->kind = static_cast<ChangeKind>(kind);
  uint8_t flags = r.Byte("flags");
  if ((flags & ~kFlagBeforeKeyOnly) != 0) r.Fail("unknown event flags");
  e->before_is_key_only = (flags & kFlagBeforeKeyOnly) != 0;
  e->table.schema = r.String("table schema");
  e->table.name = r.String("table name");
  uint64_t ncols = r.Count("columns");
  e->columns.clear();
  e->columns.reserve(ncols);
  for (uint64_t i = 0; i < ncols && !r.failed(); ++i) e->columns.push_back(r.String("column"));
  ReadImage(r, &e->before, "before image");
  ReadImage(r, &e->after, "after image");
  e->ddl = r.String("ddl");
  e->ddl_schema = r.String("ddl schema");
  e->position = ReadPosition(r);
  e->commit_time_us = UnZigZag(r.Varint("commit time"));
  e->transaction_id = r.String("transaction id");
}

Status Corrupt(const std::string& what, const std::string& why) {
  return Status(ErrorCode::kMetadata, "change log record " + what + " does not decode: " + why,
                "the change log is damaged; re-read the changes from the source position before it");
}

}  // namespace

void EncodePosition(const Position& position, std::string* out) {
  std::visit(
      [out](const auto& p) {
        using T = std::decay_t<decltype(p)>;
        if constexpr (std::is_same_v<T, NoPosition>) {
          out->push_back(static_cast<char>(kPosNone));
        } else if constexpr (std::is_same_v<T, MysqlBinlogPos>) {
          out->push_back(static_cast<char>(kPosMysql));
          PutString(p.file, out);
          PutVarint(p.pos, out);
          PutString(p.gtid, out);
        } else {
          static_assert(std::is_same_v<T, PgLsnPos>);
          out->push_back(static_cast<char>(kPosPg));
          PutString(p.lsn, out);
          PutString(p.slot, out);
        }
      },
      position);
}

Result<Position> DecodePosition(std::string_view data, const std::string& what) {
  Reader r(data);
  Position p = ReadPosition(r);
  if (!r.failed() && !r.at_end()) r.Fail("trailing bytes after the position");
  if (r.failed()) return Corrupt(what, r.error());
  return p;
}

void EncodeBatchHeader(uint64_t count, std::string* out) {
  out->push_back(static_cast<char>(kBatchVersion));
  PutVarint(count, out);
}

void EncodeEvent(const ChangeEvent& e, std::string* out) {
  out->push_back(static_cast<char>(e.kind));
  out->push_back(static_cast<char>(e.before_is_key_only ? kFlagBeforeKeyOnly : 0));
  PutString(e.table.schema, out);
  PutString(e.table.name, out);
  PutVarint(e.columns.size(), out);
  for (const std::string& c : e.columns) PutString(c, out);
  PutImage(e.before, out);
  PutImage(e.after, out);
  PutString(e.ddl, out);
  PutString(e.ddl_schema, out);
  EncodePosition(e.position, out);
  PutVarint(ZigZag(e.commit_time_us), out);
  PutString(e.transaction_id, out);
}

void EncodeEvents(const std::vector<ChangeEvent>& events, std::string* out) {
  EncodeBatchHeader(events.size(), out);
  for (const ChangeEvent& e : events) EncodeEvent(e, out);
}

Status DecodeEvents(std::string_view data, std::vector<ChangeEvent>* events, const std::string& what) {
  Reader r(data);
  uint8_t version = r.Byte("version");
  if (!r.failed() && version != kBatchVersion) {
    return Corrupt(what, "unknown batch version " + std::to_string(version) + " (written by a newer Godwit?)");
  }
  uint64_t n = r.Count("event count");
  events->clear();
  events->resize(n);
  for (uint64_t i = 0; i < n && !r.failed(); ++i) ReadEvent(r, &(*events)[i]);
  if (!r.failed() && !r.at_end()) r.Fail("trailing bytes after the last event");
  if (r.failed()) {
    events->clear();
    return Corrupt(what, r.error());
  }
  return Status::Ok();
}

}  // namespace godwit::store
