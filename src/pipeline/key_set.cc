#include "pipeline/key_set.h"

namespace godwit {

std::vector<std::string> KeySetPredicates(const Dialect& d, const TableSchema& table, const IndexDef& key,
                                          std::span<const KeyValues> keys) {
  std::vector<const Column*> columns;
  std::vector<std::string> exact;  // "" where plain equality is exact
  for (const auto& k : key.columns) {
    const Column* c = table.FindColumn(k.name);
    columns.push_back(c);
    std::string e = d.ExactKeyExpr(*c);
    exact.push_back(e == d.QuoteIdent(c->name) ? "" : e);
  }
  std::vector<std::string> out;
  std::string list;
  size_t in_list = 0;
  auto flush = [&] {
    if (in_list == 0) return;
    if (columns.size() == 1) {
      std::string cond = d.QuoteIdent(columns[0]->name) + " IN (" + list + ")";
      if (!exact[0].empty()) cond += " AND " + exact[0] + " IN (" + list + ")";
      out.push_back(std::move(cond));
    } else {
      out.push_back(std::move(list));
    }
    list.clear();
    in_list = 0;
  };
  for (const KeyValues& values : keys) {
    if (columns.size() == 1) {
      if (!list.empty()) list += ", ";
      list += d.Literal(columns[0]->type, values[0]);
    } else {
      if (!list.empty()) list += " OR ";
      list += "(";
      for (size_t i = 0; i < columns.size(); ++i) {
        const std::string lit = d.Literal(columns[i]->type, values[i]);
        if (i) list += " AND ";
        list += d.QuoteIdent(columns[i]->name) + " = " + lit;
        if (!exact[i].empty()) list += " AND " + exact[i] + " = " + lit;
      }
      list += ")";
    }
    if (++in_list == kKeysPerCondition) flush();
  }
  flush();
  return out;
}

}  // namespace godwit
