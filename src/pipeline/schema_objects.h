// The catalog's objects other than tables and views (SchemaObject) on the
// destination of a migration.
//
// Same engine: created as the engine's own dump would create them, in
// stages around the tables and the data —
//   before the tables   extensions, types, domains, sequences, functions,
//                       procedures, aggregates (what fails for want of a
//                       table, a function returning a table's rows say, is
//                       tried again once the tables exist);
//   after the tables    those again, and sequences' OWNED BY;
//   after the views     materialized views;
//   after the data      triggers (so that the copy's rows do not fire
//                       them; created disabled when the project
//                       synchronizes, since the source's triggers already
//                       did their work on the rows that synchronization
//                       replays — switchover enables them) and sequences'
//                       current values, read from the source then.
// MySQL: routines before the tables; triggers after the data, deferred to
// the switchover when the project synchronizes (MySQL cannot disable a
// trigger); events after the data, disabled.
// Every statement is the source's definition checked to be the one
// statement it is meant to be (schema/source_statement.h). An object that
// fails is recorded failed with the database's error and its definition,
// and fails the run at its end, like a table; the others go on.
//
// Other engines: types and domains travel with the columns (ConvertTable);
// a serial's sequence becomes the column's auto-increment; everything else
// is recorded as a manual item ("manual"), with its source definition, for
// the DBA to recreate by hand.
//
// Records live with the tables' in the state store, keyed "<kind>
// <identity>" ("function public.f(integer)"); a resumed run skips what is
// recorded completed.
//
// Thread-safety: one thread (the migration's).
#pragma once

#include <map>
#include <set>
#include <string>
#include <vector>

#include "connector/session.h"
#include "meta/meta_store.h"
#include "model/object_mapping.h"
#include "pipeline/progress.h"
#include "schema/dialect.h"

namespace godwit {

struct SchemaObjectsContext {
  Engine source_engine;
  const Dialect& destination;
  const ObjectMapping& mapping;
  MetaStore& meta;
  Progress& progress;
  // Incremental synchronization follows the copy: triggers are created
  // disabled.
  bool synchronizes = false;
};

class SchemaObjects {
 public:
  // `objects` as Session::ReadObjects gave them; `tables`, the source
  // tables migrated (a trigger on another table is not taken).
  SchemaObjects(SchemaObjectsContext context, std::vector<SchemaObject> objects, std::set<TableRef> tables);

  // The destination default of each serial column (source table, column):
  // nextval of its sequence, carried as an object. Same engine only.
  std::map<std::pair<TableRef, std::string>, std::string> SerialDefaults() const;

  // Records the objects other engines cannot take as manual items.
  void RecordManualItems();
  void BeforeTables(Session& dst);
  void AfterTables(Session& dst);
  void AfterViews(Session& dst);
  // `src` reads the sequences' values as they are now.
  void AfterData(Session& src, Session& dst);

  // The objects that failed, by key.
  const std::vector<std::string>& failed() const { return failed_; }

 private:
  struct Item {
    SchemaObject object;
    std::string key;
    bool done = false;
  };
  bool SameEngine() const { return ctx_.source_engine == ctx_.destination.engine(); }
  // Creates `items` in passes until a pass creates nothing more; with
  // `defer_missing`, an item failing for want of another object is left
  // for a later stage, otherwise it fails.
  void CreateInPasses(Session& dst, const std::vector<Item*>& items, bool defer_missing);
  // The statements creating `item` on the destination, checked and with
  // schemas renamed.
  Result<std::vector<std::string>> Statements(const Item& item) const;
  // Runs one object's statements (one transaction where DDL is
  // transactional), then gives a MySQL session its own settings back.
  Status Run(Session& dst, const std::vector<std::string>& statements, size_t* failed_at = nullptr);
  void Completed(Item& item, const std::string& note = {});
  void Failed(Item& item, const Status& st);
  std::vector<Item*> Pending(std::initializer_list<ObjectKind> kinds);

  SchemaObjectsContext ctx_;
  std::vector<Item> items_;
  std::set<TableRef> tables_;
  std::map<std::string, std::string> schema_renames_;  // the schemas whose name changes
  std::map<TableRef, TableRef> table_renames_;         // the tables renamed one by one
  std::vector<std::string> failed_;
};

}  // namespace godwit
