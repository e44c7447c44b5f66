#include "sync/source_rows.h"

#include <map>
#include <memory>
#include <utility>

#include "common/mutex.h"
#include "connector/session.h"
#include "model/row_collector.h"
#include "schema/dialect.h"

namespace godwit {
namespace {

class SourceRows {
 public:
  explicit SourceRows(Endpoint source) : source_(std::move(source)), dialect_(DialectFor(source_.engine)) {}

  Result<std::optional<RowImage>> Read(const SourceRowRequest& request) {
    MutexLock lock(mu_);
    if (request.key_columns.empty() || request.key_columns.size() != request.key_values.size()) {
      return Status(ErrorCode::kInternal, "a source row lookup of " + request.table.ToString() + " without its key");
    }
    if (!session_) {
      auto s = Connect(source_);
      if (!s.ok()) return s.status().WithContext("source " + source_.Redacted());
      session_ = std::move(*s);
    }
    std::vector<std::string> needed = request.key_columns;
    needed.insert(needed.end(), request.columns.begin(), request.columns.end());
    ASSIGN_OR_RETURN(const TableSchema* table, Schema(request.table, needed));

    std::string select;
    std::vector<ColumnType> types;
    for (const std::string& name : request.columns) {
      const Column& c = *table->FindColumn(name);
      select += (select.empty() ? "" : ", ") + dialect_.SelectExpr(c);
      types.push_back(c.type);
    }
    std::string where;
    for (size_t i = 0; i < request.key_columns.size(); ++i) {
      const Column& c = *table->FindColumn(request.key_columns[i]);
      const FieldValue& v = request.key_values[i];
      if (v.state == FieldValue::State::kUnchanged) {
        return Status(ErrorCode::kInternal, "a source row lookup of " + request.table.ToString() +
                                                " without a value for key column " + c.name);
      }
      const std::string lhs = dialect_.QuoteIdent(c.name);
      where +=
          (where.empty() ? "" : " AND ") +
          (v.state == FieldValue::State::kNull ? lhs + " IS NULL" : lhs + " = " + dialect_.Literal(c.type, v.bytes));
    }
    const std::string sql = "SELECT " + select + " FROM " + dialect_.FromTable(*table) + " WHERE " + where;
    RowCollector rows;
    if (Status st = session_->Query(sql, types, rows, BatchLimits{}); !st.ok()) {
      if (st.retryable()) session_.reset();
      return Status(st.retryable() ? st.code() : ErrorCode::kReadFailed,
                    "reading a row of " + request.table.ToString() + " from the source: " + st.message(), st.hint(),
                    st.native_code());
    }
    if (rows.rows.empty()) return std::optional<RowImage>();
    RowImage out;
    for (auto& v : rows.rows.front()) out.push_back(v ? FieldValue::Of(std::move(*v)) : FieldValue::Null());
    return std::optional<RowImage>(std::move(out));
  }

 private:
  // The source table with every column of `needed`, from the cache or, when
  // it lacks one (DDL since it was read), from the catalog again.
  Result<const TableSchema*> Schema(const TableRef& ref, const std::vector<std::string>& needed) GODWIT_REQUIRES(mu_) {
    auto has_all = [&](const TableSchema& t) {
      for (const std::string& name : needed) {
        if (t.FindColumn(name) == nullptr) return false;
      }
      return true;
    };
    auto cached = schemas_.find(ref);
    if (cached != schemas_.end() && has_all(cached->second)) return &cached->second;
    auto catalog = session_->ReadCatalog([&](const TableRef& r) { return r == ref; });
    if (!catalog.ok()) {
      if (catalog.status().retryable()) session_.reset();
      return catalog.status().WithContext("reading " + ref.ToString() + " from the source catalog");
    }
    if (catalog->tables.empty()) {
      return Status(ErrorCode::kNotFound, "the source has no table " + ref.ToString() + " any more",
                    "The table was dropped or renamed on the source while the destination still lacked this row. "
                    "Verify the destination table, or release the migration and migrate again.");
    }
    TableSchema& t = schemas_[ref] = std::move(catalog->tables.front());
    for (const std::string& name : needed) {
      if (t.FindColumn(name) == nullptr) {
        return Status(ErrorCode::kNotFound,
                      "the source table " + ref.ToString() + " has no column " + name + " any more",
                      "The column was dropped or renamed on the source while the destination still lacked this "
                      "row. Verify the destination table, or release the migration and migrate again.");
      }
    }
    return &t;
  }

  const Endpoint source_;
  const Dialect& dialect_;
  // Partitioned apply may share one lookup between its sessions' threads.
  Mutex mu_;
  std::unique_ptr<Session> session_ GODWIT_GUARDED_BY(mu_);
  std::map<TableRef, TableSchema> schemas_ GODWIT_GUARDED_BY(mu_);
};

}  // namespace

SourceRowLookup SourceRowLookupFor(const Endpoint& source) {
  auto rows = std::make_shared<SourceRows>(source);
  return [rows](const SourceRowRequest& request) { return rows->Read(request); };
}

}  // namespace godwit
