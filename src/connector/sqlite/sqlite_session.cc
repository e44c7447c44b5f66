#include "connector/sqlite/sqlite_session.h"

#include <sqlite3.h>
#include <sys/stat.h>

#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <algorithm>
#include <map>
#include <strings.h>

#include "connector/engines.h"
#include "schema/dialects.h"
#include "schema/literal_text.h"
#include "schema/sql_lexer.h"
#include "schema/default_expression.h"
#include "schema/sqlite_dialect.h"

namespace godwit {
namespace {

ErrorCode Classify(int rc, ErrorCode otherwise) {
  switch (rc & 0xff) {
    case SQLITE_PERM:
    case SQLITE_READONLY:
    case SQLITE_AUTH: return ErrorCode::kPermissionDenied;
    case SQLITE_BUSY:
    case SQLITE_LOCKED: return ErrorCode::kConnectionLost;  // retryable: another writer holds the file
    case SQLITE_CANTOPEN: return ErrorCode::kNotFound;
    case SQLITE_FULL:
    case SQLITE_IOERR: return ErrorCode::kWriteFailed;
    default: return otherwise;
  }
}

Status SqliteStatus(sqlite3* db, int rc, ErrorCode otherwise, const std::string& what) {
  return Status(Classify(rc, otherwise), what + ": " + sqlite3_errmsg(db), {}, sqlite3_errstr(rc));
}

class Stmt {
 public:
  Stmt() = default;
  ~Stmt() { sqlite3_finalize(s_); }
  Stmt(const Stmt&) = delete;
  Stmt& operator=(const Stmt&) = delete;
  sqlite3_stmt** out() { return &s_; }
  sqlite3_stmt* get() const { return s_; }

 private:
  sqlite3_stmt* s_ = nullptr;
};

std::string ColumnText(sqlite3_stmt* s, int i) {
  const unsigned char* p = sqlite3_column_text(s, i);
  return p ? std::string(reinterpret_cast<const char*>(p), sqlite3_column_bytes(s, i)) : std::string();
}

std::string Quote(std::string_view name) { return SqliteDialect().QuoteIdent(name); }

// Shortest text that reads back as the same double; SQLite's Infinity
// spelled as the canonical form.
size_t FormatDouble(double d, char* buf, size_t cap) {
  if (std::isinf(d)) {
    const char* s = d > 0 ? "Infinity" : "-Infinity";
    size_t n = std::strlen(s);
    std::memcpy(buf, s, n);
    return n;
  }
  auto r = std::to_chars(buf, buf + cap, d);
  return static_cast<size_t>(r.ptr - buf);
}

// Whether `v`, stored as TEXT or BLOB, is a value of kind `t`. SQLite keeps
// any text in a column of any declared type ('1--' in an INTEGER column,
// '2x' in a BIT one); passed on, the destination's literal would be that
// text, so a value of a number or bit kind must have the kind's strict shape.
bool ValidAs(const ColumnType& t, std::string_view v) {
  if (t.IsInteger() || t.kind == TypeKind::kYear) return IsIntegerText(v);
  switch (t.kind) {
    case TypeKind::kDecimal:
    case TypeKind::kFloat:
    case TypeKind::kDouble: return IsNumberText(v) || IsNonFiniteText(v);
    case TypeKind::kBool:
      return IsIntegerText(v) || strcasecmp(std::string(v).c_str(), "true") == 0 ||
             strcasecmp(std::string(v).c_str(), "false") == 0;
    case TypeKind::kBit: return IsBitText(v);
    default: return true;
  }
}

// The data error for a value ValidAs refuses, in the words of MySQL's zero
// dates: where the value is and what to do.
Status InvalidValue(sqlite3_stmt* s, int i, const ColumnType& t, std::string_view v) {
  const char* column = sqlite3_column_name(s, i);
  const char* table = sqlite3_column_table_name(s, i);
  std::string first = sqlite3_column_type(s, 0) == SQLITE_NULL ? "NULL" : "'" + ColumnText(s, 0).substr(0, 64) + "'";
  std::string kind = t.IsInteger() || t.kind == TypeKind::kYear ? "an integer"
                     : t.kind == TypeKind::kBit                 ? "a BIT value (0s and 1s)"
                     : t.kind == TypeKind::kBool                ? "a boolean"
                                                                : "a number";
  return Status(ErrorCode::kDataError,
                "value '" + std::string(v.substr(0, 64)) + "' in column " + (column ? column : std::to_string(i + 1)) +
                    (table ? " of table " + std::string(table) : std::string()) + ", in the row whose first value is " +
                    first + ", is not " + kind + ": SQLite keeps any text in a column of any type, no other engine can",
                "Fix the row on the source (or make the column TEXT there), or exclude the table.");
}

class SqliteLease : public SnapshotLease {
 public:
  const Position& position() const override { return position_; }
  const std::string& token() const override { return token_; }
  Status Release() override { return Status(); }

