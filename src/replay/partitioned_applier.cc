#include "replay/partitioned_applier.h"

#include <xxhash.h>

#include <chrono>
#include <deque>
#include <set>
#include <thread>

#include "common/mutex.h"
#include "common/failpoint.h"

namespace godwit {
namespace {

// Changes a partition receives before they are handed to its worker: large
// enough for the applier's multi-row statements and net-effect compaction.
constexpr size_t kPieceEvents = 256;
// Pieces queued per worker before the reader waits (bounds memory).
constexpr size_t kMaxQueuedPieces = 8;
// A source transaction up to this size is routed whole when it ends.
constexpr size_t kHoldEvents = 8192;

uint64_t HashText(const std::string& s, uint64_t seed) { return XXH3_64bits_withSeed(s.data(), s.size(), seed); }

// Every row of the checkpoint table: stream id -> (sequence, position JSON).
class CheckpointRows : public BatchConsumer {
 public:
  Status Consume(RowBatch& batch) override {
    for (size_t r = 0; r < batch.rows(); ++r) {
      auto row = batch.row(r);
      if (row[0].is_null() || row[1].is_null() || row[2].is_null()) continue;
      uint64_t seq = 0;
      try {
        seq = std::stoull(std::string(row[1].bytes()));
      } catch (const std::exception&) {
        return Status(ErrorCode::kMetadata,
                      "a replay checkpoint row has a bad sequence: " + std::string(row[1].bytes()));
      }
      rows[std::string(row[0].bytes())] = {seq, std::string(row[2].bytes())};
    }
    return Status();
  }
  std::map<std::string, std::pair<uint64_t, std::string>> rows;
};

// `table` is qualified as the session names it (InDefaultSchema).
Result<std::map<std::string, std::pair<uint64_t, std::string>>> ReadCheckpointRows(Session& session,
                                                                                   const Dialect& dialect,
                                                                                   const TableRef& table) {
  ColumnType text;
  text.kind = TypeKind::kText;
  ColumnType seq;
  seq.kind = TypeKind::kInt64;
  const ColumnType types[] = {text, seq, text};
  CheckpointRows rows;
  RETURN_IF_ERROR(session.Query("SELECT " + dialect.QuoteIdent("stream_id") + ", " +
                                    dialect.QuoteIdent("applied_sequence") + ", " +
                                    dialect.QuoteIdent("position_json") + " FROM " + dialect.QualifiedName(table),
                                types, rows, BatchLimits{}));
  return std::move(rows.rows);
}

// Deletes the named checkpoint rows in one statement.
Status DeleteCheckpointRows(Session& session, const Dialect& dialect, const TableRef& table,
                            const std::vector<std::string>& ids) {
  if (ids.empty()) return Status();
  std::string list;
  for (const std::string& id : ids) list += (list.empty() ? "" : ", ") + dialect.Literal(ColumnType{}, id);
  return session.Execute("DELETE FROM " + dialect.QualifiedName(table) + " WHERE " + dialect.QuoteIdent("stream_id") +
                         " IN (" + list + ")");
}

bool IsPartitionOf(const std::string& id, const std::string& stream_id) {
  return id.size() > stream_id.size() + 2 && id.compare(0, stream_id.size(), stream_id) == 0 &&
         id.compare(stream_id.size(), 2, ".p") == 0;
}

}  // namespace

std::string PartitionStreamId(const std::string& stream_id, int partition) {
  return partition == 0 ? stream_id : stream_id + ".p" + std::to_string(partition);
}

// ---------------------------------------------------------------------------
// Routing

PartitionRouter::PartitionRouter(const std::map<TableRef, TableSchema>& tables, const Dialect& dialect, int partitions)
    : tables_(tables), dialect_(dialect), partitions_(std::max(1, partitions)) {
  Rebuild();
}

void PartitionRouter::SetTable(const TableRef& source, std::optional<TableSchema> destination) {
  if (destination) {
    tables_[source] = std::move(*destination);
  } else {
    tables_.erase(source);
  }
  Rebuild();
}

void PartitionRouter::Rebuild() {
  routes_.clear();
  // Tables linked by foreign keys on the destination form groups that
  // share one partition: a child row must not land before its parent.
  std::map<TableRef, TableRef> source_of;  // destination -> source
  for (const auto& [src, schema] : tables_) source_of[schema.ref] = src;
  std::map<TableRef, TableRef> parent;
  std::function<TableRef(const TableRef&)> find = [&](const TableRef& t) -> TableRef {
    auto it = parent.find(t);
    if (it == parent.end() || it->second == t) return t;
    TableRef root = find(it->second);
    parent[t] = root;
    return root;
  };
  std::set<TableRef> linked;
  for (const auto& [src, schema] : tables_) {
    for (const ForeignKey& fk : schema.foreign_keys) {
      auto other = source_of.find(fk.ref_table);
      TableRef b = other != source_of.end() ? other->second : fk.ref_table;
      linked.insert(src);
      linked.insert(b);
      TableRef ra = find(src), rb = find(b);
      if (!(ra == rb)) parent[std::max(ra, rb)] = std::min(ra, rb);
    }
  }
  for (const auto& [src, schema] : tables_) {
    TableRoute route;
    auto key = schema.ChunkKey();
    bool by_key = key.has_value() && !linked.count(src) && partitions_ > 1;
    for (const IndexDef& index : schema.indexes) by_key = by_key && !index.unique;
    if (by_key) {
      for (const IndexColumn& c : key->columns) {
        const int idx = schema.ColumnIndex(c.name);
        by_key = by_key && idx >= 0 &&
                 dialect_.ExactKeyExpr(schema.columns[idx]) == dialect_.QuoteIdent(schema.columns[idx].name);
        route.key_names.push_back(c.name);
      }
    }
    route.by_key = by_key;
    const TableRef group = linked.count(src) ? find(src) : src;
    route.partition = static_cast<int>(HashText(group.ToString(), 0) % static_cast<uint64_t>(partitions_));
    routes_[src] = std::move(route);
  }
}

const PartitionRouter::TableRoute* PartitionRouter::RouteOf(const TableRef& table,
                                                            const std::vector<std::string>& columns) {
  auto it = routes_.find(table);
  if (it == routes_.end()) return nullptr;
  TableRoute& r = it->second;
  if (r.by_key && columns != r.last_columns) {
    r.key_positions.clear();
    for (const std::string& k : r.key_names) {
      auto pos = std::find(columns.begin(), columns.end(), k);
      r.key_positions.push_back(pos == columns.end() ? -1 : static_cast<int>(pos - columns.begin()));
    }
    r.last_columns = columns;
  }
  return &r;
}

std::optional<uint64_t> PartitionRouter::KeyHash(const TableRef& table, const TableRoute& route, const RowImage& image,
                                                 const RowImage* fill) const {
  uint64_t h = HashText(table.ToString(), 0x9e3779b97f4a7c15ULL);
  for (int pos : route.key_positions) {
    if (pos < 0 || static_cast<size_t>(pos) >= image.size()) return std::nullopt;
    const FieldValue* v = &image[pos];
    if (v->state == FieldValue::State::kUnchanged && fill && static_cast<size_t>(pos) < fill->size()) {
      v = &(*fill)[pos];
    }
    if (v->state == FieldValue::State::kUnchanged) return std::nullopt;
    const char state = static_cast<char>('0' + static_cast<int>(v->state));
    h = XXH3_64bits_withSeed(&state, 1, h);
    h = XXH3_64bits_withSeed(v->bytes.data(), v->bytes.size(), h);
  }
  return h;
}

PartitionRouter::Plan PartitionRouter::PlanFor(const ChangeEvent& e) {
  const bool row = e.kind == ChangeKind::kInsert || e.kind == ChangeKind::kUpdate || e.kind == ChangeKind::kDelete;
  if (!row) return {};  // truncate (and anything else): serial
  const TableRoute* route = RouteOf(e.table, e.columns);
  if (!route) return {.serial = false, .partition = 0};  // not a table of this migration: partition 0 reports it
  if (!route->by_key) return {.serial = false, .partition = route->partition};
  const auto P = static_cast<uint64_t>(partitions_);
  if (e.kind == ChangeKind::kDelete) {
    auto h = KeyHash(e.table, *route, e.before, nullptr);
    if (!h) return {};
    return {.serial = false, .partition = static_cast<int>(*h % P)};
  }
  auto new_key = KeyHash(e.table, *route, e.after, e.before.empty() ? nullptr : &e.before);
  if (!new_key) return {};
  if (e.kind == ChangeKind::kUpdate && !e.before.empty()) {
    auto old_key = KeyHash(e.table, *route, e.before, nullptr);
    if (!old_key) return {};
    if (*old_key != *new_key) {
      // The row moves to another key. With every column sent it is a
      // delete of the old key and an upsert of the new row, each in its
      // key's partition; a column left unchanged must move with the row,
      // which only one session seeing both keys can do.
      for (const FieldValue& v : e.after) {
        if (v.state == FieldValue::State::kUnchanged) return {};
      }
      return {.serial = false, .partition = static_cast<int>(*old_key % P), .split_to = static_cast<int>(*new_key % P)};
    }
  }
  return {.serial = false, .partition = static_cast<int>(*new_key % P)};
}

bool PartitionRouter::Route(ChangeEvent& e, std::vector<RoutedChange>& out) {
  const Plan plan = PlanFor(e);
  if (plan.serial) return false;
  if (plan.split_to < 0) {
    out.push_back({plan.partition, std::move(e)});
    return true;
  }
  ChangeEvent gone;
  gone.kind = ChangeKind::kDelete;
  gone.table = e.table;
  gone.columns = e.columns;
  gone.before = std::move(e.before);
  gone.position = e.position;
  gone.commit_time_us = e.commit_time_us;
  // An update whose before-image is its after-image: an upsert of the new
  // key (kept an update, so the applier's counts stay true).
  e.before = e.after;
  out.push_back({plan.partition, std::move(gone)});
  out.push_back({plan.split_to, std::move(e)});
  return true;
}

// ---------------------------------------------------------------------------
// Workers

struct PartitionedApplier::Worker {
  struct Task {
    enum class Kind { kApply, kCommit, kSettle, kAbort, kStop } kind = Kind::kApply;
    std::vector<ChangeEvent> events;
    Position position;
    uint64_t sequence = 0;
    uint64_t transactions = 0;
    // kCommit: further partitions' checkpoint rows this commit moves (a
    // serially applied transaction).
    std::vector<std::string> also;
  };

