// Full verification: proves that the destination holds the source's rows,
// table by table, and records exactly where it does not.
//
//   catalogs ──► pair tables (table_pair.h) ──► units per table (key ranges
//   planned on the source, hash buckets, or the whole table) ──► N workers:
//     pass 1: a digest of the unit on each side, read at the same moment
//             (in-database checksum, or Godwit's hash of normal forms)
//       equal ──► the unit's rows are consistent
//       differ ──► pass 2: the unit's rows, hashed, matched by key: rows
//                  only in the source, only in the destination, and rows
//                  that differ with the columns that differ
//   ──► each unit's result and differences recorded together (VerifyStore),
//       so an interrupted run resumes with the units not done.
//
// Reads never lock: every query is one autocommit SELECT, which InnoDB
// serves as a consistent non-locking read and PostgreSQL from a statement
// snapshot; no transaction spans units. Memory is bounded whatever the
// table size: pass 1 streams, and pass 2 holds at most diff_memory_bytes of
// one side's rows, splitting a large unit into rounds by key hash.
//
// Thread-safety: Run() is called once, from one thread; Snapshot() and
// Cancel() may be called from any thread while it runs.
#pragma once

#include <atomic>
#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "common/status.h"
#include "connector/endpoint.h"
#include "model/object_rules.h"
#include "model/value.h"
#include "verify/corrections.h"
#include "verify/recheck.h"
#include "verify/table_pair.h"

namespace godwit {

// What a run verifies.
enum class VerifyMode {
  kAll,                  // every table in scope, from the start
  kAbnormalTables,       // tables whose last result is not consistent (or that have none)
  kInconsistentRecords,  // only the differences recorded last time, re-read by key
};
std::string_view VerifyModeName(VerifyMode m);  // "all", "abnormal", "records"
std::optional<VerifyMode> ParseVerifyMode(std::string_view name);

struct VerifyOptions {
  Endpoint source;
  Endpoint destination;
  ObjectRules objects;
  // Units compared at once. Each keeps a reader on each server busy.
  int concurrency = 2;
  int64_t chunk_rows = 100000;
  MethodChoice method = MethodChoice::kAuto;
  VerifyMode mode = VerifyMode::kAll;
  std::string state_path;  // the VerifyStore file
  // Start a new run even when the last one was interrupted (default:
  // resume it).
  bool restart = false;
  // Memory for pass 2's row maps, shared by the workers.
  size_t diff_memory_bytes = size_t{64} << 20;
  // Differences kept per table (each with its key); past it the table's
  // counts stay exact and the detail says "truncated".
  int64_t max_stored_diffs = 100000;
  BatchLimits batch;
  // Waits, before a difference is confirmed, until the destination has
  // what the source committed before the row was read (recheck.h); null:
  // nothing synchronizes the destination, no wait.
  std::shared_ptr<CatchUpWaiter> waiter;
  // How long one such wait may take before the row is reported unsettled.
  std::chrono::seconds sync_wait{120};
};

struct VerifySample {
  std::string key_json;  // the key's values (a whole row for tables without a key)
  std::string kind;      // "only_in_source", "only_in_destination", "differing"
  std::vector<std::string> columns;
};

// One table's result; see docs/verification.md for each field.
struct TableVerifyResult {
  std::string source;
  std::string destination;
  std::string status = "pending";  // pending, running, consistent, inconsistent, failed
  std::string method;              // "database", "hashed"
  std::string method_reason;
  std::string units_kind;  // "range", "bucket", "whole"
  int64_t units_total = 0;
  int64_t units_done = 0;
  int64_t units_mismatched = 0;
  int64_t rows_source = 0;
  int64_t rows_destination = 0;
  int64_t consistent = 0;
  int64_t only_in_source = 0;
  int64_t only_in_destination = 0;
  int64_t differing = 0;
  std::map<std::string, int64_t> differing_columns;
  int64_t rechecked_in_flight = 0;  // rows pass 2 found different that were changing, found equal after
  int64_t unsettled = 0;            // rows still changing after every re-check (counted as differences)
  std::vector<std::string> only_in_source_columns;
  std::vector<std::string> only_in_destination_columns;
  std::vector<VerifySample> samples;
  bool truncated = false;  // more differences than max_stored_diffs
  std::string error;       // failed: why, and what to do
  double elapsed_seconds = 0;

  bool Identical() const { return status == "consistent"; }
};

struct VerifySnapshot {
  int64_t run_id = 0;
  std::string state;  // "running", "completed", "failed", "cancelled"
  std::vector<TableVerifyResult> tables;
  int64_t estimated_rows = 0;  // source catalog estimates
  int64_t rows_compared = 0;   // source rows compared so far
  int64_t bytes_source = 0;    // bytes read from each side (values)
  int64_t bytes_destination = 0;
  double elapsed_seconds = 0;
  double rows_per_second = 0;
};

// Units compared over units planned, 0..100 (100 only once every table ended).
double VerifyPercent(const VerifySnapshot& s);

nlohmann::json ToJson(const TableVerifyResult& t);
nlohmann::json ToJson(const VerifySnapshot& s);

class Verifier {
 public:
  explicit Verifier(VerifyOptions options);
  ~Verifier();

  // Verifies every table in scope to the end, or until Cancel(). OK when
  // every table was compared, identical or not (Identical() tells); an
  // error when a table could not be compared (each table's error is in its
  // result) or the run could not start.
  Status Run();
  // True after Run() when every table is consistent.
  bool Identical() const;
  VerifySnapshot Snapshot() const;
  // Stops soon; units not finished are compared again on resume.
  void Cancel() { cancel_ = true; }

  // After Run(): the statements that would make the destination equal to
  // the source for every recorded difference (corrections.h).
  Result<std::vector<TableCorrections>> Corrections(const CorrectionOptions& options);
  // After Run(): applies those statements, then re-checks their rows (as a
  // verification does) and records what is left; Snapshot() and
  // Identical() then describe the destination after the correction.
  Status Correct(const CorrectionOptions& options);

 private:
  struct Impl;
  VerifyOptions options_;
  std::atomic<bool> cancel_{false};
  std::unique_ptr<Impl> impl_;
};

}  // namespace godwit