 private:
  Position position_ = NoPosition{};
  std::string token_;
};

// Bind plan of one destination column.
enum class BindAs { kInteger, kDouble, kBlob, kText };

class SqliteSession : public Session {
 public:
  explicit SqliteSession(sqlite3* db) : db_(db) {}
  ~SqliteSession() override { sqlite3_close_v2(db_); }

  Engine engine() const override { return Engine::kSqlite; }
  std::string default_schema() const override { return ""; }

  Status Execute(std::string_view sql) override {
    // One statement only (sqlite3_exec would run every statement of the
    // string): text that came from a source database (a view body, a
    // CHECK clause) can never smuggle a second statement in. A NUL byte
    // would end SQLite's reading early, hiding what follows it.
    if (sql.find('\0') != std::string_view::npos) {
      return Status(ErrorCode::kDdlFailed, "SQLite refused the statement: it holds a NUL byte");
    }
    Stmt st;
    const char* tail = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), st.out(), &tail);
    if (rc != SQLITE_OK) return SqliteStatus(db_, rc, ErrorCode::kDdlFailed, "SQLite refused the statement");
    if (tail != nullptr && tail < sql.data() + sql.size()) {
      // Whitespace, comments and semicolons prepare to no statement.
      Stmt more;
      int more_rc =
          sqlite3_prepare_v2(db_, tail, static_cast<int>(sql.data() + sql.size() - tail), more.out(), nullptr);
      if (more_rc != SQLITE_OK || more.get() != nullptr) {
        return Status(ErrorCode::kDdlFailed,
                      "SQLite refused the statement: the text holds more than one statement (the second begins at "
                      "byte " +
                          std::to_string(tail - sql.data()) + "), and only one runs per call");
      }
    }
    if (st.get() == nullptr) return Status();  // only whitespace or comments
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
    }
    if (rc != SQLITE_DONE) return SqliteStatus(db_, rc, ErrorCode::kDdlFailed, "SQLite refused the statement");
    return Status();
  }

  Status Query(std::string_view sql, std::span<const ColumnType> types, BatchConsumer& consumer,
               const BatchLimits& limits) override {
    Stmt st;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()), 0, st.out(), nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(db_, rc, ErrorCode::kReadFailed, "preparing a read");
    const int ncols = sqlite3_column_count(st.get());
    if (static_cast<size_t>(ncols) != types.size()) {
      return Status(ErrorCode::kInternal,
                    "query returns " + std::to_string(ncols) + " columns, expected " + std::to_string(types.size()));
    }
    RowBatch batch(types.size());
    char num[64];
    while ((rc = sqlite3_step(st.get())) == SQLITE_ROW) {
      for (int i = 0; i < ncols; ++i) {
        const ColumnType& t = types[i];
        switch (sqlite3_column_type(st.get(), i)) {
          case SQLITE_NULL: batch.AddNull(); break;
          case SQLITE_INTEGER: {
            int64_t v = sqlite3_column_int64(st.get(), i);
            if (t.kind == TypeKind::kBool) {
              batch.Add(v != 0 ? "1" : "0");
            } else {
              auto r = std::to_chars(num, num + sizeof num, v);
              std::string_view text(num, r.ptr - num);
              // A BIT column's value must be binary digits (5 is not).
              if (t.kind == TypeKind::kBit && !IsBitText(text)) return InvalidValue(st.get(), i, t, text);
              batch.Add(text);
            }
            break;
          }
          case SQLITE_FLOAT: {
            double d = sqlite3_column_double(st.get(), i);
            if (t.kind == TypeKind::kDecimal && std::isfinite(d)) {
              // A DECIMAL column's NUMERIC affinity stores REALs; canonical
              // decimal text is plain, never an exponent ("-1e-10").
              char wide[400];
              auto r = std::to_chars(wide, wide + sizeof wide, d, std::chars_format::fixed);
              batch.Add(std::string_view(wide, r.ptr - wide));
            } else {
              batch.Add(std::string_view(num, FormatDouble(d, num, sizeof num)));
            }
            break;
          }
          default: {  // TEXT and BLOB: the bytes as stored
            const void* p = sqlite3_column_blob(st.get(), i);
            int n = sqlite3_column_bytes(st.get(), i);
            std::string_view v(p ? static_cast<const char*>(p) : "", static_cast<size_t>(n));
            if (!ValidAs(t, v)) return InvalidValue(st.get(), i, t, v);
            batch.Add(v);
          }
        }
      }
      if (batch.rows() >= limits.max_rows || batch.payload_bytes() >= limits.max_bytes) {
        RETURN_IF_ERROR(consumer.Consume(batch));
        batch.Clear(types.size());
      }
    }
    if (rc != SQLITE_DONE) return SqliteStatus(db_, rc, ErrorCode::kReadFailed, "reading rows");
    if (!batch.empty()) RETURN_IF_ERROR(consumer.Consume(batch));
    return Status();
  }

  Status BulkLoad(const TableSchema& table, std::span<const std::string> pre_sql, BatchSource& source) override {
    std::string sql = "INSERT INTO " + Quote(table.ref.name) + " (";
    std::vector<BindAs> plan;
    for (size_t i = 0; i < table.columns.size(); ++i) {
      const ColumnType& t = table.columns[i].type;
      sql += (i ? ", " : "") + Quote(table.columns[i].name);
      if (t.IsBinary()) {
        plan.push_back(BindAs::kBlob);
      } else if ((t.IsInteger() && !(t.kind == TypeKind::kInt64 && t.is_unsigned)) || t.kind == TypeKind::kBool ||
                 t.kind == TypeKind::kYear) {
        plan.push_back(BindAs::kInteger);
      } else if (t.kind == TypeKind::kFloat || t.kind == TypeKind::kDouble) {
        plan.push_back(BindAs::kDouble);
      } else {
        plan.push_back(BindAs::kText);
      }
    }
    sql += ") VALUES (";
    for (size_t i = 0; i < table.columns.size(); ++i) sql += i ? ", ?" : "?";
    sql += ")";

    RETURN_IF_ERROR(Execute("BEGIN IMMEDIATE").WithContext("starting the load of " + table.ref.name));
    Status st = LoadInTransaction(table, sql, plan, pre_sql, source);
    if (!st.ok()) {
      Execute("ROLLBACK")
          .IgnoreBecause(
              "the load's error is the one reported; a transaction left open makes the next BEGIN fail, with its "
              "error");
      return st;
    }
    if (Status c = Execute("COMMIT"); !c.ok()) {
      Execute("ROLLBACK")
          .IgnoreBecause(
              "the COMMIT's error is the one reported; a transaction left open makes the next BEGIN fail, with its "
              "error");
      return Status(ErrorCode::kWriteFailed, c.message(), {}, c.native_code());
    }
    return Status();
  }

  Result<std::unique_ptr<SnapshotLease>> ExportSnapshot(const SnapshotOptions& options) override {
    if (!options.replication_slot.empty()) {
      return Status(ErrorCode::kInvalidArgument, "SQLite has no replication slots",
                    "Remove the replication slot option for a SQLite source.");
    }
    return std::unique_ptr<SnapshotLease>(new SqliteLease());
  }

  Status JoinSnapshot(const SnapshotLease&) override {
    // A read transaction starts at its first read; in WAL mode it then sees
    // one stable state until it ends.
    RETURN_IF_ERROR(Execute("BEGIN"));
    return Execute("SELECT count(*) FROM sqlite_schema");
  }

  Status EndSnapshot() override {
    if (sqlite3_get_autocommit(db_)) return Status();
    return Execute("COMMIT");
  }

  Result<Catalog> ReadCatalog(const ObjectFilter& filter) override;

  // SQLite keeps nothing that survives VACUUM yet tells a re-created table
  // apart: the identity says the table exists (a destination file deleted
  // and created again has none of them).
  Result<std::string> TableIdentity(const TableRef& table) override {
    Stmt s;
    int rc =
        sqlite3_prepare_v2(db_, "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = ?", -1, s.out(), nullptr);
    if (rc != SQLITE_OK) return SqliteStatus(db_, rc, ErrorCode::kReadFailed, "looking up table " + table.name);
    sqlite3_bind_text(s.get(), 1, table.name.data(), static_cast<int>(table.name.size()), SQLITE_TRANSIENT);
    rc = sqlite3_step(s.get());
    if (rc == SQLITE_ROW) return std::string("sqlite table");
    if (rc == SQLITE_DONE) return std::string();
    return SqliteStatus(db_, rc, ErrorCode::kReadFailed, "looking up table " + table.name);
  }

 private:
  Status LoadInTransaction(const TableSchema& table, const std::string& sql, const std::vector<BindAs>& plan,
                           std::span<const std::string> pre_sql, BatchSource& source) {
    for (const std::string& pre : pre_sql) RETURN_IF_ERROR(Execute(pre));
    Stmt ins;
    int rc = sqlite3_prepare_v3(db_, sql.c_str(), static_cast<int>(sql.size()), SQLITE_PREPARE_PERSISTENT, ins.out(),
                                nullptr);
    if (rc != SQLITE_OK)
      return SqliteStatus(db_, rc, ErrorCode::kWriteFailed, "preparing the insert into " + table.ref.name);
    RowBatch batch;
    for (;;) {
      ASSIGN_OR_RETURN(bool more, source.Next(batch));
      if (!more) return Status();
      for (size_t r = 0; r < batch.rows(); ++r) {
        auto row = batch.row(r);
        for (size_t c = 0; c < plan.size(); ++c) {
          int idx = static_cast<int>(c + 1);
          const Value& v = row[c];
          if (v.is_null()) {
            sqlite3_bind_null(ins.get(), idx);
            continue;
          }
          std::string_view b = v.bytes();
          switch (plan[c]) {
            case BindAs::kInteger: {
              int64_t n;
              auto res = std::from_chars(b.data(), b.data() + b.size(), n);
              if (res.ec == std::errc() && res.ptr == b.data() + b.size()) {
                sqlite3_bind_int64(ins.get(), idx, n);
                break;
              }
              sqlite3_bind_text(ins.get(), idx, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
              break;
            }
            case BindAs::kDouble: {
              double d;
              if (b == "Infinity" || b == "-Infinity") {
                d = b[0] == '-' ? -HUGE_VAL : HUGE_VAL;
              } else if (b == "NaN") {
                return Status(ErrorCode::kDataError,
                              "column " + table.columns[c].name + " of " + table.ref.name +
                                  " holds NaN, which SQLite cannot store (it would become NULL)",
                              "Change the value on the source, or exclude the table.");
              } else {
                auto res = std::from_chars(b.data(), b.data() + b.size(), d);
                if (res.ec != std::errc() || res.ptr != b.data() + b.size()) {
                  return Status(ErrorCode::kDataError, "column " + table.columns[c].name + " of " + table.ref.name +
                                                           ": '" + std::string(b.substr(0, 40)) + "' is not a number");
                }
              }
              sqlite3_bind_double(ins.get(), idx, d);
              break;
            }
            case BindAs::kBlob:
              sqlite3_bind_blob(ins.get(), idx, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
              break;
            case BindAs::kText:
              sqlite3_bind_text(ins.get(), idx, b.data(), static_cast<int>(b.size()), SQLITE_STATIC);
              break;
          }
        }
        rc = sqlite3_step(ins.get());
        sqlite3_reset(ins.get());
        if (rc != SQLITE_DONE)
          return SqliteStatus(db_, rc, ErrorCode::kWriteFailed, "inserting into " + table.ref.name);
      }
    }
  }

  sqlite3* db_;
};

// A column's default as SQLite keeps it: the text written after DEFAULT.
// Split by the SQL lexer so that only one whole literal is a literal: by
// hand, '1--' would pass for a number and 'a' || 'b' for one string whose
// value is "a' || 'b". Everything else is an expression, translated (or
// refused) as expressions are for every engine.
Column::DefaultKind ParseDefault(const std::string& raw, std::string& value) {
  if (raw.empty()) return Column::DefaultKind::kNone;
  auto tokens = sql::Tokenize(raw, Engine::kSqlite);
  if (!tokens.ok()) return value = raw, Column::DefaultKind::kExpression;
  std::vector<const sql::Token*> solid;
  for (const sql::Token& t : *tokens) {
    if (!sql::IsBlank(t)) solid.push_back(&t);
  }
  if (solid.size() == 1 && sql::IsWord(*solid[0], "NULL")) return Column::DefaultKind::kNull;
  // SQLite's own current time and date (a uuid() would be an extension's).
  if (auto known = KnownDefaultFunction(raw, Engine::kSqlite);
      known == Column::DefaultKind::kCurrentTimestamp || known == Column::DefaultKind::kCurrentDate) {
    return *known;
  }
  if (solid.size() == 1 && solid[0]->kind == sql::TokenKind::kString && solid[0]->prefix.empty()) {
    value = solid[0]->value;
    return Column::DefaultKind::kLiteral;
  }
  // A number: the whole text, blanks aside, in the strict shape.
  std::string number;
  for (const sql::Token* t : solid) {
    if (t->kind != sql::TokenKind::kWord && t->kind != sql::TokenKind::kPunct) {
      return value = raw, Column::DefaultKind::kExpression;
    }
    number += t->text;
  }
  if (!number.empty() && number[0] == '+') number.erase(0, 1);
  if (IsNumberText(number)) {
    value = number;
    return Column::DefaultKind::kLiteral;
  }
  value = raw;
  return Column::DefaultKind::kExpression;
}

Result<Catalog> SqliteSession::ReadCatalog(const ObjectFilter& filter) {
  Catalog cat;
  Stmt list;
  const char* q =
      "SELECT type, name, sql FROM sqlite_schema WHERE type IN ('table', 'view') AND name NOT LIKE 'sqlite_%' "
      "ORDER BY name";
  int rc = sqlite3_prepare_v2(db_, q, -1, list.out(), nullptr);
  if (rc != SQLITE_OK) return SqliteStatus(db_, rc, ErrorCode::kReadFailed, "reading the catalog");
  std::vector<std::tuple<std::string, std::string, std::string>> objects;
  while ((rc = sqlite3_step(list.get())) == SQLITE_ROW) {
    objects.emplace_back(ColumnText(list.get(), 0), ColumnText(list.get(), 1), ColumnText(list.get(), 2));
  }
  if (rc != SQLITE_DONE) return SqliteStatus(db_, rc, ErrorCode::kReadFailed, "reading the catalog");

  for (auto& [type, name, sql] : objects) {
    TableRef ref{"", name};
    if (!filter(ref)) continue;
    if (type == "view") {
      cat.views.push_back({ref, sqlite_internal::ViewBody(sql), ""});
      continue;
    }
    if (sql.find("VIRTUAL TABLE") != std::string::npos || sql.find("virtual table") != std::string::npos) continue;
    TableSchema t;
    t.ref = ref;
    std::vector<std::pair<int, std::string>> pk;
    {
      Stmt cols;
      std::string pragma = "PRAGMA table_xinfo(" + Quote(name) + ")";
      sqlite3_prepare_v2(db_, pragma.c_str(), -1, cols.out(), nullptr);
      while (sqlite3_step(cols.get()) == SQLITE_ROW) {
        if (sqlite3_column_int(cols.get(), 6) != 0) continue;  // hidden or generated
        Column c;
        c.name = ColumnText(cols.get(), 1);
        c.type = SqliteColumnType(ColumnText(cols.get(), 2));
        c.nullable = sqlite3_column_int(cols.get(), 3) == 0;
        if (sqlite3_column_type(cols.get(), 4) != SQLITE_NULL) {
          c.default_kind = ParseDefault(ColumnText(cols.get(), 4), c.default_value);
        }
        // The declared collating sequence (BINARY unless the column says
        // COLLATE NOCASE or RTRIM).
        const char* coll = nullptr;
        if (sqlite3_table_column_metadata(db_, nullptr, name.c_str(), c.name.c_str(), nullptr, &coll, nullptr, nullptr,
                                          nullptr) == SQLITE_OK &&
            coll != nullptr) {
          c.type.collation = coll;
        }
        int pk_pos = sqlite3_column_int(cols.get(), 5);
        if (pk_pos > 0) pk.emplace_back(pk_pos, c.name);
        t.columns.push_back(std::move(c));
      }
    }
    if (t.columns.empty()) continue;
    if (!pk.empty()) {
      std::sort(pk.begin(), pk.end());
      IndexDef p{"PRIMARY", {}, true, true, ""};
      for (auto& [pos, col] : pk) p.columns.push_back({col});
      t.primary_key = p;
      if (pk.size() == 1) {
        Column* c = nullptr;
        for (auto& col : t.columns) {
          if (col.name == pk[0].second) c = &col;
        }
        // INTEGER PRIMARY KEY is the rowid: SQLite assigns it.
        if (c && (c->type.native == "INTEGER" || c->type.native == "integer")) {
          c->auto_increment = true;
          c->nullable = false;
        }
      }
    }
    {
      Stmt idx;
      std::string pragma = "PRAGMA index_list(" + Quote(name) + ")";
      sqlite3_prepare_v2(db_, pragma.c_str(), -1, idx.out(), nullptr);
      std::vector<std::tuple<std::string, bool, std::string, bool>> found;
      while (sqlite3_step(idx.get()) == SQLITE_ROW) {
        found.emplace_back(ColumnText(idx.get(), 1), sqlite3_column_int(idx.get(), 2) != 0, ColumnText(idx.get(), 3),
                           sqlite3_column_int(idx.get(), 4) != 0);
      }
      for (auto& [iname, unique, origin, partial] : found) {
        if (origin == "pk") continue;
        IndexDef d{iname, {}, unique, false, ""};
        if (partial) d.unsupported_reason = "partial index (WHERE clause)";
        Stmt info;
        std::string p2 = "PRAGMA index_xinfo(" + Quote(iname) + ")";
        sqlite3_prepare_v2(db_, p2.c_str(), -1, info.out(), nullptr);
        while (sqlite3_step(info.get()) == SQLITE_ROW) {
          if (sqlite3_column_int(info.get(), 5) == 0) continue;  // not a key column
          int cid = sqlite3_column_int(info.get(), 1);
          if (cid < 0) {
            d.unsupported_reason = cid == -2 ? "index on an expression" : "index on the rowid";
            continue;
          }
          d.columns.push_back({ColumnText(info.get(), 2), 0, sqlite3_column_int(info.get(), 3) != 0});
        }
        // Unique constraints written inline (origin 'u') get SQLite's
        // internal names; give them a readable one.
        if (d.name.rfind("sqlite_autoindex_", 0) == 0) {
          d.name = name + "_" + (d.columns.empty() ? "key" : d.columns[0].name) + "_key";
        }
        t.indexes.push_back(std::move(d));
      }
    }
    {
      Stmt fk;
      std::string pragma = "PRAGMA foreign_key_list(" + Quote(name) + ")";
      sqlite3_prepare_v2(db_, pragma.c_str(), -1, fk.out(), nullptr);
      std::map<int, ForeignKey> by_id;
      while (sqlite3_step(fk.get()) == SQLITE_ROW) {
        int id = sqlite3_column_int(fk.get(), 0);
        ForeignKey& f = by_id[id];
        f.name = name + "_fk_" + std::to_string(id);
        f.ref_table = {"", ColumnText(fk.get(), 2)};
        f.columns.push_back(ColumnText(fk.get(), 3));
        if (sqlite3_column_type(fk.get(), 4) != SQLITE_NULL) f.ref_columns.push_back(ColumnText(fk.get(), 4));
        f.on_update = ColumnText(fk.get(), 5);
        f.on_delete = ColumnText(fk.get(), 6);
        if (f.on_update == "NO ACTION") f.on_update.clear();
        if (f.on_delete == "NO ACTION") f.on_delete.clear();
      }
      // The pragma has no names: take them from the CREATE TABLE text.
      auto names = sqlite_internal::ForeignKeyNames(sql);
      for (auto& [id, f] : by_id) {
        for (auto& [cols, fk_name] : names) {
          if (cols == f.columns) f.name = fk_name;
        }
        if (f.ref_columns.empty()) {  // REFERENCES t without columns: its primary key
          Stmt refcols;
          std::string p3 = "PRAGMA table_info(" + Quote(f.ref_table.name) + ")";
          sqlite3_prepare_v2(db_, p3.c_str(), -1, refcols.out(), nullptr);
          std::vector<std::pair<int, std::string>> rpk;
          while (sqlite3_step(refcols.get()) == SQLITE_ROW) {
            if (int pos = sqlite3_column_int(refcols.get(), 5); pos > 0)
              rpk.emplace_back(pos, ColumnText(refcols.get(), 1));
          }
          std::sort(rpk.begin(), rpk.end());
          for (auto& [pos, col] : rpk) f.ref_columns.push_back(col);
        }
        t.foreign_keys.push_back(std::move(f));
      }
    }
    t.checks = sqlite_internal::ParseChecks(name, sql);
    {
      Stmt count;
      std::string cq = "SELECT count(*) FROM " + Quote(name);
      if (sqlite3_prepare_v2(db_, cq.c_str(), -1, count.out(), nullptr) == SQLITE_OK &&
          sqlite3_step(count.get()) == SQLITE_ROW) {
        t.estimated_rows = sqlite3_column_int64(count.get(), 0);
      }
    }
    cat.tables.push_back(std::move(t));
  }
  return cat;
}

}  // namespace

