// MySQL's loose GROUP BY made strict for PostgreSQL (view_tree.h,
// MakeGroupByStrict).
//
// MySQL (without ONLY_FULL_GROUP_BY) lets a view select columns that are
// neither grouped nor aggregated and returns any row's value for them;
// PostgreSQL accepts such a column only when the grouping key contains its
// table's primary key. Adding the column to GROUP BY changes no group when
// its value is the same in every row of the group, that is, when it is
// functionally dependent on the grouping key. Dependencies used here:
//   - the grouped columns themselves;
//   - all columns of a table one of whose keys (primary, or unique with
//     every column NOT NULL) is entirely dependent;
//   - across a join equality a.x = b.y of ON (or WHERE): b.y from a.x.
//     For an outer join only from the preserved side to the null-supplying
//     side: under LEFT JOIN, rows of several `a.x` values all meet NULL in
//     b, so b.y does not determine a.x.
// Worked example (sakila's sales_by_store):
//   ... FROM store s JOIN address a ON s.address_id = a.address_id
//       JOIN city c ON a.city_id = c.city_id  GROUP BY s.store_id
//   s.store_id is store's key → s.address_id → a.address_id (address's
//   key) → a.city_id → c.city_id (city's key) → c.city. So c.city is added
//   to GROUP BY and every group keeps its rows.
#include <map>
#include <optional>
#include <set>

#include "schema/view_tree.h"

namespace godwit::view {
namespace {

struct Ref {
  std::string alias;
  std::string column;  // lower-cased
  auto operator<=>(const Ref&) const = default;
};

struct Source {
  std::string alias;
  const TableSchema* table = nullptr;  // null: a derived table, or a table outside the catalog
  std::string shown;                    // for messages
};

struct Edge {
  Ref from, to;
};

bool IsAggregate(const std::string& f) {
  static const std::set<std::string> k = {"count",    "sum",      "avg",        "min",         "max",
                                          "group_concat", "string_agg", "array_agg", "bit_and", "bit_or",
                                          "bit_xor",  "std",      "stddev",     "stddev_pop",  "stddev_samp",
                                          "variance", "var_pop",  "var_samp",   "json_arrayagg", "json_objectagg",
                                          "bool_and", "bool_or",  "every",      "total"};
  return k.count(f) != 0;
}

bool JoinWord(const Node& n) {
  for (const char* w : {"join", "left", "right", "inner", "outer", "cross", "natural", "full", "straight_join"}) {
    if (IsKeyword(n, w)) return true;
  }
  return false;
}

class Query {
 public:
  Query(const std::vector<TableSchema>* tables) : tables_(tables) {}

  Status Run(Seq& s, size_t begin, size_t end) {
    auto clause = [&](std::string_view w, bool needs_by) -> int {
      for (size_t i = begin; i < end; ++i) {
        if (IsKeyword(s[i], w) && (!needs_by || (i + 1 < end && IsKeyword(s[i + 1], "by")))) return static_cast<int>(i);
      }
      return -1;
    };
    const int from = clause("from", false), where = clause("where", false), group = clause("group", true),
              having = clause("having", false), order = clause("order", true);
    if (group < 0 || from < 0) return Status();
    auto end_of = [&](int at) {
      size_t e = end;
      for (int other : {from, where, group, having, order, clause("limit", false), clause("with", false),
                        clause("window", false)}) {
        if (other > at && static_cast<size_t>(other) < e) e = static_cast<size_t>(other);
      }
      return e;
    };
    ReadFrom(Seq(s.begin() + from + 1, s.begin() + end_of(from)));
    if (where >= 0) Equalities(Seq(s.begin() + where + 1, s.begin() + end_of(where)), false, 0);

    const size_t group_begin = static_cast<size_t>(group) + 2, group_end = end_of(group);
    const Seq select_list(s.begin() + begin + 1, s.begin() + from);
    std::set<std::string> aliases;
    std::vector<Seq> items = SplitCommas(select_list);
    for (const Seq& item : items) {
      if (item.size() >= 2 && IsKeyword(item[item.size() - 2], "as")) aliases.insert(Lower(NameOf(item.back())));
    }
    std::set<Ref> grouped;
    std::string key_text;
    for (Seq item : SplitCommas(Seq(s.begin() + group_begin, s.begin() + group_end))) {
      key_text += (key_text.empty() ? "" : ", ") + Text(item);
      // GROUP BY 2: the second item of the select list.
      if (item.size() == 1 && item[0].tok.kind == sql::TokenKind::kWord && std::isdigit(static_cast<unsigned char>(item[0].tok.text[0]))) {
        size_t n = std::strtoul(item[0].tok.text.c_str(), nullptr, 10);
        if (n >= 1 && n <= items.size()) item = items[n - 1];
        if (item.size() >= 2 && IsKeyword(item[item.size() - 2], "as")) item.resize(item.size() - 2);
      }
      if (auto r = PlainRef(item)) grouped.insert(*r);
    }

    std::vector<std::pair<Ref, std::string>> needed;  // with the text that reads it
    Collect(select_list, {}, needed);
    if (having >= 0) Collect(Seq(s.begin() + having + 1, s.begin() + end_of(having)), {}, needed);
    if (order >= 0) Collect(Seq(s.begin() + order + 2, s.begin() + end_of(order)), aliases, needed);

    std::set<Ref> determined = grouped;
    std::set<std::string> whole = Closure(determined);
    Seq added;
    std::set<Ref> seen = grouped;
    for (const auto& [ref, shown] : needed) {
      if (!seen.insert(ref).second) continue;
      if (!whole.count(ref.alias) && !determined.count(ref)) {
        const Source* src = SourceOf(ref.alias);
        std::string why = src && !src->table ? " (" + src->shown + " is not a table of the migrated catalog, so its keys are unknown)" : "";
        return Status(ErrorCode::kUnsupported,
                      "the view selects " + shown + ", which is neither in its GROUP BY (" + key_text +
                          ") nor aggregated, and does not depend on that key through primary or unique keys" + why +
                          ": PostgreSQL refuses it, and MySQL returns the value of any row of each group",
                      "Add the column to the view's GROUP BY or wrap it in an aggregate such as MIN() on the source "
                      "if any row's value will do, then migrate again; or write the view by hand.");
      }
      added.push_back(Punct(','));
      added.push_back(Ident(ref.alias, true));
      added.push_back(Punct('.'));
      added.push_back(Ident(ColumnName(ref), false));
    }
    s.insert(s.begin() + group_end, added.begin(), added.end());
    return Status();
  }

