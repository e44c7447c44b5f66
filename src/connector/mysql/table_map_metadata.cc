#include "connector/mysql/table_map_metadata.h"

#include "connector/mysql/binlog_decoder.h"

namespace godwit::mysql {
namespace {

namespace bt = binlog_type;

enum FieldType : uint8_t {
  kSignedness = 1,
  kDefaultCharset = 2,
  kColumnCharset = 3,
  kColumnName = 4,
  kSetStrValue = 5,
  kEnumStrValue = 6,
  kGeometryType = 7,
  kSimplePrimaryKey = 8,
  kPrimaryKeyWithPrefix = 9,
  kEnumAndSetDefaultCharset = 10,
  kEnumAndSetColumnCharset = 11,
};

Status Malformed(const std::string& what) {
  return Status(ErrorCode::kReadFailed, "malformed TABLE_MAP optional metadata: " + what,
                "The binlog event is damaged or from a server version Godwit does not know; restart capture from the "
                "last stored position, and report the server version if it persists.");
}

Status CountMismatch(const char* field, size_t listed, size_t columns) {
  return Malformed(std::string(field) + " lists " + std::to_string(listed) + " columns, the table has " +
                   std::to_string(columns));
}

// Reads length-encoded integers and strings off a field's value.
class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}
  bool empty() const { return data_.empty(); }

  bool Packed(uint64_t& v) {
    if (data_.empty()) return false;
    const uint8_t first = static_cast<uint8_t>(data_[0]);
    size_t n = 0;
    if (first < 251) {
      v = first;
      data_.remove_prefix(1);
      return true;
    }
    if (first == 252)
      n = 2;
    else if (first == 253)
      n = 3;
    else if (first == 254)
      n = 8;
    else
      return false;  // 251 is SQL NULL, 255 is not a length
    if (data_.size() < 1 + n) return false;
    v = 0;
    for (size_t i = 0; i < n; ++i) v |= static_cast<uint64_t>(static_cast<uint8_t>(data_[1 + i])) << (8 * i);
    data_.remove_prefix(1 + n);
    return true;
  }

  bool Packed32(uint32_t& v) {
    uint64_t w = 0;
    if (!Packed(w) || w > UINT32_MAX) return false;
    v = static_cast<uint32_t>(w);
    return true;
  }

  bool String(std::string& s) {
    uint64_t len = 0;
    if (!Packed(len) || len > data_.size()) return false;
    s.assign(data_.substr(0, len));
    data_.remove_prefix(len);
    return true;
  }

  bool Bytes(size_t n, std::string_view& out) {
    if (n > data_.size()) return false;
    out = data_.substr(0, n);
    data_.remove_prefix(n);
    return true;
  }

 private:
  std::string_view data_;
};

// STRING's real type hides in its metadata (ENUM and SET travel as STRING),
// with two bits of the length folded into it.
uint8_t RealType(uint8_t type, uint16_t meta) {
  if (type != bt::kString) return type;
  return static_cast<uint8_t>((meta >> 8) | 0x30);
}

bool IsNumeric(uint8_t real) {
  switch (real) {
    case bt::kTiny:
    case bt::kShort:
    case bt::kInt24:
    case bt::kLong:
    case bt::kLongLong:
    case bt::kNewDecimal:
    case bt::kFloat:
    case bt::kDouble: return true;
    default: return false;
  }
}

bool IsEnumOrSet(uint8_t real) { return real == bt::kEnum || real == bt::kSet; }

bool IsCharacter(uint8_t real, bool mariadb) {
  switch (real) {
    case bt::kString:
    case bt::kVarchar:
    case bt::kVarString:
    case bt::kBlob: return true;
    case bt::kGeometry: return mariadb;
    default: return false;
  }
}

