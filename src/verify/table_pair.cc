#include "verify/table_pair.h"

#include <strings.h>

#include <algorithm>

#include "schema/verify_sql.h"
#include "verify/db_checksum.h"
#include "verify/row_hash.h"

namespace godwit {
namespace {

// Kinds whose order and equality are the same on every engine Godwit
// supports, so a key range selects the same rows on both sides.
bool OrdersAlike(TypeKind k) {
  switch (k) {
    case TypeKind::kBool:
    case TypeKind::kInt8:
    case TypeKind::kInt16:
    case TypeKind::kInt24:
    case TypeKind::kInt32:
    case TypeKind::kInt64:
    case TypeKind::kDecimal:
    case TypeKind::kDate:
    case TypeKind::kTime:
    case TypeKind::kDateTime:
    case TypeKind::kTimestampTz:
    case TypeKind::kYear: return true;
    default: return false;
  }
}

bool SameDeclaration(const ColumnType& a, const ColumnType& b) {
  return strcasecmp(a.native.c_str(), b.native.c_str()) == 0 && a.charset == b.charset && a.collation == b.collation;
}

int FindByName(const TableSchema& t, const std::string& name) {
  int i = t.ColumnIndex(name);
  if (i >= 0) return i;
  // MySQL column names are case-insensitive: a table created by hand may
  // spell them differently.
  for (size_t j = 0; j < t.columns.size(); ++j) {
    if (strcasecmp(t.columns[j].name.c_str(), name.c_str()) == 0) return static_cast<int>(j);
  }
  return -1;
}

}  // namespace

std::string_view VerifyMethodName(VerifyMethod m) { return m == VerifyMethod::kDatabase ? "database" : "hashed"; }

std::string_view UnitShapeName(UnitShape s) {
  switch (s) {
    case UnitShape::kRanges: return "range";
    case UnitShape::kBuckets: return "bucket";
    case UnitShape::kWholeTable: return "whole";
  }
  return "";
}

Result<TablePair> PairTables(const TableSchema& source, Engine source_engine, const TableSchema& destination,
                             Engine destination_engine, MethodChoice choice) {
  TablePair p;
  p.source = source;
  p.destination = destination;
  p.source_engine = source_engine;
  p.destination_engine = destination_engine;
  for (size_t d = 0; d < destination.columns.size(); ++d) {
    int s = FindByName(source, destination.columns[d].name);
    if (s < 0) {
      p.only_in_destination_columns.push_back(destination.columns[d].name);
      continue;
    }
    p.source_columns.push_back(s);
    p.destination_columns.push_back(static_cast<int>(d));
    p.names.push_back(destination.columns[d].name);
    p.compare_types.push_back(ComparisonType(source.columns[s].type, destination.columns[d].type));
  }
  for (const Column& c : source.columns) {
    if (FindByName(destination, c.name) < 0) p.only_in_source_columns.push_back(c.name);
  }
  if (p.names.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "no column of " + source.ref.ToString() + " exists in " + destination.ref.ToString(),
                  "Check the table mapping (--include/--exclude, renames): these are not the same table.");
  }

  // The key: the source's chunk key, when every column of it is compared.
  if (auto key = source.ChunkKey()) {
    std::vector<int> positions;
    bool ranges_agree = true;
    for (const IndexColumn& kc : key->columns) {
      const int s = source.ColumnIndex(kc.name);
      auto it = std::find(p.source_columns.begin(), p.source_columns.end(), s);
      if (it == p.source_columns.end() || kc.prefix_length > 0) {
        positions.clear();
        break;
      }
      const int pos = static_cast<int>(it - p.source_columns.begin());
      positions.push_back(pos);
      const ColumnType& st = source.columns[s].type;
      const ColumnType& dt = destination.columns[p.destination_columns[pos]].type;
      // A collation that is each database's own (PostgreSQL's "default")
      // two databases may set differently: not known to order alike.
      const bool database_default = VerifySqlFor(source_engine).CollationIsDatabaseDefault(st);
      const bool same_order = source_engine == destination_engine && st.kind == dt.kind && !database_default &&
                              st.charset == dt.charset && st.collation == dt.collation && st.kind != TypeKind::kFloat &&
                              st.kind != TypeKind::kDouble && st.kind != TypeKind::kJson;
      if (!(OrdersAlike(st.kind) && OrdersAlike(dt.kind)) && !same_order) ranges_agree = false;
    }
    if (!positions.empty()) {
      p.key = *key;
      p.destination_key = *key;
      for (size_t i = 0; i < positions.size(); ++i) {
        p.destination_key->columns[i].name = destination.columns[p.destination_columns[positions[i]]].name;
      }
      p.key_positions = std::move(positions);
      p.shape = ranges_agree ? UnitShape::kRanges : UnitShape::kBuckets;
    }
  }

  // The method.
  std::string why_not;
  if (source_engine != destination_engine) {
    why_not = "the engines differ";
  } else if (!HasDatabaseChecksum(source_engine)) {
    why_not = std::string(EngineName(source_engine)) + " has no checksum function";
  } else if (!p.only_in_source_columns.empty() || !p.only_in_destination_columns.empty()) {
    why_not = "the columns differ";
  } else if (p.shape == UnitShape::kBuckets) {
    why_not = "the key is compared in hash buckets";
  } else {
    for (size_t i = 0; i < p.names.size(); ++i) {
      const ColumnType& st = source.columns[p.source_columns[i]].type;
      const ColumnType& dt = destination.columns[p.destination_columns[i]].type;
      if (!SameDeclaration(st, dt)) {
        why_not =
            "column " + p.names[i] + " is " + st.native + " on the source and " + dt.native + " on the destination";
        break;
      }
    }
  }
  if (choice == MethodChoice::kDatabase && !why_not.empty()) {
    return Status(ErrorCode::kInvalidArgument,
                  "table " + source.ref.ToString() + " cannot be checksummed inside the database: " + why_not,
                  "Use --method auto (hashes such tables in Godwit) or --method hashed.");
  }
  if (choice == MethodChoice::kHashed) {
    p.method = VerifyMethod::kHashed;
    p.method_reason = "asked for";
  } else if (why_not.empty()) {
    p.method = VerifyMethod::kDatabase;
  } else {
    p.method = VerifyMethod::kHashed;
    p.method_reason = why_not;
  }
  return p;
}

}  // namespace godwit
