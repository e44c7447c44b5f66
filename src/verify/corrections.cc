#include "verify/corrections.h"

#include <chrono>
#include <ctime>
#include <unordered_map>

#include "pipeline/key_set.h"
#include "schema/dialect.h"
#include "verify/recheck.h"
#include "verify/unit_pass.h"

namespace godwit {
namespace {

std::vector<ColumnType> KeyTypes(const TablePair& pair) {
  std::vector<ColumnType> types;
  for (int p : pair.key_positions) types.push_back(pair.compare_types[p]);
  return types;
}

std::string KeyText(const KeyValues& key) {
  std::string s;
  for (const auto& v : key) s += (s.empty() ? "" : ", ") + v;
  return s;
}

}  // namespace

Result<TableCorrections> BuildCorrections(Session& source, const TablePair& pair, const std::vector<StoredDiff>& diffs,
                                          const CorrectionOptions& options) {
  TableCorrections out;
  out.source = pair.source.ref.ToString();
  out.destination = pair.destination.ref.ToString();
  if (diffs.empty()) return out;
  if (pair.key_positions.empty()) {
    out.comments.push_back(out.destination + " has no key: its " + std::to_string(diffs.size()) +
                           " differing rows cannot be corrected one by one; copy the table again");
    return out;
  }
  const auto key_types = KeyTypes(pair);
  std::vector<KeyValues> keys;
  std::vector<const StoredDiff*> of_key;
  for (const StoredDiff& d : diffs) {
    ASSIGN_OR_RETURN(KeyValues k, DecodeKeyJson(key_types, d.key_json));
    keys.push_back(std::move(k));
    of_key.push_back(&d);
  }
  // The source's rows now, by key normal form.
  const Dialect& dd = DialectFor(pair.destination_engine);
  std::unordered_map<std::string, std::string> values_sql;  // key normal form -> "(lit, lit, ...)"
  RowHasher hasher = MakeHasher(pair);
  std::string nf;
  RETURN_IF_ERROR(ForEachRowByKey(source, pair, Side::kSource, keys, options.batch, [&](std::span<const Value> row) {
    hasher.Key(row, nf);
    std::string lits = "(";
    for (size_t c = 0; c < row.size(); ++c) {
      if (c) lits += ", ";
      const Column& col = pair.destination.columns[pair.destination_columns[c]];
      lits += row[c].is_null() ? "NULL" : dd.Literal(col.type, row[c].bytes());
    }
    values_sql[nf] = lits + ")";
  }));

  std::string columns;
  std::vector<std::string> key_names, update_names;
  for (size_t c = 0; c < pair.names.size(); ++c) {
    columns += (c ? ", " : "") + dd.QuoteIdent(pair.names[c]);
    bool is_key = std::find(pair.key_positions.begin(), pair.key_positions.end(), static_cast<int>(c)) !=
                  pair.key_positions.end();
    (is_key ? key_names : update_names).push_back(pair.names[c]);
  }
  const std::string insert = "INSERT INTO " + dd.QualifiedName(pair.destination.ref) + " (" + columns + ") VALUES ";
  const std::string upsert = dd.UpsertSuffix(key_names, update_names);
  const std::string del = "DELETE FROM " + dd.QualifiedName(pair.destination.ref) + " WHERE ";
  for (size_t i = 0; i < keys.size(); ++i) {
    const StoredDiff& d = *of_key[i];
    auto it = values_sql.find(KeyNormalForm(pair, keys[i]));
    if (it != values_sql.end()) {
      // The source has the row (whatever the difference was): write it.
      out.statements.push_back(insert + it->second + upsert);
      ++out.upserts;
      out.key_jsons.push_back(d.key_json);
      continue;
    }
    if (d.kind == DiffKind::kOnlyInDestination && !options.delete_destination_only) {
      out.comments.push_back("only in the destination, kept: " + KeyText(keys[i]));
      ++out.kept_destination_only;
      continue;
    }
    // Not on the source (any more): the destination's row goes.
    KeyValues one[] = {keys[i]};
    for (const auto& cond : KeySetPredicates(dd, pair.destination, *pair.destination_key, one)) {
      out.statements.push_back(del + cond);
    }
    ++out.deletes;
    out.key_jsons.push_back(d.key_json);
  }
  return out;
}

std::string CorrectionsSql(const std::string& source_uri, const std::string& destination_uri, Engine destination,
                           const std::vector<TableCorrections>& tables) {
  char when[32];
  const std::time_t now = std::time(nullptr);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  const Dialect& d = DialectFor(destination);
  std::string sql = "-- Godwit corrections: " + source_uri + " -> " + destination_uri + ", made " + when + "\n" +
                    "-- Review before running. Each statement writes the source's row as it was when this file was "
                    "made.\n";
  for (const auto& t : tables) {
    if (t.statements.empty() && t.comments.empty()) continue;
    sql += "\n-- " + t.source + " -> " + t.destination + ": " + std::to_string(t.upserts) + " rows written, " +
           std::to_string(t.deletes) + " deleted, " + std::to_string(t.kept_destination_only) +
           " only in the destination kept\n";
    for (const auto& c : t.comments) sql += "-- " + c + "\n";
    if (t.statements.empty()) continue;
    sql += (destination == Engine::kMysql ? std::string("START TRANSACTION") : d.BeginTransaction()) + ";\n";
    for (const auto& s : t.statements) sql += s + ";\n";
    sql += "COMMIT;\n";
  }
  return sql;
}

Status ApplyCorrections(Session& destination, const TableCorrections& table, size_t per_transaction) {
  const Dialect& d = DialectFor(destination.engine());
  for (size_t i = 0; i < table.statements.size(); i += per_transaction) {
    RETURN_IF_ERROR(destination.Execute(d.BeginTransaction()));
    for (size_t j = i; j < std::min(table.statements.size(), i + per_transaction); ++j) {
      Status st = destination.Execute(table.statements[j]);
      if (!st.ok()) {
        destination.Execute("ROLLBACK").IgnoreError();
        return st.WithContext("correcting " + table.destination);
      }
    }
    RETURN_IF_ERROR(destination.Execute("COMMIT"));
  }
  return Status();
}

}  // namespace godwit
