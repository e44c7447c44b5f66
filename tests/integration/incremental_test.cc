// Incremental synchronization end to end, for every pair of MySQL/MariaDB
// and PostgreSQL: the real `godwit migrate --incremental` copies two tables
// (a wide one with the types the pair converts, a composite-keyed one)
// while a writer on its own connection keeps running transactions of
// inserts, updates, primary-key updates and deletes, during the copy and
// after it. The process is killed with SIGKILL during the copy, right
// after and right before a replay commit, in the middle of a source
// transaction of about 28k row changes and at that transaction's commit,
// and each time started again with the same command; stopped with SIGTERM
// and --until-caught-up it must exit 0 with the destination equal to the
// source, row by row. Then the source's log is taken away (a dropped slot,
// purged binlogs) and the next run must fail saying so.
//
// The kills inside the large transaction are placed by a lock rather than
// by timing: the test holds a row lock on the destination on the row the
// transaction's last statement changes, so the Writer stops with the rest
// of the transaction applied in its open destination transaction, exactly
// where the test wants to act.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <fstream>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <regex>
#include <set>
#include <sstream>
#include <string_view>
#include <thread>

#include <fmt/format.h>

#include "connector/endpoint.h"
#include "connector/session.h"
#include "migration_harness.h"
#include "model/row_collector.h"
#include "polling.h"
#include "process.h"
#include "test_env.h"

namespace godwit::testing {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr int kItems = 8000;         // seeded rows of the wide table
constexpr int kAccounts = 2000;      // seeded rows of the composite-keyed table
constexpr int kChunkRows = 500;      // many chunks, so a kill lands inside the copy
constexpr int kBulkInsert = 8000;    // rows the large transaction inserts
constexpr int kMovedBase = 1000000;  // the large transaction moves keys above this

std::string Name(Engine e) { return e == Engine::kMysql ? "my" : "pg"; }

// ---------------------------------------------------------------------------
// Sessions and small queries through the connectors.

void Exec(Session& s, const std::string& sql) {
  Status st = s.Execute(sql);
  if (!st.ok()) throw std::runtime_error(st.ToString() + " in: " + sql.substr(0, 300));
}

// The first column of every row of a query returning `columns` columns,
// as text; nullopt when the query fails (a table not created yet).
std::optional<std::vector<std::string>> Column0(Session& s, const std::string& sql, size_t columns = 1) {
  ColumnType text;
  text.kind = TypeKind::kText;
  std::vector<ColumnType> types(columns, text);
  RowCollector rows;
  if (!s.Query(sql, types, rows, BatchLimits{}).ok()) return std::nullopt;
  std::vector<std::string> out;
  for (auto& r : rows.rows) out.push_back(r[0].value_or(""));
  return out;
}

int64_t QueryInt(Session& s, const std::string& sql) {
  auto v = Column0(s, sql);
  if (!v) throw std::runtime_error("query failed: " + sql);
  if (v->empty() || (*v)[0].empty()) return -1;
  return std::stoll((*v)[0]);
}

// ---------------------------------------------------------------------------
// The godwit process.

class GodwitRun {
 public:
  // Starts `godwit args...`, its output appended to `log`; `crash_at` sets
  // GODWIT_CRASH_AT.
  GodwitRun(const std::vector<std::string>& args, const std::string& crash_at, const std::string& log)
      : log_(log), offset_(LogSize(log)), child_(Spawn(args, crash_at, log)) {}
  ~GodwitRun() {
    if (!child_.Exited()) {
      child_.Signal(SIGKILL);
      Wait(60s);
    }
  }
  GodwitRun(const GodwitRun&) = delete;
  GodwitRun& operator=(const GodwitRun&) = delete;

  // This run's output so far.
  std::string Output() const {
    std::ifstream in(log_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string all = ss.str();
    return all.size() > offset_ ? all.substr(offset_) : "";
  }

  // Whether the process has ended (then exit_code() is set).
  bool Exited() { return child_.Exited(); }

  // Waits up to `timeout` for the process to end; false if it is still running.
  bool Wait(std::chrono::seconds timeout) {
    return PollUntil(timeout, 20ms, [&] { return Exited(); });
  }

  // Exit code, or 128 + signal.
  int exit_code() const { return child_.exit_code(); }
  void Signal(int sig) { child_.Signal(sig); }

 private:
  // Where this run's output starts in the log, which earlier runs may have
  // written to.
  static size_t LogSize(const std::string& log) {
    std::ifstream in(log, std::ios::binary | std::ios::ate);
    return in ? static_cast<size_t>(in.tellg()) : 0;
  }

  static pid_t Spawn(const std::vector<std::string>& args, const std::string& crash_at, const std::string& log) {
    std::vector<std::string> argv{GodwitBinary()};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<std::string> set;
    if (!crash_at.empty()) set.push_back("GODWIT_CRASH_AT=" + crash_at);
    return SpawnLogged(argv, EnvironWith(set, {"GODWIT_CRASH_AT"}), log);
  }

  std::string log_;
  size_t offset_;
  Child child_;
};

// ---------------------------------------------------------------------------
// SQL literals written by hand (not with Godwit's dialects, whose output
// would then be on both sides of the comparison).

struct Sql {
  Engine engine;

  std::string Str(const std::string& s) const {
    std::string out = "'";
    for (char c : s) {
      if (c == '\'')
        out += "''";
      else if (c == '\\' && engine == Engine::kMysql)
        out += "\\\\";
      else
        out.push_back(c);
    }
    return out + "'";
  }
  std::string Bytes(const std::string& b) const {
    std::string hex;
    for (unsigned char c : b) hex += fmt::format("{:02x}", c);
    return engine == Engine::kMysql ? "x'" + hex + "'" : "'\\x" + hex + "'::bytea";
  }
  std::string Bits(const std::string& bits) const { return (engine == Engine::kMysql ? "b'" : "B'") + bits + "'"; }
  std::string Bool(bool b) const { return engine == Engine::kMysql ? (b ? "1" : "0") : (b ? "true" : "false"); }
  std::string Ident(const std::string& name) const {
    return engine == Engine::kMysql ? "`" + name + "`" : "\"" + name + "\"";
  }
};

using Rng = std::mt19937_64;

int64_t Uniform(Rng& rng, int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }
bool Chance(Rng& rng, double p) { return std::uniform_real_distribution<double>(0, 1)(rng) < p; }

std::string Letters(Rng& rng, int max_len) {
  std::string s;
  int n = static_cast<int>(Uniform(rng, 0, max_len));
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('a' + Uniform(rng, 0, 25)));
  return s;
}

// Text with multi-byte characters, quotes, backslashes and control characters.
std::string Unicode(Rng& rng, int max_chars) {
  static const char* kPieces[] = {"ünïcödé",   "😀",     "日本語", "a'b", "back\\slash", "tab\t",
                                  "new\nline", "Ωμέγα", "x",      "42",  " ",           "\"q\""};
  std::string s;
  int chars = 0;
  while (chars < max_chars - 10 && Chance(rng, 0.8)) {
    const char* p = kPieces[Uniform(rng, 0, std::size(kPieces) - 1)];
    s += p;
    chars += 10;
  }
  return s;
}

// Incompressible text: on PostgreSQL it is stored out of line (TOAST), so
// updates that leave it alone send it as "unchanged".
std::string LargeText(Rng& rng) {
  static const char kAlnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
  std::string s;
  int n = static_cast<int>(Uniform(rng, 4000, 7000));
  for (int i = 0; i < n; ++i) s.push_back(kAlnum[Uniform(rng, 0, 61)]);
  return s;
}

std::string RandomBytes(Rng& rng, int max_len) {
  std::string s;
  int n = static_cast<int>(Uniform(rng, 0, max_len));
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>(Uniform(rng, 0, 255)));
  return s;
}

