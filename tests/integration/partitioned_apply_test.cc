// Parallel apply by key hash (src/replay/partitioned_applier.h) against
// real PostgreSQL and MariaDB destinations: a random change log — inserts,
// updates, key changes (with every column and with one left unchanged),
// deletes, truncates, unique values swapped between rows, a keyless table —
// applied over four partitions ends equal to a model of the source; a
// SIGKILL between the partitions' commits and a restart still ends equal,
// with the keyless table (which only an exact resume keeps right) too; and
// a changed partition count resumes from the lowest checkpoint.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <random>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <unistd.h>

#include "connector/session.h"
#include "model/row_collector.h"
#include "replay/partitioned_applier.h"
#include "columns.h"
#include "test_env.h"

namespace godwit {
namespace {

using namespace godwit::testing;
using Row = std::vector<std::optional<std::string>>;

const TableRef kKv{"src", "kv"};
const TableRef kUq{"src", "uq"};
const TableRef kLoose{"src", "loose"};

std::map<TableRef, TableSchema> DestTables(const std::string& schema) {
  std::map<TableRef, TableSchema> out;
  TableSchema kv;
  kv.ref = {schema, "kv"};
  kv.columns = {Col("id", TypeKind::kInt64, false), Col("v", TypeKind::kText), Col("w", TypeKind::kText)};
  kv.primary_key = UniqueIndex("pk", {"id"}, true);
  out[kKv] = kv;
  TableSchema uq;
  uq.ref = {schema, "uq"};
  uq.columns = {Col("id", TypeKind::kInt64, false), Col("u", TypeKind::kInt64, false)};
  uq.primary_key = UniqueIndex("pk", {"id"}, true);
  uq.indexes.push_back(UniqueIndex("uq_u", {"u"}, false));
  out[kUq] = uq;
  TableSchema loose;
  loose.ref = {schema, "loose"};
  loose.columns = {Col("x", TypeKind::kInt64), Col("y", TypeKind::kText)};
  out[kLoose] = loose;
  return out;
}

FieldValue V(const std::string& s) { return FieldValue::Of(s); }
FieldValue V(int64_t n) { return FieldValue::Of(std::to_string(n)); }

// One entry of the change log: an event and its sequence.
struct Entry {
  uint64_t seq;
  ChangeEvent event;
};

// A source's change log and, beside it, the tables it leaves.
struct Workload {
  std::vector<Entry> log;
  std::map<int64_t, std::pair<std::string, std::string>> kv;  // id -> (v, w)
  std::map<int64_t, int64_t> uq;                              // id -> u
  std::multiset<std::pair<int64_t, std::string>> loose;
};

Workload Generate(uint32_t seed, int transactions, bool with_keyless) {
  std::mt19937 rng(seed);
  auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
  Workload w;
  uint64_t seq = 0;
  int64_t next_id = 1, next_u = 1000;
  auto add = [&](ChangeEvent e) { w.log.push_back({++seq, std::move(e)}); };
  auto row = [](ChangeKind kind, const TableRef& t, std::vector<std::string> cols, RowImage before, RowImage after) {
    ChangeEvent e;
    e.kind = kind;
    e.table = t;
    e.columns = std::move(cols);
    e.before = std::move(before);
    e.after = std::move(after);
    return e;
  };
  const std::vector<std::string> kv_cols = {"id", "v", "w"}, uq_cols = {"id", "u"}, loose_cols = {"x", "y"};
  auto any_kv = [&]() {
    auto it = w.kv.begin();
    std::advance(it, pick(static_cast<int>(w.kv.size())));
    return it->first;
  };
  for (int t = 0; t < transactions; ++t) {
    add(ChangeEvent{.kind = ChangeKind::kBegin});
    const int changes = 1 + pick(6);
    for (int c = 0; c < changes; ++c) {
      const int op = pick(100);
      if (op < 30 || w.kv.size() < 5) {
        const int64_t id = next_id++;
        const std::string v = "v" + std::to_string(rng() % 1000), ww = "w" + std::to_string(id);
        w.kv[id] = {v, ww};
        add(row(ChangeKind::kInsert, kKv, kv_cols, {}, {V(id), V(v), V(ww)}));
      } else if (op < 50) {
        const int64_t id = any_kv();
        auto& [v, ww] = w.kv[id];
        const std::string old_v = v;
        v = "u" + std::to_string(rng() % 1000);
        // Half the updates leave w unchanged (PostgreSQL's TOAST case).
        const bool keep_w = pick(2) == 0;
        add(row(ChangeKind::kUpdate, kKv, kv_cols, {V(id), V(old_v), V(ww)},
                {V(id), V(v), keep_w ? FieldValue::Unchanged() : V(ww)}));
      } else if (op < 62) {
        // A key change: every column sent, or w left unchanged (serial).
        const int64_t from = any_kv(), to = next_id++;
        auto moved = w.kv[from];
        w.kv.erase(from);
        const bool keep_w = pick(3) == 0;
        moved.first = "m" + std::to_string(to);
        w.kv[to] = moved;
        add(row(ChangeKind::kUpdate, kKv, kv_cols, {V(from), V("old"), V(moved.second)},
                {V(to), V(moved.first), keep_w ? FieldValue::Unchanged() : V(moved.second)}));
      } else if (op < 80) {
        const int64_t id = any_kv();
        const auto old = w.kv[id];
        w.kv.erase(id);
        add(row(ChangeKind::kDelete, kKv, kv_cols, {V(id), V(old.first), V(old.second)}, {}));
      } else if (op < 90) {
        if (w.uq.size() < 2 || pick(2) == 0) {
          const int64_t id = next_id++, u = next_u++;
          w.uq[id] = u;
          add(row(ChangeKind::kInsert, kUq, uq_cols, {}, {V(id), V(u)}));
        } else {
          // Swap two rows' unique values, through a free value: only
          // source order satisfies the unique index.
          auto a = w.uq.begin();
          std::advance(a, pick(static_cast<int>(w.uq.size())));
          auto b = w.uq.begin();
          if (a == b) ++b;
          const int64_t ua = a->second, ub = b->second, spare = next_u++;
          add(row(ChangeKind::kUpdate, kUq, uq_cols, {V(a->first), V(ua)}, {V(a->first), V(spare)}));
          add(row(ChangeKind::kUpdate, kUq, uq_cols, {V(b->first), V(ub)}, {V(b->first), V(ua)}));
          add(row(ChangeKind::kUpdate, kUq, uq_cols, {V(a->first), V(spare)}, {V(a->first), V(ub)}));
          a->second = ub;
          b->second = ua;
        }
      } else if (op < 98 && with_keyless) {
        const std::pair<int64_t, std::string> r{pick(5), "y" + std::to_string(pick(3))};
        if (!w.loose.empty() && pick(3) == 0) {
          auto it = w.loose.begin();
          std::advance(it, pick(static_cast<int>(w.loose.size())));
          add(row(ChangeKind::kDelete, kLoose, loose_cols, {V(it->first), V(it->second)}, {}));
          w.loose.erase(it);
        } else {
          w.loose.insert(r);
          add(row(ChangeKind::kInsert, kLoose, loose_cols, {}, {V(r.first), V(r.second)}));
        }
      } else if (pick(4) == 0) {
        w.kv.clear();
        ChangeEvent e;
        e.kind = ChangeKind::kTruncate;
        e.table = kKv;
        add(std::move(e));
      }
    }
    ChangeEvent commit;
    commit.kind = ChangeKind::kCommit;
    commit.position = MysqlBinlogPos{"binlog.000001", seq + 1, ""};
    add(std::move(commit));
  }
  return w;
}

// Feeds the log from `from` on as the Writer does: a source transaction's
// row events, then a commit every `per_batch` transactions.
Status Feed(PartitionedApplier& applier, const Workload& w, uint64_t from, int per_batch) {
  std::vector<ChangeEvent> piece;
  std::vector<uint64_t> seqs;
  int txns = 0;
  Position last;
  uint64_t last_seq = 0;
  for (const Entry& entry : w.log) {
    if (entry.seq < from) continue;
    if (entry.event.kind == ChangeKind::kBegin) continue;
    if (entry.event.kind == ChangeKind::kCommit) {
      RETURN_IF_ERROR(applier.Apply(piece, seqs));
      piece.clear();
      seqs.clear();
      last = entry.event.position;
      last_seq = entry.seq;
      RETURN_IF_ERROR(applier.EndTransaction(last, last_seq));
      if (++txns % per_batch == 0) RETURN_IF_ERROR(applier.Commit(last, last_seq, per_batch));
      continue;
    }
    piece.push_back(entry.event);
    seqs.push_back(entry.seq);
  }
  if (txns % per_batch != 0) RETURN_IF_ERROR(applier.Commit(last, last_seq, txns % per_batch));
  return Status();
}

std::string DestUri(Engine engine) {
  if (engine == Engine::kMysql) {
    RecreateMysqlDatabase("partitioned_dst");
    return MysqlUri("partitioned_dst");
  }
  RecreatePgDatabase(Servers().pg_dest_port, "partitioned_dst");
  return PgDestUri("partitioned_dst");
}

Result<std::unique_ptr<PartitionedApplier>> OpenApplier(const Endpoint& ep, const std::string& schema, int partitions,
                                                        std::vector<std::string>* warnings) {
  ApplierOptions opt;
  opt.stream_id = "par";
  if (warnings) opt.on_warning = [warnings](const std::string& w) { warnings->push_back(w); };
  return PartitionedApplier::Open([&ep] { return Connect(ep); }, DialectFor(ep.engine), DestTables(schema), opt,
                                  partitions);
}

// Runs in a child process (see SigkillBetweenPartitionCommits): applies
// the workload under GODWIT_CRASH_AT, which kills the process.
TEST(PartitionedApplyCrashChild, Apply) {
  const char* uri = std::getenv("GODWIT_PARTITIONED_CHILD_URI");
  if (uri == nullptr) GTEST_SKIP() << "run by SigkillBetweenPartitionCommits only";
  auto ep = ParseEndpointUri(uri);
  ASSERT_TRUE(ep.ok());
  auto s = Connect(*ep);
  ASSERT_TRUE(s.ok());
  auto applier = OpenApplier(*ep, (*s)->default_schema(), 4, nullptr);
  ASSERT_TRUE(applier.ok()) << applier.status().ToString();
  const Workload w = Generate(std::stoul(std::getenv("GODWIT_PARTITIONED_SEED")), 200, true);
  auto from = (*applier)->resume_point();
  ASSERT_TRUE(Feed(**applier, w, from ? from->sequence + 1 : 1, 7).ok());
}

class PartitionedApplyTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    uri_ = DestUri(GetParam());
    auto ep = ParseEndpointUri(uri_);
    ASSERT_TRUE(ep.ok()) << ep.status().ToString();
    endpoint_ = *ep;
    auto s = Connect(endpoint_);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    session_ = std::move(*s);
    for (auto& [ref, t] : DestTables(session_->default_schema())) {
      auto stmts = dialect().CreateTable(t);
      ASSERT_TRUE(stmts.ok()) << stmts.status().ToString();
      for (auto& sql : *stmts) ASSERT_TRUE(session_->Execute(sql).ok()) << sql;
    }
  }

