#include "schema/mysql_key_fit.h"

#include <algorithm>
#include <set>

namespace godwit {
namespace {

// Bytes per unit of length: utf8mb4 characters take up to 4 bytes in a
// key, binary columns count bytes. Every text column Godwit creates on
// MySQL from another engine is utf8mb4.
uint32_t UnitBytes(const ColumnType& t) { return t.IsBinary() ? 1 : 4; }

// Text and binary columns whose width in a key Godwit chooses (VARCHAR
// and VARBINARY of any declared length, TEXT and BLOB).
bool Sizable(const ColumnType& t) {
  return t.kind == TypeKind::kText || t.kind == TypeKind::kVarchar || t.kind == TypeKind::kBlob ||
         t.kind == TypeKind::kVarbinary;
}

// The declared bound of a sizable column in units; 0 = unbounded.
uint64_t DeclaredUnits(const ColumnType& t) {
  if (t.kind == TypeKind::kVarchar || t.kind == TypeKind::kVarbinary) return t.length;
  return 0;
}

uint32_t DecimalDigitBytes(uint32_t digits) {
  static const uint32_t kLeftover[] = {0, 1, 1, 2, 2, 3, 3, 4, 4, 4};
  return digits / 9 * 4 + kLeftover[digits % 9];
}

// The bytes a fixed-width column takes in an InnoDB key.
uint32_t FixedKeyBytes(const ColumnType& t) {
  switch (t.kind) {
    case TypeKind::kBool:
    case TypeKind::kInt8:
    case TypeKind::kYear: return 1;
    case TypeKind::kInt16: return 2;
    case TypeKind::kInt24:
    case TypeKind::kDate: return 3;
    case TypeKind::kInt32:
    case TypeKind::kFloat: return 4;
    case TypeKind::kInt64:
    case TypeKind::kDouble: return 8;
    case TypeKind::kDecimal: {
      uint32_t precision = t.precision ? t.precision : 65;
      uint32_t scale = t.precision ? t.scale : 30;
      return DecimalDigitBytes(precision - scale) + DecimalDigitBytes(scale);
    }
    case TypeKind::kTime: return 3 + (t.fsp + 1) / 2;
    case TypeKind::kDateTime: return 5 + (t.fsp + 1) / 2;
    case TypeKind::kTimestampTz: return 4 + (t.fsp + 1) / 2;
    case TypeKind::kChar: return (t.length ? t.length : 1) * 4;
    case TypeKind::kBinary: return t.length ? t.length : 1;
    case TypeKind::kUuid: return 16;
    case TypeKind::kBit: return (t.length + 7) / 8;
    case TypeKind::kEnum: return t.labels.size() > 255 ? 2 : 1;
    case TypeKind::kSet: return std::max<uint32_t>(1, static_cast<uint32_t>((t.labels.size() + 7) / 8));
    default: return 0;  // the server judges what Godwit cannot size
  }
}

std::string KeyKind(const IndexDef& idx) {
  return idx.primary ? "primary key" : idx.unique ? "unique key " + idx.name : "index " + idx.name;
}

// The keys of `table`, the primary key first.
std::vector<IndexDef*> Keys(TableSchema& table) {
  std::vector<IndexDef*> keys;
  if (table.primary_key) keys.push_back(&*table.primary_key);
  for (IndexDef& idx : table.indexes) keys.push_back(&idx);
  return keys;
}

// One key's text columns and what is left of the limit for them.
struct KeyBudget {
  uint64_t bytes = 0;                // the limit less the fixed-width columns
  std::vector<const Column*> sized;  // its sizable columns without a prefix
  bool fits_as_declared = true;      // the declared widths already fit
};

KeyBudget BudgetOf(const TableSchema& table, const IndexDef& idx) {
  KeyBudget b;
  uint64_t fixed = 0, declared = 0;
  for (const IndexColumn& ic : idx.columns) {
    const Column* c = table.FindColumn(ic.name);
    if (c == nullptr) continue;
    if (ic.prefix_length) {
      fixed += static_cast<uint64_t>(ic.prefix_length) * UnitBytes(c->type);
    } else if (Sizable(c->type)) {
      b.sized.push_back(c);
      uint64_t units = DeclaredUnits(c->type);
      declared += units ? units * UnitBytes(c->type) : kMysqlMaxKeyBytes + 1;
    } else {
      fixed += FixedKeyBytes(c->type);
    }
  }
  b.bytes = fixed >= kMysqlMaxKeyBytes ? 0 : kMysqlMaxKeyBytes - fixed;
  b.fits_as_declared = b.sized.empty() || declared <= b.bytes;
  return b;
}

// Shares of `budget` bytes, in units, for columns needing `need` bytes
// each (at least one unit) and holding at most `cap` units (0 = no cap):
// in proportion to need, what a capped column cannot take going to the
// others. Each share is at least its need when the needs fit.
std::vector<uint64_t> Shares(uint64_t budget, const std::vector<uint64_t>& need, const std::vector<uint64_t>& cap,
                             const std::vector<uint32_t>& unit) {
  const size_t n = need.size();
  std::vector<uint64_t> share(n, 0);
  std::vector<bool> done(n, false);
  uint64_t left = budget;
  for (bool changed = true; changed;) {
    changed = false;
    uint64_t open_need = 0;
    for (size_t i = 0; i < n; ++i) open_need += done[i] ? 0 : need[i];
    if (open_need == 0) break;
    for (size_t i = 0; i < n; ++i) {
      if (done[i]) continue;
      share[i] = left * need[i] / open_need / unit[i];
      if (cap[i] && share[i] >= cap[i]) {
        share[i] = cap[i];
        done[i] = true;
        left -= cap[i] * unit[i];
        changed = true;
        break;  // recompute the others with what the capped one left
      }
    }
  }
  return share;
}

struct Fit {
  std::vector<uint64_t> share;  // units per sized column, in KeyBudget::sized order
  bool fits = true;             // every longest value fits its share
  const Column* first_too_long = nullptr;
};

Fit FitKey(const KeyBudget& b, const std::map<std::string, uint64_t>& longest) {
  std::vector<uint64_t> need, cap;
  std::vector<uint32_t> unit;
  uint64_t total = 0;
  for (const Column* c : b.sized) {
    auto it = longest.find(c->name);
    uint64_t units = std::max<uint64_t>(1, it == longest.end() ? 0 : it->second);
    unit.push_back(UnitBytes(c->type));
    need.push_back(units * unit.back());
    cap.push_back(DeclaredUnits(c->type));
    total += need.back();
  }
  Fit f;
  f.share = Shares(b.bytes, need, cap, unit);
  f.fits = total <= b.bytes;
  for (size_t i = 0; i < b.sized.size(); ++i) {
    if (f.share[i] * unit[i] < need[i] && f.first_too_long == nullptr) f.first_too_long = b.sized[i];
  }
  f.fits = f.fits && f.first_too_long == nullptr;
  return f;
}

std::string QuoteForMessage(const std::string& name) { return "'" + name + "'"; }

}  // namespace

std::vector<std::string> KeyColumnsToMeasure(const TableSchema& table) {
  std::set<std::string> names;
  TableSchema copy = table;
  for (IndexDef* idx : Keys(copy)) {
    KeyBudget b = BudgetOf(copy, *idx);
    if (b.fits_as_declared) continue;
    for (const Column* c : b.sized) names.insert(c->name);
  }
  std::vector<std::string> out;
  for (const Column& c : table.columns) {
    if (names.count(c.name)) out.push_back(c.name);
  }
  return out;
}

std::string LongestValueQuery(const Dialect& source, const TableRef& table, const Column& column) {
  std::string fn;
  switch (source.engine()) {
    case Engine::kPostgres: fn = column.type.IsBinary() ? "octet_length" : "char_length"; break;
    case Engine::kMysql: fn = column.type.IsBinary() ? "length" : "char_length"; break;
    // SQLite's length() counts characters of text and bytes of a blob.
    case Engine::kSqlite: fn = "length"; break;
  }
  return "SELECT max(" + fn + "(" + source.QuoteIdent(column.name) + ")) FROM " + source.QualifiedName(table);
}

Result<std::vector<std::string>> FitKeysToMysql(TableSchema& table, const std::map<std::string, uint64_t>& longest,
                                                const std::string& source_name) {
  std::vector<std::string> warnings;
  // The length each column gets: the smallest of its shares in the unique
  // keys (primary included) and the non-unique indexes that fit as they
  // are; a column of a non-unique index that cannot fit stays unbounded,
  // indexed by a prefix.
  std::map<std::string, uint64_t> length;
  std::set<std::string> prefix_only;
  std::vector<std::pair<IndexDef*, Fit>> fits;
  std::vector<IndexDef*> keys = Keys(table);
  // Unique keys first: their shares bound the columns before the
  // non-unique indexes are judged.
  std::stable_partition(keys.begin(), keys.end(), [](const IndexDef* k) { return k->primary || k->unique; });
  for (IndexDef* idx : keys) {
    KeyBudget b = BudgetOf(table, *idx);
    if (b.fits_as_declared) continue;
    Fit f = FitKey(b, longest);
    if (!f.fits && (idx->primary || idx->unique)) {
      const Column* c = f.first_too_long ? f.first_too_long : b.sized.front();
      auto it = longest.find(c->name);
      return Status(ErrorCode::kUnsupported,
                    "the " + KeyKind(*idx) + " of " + source_name + " cannot fit MySQL's " +
                        std::to_string(kMysqlMaxKeyBytes) + "-byte key limit: column " + QuoteForMessage(c->name) +
                        " holds values of up to " + std::to_string(it == longest.end() ? 0 : it->second) +
                        (c->type.IsBinary() ? " bytes" : " characters (4 bytes each in utf8mb4)") +
                        ", more than the key has room for",
                    "Shorten the longest values of that column on the source, key the table on shorter columns, or "
                    "create the table on the destination by hand (for example with a hash column in the key); "
                    "Godwit loads into an existing empty table.");
    }
    for (size_t i = 0; i < b.sized.size(); ++i) {
      const std::string& name = b.sized[i]->name;
      if (!f.fits) {
        prefix_only.insert(name);
        continue;
      }
      auto [it, inserted] = length.emplace(name, f.share[i]);
      if (!inserted) it->second = std::min(it->second, f.share[i]);
    }
    fits.emplace_back(idx, std::move(f));
  }
  // A column of a unique key is bounded whatever the non-unique indexes
  // say; a column only in non-unique indexes stays unbounded when one of
  // them cannot fit.
  std::set<std::string> unique_columns;
  for (auto& [idx, f] : fits) {
    if (!(idx->primary || idx->unique)) continue;
    for (const IndexColumn& ic : idx->columns) unique_columns.insert(ic.name);
  }
  for (Column& c : table.columns) {
    auto it = length.find(c.name);
    if (it == length.end() || (prefix_only.count(c.name) && !unique_columns.count(c.name))) continue;
    const uint64_t declared = DeclaredUnits(c.type);
    const uint64_t units = declared ? std::min(declared, it->second) : it->second;
    const bool binary = c.type.IsBinary();
    if (declared != units || (c.type.kind != TypeKind::kVarchar && c.type.kind != TypeKind::kVarbinary)) {
      c.type.kind = binary ? TypeKind::kVarbinary : TypeKind::kVarchar;
      c.type.length = static_cast<uint32_t>(units);
      auto l = longest.find(c.name);
      warnings.push_back("column " + QuoteForMessage(c.name) + " of " + source_name + " is in a key, which MySQL " +
                         "limits to " + std::to_string(kMysqlMaxKeyBytes) + " bytes: it becomes " +
                         (binary ? "VARBINARY(" : "VARCHAR(") + std::to_string(units) + ") (its longest value has " +
                         std::to_string(l == longest.end() ? 0 : l->second) +
                         (binary ? " bytes" : " characters") + "); longer values written later will be refused");
    }
  }
  // Prefixes where a non-unique index's share of a column is less than the
  // column's width.
  for (auto& [idx, f] : fits) {
    if (idx->primary || idx->unique) continue;
    KeyBudget b = BudgetOf(table, *idx);
    std::vector<std::string> prefixed;
    for (size_t i = 0; i < b.sized.size(); ++i) {
      const Column* c = b.sized[i];
      const uint64_t declared = DeclaredUnits(c->type);
      if (declared && declared <= f.share[i]) continue;
      for (IndexColumn& ic : idx->columns) {
        if (ic.name == c->name) ic.prefix_length = static_cast<uint32_t>(std::max<uint64_t>(1, f.share[i]));
      }
      prefixed.push_back(QuoteForMessage(c->name) + "(" + std::to_string(std::max<uint64_t>(1, f.share[i])) + ")");
    }
    if (prefixed.empty()) continue;
    std::string list;
    for (size_t i = 0; i < prefixed.size(); ++i) list += (i ? ", " : "") + prefixed[i];
    warnings.push_back("index " + idx->name + " of " + source_name + " would exceed MySQL's " +
                       std::to_string(kMysqlMaxKeyBytes) + "-byte key limit: it indexes a prefix of " + list +
                       (f.fits ? "" : ", shorter than the longest values, which the index then tells apart only by "
                                      "their first characters"));
  }
  return warnings;
}

namespace {

bool SameTextRules(const ColumnType& a, const ColumnType& b) {
  return a.charset == b.charset && a.collation == b.collation;
}

bool IsText(const ColumnType& t) {
  return t.kind == TypeKind::kChar || t.kind == TypeKind::kVarchar || t.kind == TypeKind::kText;
}

// Why InnoDB would refuse `fk` between `child` and `parent` as they are
// now, with what Godwit changes in `child` to make it acceptable applied
// (and described in `changes`); "" when it is acceptable.
std::string FitOne(TableSchema& child, const ForeignKey& fk, const TableSchema& parent,
                   std::vector<std::string>& changes) {
  if (fk.columns.size() != fk.ref_columns.size()) return "its column lists differ in length";
  const bool sets_null = fk.on_delete == "SET NULL" || fk.on_update == "SET NULL";
  if (fk.on_delete == "SET DEFAULT" || fk.on_update == "SET DEFAULT") {
    return "InnoDB does not support the SET DEFAULT action";
  }
  // Judge every column before changing any, so a foreign key removed
  // leaves its columns as they were.
  std::vector<std::pair<Column*, ColumnType>> retype;
  for (size_t i = 0; i < fk.columns.size(); ++i) {
    Column* c = nullptr;
    for (Column& col : child.columns) {
      if (col.name == fk.columns[i]) c = &col;
    }
    const Column* p = parent.FindColumn(fk.ref_columns[i]);
    if (c == nullptr || p == nullptr) return "column " + fk.columns[i] + " or " + fk.ref_columns[i] + " is missing";
    if (sets_null && !c->nullable) {
      return "its SET NULL action needs column " + QuoteForMessage(c->name) + " to accept NULL, and it is NOT NULL";
    }
    const ColumnType& ct = c->type;
    const ColumnType& pt = p->type;
    if (ct.IsInteger() && pt.IsInteger()) {
      if (ct.kind == pt.kind && ct.is_unsigned == pt.is_unsigned) continue;
      ColumnType wider = ct;
      wider.kind = pt.kind;
      wider.is_unsigned = pt.is_unsigned;
      // Only ever widen: each referencing value equals a referenced one,
      // but a wider referencing column may hold values (orphans of a NOT
      // VALID key) the narrower type could not.
      auto rank = [](TypeKind k) { return static_cast<int>(k); };
      if (rank(pt.kind) < rank(ct.kind) || (ct.is_unsigned && !pt.is_unsigned && pt.kind == ct.kind)) {
        return "column " + QuoteForMessage(c->name) + " (" + std::string(TypeKindName(ct.kind)) +
               ") is wider than the referenced " + QuoteForMessage(p->name) + " (" +
               std::string(TypeKindName(pt.kind)) + "), and InnoDB needs the same type on both sides";
      }
      retype.emplace_back(c, wider);
      continue;
    }
    if (IsText(ct) && IsText(pt)) {
      ColumnType fitted = ct;
      fitted.charset = pt.charset;
      fitted.collation = pt.collation;
      // A referencing TEXT column needs a bounded type to be indexed; the
      // referenced column's bound holds its values, each equal to a
      // referenced one.
      if (ct.kind == TypeKind::kText || (ct.kind == TypeKind::kVarchar && ct.length == 0)) {
        if (pt.kind == TypeKind::kText || (pt.kind == TypeKind::kVarchar && pt.length == 0)) {
          return "the referenced column " + QuoteForMessage(p->name) + " is unbounded text, which InnoDB cannot key";
        }
        fitted.kind = pt.kind;
        fitted.length = pt.length;
      }
      if (fitted.kind != ct.kind || fitted.length != ct.length || !SameTextRules(ct, pt)) retype.emplace_back(c, fitted);
      continue;
    }
  }
  for (auto& [c, type] : retype) {
    std::string from = std::string(TypeKindName(c->type.kind));
    c->type = type;
    changes.push_back("column " + QuoteForMessage(c->name) + " of " + child.ref.ToString() + " takes the type of " +
                      parent.ref.ToString() + "." + fk.ref_columns[0] + " it references (" +
                      std::string(TypeKindName(type.kind)) + (type.length ? "(" + std::to_string(type.length) + ")" : "") +
                      (type.is_unsigned ? " unsigned" : "") +
                      (type.collation.empty() ? "" : " " + type.collation) + " instead of " + from +
                      "): InnoDB needs the same type on both sides of foreign key " + fk.name);
  }
  return "";
}

}  // namespace

std::vector<std::string> FitForeignKeysToMysql(TableSchema& child, const std::map<TableRef, const TableSchema*>& parents,
                                               const std::string& source_name) {
  std::vector<std::string> warnings;
  std::vector<ForeignKey> kept;
  for (const ForeignKey& fk : child.foreign_keys) {
    auto it = parents.find(fk.ref_table);
    const TableSchema* parent = fk.ref_table == child.ref ? &child : it == parents.end() ? nullptr : it->second;
    if (parent == nullptr) {
      kept.push_back(fk);
      continue;
    }
    std::vector<std::string> changes;
    std::string why = FitOne(child, fk, *parent, changes);
    if (!why.empty()) {
      warnings.push_back("foreign key " + fk.name + " of " + source_name + " was not carried over: " + why +
                         "; create it on the destination by hand if it is needed");
      continue;
    }
    warnings.insert(warnings.end(), changes.begin(), changes.end());
    kept.push_back(fk);
  }
  child.foreign_keys = std::move(kept);
  return warnings;
}

}  // namespace godwit