namespace sqlite_internal {
namespace {

// Tokens good enough to find constraint keywords: quoted strings and
// identifiers stay whole, punctuation is a token of its own; each token
// keeps its offset so that expressions are cut verbatim from the text.
struct Token {
  size_t begin, end;
  bool word;
};

std::vector<Token> Tokenize(const std::string& s) {
  std::vector<Token> out;
  size_t i = 0;
  while (i < s.size()) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '\'' || c == '"' || c == '`' || c == '[') {
      char close = c == '[' ? ']' : c;
      size_t j = i + 1;
      while (j < s.size()) {
        if (s[j] == close && close != ']' && j + 1 < s.size() && s[j + 1] == close) {
          j += 2;
          continue;
        }
        if (s[j] == close) break;
        ++j;
      }
      out.push_back({i, std::min(j + 1, s.size()), false});
      i = j + 1;
    } else if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      size_t j = i;
      while (j < s.size() && (std::isalnum(static_cast<unsigned char>(s[j])) || s[j] == '_')) ++j;
      out.push_back({i, j, true});
      i = j;
    } else {
      out.push_back({i, i + 1, false});
      ++i;
    }
  }
  return out;
}

bool Is(const std::string& s, const Token& t, const char* word) {
  return t.word && t.end - t.begin == std::strlen(word) && strncasecmp(s.c_str() + t.begin, word, t.end - t.begin) == 0;
}