std::string Date(Rng& rng, int y0, int y1) {
  return fmt::format("{:04}-{:02}-{:02}", Uniform(rng, y0, y1), Uniform(rng, 1, 12), Uniform(rng, 1, 28));
}
std::string TimeOfDay(Rng& rng) {
  return fmt::format("{:02}:{:02}:{:02}.{:06}", Uniform(rng, 0, 23), Uniform(rng, 0, 59), Uniform(rng, 0, 59),
                     Uniform(rng, 0, 999999));
}
std::string DecimalText(Rng& rng, int int_digits, int frac_digits) {
  std::string s = Chance(rng, 0.3) ? "-" : "";
  int64_t max_int = 1;
  for (int i = 0; i < int_digits && i < 17; ++i) max_int *= 10;
  s += std::to_string(Uniform(rng, 0, max_int - 1));
  int64_t max_frac = 1;
  for (int i = 0; i < frac_digits; ++i) max_frac *= 10;
  if (frac_digits > 0) s += "." + fmt::format("{:0{}}", Uniform(rng, 0, max_frac - 1), frac_digits);
  return s;
}
std::string JsonText(Rng& rng) {
  auto q = [](const std::string& s) {
    std::string out = "\"";
    for (char c : s) {
      if (c == '"' || c == '\\') out.push_back('\\');
      if (c == '\n') {
        out += "\\n";
        continue;
      }
      if (c == '\t') {
        out += "\\t";
        continue;
      }
      out.push_back(c);
    }
    return out + "\"";
  };
  switch (Uniform(rng, 0, 3)) {
    case 0: return "[]";
    case 1: return fmt::format("[{}, {}, null, true]", Uniform(rng, -1000, 1000), Uniform(rng, 0, 99) / 4.0);
    case 2:
      return fmt::format(R"({{"n": {}, "s": {}, "a": [1, 2.5, {{"b": null}}]}})", Uniform(rng, -1e9, 1e9),
                         q(Unicode(rng, 30)));
    default:
      return fmt::format(R"({{"k": {}, "nested": {{"u": "😀", "x": {}}}}})", q(Letters(rng, 8)), Uniform(rng, 0, 5));
  }
}
std::string Uuid(Rng& rng) {
  std::string h;
  for (int i = 0; i < 32; ++i) h.push_back("0123456789abcdef"[Uniform(rng, 0, 15)]);
  // Version 4, RFC variant: MariaDB 10.11's UUID type refuses some values
  // PostgreSQL's uuid takes (version e with variant 0, for one).
  h[12] = '4';
  h[16] = "89ab"[Uniform(rng, 0, 3)];
  return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" + h.substr(16, 4) + "-" + h.substr(20);
}
std::string BitText(Rng& rng) {
  std::string b;
  for (int i = 0; i < 10; ++i) b.push_back(Chance(rng, 0.5) ? '1' : '0');
  return b;
}

// A column of the wide table and how to make a random value of it.
struct WideColumn {
  std::string name;
  std::function<std::string(Rng&, const Sql&)> value;  // a SQL literal
};

// `out_of_line`: now and then a text value PostgreSQL stores out of line.
std::vector<WideColumn> WideColumns(Engine engine, bool out_of_line) {
  auto nullable = [](std::function<std::string(Rng&, const Sql&)> f) {
    return [f](Rng& rng, const Sql& sql) { return Chance(rng, 0.05) ? std::string("NULL") : f(rng, sql); };
  };
  auto num = [](int64_t lo, int64_t hi) {
    return [lo, hi](Rng& rng, const Sql&) { return std::to_string(Uniform(rng, lo, hi)); };
  };
  auto text = nullable([out_of_line](Rng& rng, const Sql& sql) {
    if (out_of_line && Chance(rng, 0.05)) return sql.Str(LargeText(rng));
    return sql.Str(Unicode(rng, 200));
  });
  auto json = nullable([](Rng& rng, const Sql& sql) { return sql.Str(JsonText(rng)); });
  auto uuid = nullable([](Rng& rng, const Sql& sql) { return sql.Str(Uuid(rng)); });
  auto bits = nullable([](Rng& rng, const Sql& sql) { return sql.Bits(BitText(rng)); });
  auto date = nullable([](Rng& rng, const Sql& sql) { return sql.Str(Date(rng, 1000, 9999)); });
  auto time = nullable([](Rng& rng, const Sql& sql) { return sql.Str(TimeOfDay(rng)); });
  auto datetime =
      nullable([](Rng& rng, const Sql& sql) { return sql.Str(Date(rng, 1000, 9999) + " " + TimeOfDay(rng)); });
  // Within MySQL TIMESTAMP's range, which a PostgreSQL timestamptz may land in.
  auto timestamp =
      nullable([](Rng& rng, const Sql& sql) { return sql.Str(Date(rng, 1971, 2037) + " " + TimeOfDay(rng)); });
  auto decimal = nullable([](Rng& rng, const Sql&) { return DecimalText(rng, 14, 6); });
  auto real = nullable([](Rng& rng, const Sql&) {
    return fmt::format("{:.9g}", std::uniform_real_distribution<double>(-1e6, 1e6)(rng));
  });
  auto dbl = nullable([](Rng& rng, const Sql&) {
    return fmt::format("{:.17g}", std::uniform_real_distribution<double>(-1e12, 1e12)(rng));
  });
  if (engine == Engine::kMysql) {
    return {
        {"c_tinyint", nullable(num(-128, 127))},
        {"c_smallint_u", nullable(num(0, 65535))},
        {"c_int", nullable(num(-2147483648LL, 2147483647LL))},
        {"c_int_u", nullable(num(0, 4294967295LL))},
        {"c_bigint", nullable(num(INT64_MIN, INT64_MAX))},
        {"c_bigint_u",
         nullable([](Rng& rng, const Sql&) { return std::to_string(std::uniform_int_distribution<uint64_t>()(rng)); })},
        {"c_decimal", decimal},
        {"c_float", real},
        {"c_double", dbl},
        {"c_char", nullable([](Rng& rng, const Sql& sql) { return sql.Str(Letters(rng, 10)); })},
        {"c_varchar", nullable([](Rng& rng, const Sql& sql) { return sql.Str(Unicode(rng, 90)); })},
        {"c_text", text},
        {"c_blob", nullable([](Rng& rng, const Sql& sql) { return sql.Bytes(RandomBytes(rng, 64)); })},
        {"c_varbinary", nullable([](Rng& rng, const Sql& sql) { return sql.Bytes(RandomBytes(rng, 16)); })},
        {"c_date", date},
        {"c_time", time},
        {"c_datetime", datetime},
        {"c_timestamp", timestamp},
        {"c_year", nullable(num(1901, 2155))},
        {"c_json", json},
        {"c_enum", nullable([](Rng& rng, const Sql& sql) {
           return sql.Str(std::vector<std::string>{"small", "medium", "large"}[Uniform(rng, 0, 2)]);
         })},
        {"c_set", nullable([](Rng& rng, const Sql& sql) {
           return sql.Str(std::vector<std::string>{"", "a", "b,c", "a,b,c", "c"}[Uniform(rng, 0, 4)]);
         })},
        {"c_bit", bits},
        {"c_bool", nullable([](Rng& rng, const Sql& sql) { return sql.Bool(Chance(rng, 0.5)); })},
        {"c_uuid", uuid},
    };
  }
  return {
      {"c_bool", nullable([](Rng& rng, const Sql& sql) { return sql.Bool(Chance(rng, 0.5)); })},
      {"c_smallint", nullable(num(-32768, 32767))},
      {"c_int", nullable(num(-2147483648LL, 2147483647LL))},
      {"c_bigint", nullable(num(INT64_MIN, INT64_MAX))},
      {"c_numeric", decimal},
      {"c_real", real},
      {"c_double", dbl},
      {"c_char", nullable([](Rng& rng, const Sql& sql) { return sql.Str(Letters(rng, 5)); })},
      {"c_varchar", nullable([](Rng& rng, const Sql& sql) { return sql.Str(Unicode(rng, 90)); })},
      {"c_text", text},
      {"c_bytea", nullable([](Rng& rng, const Sql& sql) { return sql.Bytes(RandomBytes(rng, 64)); })},
      {"c_date", date},
      {"c_time", time},
      {"c_timestamp", datetime},
      {"c_timestamptz", nullable([](Rng& rng, const Sql& sql) {
         return sql.Str(Date(rng, 1971, 2037) + " " + TimeOfDay(rng) + "+00");
       })},
      {"c_json", json},
      {"c_jsonb", json},
      {"c_uuid", uuid},
      {"c_bit", bits},
      {"c_enum", nullable([](Rng& rng, const Sql& sql) {
         return sql.Str(std::vector<std::string>{"sad", "ok", "happy"}[Uniform(rng, 0, 2)]);
       })},
  };
}