// DEFAULT_CHARSET / COLUMN_CHARSET (or their ENUM/SET twins) onto the
// columns of `members` (column indexes of the class, in order).
Status ApplyDefaultCharset(std::string_view value, const std::vector<size_t>& members, std::vector<uint32_t>& out,
                           const char* field) {
  Reader r(value);
  uint32_t def = 0;
  if (!r.Packed32(def)) return Malformed(std::string(field) + " without a default collation");
  for (size_t c : members) out[c] = def;
  while (!r.empty()) {
    uint32_t index = 0, collation = 0;
    if (!r.Packed32(index) || !r.Packed32(collation)) return Malformed(std::string(field) + " truncated");
    if (index >= members.size()) {
      return Malformed(std::string(field) + " names column " + std::to_string(index) + " of " +
                       std::to_string(members.size()));
    }
    out[members[index]] = collation;
  }
  return Status::Ok();
}

Status ApplyColumnCharset(std::string_view value, const std::vector<size_t>& members, std::vector<uint32_t>& out,
                          const char* field) {
  Reader r(value);
  size_t i = 0;
  while (!r.empty()) {
    uint32_t collation = 0;
    if (!r.Packed32(collation)) return Malformed(std::string(field) + " truncated");
    if (i >= members.size()) return CountMismatch(field, i + 1, members.size());
    out[members[i++]] = collation;
  }
  if (i != members.size()) return CountMismatch(field, i, members.size());
  return Status::Ok();
}

Status ApplyLabels(std::string_view value, const std::vector<size_t>& members,
                   std::vector<std::vector<std::string>>& out, const char* field) {
  Reader r(value);
  size_t i = 0;
  while (!r.empty()) {
    uint64_t count = 0;
    if (!r.Packed(count)) return Malformed(std::string(field) + " truncated");
    if (i >= members.size()) return CountMismatch(field, i + 1, members.size());
    auto& labels = out[members[i++]];
    // Each member takes at least one byte: a count beyond the bytes left
    // is malformed, found before anything is allocated for it.
    for (uint64_t k = 0; k < count; ++k) {
      std::string label;
      if (!r.String(label)) return Malformed(std::string(field) + " truncated");
      labels.push_back(std::move(label));
    }
  }
  if (i != members.size()) return CountMismatch(field, i, members.size());
  return Status::Ok();
}

}  // namespace

