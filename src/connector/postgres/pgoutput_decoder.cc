#include "connector/postgres/pgoutput_decoder.h"

#include <cstring>

#include "connector/postgres/postgres_types.h"

namespace godwit::pg {
namespace {

// Oids below this are built in (FirstNormalObjectId): their meaning is the
// same on every server, so the type map needs no catalog lookup. Anything
// above (enums, domains, extension types) is read as its text, as the full
// migration reads it (MapType gives kEnum or kNative for them).
constexpr uint32_t kFirstNormalObjectId = 16384;

Status Malformed(std::string_view what) {
  return Status(ErrorCode::kReadFailed, "malformed pgoutput message from PostgreSQL: " + std::string(what),
                "This is unexpected; report it with the PostgreSQL version.");
}

}  // namespace

// Big-endian reader over one message; every read checks the bounds.
class PgoutputReader {
 public:
  explicit PgoutputReader(std::string_view data) : data_(data) {}
  bool ok() const { return ok_; }
  size_t left() const { return data_.size() - at_; }

  uint8_t U8() {
    if (!Need(1)) return 0;
    return static_cast<uint8_t>(data_[at_++]);
  }
  uint64_t UInt(int bytes) {
    if (!Need(static_cast<size_t>(bytes))) return 0;
    uint64_t v = 0;
    for (int i = 0; i < bytes; ++i) v = (v << 8) | static_cast<uint8_t>(data_[at_++]);
    return v;
  }
  uint16_t U16() { return static_cast<uint16_t>(UInt(2)); }
  uint32_t U32() { return static_cast<uint32_t>(UInt(4)); }
  uint64_t U64() { return UInt(8); }
  // A NUL-terminated string.
  std::string_view CString() {
    if (!ok_) return {};
    const void* nul = std::memchr(data_.data() + at_, '\0', data_.size() - at_);
    if (nul == nullptr) {
      ok_ = false;
      return {};
    }
    size_t n = static_cast<size_t>(static_cast<const char*>(nul) - (data_.data() + at_));
    std::string_view s = data_.substr(at_, n);
    at_ += n + 1;
    return s;
  }
  std::string_view Bytes(size_t n) {
    if (!Need(n)) return {};
    std::string_view s = data_.substr(at_, n);
    at_ += n;
    return s;
  }