// "a ""b""" -> a "b"; `x``y` -> x`y; [z] -> z.
std::string Unquote(const std::string& s) {
  if (s.size() < 2 || !(s[0] == '"' || s[0] == '`' || s[0] == '[' || s[0] == '\'')) return s;
  std::string inner = s.substr(1, s.size() - 2);
  if (s[0] == '[') return inner;
  std::string out;
  for (size_t i = 0; i < inner.size(); ++i) {
    out.push_back(inner[i]);
    if (inner[i] == s[0] && i + 1 < inner.size() && inner[i + 1] == s[0]) ++i;
  }
  return out;
}

}  // namespace

std::vector<CheckConstraint> ParseChecks(const std::string& table, const std::string& sql) {
  std::vector<CheckConstraint> out;
  std::vector<Token> tokens = Tokenize(sql);
  int depth = 0;
  std::string pending_name;
  for (size_t i = 0; i < tokens.size(); ++i) {
    char c = sql[tokens[i].begin];
    if (!tokens[i].word && c == '(') {
      ++depth;
      continue;
    }
    if (!tokens[i].word && c == ')') {
      --depth;
      continue;
    }
    if (depth != 1) continue;  // only the table body's own level
    if (!tokens[i].word && c == ',') pending_name.clear();
    if (Is(sql, tokens[i], "CONSTRAINT") && i + 1 < tokens.size()) {
      pending_name = Unquote(sql.substr(tokens[i + 1].begin, tokens[i + 1].end - tokens[i + 1].begin));
    }
    if (Is(sql, tokens[i], "CHECK") && i + 1 < tokens.size() && sql[tokens[i + 1].begin] == '(') {
      int d = 0;
      size_t j = i + 1;
      for (; j < tokens.size(); ++j) {
        char cj = sql[tokens[j].begin];
        if (tokens[j].word) continue;
        if (cj == '(') ++d;
        if (cj == ')' && --d == 0) break;
      }
      if (j >= tokens.size()) break;
      std::string expr = sql.substr(tokens[i + 1].end, tokens[j].begin - tokens[i + 1].end);
      std::string name = pending_name.empty() ? table + "_check_" + std::to_string(out.size() + 1) : pending_name;
      out.push_back({name, expr});
      pending_name.clear();
      i = j;  // the closing parenthesis is consumed with the expression
    }
  }
  return out;
}

