// Views translated across engines (issue 14): a sakila-like MySQL schema
// with its seven views (GROUP_CONCAT with DISTINCT, ORDER BY and SEPARATOR,
// IF, CONCAT, charset introducers as MariaDB stores them, MySQL's loose
// GROUP BY over joined tables) and a FULLTEXT index, migrated by the real
// `godwit migrate` to PostgreSQL, SQLite and MySQL; and a pagila-like
// PostgreSQL schema's views (string_agg, CASE, ||, casts, COALESCE,
// IN lists) migrated to MySQL. Each created view must return the same rows
// on the destination as on the source; a view without a translation fails
// alone, its construct named, while the others are created.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <set>

#include "migration_harness.h"
#include "model/row_collector.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

using Rows = std::vector<std::vector<std::optional<std::string>>>;

// Written in sakila's spirit (not its files): stores, staff, customers,
// films with actors and categories, rentals and payments. Titles are single
// words and names plain ASCII so that every engine's collation orders them
// alike.
const char* kMysqlSchema = R"sql(
CREATE TABLE country (country_id INT PRIMARY KEY, country VARCHAR(50) NOT NULL);
CREATE TABLE city (city_id INT PRIMARY KEY, city VARCHAR(50) NOT NULL, country_id INT NOT NULL);
CREATE TABLE address (address_id INT PRIMARY KEY, address VARCHAR(50) NOT NULL, postal_code VARCHAR(10),
  phone VARCHAR(20) NOT NULL, city_id INT NOT NULL);
CREATE TABLE store (store_id INT PRIMARY KEY, manager_staff_id INT NOT NULL, address_id INT NOT NULL);
CREATE TABLE staff (staff_id INT PRIMARY KEY, first_name VARCHAR(45) NOT NULL, last_name VARCHAR(45) NOT NULL,
  address_id INT NOT NULL, store_id INT NOT NULL);
CREATE TABLE customer (customer_id INT PRIMARY KEY, store_id INT NOT NULL, first_name VARCHAR(45) NOT NULL,
  last_name VARCHAR(45), address_id INT NOT NULL, active TINYINT(1) NOT NULL DEFAULT 1);
CREATE TABLE actor (actor_id INT PRIMARY KEY, first_name VARCHAR(45) NOT NULL, last_name VARCHAR(45) NOT NULL);
CREATE TABLE category (category_id INT PRIMARY KEY, name VARCHAR(25) NOT NULL);
CREATE TABLE film (film_id INT PRIMARY KEY, title VARCHAR(128) NOT NULL, description TEXT,
  rental_rate DECIMAL(4,2) NOT NULL, length SMALLINT, rating VARCHAR(5),
  FULLTEXT KEY ft_film (title, description)) ENGINE=InnoDB;
CREATE TABLE film_actor (actor_id INT NOT NULL, film_id INT NOT NULL, PRIMARY KEY (actor_id, film_id));
CREATE TABLE film_category (film_id INT NOT NULL, category_id INT NOT NULL, PRIMARY KEY (film_id, category_id));
CREATE TABLE inventory (inventory_id INT PRIMARY KEY, film_id INT NOT NULL, store_id INT NOT NULL);
CREATE TABLE rental (rental_id INT PRIMARY KEY, rental_date DATETIME NOT NULL, inventory_id INT NOT NULL,
  customer_id INT NOT NULL, return_date DATETIME, note VARCHAR(40));
CREATE TABLE payment (payment_id INT PRIMARY KEY, customer_id INT NOT NULL, rental_id INT NOT NULL,
  amount DECIMAL(5,2) NOT NULL);

INSERT INTO country VALUES (1, 'Canada'), (2, 'Chile');
INSERT INTO city VALUES (1, 'Lethbridge', 1), (2, 'Santiago', 2), (3, 'Toronto', 1);
INSERT INTO address VALUES (1, '47 Main St', 'T1K', '555-0101', 1), (2, '28 Alameda', NULL, '555-0102', 2),
  (3, '12 King St', 'M5H', '555-0103', 3), (4, '9 Pine Rd', 'T1J', '555-0104', 1);