 private:
  const std::vector<TableSchema>* tables_;
  std::vector<Source> sources_;
  std::vector<Edge> edges_;

  static Node Ident(const std::string& name, bool space) {
    Node n;
    n.tok.kind = sql::TokenKind::kQuotedIdent;
    n.tok.value = name;
    n.tok.text = "\"" + name + "\"";
    n.space = space;
    return n;
  }

  const Source* SourceOf(const std::string& alias) const {
    for (const Source& s : sources_) {
      if (Lower(s.alias) == Lower(alias)) return &s;
    }
    return nullptr;
  }

  std::string ColumnName(const Ref& r) const {
    const Source* s = SourceOf(r.alias);
    if (s && s->table) {
      for (const Column& c : s->table->columns) {
        if (Lower(c.name) == r.column) return c.name;
      }
    }
    return r.column;
  }

  const TableSchema* FindTable(const std::string& name) const {
    if (!tables_) return nullptr;
    for (const TableSchema& t : *tables_) {
      if (t.ref.name == name) return &t;
    }
    for (const TableSchema& t : *tables_) {
      if (Lower(t.ref.name) == Lower(name)) return &t;
    }
    return nullptr;
  }

  static bool HasColumn(const TableSchema* t, const std::string& lower_name) {
    if (!t) return false;
    for (const Column& c : t->columns) {
      if (Lower(c.name) == lower_name) return true;
    }
    return false;
  }

  // A column reference: name or qualifier.name (or schema.table.name).
  std::optional<Ref> Resolve(const std::vector<std::string>& parts) const {
    if (parts.size() >= 2) {
      const Source* s = SourceOf(parts[parts.size() - 2]);
      if (!s) return std::nullopt;
      return Ref{s->alias, Lower(parts.back())};
    }
    if (parts.size() != 1) return std::nullopt;
    const Source* found = nullptr;
    for (const Source& s : sources_) {
      if (HasColumn(s.table, Lower(parts[0]))) {
        if (found) return std::nullopt;  // ambiguous: the destination says so itself
        found = &s;
      }
    }
    if (!found) return std::nullopt;
    return Ref{found->alias, Lower(parts[0])};
  }

  // Reads a dotted name at `i`; returns its parts and moves `i` past it.
  static std::vector<std::string> DottedName(const Seq& s, size_t& i) {
    std::vector<std::string> parts = {NameOf(s[i])};
    ++i;
    while (i + 1 < s.size() && IsPunct(s[i], '.') && IsName(s[i + 1])) {
      parts.push_back(NameOf(s[i + 1]));
      i += 2;
    }
    return parts;
  }

  std::optional<Ref> PlainRef(const Seq& item) const {
    if (item.size() == 1 && item[0].group) return PlainRef(item[0].kids);
    if (item.empty() || !IsName(item[0]) || IsReserved(item[0])) return std::nullopt;
    size_t i = 0;
    auto parts = DottedName(item, i);
    if (i != item.size()) return std::nullopt;
    return Resolve(parts);
  }

