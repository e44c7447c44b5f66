#include "replay/change_applier.h"

#include <algorithm>
#include <deque>
#include <unordered_map>
#include <utility>

#include "common/failpoint.h"
#include "schema/statement_redaction.h"

namespace godwit {
namespace {

// A statement in an error message: its literals (the rows' values, a
// captured DDL's strings) blanked, since the message reaches the logs, the
// project's error and the API (schema/statement_redaction.h).
std::string Abbreviate(const std::string& sql, Engine engine) { return RedactStatementForMessage(sql, engine); }

// Counts the rows of a query (an existence probe).
class CountingConsumer : public BatchConsumer {
 public:
  Status Consume(RowBatch& batch) override {
    rows += batch.rows();
    for (size_t r = 0; r < batch.rows(); ++r) {
      std::vector<std::optional<std::string>> row;
      for (const Value& v : batch.row(r)) {
        row.push_back(v.is_null() ? std::nullopt : std::optional<std::string>(std::string(v.bytes())));
      }
      values.push_back(std::move(row));
    }
    return Status();
  }
  size_t rows = 0;
  std::vector<std::vector<std::optional<std::string>>> values;
};

}  // namespace

// A destination table as the applier uses it.
struct ChangeApplier::TableState {
  const TableSchema* schema = nullptr;
  std::string display;   // for messages: source -> destination
  std::string qname;     // quoted destination name
  std::vector<int> key;  // destination column indexes of the key; empty = keyless
  std::vector<std::string> key_names;
  // Every key column compares exactly with `=` (no collation to work
  // around): deletes by key can then be one `key IN (...)`, which plans far
  // cheaper than a chain of ORs.
  bool plain_key = false;
  bool warned_keyless = false;
  // The last event column list seen and its destination indexes (events of
  // one table nearly always carry the same list).
  std::vector<std::string> last_columns;
  std::vector<int> last_dest;
};

// A multi-row statement being gathered: consecutive upserts of one table
// with the same column list and distinct keys, or consecutive deletes by key.
struct ChangeApplier::Pending {
  enum class Kind { kNone, kUpsert, kDelete } kind = Kind::kNone;
  TableState* table = nullptr;
  std::vector<int> columns;       // kUpsert: destination indexes, in statement order
  std::vector<std::string> rows;  // "(v1, v2...)" or a key predicate
  std::set<std::string> keys;     // key literals already in `rows`
  bool in_list = false;           // kDelete: rows are key tuples for `key IN (...)`
};

ChangeApplier::ChangeApplier(Session& session, const Dialect& dialect, std::map<TableRef, TableSchema> tables,
                             ApplierOptions options)
    : session_(session),
      dialect_(dialect),
      schemas_(std::move(tables)),
      options_(std::move(options)),
      pending_(std::make_unique<Pending>()) {}

ChangeApplier::~ChangeApplier() = default;

Result<std::unique_ptr<ChangeApplier>> ChangeApplier::Open(Session& session, const Dialect& dialect,
                                                           std::map<TableRef, TableSchema> tables,
                                                           ApplierOptions options) {
  if (options.stream_id.empty()) {
    return Status(ErrorCode::kInvalidArgument, "the change applier needs a stream id for its checkpoint row");
  }
  if (options.max_rows_per_statement == 0) options.max_rows_per_statement = 1;
  std::unique_ptr<ChangeApplier> applier(new ChangeApplier(session, dialect, std::move(tables), std::move(options)));
  applier->checkpoint_ref_ = InDefaultSchema(session, applier->options_.checkpoint_table);
  RETURN_IF_ERROR(applier->EnsureCheckpointTable());
  ASSIGN_OR_RETURN(applier->applied_, applier->LoadCheckpoint());
  return applier;
}

Status DropCheckpoint(Session& session, const Dialect& dialect, const std::string& stream_id,
                      TableRef checkpoint_table) {
  checkpoint_table = InDefaultSchema(session, checkpoint_table);
  ASSIGN_OR_RETURN(Catalog catalog, session.ReadCatalog([&](const TableRef& ref) { return ref == checkpoint_table; }));
  if (catalog.tables.empty()) return Status();
  const std::string table = dialect.QualifiedName(checkpoint_table);
  RETURN_IF_ERROR(session.Execute("DELETE FROM " + table + " WHERE " + dialect.QuoteIdent("stream_id") + " = " +
                                  dialect.Literal(ColumnType{}, stream_id)));
  ColumnType text;
  text.kind = TypeKind::kText;
  CountingConsumer rows;
  RETURN_IF_ERROR(session.Query("SELECT " + dialect.QuoteIdent("stream_id") + " FROM " + table + " LIMIT 1",
                                std::span<const ColumnType>(&text, 1), rows, BatchLimits{}));
  if (rows.rows > 0) return Status();
  return session.Execute("DROP TABLE " + table);
}

Status ChangeApplier::EnsureCheckpointTable() {
  ColumnType id_type;
  id_type.kind = TypeKind::kVarchar;
  id_type.length = 255;
  ColumnType seq_type;
  seq_type.kind = TypeKind::kInt64;
  ColumnType text_type;
  text_type.kind = TypeKind::kText;
  ASSIGN_OR_RETURN(std::string id_sql, dialect_.ColumnTypeSql(id_type));
  ASSIGN_OR_RETURN(std::string seq_sql, dialect_.ColumnTypeSql(seq_type));
  ASSIGN_OR_RETURN(std::string text_sql, dialect_.ColumnTypeSql(text_type));
  const std::string sql = "CREATE TABLE IF NOT EXISTS " + dialect_.QualifiedName(checkpoint_ref_) + " (" +
                          dialect_.QuoteIdent("stream_id") + " " + id_sql + " NOT NULL PRIMARY KEY, " +
                          dialect_.QuoteIdent("applied_sequence") + " " + seq_sql + " NOT NULL, " +
                          dialect_.QuoteIdent("position_json") + " " + text_sql + " NOT NULL)";
  return Run(sql, checkpoint_ref_.ToString());
}

Result<std::optional<AppliedCheckpoint>> ChangeApplier::LoadCheckpoint() {
  ColumnType seq_type;
  seq_type.kind = TypeKind::kInt64;
  ColumnType text_type;
  text_type.kind = TypeKind::kText;
  const ColumnType types[] = {seq_type, text_type};
  const std::string sql = "SELECT " + dialect_.QuoteIdent("applied_sequence") + ", " +
                          dialect_.QuoteIdent("position_json") + " FROM " + dialect_.QualifiedName(checkpoint_ref_) +
                          " WHERE " + dialect_.QuoteIdent("stream_id") + " = " +
                          dialect_.Literal(ColumnType{}, options_.stream_id);
  CountingConsumer rows;
  if (Status st = session_.Query(sql, types, rows, BatchLimits{}); !st.ok()) {
    return Status(st.retryable() ? st.code() : ErrorCode::kReadFailed,
                  "reading the replay checkpoint from " + checkpoint_ref_.ToString() + ": " + st.message(), {},
                  st.native_code());
  }
  if (rows.values.empty()) return std::optional<AppliedCheckpoint>();
  const auto& row = rows.values.front();
  if (!row[0] || !row[1]) return Status(ErrorCode::kMetadata, "the replay checkpoint row has NULL fields");
  AppliedCheckpoint cp;
  try {
    cp.sequence = std::stoull(*row[0]);
  } catch (const std::exception&) {
    return Status(ErrorCode::kMetadata, "the replay checkpoint has a bad sequence: " + *row[0]);
  }
  ASSIGN_OR_RETURN(cp.position, PositionFromJson(*row[1]));
  return std::optional<AppliedCheckpoint>(std::move(cp));
}

Status ChangeApplier::WriteCheckpoint(const std::string& stream_id, const Position& position, uint64_t sequence) {
  ColumnType seq_type;
  seq_type.kind = TypeKind::kInt64;
  const std::string sql =
      "INSERT INTO " + dialect_.QualifiedName(checkpoint_ref_) + " (" + dialect_.QuoteIdent("stream_id") + ", " +
      dialect_.QuoteIdent("applied_sequence") + ", " + dialect_.QuoteIdent("position_json") + ") VALUES (" +
      dialect_.Literal(ColumnType{}, stream_id) + ", " + dialect_.Literal(seq_type, std::to_string(sequence)) + ", " +
      dialect_.Literal(ColumnType{}, PositionToJson(position)) + ")" +
      dialect_.UpsertSuffix({"stream_id"}, {"applied_sequence", "position_json"});
  return Run(sql, checkpoint_ref_.ToString());
}

Status ChangeApplier::Run(const std::string& sql, const std::string& table) {
  ++stats_.statements;
  Status st = session_.Execute(sql);
  if (st.ok()) return st;
  return Status(
      st.retryable() ? st.code() : ErrorCode::kWriteFailed,
      "applying changes to " + table + ": " + st.message() + "; statement: " + Abbreviate(sql, dialect_.engine()), {},
      st.native_code());
}

Result<bool> ChangeApplier::RowExists(TableState& table, const std::string& predicate) {
  ColumnType int_type;
  int_type.kind = TypeKind::kInt32;
  const ColumnType types[] = {int_type};
  const std::string sql = "SELECT 1 FROM " + table.qname + " WHERE " + predicate + " LIMIT 1";
  CountingConsumer rows;
  ++stats_.statements;
  if (Status st = session_.Query(sql, types, rows, BatchLimits{}); !st.ok()) {
    return Status(st.retryable() ? st.code() : ErrorCode::kWriteFailed,
                  "applying changes to " + table.display + ": " + st.message() +
                      "; statement: " + Abbreviate(sql, dialect_.engine()),
                  {}, st.native_code());
  }
  return rows.rows > 0;
}

Result<ChangeApplier::TableState*> ChangeApplier::Table(const TableRef& source) {
  auto it = tables_.find(source);
  if (it != tables_.end()) return it->second.get();
  auto schema = schemas_.find(source);
  if (schema == schemas_.end()) {
    return Status(ErrorCode::kNotFound,
                  "a change arrived for " + source.ToString() + ", which has no destination table in this migration");
  }
  auto state = std::make_unique<TableState>();
  state->schema = &schema->second;
  state->qname = dialect_.QualifiedName(schema->second.ref);
  state->display = source.ToString() == schema->second.ref.ToString()
                       ? source.ToString()
                       : source.ToString() + " (destination " + schema->second.ref.ToString() + ")";
  if (auto key = schema->second.ChunkKey()) {
    state->plain_key = true;
    for (const IndexColumn& c : key->columns) {
      int idx = schema->second.ColumnIndex(c.name);
      if (idx < 0) return Status(ErrorCode::kInternal, "key column " + c.name + " missing from " + state->display);
      state->key.push_back(idx);
      state->key_names.push_back(c.name);
      const Column& col = schema->second.columns[idx];
      state->plain_key = state->plain_key && dialect_.ExactKeyExpr(col) == dialect_.QuoteIdent(col.name);
    }
  }
  TableState* raw = state.get();
  tables_.emplace(source, std::move(state));
  return raw;
}

Status ChangeApplier::Flush() {
  Pending& p = *pending_;
  if (p.kind == Pending::Kind::kNone) return Status();
  TableState& t = *p.table;
  const TableSchema& s = *t.schema;
  std::string sql;
  if (p.kind == Pending::Kind::kUpsert) {
    sql = "INSERT INTO " + t.qname + " (";
    std::vector<std::string> update;
    for (size_t i = 0; i < p.columns.size(); ++i) {
      const std::string& name = s.columns[p.columns[i]].name;
      sql += (i ? ", " : "") + dialect_.QuoteIdent(name);
      bool is_key = false;
      for (int k : t.key) is_key = is_key || k == p.columns[i];
      if (!is_key) update.push_back(name);
    }
    sql += ") VALUES ";
    for (size_t i = 0; i < p.rows.size(); ++i) sql += (i ? ", " : "") + p.rows[i];
    sql += dialect_.UpsertSuffix(t.key_names, update);
  } else if (p.in_list) {
    // rows are key tuples: "(v1)" or "(v1, v2)".
    sql = "DELETE FROM " + t.qname + " WHERE ";
    if (t.key_names.size() == 1) {
      sql += dialect_.QuoteIdent(t.key_names[0]);
    } else {
      sql += "(";
      for (size_t i = 0; i < t.key_names.size(); ++i) sql += (i ? ", " : "") + dialect_.QuoteIdent(t.key_names[i]);
      sql += ")";
    }
    sql += " IN (";
    for (size_t i = 0; i < p.rows.size(); ++i) sql += (i ? ", " : "") + p.rows[i];
    sql += ")";
  } else {
    sql = "DELETE FROM " + t.qname + " WHERE ";
    for (size_t i = 0; i < p.rows.size(); ++i) sql += (i ? " OR " : "") + p.rows[i];
  }
  p.kind = Pending::Kind::kNone;
  p.in_list = false;
  p.rows.clear();
  p.keys.clear();
  p.columns.clear();
  p.table = nullptr;
  return Run(sql, t.display);
}

namespace {

// Destination column index per event column.
Status MapColumns(const ChangeEvent& e, const TableSchema& s, const std::string& display,
                  std::vector<std::string>& last_columns, std::vector<int>& last_dest) {
  if (e.columns == last_columns && !last_dest.empty()) return Status();
  std::vector<int> dest;
  for (const std::string& name : e.columns) {
    int idx = s.ColumnIndex(name);
    if (idx < 0) {
      return Status(ErrorCode::kNotFound,
                    "a change to " + display + " has column " + name + ", which the destination table lacks",
                    "Apply the source's DDL to the destination (DDL sync) or restart the migration.");
    }
    dest.push_back(idx);
  }
  last_columns = e.columns;
  last_dest = std::move(dest);
  return Status();
}

}  // namespace

Status ChangeApplier::ApplyEvent(const ChangeEvent& e) {
  switch (e.kind) {
    case ChangeKind::kBegin:
    case ChangeKind::kCommit: return Status();
    case ChangeKind::kDdl:
      return Status(ErrorCode::kUnsupported, "the change applier does not run DDL (" +
                                                 RedactStatementForMessage(e.ddl, std::nullopt) +
                                                 "); the DDL step applies it");
    case ChangeKind::kTruncate: {
      ASSIGN_OR_RETURN(TableState * t, Table(e.table));
      RETURN_IF_ERROR(Flush());
      ++stats_.truncates;
      return Run(dialect_.TruncateInTransaction(t->schema->ref), t->display);
    }
    case ChangeKind::kInsert:
      if (!options_.apply_insert) return ++stats_.filtered, Status();
      break;
    case ChangeKind::kUpdate:
      if (!options_.apply_update) return ++stats_.filtered, Status();
      break;
    case ChangeKind::kDelete:
      if (!options_.apply_delete) return ++stats_.filtered, Status();
      break;
  }
  ASSIGN_OR_RETURN(TableState * t, Table(e.table));
  RETURN_IF_ERROR(MapColumns(e, *t->schema, t->display, t->last_columns, t->last_dest));
  const size_t n = e.columns.size();
  if ((!e.before.empty() && e.before.size() != n) || (!e.after.empty() && e.after.size() != n)) {
    return Status(ErrorCode::kInvalidArgument,
                  "a change to " + t->display + " has row images of " + std::to_string(e.before.size()) + "/" +
                      std::to_string(e.after.size()) + " values for " + std::to_string(n) + " columns");
  }
  if (e.kind == ChangeKind::kInsert) ++stats_.inserts;
  if (e.kind == ChangeKind::kUpdate) ++stats_.updates;
  if (e.kind == ChangeKind::kDelete) ++stats_.deletes;
  if (t->key.empty()) return ApplyKeylessEvent(e, *t);
  return ApplyRowEvent(e, *t);
}

namespace {

// `column = literal`, exact (case, accents, width) where the engine's
// collation is not. The plain comparison stays beside the exact one so
// that the key's index is still used: MySQL's exact form is a CAST, which
// no index covers, and a delete by key would scan the table.
std::string KeyEquals(const Dialect& dialect, const Column& column, const FieldValue& v, const std::string& lit) {
  const std::string plain = dialect.QuoteIdent(column.name);
  const std::string exact = dialect.ExactKeyExpr(column);
  if (v.state != FieldValue::State::kValue) return dialect.NullSafeEqual(exact, lit);
  if (exact == plain) return plain + " = " + lit;
  return "(" + plain + " = " + lit + " AND " + exact + " = " + lit + ")";
}

struct ImageView {
  const TableSchema& schema;
  const std::vector<int>& dest;  // event column -> destination index
  const Dialect& dialect;