  const Dialect& dialect() { return DialectFor(GetParam()); }

  std::vector<Row> Rows(const std::string& table, const std::string& cols, const std::string& order) {
    std::vector<ColumnType> types;
    std::string select;
    std::stringstream names(cols);
    for (std::string c; std::getline(names, c, ',');) {
      while (!c.empty() && c[0] == ' ') c.erase(0, 1);
      select += (select.empty() ? "" : ", ") +
                (GetParam() == Engine::kMysql ? "CAST(" + c + " AS CHAR)" : "CAST(" + c + " AS TEXT)") + " AS c" +
                std::to_string(types.size());
      types.push_back(ColumnType{});
    }
    RowCollector out;
    Status st = session_->Query("SELECT " + select + " FROM " +
                                    dialect().QualifiedName({session_->default_schema(), table}) + " ORDER BY " + order,
                                types, out, BatchLimits{});
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out.rows;
  }

  void ExpectEqualsModel(const Workload& w, bool with_keyless) {
    std::vector<Row> kv, uq, loose;
    for (const auto& [id, vw] : w.kv) kv.push_back({std::to_string(id), vw.first, vw.second});
    for (const auto& [id, u] : w.uq) uq.push_back({std::to_string(id), std::to_string(u)});
    for (const auto& [x, y] : w.loose) loose.push_back({std::to_string(x), y});
    EXPECT_EQ(Rows("kv", "id, v, w", "id"), kv);
    EXPECT_EQ(Rows("uq", "id, u", "id"), uq);
    if (with_keyless) {
      EXPECT_EQ(Rows("loose", "x, y", "x, y"), loose);
    }
  }