  // The FROM clause: its tables with their aliases, and the equalities of
  // its ON and USING clauses.
  void ReadFrom(const Seq& s) {
    size_t join_start = sources_.size();
    int join_kind = 0;  // 0 inner, 1 left, 2 right
    int pending_kind = 0;
    for (size_t i = 0; i < s.size();) {
      const Node& n = s[i];
      if (IsKeyword(n, "left")) pending_kind = 1;
      if (IsKeyword(n, "right")) pending_kind = 2;
      if (IsKeyword(n, "join") || IsKeyword(n, "straight_join")) {
        join_start = sources_.size();
        join_kind = pending_kind;
        pending_kind = 0;
        ++i;
        continue;
      }
      if (IsPunct(n, ',')) {
        join_start = sources_.size();
        join_kind = 0;
        ++i;
        continue;
      }
      if (IsKeyword(n, "on")) {
        ++i;
        Seq cond;
        while (i < s.size() && !JoinWord(s[i]) && !IsPunct(s[i], ',')) cond.push_back(s[i++]);
        Equalities(cond, join_kind != 0, join_start, join_kind == 2);
        continue;
      }
      if (IsKeyword(n, "using") && i + 1 < s.size() && s[i + 1].group) {
        for (const Seq& col : SplitCommas(s[i + 1].kids)) {
          if (col.size() != 1 || !IsName(col[0])) continue;
          const std::string c = Lower(NameOf(col[0]));
          for (size_t a = 0; a < join_start; ++a) {
            for (size_t b = join_start; b < sources_.size(); ++b) {
              if (!HasColumn(sources_[a].table, c) || !HasColumn(sources_[b].table, c)) continue;
              AddEquality({sources_[a].alias, c}, {sources_[b].alias, c}, join_kind != 0, join_kind == 2);
            }
          }
        }
        i += 2;
        continue;
      }
      if (n.group) {
        if (!n.kids.empty() && IsKeyword(n.kids[0], "select")) {  // a derived table and its alias
          ++i;
          if (i < s.size() && IsKeyword(s[i], "as")) ++i;
          if (i < s.size() && IsName(s[i]) && !IsReserved(s[i]) && !JoinWord(s[i])) {
            sources_.push_back({NameOf(s[i]), nullptr, "the derived table " + NameOf(s[i])});
            ++i;
          }
          continue;
        }
        ReadFrom(n.kids);  // parentheses around joins
        ++i;
        continue;
      }
      if (IsName(n) && !IsReserved(n) && !JoinWord(n)) {
        auto parts = DottedName(s, i);
        std::string alias = parts.back();
        if (i < s.size() && IsKeyword(s[i], "as")) ++i;
        if (i < s.size() && IsName(s[i]) && !IsReserved(s[i]) && !JoinWord(s[i]) && !(i + 1 < s.size() && s[i + 1].group)) {
          alias = NameOf(s[i++]);
        }
        const TableSchema* t = FindTable(parts.back());
        sources_.push_back({alias, t, "table " + parts.back()});
        continue;
      }
      ++i;
    }
  }

  // `a = b` between column references in the conjuncts of `cond`. Under an
  // outer join, only from the preserved side (sources before `new_from`)
  // to the joined one (reversed for RIGHT JOIN).
  void Equalities(const Seq& cond, bool outer, size_t new_from, bool right = false) {
    if (cond.size() == 1 && cond[0].group) return Equalities(cond[0].kids, outer, new_from, right);
    Seq conjunct;
    auto flush = [&]() {
      if (conjunct.size() == 1 && conjunct[0].group) {
        Equalities(conjunct[0].kids, outer, new_from, right);
      } else {
        for (size_t k = 0; k < conjunct.size(); ++k) {
          if (!IsPunct(conjunct[k], '=') || (k + 1 < conjunct.size() && IsPunct(conjunct[k + 1], '>')) ||
              (k > 0 && (IsPunct(conjunct[k - 1], '<') || IsPunct(conjunct[k - 1], '>') || IsPunct(conjunct[k - 1], '!')))) {
            continue;
          }
          auto l = PlainRef(Seq(conjunct.begin(), conjunct.begin() + k));
          auto r = PlainRef(Seq(conjunct.begin() + k + 1, conjunct.end()));
          if (!l || !r) continue;
          if (!outer) {
            AddEquality(*l, *r, false, false);
            continue;
          }
          auto is_new = [&](const Ref& x) {
            for (size_t j = new_from; j < sources_.size(); ++j) {
              if (Lower(sources_[j].alias) == Lower(x.alias)) return true;
            }
            return false;
          };
          if (is_new(*l) == is_new(*r)) continue;
          const Ref& old_side = is_new(*l) ? *r : *l;
          const Ref& new_side = is_new(*l) ? *l : *r;
          AddEquality(old_side, new_side, true, right);
        }
      }
      conjunct.clear();
    };
    for (const Node& n : cond) {
      if (IsKeyword(n, "and")) {
        flush();
        continue;
      }
      if (IsKeyword(n, "or")) return;  // a disjunction holds no equality for every row
      conjunct.push_back(n);
    }
    flush();
  }