Result<TableMapMetadata> ParseTableMapMetadata(std::string_view types, std::span<const uint16_t> meta,
                                               std::string_view block, bool mariadb) {
  const size_t n = types.size();
  if (meta.size() != n) {
    return Malformed("column metadata for " + std::to_string(meta.size()) + " of " + std::to_string(n) + " columns");
  }
  std::vector<size_t> numeric, character, enum_set, enums, sets;
  for (size_t i = 0; i < n; ++i) {
    const uint8_t real = RealType(static_cast<uint8_t>(types[i]), meta[i]);
    if (IsNumeric(real)) numeric.push_back(i);
    if (IsCharacter(real, mariadb)) character.push_back(i);
    if (IsEnumOrSet(real)) enum_set.push_back(i);
    if (real == bt::kEnum) enums.push_back(i);
    if (real == bt::kSet) sets.push_back(i);
  }
  TableMapMetadata md;
  md.is_unsigned.assign(n, false);
  md.collation.assign(n, 0);
  md.labels.assign(n, {});
  Reader r(block);
  while (!r.empty()) {
    std::string_view head;
    uint64_t len = 0;
    std::string_view value;
    if (!r.Bytes(1, head) || !r.Packed(len) || !r.Bytes(len, value)) return Malformed("a field runs past the event");
    switch (static_cast<uint8_t>(head[0])) {
      case kSignedness: {
        if (value.size() * 8 < numeric.size()) {
          return Malformed("SIGNEDNESS has " + std::to_string(value.size() * 8) + " bits for " +
                           std::to_string(numeric.size()) + " numeric columns");
        }
        for (size_t k = 0; k < numeric.size(); ++k) {
          md.is_unsigned[numeric[k]] = (static_cast<uint8_t>(value[k / 8]) >> (7 - k % 8)) & 1;
        }
        md.has_signedness = true;
        break;
      }
      case kDefaultCharset:
        RETURN_IF_ERROR(ApplyDefaultCharset(value, character, md.collation, "DEFAULT_CHARSET"));
        break;
      case kColumnCharset: RETURN_IF_ERROR(ApplyColumnCharset(value, character, md.collation, "COLUMN_CHARSET")); break;
      case kEnumAndSetDefaultCharset:
        RETURN_IF_ERROR(ApplyDefaultCharset(value, enum_set, md.collation, "ENUM_AND_SET_DEFAULT_CHARSET"));
        break;
      case kEnumAndSetColumnCharset:
        RETURN_IF_ERROR(ApplyColumnCharset(value, enum_set, md.collation, "ENUM_AND_SET_COLUMN_CHARSET"));
        break;
      case kColumnName: {
        Reader names(value);
        std::vector<std::string> out;
        while (!names.empty()) {
          std::string name;
          if (!names.String(name)) return Malformed("COLUMN_NAME truncated");
          if (out.size() == n) return Malformed("COLUMN_NAME lists more names than the table has columns");
          out.push_back(std::move(name));
        }
        if (out.size() != n) {
          return Malformed("COLUMN_NAME lists " + std::to_string(out.size()) + " names for " + std::to_string(n) +
                           " columns");
        }
        md.names = std::move(out);
        break;
      }
      case kSetStrValue:
        RETURN_IF_ERROR(ApplyLabels(value, sets, md.labels, "SET_STR_VALUE"));
        md.has_enum_set_values = true;
        break;
      case kEnumStrValue:
        RETURN_IF_ERROR(ApplyLabels(value, enums, md.labels, "ENUM_STR_VALUE"));
        md.has_enum_set_values = true;
        break;
      case kSimplePrimaryKey:
      case kPrimaryKeyWithPrefix: {
        const bool prefixed = static_cast<uint8_t>(head[0]) == kPrimaryKeyWithPrefix;
        Reader pk(value);
        while (!pk.empty()) {
          uint32_t index = 0, prefix = 0;
          if (!pk.Packed32(index) || (prefixed && !pk.Packed32(prefix))) return Malformed("primary key truncated");
          if (index >= n) {
            return Malformed("primary key names column " + std::to_string(index) + " of " + std::to_string(n));
          }
          md.primary_key.push_back(index);
        }
        break;
      }
      case kGeometryType:  // geometry is not captured (DecodeBinlogValue refuses it)
      default:             // newer fields: what they say is not needed to decode rows
        break;
    }
  }
  return md;
}