  int index = 0;
  std::unique_ptr<Session> session;
  std::unique_ptr<ChangeApplier> applier;
  uint64_t skip_upto = 0;  // its checkpoint at Open: changes at or below were applied

  Mutex mu;
  CondVar cv;
  std::deque<Task> queue GODWIT_GUARDED_BY(mu);
  size_t unfinished GODWIT_GUARDED_BY(mu) = 0;    // queued + running
  Status error GODWIT_GUARDED_BY(mu);             // the first failure since the last abort
  uint64_t checkpoint GODWIT_GUARDED_BY(mu) = 0;  // committed sequence
  double apply_ms GODWIT_GUARDED_BY(mu) = 0;
  std::thread thread;

  // Before Start: the sequence the partition's checkpoint row holds.
  void StartAt(uint64_t seq) {
    MutexLock lock(mu);
    skip_upto = seq;
    checkpoint = seq;
  }

  void Start() {
    thread = std::thread([this] { Loop(); });
  }

  void Enqueue(Task task) {
    MutexLock lock(mu);
    if (task.kind == Task::Kind::kApply) {
      while (queue.size() >= kMaxQueuedPieces) cv.Wait(mu);
    }
    queue.push_back(std::move(task));
    ++unfinished;
    cv.NotifyAll();
  }