std::vector<std::pair<std::vector<std::string>, std::string>> ForeignKeyNames(const std::string& sql) {
  std::vector<std::pair<std::vector<std::string>, std::string>> out;
  std::vector<Token> tokens = Tokenize(sql);
  int depth = 0;
  std::string pending_name;
  std::string segment_column;  // the column a column definition at depth 1 defines
  bool segment_start = false;
  for (size_t i = 0; i < tokens.size(); ++i) {
    char c = sql[tokens[i].begin];
    std::string text = sql.substr(tokens[i].begin, tokens[i].end - tokens[i].begin);
    if (!tokens[i].word && c == '(') {
      if (++depth == 1) segment_start = true;
      continue;
    }
    if (!tokens[i].word && c == ')') {
      --depth;
      continue;
    }
    if (depth != 1) continue;
    if (!tokens[i].word && c == ',') {
      pending_name.clear();
      segment_start = true;
      continue;
    }
    if (segment_start) {
      segment_start = false;
      bool table_constraint = Is(sql, tokens[i], "CONSTRAINT") || Is(sql, tokens[i], "FOREIGN") ||
                              Is(sql, tokens[i], "PRIMARY") || Is(sql, tokens[i], "UNIQUE") ||
                              Is(sql, tokens[i], "CHECK");
      segment_column = table_constraint ? "" : Unquote(text);
    }
    if (Is(sql, tokens[i], "CONSTRAINT") && i + 1 < tokens.size()) {
      pending_name = Unquote(sql.substr(tokens[i + 1].begin, tokens[i + 1].end - tokens[i + 1].begin));
      ++i;
      continue;
    }
    if (Is(sql, tokens[i], "FOREIGN") && i + 2 < tokens.size() && Is(sql, tokens[i + 1], "KEY")) {
      std::vector<std::string> cols;
      size_t j = i + 2;
      if (sql[tokens[j].begin] == '(') {
        for (++j; j < tokens.size() && sql[tokens[j].begin] != ')'; ++j) {
          if (sql[tokens[j].begin] == ',') continue;
          cols.push_back(Unquote(sql.substr(tokens[j].begin, tokens[j].end - tokens[j].begin)));
        }
      }
      if (!pending_name.empty()) out.emplace_back(std::move(cols), pending_name);
      pending_name.clear();
      i = j;
      continue;
    }
    if (Is(sql, tokens[i], "REFERENCES") && !segment_column.empty() && !pending_name.empty()) {
      out.emplace_back(std::vector<std::string>{segment_column}, pending_name);
      pending_name.clear();
    }
  }
  return out;
}