// The source: both tables, seeded with deterministic values by the server;
// one row in 20 with a text PostgreSQL stores out of line when `out_of_line`.
constexpr const char* kMysqlSource = R"sql(
SET time_zone = '+00:00';
CREATE TABLE items (id INT NOT NULL PRIMARY KEY,
  c_tinyint TINYINT, c_smallint_u SMALLINT UNSIGNED, c_int INT, c_int_u INT UNSIGNED, c_bigint BIGINT,
  c_bigint_u BIGINT UNSIGNED, c_decimal DECIMAL(20,6), c_float FLOAT, c_double DOUBLE,
  c_char CHAR(10), c_varchar VARCHAR(100), c_text TEXT, c_blob BLOB, c_varbinary VARBINARY(16),
  c_date DATE, c_time TIME(6), c_datetime DATETIME(6), c_timestamp TIMESTAMP(6) NULL DEFAULT NULL,
  c_year YEAR, c_json JSON, c_enum ENUM('small','medium','large'), c_set SET('a','b','c'), c_bit BIT(10),
  c_bool BOOL, c_uuid UUID, KEY k_int (c_int)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO items SELECT seq, seq % 256 - 128, seq % 65536, IF(seq % 13 = 0, NULL, seq * 7919 % 1000000 - 500000),
  seq * 104729, seq * 1000000007 - 9000000000000000, 18446744073709551615 - seq, seq / 7, seq / 4, seq * 0.1,
  LEFT(MD5(seq), 10), CONCAT('ünï-', seq, ' 😀'), IF(seq % {big_every} = 0, REPEAT(MD5(seq), 150), CONCAT('t', seq)),
  UNHEX(MD5(seq)), UNHEX(LEFT(MD5(-seq), 16)), '2000-01-01' + INTERVAL seq % 10000 DAY,
  SEC_TO_TIME(seq % 86400) + INTERVAL seq % 1000000 MICROSECOND,
  TIMESTAMPADD(MICROSECOND, seq * 1234567, '2020-01-01 00:00:00'),
  TIMESTAMPADD(MICROSECOND, seq * 7654321, '2001-01-01 00:00:00'), 1901 + seq % 255,
  JSON_OBJECT('n', seq, 's', CONCAT('ü', seq), 'a', JSON_ARRAY(seq, seq / 2)),
  ELT(1 + seq % 3, 'small', 'medium', 'large'), ELT(1 + seq % 4, '', 'a', 'b,c', 'a,b,c'), seq % 1024, seq % 2,
  CONCAT_WS('-', SUBSTR(MD5(seq), 1, 8), SUBSTR(MD5(seq), 9, 4), CONCAT('4', SUBSTR(MD5(seq), 14, 3)),
    CONCAT(ELT(1 + seq % 4, '8', '9', 'a', 'b'), SUBSTR(MD5(seq), 18, 3)), SUBSTR(MD5(seq), 21, 12))
  FROM (SELECT CAST(seq AS SIGNED) AS seq FROM seq_1_to_{items}) s;
CREATE TABLE accounts (code VARCHAR(40) NOT NULL, region VARCHAR(8) NOT NULL, balance DECIMAL(18,4), note TEXT,
  opened DATETIME(3), PRIMARY KEY (code, region)) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;
INSERT INTO accounts SELECT CONCAT('acct-', seq), ELT(1 + seq % 3, 'eu', 'us', 'apac'), seq / 3,
  CONCAT('note ', seq, ' ü'), TIMESTAMPADD(SECOND, seq * 37, '2019-05-01 00:00:00.123') FROM seq_1_to_{accounts};
)sql";

constexpr const char* kPgSource = R"sql(
CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TABLE items (id integer PRIMARY KEY, c_bool boolean, c_smallint smallint, c_int integer, c_bigint bigint,
  c_numeric numeric(20,6), c_real real, c_double double precision, c_char char(5), c_varchar varchar(100),
  c_text text, c_bytea bytea, c_date date, c_time time(6), c_timestamp timestamp(6), c_timestamptz timestamptz(6),
  c_json json, c_jsonb jsonb, c_uuid uuid, c_bit bit(10), c_enum mood);
CREATE INDEX k_int ON items (c_int);
INSERT INTO items SELECT g, g % 2 = 0, g % 65536 - 32768,
  CASE WHEN g % 13 = 0 THEN NULL ELSE g * 7919 % 1000000 - 500000 END, g::bigint * 1000000007 - 9000000000000000,
  g / 7.0, g / 4.0, g * 0.1, left(md5(g::text), 5), 'ünï-' || g || ' 😀',
  CASE WHEN g % {big_every} = 0
    THEN (SELECT string_agg(md5((g * 1000 + i)::text), '') FROM generate_series(1, 150) i) ELSE 't' || g END,
  decode(md5(g::text), 'hex'), date '2000-01-01' + g % 10000,
  time '00:00:00' + (g % 86400) * interval '1 second' + (g % 1000000) * interval '1 microsecond',
  timestamp '2020-01-01' + g * interval '1.234567 second',
  timestamptz '2001-01-01 00:00:00+00' + g * interval '7.654321 second',
  json_build_object('n', g, 's', 'ü' || g, 'a', json_build_array(g, g / 2.0)),
  jsonb_build_object('n', g, 'k', 'v' || g),
  (substr(md5(g::text), 1, 12) || '4' || substr(md5(g::text), 14, 3) || (ARRAY['8', '9', 'a', 'b'])[1 + g % 4] ||
    substr(md5(g::text), 18))::uuid,
  (g % 1024)::bit(10), (ARRAY['sad', 'ok', 'happy'])[1 + g % 3]::mood
  FROM generate_series(1, {items}) g;
CREATE TABLE accounts (code varchar(40) NOT NULL, region varchar(8) NOT NULL, balance numeric(18,4), note text,
  opened timestamp(3), PRIMARY KEY (code, region));
INSERT INTO accounts SELECT 'acct-' || g, (ARRAY['eu', 'us', 'apac'])[1 + g % 3], g / 3.0, 'note ' || g || ' ü',
  timestamp '2019-05-01 00:00:00.123' + g * interval '37 second' FROM generate_series(1, {accounts}) g;
ANALYZE;
)sql";

void CreateSource(Engine engine, const std::string& db, bool out_of_line) {
  const std::string sql =
      fmt::format(fmt::runtime(engine == Engine::kMysql ? kMysqlSource : kPgSource), fmt::arg("items", kItems),
                  fmt::arg("accounts", kAccounts), fmt::arg("big_every", out_of_line ? 20 : 1000000000));
  if (engine == Engine::kMysql) {
    RecreateMysqlDatabase(db);
    MysqlAdmin(sql, db);
    return;
  }
  const int port = Servers().pg_source_port;
  // A slot a previous run of this test left on the database would keep it
  // from being dropped.
  PgAdmin(port, "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = '" + db + "';");
  RecreatePgDatabase(port, db);
  PgAdmin(port, sql, db);
}

// ---------------------------------------------------------------------------
// The concurrent writer.

// Keys with O(1) random pick and removal.
template <typename K>
class KeySet {
 public:
  void Add(const K& k) {
    if (index_.count(k)) return;
    index_[k] = keys_.size();
    keys_.push_back(k);
  }
  void Remove(const K& k) {
    auto it = index_.find(k);
    if (it == index_.end()) return;
    size_t i = it->second;
    index_.erase(it);
    if (i + 1 != keys_.size()) {
      keys_[i] = keys_.back();
      index_[keys_[i]] = i;
    }
    keys_.pop_back();
  }
  bool Has(const K& k) const { return index_.count(k) > 0; }
  const K& Pick(Rng& rng) const { return keys_[Uniform(rng, 0, keys_.size() - 1)]; }
  size_t size() const { return keys_.size(); }
  void Clear() {
    keys_.clear();
    index_.clear();
  }

 private:
  std::vector<K> keys_;
  std::map<K, size_t> index_;
};

// An account's key: code "acct-N" or "ACCT-N" (a primary-key update may
// change only its case, which MySQL's collation calls equal), and region.
// No two live accounts differ only in case, so the MySQL destinations can
// hold what a PostgreSQL source holds.
struct AccountKey {
  int64_t n = 0;
  std::string region;
  bool operator<(const AccountKey& o) const { return std::tie(n, region) < std::tie(o.n, o.region); }
};

// Runs random transactions on the source, on a connection of its own,
// with a fixed seed; tracks which keys exist so every statement touches
// a real row.
class SourceWriter {
 public:
  SourceWriter(Engine engine, const std::string& uri, uint64_t seed, bool out_of_line)
      : engine_(engine),
        sql_{engine},
        session_(OpenSession(uri)),
        rng_(seed),
        columns_(WideColumns(engine, out_of_line)) {
    Reload();
  }
  ~SourceWriter() { Stop(); }

  void Start() {
    stop_ = false;
    thread_ = std::thread([this] { Loop(); });
  }
  // Stops after the transaction in progress.
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  uint64_t transactions() const { return transactions_; }
  std::string error() const {
    std::lock_guard lock(mu_);
    return error_;
  }

  // Runs `n` transactions on the calling thread (the writer thread stopped).
  void RunSome(int n) {
    for (int i = 0; i < n; ++i) OneTransaction();
  }

