// Internal to precheck/: the interface every check implements and the
// helpers they share. A check is a function that looks at the context and
// appends one or more items; database errors become items, never early
// returns, so one check's trouble never hides another's findings.
//
// RunPrecheck (precheck.cc) opens the connections (connectivity.cc), reads
// the chosen source tables once, then runs the checks in order.
//
// Thread-safety: a context and its sessions belong to one RunPrecheck call.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "connector/server_checks.h"
#include "connector/session.h"
#include "model/row_collector.h"
#include "model/object_mapping.h"
#include "precheck/precheck.h"

namespace godwit::precheck {

enum class Side { kSource, kDestination };
inline const char* SideName(Side side) { return side == Side::kSource ? "source" : "destination"; }

struct PrecheckContext {
  explicit PrecheckContext(const PrecheckRequest& r) : request(r) {}

  const PrecheckRequest& request;
  // Open sessions; null when the connection failed (see `unavailable`) or,
  // for a SQLite destination, when the file does not exist yet.
  std::unique_ptr<Session> source;
  std::unique_ptr<Session> destination;
  // Why a side has no session, for skipped items; empty when it has one
  // or needs none.
  std::string source_unavailable;
  std::string destination_unavailable;

  // The chosen source tables (include/exclude applied) and where each goes;
  // nullopt when they could not be read (why: `tables_unavailable`).
  std::optional<std::vector<TableSchema>> tables;
  std::string tables_unavailable;
  std::optional<ObjectMapping> mapping;

  const Endpoint& endpoint(Side side) const { return side == Side::kSource ? request.source : request.destination; }
  Session* session(Side side) const { return side == Side::kSource ? source.get() : destination.get(); }
  const std::string& unavailable(Side side) const {
    return side == Side::kSource ? source_unavailable : destination_unavailable;
  }
  // The destination name of a chosen source table.
  TableRef DestinationOf(const TableRef& source_ref) const { return mapping->DestinationOf(source_ref); }
};

// The check interface.
using Check = void (*)(const PrecheckContext& context, std::vector<PrecheckItem>& items);

void CheckPrivileges(const PrecheckContext& context, std::vector<PrecheckItem>& items);
void CheckServerSettings(const PrecheckContext& context, std::vector<PrecheckItem>& items);
void CheckPrimaryKeys(const PrecheckContext& context, std::vector<PrecheckItem>& items);
void CheckSupportedTypes(const PrecheckContext& context, std::vector<PrecheckItem>& items);
void CheckReplicaIdentity(const PrecheckContext& context, std::vector<PrecheckItem>& items);
void CheckTimeRange(const PrecheckContext& context, std::vector<PrecheckItem>& items);

// Connectivity comes first and hands its sessions to the others: fills
// context.source/destination (or the *_unavailable reasons) and appends
// "source.connect" and "destination.connect".
void CheckConnectivity(PrecheckContext& context, std::vector<PrecheckItem>& items);

// ---- helpers shared by the checks (and NameList from
// connector/server_checks.h, QueryTextRows from connector/session.h) ----

PrecheckItem Passed(std::string id, std::string title, std::string message);
PrecheckItem Warning(std::string id, std::string title, std::string message, std::string hint);
PrecheckItem Failed(std::string id, std::string title, std::string message, std::string hint);
// A check that could not run; `reason` names what to fix first.
PrecheckItem Skipped(std::string id, std::string title, const std::string& reason);

}  // namespace godwit::precheck
