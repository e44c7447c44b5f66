// Schemas in the spirit of pagila (PostgreSQL) and sakila (MySQL) across
// engines: keys on unbounded text sized to MySQL's key limit from the data,
// foreign keys whose column types InnoDB needs equal (and whose actions
// behave as on the source), defaults every engine spells its own way, and
// MySQL TIME values PostgreSQL's time cannot hold.
#include <gtest/gtest.h>

#include <algorithm>

#include "migration_harness.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

std::string One(Session& s, const std::string& sql) {
  auto row = QueryFirstRow(s, sql, 1);
  if (!row.ok()) throw std::runtime_error(sql + ": " + row.status().ToString());
  return (*row)[0];
}

// The keyed tables, in the source's SQL: a (region text, seq int) primary
// key, a unique key on text, an index on two text columns one of whose
// values is too long for a full index, and a table whose key cannot fit.
constexpr const char* kKeyedTables =
    "CREATE TABLE stock (region TEXT NOT NULL, seq INTEGER NOT NULL, qty INTEGER, PRIMARY KEY (region, seq));"
    "CREATE TABLE codes (id INTEGER PRIMARY KEY, code TEXT UNIQUE, a TEXT, b TEXT);"
    "CREATE INDEX codes_ab ON codes (a, b);"
    "CREATE TABLE wide (k TEXT PRIMARY KEY);"
    "INSERT INTO stock VALUES ('north', 1, 10), ('north', 2, 20), ('South', 1, 5), ('south', 1, 6);"
    "INSERT INTO codes VALUES (1, 'AB-1', 'short', 'x'), (2, 'ab-1', 'other', NULL), (3, 'zz', ";

// `region_length`: 767 beside PostgreSQL's 4-byte integer, 766 beside
// SQLite's INTEGER (a BIGINT on MySQL).
void CheckKeyedTables(const std::string& src, const std::string& src_schema, const CommandResult& r,
                      const std::string& dst_db, uint32_t region_length) {
  // The table whose key cannot fit fails alone, named with its key and column.
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("primary key of " + (src_schema.empty() ? "" : src_schema + ".") + "wide"),
            std::string::npos)
      << r.output;
  EXPECT_NE(r.output.find("'k'"), std::string::npos) << r.output;
  // The warnings name the columns and lengths chosen.
  EXPECT_NE(r.output.find("'region'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("VARCHAR(" + std::to_string(region_length) + ")"), std::string::npos) << r.output;
  for (const char* name : {"stock", "codes"}) {
    TableContents want = ReadTable(src, {src_schema, name});
    TableContents got = ReadTable(MysqlUri(dst_db), {dst_db, name});
    EXPECT_EQ(Sorted(got.rows), Sorted(want.rows)) << name;
  }
  TableContents stock = ReadTable(MysqlUri(dst_db), {dst_db, "stock"});
  EXPECT_EQ(ColumnNamed(stock, "region").type.kind, TypeKind::kVarchar);
  EXPECT_EQ(ColumnNamed(stock, "region").type.length, region_length);
  auto dst = OpenSession(MysqlUri(dst_db));
  // The index over the long value is a prefix index; the unique key holds.
  EXPECT_EQ(One(*dst, "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = '" + dst_db +
                          "' AND INDEX_NAME = 'codes_ab' AND SUB_PART IS NOT NULL"),
            "2");
  EXPECT_FALSE(dst->Execute("INSERT INTO codes (id, code) VALUES (9, 'zz')").ok());
  // A primary key over a value longer than today's longest is refused by
  // its column's length, not silently cut.
  EXPECT_TRUE(dst->Execute("INSERT INTO stock VALUES ('" + std::string(700, 'r') + "', 1, 1)").ok());
}

TEST(MysqlFitTest, PostgresTextKeysAreSizedFromTheData) {
  const int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "fit_keys");
  PgAdmin(port, std::string(kKeyedTables) + "repeat('a', 2000), 'y'); INSERT INTO wide VALUES (repeat('k', 1000));",
          "fit_keys");
  RecreateMysqlDatabase("fit_keys_dst");
  auto r = RunGodwit("migrate --state-dir " + FreshTempDir("fitk1") + " " + PgSourceUri("fit_keys") + " " +
                     MysqlUri("fit_keys_dst"));
  CheckKeyedTables(PgSourceUri("fit_keys"), "public", r, "fit_keys_dst", 767);
}

TEST(MysqlFitTest, SqliteTextKeysAreSizedFromTheData) {
  std::string path = FreshTempDir("fitk2-src") + "/s.db";
  std::string a(2000, 'a'), k(1000, 'k');
  ASSERT_EQ(RunSqlite3(path, std::string(kKeyedTables) + "'" + a + "', 'y'); INSERT INTO wide VALUES ('" + k + "');"),
            0);
  RecreateMysqlDatabase("fit_lite_dst");
  auto r = RunGodwit("migrate --state-dir " + FreshTempDir("fitk2") + " sqlite://" + path + " " +
                     MysqlUri("fit_lite_dst"));
  CheckKeyedTables("sqlite://" + path, "", r, "fit_lite_dst", 766);
}