  // The large transaction: inserts, updates every row of both tables but
  // `last`, deletes, moves keys, and changes row `last` at its very end.
  void LargeTransaction(int64_t last) {
    const bool my = engine_ == Engine::kMysql;
    const auto args = fmt::make_format_args(next_item_, kBulkInsert, last, kMovedBase);
    for (const char* sql :
         {"BEGIN",
          my ? "INSERT INTO items (id, c_int, c_varchar, c_text, c_json, c_date) SELECT {0} + seq, seq, "
               "CONCAT('bulk ü ', seq), REPEAT('x', seq % 50), JSON_OBJECT('bulk', seq), "
               "'2024-01-01' + INTERVAL seq % 300 DAY FROM seq_1_to_{1}"
             : "INSERT INTO items (id, c_int, c_varchar, c_text, c_jsonb, c_date) SELECT {0} + g, g, 'bulk ü ' || g, "
               "repeat('x', g % 50), jsonb_build_object('bulk', g), date '2024-01-01' + g % 300 "
               "FROM generate_series(1, {1}) g",
          my ? "UPDATE items SET c_int = IFNULL(c_int, 0) % 1000 + 1, c_varchar = CONCAT('big ', id) WHERE id > {2}"
             : "UPDATE items SET c_int = coalesce(c_int, 0) % 1000 + 1, c_varchar = 'big ' || id WHERE id > {2}",
          my ? "UPDATE accounts SET balance = IFNULL(balance, 0) + 1"
             : "UPDATE accounts SET balance = coalesce(balance, 0) + 1",
          "DELETE FROM items WHERE id > {2} AND id % 10 = 3",
          "UPDATE items SET id = id + {3} WHERE id > {2} AND id < {3} AND id % 50 = 7",
          "UPDATE items SET c_text = 'the large transaction ends here' WHERE id = {2}", "COMMIT"}) {
      Exec(*session_, fmt::vformat(sql, args));
    }
    Reload();
  }

  int64_t SmallestItem() const {
    auto v = Column0(*session_, "SELECT min(id) FROM items");
    return std::stoll(v->at(0));
  }

 private:
  // Reads the live keys back from the source.
  void Reload() {
    items_.Clear();
    auto ids = Column0(*session_, "SELECT id FROM items");
    if (!ids) throw std::runtime_error("cannot read item ids");
    int64_t max_id = 0;
    for (auto& id : *ids) {
      items_.Add(std::stoll(id));
      max_id = std::max<int64_t>(max_id, std::stoll(id));
    }
    next_item_ = max_id + 1;
    deleted_items_.clear();
    accounts_.Clear();
    case_.clear();
    ColumnType text;
    text.kind = TypeKind::kText;
    const ColumnType types[] = {text, text};
    RowCollector rows;
    Status st = session_->Query("SELECT code, region FROM accounts", types, rows, BatchLimits{});
    if (!st.ok()) throw std::runtime_error(st.ToString());
    for (auto& r : rows.rows) {
      AccountKey k{std::stoll(r[0]->substr(5)), *r[1]};
      accounts_.Add(k);
      case_[k] = (*r[0])[0] == 'A';
      next_account_ = std::max(next_account_, k.n + 1);
    }
  }

  void Loop() {
    while (!stop_) {
      try {
        OneTransaction();
      } catch (const std::exception& e) {
        std::lock_guard lock(mu_);
        error_ = e.what();
        return;
      }
      // Pacing, so that the writer leaves the two cores to the servers and godwit.
      std::this_thread::sleep_for(std::chrono::milliseconds(Uniform(rng_, 2, 8)));
    }
  }

  std::string Code(const AccountKey& k) const {
    auto it = case_.find(k);
    return ((it != case_.end() && it->second) ? "ACCT-" : "acct-") + std::to_string(k.n);
  }
  std::string AccountWhere(const AccountKey& k) const {
    return "code = " + sql_.Str(Code(k)) + " AND region = " + sql_.Str(k.region);
  }

  std::string ItemInsert(int64_t id) {
    std::string cols = "id", vals = std::to_string(id);
    for (auto& c : columns_) {
      cols += ", " + c.name;
      vals += ", " + c.value(rng_, sql_);
    }
    return "INSERT INTO items (" + cols + ") VALUES (" + vals + ")";
  }
  std::string ItemSet(int max_columns) {
    std::set<size_t> chosen;
    int n = static_cast<int>(Uniform(rng_, 1, max_columns));
    while (static_cast<int>(chosen.size()) < n) chosen.insert(Uniform(rng_, 0, columns_.size() - 1));
    std::string set;
    for (size_t i : chosen) set += (set.empty() ? "" : ", ") + columns_[i].name + " = " + columns_[i].value(rng_, sql_);
    return set;
  }
  // A key for a new or moved item: now and then one deleted earlier.
  int64_t FreeItemId() {
    if (!deleted_items_.empty() && Chance(rng_, 0.3)) {
      size_t i = Uniform(rng_, 0, deleted_items_.size() - 1);
      int64_t id = deleted_items_[i];
      deleted_items_.erase(deleted_items_.begin() + i);
      if (!items_.Has(id)) return id;
    }
    return next_item_++;
  }

  void InsertItem() {
    int64_t id = FreeItemId();
    Exec(*session_, ItemInsert(id));
    items_.Add(id);
  }
  void UpdateItem(int64_t id) {
    Exec(*session_, "UPDATE items SET " + ItemSet(5) + " WHERE id = " + std::to_string(id));
  }
  void MoveItem(int64_t from, int64_t to, bool with_columns) {
    Exec(*session_, "UPDATE items SET id = " + std::to_string(to) + (with_columns ? ", " + ItemSet(3) : "") +
                        " WHERE id = " + std::to_string(from));
    items_.Remove(from);
    items_.Add(to);
  }
  void DeleteItem(int64_t id) {
    Exec(*session_, "DELETE FROM items WHERE id = " + std::to_string(id));
    items_.Remove(id);
    deleted_items_.push_back(id);
    if (deleted_items_.size() > 200) deleted_items_.erase(deleted_items_.begin());
  }

  std::string AccountValues() {
    return (Chance(rng_, 0.1) ? std::string("NULL") : DecimalText(rng_, 13, 4)) + ", " +
           (Chance(rng_, 0.1) ? std::string("NULL") : sql_.Str(Unicode(rng_, 150))) + ", " +
           sql_.Str(Date(rng_, 1990, 2030) + " " + TimeOfDay(rng_).substr(0, 12));
  }
  std::string FreeRegion(int64_t n) {
    for (const char* r : {"eu", "us", "apac", "latam", "mena"}) {
      if (!accounts_.Has({n, r}) && Chance(rng_, 0.5)) return r;
    }
    for (const char* r : {"eu", "us", "apac", "latam", "mena"}) {
      if (!accounts_.Has({n, r})) return r;
    }
    return "";
  }
  void InsertAccount() {
    AccountKey k{Chance(rng_, 0.3) && accounts_.size() > 0 ? accounts_.Pick(rng_).n : next_account_++, ""};
    k.region = FreeRegion(k.n);
    if (k.region.empty()) {
      k.n = next_account_++;
      k.region = "eu";
    }
    case_[k] = Chance(rng_, 0.2);
    Exec(*session_, "INSERT INTO accounts (code, region, balance, note, opened) VALUES (" + sql_.Str(Code(k)) + ", " +
                        sql_.Str(k.region) + ", " + AccountValues() + ")");
    accounts_.Add(k);
  }
  void UpdateAccount() {
    AccountKey k = accounts_.Pick(rng_);
    std::string set =
        Chance(rng_, 0.5) ? "balance = " + DecimalText(rng_, 13, 4) : "note = " + sql_.Str(Unicode(rng_, 150));
    Exec(*session_, "UPDATE accounts SET " + set + " WHERE " + AccountWhere(k));
  }
  void MoveAccount() {
    AccountKey k = accounts_.Pick(rng_);
    AccountKey to = k;
    int how = static_cast<int>(Uniform(rng_, 0, 2));
    bool upper = case_[k];
    if (how == 0) {
      to.region = FreeRegion(k.n);
      if (to.region.empty()) how = 1;
    }
    if (how == 1) upper = !upper;  // only the case of the code changes
    if (how == 2) {
      to.n = next_account_++;
      upper = false;
    }
    const std::string old_where = AccountWhere(k);
    accounts_.Remove(k);
    case_.erase(k);
    case_[to] = upper;
    accounts_.Add(to);
    Exec(*session_, "UPDATE accounts SET code = " + sql_.Str(Code(to)) + ", region = " + sql_.Str(to.region) +
                        (Chance(rng_, 0.5) ? ", balance = " + DecimalText(rng_, 13, 4) : std::string()) + " WHERE " +
                        old_where);
  }
  void DeleteAccount() {
    AccountKey k = accounts_.Pick(rng_);
    Exec(*session_, "DELETE FROM accounts WHERE " + AccountWhere(k));
    accounts_.Remove(k);
    case_.erase(k);
  }