  Status Wait() {
    MutexLock lock(mu);
    while (unfinished != 0) cv.Wait(mu);
    return error;
  }

  uint64_t Committed() {
    MutexLock lock(mu);
    return checkpoint;
  }

  Status CurrentError() {
    MutexLock lock(mu);
    return error;
  }

  void Loop() {
    while (true) {
      Task task;
      {
        MutexLock lock(mu);
        while (queue.empty()) cv.Wait(mu);
        task = std::move(queue.front());
        queue.pop_front();
        cv.NotifyAll();  // room in the queue
      }
      if (task.kind == Task::Kind::kStop) {
        MutexLock lock(mu);
        --unfinished;
        cv.NotifyAll();
        return;
      }
      bool failed;
      {
        MutexLock lock(mu);
        failed = !error.ok();
      }
      Status st;
      double ms = 0;
      if (task.kind == Task::Kind::kAbort) {
        applier->Abort();
      } else if (!failed) {
        const auto t0 = std::chrono::steady_clock::now();
        st = Run(task);
        ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
      }
      MutexLock lock(mu);
      if (task.kind == Task::Kind::kAbort) error = Status();
      if (!st.ok() && error.ok()) error = st;
      if (task.kind == Task::Kind::kApply) apply_ms += ms;
      if (st.ok() && task.kind == Task::Kind::kCommit && !failed) checkpoint = std::max(checkpoint, task.sequence);
      --unfinished;
      cv.NotifyAll();
    }
  }