INSERT INTO store VALUES (1, 1, 1), (2, 2, 2);
INSERT INTO staff VALUES (1, 'Mike', 'Hillyer', 3, 1), (2, 'Jon', 'Stephens', 4, 2);
INSERT INTO customer VALUES (1, 1, 'Mary', 'Smith', 3, 1), (2, 1, 'Linda', NULL, 4, 0), (3, 2, 'Barbara', 'Jones', 2, 1);
INSERT INTO actor VALUES (1, 'Penelope', 'Guiness'), (2, 'Nick', 'Wahlberg'), (3, 'Ed', 'Chase');
INSERT INTO category VALUES (1, 'Action'), (2, 'Comedy'), (3, 'Drama');
INSERT INTO film VALUES (1, 'ALIEN', 'A shark story in space', 2.99, 86, 'PG'),
  (2, 'BRAVE', 'A knight and a dragon', 0.99, 48, 'G'), (3, 'CHAOS', 'A shark and a mad scientist', 4.99, 120, 'R'),
  (4, 'DUNE', NULL, 2.99, NULL, 'PG');
INSERT INTO film_actor VALUES (1, 1), (1, 2), (2, 1), (2, 3), (3, 3), (3, 4);
INSERT INTO film_category VALUES (1, 1), (2, 2), (3, 1), (3, 3), (4, 3);
INSERT INTO inventory VALUES (1, 1, 1), (2, 2, 1), (3, 3, 2), (4, 4, 2);
INSERT INTO rental VALUES (1, '2024-01-02 10:15:00', 1, 1, '2024-01-05 09:00:00', 'late'),
  (2, '2024-02-10 18:30:00', 2, 2, NULL, NULL), (3, '2024-02-11 08:00:00', 3, 3, '2024-02-12 08:00:00', NULL),
  (4, '2024-03-01 12:00:00', 4, 1, '2024-03-09 12:00:00', 'ok');
INSERT INTO payment VALUES (1, 1, 1, 2.99), (2, 2, 2, 0.99), (3, 3, 3, 4.99), (4, 1, 4, 2.99);

CREATE FUNCTION film_score(x INT) RETURNS INT DETERMINISTIC RETURN x * 2;

CREATE VIEW actor_info AS
SELECT a.actor_id, a.first_name, a.last_name,
  GROUP_CONCAT(DISTINCT CONCAT(c.name, ': ',
    (SELECT GROUP_CONCAT(f.title ORDER BY f.title SEPARATOR ', ')
     FROM film f INNER JOIN film_category fc ON f.film_id = fc.film_id
     INNER JOIN film_actor fa ON f.film_id = fa.film_id
     WHERE fc.category_id = c.category_id AND fa.actor_id = a.actor_id))
   ORDER BY c.name SEPARATOR '; ') AS film_info
FROM actor a LEFT JOIN film_actor fa ON a.actor_id = fa.actor_id
LEFT JOIN film_category fc ON fa.film_id = fc.film_id
LEFT JOIN category c ON fc.category_id = c.category_id
GROUP BY a.actor_id, a.first_name, a.last_name;

CREATE VIEW customer_list AS
SELECT cu.customer_id AS ID, CONCAT(cu.first_name, _utf8mb4' ', cu.last_name) AS name, a.address AS address,
  a.postal_code AS `zip code`, a.phone AS phone, city.city AS city, country.country AS country,
  IF(cu.active, _latin1'active', '') AS notes, cu.store_id AS SID
FROM customer AS cu JOIN address AS a ON cu.address_id = a.address_id JOIN city ON a.city_id = city.city_id
JOIN country ON city.country_id = country.country_id;

CREATE VIEW film_list AS
SELECT film.film_id AS FID, film.title AS title, film.description AS description, category.name AS category,
  film.rental_rate AS price, film.length AS length, film.rating AS rating,
  GROUP_CONCAT(CONCAT(actor.first_name, ' ', actor.last_name) ORDER BY actor.last_name SEPARATOR ', ') AS actors
