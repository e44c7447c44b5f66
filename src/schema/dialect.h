// A Dialect is what Godwit knows about writing SQL for one engine, without
// a connection: identifier quoting, literals, the mapping from the canonical
// ColumnType to native types, and DDL generation. One implementation per
// engine (schema/mysql_dialect.cc, postgres_dialect.cc, sqlite_dialect.cc).
//
// Thread-safety: immutable; share freely.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/table_schema.h"

namespace godwit {

class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual Engine engine() const = 0;

  // Quotes an identifier so that any name (spaces, quotes, reserved words,
  // mixed case) survives.
  virtual std::string QuoteIdent(std::string_view name) const = 0;
  // schema.table, quoted; SQLite ignores the schema.
  virtual std::string QualifiedName(const TableRef& ref) const;
  // What follows FROM to read `table`'s own rows: its qualified name, and
  // on PostgreSQL ONLY in front for a table others inherit from.
  virtual std::string FromTable(const TableSchema& table) const { return QualifiedName(table.ref); }

  // A SQL literal of canonical value text `canonical` for a column of
  // `type` (used in chunk predicates and defaults).
  virtual std::string Literal(const ColumnType& type, std::string_view canonical) const = 0;

  // The expression to select `column` with so that the engine's text form
  // is lossless (e.g. MySQL FLOAT read as DOUBLE). Default: the quoted name.
  virtual std::string SelectExpr(const Column& column) const;

  // An expression of `column` whose equality with a literal (Literal())
  // holds only for the value that literal wrote: case, accents and width
  // count. Used to match a chunk's rows by key on a destination whose
  // collation may equate keys the source keeps apart. Default: the quoted
  // name, right where the engine's equality already is exact (PostgreSQL's
  // deterministic collations, SQLite's BINARY).
  virtual std::string ExactKeyExpr(const Column& column) const;

  // Whether DDL statements can run inside a transaction (and roll back
  // with it). MySQL commits implicitly around each one.
  virtual bool TransactionalDdl() const { return true; }

  // The session settings a script of this dialect's statements (a
  // corrections file) sets at its top, as statements without the `;`:
  // those Godwit's own sessions run with and its literals and statements
  // are written for, set rather than assumed from whichever session the
  // DBA runs it in. Default: none.
  virtual std::vector<std::string> ScriptSettings() const { return {}; }

  // --- Change replay (replay/change_applier.h) ---

  // The statement that opens a read-write transaction (SQLite: BEGIN
  // IMMEDIATE, so that the write lock is taken up front rather than on
  // the first write, which could fail with SQLITE_BUSY midway).
  virtual std::string BeginTransaction() const { return "BEGIN"; }

  // Whether several sessions may write to one database at once, each in a
  // transaction of its own. SQLite has one writer at a time: a second
  // waits on the file's lock for as long as the first holds it.
  virtual bool ConcurrentWriters() const { return true; }

  // `lhs` equals `rhs`, NULL equal to NULL: PostgreSQL IS NOT DISTINCT
  // FROM, MySQL <=>, SQLite IS. Matches rows of keyless tables by image.
  virtual std::string NullSafeEqual(std::string_view lhs, std::string_view rhs) const;

  // What follows `INSERT INTO t (cols) VALUES (...), ...` so that a row
  // whose key (`key_columns`, a primary key or unique NOT NULL index)
  // already exists is updated instead: `update_columns` take the inserted
  // values, the others keep theirs. With no update columns an existing row
  // is left as it is. PostgreSQL/SQLite: ON CONFLICT (key) DO UPDATE SET
  // c = excluded.c; MySQL: ON DUPLICATE KEY UPDATE c = VALUES(c).
  virtual std::string UpsertSuffix(const std::vector<std::string>& key_columns,
                                   const std::vector<std::string>& update_columns) const;

  // The text after WHERE in an UPDATE or DELETE of `table` that touches at
  // most one row among those `predicate` matches (tables without a key,
  // whose rows may be duplicates): PostgreSQL compares ctid with a
  // subquery, SQLite rowid, MySQL appends LIMIT 1.
  virtual std::string OneRowCondition(const TableSchema& table, std::string_view predicate) const = 0;

  // Empties `table` inside the current transaction, rolling back with it.
  // PostgreSQL TRUNCATE is transactional; MySQL's commits implicitly, so
  // MySQL (and SQLite, which has none) delete every row instead.
  virtual std::string TruncateInTransaction(const TableRef& table) const {
    return "DELETE FROM " + QualifiedName(table);
  }

  // The native type for a canonical type; kUnsupported with a hint when
  // the engine cannot hold it.
  virtual Result<std::string> ColumnTypeSql(const ColumnType& type) const = 0;

  // Statements creating `table` with its columns, defaults, nullability,
  // auto-increment and primary key; no secondary/unique indexes, foreign
  // keys or checks (those come after the data). May include statements that
  // must precede the CREATE TABLE (PostgreSQL enum types) and follow it
  // (comments).
  virtual Result<std::vector<std::string>> CreateTable(const TableSchema& table) const = 0;
  virtual std::string CreateSchemaIfNotExists(std::string_view schema) const = 0;
  virtual Result<std::string> CreateIndex(const TableSchema& table, const IndexDef& index) const = 0;
  virtual Result<std::string> AddForeignKey(const TableSchema& table, const ForeignKey& fk) const = 0;
  // `expression` has already been translated to this dialect by the caller,
  // or comes from the same engine.
  virtual Result<std::string> AddCheck(const TableSchema& table, const CheckConstraint& check) const = 0;
  // The statements creating `view`, to run in order, each on its own (a
  // session runs one statement per Execute): PostgreSQL adds its comment.
  virtual Result<std::vector<std::string>> CreateView(const ViewDef& view) const = 0;
  // Schema changes during incremental synchronization (sync/schema_sync.h).
  // AddColumn renders the column exactly as CreateTable would (it is
  // derived from CreateTable, so the two never disagree); it may return
  // statements that must precede it (a PostgreSQL enum type).
  Result<std::vector<std::string>> AddColumn(const TableSchema& table, const Column& column) const;
  virtual std::string DropColumn(const TableRef& table, std::string_view column) const;
  virtual std::string RenameColumn(const TableRef& table, std::string_view from, std::string_view to) const;
  // Changes an existing column's type, nullability and default to `column`'s.
  virtual Result<std::vector<std::string>> ModifyColumn(const TableSchema& table, const Column& column) const = 0;
  // `index` as the destination's catalog names it.
  virtual std::string DropIndex(const TableSchema& table, const IndexDef& index) const = 0;
  // Renames within the table's schema (`to.schema` is not used).
  virtual std::string RenameTable(const TableRef& from, const TableRef& to) const;
  std::string DropTable(const TableRef& table) const { return "DROP TABLE IF EXISTS " + QualifiedName(table); }

  // Statements that make a table whose rows were loaded with explicit
  // values for an auto-increment column hand out the next value correctly
  // (PostgreSQL identity/sequence restart). Empty when nothing is needed.
  virtual std::vector<std::string> AfterLoad(const TableSchema& table) const;
};

// The dialect of an engine; lives for the program's life.
const Dialect& DialectFor(Engine engine);

}  // namespace godwit
