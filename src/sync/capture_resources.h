// Everything one synchronization stream holds between runs, prepared,
// described and released in one place for every front end (godwit migrate
// --incremental, the service's projects) and every direction (forward:
// capture on the source; reverse: capture on the destination).
//
//   captured database   the engine's capture (connector/change_capture.h:
//                       PostgreSQL slot + publication + DDL trigger, MySQL
//                       nothing but a replica id) and Godwit's heartbeat
//                       row (sync/heartbeat.h)
//   applied database    the checkpoint rows (replay/partitioned_applier.h)
//   local               the change log directory (store/change_log.h)
//
// Prepare runs before the copy's snapshot (the publication must exist
// before the slot the copy creates, the heartbeat table before capture
// starts). Release frees all of it, each piece on its own: what cannot be
// freed (a server down) is reported and the rest is still freed, so it can
// be run again until everything is gone.
//
// Thread-safety: one thread at a time.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "connector/change_capture.h"
#include "connector/endpoint.h"
#include "model/object_rules.h"

namespace godwit {

struct CaptureSetup {
  Endpoint captured;    // where changes are read
  Endpoint applied;     // where they are applied (holds the checkpoint rows)
  ObjectRules objects;  // the tables of `captured` that are synchronized
  CaptureNames names;   // the slot/publication name and replica id
  std::string log_dir;  // the local change log
  // Create Godwit's heartbeat table and row; a failure is a warning.
  bool heartbeat = true;
  // False for a project that never synchronized (a full migration): only
  // what the engine's capture may hold is released (a slot an earlier
  // version or type left), not heartbeat and checkpoint rows, so that a
  // destination or MySQL source that is gone does not block its release.
  bool synchronized = true;
  // How messages name the two databases (swapped for the reverse stage).
  std::string captured_role = "the source";
  std::string applied_role = "the destination";
};

class CaptureResources {
 public:
  explicit CaptureResources(CaptureSetup setup);

  // Before the copy's snapshot: the heartbeat table and row, the DDL
  // capture (PostgreSQL) and the engine's capture of the synchronized
  // tables. What Godwit may not create (heartbeat, DDL trigger) is a
  // warning appended to `warnings`; tables capture cannot follow are an
  // error.
  Status Prepare(std::vector<std::string>& warnings);

  // Frees everything listed above. `freed` gets what was there and is
  // gone, `not_freed` what could not be freed and why; the first failure
  // is returned (with what it concerns).
  Status Release(std::vector<std::string>& freed, std::vector<std::string>& not_freed);

  // What is kept between runs, for a DBA ("the replication slot and
  // publication godwit_7 and the change log").
  std::string Describe() const;

  const CaptureSetup& setup() const { return setup_; }

 private:
  void ReleaseCaptured(std::vector<std::string>& freed, const std::function<void(const std::string&, Status)>& fail);
  void ReleaseApplied(std::vector<std::string>& freed, const std::function<void(const std::string&, Status)>& fail);

  CaptureSetup setup_;
};

}  // namespace godwit
