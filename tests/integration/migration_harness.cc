#include "migration_harness.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <stdexcept>

#include "model/row_collector.h"
#include "process.h"
#include "test_env.h"
#include "verify/row_hash.h"

namespace godwit::testing {

Destination FreshDestination(Engine engine, const std::string& name) {
  switch (engine) {
    case Engine::kMysql: RecreateMysqlDatabase(name); return {MysqlUri(name), name};
    case Engine::kPostgres: RecreatePgDatabase(Servers().pg_dest_port, name); return {PgDestUri(name), "public"};
    case Engine::kSqlite: return {"sqlite://" + FreshTempDir(name) + "/dst.db", ""};
  }
  return {};
}

std::string FreshSource(Engine engine, const std::string& name, const std::string& sql) {
  switch (engine) {
    case Engine::kMysql:
      RecreateMysqlDatabase(name);
      MysqlAdmin(sql, name);
      return MysqlUri(name);
    case Engine::kPostgres:
      RecreatePgDatabase(Servers().pg_source_port, name);
      PgAdmin(Servers().pg_source_port, sql, name);
      return PgSourceUri(name);
    case Engine::kSqlite: {
      const std::string path = FreshTempDir(name) + "/src.db";
      EXPECT_EQ(RunSqlite3(path, sql), 0) << "sqlite3 " << path;
      return "sqlite://" + path;
    }
  }
  return "";
}

namespace {
CommandResult RunCommand(const std::string& cmd) {
  ShellOutput out = RunShell(cmd);
  return {WIFEXITED(out.status) ? WEXITSTATUS(out.status) : -1, std::move(out.output)};
}
}  // namespace

CommandResult RunGodwit(const std::string& args) { return RunCommand(GodwitBinary() + " " + args + " 2>&1"); }

CommandResult RunGodwitFor(int seconds, const std::string& args) {
  return RunCommand("timeout --preserve-status " + std::to_string(seconds) + " " + GodwitBinary() + " " + args +
                    " 2>&1");
}

const std::vector<std::pair<Engine, Engine>>& AllEnginePairs() {
  static const std::vector<std::pair<Engine, Engine>> pairs = {
      {Engine::kMysql, Engine::kPostgres}, {Engine::kMysql, Engine::kMysql},       {Engine::kMysql, Engine::kSqlite},
      {Engine::kPostgres, Engine::kMysql}, {Engine::kPostgres, Engine::kPostgres}, {Engine::kPostgres, Engine::kSqlite},
      {Engine::kSqlite, Engine::kMysql},   {Engine::kSqlite, Engine::kPostgres},   {Engine::kSqlite, Engine::kSqlite}};
  return pairs;
}

std::unique_ptr<Session> OpenSession(const std::string& uri) {
  auto ep = ParseEndpointUri(uri);
  if (!ep.ok()) throw std::runtime_error(ep.status().ToString());
  auto s = Connect(*ep);
  if (!s.ok()) throw std::runtime_error(s.status().ToString());
  return std::move(*s);
}

TableContents ReadTable(const std::string& uri, const TableRef& table) {
  auto ep = ParseEndpointUri(uri);
  if (!ep.ok()) throw std::runtime_error(ep.status().ToString());
  auto session = Connect(*ep);
  if (!session.ok()) throw std::runtime_error(session.status().ToString());
  auto catalog = (*session)->ReadCatalog([&](const TableRef& r) { return r == table; });
  if (!catalog.ok()) throw std::runtime_error(catalog.status().ToString());
  if (catalog->tables.empty()) throw std::runtime_error("table " + table.ToString() + " not found at " + uri);
  TableContents out;
  const TableSchema& t = catalog->tables[0];
  out.columns = t.columns;
  const Dialect& d = DialectFor(ep->engine);
  std::string cols;
  std::vector<ColumnType> types;
  for (const auto& c : t.columns) {
    cols += (cols.empty() ? "" : ", ") + d.SelectExpr(c);
    types.push_back(c.type);
  }
  RowCollector collect;
  Status st = (*session)->Query(
      "SELECT " + cols + " FROM " + d.QualifiedName(t.ref) + " ORDER BY " + d.QuoteIdent(t.columns[0].name), types,
      collect, BatchLimits{});
  if (!st.ok()) throw std::runtime_error(st.ToString());
  out.rows = std::move(collect.rows);
  return out;
}

Rows Sorted(Rows rows) {
  std::sort(rows.begin(), rows.end());
  return rows;
}

const Column& ColumnNamed(const TableContents& t, const std::string& name) {
  for (const auto& c : t.columns) {
    if (c.name == name) return c;
  }
  throw std::runtime_error("no column " + name);
}

bool CanonicalEqual(TypeKind kind, const std::string& expected, const std::string& actual) {
  // The Checker's normal forms (verify/row_hash.h), so that the tests and
  // the Checker cannot disagree on which values are the same.
  ColumnType type;
  type.kind = kind;
  std::string e, a;
  AppendNormalForm(type, expected, e);
  AppendNormalForm(type, actual, a);
  return e == a;
}

}  // namespace godwit::testing
