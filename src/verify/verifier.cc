#include "verify/verifier.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <thread>

#include "common/mutex.h"
#include "common/failpoint.h"
#include "common/retry.h"
#include "connector/session.h"
#include "meta/verify_store.h"
#include "pipeline/chunker.h"
#include "model/object_mapping.h"
#include "schema/dialect.h"
#include "schema/verify_sql.h"
#include "verify/db_checksum.h"
#include "verify/unit_pass.h"

namespace godwit {

std::string_view VerifyModeName(VerifyMode m) {
  switch (m) {
    case VerifyMode::kAll: return "all";
    case VerifyMode::kAbnormalTables: return "abnormal";
    case VerifyMode::kInconsistentRecords: return "records";
  }
  return "all";
}

std::optional<VerifyMode> ParseVerifyMode(std::string_view name) {
  if (name == "all") return VerifyMode::kAll;
  if (name == "abnormal") return VerifyMode::kAbnormalTables;
  if (name == "records") return VerifyMode::kInconsistentRecords;
  return std::nullopt;
}

namespace {

using Clock = std::chrono::steady_clock;

double SecondsSince(Clock::time_point t) { return std::chrono::duration<double>(Clock::now() - t).count(); }

bool Retryable(const Status& st) {
  return st.code() == ErrorCode::kConnectionLost || st.code() == ErrorCode::kHostUnreachable;
}

// A verification session never waits long for a lock and never writes:
// its metadata-lock or lock wait gives up (and the unit is retried) rather
// than queue a writer's DDL behind it.
Result<std::unique_ptr<Session>> OpenVerifySession(const Endpoint& endpoint) {
  ASSIGN_OR_RETURN(auto session, Connect(endpoint));
  for (const std::string& sql : VerifySqlFor(endpoint.engine).SessionSetup()) RETURN_IF_ERROR(session->Execute(sql));
  return session;
}

// Runs `a` on a thread of its own and `b` on this one: the two sides of a
// unit are read at the same moment, which keeps the window in which a
// concurrent write can fall between them to one unit's duration.
template <typename A, typename B>
auto BothSides(A&& a, B&& b) {
  decltype(a()) ra = Status(ErrorCode::kInternal, "not run");
  std::thread t([&] { ra = a(); });
  auto rb = b();
  t.join();
  return std::make_pair(std::move(ra), std::move(rb));
}

std::vector<std::string> ToStrings(const nlohmann::json& j) {
  std::vector<std::string> out;
  if (j.is_array()) {
    for (const auto& v : j) out.push_back(v.get<std::string>());
  }
  return out;
}

}  // namespace

nlohmann::json ToJson(const TableVerifyResult& t) {
  nlohmann::json samples = nlohmann::json::array();
  for (const auto& s : t.samples) {
    nlohmann::json key = nlohmann::json::parse(s.key_json, nullptr, false);
    samples.push_back(
        {{"key", key.is_discarded() ? nlohmann::json(s.key_json) : key}, {"kind", s.kind}, {"columns", s.columns}});
  }
  nlohmann::json j = {{"source", t.source},
                      {"destination", t.destination},
                      {"status", t.status},
                      {"method", t.method},
                      {"units", t.units_kind},
                      {"units_total", t.units_total},
                      {"units_done", t.units_done},
                      {"units_mismatched", t.units_mismatched},
                      {"rows_source", t.rows_source},
                      {"rows_destination", t.rows_destination},
                      {"rows_compared", t.rows_source},
                      {"consistent", t.consistent},
                      {"only_in_source", t.only_in_source},
                      {"only_in_destination", t.only_in_destination},
                      {"differing", t.differing},
                      {"differing_columns", t.differing_columns},
                      {"rechecked_in_flight", t.rechecked_in_flight},
                      {"unsettled", t.unsettled},
                      {"samples", samples},
                      {"detail", t.truncated ? "truncated" : "complete"},
                      {"error", t.error},
                      {"elapsed_seconds", t.elapsed_seconds}};
  if (!t.method_reason.empty()) j["method_reason"] = t.method_reason;
  if (!t.only_in_source_columns.empty() || !t.only_in_destination_columns.empty()) {
    j["schema"] = {{"only_in_source", t.only_in_source_columns},
                   {"only_in_destination", t.only_in_destination_columns}};
  }
  return j;
}

namespace {

TableVerifyResult TableResultFromJson(const std::string& text) {
  TableVerifyResult t;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (!j.is_object()) return t;
  auto str = [&](const char* k) { return j.contains(k) && j[k].is_string() ? j[k].get<std::string>() : ""; };
  auto num = [&](const char* k) { return j.contains(k) && j[k].is_number() ? j[k].get<int64_t>() : 0; };
  t.source = str("source");
  t.destination = str("destination");
  t.status = str("status");
  t.method = str("method");
  t.method_reason = str("method_reason");
  t.units_kind = str("units");
  t.units_total = num("units_total");
  t.units_done = num("units_done");
  t.units_mismatched = num("units_mismatched");
  t.rows_source = num("rows_source");
  t.rows_destination = num("rows_destination");
  t.consistent = num("consistent");
  t.only_in_source = num("only_in_source");
  t.only_in_destination = num("only_in_destination");
  t.differing = num("differing");
  t.rechecked_in_flight = num("rechecked_in_flight");
  t.unsettled = num("unsettled");
  if (j.contains("differing_columns") && j["differing_columns"].is_object()) {
    for (auto& [k, v] : j["differing_columns"].items()) t.differing_columns[k] = v.get<int64_t>();
  }
  if (j.contains("samples") && j["samples"].is_array()) {
    for (const auto& s : j["samples"]) {
      t.samples.push_back({s["key"].dump(), s.value("kind", ""), ToStrings(s.value("columns", nlohmann::json()))});
    }
  }
  if (j.contains("schema")) {
    t.only_in_source_columns = ToStrings(j["schema"].value("only_in_source", nlohmann::json()));
    t.only_in_destination_columns = ToStrings(j["schema"].value("only_in_destination", nlohmann::json()));
  }
  t.truncated = str("detail") == "truncated";
  t.error = str("error");
  t.elapsed_seconds = j.value("elapsed_seconds", 0.0);
  return t;
}

// Sets the difference counts of `r` from the recorded differences.
void CountDifferences(TableVerifyResult& r, const std::vector<StoredDiff>& diffs) {
  r.only_in_source = r.only_in_destination = r.differing = 0;
  r.differing_columns.clear();
  for (const auto& d : diffs) {
    if (d.kind == DiffKind::kOnlyInSource) ++r.only_in_source;
    if (d.kind == DiffKind::kOnlyInDestination) ++r.only_in_destination;
    if (d.kind == DiffKind::kDiffering) {
      ++r.differing;
      for (const auto& c : d.columns) ++r.differing_columns[c];
    }
  }
}

std::vector<ColumnType> StoredKeyTypes(const TablePair& pair) {
  std::vector<ColumnType> types;
  if (pair.key_positions.empty()) return pair.compare_types;
  for (int p : pair.key_positions) types.push_back(pair.compare_types[p]);
  return types;
}

}  // namespace

double VerifyPercent(const VerifySnapshot& s) {
  int64_t total = 0, done = 0;
  bool ended = !s.tables.empty();
  for (const auto& t : s.tables) {
    total += t.units_total;
    done += t.units_done;
    if (t.status == "running" || t.status == "pending") ended = false;
  }
  if (ended) return 100;
  return total == 0 ? 0 : std::min(99.0, 100.0 * static_cast<double>(done) / static_cast<double>(total));
}

nlohmann::json ToJson(const VerifySnapshot& s) {
  nlohmann::json tables = nlohmann::json::array();
  int consistent = 0, inconsistent = 0, failed = 0;
  int64_t differences = 0;
  for (const auto& t : s.tables) {
    tables.push_back(ToJson(t));
    if (t.status == "consistent") ++consistent;
    if (t.status == "inconsistent") ++inconsistent;
    if (t.status == "failed") ++failed;
    differences += t.only_in_source + t.only_in_destination + t.differing;
  }
  return {{"run", s.run_id},
          {"state", s.state},
          {"tables", tables},
          {"summary",
           {{"tables", s.tables.size()},
            {"consistent", consistent},
            {"inconsistent", inconsistent},
            {"failed", failed},
            {"differences", differences}}},
          {"metrics",
           {{"estimated_rows", s.estimated_rows},
            {"rows_compared", s.rows_compared},
            {"rows_per_second", s.rows_per_second},
            {"bytes_source", s.bytes_source},
            {"bytes_destination", s.bytes_destination},
            {"elapsed_seconds", s.elapsed_seconds}}}};
}

// One table's verification in this run.
struct TableJob {
  TablePair pair;
  std::string source_key;
  std::vector<VerifyUnitRecord> todo;        // units not done at the start of this run
  Clock::time_point started = Clock::now();  // reset when its first unit starts
  bool began = false;
  double earlier_seconds = 0;  // spent in an interrupted earlier attempt
  std::atomic<bool> force_hashed{false};
  // PostgreSQL: a column type without a hash function (or a server without
  // hash_record_extended): checksum the record's text instead.
  std::atomic<bool> record_text{false};
  // Guarded by Impl::mu.
  TableVerifyResult result;
  bool records_only = false;  // VerifyMode::kInconsistentRecords: no units, the recorded keys again
  int64_t units_left = 0;
  int64_t stored_diffs = 0;
  bool failed = false;
};

struct Verifier::Impl {
  VerifyOptions& opt;
  std::atomic<bool>& cancel;
  std::unique_ptr<VerifyStore> store;
  // Set once by Prepare, under mu for Snapshot on API threads; read
  // without it by the run's own threads, which start after.
  int64_t run_id = 0;
  void SetRunId(int64_t id) {
    MutexLock lock(mu);
    run_id = id;
  }
  Clock::time_point started = Clock::now();

