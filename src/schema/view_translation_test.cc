#include "schema/view_translation.h"

#include <gtest/gtest.h>

namespace godwit {
namespace {

constexpr Engine kMy = Engine::kMysql;
constexpr Engine kPg = Engine::kPostgres;
constexpr Engine kLite = Engine::kSqlite;

std::string T(std::string_view sql, Engine from, Engine to, const ViewTranslationOptions& o = {}) {
  auto r = TranslateView(sql, from, to, o);
  if (!r.ok()) return "ERROR: " + r.status().message();
  return r->definition;
}

// A table `name` with integer columns `cols`, the first `key` of them its
// primary key.
TableSchema Table(const std::string& name, std::vector<std::string> cols, size_t key = 1) {
  TableSchema t;
  t.ref = {"shop", name};
  IndexDef pk;
  pk.primary = pk.unique = true;
  for (size_t i = 0; i < cols.size(); ++i) {
    Column c;
    c.name = cols[i];
    c.nullable = i >= key;
    c.type = TypeOf(TypeKind::kInt32);
    t.columns.push_back(c);
    if (i < key) pk.columns.push_back({cols[i]});
  }
  t.primary_key = pk;
  return t;
}

TEST(ViewTranslationTest, GroupConcatToStringAggAndBack) {
  EXPECT_EQ(T("select group_concat(distinct `a`.`name` order by `a`.`name` ASC separator ', ') from `t` `a`", kMy, kPg),
            "select string_agg(DISTINCT CAST(\"a\".\"name\" AS text), ', ' ORDER BY CAST(\"a\".\"name\" AS text)) "
            "from \"t\" \"a\"");
  EXPECT_EQ(T("select group_concat(`x`) from `t`", kMy, kPg), "select string_agg(CAST(\"x\" AS text), ',') from \"t\"");
  EXPECT_EQ(T("SELECT string_agg((f.title)::text, ', '::text ORDER BY f.title) FROM film f", kPg, kMy),
            "SELECT group_concat((f.title) ORDER BY f.title SEPARATOR ', ') FROM film f");
  EXPECT_EQ(T("select group_concat(`x` separator '; ') from `t`", kMy, kLite),
            "select group_concat(\"x\", '; ') from \"t\"");
  EXPECT_EQ(T("select group_concat(x, '; ') from t", kLite, kPg), "select string_agg(CAST(x AS text), '; ') from t");
  EXPECT_EQ(T("select group_concat(x) from t", kLite, kMy), "select group_concat(x SEPARATOR ',') from t");
}

TEST(ViewTranslationTest, SqliteCannotKeepAnOrderedOrDistinctSeparatedAggregate) {
  std::string r = T("select group_concat(`x` order by `x` separator ',') from `t`", kMy, kLite);
  EXPECT_NE(r.find("ERROR: the view uses an ordered string aggregate"), std::string::npos) << r;
  EXPECT_NE(r.find("3.44"), std::string::npos) << r;
  ViewTranslationOptions newer;
  newer.sqlite_ordered_aggregates = true;
  EXPECT_EQ(T("select group_concat(`x` order by `x` separator ',') from `t`", kMy, kLite, newer),
            "select group_concat(\"x\", ',' ORDER BY \"x\") from \"t\"");
  r = T("select group_concat(distinct `x` separator '; ') from `t`", kMy, kLite);
  EXPECT_NE(r.find("DISTINCT string aggregate with the separator '; '"), std::string::npos) << r;
  EXPECT_EQ(T("select group_concat(distinct `x` separator ',') from `t`", kMy, kLite),
            "select group_concat(DISTINCT \"x\") from \"t\"");
}

TEST(ViewTranslationTest, IfBecomesCaseAndANumberConditionIsCompared) {
  EXPECT_EQ(T("select if(`c`.`active`,_utf8mb3'active',_latin1'') AS `notes` from `c`", kMy, kPg),
            "select (CASE WHEN (\"c\".\"active\") <> 0 THEN 'active' ELSE '' END) AS \"notes\" from \"c\"");
  EXPECT_EQ(T("select if(`a` > 1, 'x', NULL) from `t`", kMy, kLite),
            "select (CASE WHEN \"a\" > 1 THEN 'x' ELSE NULL END) from \"t\"");
  EXPECT_EQ(T("select iif(a > 1, 'x', 'y') from t", kLite, kMy), "select if(a > 1, 'x', 'y') from t");
  EXPECT_EQ(T("select ifnull(`a`, 0), nvl(`b`, 1) from `t`", kMy, kPg), "select coalesce(\"a\", 0), coalesce(\"b\", 1) from \"t\"");
}

TEST(ViewTranslationTest, ConcatKeepsMysqlNullSemantics) {
  // MySQL's CONCAT is NULL when an argument is NULL, as || is.
  EXPECT_EQ(T("select concat(`a`.`first_name`,_utf8mb4' ',`a`.`id`) AS `n` from `a`", kMy, kPg),
            "select (CAST(\"a\".\"first_name\" AS text) || CAST(' ' AS text) || CAST(\"a\".\"id\" AS text)) AS \"n\" "
            "from \"a\"");
  EXPECT_EQ(T("select concat(`a`, 'x') from `t`", kMy, kLite), "select (\"a\" || 'x') from \"t\"");
  // PostgreSQL's || is NULL-propagating like MySQL's CONCAT; its concat()
  // skips NULLs like CONCAT_WS.
  EXPECT_EQ(T("SELECT (((a.first_name)::text || ' '::text) || (a.last_name)::text) AS name FROM a", kPg, kMy),
            "SELECT (concat((concat((a.first_name), ' ')), (a.last_name))) AS name FROM a");
  EXPECT_EQ(T("SELECT x || y || z AS s, 1 FROM t", kPg, kMy), "SELECT concat(x, y, z) AS s, 1 FROM t");
  EXPECT_EQ(T("SELECT concat(a, b) FROM t", kPg, kMy), "SELECT concat_ws('', a, b) FROM t");
  EXPECT_EQ(T("SELECT a || b FROM t", kPg, kLite), "SELECT a || b FROM t");
  // Arguments are translated once: || inside upper() stays CONCAT.
  EXPECT_EQ(T("SELECT upper(a || b) FROM t", kPg, kMy), "SELECT upper(concat(a, b)) FROM t");
  EXPECT_EQ(T("SELECT a || b FROM t WHERE a || 'x' = 'yx'", kLite, kMy),
            "SELECT concat(a, b) FROM t WHERE concat(a, 'x') = 'yx'");
}

TEST(ViewTranslationTest, DateAndTimeFunctions) {
  EXPECT_EQ(T("select now(), curdate(), curtime() from `t`", kMy, kPg),
            "select LOCALTIMESTAMP(0), CURRENT_DATE, LOCALTIME(0) from \"t\"");
  EXPECT_EQ(T("select now(), curdate() from `t`", kMy, kLite),
            "select datetime('now', 'localtime'), date('now', 'localtime') from \"t\"");
  EXPECT_EQ(T("select date(`d`), year(`d`), month(`d`), dayofmonth(`d`), second(`d`) from `t`", kMy, kPg),
            "select CAST(\"d\" AS date), CAST(EXTRACT(year FROM \"d\") AS integer), CAST(EXTRACT(month FROM \"d\") AS "
            "integer), CAST(EXTRACT(day FROM \"d\") AS integer), CAST(floor(EXTRACT(second FROM \"d\")) AS integer) "
            "from \"t\"");
  EXPECT_EQ(T("select year(`d`) from `t`", kMy, kLite), "select CAST(strftime('%Y', \"d\") AS INTEGER) from \"t\"");
  EXPECT_EQ(T("SELECT EXTRACT(year FROM d) FROM t", kPg, kLite), "SELECT CAST(strftime('%Y', d) AS INTEGER) FROM t");
  EXPECT_EQ(T("SELECT EXTRACT(year FROM d), date_part('month', d) FROM t", kPg, kMy),
            "SELECT EXTRACT(year FROM d), EXTRACT(month FROM d) FROM t");
  EXPECT_EQ(T("select date_format(`d`,'%Y-%m-%d %H:%i:%s at %p') from `t`", kMy, kPg),
            "select to_char(\"d\", 'YYYY\"-\"MM\"-\"DD\" \"HH24\":\"MI\":\"SS\" at \"AM') from \"t\"");
  EXPECT_EQ(T("select date_format(`d`,'%Y-%m-%d %T') from `t`", kMy, kLite),
            "select strftime('%Y-%m-%d %H:%M:%S', \"d\") from \"t\"");
  EXPECT_EQ(T("SELECT to_char(d, 'YYYY-MM-DD HH24:MI:SS') FROM t", kPg, kMy),
            "SELECT date_format(d, '%Y-%m-%d %H:%i:%s') FROM t");
  std::string r = T("select date_format(`d`,'%U') from `t`", kMy, kPg);
  EXPECT_NE(r.find("date_format() with the date format specifier %U"), std::string::npos) << r;
  EXPECT_EQ(T("select datediff(`a`,`b`) from `t`", kMy, kPg), "select (CAST(\"a\" AS date) - CAST(\"b\" AS date)) from \"t\"");
  EXPECT_EQ(T("select datediff(`a`,`b`) from `t`", kMy, kLite),
            "select CAST(julianday(date(\"a\")) - julianday(date(\"b\")) AS INTEGER) from \"t\"");
}

TEST(ViewTranslationTest, StringFunctions) {
  EXPECT_EQ(T("select ucase(`a`), lcase(`b`), substr(`a`,1,3), substring(`a`,2) from `t`", kMy, kPg),
            "select upper(\"a\"), lower(\"b\"), substr(\"a\", 1, 3), substr(\"a\", 2) from \"t\"");
  // MySQL's LENGTH counts bytes.
  EXPECT_EQ(T("select length(`a`), char_length(`a`) from `t`", kMy, kPg),
            "select octet_length(\"a\"), char_length(\"a\") from \"t\"");
  EXPECT_EQ(T("select length(`a`), char_length(`a`) from `t`", kMy, kLite),
            "select length(CAST(\"a\" AS BLOB)), length(\"a\") from \"t\"");
  EXPECT_EQ(T("SELECT length(a), \"substring\"(a, 1, 2), \"left\"(a, 2) FROM t", kPg, kMy),
            "SELECT char_length(a), substring(a, 1, 2), left(a, 2) FROM t");
  EXPECT_EQ(T("select locate('x', `a`) from `t`", kMy, kPg), "select strpos(\"a\", 'x') from \"t\"");
  // MariaDB stores LENGTH as octet_length and DATEDIFF(a, b) as
  // to_days(a) - to_days(b).
  EXPECT_EQ(T("select octet_length(`a`), to_days(`a`) - to_days(`b`) from `t`", kMy, kPg),
            "select octet_length(\"a\"), (CAST(\"a\" AS date) - DATE '0001-01-01' + 366) - (CAST(\"b\" AS date) - "
            "DATE '0001-01-01' + 366) from \"t\"");
  EXPECT_EQ(T("select octet_length(`a`), to_days(`a`) from `t`", kMy, kLite),
            "select length(CAST(\"a\" AS BLOB)), (CAST(julianday(date(\"a\")) - julianday('0001-01-01') AS INTEGER) + 366) "
            "from \"t\"");
}

TEST(ViewTranslationTest, CastsBetweenTypeNames) {
  EXPECT_EQ(T("select cast(`a` as char charset utf8mb4), cast(`b` as signed), cast(`c` as unsigned), "
              "cast(`d` as decimal(10,2)), cast(`e` as char(5)) from `t`",
              kMy, kPg),
            "select CAST(\"a\" AS text), CAST(\"b\" AS bigint), CAST(\"c\" AS numeric), CAST(\"d\" AS numeric(10,2)), "
            "CAST(\"e\" AS varchar(5)) from \"t\"");
  EXPECT_EQ(T("select convert(`a`, signed), convert(`b` using utf8mb4) from `t`", kMy, kPg),
            "select (CAST(\"a\" AS bigint)), (\"b\") from \"t\"");
  EXPECT_EQ(T("SELECT (a)::integer, (b)::numeric(6,2), 'x'::text, (c)::character varying(10), d::mpaa_rating, "
              "e::date FROM t",
              kPg, kMy),
            "SELECT CAST((a) AS SIGNED), CAST((b) AS DECIMAL(6,2)), 'x', (c), d, CAST(e AS DATE) FROM t");
  EXPECT_EQ(T("SELECT e::date, f::timestamp without time zone, g::integer FROM t", kPg, kLite),
            "SELECT date(e), datetime(f), CAST(g AS INTEGER) FROM t");
  EXPECT_EQ(T("select cast(`e` as date) from `t`", kMy, kLite), "select date(\"e\") from \"t\"");
  std::string r = T("SELECT a::text[] FROM t", kPg, kMy);
  EXPECT_NE(r.find("a cast to the array type text[]"), std::string::npos) << r;
}

TEST(ViewTranslationTest, LimitFormsOperatorsAndInLists) {
  EXPECT_EQ(T("select `a` from `t` order by `a` limit 5,10", kMy, kPg),
            "select \"a\" from \"t\" order by \"a\" limit 10 OFFSET 5");
  EXPECT_EQ(T("select `a` from `t` where `a` <=> `b`", kMy, kPg), "select \"a\" from \"t\" where \"a\" IS NOT DISTINCT FROM \"b\"");
  EXPECT_EQ(T("SELECT a FROM t WHERE ((a)::text = ANY (ARRAY['x'::text, 'y'::text])) AND b ~~ 'z%'::text", kPg, kMy),
            "SELECT a FROM t WHERE ((a) IN ('x', 'y')) AND b LIKE 'z%'");
  EXPECT_EQ(T("SELECT a FROM t WHERE b !~~ 'z%'::text LIMIT 3 OFFSET 1", kPg, kMy),
            "SELECT a FROM t WHERE b NOT LIKE 'z%' LIMIT 3 OFFSET 1");
  EXPECT_EQ(T("SELECT a FROM t WHERE flag = true", kPg, kMy), "SELECT a FROM t WHERE flag = true");
  std::string r = T("select `a` div 2 from `t`", kMy, kPg);
  EXPECT_NE(r.find("MySQL's operator div"), std::string::npos) << r;
}

TEST(ViewTranslationTest, UnknownAndStoredFunctionsFailNamingThem) {
  std::string r = T("select `shop`.`balance`(`c`.`id`) from `c`", kMy, kPg);
  EXPECT_NE(r.find("the function `shop`.`balance`()"), std::string::npos) << r;
  ViewTranslationOptions o;
  o.drop_qualifier = "shop";
  r = T("select `shop`.`balance`(`c`.`id`) from `shop`.`c`", kMy, kPg, o);
  EXPECT_NE(r.find("the function balance()"), std::string::npos) << r;
  r = T("select soundex(`a`) from `t`", kMy, kPg);
  EXPECT_NE(r.find("the function soundex()"), std::string::npos) << r;
  EXPECT_NE(r.find("from mysql to postgres"), std::string::npos) << r;
  r = T("SELECT date_trunc('month', d) FROM t", kPg, kMy);
  EXPECT_NE(r.find("the function date_trunc()"), std::string::npos) << r;
}

TEST(ViewTranslationTest, LiteralsAndCommentsAreNeverTranslated) {
  // Keywords and function names inside literals and comments stay text.
  EXPECT_EQ(T("select 'if(a,b,c) || group_concat(x separator y)' AS `s`, `a` /* if(x,y,z) */ from `t`", kMy, kPg),
            "select 'if(a,b,c) || group_concat(x separator y)' AS \"s\", \"a\" from \"t\"");
  EXPECT_EQ(T("SELECT 'a || b'::text, x -- concat(\n FROM t", kPg, kMy), "SELECT 'a || b', x FROM t");
  // A hostile literal comes out as one literal, quoted for the destination.
  EXPECT_EQ(T("select concat('x\\'); DROP TABLE x; --', `a`) from `t`", kMy, kPg),
            "select (CAST('x''); DROP TABLE x; --' AS text) || CAST(\"a\" AS text)) from \"t\"");
  EXPECT_EQ(T("SELECT 'x''); DROP TABLE x; --'::text || a FROM t", kPg, kMy),
            "SELECT concat('x\\'); DROP TABLE x; --', a) FROM t");
  EXPECT_FALSE(TranslateView("select 'open", kMy, kPg).ok());
  EXPECT_FALSE(TranslateView("select (a from t", kMy, kPg).ok());
}

TEST(ViewTranslationTest, SameEngineKeepsTheText) {
  EXPECT_EQ(T("select group_concat(`a` separator ', ') from `t`", kMy, kMy),
            "select group_concat(`a` separator ', ') from `t`");
  EXPECT_EQ(T("SELECT a::text || 'x' FROM t", kPg, kPg), "SELECT a::text || 'x' FROM t");
}

TEST(ViewTranslationTest, LooseGroupByBecomesStrictThroughKeys) {
  std::vector<TableSchema> tables = {Table("store", {"store_id", "address_id", "manager_id"}),
                                     Table("address", {"address_id", "city_id"}),
                                     Table("city", {"city_id", "city"}),
                                     Table("staff", {"staff_id", "first_name"}),
                                     Table("payment", {"payment_id", "store_id", "amount"})};
  ViewTranslationOptions o;
  o.source_tables = &tables;
  o.drop_qualifier = "shop";
  EXPECT_EQ(T("select concat(`c`.`city`,_utf8mb4',') AS `store`,`m`.`first_name` AS `manager`,sum(`p`.`amount`) AS "
              "`total` from ((((`shop`.`payment` `p` join `shop`.`store` `s` on(`p`.`store_id` = `s`.`store_id`)) "
              "join `shop`.`address` `a` on(`s`.`address_id` = `a`.`address_id`)) join `shop`.`city` `c` "
              "on(`a`.`city_id` = `c`.`city_id`)) left join `shop`.`staff` `m` on(`s`.`manager_id` = `m`.`staff_id`)) "
              "group by `s`.`store_id` order by `c`.`city`",
              kMy, kPg, o),
            "select (CAST(\"c\".\"city\" AS text) || CAST(',' AS text)) AS \"store\",\"m\".\"first_name\" AS "
            "\"manager\",sum(\"p\".\"amount\") AS \"total\" from ((((\"payment\" \"p\" join \"store\" \"s\" "
            "on(\"p\".\"store_id\" = \"s\".\"store_id\")) join \"address\" \"a\" on(\"s\".\"address_id\" = "
            "\"a\".\"address_id\")) join \"city\" \"c\" on(\"a\".\"city_id\" = \"c\".\"city_id\")) left join "
            "\"staff\" \"m\" on(\"s\".\"manager_id\" = \"m\".\"staff_id\")) group by \"s\".\"store_id\", "
            "\"c\".\"city\", \"m\".\"first_name\" order by \"c\".\"city\"");
  // Grouped by the payment's store: the store's city is not determined
  // through a LEFT JOIN's null-supplying side back to the preserved one.
  std::string r = T("select `s`.`address_id`, count(0) AS `n` from `shop`.`staff` `m` left join `shop`.`store` `s` "
                    "on(`s`.`manager_id` = `m`.`staff_id`) group by `s`.`manager_id`",
                    kMy, kPg, o);
  EXPECT_NE(r.find("the view selects `s`.`address_id`, which is neither in its GROUP BY (`s`.`manager_id`)"),
            std::string::npos)
      << r;
  // Already strict, or aggregated: untouched.
  EXPECT_EQ(T("select `p`.`store_id`, max(`p`.`amount`) AS `m` from `shop`.`payment` `p` group by `p`.`store_id`", kMy,
              kPg, o),
            "select \"p\".\"store_id\", max(\"p\".\"amount\") AS \"m\" from \"payment\" \"p\" group by \"p\".\"store_id\"");
  // A bare column of the only table that has it.
  EXPECT_EQ(T("select city, city_id from city group by city_id", kLite, kPg, o),
            "select city, city_id from city group by city_id, \"city\".\"city\"");
}

}  // namespace
}  // namespace godwit