std::string ViewBody(const std::string& sql) {
  for (const Token& t : Tokenize(sql)) {
    if (Is(sql, t, "AS")) {
      size_t at = t.end;
      while (at < sql.size() && std::isspace(static_cast<unsigned char>(sql[at]))) ++at;
      return sql.substr(at);
    }
  }
  return sql;
}

}  // namespace sqlite_internal

Result<std::unique_ptr<Session>> ConnectSqlite(const Endpoint& endpoint) {
  bool create = false;
  for (const auto& [k, v] : endpoint.options) {
    if (k == "create") {
      create = v == "1";
    } else if (k != "zero_date") {
      return Status(ErrorCode::kInvalidArgument, "unknown SQLite endpoint option '" + k + "'",
                    "SQLite endpoints take no options besides password_env/password_file (ignored).");
    }
  }
  struct stat sb;
  if (!create && stat(endpoint.path.c_str(), &sb) != 0) {
    return Status(ErrorCode::kNotFound, "SQLite file " + endpoint.path + " does not exist",
                  "Check the path; sqlite:///abs/path.db is absolute, sqlite://rel/path.db relative.");
  }
  struct stat link;
  if (lstat(endpoint.path.c_str(), &link) == 0 && S_ISLNK(link.st_mode)) {
    return Status(ErrorCode::kPermissionDenied, "SQLite file " + endpoint.path + " is a symbolic link",
                  "Godwit opens no SQLite file through a symbolic link: give the file's real path.");
  }
  sqlite3* db = nullptr;
  // NOFOLLOW: a path through a symbolic link is refused (one planted under
  // the daemon's --sqlite-dir could point anywhere).
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_NOFOLLOW | (create ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(endpoint.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st(Classify(rc, ErrorCode::kNotFound),
              "cannot open SQLite file " + endpoint.path + ": " + (db ? sqlite3_errmsg(db) : "out of memory"),
              errno == EACCES ? "Check the file's permissions."
                              : "Check the path. Godwit follows no symbolic link in it: give the file's real path.",
              sqlite3_errstr(rc));
    sqlite3_close_v2(db);
    return st;
  }
  // Whoever names the file wrote its schema, which may hold triggers, views
  // and defaults that call functions. DEFENSIVE forbids what corrupts a file
  // on purpose (writable_schema, journal_mode=OFF...), trusted_schema=OFF
  // keeps the schema from calling functions with side effects, and no
  // ATTACH reaches another file.
  sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, static_cast<int*>(nullptr));
  sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, 0);
  auto session = std::make_unique<SqliteSession>(db);
  for (const char* pragma : {"PRAGMA trusted_schema = OFF", "PRAGMA busy_timeout = 60000", "PRAGMA journal_mode = WAL",
                             "PRAGMA synchronous = NORMAL", "PRAGMA foreign_keys = OFF"}) {
    RETURN_IF_ERROR(session->Execute(pragma));
  }
  return std::unique_ptr<Session>(std::move(session));
}

}  // namespace godwit