  mutable Mutex mu;
  // Every table in scope, in order. Snapshot reads it from API threads
  // while Prepare still adds to it.
  std::vector<std::unique_ptr<TableJob>> jobs GODWIT_GUARDED_BY(mu);
  std::vector<std::pair<TableJob*, size_t>> work;  // (table, index into todo)
  std::atomic<size_t> next_work{0};
  std::string state GODWIT_GUARDED_BY(mu) = "running";
  int64_t estimated_rows GODWIT_GUARDED_BY(mu) = 0;

  void AddJob(std::unique_ptr<TableJob> job) {
    MutexLock lock(mu);
    jobs.push_back(std::move(job));
  }
  // The tables, once Prepare has planned them all (the list no longer
  // changes; what each job holds has its own rules, see TableJob).
  std::vector<TableJob*> JobList() const {
    MutexLock lock(mu);
    std::vector<TableJob*> out;
    for (const auto& job : jobs) out.push_back(job.get());
    return out;
  }
  std::atomic<int64_t> rows_compared{0}, bytes_source{0}, bytes_destination{0};

  std::shared_ptr<CatchUpWaiter> waiter;
  bool pg_record_text = false;  // a pair whose per-field record hashes differ or are missing (PostgreSQL)

  Impl(VerifyOptions& o, std::atomic<bool>& c)
      : opt(o), cancel(c), waiter(o.waiter ? o.waiter : std::make_shared<NoCatchUp>()) {}