  // Every partition's checkpoint row, by name.
  std::map<std::string, std::string> Checkpoints() {
    std::map<std::string, std::string> out;
    for (const Row& r : Rows("godwit_checkpoint", "stream_id, applied_sequence", "stream_id")) out[*r[0]] = *r[1];
    return out;
  }

  std::string uri_;
  Endpoint endpoint_;
  std::unique_ptr<Session> session_;
};

TEST_P(PartitionedApplyTest, RandomChangeLogOverFourPartitionsEqualsTheSource) {
  const Workload w = Generate(7, 400, true);
  std::vector<std::string> warnings;
  auto applier = OpenApplier(endpoint_, session_->default_schema(), 4, &warnings);
  ASSERT_TRUE(applier.ok()) << applier.status().ToString();
  EXPECT_EQ((*applier)->resume_point(), std::nullopt);
  Status st = Feed(**applier, w, 1, 5);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ExpectEqualsModel(w, true);
  const std::string last = std::to_string(w.log.back().seq);
  EXPECT_EQ(Checkpoints(),
            (std::map<std::string, std::string>{{"par", last}, {"par.p1", last}, {"par.p2", last}, {"par.p3", last}}));
  EXPECT_EQ(warnings.size(), 1u) << "one warning: the keyless table";
  // Everything is applied: a reopened applier resumes after the end.
  applier->reset();
  auto again = OpenApplier(endpoint_, session_->default_schema(), 4, nullptr);
  ASSERT_TRUE(again.ok());
  ASSERT_TRUE((*again)->resume_point().has_value());
  EXPECT_EQ((*again)->resume_point()->sequence, w.log.back().seq);
}

