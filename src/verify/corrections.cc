#include "verify/corrections.h"

#include <chrono>
#include <ctime>
#include <unordered_map>

#include "common/text.h"
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

// Decodes the UTF-8 sequence at `s[i]`: its code point and length, or
// length 0 when the bytes there are not valid UTF-8.
std::pair<uint32_t, size_t> DecodeUtf8(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n = c < 0x80 ? 1 : (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 0;
  if (n == 0 || i + n > s.size()) return {0, 0};
  uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return {0, 0};
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  static constexpr uint32_t kMin[] = {0, 0, 0x80, 0x800, 0x10000};
  if (cp < kMin[n] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return {0, 0};
  return {cp, n};
}

}  // namespace

std::string CommentText(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    const auto [cp, n] = DecodeUtf8(text, i);
    // What ends a "--" comment in some reader (a newline for the server;
    // a carriage return, U+0085, U+2028 or U+2029 for an editor or a
    // terminal, which then shows the rest as a statement line), what
    // reorders or hides text on a reviewer's screen (other controls,
    // bidirectional overrides), what opens or closes a block comment, and
    // the escape character itself, so that the escaping reads back
    // unambiguously. Everything else, accented letters included, as it is.
    if (n == 0) {
      out += "\\x";
      AppendHexLower(text.substr(i, 1), out);
      ++i;
      continue;
    }
    if (cp == '\\') {
      out += "\\\\";
    } else if (cp == '\n') {
      out += "\\n";
    } else if (cp == '\r') {
      out += "\\r";
    } else if (cp == '\t') {
      out += "\\t";
    } else if (cp == '*' && i + 1 < text.size() && text[i + 1] == '/') {
      out += "*\\/";
      i += 2;
      continue;
    } else if (cp == '/' && i + 1 < text.size() && text[i + 1] == '*') {
      out += "/\\*";
      i += 2;
      continue;
    } else if (cp < 0x20 || cp == 0x7F || (cp >= 0x80 && cp <= 0x9F) || cp == 0x2028 || cp == 0x2029 ||
               (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x202A && cp <= 0x202E) || (cp >= 0x2066 && cp <= 0x2069) ||
               cp == 0xFEFF) {
      out += "\\u";
      const char code_unit[2] = {static_cast<char>(cp >> 8), static_cast<char>(cp & 0xFF)};  // all below U+10000
      AppendHexLower(std::string_view(code_unit, 2), out);
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
  return out;
}

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
  // Every comment line goes through CommentText: table names and key
  // values are the source's data, and must not end the comment.
  std::string sql = "-- Godwit corrections: " + CommentText(source_uri) + " -> " + CommentText(destination_uri) +
                    ", made " + when + "\n" +
                    "-- Review before running. Each statement writes the source's row as it was when this file was "
                    "made.\n";
  // The session settings the literals are written for, set here rather than
  // assumed from whichever session the DBA runs the file in. The literals
  // do not depend on them either (PostgreSQL writes a value holding a
  // backslash as E'..', MySQL one holding a quote or backslash as hex), so
  // a file cut short of these lines still means the same.
  for (const std::string& setting : d.ScriptSettings()) sql += setting + ";\n";
  for (const auto& t : tables) {
    if (t.statements.empty() && t.comments.empty()) continue;
    sql += "\n-- " + CommentText(t.source) + " -> " + CommentText(t.destination) + ": " + std::to_string(t.upserts) +
           " rows written, " + std::to_string(t.deletes) + " deleted, " + std::to_string(t.kept_destination_only) +
           " only in the destination kept\n";
    for (const auto& c : t.comments) sql += "-- " + CommentText(c) + "\n";
    if (t.statements.empty()) continue;
    sql += d.BeginTransaction() + ";\n";
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
        destination.Execute("ROLLBACK")
            .IgnoreBecause(
                "the correction's error is the one reported; the destination discards an unfinished transaction when "
                "the session closes");
        return st.WithContext("correcting " + table.destination);
      }
    }
    RETURN_IF_ERROR(destination.Execute("COMMIT"));
  }
  return Status();
}

}  // namespace godwit