  Status Prepare();
  Status PlanTable(Session& src, Session& dst, const TableSchema& source, const TableSchema* destination,
                   const std::string& probe_mismatch);
  void Worker();
  Result<bool> CompareUnit(Session& src, Session& dst, TableJob& job, const VerifyUnitRecord& unit,
                           std::vector<RowDifference>& diffs, int64_t& rows_src, int64_t& rows_dst);
  void FinishUnit(TableJob& job, const VerifyUnitRecord& unit, bool matched, int64_t rows_src, int64_t rows_dst,
                  std::vector<RowDifference>& diffs);
  void FailTable(TableJob& job, const Status& st);
  // Re-checks the table's recorded differences by key and records what is
  // left (re-verify of the records, and after a correction).
  Status RecheckRecorded(TableJob& job, Session& src, Session& dst);
  void FinalizeLocked(TableJob& job);
};

Verifier::Verifier(VerifyOptions options)
    : options_(std::move(options)), impl_(std::make_unique<Impl>(options_, cancel_)) {}
Verifier::~Verifier() = default;

Status Verifier::Impl::Prepare() {
  RETURN_IF_ERROR(ObjectMapping::Validate(opt.objects));
  ASSIGN_OR_RETURN(store, VerifyStore::Open(opt.state_path));
  auto src_or = OpenVerifySession(opt.source);
  if (!src_or.ok()) return src_or.status().WithContext("source");
  auto dst_or = OpenVerifySession(opt.destination);
  if (!dst_or.ok()) return dst_or.status().WithContext("destination");
  Session& src = **src_or;
  Session& dst = **dst_or;

  // Resume the interrupted run, or start one.
  ASSIGN_OR_RETURN(auto unfinished, store->UnfinishedRun());
  if (unfinished && opt.restart) {
    RETURN_IF_ERROR(store->EndRun(unfinished->id, "cancelled"));
    unfinished.reset();
  }
  if (unfinished) {
    // An interrupted run resumes as what it was.
    SetRunId(unfinished->id);
    if (auto m = ParseVerifyMode(unfinished->mode)) opt.mode = *m;
  } else {
    ASSIGN_OR_RETURN(int64_t begun, store->BeginRun(std::string(VerifyModeName(opt.mode))));
    SetRunId(begun);
  }

  // Two servers of one engine checksum equal rows equally only if they
  // print values the same way; versions have changed float printing.
  std::string probe_mismatch;
  if (opt.source.engine == opt.destination.engine && HasDatabaseChecksum(opt.source.engine) &&
      opt.method != MethodChoice::kHashed) {
    const std::string sql = ChecksumProbeSql(opt.source.engine);
    ASSIGN_OR_RETURN(auto a, QueryFirstRow(src, sql, 1));
    ASSIGN_OR_RETURN(auto b, QueryFirstRow(dst, sql, 1));
    if (a[0] != b[0]) probe_mismatch = "the two servers print values differently (checksum probe differs)";
    if (const std::string record_probe = RecordHashProbeSql(opt.source.engine); !record_probe.empty()) {
      auto ra = QueryFirstRow(src, record_probe, 1);
      auto rb = QueryFirstRow(dst, record_probe, 1);
      pg_record_text = !ra.ok() || !rb.ok() || (*ra)[0] != (*rb)[0];
    }
  }

  ObjectMapping mapping(opt.objects, src.default_schema(), dst.default_schema());
  ASSIGN_OR_RETURN(Catalog source_catalog,
                   src.ReadCatalog([&](const TableRef& ref) { return !IsGodwitTable(ref) && mapping.Includes(ref); }));
  std::vector<TableRef> wanted;
  for (const auto& t : source_catalog.tables) wanted.push_back(mapping.DestinationOf(t.ref));
  ASSIGN_OR_RETURN(Catalog destination_catalog, dst.ReadCatalog([&](const TableRef& ref) {
    return std::find(wanted.begin(), wanted.end(), ref) != wanted.end();
  }));
  std::sort(source_catalog.tables.begin(), source_catalog.tables.end(),
            [](const TableSchema& a, const TableSchema& b) { return a.ref < b.ref; });
  if (source_catalog.tables.empty()) {
    return Status(ErrorCode::kInvalidArgument, "no table of the source is in scope",
                  "Check --include/--exclude and the source URI's database.");
  }
  for (const auto& t : source_catalog.tables) {
    const TableRef to = mapping.DestinationOf(t.ref);
    const TableSchema* found = nullptr;
    for (const auto& d : destination_catalog.tables) {
      if (d.ref == to) found = &d;
    }
    {
      MutexLock lock(mu);
      estimated_rows += std::max<int64_t>(t.estimated_rows, 0);
    }
    RETURN_IF_ERROR(PlanTable(src, dst, t, found, probe_mismatch));
  }
  for (TableJob* job : JobList()) {
    for (size_t i = 0; i < job->todo.size(); ++i) work.emplace_back(job, i);
  }
  return Status();
}

Status Verifier::Impl::PlanTable(Session& src, Session& dst, const TableSchema& source, const TableSchema* destination,
                                 const std::string& probe_mismatch) {
  auto job = std::make_unique<TableJob>();
  job->source_key = source.ref.ToString();
  TableVerifyResult& r = job->result;
  r.source = job->source_key;
  r.destination = destination ? destination->ref.ToString() : "";

  // Verified already in this (resumed) run.
  ASSIGN_OR_RETURN(auto recorded, store->Table(job->source_key));
  std::string identity;  // "" when the table is missing
  if (destination) {
    ASSIGN_OR_RETURN(identity, dst.TableIdentity(destination->ref));
  }
  // A result recorded for another incarnation of the destination table
  // (dropped and created again, or the URI now names another server)
  // describes rows that are gone: the table is verified again from the
  // start, never reported from that record.
  if (recorded && !recorded->destination_identity.empty() && recorded->destination_identity != identity) {
    recorded.reset();
  }
  const bool verified_in_this_run =
      recorded && recorded->run_id == run_id && recorded->status != "running" && recorded->status != "pending";
  const bool keep_last =
      recorded && recorded->run_id != run_id && opt.mode != VerifyMode::kAll && recorded->status == "consistent";
  if (verified_in_this_run || keep_last) {
    job->result = TableResultFromJson(recorded->detail_json);
    job->result.status = recorded->status;
    // Paired still: corrections of this run need the table's columns and key.
    if (destination) {
      if (auto pair = PairTables(source, opt.source.engine, *destination, opt.destination.engine, MethodChoice::kAuto);
          pair.ok()) {
        job->pair = std::move(*pair);
      }
    }
    AddJob(std::move(job));
    return Status();
  }

  if (!destination) {
    // Missing on the destination: every source row is a difference.
    ASSIGN_OR_RETURN(
        auto count,
        QueryFirstRow(src, "SELECT COUNT(*) FROM " + DialectFor(opt.source.engine).FromTable(source), 1));
    r.status = "inconsistent";
    r.rows_source = std::strtoll(count[0].c_str(), nullptr, 10);
    r.only_in_source = r.rows_source;
    r.error = "the table is missing on the destination";
    rows_compared += r.rows_source;
    RETURN_IF_ERROR(store->StartTable(run_id, job->source_key, "", {}, identity));
    RETURN_IF_ERROR(store->SaveTableResult(job->source_key, r.status, ToJson(r).dump()));
    AddJob(std::move(job));
    return Status();
  }

  MethodChoice choice = opt.method;
  if (!probe_mismatch.empty() && choice == MethodChoice::kAuto) choice = MethodChoice::kHashed;
  auto pair = PairTables(source, opt.source.engine, *destination, opt.destination.engine, choice);
  if (!pair.ok()) {
    r.status = "failed";
    r.error = pair.status().ToString() + (pair.status().hint().empty() ? "" : " — " + pair.status().hint());
    RETURN_IF_ERROR(store->StartTable(run_id, job->source_key, r.destination, {}, identity));
    RETURN_IF_ERROR(store->SaveTableResult(job->source_key, r.status, ToJson(r).dump()));
    AddJob(std::move(job));
    return Status();
  }
  job->pair = std::move(*pair);
  if (!probe_mismatch.empty() && opt.method == MethodChoice::kAuto) job->pair.method_reason = probe_mismatch;
  r.method = VerifyMethodName(job->pair.method);
  r.method_reason = job->pair.method_reason;
  r.units_kind = UnitShapeName(job->pair.shape);
  r.only_in_source_columns = job->pair.only_in_source_columns;
  r.only_in_destination_columns = job->pair.only_in_destination_columns;
  r.status = "running";

  if (opt.mode == VerifyMode::kInconsistentRecords && recorded && recorded->status == "inconsistent" &&
      !job->pair.key_positions.empty()) {
    const TableVerifyResult last = TableResultFromJson(recorded->detail_json);
    if (!last.truncated && last.only_in_source_columns.empty() && last.only_in_destination_columns.empty()) {
      // Only the recorded rows are read again (RecheckRecorded).
      job->records_only = true;
      job->result = last;
      job->result.status = "running";
      AddJob(std::move(job));
      return Status();
    }
  }

  std::vector<VerifyUnitRecord> units;
  if (recorded && recorded->run_id == run_id && recorded->status == "running") {
    // Resume: what the done units found is in the store.
    auto earlier = TableResultFromJson(recorded->detail_json);
    job->earlier_seconds = earlier.elapsed_seconds;
    ASSIGN_OR_RETURN(units, store->Units(job->source_key));
    ASSIGN_OR_RETURN(auto diffs, store->Diffs(job->source_key));
    for (const auto& u : units) {
      if (!u.done) continue;
      ++r.units_done;
      r.rows_source += u.rows_source;
      r.rows_destination += u.rows_destination;
      if (!u.matched) ++r.units_mismatched;
    }
    rows_compared += r.rows_source;
    job->stored_diffs = static_cast<int64_t>(diffs.size());
    CountDifferences(r, diffs);
    r.truncated = job->stored_diffs >= opt.max_stored_diffs;
  } else {
    switch (job->pair.shape) {
      case UnitShape::kRanges: {
        auto ranges = PlanChunks(src, source, opt.chunk_rows);
        if (!ranges.ok()) {
          FailTable(*job, ranges.status().WithContext("planning the units of " + job->source_key));
          RETURN_IF_ERROR(store->StartTable(run_id, job->source_key, r.destination, {}, identity));
          RETURN_IF_ERROR(store->SaveTableResult(job->source_key, r.status, ToJson(r).dump()));
          AddJob(std::move(job));
          return Status();
        }
        for (const auto& range : *ranges) {
          VerifyUnitRecord u;
          u.index = static_cast<int64_t>(units.size());
          u.lower_json = KeyBoundToJson(range.lower);
          u.upper_json = KeyBoundToJson(range.upper);
          units.push_back(std::move(u));
        }
        break;
      }
      case UnitShape::kBuckets: {
        VerifyUnitRecord u;
        u.lower_json = u.upper_json = "null";
        u.buckets = std::clamp<int64_t>((source.estimated_rows + opt.chunk_rows - 1) / opt.chunk_rows, 1, 65536);
        units.push_back(std::move(u));
        break;
      }
      case UnitShape::kWholeTable: {
        VerifyUnitRecord u;
        u.lower_json = u.upper_json = "null";
        units.push_back(std::move(u));
        break;
      }
    }
    RETURN_IF_ERROR(store->StartTable(run_id, job->source_key, r.destination, units, identity));
  }
  (void)dst;
  r.units_total = static_cast<int64_t>(units.size());
  for (auto& u : units) {
    if (!u.done) job->todo.push_back(std::move(u));
  }
  job->units_left = static_cast<int64_t>(job->todo.size());
  if (job->units_left == 0) {
    MutexLock lock(mu);
    FinalizeLocked(*job);
  }
  AddJob(std::move(job));
  return Status();
}

Result<bool> Verifier::Impl::CompareUnit(Session& src, Session& dst, TableJob& job, const VerifyUnitRecord& unit,
                                         std::vector<RowDifference>& diffs, int64_t& rows_src, int64_t& rows_dst) {
  const TablePair& pair = job.pair;
  ASSIGN_OR_RETURN(auto lower, KeyBoundFromJson(unit.lower_json));
  ASSIGN_OR_RETURN(auto upper, KeyBoundFromJson(unit.upper_json));
  const ChunkRange range{lower, upper};
  const std::string src_pred = SidePredicate(pair, Side::kSource, range);
  const std::string dst_pred = SidePredicate(pair, Side::kDestination, range);
  const std::string src_sql = SideSelectSql(pair, Side::kSource, src_pred);
  const std::string dst_sql = SideSelectSql(pair, Side::kDestination, dst_pred);
  const size_t buckets = static_cast<size_t>(std::max<int64_t>(unit.buckets, 1));
  std::vector<uint32_t> mismatched;

  if (pair.method == VerifyMethod::kDatabase && !job.force_hashed) {
    const bool record_text = pg_record_text || job.record_text;
    auto [a, b] = BothSides(
        [&] {
          return ChecksumSide(src, ChunkChecksumSql(DialectFor(pair.source_engine), pair.source, pair.source_columns,
                                                    src_pred, record_text));
        },
        [&] {
          return ChecksumSide(dst, ChunkChecksumSql(DialectFor(pair.destination_engine), pair.destination,
                                                    pair.destination_columns, dst_pred, record_text));
        });
    if (!a.ok() || !b.ok()) {
      const Status& st = a.ok() ? b.status() : a.status();
      if (Retryable(st) || st.code() == ErrorCode::kCancelled) return st;
      if (HasRecordTextChecksum(pair.source_engine) && !record_text) {
        // A column type without a hash function: the record's text.
        job.record_text = true;
      } else {
        // The server refused the checksum expression (a column type it
        // cannot CONCAT, say): hash this table in Godwit instead.
        job.force_hashed = true;
      }
      return CompareUnit(src, dst, job, unit, diffs, rows_src, rows_dst);
    }
    rows_src = a->rows;
    rows_dst = b->rows;
    if (a->count == b->count && a->sum == b->sum) return true;
  } else {
    auto [a, b] = BothSides(
        [&] {
          return DigestSide(src, src_sql, SideTypes(pair, Side::kSource), MakeHasher(pair), buckets, opt.batch, cancel);
        },
        [&] {
          return DigestSide(dst, dst_sql, SideTypes(pair, Side::kDestination), MakeHasher(pair), buckets, opt.batch,
                            cancel);
        });
    if (!a.ok()) return a.status().WithContext("reading the source");
    if (!b.ok()) return b.status().WithContext("reading the destination");
    rows_src = a->rows;
    rows_dst = b->rows;
    bytes_source += a->bytes;
    bytes_destination += b->bytes;
    for (size_t i = 0; i < buckets; ++i) {
      if (!(a->buckets[i] == b->buckets[i])) mismatched.push_back(static_cast<uint32_t>(i));
    }
    if (mismatched.empty()) return true;
  }

  const size_t memory = std::max<size_t>(opt.diff_memory_bytes / std::max(opt.concurrency, 1), 1 << 20);
  ASSIGN_OR_RETURN(UnitDiff d, DiffUnit(src, dst, pair, src_sql, dst_sql, buckets, mismatched,
                                        std::max(rows_src, rows_dst), memory, opt.batch, cancel));
  bytes_source += d.bytes_source;
  bytes_destination += d.bytes_destination;
  rows_src = d.rows_source;
  rows_dst = d.rows_destination;
  if (d.differences.empty()) return false;
  ASSIGN_OR_RETURN(RecheckResult checked, Recheck(src, dst, pair, d.differences, *waiter, opt.sync_wait, opt.batch));
  diffs = std::move(checked.confirmed);
  MutexLock lock(mu);
  job.result.rechecked_in_flight += checked.in_flight;
  job.result.unsettled += checked.unsettled;
  return false;
}

void Verifier::Impl::Worker() {
  std::unique_ptr<Session> src, dst;
  while (!cancel) {
    const size_t i = next_work.fetch_add(1);
    if (i >= work.size()) return;
    TableJob& job = *work[i].first;
    const VerifyUnitRecord& unit = job.todo[work[i].second];
    {
      MutexLock lock(mu);
      if (job.failed) continue;
      if (!job.began) {
        job.began = true;
        job.started = Clock::now();
      }
    }
    Status last;
    bool done = false;
    for (int attempt = 0; attempt < 4 && !cancel && !done; ++attempt) {
      if (attempt > 0 && !SleepUnlessCancelled(Backoff{}.Delay(attempt), cancel)) break;
      // Opens a side's session when it has none; false when that failed.
      auto ensure = [&](std::unique_ptr<Session>& session, const Endpoint& endpoint, const char* side) {
        if (session) return true;
        auto s = OpenVerifySession(endpoint);
        if (!s.ok()) {
          last = s.status().WithContext(side);
          return false;
        }
        session = std::move(*s);
        return true;
      };
      if (!ensure(src, opt.source, "source") || !ensure(dst, opt.destination, "destination")) {
        if (Retryable(last)) continue;
        break;
      }
      std::vector<RowDifference> diffs;
      int64_t rows_src = 0, rows_dst = 0;
      auto matched = CompareUnit(*src, *dst, job, unit, diffs, rows_src, rows_dst);
      if (matched.ok()) {
        FinishUnit(job, unit, *matched, rows_src, rows_dst, diffs);
        done = true;
        break;
      }
      last = matched.status();
      if (last.code() == ErrorCode::kCancelled) return;
      // A lost connection, or a lock wait given up: new sessions, again.
      src.reset();
      dst.reset();
      if (!Retryable(last) && last.native_code() != "1205" && last.native_code() != "55P03") break;
    }
    if (!done && !cancel) FailTable(job, last);
  }
}

void Verifier::Impl::FinishUnit(TableJob& job, const VerifyUnitRecord& unit, bool matched, int64_t rows_src,
                                int64_t rows_dst, std::vector<RowDifference>& diffs) {
  const TablePair& pair = job.pair;
  const std::vector<ColumnType> key_types = StoredKeyTypes(pair);
  std::vector<StoredDiff> stored;
  int64_t room;
  {
    // Reserved now: two units of the table finishing together must not
    // both take the same room.
    MutexLock lock(mu);
    room = std::min<int64_t>(std::max<int64_t>(opt.max_stored_diffs - job.stored_diffs, 0),
                             static_cast<int64_t>(diffs.size()));
    job.stored_diffs += room;
  }
  // Tables without a key: a row may be missing several times over; each
  // copy gets its own record ("#2", "#3"... after the row's values).
  std::map<std::string, int> copies;
  for (const auto& d : diffs) {
    if (static_cast<int64_t>(stored.size()) >= room) break;
    KeyValues key = d.key;
    if (pair.key_positions.empty()) {
      // The row's values (NULL shows as empty) and which side has it, so
      // that (1, NULL) only in the source and (1, '') only in the
      // destination stay two records.
      key.push_back(std::string("(") + std::string(DiffKindName(d.kind)) + ")");
      int n = ++copies[EncodeKeyJson(key_types, key)];
      if (n > 1) key.push_back("#" + std::to_string(n));
    }
    stored.push_back({EncodeKeyJson(key_types, key), d.kind, d.columns});
  }
  GODWIT_FAILPOINT("verify.unit_compared");  // before its result is recorded: compared again on resume
  Status st = store->FinishUnit(job.source_key, unit.index, rows_src, rows_dst, matched, stored);
  GODWIT_FAILPOINT("verify.unit_done");  // recorded: never compared again by this run
  if (!st.ok()) {
    FailTable(job, st.WithContext("recording a verified unit"));
    return;
  }
  rows_compared += rows_src;
  MutexLock lock(mu);
  TableVerifyResult& r = job.result;
  job.stored_diffs -= room - static_cast<int64_t>(stored.size());  // what was reserved and not used
  if (stored.size() < diffs.size()) r.truncated = true;
  ++r.units_done;
  if (!matched) ++r.units_mismatched;
  r.rows_source += rows_src;
  r.rows_destination += rows_dst;
  for (const auto& d : diffs) {
    if (d.kind == DiffKind::kOnlyInSource) ++r.only_in_source;
    if (d.kind == DiffKind::kOnlyInDestination) ++r.only_in_destination;
    if (d.kind == DiffKind::kDiffering) {
      ++r.differing;
      for (const auto& c : d.columns) ++r.differing_columns[c];
    }
  }
  if (--job.units_left == 0 && !job.failed) FinalizeLocked(job);
}

void Verifier::Impl::FailTable(TableJob& job, const Status& st) {
  MutexLock lock(mu);
  if (job.failed) return;
  job.failed = true;
  TableVerifyResult& r = job.result;
  r.status = "failed";
  r.error = st.ToString();
  if (!st.hint().empty()) r.error += " — " + st.hint();
  r.elapsed_seconds = job.earlier_seconds + SecondsSince(job.started);
  store->SaveTableResult(job.source_key, r.status, ToJson(r).dump())
      .IgnoreBecause("the table's failure fails the run; a table without a stored result is verified again");
}

void Verifier::Impl::FinalizeLocked(TableJob& job) {
  TableVerifyResult& r = job.result;
  r.consistent = std::max<int64_t>(r.rows_source - r.only_in_source - r.differing, 0);
  const bool differs = r.only_in_source + r.only_in_destination + r.differing > 0 ||
                       !r.only_in_source_columns.empty() || !r.only_in_destination_columns.empty();
  r.status = differs ? "inconsistent" : "consistent";
  r.elapsed_seconds = job.earlier_seconds + SecondsSince(job.started);
  r.samples.clear();
  if (auto samples = store->Diffs(job.source_key, 10); samples.ok()) {
    for (const auto& d : *samples) r.samples.push_back({d.key_json, std::string(DiffKindName(d.kind)), d.columns});
  }
  Status st = store->SaveTableResult(job.source_key, r.status, ToJson(r).dump());
  if (!st.ok()) {
    r.status = "failed";
    r.error = st.ToString();
  }
}

Status Verifier::Run() {
  Impl& im = *impl_;
  Status st = im.Prepare();
  if (!st.ok()) {
    // A run begun (or resumed) and not verified: closed, so that the next
    // command starts afresh rather than resume a run that compared nothing.
    if (im.store && im.run_id != 0) {
      im.store->EndRun(im.run_id, "failed").IgnoreBecause("the preparation's error is the one to report");
    }
    MutexLock lock(im.mu);
    im.state = "failed";
    return st;
  }
  for (TableJob* job : im.JobList()) {
    if (!job->records_only || cancel_) continue;
    auto src = OpenVerifySession(options_.source);
    auto dst = OpenVerifySession(options_.destination);
    Status checked = !src.ok() ? src.status() : !dst.ok() ? dst.status() : im.RecheckRecorded(*job, **src, **dst);
    if (!checked.ok()) im.FailTable(*job, checked);
  }
  const int n = std::max(1, std::min<int>(options_.concurrency, static_cast<int>(im.work.size())));
  std::vector<std::thread> workers;
  for (int i = 0; i < n && !im.work.empty(); ++i) workers.emplace_back([&im] { im.Worker(); });
  for (auto& t : workers) t.join();

  std::vector<std::string> failed;
  std::string final_state;
  {
    MutexLock lock(im.mu);
    for (auto& job : im.jobs) {
      if (job->result.status == "failed") failed.push_back(job->source_key);
      // Interim result of an interrupted table, for the resume's elapsed time.
      if (cancel_ && job->result.status == "running") {
        job->result.elapsed_seconds = job->earlier_seconds + SecondsSince(job->started);
        im.store->SaveTableResult(job->source_key, "running", ToJson(job->result).dump())
            .IgnoreBecause("only the resumed run's elapsed time depends on it");
      }
    }
    im.state = cancel_ ? "cancelled" : failed.empty() ? "completed" : "failed";
    final_state = im.state;
  }
  if (cancel_) return Status(ErrorCode::kCancelled, "verification stopped; run it again to resume");
  RETURN_IF_ERROR(im.store->EndRun(im.run_id, final_state));
  if (!failed.empty()) {
    std::string list;
    for (const auto& f : failed) list += (list.empty() ? "" : ", ") + f;
    return Status(ErrorCode::kReadFailed, "could not verify " + std::to_string(failed.size()) + " table(s): " + list,
                  "Each table's error says why; fix it and run the verification again.");
  }
  return Status();
}

Status Verifier::Impl::RecheckRecorded(TableJob& job, Session& src, Session& dst) {
  const auto key_types = StoredKeyTypes(job.pair);
  ASSIGN_OR_RETURN(auto recorded, store->Diffs(job.source_key));
  std::vector<RowDifference> suspects;
  for (const StoredDiff& d : recorded) {
    ASSIGN_OR_RETURN(KeyValues key, DecodeKeyJson(key_types, d.key_json));
    suspects.push_back({d.kind, std::move(key), d.columns});
  }
  ASSIGN_OR_RETURN(RecheckResult checked, Recheck(src, dst, job.pair, suspects, *waiter, opt.sync_wait, opt.batch));
  std::vector<StoredDiff> left;
  for (const auto& d : checked.confirmed) left.push_back({EncodeKeyJson(key_types, d.key), d.kind, d.columns});
  RETURN_IF_ERROR(store->ReplaceDiffs(job.source_key, left));
  MutexLock lock(mu);
  TableVerifyResult& r = job.result;
  CountDifferences(r, left);
  job.stored_diffs = static_cast<int64_t>(left.size());
  r.unsettled = checked.unsettled;
  FinalizeLocked(job);
  return Status();
}

Result<std::vector<TableCorrections>> Verifier::Corrections(const CorrectionOptions& options) {
  Impl& im = *impl_;
  ASSIGN_OR_RETURN(auto src, OpenVerifySession(options_.source));
  std::vector<TableCorrections> out;
  for (TableJob* job : im.JobList()) {
    if (job->result.status != "inconsistent") continue;
    if (job->result.destination.empty()) {
      TableCorrections t;
      t.source = job->source_key;
      t.destination = "(missing)";
      t.comments.push_back(job->source_key +
                           " is missing on the destination: create and copy it (godwit migrate "
                           "--include " +
                           job->source_key + ")");
      out.push_back(std::move(t));
      continue;
    }
    if (job->pair.names.empty()) continue;  // not paired (failed): nothing recorded
    ASSIGN_OR_RETURN(auto diffs, im.store->Diffs(job->source_key));
    ASSIGN_OR_RETURN(TableCorrections t, BuildCorrections(*src, job->pair, diffs, options));
    out.push_back(std::move(t));
  }
  return out;
}

Status Verifier::Correct(const CorrectionOptions& options) {
  Impl& im = *impl_;
  ASSIGN_OR_RETURN(auto corrections, Corrections(options));
  ASSIGN_OR_RETURN(auto src, OpenVerifySession(options_.source));
  ASSIGN_OR_RETURN(auto dst, Connect(options_.destination));  // writes: not a read-only session
  ASSIGN_OR_RETURN(auto check, OpenVerifySession(options_.destination));
  for (const TableCorrections& t : corrections) {
    if (t.statements.empty()) continue;
    RETURN_IF_ERROR(ApplyCorrections(*dst, t));
    for (TableJob* job : im.JobList()) {
      if (job->source_key == t.source) RETURN_IF_ERROR(im.RecheckRecorded(*job, *src, *check));
    }
  }
  return Status();
}

bool Verifier::Identical() const {
  MutexLock lock(impl_->mu);
  if (impl_->jobs.empty()) return false;
  return std::all_of(impl_->jobs.begin(), impl_->jobs.end(),
                     [](const auto& j) { return j->result.status == "consistent"; });
}

VerifySnapshot Verifier::Snapshot() const {
  const Impl& im = *impl_;
  VerifySnapshot s;
  MutexLock lock(im.mu);
  s.run_id = im.run_id;
  s.state = im.state;
  for (const auto& job : im.jobs) {
    s.tables.push_back(job->result);
    if (job->result.status == "running") {
      s.tables.back().elapsed_seconds = job->earlier_seconds + SecondsSince(job->started);
    }
  }
  s.estimated_rows = im.estimated_rows;
  s.rows_compared = im.rows_compared;
  s.bytes_source = im.bytes_source;
  s.bytes_destination = im.bytes_destination;
  s.elapsed_seconds = SecondsSince(im.started);
  s.rows_per_second = s.elapsed_seconds > 0 ? static_cast<double>(s.rows_compared) / s.elapsed_seconds : 0;
  return s;
}

}  // namespace godwit