TEST_P(PartitionedApplyTest, SigkillBetweenPartitionCommitsResumesEachPartitionExactly) {
  // Each partition commits in a batch; killing at the n-th partition commit
  // leaves some partitions ahead of others.
  bool diverged = false;
  for (int n : {2, 7, 23}) {
    SCOPED_TRACE("killed at partition commit " + std::to_string(n));
    SetUp();
    const uint32_t seed = 100 + n;
    const std::string cmd = "GODWIT_CRASH_AT=replay.partition_commit:" + std::to_string(n) +
                            " GODWIT_PARTITIONED_SEED=" + std::to_string(seed) + " GODWIT_PARTITIONED_CHILD_URI='" +
                            uri_ + "' /proc/" + std::to_string(getpid()) +
                            "/exe --gtest_filter=PartitionedApplyCrashChild.* > /dev/null 2>&1";
    EXPECT_NE(std::system(cmd.c_str()), 0);
    const auto before = Checkpoints();
    std::set<std::string> sequences;
    for (const auto& [id, seq] : before) sequences.insert(seq);
    EXPECT_EQ(before.size(), 4u);
    diverged = diverged || sequences.size() > 1;

    const Workload w = Generate(seed, 200, true);
    auto applier = OpenApplier(endpoint_, session_->default_schema(), 4, nullptr);
    ASSERT_TRUE(applier.ok()) << applier.status().ToString();
    auto from = (*applier)->resume_point();
    Status st = Feed(**applier, w, from ? from->sequence + 1 : 1, 7);
    ASSERT_TRUE(st.ok()) << st.ToString();
    ExpectEqualsModel(w, true);
  }
  EXPECT_TRUE(diverged) << "no kill left the partitions at different checkpoints";
}

TEST_P(PartitionedApplyTest, AChangedPartitionCountResumesFromTheLowestCheckpoint) {
  const Workload w = Generate(11, 300, false);
  // The first half over four partitions, the rest over two.
  Workload first = w;
  first.log.resize(w.log.size() / 2);
  while (first.log.back().event.kind != ChangeKind::kCommit) first.log.pop_back();
  {
    auto applier = OpenApplier(endpoint_, session_->default_schema(), 4, nullptr);
    ASSERT_TRUE(applier.ok());
    ASSERT_TRUE(Feed(**applier, first, 1, 4).ok());
  }
  std::vector<std::string> warnings;
  auto applier = OpenApplier(endpoint_, session_->default_schema(), 2, &warnings);
  ASSERT_TRUE(applier.ok()) << applier.status().ToString();
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("partition count changed"), std::string::npos) << warnings[0];
  auto from = (*applier)->resume_point();
  ASSERT_TRUE(from.has_value());
  ASSERT_TRUE(Feed(**applier, w, from->sequence + 1, 4).ok());
  ExpectEqualsModel(w, false);
  EXPECT_EQ(Checkpoints().size(), 2u) << "the old partitions' rows are gone";
  // Release: every row and the table go.
  ASSERT_TRUE(DropPartitionedCheckpoint(*session_, dialect(), "par").ok());
  auto catalog = session_->ReadCatalog([](const TableRef& r) { return r.name == "godwit_checkpoint"; });
  ASSERT_TRUE(catalog.ok());
  EXPECT_TRUE(catalog->tables.empty());
}

INSTANTIATE_TEST_SUITE_P(Engines, PartitionedApplyTest, ::testing::Values(Engine::kPostgres, Engine::kMysql),
                         [](const auto& info) { return std::string(EngineName(info.param)); });

}  // namespace
}  // namespace godwit