  Status Run(Task& task) {
    switch (task.kind) {
      case Task::Kind::kApply:
        if (!applier->in_transaction()) RETURN_IF_ERROR(applier->Begin());
        return applier->Apply(task.events);
      case Task::Kind::kCommit: {
        if (task.sequence <= Committed()) {
          // Resumed past this batch: nothing of it is this partition's, and
          // its checkpoint must not go back.
          if (applier->in_transaction()) return Settle();
          return Status();
        }
        if (!applier->in_transaction()) RETURN_IF_ERROR(applier->Begin());
        GODWIT_FAILPOINT("replay.partition_commit");
        return applier->Commit(task.position, task.sequence, task.transactions, task.also);
      }
      case Task::Kind::kSettle: {
        if (!applier->in_transaction()) return Status();
        if (task.sequence > Committed()) {
          RETURN_IF_ERROR(applier->Commit(task.position, task.sequence, 0));
          MutexLock lock(mu);
          checkpoint = task.sequence;
          return Status();
        }
        return Settle();
      }
      default: return Status();
    }
  }

  Status Settle() {
    const auto& a = applier->applied();
    return applier->Commit(a ? a->position : Position{}, a ? a->sequence : 0, 0);
  }
};

// ---------------------------------------------------------------------------

PartitionedApplier::PartitionedApplier(const Dialect& dialect, const std::map<TableRef, TableSchema>& tables,
                                       ApplierOptions options, int partitions)
    : options_(std::move(options)), router_(tables, dialect, partitions) {}

PartitionedApplier::~PartitionedApplier() {
  for (auto& w : workers_) {
    if (!w->thread.joinable()) continue;
    w->Enqueue({.kind = Worker::Task::Kind::kStop});
    w->thread.join();
  }
}

Result<std::unique_ptr<PartitionedApplier>> PartitionedApplier::Open(const ConnectFn& connect, const Dialect& dialect,
                                                                     const std::map<TableRef, TableSchema>& tables,
                                                                     ApplierOptions options, int partitions) {
  if (!dialect.ConcurrentWriters()) partitions = 1;
  partitions = std::max(1, partitions);
  std::unique_ptr<PartitionedApplier> self(new PartitionedApplier(dialect, tables, options, partitions));
  ApplierOptions per = options;
  if (options.on_warning) {
    // Workers warn from their threads, several about one table (a keyless
    // table applied serially too): once each.
    PartitionedApplier* raw = self.get();
    per.on_warning = [raw, warn = options.on_warning](const std::string& w) {
      {
        MutexLock lock(raw->warn_mu_);
        if (!raw->warned_.insert(w).second) return;
      }
      warn(w);
    };
  }
  per.apply_insert = per.apply_update = per.apply_delete = true;  // filtered before routing
  for (int k = 0; k < partitions; ++k) {
    auto w = std::make_unique<Worker>();
    w->index = k;
    ASSIGN_OR_RETURN(w->session, connect());
    // Partitions touch disjoint rows (the router's promise).
    RETURN_IF_ERROR(w->session->PrepareConcurrentWrites());
    per.stream_id = PartitionStreamId(options.stream_id, k);
    ASSIGN_OR_RETURN(w->applier, ChangeApplier::Open(*w->session, dialect, tables, per));
    self->workers_.push_back(std::move(w));
  }
  // Bring the checkpoint rows to this layout before anything applies.
  Worker& first = *self->workers_[0];
  const TableRef checkpoint_table = InDefaultSchema(*first.session, options.checkpoint_table);
  ASSIGN_OR_RETURN(auto rows, ReadCheckpointRows(*first.session, dialect, checkpoint_table));
  std::set<std::string> ours, stray;
  std::vector<std::string> others;
  for (int k = 1; k < partitions; ++k) others.push_back(PartitionStreamId(options.stream_id, k));
  for (const auto& [id, row] : rows) {
    if (!IsPartitionOf(id, options.stream_id)) continue;
    const bool known = std::find(others.begin(), others.end(), id) != others.end();
    (known ? ours : stray).insert(id);
  }
  if (ours.size() == others.size() && stray.empty()) {
    for (int k = 0; k < partitions; ++k) {
      auto it = rows.find(PartitionStreamId(options.stream_id, k));
      const uint64_t seq = it != rows.end() ? it->second.first : 0;
      self->workers_[k]->StartAt(seq);
    }
  } else {
    // Fresh, or a single-session checkpoint (every partition starts where
    // it ended), or another partition count (every partition starts at
    // the lowest of the old rows).
    auto base = rows.find(options.stream_id);
    uint64_t seq = base != rows.end() ? base->second.first : 0;
    std::string position = base != rows.end() ? base->second.second : PositionToJson(NoPosition{});
    if (!ours.empty() || !stray.empty()) {
      for (const auto& [id, row] : rows) {
        if ((ours.count(id) || stray.count(id)) && row.first < seq) {
          seq = row.first;
          position = row.second;
        }
      }
      if (options.on_warning) {
        options.on_warning("the Writer's partition count changed since the last run: changes after change " +
                           std::to_string(seq) + " are applied again");
      }
    }
    ASSIGN_OR_RETURN(Position pos, PositionFromJson(position));
    RETURN_IF_ERROR(DeleteCheckpointRows(*first.session, dialect, checkpoint_table,
                                         std::vector<std::string>(stray.begin(), stray.end())));
    RETURN_IF_ERROR(first.applier->Begin());
    RETURN_IF_ERROR(first.applier->Commit(pos, seq, 0, others));
    for (auto& w : self->workers_) {
      w->StartAt(seq);
      // Its applied() must show the row just written.
      per.stream_id = PartitionStreamId(options.stream_id, w->index);
      ASSIGN_OR_RETURN(w->applier, ChangeApplier::Open(*w->session, dialect, tables, per));
    }
  }
  for (auto& w : self->workers_) w->Start();
  self->buffers_.resize(partitions);
  return self;
}

std::optional<AppliedCheckpoint> PartitionedApplier::resume_point() const {
  std::optional<AppliedCheckpoint> lowest;
  for (const auto& w : workers_) {
    const auto& a = w->applier->applied();
    if (!a || a->sequence == 0) return std::nullopt;
    if (!lowest || a->sequence < lowest->sequence) lowest = a;
  }
  return lowest;
}

int PartitionedApplier::partitions() const { return static_cast<int>(workers_.size()); }

Session& PartitionedApplier::control_session() { return *workers_[0]->session; }

Status PartitionedApplier::Dispatch(int partition, bool force) {
  auto& buffer = buffers_[partition];
  if (buffer.empty() || (!force && buffer.size() < kPieceEvents)) return Status();
  Worker& w = *workers_[partition];
  RETURN_IF_ERROR(w.CurrentError());
  Worker::Task task;
  task.kind = Worker::Task::Kind::kApply;
  task.events = std::move(buffer);
  buffer.clear();
  w.Enqueue(std::move(task));
  return Status();
}

Status PartitionedApplier::WaitAll() {
  Status first;
  for (auto& w : workers_) {
    Status st = w->Wait();
    if (first.ok() && !st.ok()) first = st;
  }
  return first;
}

Status PartitionedApplier::EnterSerial() {
  RETURN_IF_ERROR(SettleRouted());
  serial_ = true;
  return Status();
}

Status PartitionedApplier::RouteOne(ChangeEvent& e, uint64_t seq) {
  routed_.clear();
  if (!serial_ && !router_.Route(e, routed_)) RETURN_IF_ERROR(EnterSerial());
  if (serial_) {
    if (seq > workers_[0]->skip_upto) buffers_[0].push_back(std::move(e));
    return Dispatch(0, false);
  }
  for (RoutedChange& part : routed_) {
    if (seq <= workers_[part.partition]->skip_upto) continue;
    buffers_[part.partition].push_back(std::move(part.event));
    RETURN_IF_ERROR(Dispatch(part.partition, false));
  }
  return Status();
}

Status PartitionedApplier::RouteHeld() {
  for (size_t i = 0; i < held_.size(); ++i) RETURN_IF_ERROR(RouteOne(held_[i], held_seqs_[i]));
  held_.clear();
  held_seqs_.clear();
  return Status();
}

Status PartitionedApplier::Apply(std::vector<ChangeEvent>& events, std::span<const uint64_t> sequences) {
  for (size_t i = 0; i < events.size(); ++i) {
    ChangeEvent& e = events[i];
    const uint64_t seq = i < sequences.size() ? sequences[i] : 0;
    if (e.kind == ChangeKind::kBegin || e.kind == ChangeKind::kCommit) continue;
    if ((e.kind == ChangeKind::kInsert && !options_.apply_insert) ||
        (e.kind == ChangeKind::kUpdate && !options_.apply_update) ||
        (e.kind == ChangeKind::kDelete && !options_.apply_delete)) {
      ++filtered_;
      continue;
    }
    if (spilled_) {
      RETURN_IF_ERROR(RouteOne(e, seq));
      continue;
    }
    held_.push_back(std::move(e));
    held_seqs_.push_back(seq);
    if (held_.size() >= kHoldEvents) {
      // Too large to hold: applied on partition 0 alone as it comes, in one
      // destination transaction — atomic like the source's, and a crash
      // replays it from its start on one session only.
      spilled_ = true;
      if (!serial_) RETURN_IF_ERROR(EnterSerial());
      RETURN_IF_ERROR(RouteHeld());
    }
  }
  return Status();
}

Status PartitionedApplier::EndTransaction(const Position& position, uint64_t sequence) {
  if (!serial_ && !spilled_) {
    for (const ChangeEvent& e : held_) {
      if (router_.NeedsSerial(e)) {
        RETURN_IF_ERROR(EnterSerial());
        break;
      }
    }
  }
  RETURN_IF_ERROR(RouteHeld());
  spilled_ = false;
  last_ended_position_ = position;
  last_ended_seq_ = sequence;
  return Status();
}

Status PartitionedApplier::Commit(const Position& position, uint64_t sequence, uint64_t transactions) {
  RETURN_IF_ERROR(RouteHeld());
  for (int k = 0; k < partitions(); ++k) RETURN_IF_ERROR(Dispatch(k, true));
  if (serial_) {
    // The other partitions are idle (settled when the transaction turned
    // serial); partition 0's commit moves their checkpoints too.
    std::vector<std::string> also;
    for (size_t k = 1; k < workers_.size(); ++k) {
      MutexLock lock(workers_[k]->mu);
      if (workers_[k]->checkpoint < sequence)
        also.push_back(PartitionStreamId(options_.stream_id, static_cast<int>(k)));
    }
    workers_[0]->Enqueue({.kind = Worker::Task::Kind::kCommit,
                          .position = position,
                          .sequence = sequence,
                          .transactions = transactions,
                          .also = std::move(also)});
    RETURN_IF_ERROR(WaitAll());
    serial_ = false;
    for (auto& w : workers_) {
      MutexLock lock(w->mu);
      w->checkpoint = std::max(w->checkpoint, sequence);
    }
    return Status();
  }
  for (auto& w : workers_) {
    w->Enqueue({.kind = Worker::Task::Kind::kCommit,
                .position = position,
                .sequence = sequence,
                .transactions = w->index == 0 ? transactions : 0});
  }
  return WaitAll();
}

Status PartitionedApplier::Settle() {
  // Mid-transaction: what is held goes now, and the rest of the
  // transaction is routed as it comes.
  if (!held_.empty()) spilled_ = true;
  RETURN_IF_ERROR(RouteHeld());
  return SettleRouted();
}

Status PartitionedApplier::SettleRouted() {
  for (int k = 0; k < partitions(); ++k) RETURN_IF_ERROR(Dispatch(k, true));
  for (auto& w : workers_) {
    w->Enqueue({.kind = Worker::Task::Kind::kSettle, .position = last_ended_position_, .sequence = last_ended_seq_});
  }
  return WaitAll();
}

void PartitionedApplier::Abort() {
  for (auto& b : buffers_) b.clear();
  held_.clear();
  held_seqs_.clear();
  spilled_ = false;
  for (auto& w : workers_) w->Enqueue({.kind = Worker::Task::Kind::kAbort});
  WaitAll().IgnoreBecause(
      "waiting for the partitions to roll back an aborted batch; the error that aborted it is reported");
  serial_ = false;
}

void PartitionedApplier::SetTable(const TableRef& source, std::optional<TableSchema> destination) {
  for (auto& w : workers_) w->applier->SetTable(source, destination);
  router_.SetTable(source, std::move(destination));
}

uint64_t PartitionedApplier::statements() const {
  uint64_t n = 0;
  for (const auto& w : workers_) n += w->applier->stats().statements;
  return n;
}

double PartitionedApplier::apply_ms() const {
  double ms = 0;
  for (const auto& w : workers_) {
    MutexLock lock(w->mu);
    ms += w->apply_ms;
  }
  return ms;
}

Result<bool> DropPartitionedCheckpoint(Session& session, const Dialect& dialect, const std::string& stream_id) {
  const TableRef table = InDefaultSchema(session, {"", "godwit_checkpoint"});
  ASSIGN_OR_RETURN(Catalog catalog, session.ReadCatalog([&](const TableRef& ref) { return ref == table; }));
  if (catalog.tables.empty()) return false;
  ASSIGN_OR_RETURN(auto rows, ReadCheckpointRows(session, dialect, table));
  std::vector<std::string> partitions;
  bool had = false;
  for (const auto& [id, row] : rows) {
    if (IsPartitionOf(id, stream_id)) partitions.push_back(id);
    had = had || id == stream_id || IsPartitionOf(id, stream_id);
  }
  RETURN_IF_ERROR(DeleteCheckpointRows(session, dialect, table, partitions));
  // The stream's own row, and the table when no other stream has one.
  RETURN_IF_ERROR(DropCheckpoint(session, dialect, stream_id, table));
  return had;
}

}  // namespace godwit