Result<std::vector<Column>> ColumnsFromTableMap(std::string_view types, std::span<const uint16_t> meta,
                                                const TableMapMetadata& md, const CharsetOfCollation& charset_of) {
  const size_t n = types.size();
  if (!md.full() || md.names.size() != n || meta.size() != n || md.collation.size() != n) {
    return Malformed("column names are missing (binlog_row_metadata is not FULL)");
  }
  std::vector<Column> cols(n);
  for (size_t i = 0; i < n; ++i) {
    Column& c = cols[i];
    ColumnType& t = c.type;
    c.name = md.names[i];
    const uint8_t type = static_cast<uint8_t>(types[i]);
    const uint8_t real = RealType(type, meta[i]);
    t.is_unsigned = md.is_unsigned[i];
    const char* u = t.is_unsigned ? " unsigned" : "";
    if (md.collation[i] != 0) {
      t.charset = charset_of ? charset_of(md.collation[i]) : std::string();
      if (t.charset.empty()) {
        return Status(ErrorCode::kUnsupported,
                      "column " + c.name + " has collation id " + std::to_string(md.collation[i]) +
                          ", which the source's information_schema.COLLATIONS does not list",
                      "Convert the column to utf8mb4 on the source, or migrate without change capture.");
      }
    }
    const bool binary = t.charset == "binary";
    switch (real) {
      case bt::kTiny: t.kind = TypeKind::kInt8, t.native = std::string("tinyint") + u; break;
      case bt::kShort: t.kind = TypeKind::kInt16, t.native = std::string("smallint") + u; break;
      case bt::kInt24: t.kind = TypeKind::kInt24, t.native = std::string("mediumint") + u; break;
      case bt::kLong: t.kind = TypeKind::kInt32, t.native = std::string("int") + u; break;
      case bt::kLongLong: t.kind = TypeKind::kInt64, t.native = std::string("bigint") + u; break;
      case bt::kFloat: t.kind = TypeKind::kFloat, t.native = std::string("float") + u; break;
      case bt::kDouble: t.kind = TypeKind::kDouble, t.native = std::string("double") + u; break;
      case bt::kNewDecimal:
        t.kind = TypeKind::kDecimal;
        t.precision = meta[i] >> 8;
        t.scale = meta[i] & 0xff;
        t.native = "decimal(" + std::to_string(t.precision) + "," + std::to_string(t.scale) + ")" + u;
        break;
      case bt::kYear: t.kind = TypeKind::kYear, t.native = "year"; break;
      case bt::kDate: t.kind = TypeKind::kDate, t.native = "date"; break;
      case bt::kTime:
      case bt::kTime2: t.kind = TypeKind::kTime, t.fsp = type == bt::kTime2 ? meta[i] : 0, t.native = "time"; break;
      case bt::kDateTime:
      case bt::kDateTime2:
        t.kind = TypeKind::kDateTime, t.fsp = type == bt::kDateTime2 ? meta[i] : 0, t.native = "datetime";
        break;
      case bt::kTimestamp:
      case bt::kTimestamp2:
        t.kind = TypeKind::kTimestampTz, t.fsp = type == bt::kTimestamp2 ? meta[i] : 0, t.native = "timestamp";
        break;
      case bt::kBit:
        t.kind = TypeKind::kBit;
        t.length = (meta[i] & 0xff) * 8 + (meta[i] >> 8);
        t.native = "bit(" + std::to_string(t.length) + ")";
        break;
      case bt::kVarchar:
      case bt::kVarString:
        t.kind = binary ? TypeKind::kVarbinary : TypeKind::kVarchar;
        t.native = binary ? "varbinary" : "varchar";
        break;
      case bt::kBlob:
        t.kind = binary ? TypeKind::kBlob : TypeKind::kText;
        t.native = binary ? "blob" : "text";
        break;
      case bt::kJson: t.kind = TypeKind::kJson, t.native = "json"; break;
      case bt::kEnum:
      case bt::kSet:
        t.kind = real == bt::kEnum ? TypeKind::kEnum : TypeKind::kSet;
        t.native = real == bt::kEnum ? "enum" : "set";
        if (!md.has_enum_set_values) {
          return Malformed("the members of " + t.native + " column " + c.name + " are missing");
        }
        t.labels = md.labels[i];
        break;
      case bt::kString: {
        // The length's two high bits hide in the type byte (as DecodeBinlogValue reads them).
        const uint32_t hi = meta[i] >> 8;
        const uint32_t len = (meta[i] & 0xff) | ((((hi & 0x30) ^ 0x30)) << 4);
        t.kind = binary ? TypeKind::kBinary : TypeKind::kChar;
        t.length = binary ? len : 0;  // bytes; CHAR's characters are not needed to decode
        t.native = binary ? "binary(" + std::to_string(len) + ")" : "char";
        break;
      }
      default:
        // Geometry, pre-5.0 decimal...: DecodeBinlogValue says what it cannot decode.
        t.kind = TypeKind::kNative;
        t.native = "binlog type " + std::to_string(type);
        break;
    }
  }
  return cols;
}

}  // namespace godwit::mysql