  void OneTransaction() {
    Exec(*session_, "BEGIN");
    const double shape = std::uniform_real_distribution<double>(0, 1)(rng_);
    if (shape < 0.05) {
      // One row's whole life inside a transaction: born, changed, moved, maybe gone.
      int64_t a = next_item_++;
      Exec(*session_, ItemInsert(a));
      items_.Add(a);
      UpdateItem(a);
      int64_t b = FreeItemId();
      MoveItem(a, b, true);
      UpdateItem(b);
      if (Chance(rng_, 0.5)) DeleteItem(b);
    } else if (shape < 0.08 && items_.size() > 2) {
      // Two rows swap keys through a third.
      int64_t a = items_.Pick(rng_), b = items_.Pick(rng_);
      if (a != b) {
        int64_t tmp = next_item_++;
        MoveItem(a, tmp, false);
        MoveItem(b, a, true);
        MoveItem(tmp, b, false);
      }
    } else if (shape < 0.10 && items_.size() > 1) {
      // A key deleted and inserted again in the same transaction.
      int64_t a = items_.Pick(rng_);
      DeleteItem(a);
      deleted_items_.pop_back();
      Exec(*session_, ItemInsert(a));
      items_.Add(a);
    } else {
      int ops = static_cast<int>(Uniform(rng_, 1, 8));
      for (int i = 0; i < ops; ++i) {
        const double op = std::uniform_real_distribution<double>(0, 1)(rng_);
        if (Chance(rng_, 0.75)) {
          if (op < 0.30 || items_.size() < 100)
            InsertItem();
          else if (op < 0.65)
            UpdateItem(items_.Pick(rng_));
          else if (op < 0.80)
            MoveItem(items_.Pick(rng_), FreeItemId(), Chance(rng_, 0.5));
          else
            DeleteItem(items_.Pick(rng_));
        } else {
          if (op < 0.30 || accounts_.size() < 100)
            InsertAccount();
          else if (op < 0.65)
            UpdateAccount();
          else if (op < 0.80)
            MoveAccount();
          else
            DeleteAccount();
        }
      }
    }
    Exec(*session_, "COMMIT");
    ++transactions_;
  }

  Engine engine_;
  Sql sql_;
  std::unique_ptr<Session> session_;
  Rng rng_;
  std::vector<WideColumn> columns_;
  KeySet<int64_t> items_;
  std::vector<int64_t> deleted_items_;
  int64_t next_item_ = 1;
  KeySet<AccountKey> accounts_;
  std::map<AccountKey, bool> case_;  // whether the code is upper case
  int64_t next_account_ = 1;
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<uint64_t> transactions_{0};
  mutable std::mutex mu_;
  std::string error_;
};

// ---------------------------------------------------------------------------
// Comparison.

// Every row of the source table must be on the destination with equal
// values (as far as the column's kind allows between engines), and no
// other row. Rows are matched by key, not by position: the engines order
// text keys differently.
void ExpectTableEqual(const std::string& src_uri, const TableRef& src, const std::string& dst_uri, const TableRef& dst,
                      const std::vector<std::string>& key, const std::string& when) {
  TableContents a = ReadTable(src_uri, src);
  TableContents b = ReadTable(dst_uri, dst);
  auto index_of = [](const TableContents& t, const std::string& name) {
    for (size_t i = 0; i < t.columns.size(); ++i) {
      if (t.columns[i].name == name) return static_cast<int>(i);
    }
    return -1;
  };
  ASSERT_EQ(a.columns.size(), b.columns.size()) << src.ToString() << " " << when;
  std::vector<int> to_b;
  for (const auto& c : a.columns) {
    int i = index_of(b, c.name);
    ASSERT_GE(i, 0) << "column " << c.name << " missing from the destination " << when;
    to_b.push_back(i);
  }
  auto key_of = [&](const TableContents& t, const std::vector<std::optional<std::string>>& row) {
    std::string k;
    for (const auto& name : key) k += row[index_of(t, name)].value_or("<null>") + '\x1f';
    return k;
  };
  std::map<std::string, const std::vector<std::optional<std::string>>*> dst_rows;
  for (const auto& row : b.rows) dst_rows[key_of(b, row)] = &row;
  EXPECT_EQ(dst_rows.size(), b.rows.size()) << "duplicate keys on the destination " << when;
  int problems = 0;
  std::set<std::string> seen;
  for (const auto& row : a.rows) {
    const std::string k = key_of(a, row);
    seen.insert(k);
    auto it = dst_rows.find(k);
    if (it == dst_rows.end()) {
      if (++problems <= 10)
        ADD_FAILURE() << src.ToString() << " " << when << ": row " << k << " missing on the destination";
      continue;
    }
    for (size_t c = 0; c < a.columns.size(); ++c) {
      const auto& want = row[c];
      const auto& have = (*it->second)[to_b[c]];
      bool same =
          want.has_value() == have.has_value() && (!want || CanonicalEqual(b.columns[to_b[c]].type.kind, *want, *have));
      if (!same && ++problems <= 10) {
        ADD_FAILURE() << src.ToString() << " " << when << ": row " << k << " column " << a.columns[c].name << " ("
                      << TypeKindName(b.columns[to_b[c]].type.kind) << "): source "
                      << (want ? "'" + want->substr(0, 120) + "'" : "NULL") << ", destination "
                      << (have ? "'" + have->substr(0, 120) + "'" : "NULL");
      }
    }
  }
  for (const auto& [k, row] : dst_rows) {
    if (!seen.count(k) && ++problems <= 10) {
      ADD_FAILURE() << src.ToString() << " " << when << ": row " << k << " is on the destination only";
    }
  }
  EXPECT_EQ(problems, 0) << src.ToString() << " " << when << ": " << a.rows.size() << " source rows, " << b.rows.size()
                         << " destination rows";
}

// ---------------------------------------------------------------------------
// The test.

struct Pair {
  Engine src, dst;
};

class IncrementalTest : public ::testing::TestWithParam<Pair> {
 protected:
  // A fresh source and destination; `out_of_line` as for CreateSource.
  void Prepare(bool out_of_line) {
    const Pair p = GetParam();
    tag_ = Name(p.src) + "_" + Name(p.dst);
    const std::string src_db = "inc_src_" + tag_;
    CreateSource(p.src, src_db, out_of_line);
    src_uri_ = p.src == Engine::kMysql ? MysqlUri(src_db) : PgSourceUri(src_db);
    src_schema_ = p.src == Engine::kMysql ? src_db : "public";
    Destination d = FreshDestination(p.dst, "inc_dst_" + tag_);
    dst_uri_ = d.uri;
    dst_schema_ = d.schema;
    dst_db_ = "inc_dst_" + tag_;
    state_ = FreshTempDir("inc-state-" + tag_);
    log_ = state_ + "/godwit.log";
    args_ = {"migrate",       "-q",
             "--state-dir",   state_,
             "--chunk-rows",  std::to_string(kChunkRows),
             "--concurrency", "2",
             "--incremental", "--until-caught-up",
             src_uri_,        dst_uri_};
  }