TEST(MysqlFitTest, PagilaForeignKeysCarryTheirActions) {
  const int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "fit_fk");
  PgAdmin(port,
          "CREATE TABLE language (language_id serial PRIMARY KEY, name varchar(20) NOT NULL);"
          "CREATE TABLE film (film_id serial PRIMARY KEY, title text NOT NULL,"
          " language_id smallint NOT NULL REFERENCES language (language_id) ON UPDATE CASCADE ON DELETE RESTRICT,"
          " original_language_id smallint REFERENCES language (language_id) ON UPDATE CASCADE ON DELETE SET NULL);"
          "CREATE TABLE stock (region text, seq int, PRIMARY KEY (region, seq));"
          "CREATE TABLE moves (id int PRIMARY KEY, region text, seq int,"
          " FOREIGN KEY (region, seq) REFERENCES stock ON DELETE CASCADE ON UPDATE CASCADE);"
          "CREATE TABLE bad (id int PRIMARY KEY, lang smallint NOT NULL"
          " REFERENCES language (language_id) ON DELETE SET NULL);"
          "INSERT INTO language (name) VALUES ('English'), ('Italian'), ('French'), ('German');"
          "INSERT INTO film (title, language_id, original_language_id) VALUES ('A', 1, 2), ('B', 1, 3), ('C', 2, 2);"
          "INSERT INTO stock VALUES ('north', 1), ('south', 1);"
          "INSERT INTO moves VALUES (1, 'north', 1), (2, 'south', 1), (3, NULL, NULL);"
          "INSERT INTO bad VALUES (1, 4);",
          "fit_fk");
  RecreateMysqlDatabase("fit_fk_dst");
  auto r = RunGodwit("migrate --state-dir " + FreshTempDir("fitfk") + " " + PgSourceUri("fit_fk") + " " +
                     MysqlUri("fit_fk_dst"));
  // Every table completes; the foreign key MySQL cannot have is reported.
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("bad_lang_fkey"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("NOT NULL"), std::string::npos) << r.output;
  for (const char* name : {"language", "film", "stock", "moves", "bad"}) {
    EXPECT_EQ(Sorted(ReadTable(MysqlUri("fit_fk_dst"), {"fit_fk_dst", name}).rows),
              Sorted(ReadTable(PgSourceUri("fit_fk"), {"public", name}).rows))
        << name;
  }
  auto dst = OpenSession(MysqlUri("fit_fk_dst"));
  // Godwit's sessions load with foreign_key_checks off; an application's has them on.
  ASSERT_TRUE(dst->Execute("SET SESSION foreign_key_checks = 1").ok());
  // InnoDB's RESTRICT is NO ACTION (both check at once); MariaDB may report either.
  EXPECT_EQ(One(*dst, "SELECT GROUP_CONCAT(CONCAT(CONSTRAINT_NAME, ':', UPDATE_RULE, ':', "
                      "REPLACE(DELETE_RULE, 'NO ACTION', 'RESTRICT')) ORDER BY "
                      "CONSTRAINT_NAME) FROM information_schema.REFERENTIAL_CONSTRAINTS WHERE CONSTRAINT_SCHEMA = "
                      "'fit_fk_dst'"),
            "film_language_id_fkey:CASCADE:RESTRICT,film_original_language_id_fkey:CASCADE:SET NULL,"
            "moves_region_seq_fkey:CASCADE:CASCADE");
  // The actions behave as on the source: the same changes, the same rows.
  auto src = OpenSession(PgSourceUri("fit_fk"));
  for (Session* s : {src.get(), dst.get()}) {
    ASSERT_TRUE(s->Execute("UPDATE language SET language_id = 10 WHERE language_id = 1").ok());
    ASSERT_TRUE(s->Execute("DELETE FROM language WHERE language_id = 3").ok());
  }
  EXPECT_EQ(Sorted(ReadTable(MysqlUri("fit_fk_dst"), {"fit_fk_dst", "film"}).rows),
            Sorted(ReadTable(PgSourceUri("fit_fk"), {"public", "film"}).rows));
  EXPECT_EQ(One(*dst, "SELECT GROUP_CONCAT(CONCAT(film_id, '/', language_id, '/', IFNULL(original_language_id, "
                      "'-')) ORDER BY film_id) FROM film"),
            "1/10/2,2/10/-,3/2/2");
  EXPECT_EQ(One(*dst, "SELECT COUNT(*) FROM film WHERE language_id = 1"), "0");
  EXPECT_FALSE(dst->Execute("DELETE FROM language WHERE language_id = 2").ok());  // RESTRICT
  ASSERT_TRUE(dst->Execute("DELETE FROM stock WHERE region = 'north'").ok());
  EXPECT_EQ(One(*dst, "SELECT COUNT(*) FROM moves"), "2");
}