  // `a` = `b`; one-way (a to b, or b to a when `reversed`) when `outer`.
  void AddEquality(const Ref& a, const Ref& b, bool outer, bool reversed) {
    if (!outer || !reversed) edges_.push_back({a, b});
    if (!outer || reversed) edges_.push_back({b, a});
  }

  // Grows `determined` to all it determines; returns the aliases all of
  // whose columns are determined.
  std::set<std::string> Closure(std::set<Ref>& determined) const {
    std::set<std::string> whole;
    auto is_determined = [&](const Ref& r) { return whole.count(r.alias) || determined.count(r); };
    for (bool changed = true; changed;) {
      changed = false;
      for (const Source& s : sources_) {
        if (!s.table || whole.count(s.alias)) continue;
        std::vector<const IndexDef*> keys;
        if (s.table->primary_key) keys.push_back(&*s.table->primary_key);
        for (const IndexDef& idx : s.table->indexes) {
          bool not_null = idx.unique && !idx.columns.empty();
          for (const IndexColumn& ic : idx.columns) {
            const Column* c = s.table->FindColumn(ic.name);
            not_null = not_null && c && !c->nullable && ic.prefix_length == 0;
          }
          if (not_null) keys.push_back(&idx);
        }
        for (const IndexDef* k : keys) {
          bool all = !k->columns.empty();
          for (const IndexColumn& ic : k->columns) all = all && is_determined({s.alias, Lower(ic.name)});
          if (all) {
            whole.insert(s.alias);
            changed = true;
            break;
          }
        }
      }
      for (const Edge& e : edges_) {
        if (is_determined(e.from) && !is_determined(e.to)) {
          determined.insert(e.to);
          changed = true;
        }
      }
    }
    return whole;
  }

  // The column references `s` reads outside aggregates and subqueries,
  // skipping aliases after AS and, in ORDER BY, the select list's aliases.
  void Collect(const Seq& s, const std::set<std::string>& skip, std::vector<std::pair<Ref, std::string>>& out) const {
    for (size_t i = 0; i < s.size();) {
      const Node& n = s[i];
      if (IsCall(s, i)) {
        if (!IsAggregate(NameOf(n))) Collect(s[i + 1].kids, {}, out);
        i += 2;
        continue;
      }
      if (n.group) {
        if (n.kids.empty() || !IsKeyword(n.kids[0], "select")) Collect(n.kids, {}, out);
        ++i;
        continue;
      }
      if (IsKeyword(n, "as")) {
        i += 2;
        continue;
      }
      if (IsName(n) && !IsReserved(n) && !(n.tok.kind == sql::TokenKind::kWord && std::isdigit(static_cast<unsigned char>(n.tok.text[0])))) {
        const size_t start = i;
        auto parts = DottedName(s, i);
        if (parts.size() == 1 && skip.count(Lower(parts[0]))) continue;
        if (auto r = Resolve(parts)) out.push_back({*r, Text(Seq(s.begin() + start, s.begin() + i))});
        continue;
      }
      ++i;
    }
  }
};

}  // namespace

Status MakeGroupByStrict(Seq& query, const std::vector<TableSchema>* tables) {
  for (Node& n : query) {
    if (n.group) RETURN_IF_ERROR(MakeGroupByStrict(n.kids, tables));
  }
  if (query.empty() || !IsKeyword(query[0], "select")) return Status();
  // Each SELECT of a UNION on its own.
  size_t begin = 0;
  for (size_t i = 0; i <= query.size(); ++i) {
    const bool boundary = i == query.size() || IsKeyword(query[i], "union") || IsKeyword(query[i], "intersect") ||
                          IsKeyword(query[i], "except");
    if (!boundary) continue;
    const size_t before = query.size();
    Query q(tables);
    RETURN_IF_ERROR(q.Run(query, begin, i));
    i += query.size() - before;  // what was added to that part's GROUP BY
    size_t next = i + 1;
    while (next < query.size() && (IsKeyword(query[next], "all") || IsKeyword(query[next], "distinct"))) ++next;
    begin = next;
    if (begin < query.size() && !IsKeyword(query[begin], "select")) break;
  }
  return Status();
}

}  // namespace godwit::view