FROM category LEFT JOIN film_category ON category.category_id = film_category.category_id
LEFT JOIN film ON film_category.film_id = film.film_id
JOIN film_actor ON film.film_id = film_actor.film_id
JOIN actor ON film_actor.actor_id = actor.actor_id
GROUP BY film.film_id, category.name;

CREATE VIEW nicer_but_slower_film_list AS
SELECT film.film_id AS FID, film.title AS title, category.name AS category, film.rental_rate AS price,
  GROUP_CONCAT(CONCAT(UCASE(SUBSTR(actor.first_name, 1, 1)), LCASE(SUBSTR(actor.first_name, 2, LENGTH(actor.first_name))),
    ' ', UCASE(SUBSTR(actor.last_name, 1, 1)), LCASE(SUBSTR(actor.last_name, 2, LENGTH(actor.last_name))))
    ORDER BY actor.last_name SEPARATOR ', ') AS actors
FROM category LEFT JOIN film_category ON category.category_id = film_category.category_id
LEFT JOIN film ON film_category.film_id = film.film_id
JOIN film_actor ON film.film_id = film_actor.film_id
JOIN actor ON film_actor.actor_id = actor.actor_id
GROUP BY film.film_id, category.name;

CREATE VIEW sales_by_film_category AS
SELECT c.name AS category, SUM(p.amount) AS total_sales
FROM payment AS p INNER JOIN rental AS r ON p.rental_id = r.rental_id
INNER JOIN inventory AS i ON r.inventory_id = i.inventory_id
INNER JOIN film AS f ON i.film_id = f.film_id
INNER JOIN film_category AS fc ON f.film_id = fc.film_id
INNER JOIN category AS c ON fc.category_id = c.category_id
GROUP BY c.name ORDER BY total_sales DESC;

CREATE VIEW sales_by_store AS
SELECT CONCAT(c.city, _utf8mb4',', cy.country) AS store, CONCAT(m.first_name, _utf8mb4' ', m.last_name) AS manager,
  SUM(p.amount) AS total_sales
FROM payment AS p INNER JOIN rental AS r ON p.rental_id = r.rental_id
INNER JOIN inventory AS i ON r.inventory_id = i.inventory_id
INNER JOIN store AS s ON i.store_id = s.store_id
INNER JOIN address AS a ON s.address_id = a.address_id
INNER JOIN city AS c ON a.city_id = c.city_id
INNER JOIN country AS cy ON c.country_id = cy.country_id
INNER JOIN staff AS m ON s.manager_staff_id = m.staff_id
GROUP BY s.store_id ORDER BY cy.country, c.city;

CREATE VIEW staff_list AS
SELECT s.staff_id AS ID, CONCAT(s.first_name, _utf8mb4' ', s.last_name) AS name, a.address AS address,
  a.postal_code AS `zip code`, a.phone AS phone, city.city AS city, country.country AS country, s.store_id AS SID
FROM staff AS s JOIN address AS a ON s.address_id = a.address_id JOIN city ON a.city_id = city.city_id
JOIN country ON city.country_id = country.country_id;

CREATE VIEW rental_dates AS
SELECT r.rental_id, DATE_FORMAT(r.rental_date, '%Y-%m-%d %H:%i') AS rented, YEAR(r.rental_date) AS y,
  MONTH(r.rental_date) AS m, DATE(r.rental_date) AS d, DATEDIFF(r.return_date, r.rental_date) AS days,
  IFNULL(r.note, 'none') AS note, LENGTH(r.note) AS note_bytes
FROM rental r ORDER BY r.rental_id LIMIT 1, 2;

CREATE VIEW scored_films AS SELECT film_id, film_score(length) AS score FROM film;
)sql";