TEST(MysqlFitTest, DefaultsFillTheSameKindOfValue) {
  const int port = Servers().pg_source_port;
  RecreatePgDatabase(port, "fit_def");
  PgAdmin(port,
          "CREATE TABLE rental (id int PRIMARY KEY, day date DEFAULT ('now'::text)::date,"
          " at timestamp(3) DEFAULT now(), local_at timestamp DEFAULT LOCALTIMESTAMP,"
          " d2 date DEFAULT CURRENT_DATE, u uuid DEFAULT gen_random_uuid(), n int DEFAULT 7);",
          "fit_def");
  RecreateMysqlDatabase("fit_def_dst");
  auto r = RunGodwit("migrate --state-dir " + FreshTempDir("fitdef") + " " + PgSourceUri("fit_def") + " " +
                     MysqlUri("fit_def_dst"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(r.output.find("was not carried over"), std::string::npos) << r.output;
  auto dst = OpenSession(MysqlUri("fit_def_dst"));
  ASSERT_TRUE(dst->Execute("INSERT INTO rental (id) VALUES (1)").ok());
  EXPECT_EQ(One(*dst, "SELECT day = CURRENT_DATE AND d2 = CURRENT_DATE AND at IS NOT NULL AND local_at IS NOT NULL "
                      "AND n = 7 FROM rental"),
            "1");
  EXPECT_EQ(One(*dst, "SELECT LENGTH(CAST(u AS CHAR)) FROM rental"), "36");

  // And back: MariaDB's spellings become PostgreSQL's.
  RecreateMysqlDatabase("fit_def_my");
  MysqlAdmin("CREATE TABLE rental (id INT PRIMARY KEY, day DATE DEFAULT (curdate()), u UUID DEFAULT (uuid()),"
             " at DATETIME(3) DEFAULT CURRENT_TIMESTAMP(3))",
             "fit_def_my");
  RecreatePgDatabase(Servers().pg_dest_port, "fit_def_pg");
  r = RunGodwit("migrate --state-dir " + FreshTempDir("fitdef2") + " " + MysqlUri("fit_def_my") + " " +
                PgDestUri("fit_def_pg"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  auto pg = OpenSession(PgDestUri("fit_def_pg"));
  ASSERT_TRUE(pg->Execute("INSERT INTO public.rental (id) VALUES (1)").ok());
  EXPECT_EQ(One(*pg, "SELECT (day = CURRENT_DATE AND u IS NOT NULL AND at IS NOT NULL)::int FROM public.rental"), "1");
}

TEST(MysqlFitTest, TimeOutsideADayFailsItsTableWithTheKeyAndValue) {
  RecreateMysqlDatabase("fit_time");
  MysqlAdmin("CREATE TABLE shifts (id INT PRIMARY KEY, dur TIME);"
             "INSERT INTO shifts VALUES (1, '10:00:00'), (2, '-01:00:00'), (3, '100:00:00');"
             "CREATE TABLE other (id INT PRIMARY KEY, t TIME); INSERT INTO other VALUES (1, '23:59:59');",
             "fit_time");
  RecreatePgDatabase(Servers().pg_dest_port, "fit_time_pg");
  auto r = RunGodwit("migrate --state-dir " + FreshTempDir("fittime") + " " + MysqlUri("fit_time") + " " +
                     PgDestUri("fit_time_pg"));
  EXPECT_NE(r.exit_code, 0) << r.output;
  EXPECT_NE(r.output.find("key (id) = ('2')"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("'-01:00:00'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("interval"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("time zone displacement"), std::string::npos) << r.output;
  Destination pg{PgDestUri("fit_time_pg"), "public"};
  EXPECT_EQ(ReadTable(pg.uri, {"public", "other"}).rows.size(), 1u);
  EXPECT_EQ(ReadTable(pg.uri, {"public", "shifts"}).rows.size(), 0u);

  // MySQL to MySQL carries them unchanged.
  RecreateMysqlDatabase("fit_time_my");
  r = RunGodwit("migrate --state-dir " + FreshTempDir("fittime2") + " " + MysqlUri("fit_time") + " " +
                MysqlUri("fit_time_my"));
  ASSERT_EQ(r.exit_code, 0) << r.output;
  EXPECT_EQ(ReadTable(MysqlUri("fit_time_my"), {"fit_time_my", "shifts"}).rows,
            ReadTable(MysqlUri("fit_time"), {"fit_time", "shifts"}).rows);
}

}  // namespace
}  // namespace godwit::testing