 private:
  bool Need(size_t n) {
    if (!ok_ || data_.size() - at_ < n) {
      ok_ = false;
      return false;
    }
    return true;
  }
  std::string_view data_;
  size_t at_ = 0;
  bool ok_ = true;
};

PgOutputDecoder::PgOutputDecoder(std::string slot, uint64_t start_lsn)
    : slot_(std::move(slot)), restart_lsn_(start_lsn), txn_restart_lsn_(start_lsn) {}

const PgRelation* PgOutputDecoder::relation(uint32_t oid) const {
  auto it = relations_.find(oid);
  return it == relations_.end() ? nullptr : &it->second;
}

Status PgOutputDecoder::Decode(std::string_view message, std::vector<ChangeEvent>& out) {
  PgoutputReader r(message);
  char tag = static_cast<char>(r.U8());
  if (!r.ok()) return Malformed("empty message");
  auto in_txn = [&](const char* what) -> Status {
    if (!in_transaction_) return Malformed(std::string(what) + " outside a transaction");
    return Status::Ok();
  };
  switch (tag) {
    case 'B': {  // Begin: final LSN, commit time, xid
      if (in_transaction_) return Malformed("Begin inside a transaction");
      r.U64();  // the commit record's LSN; the Commit gives the end LSN that matters
      int64_t ts = static_cast<int64_t>(r.U64());
      uint32_t xid = r.U32();
      if (!r.ok()) return Malformed("short Begin");
      in_transaction_ = true;
      txn_restart_lsn_ = restart_lsn_;
      txn_commit_time_us_ = ts + kPgEpochUnixMicros;
      txn_xid_ = std::to_string(xid);
      ChangeEvent ev;
      ev.kind = ChangeKind::kBegin;
      ev.position = Pos(txn_restart_lsn_);
      ev.commit_time_us = txn_commit_time_us_;
      ev.transaction_id = txn_xid_;
      out.push_back(std::move(ev));
      return Status::Ok();
    }
    case 'C': {  // Commit: flags, commit LSN, end LSN, commit time
      RETURN_IF_ERROR(in_txn("Commit"));
      r.U8();
      r.U64();
      uint64_t end_lsn = r.U64();
      int64_t ts = static_cast<int64_t>(r.U64());
      if (!r.ok()) return Malformed("short Commit");
      in_transaction_ = false;
      restart_lsn_ = end_lsn;
      ChangeEvent ev;
      ev.kind = ChangeKind::kCommit;
      ev.position = Pos(end_lsn);
      ev.commit_time_us = ts + kPgEpochUnixMicros;
      ev.transaction_id = txn_xid_;
      out.push_back(std::move(ev));
      return Status::Ok();
    }
    case 'R': return DecodeRelation(r);
    case 'Y':  // Type: oid, namespace, name. User types are read as text (see kFirstNormalObjectId).
    case 'O':  // Origin: the changes come from another node; nothing to do.
    case 'M':  // Logical decoding message (only sent with the messages option).
      return Status::Ok();
    case 'I':
    case 'U':
    case 'D': {
      RETURN_IF_ERROR(in_txn("a row change"));
      ChangeEvent ev;
      RETURN_IF_ERROR(DecodeRow(tag, r, ev));
      out.push_back(std::move(ev));
      return Status::Ok();
    }
    case 'T': {  // Truncate: relation count, options, oids
      RETURN_IF_ERROR(in_txn("Truncate"));
      uint32_t n = r.U32();
      r.U8();  // 1 CASCADE, 2 RESTART IDENTITY: the Writer truncates the named tables only
      if (!r.ok() || r.left() < static_cast<size_t>(n) * 4) return Malformed("short Truncate");
      std::vector<ChangeEvent> events;
      for (uint32_t i = 0; i < n; ++i) {
        uint32_t oid = r.U32();
        const PgRelation* rel = relation(oid);
        if (rel == nullptr) return Malformed("Truncate of relation " + std::to_string(oid) + " never described");
        ChangeEvent ev;
        ev.kind = ChangeKind::kTruncate;
        ev.table = rel->table;
        ev.position = Pos(txn_restart_lsn_);
        ev.commit_time_us = txn_commit_time_us_;
        ev.transaction_id = txn_xid_;
        events.push_back(std::move(ev));
      }
      for (auto& ev : events) out.push_back(std::move(ev));
      return Status::Ok();
    }
    default: return Malformed(std::string("unknown message type '") + tag + "'");
  }
}

Status PgOutputDecoder::DecodeRelation(PgoutputReader& r) {
  PgRelation rel;
  rel.oid = r.U32();
  std::string_view ns = r.CString();
  rel.table.schema = ns.empty() ? "pg_catalog" : std::string(ns);  // pgoutput sends "" for pg_catalog
  rel.table.name = std::string(r.CString());
  rel.replica_identity = static_cast<char>(r.U8());
  uint16_t ncols = r.U16();
  if (!r.ok()) return Malformed("short Relation");
  rel.columns.reserve(ncols);
  for (uint16_t i = 0; i < ncols; ++i) {
    PgRelation::Column c;
    c.key = (r.U8() & 1) != 0;
    c.name = std::string(r.CString());
    c.type_oid = r.U32();
    c.typmod = static_cast<int32_t>(r.U32());
    if (!r.ok()) return Malformed("short Relation column");
    if (c.type_oid < kFirstNormalObjectId) {
      // The same conversion the full migration's COPY reader applies to a
      // column of this type (postgres_codec.h).
      ColumnType type = MapType(c.type_oid, c.typmod, 'b', "", {});
      c.conv = PlanCopyOut(std::span<const ColumnType>(&type, 1))[0];
    }
    rel.columns.push_back(std::move(c));
  }
  uint32_t oid = rel.oid;
  relations_[oid] = std::move(rel);
  return Status::Ok();
}

Status PgOutputDecoder::DecodeTuple(PgoutputReader& r, const PgRelation& rel, RowImage& image) {
  uint16_t n = r.U16();
  if (!r.ok()) return Malformed("short tuple");
  if (n != rel.columns.size()) {
    return Malformed("a tuple of " + rel.table.ToString() + " has " + std::to_string(n) + " columns, its Relation " +
                     std::to_string(rel.columns.size()));
  }
  image.clear();
  image.reserve(n);
  for (uint16_t i = 0; i < n; ++i) {
    char kind = static_cast<char>(r.U8());
    switch (kind) {
      case 'n': image.push_back(FieldValue::Null()); break;
      case 'u': image.push_back(FieldValue::Unchanged()); break;
      case 't': {
        uint32_t len = r.U32();
        std::string_view text = r.Bytes(len);
        if (!r.ok()) return Malformed("short tuple value");
        std::string v;
        switch (rel.columns[i].conv) {
          case CopyOutConv::kText: v.assign(text); break;
          case CopyOutConv::kBool: v = text == "t" ? "1" : text == "f" ? "0" : std::string(text); break;
          case CopyOutConv::kBytea:
            if (text.size() >= 2 && text[0] == '\\' && text[1] == 'x') {
              if (!DecodeHex(text.substr(2), v)) return Malformed("a bytea value is not valid hex");
            } else {
              v.assign(text);
            }
            break;
          case CopyOutConv::kTimestampTz:
            v.assign(text);
            v.resize(StripUtcOffsetInPlace(v.data(), v.size()));
            break;
        }
        image.push_back(FieldValue::Of(std::move(v)));
        break;
      }
      default:
        if (!r.ok()) return Malformed("short tuple");
        return Malformed(std::string("unknown tuple value kind '") + kind + "'");
    }
  }
  return Status::Ok();
}

Status PgOutputDecoder::DecodeRow(char tag, PgoutputReader& r, ChangeEvent& ev) {
  uint32_t oid = r.U32();
  if (!r.ok()) return Malformed("short row message");
  const PgRelation* rel = relation(oid);
  if (rel == nullptr) return Malformed("a row of relation " + std::to_string(oid) + " never described");
  ev.table = rel->table;
  ev.columns.reserve(rel->columns.size());
  for (const auto& c : rel->columns) ev.columns.push_back(c.name);
  ev.position = Pos(txn_restart_lsn_);
  ev.commit_time_us = txn_commit_time_us_;
  ev.transaction_id = txn_xid_;

  char sub = static_cast<char>(r.U8());
  if (tag == 'I') {
    ev.kind = ChangeKind::kInsert;
    if (sub != 'N') return Malformed("Insert without a new tuple");
    return DecodeTuple(r, *rel, ev.after);
  }
  if (tag == 'D') {
    ev.kind = ChangeKind::kDelete;
    if (sub != 'K' && sub != 'O') return Malformed("Delete without an old tuple");
    RETURN_IF_ERROR(DecodeTuple(r, *rel, ev.before));
    ev.before_is_key_only = sub == 'K';
    return Status::Ok();
  }
  ev.kind = ChangeKind::kUpdate;
  bool has_old = sub == 'K' || sub == 'O';
  if (has_old) {
    RETURN_IF_ERROR(DecodeTuple(r, *rel, ev.before));
    ev.before_is_key_only = sub == 'K';
    sub = static_cast<char>(r.U8());
  }
  if (sub != 'N') return Malformed("Update without a new tuple");
  RETURN_IF_ERROR(DecodeTuple(r, *rel, ev.after));
  if (!has_old) {
    // The replica identity did not change, so PostgreSQL sends no old
    // tuple: the key is the new tuple's.
    bool any_key = false;
    ev.before.assign(ev.after.size(), FieldValue::Null());
    for (size_t i = 0; i < rel->columns.size(); ++i) {
      if (rel->columns[i].key) {
        ev.before[i] = ev.after[i];
        any_key = true;
      }
    }
    if (!any_key) ev.before.clear();  // REPLICA IDENTITY NOTHING: no way to name the row
    ev.before_is_key_only = any_key;
  }
  return Status::Ok();
}

}  // namespace godwit::pg