const char* kPgSchema = R"sql(
CREATE TABLE country (country_id int PRIMARY KEY, country text NOT NULL);
CREATE TABLE city (city_id int PRIMARY KEY, city text NOT NULL, country_id int NOT NULL REFERENCES country);
CREATE TABLE address (address_id int PRIMARY KEY, address text NOT NULL, phone text, city_id int NOT NULL);
CREATE TABLE store (store_id int PRIMARY KEY, manager_staff_id int NOT NULL, address_id int NOT NULL);
CREATE TABLE staff (staff_id int PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
CREATE TABLE customer (customer_id int PRIMARY KEY, store_id int NOT NULL, first_name text NOT NULL,
  last_name text, address_id int NOT NULL, activebool boolean NOT NULL DEFAULT true);
CREATE TABLE actor (actor_id int PRIMARY KEY, first_name text NOT NULL, last_name text NOT NULL);
CREATE TABLE category (category_id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE film (film_id int PRIMARY KEY, title text NOT NULL, rental_rate numeric(4,2) NOT NULL, length smallint);
CREATE TABLE film_actor (actor_id int NOT NULL, film_id int NOT NULL, PRIMARY KEY (actor_id, film_id));
CREATE TABLE film_category (film_id int NOT NULL, category_id int NOT NULL, PRIMARY KEY (film_id, category_id));
CREATE TABLE inventory (inventory_id int PRIMARY KEY, film_id int NOT NULL, store_id int NOT NULL);
CREATE TABLE rental (rental_id int PRIMARY KEY, rental_date timestamp NOT NULL, inventory_id int NOT NULL);
CREATE TABLE payment (payment_id int PRIMARY KEY, rental_id int NOT NULL, amount numeric(5,2) NOT NULL);

INSERT INTO country VALUES (1, 'Canada'), (2, 'Chile');
INSERT INTO city VALUES (1, 'Lethbridge', 1), (2, 'Santiago', 2);
INSERT INTO address VALUES (1, '47 Main St', '555-0101', 1), (2, '28 Alameda', NULL, 2), (3, '12 King St', '555-0103', 1);
INSERT INTO store VALUES (1, 1, 1), (2, 2, 2);
INSERT INTO staff VALUES (1, 'Mike', 'Hillyer'), (2, 'Jon', 'Stephens');
INSERT INTO customer VALUES (1, 1, 'Mary', 'Smith', 3, true), (2, 1, 'Linda', NULL, 2, false), (3, 2, 'Barbara', 'Jones', 1, true);
INSERT INTO actor VALUES (1, 'Penelope', 'Guiness'), (2, 'Nick', 'Wahlberg'), (3, 'Ed', 'Chase');
INSERT INTO category VALUES (1, 'Action'), (2, 'Comedy'), (3, 'Drama');
INSERT INTO film VALUES (1, 'ALIEN', 2.99, 86), (2, 'BRAVE', 0.99, 48), (3, 'CHAOS', 4.99, 120), (4, 'DUNE', 2.99, NULL);
INSERT INTO film_actor VALUES (1, 1), (1, 2), (2, 1), (2, 3), (3, 3), (3, 4);
INSERT INTO film_category VALUES (1, 1), (2, 2), (3, 1), (3, 3), (4, 3);
INSERT INTO inventory VALUES (1, 1, 1), (2, 2, 1), (3, 3, 2), (4, 4, 2);
INSERT INTO rental VALUES (1, '2024-01-02 10:15:00', 1), (2, '2024-02-10 18:30:00', 2), (3, '2024-02-11 08:00:00', 3),
  (4, '2024-03-01 12:00:00', 4);
INSERT INTO payment VALUES (1, 1, 2.99), (2, 2, 0.99), (3, 3, 4.99), (4, 4, 2.99);

CREATE VIEW actor_info AS
SELECT a.actor_id, a.first_name, a.last_name, string_agg(DISTINCT c.name, '; ' ORDER BY c.name) AS categories
FROM actor a LEFT JOIN film_actor fa ON a.actor_id = fa.actor_id
LEFT JOIN film_category fc ON fa.film_id = fc.film_id LEFT JOIN category c ON fc.category_id = c.category_id
GROUP BY a.actor_id, a.first_name, a.last_name;

CREATE VIEW customer_list AS
SELECT cu.customer_id AS id, cu.first_name || ' ' || cu.last_name AS name, a.address, COALESCE(a.phone, 'none') AS phone,
  CASE WHEN cu.activebool THEN 'active' ELSE '' END AS notes, cu.store_id AS sid
FROM customer cu JOIN address a ON cu.address_id = a.address_id;

CREATE VIEW film_list AS
SELECT f.film_id AS fid, upper(f.title) AS title, f.rental_rate::numeric(6,2) AS price, f.length::integer AS length,
  string_agg(a.first_name || ' ' || a.last_name, ', ' ORDER BY a.last_name) AS actors
FROM film f JOIN film_actor fa ON f.film_id = fa.film_id JOIN actor a ON fa.actor_id = a.actor_id
GROUP BY f.film_id;

CREATE VIEW sales_by_store AS
SELECT c.city || ',' || cy.country AS store, m.first_name || ' ' || m.last_name AS manager, sum(p.amount) AS total_sales
FROM payment p JOIN rental r ON p.rental_id = r.rental_id JOIN inventory i ON r.inventory_id = i.inventory_id
JOIN store s ON i.store_id = s.store_id JOIN address a ON s.address_id = a.address_id
JOIN city c ON a.city_id = c.city_id JOIN country cy ON c.country_id = cy.country_id
JOIN staff m ON s.manager_staff_id = m.staff_id
GROUP BY cy.country, c.city, s.store_id, m.first_name, m.last_name;

CREATE VIEW rental_dates AS
SELECT r.rental_id, to_char(r.rental_date, 'YYYY-MM-DD HH24:MI') AS rented, date_part('year', r.rental_date) AS y,
  EXTRACT(month FROM r.rental_date) AS m, r.rental_date::date AS d, length('x' || r.rental_id::text) AS l
FROM rental r WHERE r.rental_id IN (1, 2, 3);

CREATE VIEW monthly AS SELECT date_trunc('month', rental_date) AS month, count(*) AS n FROM rental GROUP BY 1;
)sql";

struct ViewSpec {
  std::string name;
  std::vector<std::string> columns;
};

const std::vector<ViewSpec> kMysqlViews = {
    {"actor_info", {"actor_id", "first_name", "last_name", "film_info"}},
    {"customer_list", {"ID", "name", "address", "zip code", "phone", "city", "country", "notes", "SID"}},
    {"film_list", {"FID", "title", "description", "category", "price", "length", "rating", "actors"}},
    {"nicer_but_slower_film_list", {"FID", "title", "category", "price", "actors"}},
    {"sales_by_film_category", {"category", "total_sales"}},
    {"sales_by_store", {"store", "manager", "total_sales"}},
    {"staff_list", {"ID", "name", "address", "zip code", "phone", "city", "country", "SID"}},
    {"rental_dates", {"rental_id", "rented", "y", "m", "d", "days", "note", "note_bytes"}},
};

const std::vector<ViewSpec> kPgViews = {
    {"actor_info", {"actor_id", "first_name", "last_name", "categories"}},
    {"customer_list", {"id", "name", "address", "phone", "notes", "sid"}},
    {"film_list", {"fid", "title", "price", "length", "actors"}},
    {"sales_by_store", {"store", "manager", "total_sales"}},
    {"rental_dates", {"rental_id", "rented", "y", "m", "d", "l"}},
};

// Every row of `view` with each column as the engine's text, sorted.
Rows ViewRows(Session& s, const TableRef& view, const std::vector<std::string>& columns) {
  const Dialect& d = DialectFor(s.engine());
  std::string cols;
  for (const std::string& c : columns) {
    const std::string q = d.QuoteIdent(c);
    cols += (cols.empty() ? "" : ", ") + (s.engine() == Engine::kMysql ? "CAST(" + q + " AS CHAR)"
                                          : s.engine() == Engine::kPostgres ? q + "::text"
                                                                            : "CAST(" + q + " AS TEXT)");
  }
  std::vector<ColumnType> types(columns.size(), TypeOf(TypeKind::kText));
  RowCollector rows;
  Status st = s.Query("SELECT " + cols + " FROM " + d.QualifiedName(view), types, rows, BatchLimits{});
  EXPECT_TRUE(st.ok()) << view.ToString() << ": " << st.ToString();
  std::sort(rows.rows.begin(), rows.rows.end());
  return rows.rows;
}

// Values agree as text, or as numbers (2.99 and 2.990, 2024 and 2024.0).
bool SameValue(const std::optional<std::string>& a, const std::optional<std::string>& b) {
  if (a.has_value() != b.has_value()) return false;
  if (!a || *a == *b) return true;
  char* ea = nullptr;
  char* eb = nullptr;
  double x = std::strtod(a->c_str(), &ea), y = std::strtod(b->c_str(), &eb);
  return !a->empty() && !b->empty() && *ea == '\0' && *eb == '\0' && std::abs(x - y) < 1e-9;
}

void ExpectSameRows(const Rows& src, const Rows& dst, const std::string& what) {
  ASSERT_EQ(src.size(), dst.size()) << what;
  ASSERT_FALSE(src.empty()) << what << " returns no rows: the comparison would prove nothing";
  for (size_t r = 0; r < src.size(); ++r) {
    ASSERT_EQ(src[r].size(), dst[r].size()) << what;
    for (size_t c = 0; c < src[r].size(); ++c) {
      EXPECT_TRUE(SameValue(src[r][c], dst[r][c]))
          << what << " row " << r << " column " << c << ": source " << src[r][c].value_or("NULL") << ", destination "
          << dst[r][c].value_or("NULL");
    }
  }
}

bool Has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

// Runs the migration; returns its output. Views that fail make it exit
// non-zero with the failed objects listed.
CommandResult Migrate(const std::string& tag, const std::string& src, const std::string& dst) {
  return RunGodwit("migrate --state-dir " + FreshTempDir("views-state-" + tag) + " " + src + " " + dst);
}

const std::string& MysqlSource() {
  static const std::string uri = FreshSource(Engine::kMysql, "views_sakila", kMysqlSchema);
  return uri;
}

void CompareViews(const std::string& src_uri, const std::string& src_schema, const std::string& dst_uri,
                  const std::string& dst_schema, const std::vector<ViewSpec>& views,
                  const std::set<std::string>& expected_failures, const std::string& tag) {
  auto src = OpenSession(src_uri);
  auto dst = OpenSession(dst_uri);
  auto catalog = dst->ReadCatalog([&](const TableRef& r) { return r.schema == dst_schema; });
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  std::set<std::string> created;
  for (const ViewDef& v : catalog->views) created.insert(v.ref.name);
  for (const ViewSpec& v : views) {
    if (expected_failures.count(v.name)) {
      EXPECT_FALSE(created.count(v.name)) << tag << ": " << v.name << " was expected to fail";
      continue;
    }
    ASSERT_TRUE(created.count(v.name)) << tag << ": view " << v.name << " was not created";
    ExpectSameRows(ViewRows(*src, {src_schema, v.name}, v.columns), ViewRows(*dst, {dst_schema, v.name}, v.columns),
                   tag + " view " + v.name);
  }
}

TEST(ViewTranslationTest, SakilaViewsToPostgres) {
  const std::string src = MysqlSource();
  auto [dst_uri, schema] = FreshDestination(Engine::kPostgres, "views_sakila_pg");
  CommandResult run = Migrate("my-pg", src, dst_uri);
  EXPECT_NE(run.exit_code, 0) << "scored_films cannot be translated";
  EXPECT_TRUE(Has(run.output, "1 object(s) failed: view views_sakila.scored_films")) << run.output;
  EXPECT_TRUE(Has(run.output, "the function film_score()")) << run.output;
  EXPECT_TRUE(Has(run.output, "film_score(")) << "the source's definition is in the error: " << run.output;
  CompareViews(src, "views_sakila", dst_uri, schema, kMysqlViews, {}, "mysql->postgres");

  // FULLTEXT (title, description) as a GIN index over to_tsvector.
  auto dst = OpenSession(dst_uri);
  RowCollector idx;
  ASSERT_TRUE(dst->Query("SELECT indexdef FROM pg_indexes WHERE tablename = 'film' AND indexdef LIKE '%USING gin%'",
                         std::vector<ColumnType>{TypeOf(TypeKind::kText)}, idx, BatchLimits{})
                  .ok());
  ASSERT_EQ(idx.rows.size(), 1u);
  EXPECT_TRUE(Has(*idx.rows[0][0], "to_tsvector('simple'::regconfig")) << *idx.rows[0][0];
  RowCollector found;
  ASSERT_TRUE(dst->Query("SELECT film_id FROM film WHERE to_tsvector('simple', coalesce(title, '') || ' ' || "
                         "coalesce(description, '')) @@ to_tsquery('simple', 'shark') ORDER BY film_id",
                         std::vector<ColumnType>{TypeOf(TypeKind::kInt32)}, found, BatchLimits{})
                  .ok());
  EXPECT_EQ(found.rows, (Rows{{"1"}, {"3"}}));
}

TEST(ViewTranslationTest, SakilaViewsToSqlite) {
  const std::string src = MysqlSource();
  auto [dst_uri, schema] = FreshDestination(Engine::kSqlite, "views_sakila_lite");
  CommandResult run = Migrate("my-lite", src, dst_uri);
  EXPECT_NE(run.exit_code, 0);
  // SQLite 3.40 has no ORDER BY inside group_concat, and its DISTINCT
  // aggregates take one argument: those views fail, named, with the rest created.
  EXPECT_TRUE(Has(run.output, "ordered string aggregate")) << run.output;
  EXPECT_TRUE(Has(run.output, "the function film_score()")) << run.output;
  EXPECT_TRUE(Has(run.output, "index film_ft_film of views_sakila.film was skipped: a FULLTEXT index has no SQLite"))
      << run.output;
  CompareViews(src, "views_sakila", dst_uri, schema, kMysqlViews,
               {"actor_info", "film_list", "nicer_but_slower_film_list"}, "mysql->sqlite");
}

TEST(ViewTranslationTest, SakilaToMysqlKeepsFulltext) {
  const std::string src = MysqlSource();
  auto [dst_uri, schema] = FreshDestination(Engine::kMysql, "views_sakila_my");
  CommandResult run = Migrate("my-my", src, dst_uri);
  auto dst = OpenSession(dst_uri);
  RowCollector create;
  ASSERT_TRUE(dst->Query("SHOW CREATE TABLE film", std::vector<ColumnType>{TypeOf(TypeKind::kText), TypeOf(TypeKind::kText)},
                         create, BatchLimits{})
                  .ok());
  ASSERT_EQ(create.rows.size(), 1u);
  EXPECT_TRUE(Has(*create.rows[0][1], "FULLTEXT KEY `ft_film` (`title`,`description`)")) << *create.rows[0][1];
}

TEST(ViewTranslationTest, PagilaViewsToMysql) {
  const std::string src = FreshSource(Engine::kPostgres, "views_pagila", kPgSchema);
  auto [dst_uri, schema] = FreshDestination(Engine::kMysql, "views_pagila_my");
  CommandResult run = Migrate("pg-my", src, dst_uri);
  EXPECT_NE(run.exit_code, 0);
  EXPECT_TRUE(Has(run.output, "1 object(s) failed: view public.monthly")) << run.output;
  EXPECT_TRUE(Has(run.output, "the function date_trunc()")) << run.output;
  CompareViews(src, "public", dst_uri, schema, kPgViews, {}, "postgres->mysql");
}

}  // namespace
}  // namespace godwit::testing
