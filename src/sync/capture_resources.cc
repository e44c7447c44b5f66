#include "sync/capture_resources.h"

#include <filesystem>

#include "connector/session.h"
#include "model/object_mapping.h"
#include "replay/partitioned_applier.h"
#include "schema/dialect.h"
#include "sync/heartbeat.h"

namespace godwit {

using FailFn = std::function<void(const std::string&, Status)>;

CaptureResources::CaptureResources(CaptureSetup setup) : setup_(std::move(setup)) {}

Status CaptureResources::Prepare(std::vector<std::string>& warnings) {
  ASSIGN_OR_RETURN(auto capture, OpenChangeCapture(setup_.captured, setup_.names));
  ASSIGN_OR_RETURN(auto db, Connect(setup_.captured));
  ObjectMapping mapping(setup_.objects, db->default_schema(), "");
  auto catalog = db->ReadCatalog([&](const TableRef& ref) { return mapping.Includes(ref); });
  if (!catalog.ok()) return catalog.status().WithContext("reading the catalog of " + setup_.captured_role);
  std::vector<TableRef> tables;
  for (const auto& t : catalog->tables) tables.push_back(t.ref);
  if (setup_.heartbeat) {
    if (Status st = EnsureHeartbeat(*db, setup_.names.row_id); st.ok()) {
      tables.push_back(HeartbeatTable(*db));
    } else {
      warnings.push_back(st.ToStringWithHint());
    }
  }
  return capture->Prepare(*db, tables, setup_.objects, warnings);
}

void CaptureResources::ReleaseCaptured(std::vector<std::string>& freed, const FailFn& fail) {
  const std::string where = " on " + setup_.captured_role;
  // A database that cannot be captured (SQLite) holds no capture.
  if (auto capture = OpenChangeCapture(setup_.captured, setup_.names); capture.ok()) {
    std::vector<std::string> dropped;
    Status st = (*capture)->Release(dropped);
    for (const auto& d : dropped) freed.push_back(d + where);
    if (!st.ok()) fail("what stream " + setup_.names.stream + " holds" + where, st);
  } else if (capture.status().code() != ErrorCode::kUnsupported) {
    fail("the change capture " + setup_.names.stream + where, capture.status());
  }
  if (!setup_.synchronized) return;
  const std::string heartbeat = "heartbeat row " + setup_.names.row_id + where;
  auto db = Connect(setup_.captured);
  if (!db.ok()) {
    fail(heartbeat + " (not reachable)", db.status());
  } else if (auto dropped = DropHeartbeat(**db, setup_.names.row_id); !dropped.ok()) {
    fail(heartbeat, dropped.status());
  } else if (*dropped) {
    freed.push_back(heartbeat);
  }
}

void CaptureResources::ReleaseApplied(std::vector<std::string>& freed, const FailFn& fail) {
  const std::string what = "checkpoint row " + setup_.names.row_id + " on " + setup_.applied_role;
  auto db = Connect(setup_.applied);
  if (!db.ok()) {
    fail(what + " (not reachable)", db.status());
    return;
  }
  auto dropped = DropPartitionedCheckpoint(**db, DialectFor(setup_.applied.engine), setup_.names.row_id);
  if (!dropped.ok()) {
    fail(what, dropped.status());
  } else if (*dropped) {
    freed.push_back(what);
  }
}

Status CaptureResources::Release(std::vector<std::string>& freed, std::vector<std::string>& not_freed) {
  Status first;
  const FailFn fail = [&](const std::string& what, Status st) {
    not_freed.push_back(what + ": " + st.ToString());
    if (first.ok()) first = std::move(st).WithContext(what);
  };
  ReleaseCaptured(freed, fail);
  if (setup_.synchronized) ReleaseApplied(freed, fail);
  std::error_code ec;
  if (std::filesystem::exists(setup_.log_dir, ec)) {
    std::filesystem::remove_all(setup_.log_dir, ec);
    if (ec) {
      fail("the change log " + setup_.log_dir, Status(ErrorCode::kMetadata, ec.message()));
    } else {
      freed.push_back("the change log " + setup_.log_dir);
    }
  }
  return first;
}

std::string CaptureResources::Describe() const {
  auto capture = OpenChangeCapture(setup_.captured, setup_.names);
  return (capture.ok() ? (*capture)->Describe() + " and " : std::string()) + "the change log";
}

}  // namespace godwit