  std::string LogTail() const {
    std::ifstream in(log_, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    std::string all = ss.str();
    return all.size() > 6000 ? all.substr(all.size() - 6000) : all;
  }

  // The destination's applied change-log sequence; -1 before the first commit.
  int64_t AppliedSequence(Session& dst) {
    auto v = Column0(dst, "SELECT applied_sequence FROM godwit_checkpoint");
    if (!v || v->empty()) return -1;
    return std::stoll(v->at(0));
  }

  // Runs with `crash_at` and expects the failpoint's SIGKILL.
  void RunUntilCrash(const std::string& crash_at) {
    GodwitRun run(args_, crash_at, log_);
    ASSERT_TRUE(run.Wait(120s)) << "no crash at " << crash_at << " within 2 minutes:\n" << LogTail();
    ASSERT_EQ(run.exit_code(), 128 + SIGKILL) << "the run with " << crash_at << " ended otherwise:\n" << run.Output();
  }

  // Runs without failpoints while the writer keeps writing, until the
  // destination has committed a few more replay batches, then stops with
  // SIGTERM (--until-caught-up) and expects exit 0.
  void RunAndStopCaughtUp(SourceWriter& writer, Session& dst) {
    GodwitRun run(args_, "", log_);
    ASSERT_NO_FATAL_FAILURE(WaitUntilReplaying(run, dst));
    // Then some more transactions go through while it runs.
    const uint64_t written = writer.transactions();
    ASSERT_TRUE(PollUntil(60s, 20ms, [&] { return run.Exited() || writer.transactions() >= written + 100; }));
    int64_t later = AppliedSequence(dst);
    ASSERT_TRUE(PollUntil(60s, 20ms, [&] { return run.Exited() || AppliedSequence(dst) > later; })) << LogTail();
    ASSERT_NO_FATAL_FAILURE(StopCaughtUp(run, writer));
  }

  // Waits until `run` has finished its copy and the destination's
  // checkpoint has moved: replay is under way.
  void WaitUntilReplaying(GodwitRun& run, Session& dst) {
    ASSERT_TRUE(PollUntil(120s, 20ms, [&] {
      return run.Exited() || run.Output().find("migration completed") != std::string::npos;
    })) << LogTail();
    ASSERT_FALSE(run.Exited()) << run.Output();
    int64_t first = AppliedSequence(dst);
    ASSERT_TRUE(PollUntil(60s, 20ms, [&] { return run.Exited() || AppliedSequence(dst) > first; })) << LogTail();
  }

  // Stops the writer, then `run` with SIGTERM (--until-caught-up): it must
  // exit 0 once everything committed on the source is applied.
  void StopCaughtUp(GodwitRun& run, SourceWriter& writer) {
    ASSERT_FALSE(run.Exited()) << run.Output();
    writer.Stop();
    ASSERT_EQ(writer.error(), "");
    run.Signal(SIGTERM);
    ASSERT_TRUE(run.Wait(120s)) << "not caught up within 2 minutes of SIGTERM:\n" << LogTail();
    ASSERT_EQ(run.exit_code(), 0) << run.Output();
    EXPECT_NE(run.Output().find("caught up"), std::string::npos) << run.Output();
  }

  // --release frees what the synchronization keeps between runs (slot,
  // publication, heartbeat row, checkpoint, change log); the checkpoint
  // table goes with the destination's only stream.
  void Release(Session& dst) {
    std::vector<std::string> release = args_;
    release.push_back("--release");
    release.erase(std::find(release.begin(), release.end(), "--until-caught-up"));
    GodwitRun run(release, "", log_);
    ASSERT_TRUE(run.Wait(60s)) << LogTail();
    EXPECT_EQ(run.exit_code(), 0) << run.Output();
    EXPECT_NE(run.Output().find("released"), std::string::npos) << run.Output();
    EXPECT_EQ(AppliedSequence(dst), -1) << "the checkpoint row is still there";
  }

  void ExpectEqual(const std::string& when) {
    ExpectTableEqual(src_uri_, {src_schema_, "items"}, dst_uri_, {dst_schema_, "items"}, {"id"}, when);
    ExpectTableEqual(src_uri_, {src_schema_, "accounts"}, dst_uri_, {dst_schema_, "accounts"}, {"code", "region"},
                     when);
  }

  // Sessions of the destination database waiting for a row lock. MySQL:
  // from InnoDB's status text, whose transaction list is complete (the
  // INNODB_TRX table leaves out a transaction holding tens of thousands of
  // row locks, as the Writer's does by then).
  int64_t BlockedOnLock(Session& observer) {
    if (GetParam().dst == Engine::kPostgres) {
      return QueryInt(observer, "SELECT count(*) FROM pg_stat_activity WHERE datname = '" + dst_db_ +
                                    "' AND wait_event_type = 'Lock'");
    }
    ColumnType text;
    text.kind = TypeKind::kText;
    const ColumnType types[] = {text, text, text};  // Type, Name, Status
    RowCollector rows;
    Status st = observer.Query("SHOW ENGINE INNODB STATUS", types, rows, BatchLimits{});
    if (!st.ok() || rows.rows.empty()) throw std::runtime_error("SHOW ENGINE INNODB STATUS: " + st.ToString());
    const std::string status = rows.rows[0][2].value_or("");
    // "---TRANSACTION 123, ACTIVE 2 sec inserting\n...LOCK WAIT ...\nMariaDB thread id 42, ..."
    int64_t waiting = 0;
    for (size_t at = status.find("---TRANSACTION"); at != std::string::npos;) {
      const size_t next = status.find("---TRANSACTION", at + 1);
      const std::string trx = status.substr(at, next == std::string::npos ? std::string::npos : next - at);
      at = next;
      const size_t id_at = trx.find("thread id ");
      if (trx.find("LOCK WAIT") == std::string::npos || id_at == std::string::npos) continue;
      const std::string thread = std::to_string(std::stoll(trx.substr(id_at + 10)));
      waiting += QueryInt(observer, "SELECT count(*) FROM information_schema.PROCESSLIST WHERE ID = " + thread +
                                        " AND DB = '" + dst_db_ + "'");
    }
    return waiting;
  }

  std::string tag_, src_uri_, src_schema_, dst_uri_, dst_schema_, dst_db_, state_, log_;
  std::vector<std::string> args_;
};

// Killed during the copy (after its third chunk commit) while the writer
// runs, then resumed: the resumed run copies the remaining chunks from a new
// snapshot and replays from the first one's position, over rows newer than
// the changes it replays. From a PostgreSQL source, updates that leave an
// out-of-line value alone send it as "unchanged"; replayed over a row the
// destination lacks, the value is read from the source.
TEST_P(IncrementalTest, CopyKilledAndResumedWhileWritesGoOn) {
  const Pair p = GetParam();
  ASSERT_NO_FATAL_FAILURE(Prepare(true));
  SourceWriter writer(p.src, src_uri_, 0xC09E + static_cast<int>(p.src) * 10 + static_cast<int>(p.dst), true);
  auto dst = OpenSession(dst_uri_);
  writer.Start();
  ASSERT_NO_FATAL_FAILURE(RunUntilCrash("chunk_committed:3"));
  ASSERT_NO_FATAL_FAILURE(RunAndStopCaughtUp(writer, *dst));
  ASSERT_EQ(writer.error(), "");
  ExpectEqual("after a kill during the copy");
  ASSERT_NO_FATAL_FAILURE(Release(*dst));
}

// `godwit verify` of the same pair while `godwit migrate --incremental`
// replays an application's writes: it finds the synchronization's
// checkpoint rows on the destination and waits for them before it confirms
// a difference, so rows caught in flight are not reported (exit 0). Then a
// change made on the destination alone is found exactly, by key and column.
TEST_P(IncrementalTest, VerifiedWhileSynchronizingUnderWrites) {
  const Pair p = GetParam();
  ASSERT_NO_FATAL_FAILURE(Prepare(false));
  SourceWriter writer(p.src, src_uri_, 0x5E71 + static_cast<int>(p.src) * 10 + static_cast<int>(p.dst), false);
  auto dst = OpenSession(dst_uri_);
  writer.Start();
  GodwitRun run(args_, "", log_);
  ASSERT_NO_FATAL_FAILURE(WaitUntilReplaying(run, *dst));
  const std::string verify =
      "verify -q --json --chunk-rows 200 --state-dir " + state_ + " " + src_uri_ + " " + dst_uri_;
  CommandResult v = RunGodwit(verify);
  EXPECT_EQ(v.exit_code, 0) << v.output;
  EXPECT_NE(v.output.find("is synchronized by migrate-"), std::string::npos) << v.output;
  EXPECT_NE(v.output.find("\"rows_compared\""), std::string::npos) << v.output;
  ASSERT_NO_FATAL_FAILURE(StopCaughtUp(run, writer));
  ExpectEqual("after a verification during the writes");

  // Synchronization stopped and caught up: a change on the destination
  // alone is a difference.
  const Dialect& dd = DialectFor(p.dst);
  const std::string accounts = dd.QualifiedName({dst_schema_, "accounts"});
  auto codes = Column0(*dst, "SELECT code FROM " + accounts + " WHERE region = 'eu' ORDER BY code");
  ASSERT_TRUE(codes && !codes->empty());
  Exec(*dst, "UPDATE " + accounts + " SET note = 'changed on the destination' WHERE region = 'eu' AND code = '" +
                 codes->front() + "'");
  v = RunGodwit(verify);
  EXPECT_EQ(v.exit_code, 1) << v.output;
  EXPECT_NE(v.output.find("\"note\": 1"), std::string::npos) << v.output;
  ASSERT_NO_FATAL_FAILURE(Release(*dst));
}

// Replay killed right after and right before a destination commit, then in
// the middle of a source transaction of about 28k row changes (more than
// the Writer's 10000-event batch, so it is applied a piece at a time in
// one destination transaction) and at its commit; the
// destination equals the source after each resumption. Then the source's
// log is taken away, and --release frees what is left.
TEST_P(IncrementalTest, ReplayKilledAroundCommitsAndInsideALargeTransaction) {
  const Pair p = GetParam();
  ASSERT_NO_FATAL_FAILURE(Prepare(true));
  const Sql dst_sql{p.dst};
  SourceWriter writer(p.src, src_uri_, 0x60D417 + static_cast<int>(p.src) * 10 + static_cast<int>(p.dst), true);
  auto dst = OpenSession(dst_uri_);

  // Writes run through the copy and everything after it. The copy finishes
  // in the first run, killed right after replay's fifth destination commit;
  // the next run is killed right before its fifth.
  writer.Start();
  ASSERT_NO_FATAL_FAILURE(RunUntilCrash("replay.after_commit:5"));
  ASSERT_NO_FATAL_FAILURE(RunUntilCrash("replay.before_commit:5"));
  // Resumed without failpoints; stopped once caught up.
  ASSERT_NO_FATAL_FAILURE(RunAndStopCaughtUp(writer, *dst));
  ASSERT_EQ(writer.error(), "");
  ExpectEqual("after kills around replay commits");
  if (HasFailure()) return;
  {
    auto tables = Column0(*dst, p.dst == Engine::kMysql ? "SHOW TABLES LIKE 'godwit_heartbeat'"
                                                        : "SELECT tablename FROM pg_tables WHERE tablename = "
                                                          "'godwit_heartbeat'");
    ASSERT_TRUE(tables.has_value());
    EXPECT_TRUE(tables->empty()) << "the heartbeat table is the source's own and must not be migrated";
  }

  // The large transaction, written while synchronization is stopped. Its
  // last statement changes the row with the smallest key, which the
  // destination holds (it equals the source) and the test locks there: the
  // Writer stops on that row with all the rest applied in its open
  // destination transaction.
  const int64_t last = writer.SmallestItem();
  writer.LargeTransaction(last);
  auto locker = OpenSession(dst_uri_);
  auto observer = OpenSession(dst_uri_);
  const std::string lock_sql =
      "UPDATE " + dst_sql.Ident("items") + " SET c_int = c_int WHERE id = " + std::to_string(last);
  const std::string moved_on_dst =
      "SELECT count(*) FROM " + dst_sql.Ident("items") + " WHERE id > " + std::to_string(kMovedBase);
  // Nothing of the large transaction may be visible on the destination
  // until its commit: no moved key, and the last row unchanged.
  auto expect_none_applied = [&](const std::string& when) {
    EXPECT_EQ(QueryInt(*dst, moved_on_dst), 0) << "part of the large transaction is visible " << when;
    auto text = Column0(*dst, "SELECT c_text FROM " + dst_sql.Ident("items") + " WHERE id = " + std::to_string(last));
    ASSERT_TRUE(text && text->size() == 1);
    EXPECT_NE(text->at(0), "the large transaction ends here") << when;
  };

  // SIGKILL in the middle of applying it.
  {
    Exec(*locker, "BEGIN");
    Exec(*locker, lock_sql);
    GodwitRun run(args_, "", log_);
    ASSERT_TRUE(PollUntil(120s, 20ms, [&] { return run.Exited() || BlockedOnLock(*observer) > 0; })) << LogTail();
    ASSERT_FALSE(run.Exited()) << "ended before reaching the locked row:\n" << run.Output();
    run.Signal(SIGKILL);
    ASSERT_TRUE(run.Wait(30s));
    Exec(*locker, "ROLLBACK");
    expect_none_applied("after a kill in the middle of it");
  }
  // SIGKILL at its commit: the first replay commit of a run kills it. A
  // run that gets there before reaching the large transaction (a heartbeat
  // committed before it) dies at that commit, and the next run tries again;
  // a run found waiting on the lock has not committed yet, so its first
  // commit, once the lock is released, is the large transaction's.
  {
    bool killed_at_its_commit = false;
    for (int attempt = 0; attempt < 6 && !killed_at_its_commit; ++attempt) {
      Exec(*locker, "BEGIN");
      Exec(*locker, lock_sql);
      GodwitRun run(args_, "replay.before_commit:1", log_);
      ASSERT_TRUE(PollUntil(120s, 20ms, [&] { return run.Exited() || BlockedOnLock(*observer) > 0; })) << LogTail();
      if (!run.Exited()) killed_at_its_commit = true;
      Exec(*locker, "ROLLBACK");
      ASSERT_TRUE(run.Wait(120s)) << LogTail();
      ASSERT_EQ(run.exit_code(), 128 + SIGKILL) << run.Output();
    }
    ASSERT_TRUE(killed_at_its_commit) << "no run reached the large transaction before its first commit";
    expect_none_applied("after a kill at its commit");
  }
  // Resumed with the writer running again, then stopped once caught up.
  writer.Start();
  ASSERT_NO_FATAL_FAILURE(RunAndStopCaughtUp(writer, *dst));
  ExpectEqual("after kills inside the large transaction");
  EXPECT_GT(QueryInt(*dst, moved_on_dst), 0) << "the large transaction's moved keys should have arrived";
  if (HasFailure()) return;

  // The source's log taken away while stopped: the next run fails and says
  // what happened and what to do.
  if (p.src == Engine::kPostgres) {
    std::smatch m;
    const std::string out = LogTail();
    ASSERT_TRUE(std::regex_search(out, m, std::regex("the replication slot and publication (godwit_[0-9a-f]+)")))
        << out;
    const std::string slot = m[1];
    PgAdmin(Servers().pg_source_port, "SELECT pg_drop_replication_slot('" + slot + "');");
    GodwitRun run(args_, "", log_);
    ASSERT_TRUE(run.Wait(120s)) << "a dropped slot should fail the run:\n" << LogTail();
    const std::string o = run.Output();
    EXPECT_EQ(run.exit_code(), 1) << o;
    EXPECT_NE(o.find(slot), std::string::npos) << o;
    EXPECT_NE(o.find("it was dropped"), std::string::npos) << o;
    EXPECT_NE(o.find("Re-create the project"), std::string::npos) << o;
  } else {
    writer.RunSome(20);
    auto admin = OpenSession(src_uri_);
    for (int i = 0; i < 3; ++i) Exec(*admin, "FLUSH BINARY LOGS");
    auto current = Column0(*admin, "SHOW MASTER STATUS", 4);  // File, Position, Binlog_Do_DB, Binlog_Ignore_DB
    ASSERT_TRUE(current && current->size() == 1);
    // The server keeps a file a binlog dump thread still reads (the last
    // run's, until the server notices its client is gone): purge until
    // only the current file is left.
    ASSERT_TRUE(PollUntil(60s, 20ms,
                          [&] {
                            Exec(*admin, "PURGE BINARY LOGS TO '" + current->at(0) + "'");
                            auto files = Column0(*admin, "SHOW BINARY LOGS", 2);  // Log_name, File_size
                            return files && files->size() == 1;
                          }))
        << "binlogs before " << current->at(0) << " stay in use";
    GodwitRun run(args_, "", log_);
    ASSERT_TRUE(run.Wait(120s)) << "a purged binlog should fail the run:\n" << LogTail();
    const std::string o = run.Output();
    EXPECT_EQ(run.exit_code(), 1) << o;
    EXPECT_NE(o.find("it was purged"), std::string::npos) << o;
    EXPECT_NE(o.find("Re-create the project"), std::string::npos) << o;
  }
  ASSERT_NO_FATAL_FAILURE(Release(*dst));
}

// The PostgreSQL destination crashes (immediate shutdown, as after a power
// loss) while the Writer replays under writes, with transactions open on
// its four sessions. It reconnects with backoff, reads the checkpoints the
// destination kept (rows and checkpoint commit together, so an open
// transaction is lost whole) and goes on from the change log: the
// destination ends equal to the source.
TEST_P(IncrementalTest, DestinationServerCrashDuringReplay) {
  const Pair p = GetParam();
  if (p.dst != Engine::kPostgres) GTEST_SKIP() << "crashes the PostgreSQL destination server";
  ASSERT_NO_FATAL_FAILURE(Prepare(false));
  SourceWriter writer(p.src, src_uri_, 0xC7A5 + static_cast<int>(p.src), false);
  writer.Start();
  GodwitRun run(args_, "", log_);
  {
    auto dst = OpenSession(dst_uri_);
    ASSERT_NO_FATAL_FAILURE(WaitUntilReplaying(run, *dst));
  }
  const std::string script = std::string(GODWIT_SOURCE_DIR) + "/scripts/testdb.sh restart " + Servers().dir +
                             " pg-dest immediate >/dev/null 2>&1";
  ASSERT_EQ(std::system(script.c_str()), 0) << script;
  // Replay goes on after the Writer reconnects.
  auto dst = OpenSession(dst_uri_);
  const int64_t after_crash = AppliedSequence(*dst);
  const uint64_t written = writer.transactions();
  ASSERT_TRUE(PollUntil(60s, 20ms, [&] { return run.Exited() || writer.transactions() >= written + 100; }));
  ASSERT_TRUE(PollUntil(90s, 20ms, [&] { return run.Exited() || AppliedSequence(*dst) > after_crash; })) << LogTail();
  ASSERT_NO_FATAL_FAILURE(StopCaughtUp(run, writer));
  ExpectEqual("after the destination server crashed");
  ASSERT_NO_FATAL_FAILURE(Release(*dst));
}

// From a PostgreSQL source, the copy is killed after its first chunk;
// while it is down, a row whose text is stored out of line moves to a key
// deleted just before. The resumed copy reads the later chunks in a new
// snapshot, which holds the row at its new key; replay from the first
// snapshot's position then deletes that key and applies the move, whose
// change leaves the unchanged text out ('u' in pgoutput) and finds neither
// key on the destination: the text must come from the source's row (it
// was NULL instead of the source's 4800 bytes).
TEST(IncrementalPgTest, ToastedValueOfARowMovedWhileTheCopyWasDown) {
  const int port = Servers().pg_source_port;
  PgAdmin(port,
          "SELECT pg_drop_replication_slot(slot_name) FROM pg_replication_slots WHERE database = "
          "'inc_toast_src';");
  RecreatePgDatabase(port, "inc_toast_src");
  PgAdmin(port,
          "CREATE TABLE t (id int PRIMARY KEY, big text, v int);"
          "INSERT INTO t SELECT g, (SELECT string_agg(md5((g * 1000 + i)::text), '') FROM generate_series(1, 150) i), "
          "g FROM generate_series(1, 30) g;",
          "inc_toast_src");
  Destination dst = FreshDestination(Engine::kPostgres, "inc_toast_dst");
  const std::string state = FreshTempDir("inc-toast");
  const std::string log = state + "/godwit.log";
  const std::vector<std::string> args = {"migrate",
                                         "-q",
                                         "--state-dir",
                                         state,
                                         "--chunk-rows",
                                         "10",
                                         "--concurrency",
                                         "1",
                                         "--incremental",
                                         "--until-caught-up",
                                         PgSourceUri("inc_toast_src"),
                                         dst.uri};
  {
    GodwitRun run(args, "chunk_committed:1", log);
    ASSERT_TRUE(run.Wait(60s));
    ASSERT_EQ(run.exit_code(), 128 + SIGKILL);
  }
  PgAdmin(port, "DELETE FROM t WHERE id = 25; UPDATE t SET id = 25, v = -1 WHERE id = 28;", "inc_toast_src");
  GodwitRun run(args, "", log);
  auto d = OpenSession(dst.uri);
  ASSERT_TRUE(PollUntil(60s, 20ms,
                        [&] { return run.Exited() || run.Output().find("migration completed") != std::string::npos; }));
  ASSERT_FALSE(run.Exited()) << run.Output();
  run.Signal(SIGTERM);
  ASSERT_TRUE(run.Wait(60s));
  ASSERT_EQ(run.exit_code(), 0) << run.Output();
  ExpectTableEqual(PgSourceUri("inc_toast_src"), {"public", "t"}, dst.uri, {"public", "t"}, {"id"},
                   "after the resumed copy");
}

// From a MySQL source, synchronization creates tables on the destination
// (CREATE TABLE, RENAME TABLE on the source) that the full migration's
// state does not know. Running the same command again must take them as
// synchronized — neither copy them again nor refuse them as destination
// tables that hold rows (CONFLICT) — and go on synchronizing them.
TEST(IncrementalMyTest, RerunAfterSynchronizationCreatedTables) {
  const std::string db = "inc_rerun_src";
  RecreateMysqlDatabase(db);
  MysqlAdmin("CREATE TABLE t (id INT PRIMARY KEY, v VARCHAR(20)); INSERT INTO t VALUES (1, 'a'), (2, 'b');", db);
  Destination dst = FreshDestination(Engine::kPostgres, "inc_rerun_dst");
  const std::string state = FreshTempDir("inc-rerun");
  const std::string log = state + "/godwit.log";
  const std::vector<std::string> args = {"migrate",           "-q",         "--state-dir", state, "--incremental",
                                         "--until-caught-up", MysqlUri(db), dst.uri};
  auto d = OpenSession(dst.uri);
  auto rows_on_dst = [&](const std::string& table) {
    auto v = Column0(*d, "SELECT count(*) FROM " + dst.schema + "." + table);
    return v && !v->empty() ? std::stoll(v->at(0)) : -1;
  };
  // Runs the command until the copy phase is over and `until` holds, then
  // stops it once caught up; returns its output.
  auto run_once = [&](const std::function<void()>& meanwhile, const std::function<bool()>& until) {
    GodwitRun run(args, "", log);
    EXPECT_TRUE(PollUntil(
        120s, 20ms, [&] { return run.Exited() || run.Output().find("migration completed") != std::string::npos; }));
    EXPECT_FALSE(run.Exited()) << run.Output();
    if (run.Exited()) return run.Output();
    meanwhile();
    EXPECT_TRUE(PollUntil(60s, 20ms, until)) << run.Output();
    run.Signal(SIGTERM);
    EXPECT_TRUE(run.Wait(120s)) << run.Output();
    EXPECT_EQ(run.exit_code(), 0) << run.Output();
    return run.Output();
  };

  // Each statement waits for the one before to arrive (the Writer reads a
  // changed table from the source catalog, which must not be ahead of the
  // stream by a second DDL on the same table: docs/incremental.md).
  auto step = [&](const std::string& sql, const std::string& table, int64_t rows) {
    MysqlAdmin(sql, db);
    EXPECT_TRUE(PollUntil(60s, 20ms, [&] { return rows_on_dst(table) == rows; })) << "did not arrive: " << sql;
  };
  run_once(
      [&] {
        step("CREATE TABLE t2 (a INT PRIMARY KEY, b TEXT); INSERT INTO t2 VALUES (1, 'x'), (2, 'y')", "t2", 2);
        step("CREATE TABLE t3 (a INT PRIMARY KEY); INSERT INTO t3 VALUES (5)", "t3", 1);
        step("RENAME TABLE t3 TO t3b; INSERT INTO t3b VALUES (6)", "t3b", 2);
      },
      [] { return true; });
  if (HasFailure()) return;

  const std::string out =
      run_once([&] { MysqlAdmin("INSERT INTO t2 VALUES (3, 'z'); INSERT INTO t VALUES (3, 'c');", db); },
               [&] { return rows_on_dst("t2") == 3 && rows_on_dst("t") == 3; });
  EXPECT_EQ(out.find("CONFLICT"), std::string::npos) << out;
  EXPECT_NE(out.find("table " + db + ".t2 was created or renamed on the source after the copy"), std::string::npos)
      << out;
  EXPECT_NE(out.find("table " + db + ".t3b was created or renamed on the source after the copy"), std::string::npos)
      << out;
  ExpectTableEqual(MysqlUri(db), {db, "t"}, dst.uri, {dst.schema, "t"}, {"id"}, "after the second run");
  ExpectTableEqual(MysqlUri(db), {db, "t2"}, dst.uri, {dst.schema, "t2"}, {"a"}, "after the second run");
  ExpectTableEqual(MysqlUri(db), {db, "t3b"}, dst.uri, {dst.schema, "t3b"}, {"a"}, "after the second run");

  // A third run knows them from its state: no warning again.
  const std::string third = run_once([] {}, [] { return true; });
  EXPECT_EQ(third.find("after the copy"), std::string::npos) << third;

  std::vector<std::string> release = args;
  release.erase(std::find(release.begin(), release.end(), "--until-caught-up"));
  release.push_back("--release");
  GodwitRun freeing(release, "", log);
  ASSERT_TRUE(freeing.Wait(60s));
  EXPECT_EQ(freeing.exit_code(), 0) << freeing.Output();
}

INSTANTIATE_TEST_SUITE_P(Pairs, IncrementalTest,
                         ::testing::Values(Pair{Engine::kMysql, Engine::kPostgres},
                                           Pair{Engine::kPostgres, Engine::kMysql},
                                           Pair{Engine::kMysql, Engine::kMysql},
                                           Pair{Engine::kPostgres, Engine::kPostgres}),
                         [](const auto& info) { return Name(info.param.src) + "_to_" + Name(info.param.dst); });

}  // namespace
}  // namespace godwit::testing