  std::string Literal(int event_col, const FieldValue& v) const {
    if (v.state != FieldValue::State::kValue) return "NULL";
    return dialect.Literal(schema.columns[dest[event_col]].type, v.bytes);
  }
  int EventColumn(int dest_idx) const {
    for (size_t i = 0; i < dest.size(); ++i) {
      if (dest[i] == dest_idx) return static_cast<int>(i);
    }
    return -1;
  }
};

}  // namespace

Status ChangeApplier::ApplyRowEvent(const ChangeEvent& e, TableState& t) {
  const TableSchema& s = *t.schema;
  ImageView view{s, t.last_dest, dialect_};
  // Key positions in the event.
  std::vector<int> key_pos;
  for (int k : t.key) {
    int pos = view.EventColumn(k);
    if (pos < 0) {
      return Status(ErrorCode::kInvalidArgument, "a change to " + t.display + " lacks key column " + s.columns[k].name);
    }
    key_pos.push_back(pos);
  }
  // "k1 = v1 AND k2 = v2" and the literal signature of a key.
  auto key_predicate = [&](const RowImage& img, std::string* signature) {
    std::string pred;
    for (size_t i = 0; i < key_pos.size(); ++i) {
      const FieldValue& v = img[key_pos[i]];
      const std::string lit = view.Literal(key_pos[i], v);
      pred += (i ? " AND " : "") + KeyEquals(dialect_, s.columns[t.key[i]], v, lit);
      if (signature) *signature += lit + '\x1f';
    }
    return pred;
  };

  if (e.kind == ChangeKind::kDelete) {
    const RowImage& img = e.before;
    if (img.empty()) return Status(ErrorCode::kInvalidArgument, "a delete from " + t.display + " has no before image");
    std::string sig;
    std::string pred = key_predicate(img, &sig);
    bool tuple = t.plain_key;
    std::string values;
    for (size_t i = 0; tuple && i < key_pos.size(); ++i) {
      const FieldValue& v = img[key_pos[i]];
      tuple = v.state == FieldValue::State::kValue;
      values += (i ? ", " : "") + view.Literal(key_pos[i], v);
    }
    Pending& p = *pending_;
    if (p.kind != Pending::Kind::kDelete || p.table != &t || p.in_list != tuple ||
        p.rows.size() >= options_.max_rows_per_statement) {
      RETURN_IF_ERROR(Flush());
      p.kind = Pending::Kind::kDelete;
      p.table = &t;
      p.in_list = tuple;
    }
    if (p.keys.insert(sig).second) p.rows.push_back(tuple ? "(" + values + ")" : "(" + pred + ")");
    return Status();
  }

  const RowImage& after = e.after;
  if (after.empty()) return Status(ErrorCode::kInvalidArgument, "a change to " + t.display + " has no after image");
  // An unchanged key column keeps the old value; make the after-image whole
  // in its key so it can be matched and upserted.
  RowImage new_image = after;
  bool has_unchanged = false;
  for (size_t i = 0; i < new_image.size(); ++i) {
    if (new_image[i].state != FieldValue::State::kUnchanged) continue;
    bool is_key = false;
    for (int kp : key_pos) is_key = is_key || kp == static_cast<int>(i);
    if (is_key && !e.before.empty() && e.before[i].state != FieldValue::State::kUnchanged) {
      new_image[i] = e.before[i];
    } else {
      has_unchanged = true;
    }
  }
  for (int kp : key_pos) {
    if (new_image[kp].state == FieldValue::State::kUnchanged) {
      return Status(ErrorCode::kInvalidArgument, "a change to " + t.display + " has no value for its key");
    }
  }
  bool key_changed = false;
  if (e.kind == ChangeKind::kUpdate && !e.before.empty()) {
    for (int kp : key_pos) key_changed = key_changed || !(e.before[kp] == new_image[kp]);
  }
  // The values left unchanged: from the source's current row when the
  // applier can read it (FillFromSource says why the destination's row
  // cannot be trusted), else the destination's row keeps them.
  bool gone = false;
  if (has_unchanged && options_.source_row) {
    ASSIGN_OR_RETURN(bool found, FillFromSource(e, t, new_image));
    has_unchanged = false;
    gone = !found;
  }
  if (key_changed) {
    if (has_unchanged) {
      ChangeEvent whole = e;
      whole.after = new_image;
      return ApplyKeyChange(whole, t);
    }
    // Delete the old key, then upsert the new row.
    std::string pred = key_predicate(e.before, nullptr);
    RETURN_IF_ERROR(Flush());
    RETURN_IF_ERROR(Run("DELETE FROM " + t.qname + " WHERE " + pred, t.display));
  }
  if (gone) return Status();
  if (has_unchanged) {
    // The upsert keeps the destination's values of the unchanged columns;
    // a row it would insert has none to keep.
    std::string pred = key_predicate(new_image, nullptr);
    RETURN_IF_ERROR(Flush());
    ASSIGN_OR_RETURN(bool exists, RowExists(t, pred));
    if (!exists) RETURN_IF_ERROR(FillFromSource(e, t, new_image).status());
  }
  // Upsert the (new) row with the columns the event carries.
  std::vector<int> columns;
  std::string row = "(";
  for (size_t i = 0; i < new_image.size(); ++i) {
    if (new_image[i].state == FieldValue::State::kUnchanged) continue;
    row += (columns.empty() ? "" : ", ") + view.Literal(static_cast<int>(i), new_image[i]);
    columns.push_back(t.last_dest[i]);
  }
  row += ")";
  std::string sig;
  key_predicate(new_image, &sig);
  Pending& p = *pending_;
  if (p.kind != Pending::Kind::kUpsert || p.table != &t || p.columns != columns || p.keys.count(sig) > 0 ||
      p.rows.size() >= options_.max_rows_per_statement) {
    RETURN_IF_ERROR(Flush());
    p.kind = Pending::Kind::kUpsert;
    p.table = &t;
    p.columns = columns;
  }
  p.keys.insert(sig);
  p.rows.push_back(std::move(row));
  return Status();
}

// A key-changing update whose after-image leaves some columns unchanged:
// the destination's values of those columns must move with the row, so
// the row is moved by UPDATE rather than deleted and inserted.
//   new key present (the destination is ahead): drop the old key, update
//     the new row's sent columns;
//   old key present: move the old row to the new key;
//   neither: an error (FillFromSource) — an applier that can read the
//     source takes the values from there and never comes here.
Status ChangeApplier::ApplyKeyChange(const ChangeEvent& e, TableState& t) {
  const TableSchema& s = *t.schema;
  ImageView view{s, t.last_dest, dialect_};
  RETURN_IF_ERROR(Flush());
  auto predicate = [&](const RowImage& img) {
    std::string pred;
    for (size_t i = 0; i < t.key.size(); ++i) {
      int pos = view.EventColumn(t.key[i]);
      pred += (i ? " AND " : "") + KeyEquals(dialect_, s.columns[t.key[i]], img[pos], view.Literal(pos, img[pos]));
    }
    return pred;
  };
  std::string set;
  for (size_t i = 0; i < e.after.size(); ++i) {
    if (e.after[i].state == FieldValue::State::kUnchanged) continue;
    set += (set.empty() ? "" : ", ") + dialect_.QuoteIdent(s.columns[t.last_dest[i]].name) + " = " +
           view.Literal(static_cast<int>(i), e.after[i]);
  }
  const std::string old_pred = predicate(e.before);
  const std::string new_pred = predicate(e.after);
  ASSIGN_OR_RETURN(bool new_exists, RowExists(t, new_pred));
  if (new_exists) {
    RETURN_IF_ERROR(Run("DELETE FROM " + t.qname + " WHERE " + old_pred, t.display));
    return Run("UPDATE " + t.qname + " SET " + set + " WHERE " + new_pred, t.display);
  }
  ASSIGN_OR_RETURN(bool old_exists, RowExists(t, old_pred));
  if (old_exists) return Run("UPDATE " + t.qname + " SET " + set + " WHERE " + old_pred, t.display);
  // Neither key is here: no row to carry the unchanged values from.
  RowImage image = e.after;
  return FillFromSource(e, t, image).status();
}

// A row change leaves some values out (kUnchanged); `image` is its new
// image, whole in its key. Fills them from the source's current row at
// that key and returns true, or false when the source has no row there:
// the caller then writes nothing at that key (a key change still leaves
// its old key). Without ApplierOptions::source_row, an error: the caller
// comes here only when the destination has no row to keep the values from.
//
// Why the destination's row at that key cannot be trusted. While replay
// runs over rows a resumed copy read in a newer snapshot, the destination
// may hold another row at the key — one the key was reused for later
// (PostgreSQL, a TOASTed column t; ids reused after a delete):
//   log:  1 UPDATE id 2920 -> 8188 (t unchanged)   2 DELETE id 4431
//         3 UPDATE id 8188 -> 4431 (t unchanged)   4 INSERT id 2920
//   copy: the later chunks, read after 4, hold the new row at 2920
// Change 1 finds a row at 2920 and would move that row's t, the new
// row's, to 8188, and change 3 on to 4431. Or the destination has no row
// at all (deleted by a replayed change, read in the newer snapshot at
// its new key only), and would write NULL.
//
// Why the source's current values are right. The source is at or past
// every change in the log. Each later change at that key either sends the
// value (and replaces it) or leaves it unchanged and reads the source
// again, so the key ends holding the source's value.
//
// Why writing nothing is right when the source has no row at that key:
// some later change in the log deletes the row or moves it to another key
// (the source already applied it), and a move with values left unchanged
// reads the source again, at the new key. Inserting the row with a guessed
// value instead could let such a move carry the guess along.
//
// The cost: one read by key on the source per change that leaves values
// unchanged (PostgreSQL sends a TOASTed value only when it changes).
Result<bool> ChangeApplier::FillFromSource(const ChangeEvent& e, TableState& t, RowImage& image) {
  const TableSchema& s = *t.schema;
  ImageView view{s, t.last_dest, dialect_};
  SourceRowRequest request;
  request.table = e.table;
  std::string key_text;
  for (int k : t.key) {
    const int pos = view.EventColumn(k);
    request.key_columns.push_back(e.columns[pos]);
    request.key_values.push_back(image[pos]);
    key_text += (key_text.empty() ? "" : ", ") + e.columns[pos] + " = " + view.Literal(pos, image[pos]);
  }
  std::vector<size_t> wanted;
  for (size_t i = 0; i < image.size(); ++i) {
    if (image[i].state != FieldValue::State::kUnchanged) continue;
    wanted.push_back(i);
    request.columns.push_back(e.columns[i]);
  }
  std::string names;
  for (const std::string& c : request.columns) names += (names.empty() ? "" : ", ") + c;
  const std::string what = "a change to " + t.display + " (" + key_text + ") leaves " + names +
                           " unchanged (the source does not resend such values, e.g. PostgreSQL's TOASTed ones)";
  if (!options_.source_row) {
    return Status(ErrorCode::kUnsupported,
                  what +
                      ", the destination has no row to keep them from, and this applier cannot read them from "
                      "the source",
                  "Give the applier a source row lookup (ApplierOptions::source_row).");
  }
  ++stats_.source_reads;
  auto row = options_.source_row(request);
  if (!row.ok()) {
    const Status& st = row.status();
    return Status(st.code(), what + "; reading them from the source: " + st.message(), st.hint(), st.native_code());
  }
  if (!*row) return false;
  if ((*row)->size() != wanted.size()) {
    return Status(ErrorCode::kInternal, what + "; the source lookup returned " + std::to_string((*row)->size()) +
                                            " values for " + std::to_string(wanted.size()) + " columns");
  }
  for (size_t i = 0; i < wanted.size(); ++i) image[wanted[i]] = std::move((**row)[i]);
  return true;
}

Status ChangeApplier::ApplyKeylessEvent(const ChangeEvent& e, TableState& t) {
  const TableSchema& s = *t.schema;
  ImageView view{s, t.last_dest, dialect_};
  RETURN_IF_ERROR(Flush());
  if (!t.warned_keyless) {
    t.warned_keyless = true;
    if (options_.on_warning) {
      options_.on_warning(t.display +
                          " has no primary key or unique NOT NULL index: its changes are matched by "
                          "the full row image, one row at a time, and rows the full copy already holds may be "
                          "duplicated");
    }
  }
  auto full_match = [&](const RowImage& img) -> Result<std::string> {
    if (img.empty() || e.before_is_key_only) {
      return Status(ErrorCode::kUnsupported,
                    "a change to " + t.display + " (a table without a key) has no full before image",
                    "On a PostgreSQL source, set REPLICA IDENTITY FULL on the table; on MySQL, binlog_row_image=FULL.");
    }
    std::string pred;
    for (size_t i = 0; i < img.size(); ++i) {
      if (img[i].state == FieldValue::State::kUnchanged) continue;
      pred += (pred.empty() ? "" : " AND ") + dialect_.NullSafeEqual(dialect_.ExactKeyExpr(s.columns[t.last_dest[i]]),
                                                                     view.Literal(static_cast<int>(i), img[i]));
    }
    if (pred.empty()) pred = "1 = 1";
    return pred;
  };
  if (e.kind == ChangeKind::kInsert) {
    std::string cols, values;
    for (size_t i = 0; i < e.after.size(); ++i) {
      if (e.after[i].state == FieldValue::State::kUnchanged) continue;
      cols += (cols.empty() ? "" : ", ") + dialect_.QuoteIdent(s.columns[t.last_dest[i]].name);
      values += (values.empty() ? "" : ", ") + view.Literal(static_cast<int>(i), e.after[i]);
    }
    return Run("INSERT INTO " + t.qname + " (" + cols + ") VALUES (" + values + ")", t.display);
  }
  ASSIGN_OR_RETURN(std::string pred, full_match(e.before));
  if (e.kind == ChangeKind::kDelete) {
    return Run("DELETE FROM " + t.qname + " WHERE " + dialect_.OneRowCondition(s, pred), t.display);
  }
  std::string set;
  for (size_t i = 0; i < e.after.size(); ++i) {
    if (e.after[i].state == FieldValue::State::kUnchanged) continue;
    set += (set.empty() ? "" : ", ") + dialect_.QuoteIdent(s.columns[t.last_dest[i]].name) + " = " +
           view.Literal(static_cast<int>(i), e.after[i]);
  }
  if (set.empty()) return Status();
  return Run("UPDATE " + t.qname + " SET " + set + " WHERE " + dialect_.OneRowCondition(s, pred), t.display);
}

Status ChangeApplier::ApplyTransaction(std::span<const ChangeEvent> events, const Position& commit_position,
                                       uint64_t sequence) {
  const SourceTransaction tx{events, commit_position, sequence};
  return ApplyBatch(std::span<const SourceTransaction>(&tx, 1));
}

Status ChangeApplier::ApplyBatch(std::span<const SourceTransaction> transactions) {
  // Transactions the destination already holds (a restart replays from
  // the log's last confirmed point, which may be behind the checkpoint).
  std::vector<const SourceTransaction*> todo;
  for (const SourceTransaction& tx : transactions) {
    if (applied_ && tx.sequence <= applied_->sequence) {
      ++stats_.skipped_transactions;
      continue;
    }
    todo.push_back(&tx);
  }
  if (todo.empty()) return Status();
  RETURN_IF_ERROR(Begin());
  for (const SourceTransaction* tx : todo) {
    if (Status st = Apply(tx->events); !st.ok()) {
      Abort();
      return st;
    }
  }
  return Commit(todo.back()->commit_position, todo.back()->sequence, todo.size());
}

void ChangeApplier::SetTable(const TableRef& source, std::optional<TableSchema> destination) {
  tables_.erase(source);  // its cached state points into schemas_
  if (destination) {
    schemas_[source] = std::move(*destination);
  } else {
    schemas_.erase(source);
  }
}

Status ChangeApplier::Begin() {
  if (in_transaction_) return Status(ErrorCode::kInternal, "ChangeApplier::Begin inside an open transaction");
  before_ = stats_;
  RETURN_IF_ERROR(Run(dialect_.BeginTransaction(), "the destination"));
  in_transaction_ = true;
  return Status();
}

Status ChangeApplier::Apply(std::span<const ChangeEvent> events) {
  if (!in_transaction_) return Status(ErrorCode::kInternal, "ChangeApplier::Apply outside a transaction");
  if (options_.compact && events.size() > 1) {
    RETURN_IF_ERROR(Flush());
    const ApplyStats at_savepoint = stats_;
    if (Status st = Run("SAVEPOINT godwit_piece", "the destination"); !st.ok()) {
      Abort();
      return st;
    }
    Status st = ApplyCompacted(events);
    if (st.ok()) st = Flush();
    if (st.ok()) {
      st = Run("RELEASE SAVEPOINT godwit_piece", "the destination");
      if (st.ok()) return st;
    }
    if (st.retryable()) {
      Abort();
      return st;
    }
    // The net-effect order tripped a constraint: apply in source order.
    *pending_ = Pending{};
    const uint64_t statements = stats_.statements;
    stats_ = at_savepoint;
    stats_.statements = statements;
    ++stats_.compaction_fallbacks;
    if (Status back = Run("ROLLBACK TO SAVEPOINT godwit_piece", "the destination"); !back.ok()) {
      Abort();
      return back;
    }
  }
  for (const ChangeEvent& e : events) {
    if (Status st = ApplyEvent(e); !st.ok()) {
      Abort();
      return st;
    }
  }
  return Status();
}

Status ChangeApplier::ApplyCompacted(std::span<const ChangeEvent> events) {
  // One key's net effect: deleted, or the event whose image it ends with.
  struct KeyOp {
    const ChangeEvent* upsert = nullptr;   // null: deleted
    const ChangeEvent* deleted = nullptr;  // the event carrying the key to delete
  };
  struct TableRun {
    std::vector<std::string> order;  // keys in order of first appearance
    std::unordered_map<std::string, KeyOp> ops;
  };
  std::vector<std::pair<TableRef, TableRun>> runs;
  std::deque<ChangeEvent> made;  // events derived from key-changing updates
  uint64_t inserts = 0, updates = 0, deletes = 0;

  auto signature = [](const ChangeEvent& e, const TableState& t, const RowImage& img, std::string* out) {
    out->clear();
    for (const std::string& k : t.key_names) {
      auto it = std::find(e.columns.begin(), e.columns.end(), k);
      if (it == e.columns.end()) return false;
      const FieldValue& v = img[it - e.columns.begin()];
      if (v.state == FieldValue::State::kUnchanged) return false;
      *out += static_cast<char>('0' + static_cast<int>(v.state));
      *out += v.bytes;
      *out += '\x1f';
    }
    return true;
  };
  auto emit = [&]() -> Status {
    // Statements apply net effects; the stats count the source's changes
    // (added at the end), so the emitted events' counts are taken back.
    const uint64_t ins = stats_.inserts, upd = stats_.updates, del = stats_.deletes;
    auto restore = [&] {
      stats_.inserts = ins;
      stats_.updates = upd;
      stats_.deletes = del;
    };
    for (auto& [ref, run] : runs) {
      for (const std::string& key : run.order) {
        const KeyOp& op = run.ops[key];
        if (!op.upsert) RETURN_IF_ERROR(ApplyEvent(*op.deleted));
      }
      for (const std::string& key : run.order) {
        const KeyOp& op = run.ops[key];
        if (op.upsert) RETURN_IF_ERROR(ApplyEvent(*op.upsert));
      }
    }
    restore();
    runs.clear();
    return Status();
  };
  auto run_of = [&](const TableRef& ref) -> TableRun& {
    for (auto& [r, run] : runs) {
      if (r == ref) return run;
    }
    runs.emplace_back(ref, TableRun{});
    return runs.back().second;
  };

  std::string key, old_key;
  for (const ChangeEvent& e : events) {
    if (e.kind == ChangeKind::kBegin || e.kind == ChangeKind::kCommit) continue;
    const bool row = e.kind == ChangeKind::kInsert || e.kind == ChangeKind::kUpdate || e.kind == ChangeKind::kDelete;
    if (row && ((e.kind == ChangeKind::kInsert && !options_.apply_insert) ||
                (e.kind == ChangeKind::kUpdate && !options_.apply_update) ||
                (e.kind == ChangeKind::kDelete && !options_.apply_delete))) {
      ++stats_.filtered;
      continue;
    }
    TableState* t = nullptr;
    if (row) {
      auto found = Table(e.table);
      if (!found.ok()) return found.status();
      t = *found;
    }
    bool whole = row && !t->key.empty();
    if (whole) {
      for (const FieldValue& v : e.after) whole = whole && v.state != FieldValue::State::kUnchanged;
    }
    if (whole) {
      const RowImage& img = e.kind == ChangeKind::kDelete ? e.before : e.after;
      whole = !img.empty() && signature(e, *t, img, &key);
      if (whole && e.kind == ChangeKind::kUpdate) {
        whole = e.before.empty() ? false : signature(e, *t, e.before, &old_key);
      }
    }
    if (!whole) {
      // A truncate, a keyless table or a partial image: everything before
      // it is applied first, then it alone, in source order.
      RETURN_IF_ERROR(emit());
      RETURN_IF_ERROR(ApplyEvent(e));
      continue;
    }
    TableRun& run = run_of(e.table);
    auto note = [&](const std::string& k, KeyOp op) {
      auto [it, fresh] = run.ops.try_emplace(k, op);
      if (fresh) {
        run.order.push_back(k);
      } else {
        it->second = op;
      }
    };
    switch (e.kind) {
      case ChangeKind::kInsert:
        ++inserts;
        note(key, {&e, nullptr});
        break;
      case ChangeKind::kDelete:
        ++deletes;
        note(key, {nullptr, &e});
        break;
      default:
        ++updates;
        if (old_key == key) {
          note(key, {&e, nullptr});
        } else {
          // The row moved to another key: the old key is deleted, the new
          // one holds the after-image.
          ChangeEvent& gone = made.emplace_back();
          gone.kind = ChangeKind::kDelete;
          gone.table = e.table;
          gone.columns = e.columns;
          gone.before = e.before;
          ChangeEvent& moved = made.emplace_back();
          moved.kind = ChangeKind::kInsert;
          moved.table = e.table;
          moved.columns = e.columns;
          moved.after = e.after;
          note(old_key, {nullptr, &gone});
          note(key, {&moved, nullptr});
        }
    }
  }
  RETURN_IF_ERROR(emit());
  stats_.inserts += inserts;
  stats_.updates += updates;
  stats_.deletes += deletes;
  return Status();
}

Status ChangeApplier::Commit(const Position& commit_position, uint64_t sequence, uint64_t transactions,
                             std::span<const std::string> also_streams) {
  if (!in_transaction_) return Status(ErrorCode::kInternal, "ChangeApplier::Commit outside a transaction");
  Status st = [&]() -> Status {
    RETURN_IF_ERROR(Flush());
    RETURN_IF_ERROR(WriteCheckpoint(options_.stream_id, commit_position, sequence));
    for (const std::string& other : also_streams) RETURN_IF_ERROR(WriteCheckpoint(other, commit_position, sequence));
    GODWIT_FAILPOINT("replay.before_commit");
    return Run("COMMIT", "the destination (commit)");
  }();
  if (!st.ok()) {
    Abort();
    return st;
  }
  in_transaction_ = false;
  GODWIT_FAILPOINT("replay.after_commit");
  applied_ = AppliedCheckpoint{commit_position, sequence};
  stats_.transactions += transactions;
  return Status();
}

void ChangeApplier::Abort() {
  if (!in_transaction_) return;
  in_transaction_ = false;
  *pending_ = Pending{};
  // The error that led here is the one to report; a failed ROLLBACK leaves
  // nothing committed (the session is dropped and the batch applied again).
  session_.Execute("ROLLBACK").IgnoreBecause("rolling back an aborted batch; the error that aborted it is reported");
  const uint64_t statements = stats_.statements;
  stats_ = before_;
  stats_.statements = statements;
}

}  // namespace godwit
