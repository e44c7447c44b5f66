#include "sync/schema_sync.h"

#include <map>
#include <set>

namespace godwit {
namespace {

// An index as the comparison sees it: unique or not, and its columns.
std::string IndexShape(const IndexDef& index) {
  std::string out = index.unique ? "unique:" : "index:";
  for (const auto& c : index.columns) out += c.name + (c.descending ? " desc" : "") + ",";
  return out;
}

bool SameDefinition(const Column& a, const Column& b, const Dialect& d) {
  auto ta = d.ColumnTypeSql(a.type);
  auto tb = d.ColumnTypeSql(b.type);
  if (!ta.ok() || !tb.ok() || *ta != *tb) return false;
  if (a.nullable != b.nullable) return false;
  return a.default_kind == b.default_kind && a.default_value == b.default_value;
}

void Append(std::vector<std::string>& out, std::vector<std::string> more) {
  for (auto& s : more) out.push_back(std::move(s));
}

}  // namespace

Result<TableChange> PlanTableChange(const std::optional<TableSchema>& wanted, const std::optional<TableSchema>& current,
                                    const Dialect& d, const TableChangeOptions& options) {
  TableChange out;
  if (!wanted && !current) return out;
  if (!wanted) {
    out.statements.push_back(d.DropTable(current->ref));
    return out;
  }
  if (!current) {
    TableSchema create = *wanted;
    create.foreign_keys.clear();
    create.checks.clear();
    ASSIGN_OR_RETURN(out.statements, d.CreateTable(create));
    for (const IndexDef& index : wanted->indexes) {
      auto sql = d.CreateIndex(*wanted, index);
      if (sql.ok()) {
        out.statements.push_back(*sql);
      } else {
        out.warnings.push_back(sql.status().message());
      }
    }
    if (!wanted->foreign_keys.empty() || !wanted->checks.empty()) {
      out.warnings.push_back("table " + wanted->ref.ToString() +
                             " was created without its foreign keys and CHECK constraints; add them by hand if the "
                             "destination needs them");
    }
    return out;
  }

  const TableSchema& w = *wanted;
  const TableSchema& c = *current;
  const TableRef& ref = c.ref;
  std::vector<const Column*> added, dropped;
  for (const Column& col : w.columns) {
    if (!c.FindColumn(col.name)) added.push_back(&col);
  }
  for (const Column& col : c.columns) {
    if (!w.FindColumn(col.name)) dropped.push_back(&col);
  }

  // Indexes the destination has and the source no longer wants go first:
  // they may cover a column about to be dropped.
  std::map<std::string, const IndexDef*> wanted_indexes, current_indexes;
  for (const IndexDef& i : w.indexes) {
    if (i.unsupported_reason.empty()) wanted_indexes[IndexShape(i)] = &i;
  }
  for (const IndexDef& i : c.indexes) current_indexes[IndexShape(i)] = &i;
  for (const auto& [shape, index] : current_indexes) {
    if (!wanted_indexes.count(shape)) out.statements.push_back(d.DropIndex(c, *index));
  }

  std::vector<std::pair<const Column*, const Column*>> renamed;  // from (current), to (wanted)
  if (options.detect_renames && added.size() == 1 && dropped.size() == 1 &&
      w.ColumnIndex(added[0]->name) == c.ColumnIndex(dropped[0]->name)) {
    renamed.emplace_back(dropped[0], added[0]);
    added.clear();
    dropped.clear();
  }
  for (const Column* col : dropped) out.statements.push_back(d.DropColumn(ref, col->name));
  for (const auto& [from, to] : renamed) {
    out.statements.push_back(d.RenameColumn(ref, from->name, to->name));
    if (!SameDefinition(*from, *to, d)) {
      TableSchema target = c;
      target.ref = ref;
      ASSIGN_OR_RETURN(auto modify, d.ModifyColumn(target, *to));
      Append(out.statements, std::move(modify));
    }
  }
  TableSchema target = c;  // for the dialect: the table as it is being changed
  for (const Column* col : added) {
    ASSIGN_OR_RETURN(auto add, d.AddColumn(target, *col));
    Append(out.statements, std::move(add));
  }
  if (options.redefines) {
    for (const Column& col : w.columns) {
      const Column* now = c.FindColumn(col.name);
      if (!now || !options.redefines(col.name) || SameDefinition(col, *now, d)) continue;
      ASSIGN_OR_RETURN(auto modify, d.ModifyColumn(target, col));
      if (modify.empty()) {
        out.warnings.push_back("column " + col.name + " of " + ref.ToString() + " keeps its old declaration (" +
                               "the destination cannot alter a column)");
      }
      Append(out.statements, std::move(modify));
    }
  }
  for (const auto& [shape, index] : wanted_indexes) {
    if (current_indexes.count(shape)) continue;
    TableSchema on = w;
    on.ref = ref;
    auto sql = d.CreateIndex(on, *index);
    if (sql.ok()) {
      out.statements.push_back(*sql);
    } else {
      out.warnings.push_back(sql.status().message());
    }
  }
  auto key_names = [](const std::optional<IndexDef>& k) {
    std::vector<std::string> names;
    if (k) {
      for (const auto& col : k->columns) names.push_back(col.name);
    }
    return names;
  };
  if (key_names(w.primary_key) != key_names(c.primary_key) && renamed.empty()) {
    out.warnings.push_back("the primary key of " + ref.ToString() +
                           " changed on the source; the destination keeps its old one — change it by hand");
  }
  return out;
}

Result<TableSchema> ShapeAsOfChange(const TableSchema& now, const std::optional<TableSchema>& current,
                                    const std::vector<std::string>& columns,
                                    const std::function<bool(const std::string&)>& redefined) {
  TableSchema out = now;
  out.columns.clear();
  std::set<std::string> named(columns.begin(), columns.end());
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string& name = columns[i];
    const Column* def = redefined && redefined(name) ? now.FindColumn(name) : nullptr;
    if (!def && current) def = current->FindColumn(name);
    if (!def) def = now.FindColumn(name);
    if (!def && i < now.columns.size() && !named.count(now.columns[i].name)) def = &now.columns[i];
    if (!def) {
      return Status(ErrorCode::kNotFound, "column " + name + " of " + now.ref.ToString() +
                                              " is in the change stream but neither on the destination nor, by name "
                                              "or position, on the source any more");
    }
    Column c = *def;
    c.name = name;
    out.columns.push_back(std::move(c));
  }
  auto covered = [&](const IndexDef& index) {
    for (const auto& c : index.columns) {
      if (!out.FindColumn(c.name)) return false;
    }
    return true;
  };
  if (out.primary_key && !covered(*out.primary_key)) {
    out.primary_key = current ? current->primary_key : std::nullopt;
  }
  std::vector<IndexDef> indexes;
  for (const IndexDef& index : now.indexes) {
    if (covered(index)) indexes.push_back(index);
  }
  out.indexes = std::move(indexes);
  return out;
}

}  // namespace godwit
