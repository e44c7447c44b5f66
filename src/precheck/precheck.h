// The precheck: what a migration project verifies before it starts, so that
// a problem the user can fix up front (a wrong password, a missing grant,
// binlog_format=STATEMENT, a column type the destination cannot hold) is
// reported in one list with what to change, instead of failing hours into
// the copy or at the first change event.
//
// Checks (one file each under precheck/): connectivity, privileges for each
// stage chosen, server settings change capture needs, tables without a
// primary key, and types the destination cannot hold. Every check that
// applies runs; a failure never hides the others, except that a check which
// needs a connection that failed is reported as skipped.
//
// Nothing is changed on either database: the checks read catalogs,
// settings and grants, and run `SELECT ... WHERE 1 = 0` probes. (Opening a
// SQLite file does switch it to WAL journaling, as every Godwit connection
// to it does.) No text in an item contains an endpoint's password.
//
// Thread-safety: RunPrecheck opens its own connections and shares no state;
// concurrent calls are independent.
#pragma once

#include <string>
#include <vector>

#include "connector/endpoint.h"
#include "model/object_mapping.h"

namespace godwit {

enum class PrecheckStatus { kPassed, kWarning, kFailed };

struct PrecheckItem {
  // Stable, e.g. "source.connect", "source.binlog_format",
  // "destination.privileges", "source.tables_without_primary_key",
  // "source.unsupported_types". One id may appear several times when the
  // check reports per object (see `object`).
  std::string id;
  std::string title;  // what was checked, for people
  PrecheckStatus status = PrecheckStatus::kPassed;
  std::string message;  // what was found
  std::string hint;     // what to change (empty when passed)
  // The table the item is about ("schema.table"), when it is about one.
  std::string object;
  // The check could not run because something it needs failed (the
  // connection, reading the catalog); `status` is then kWarning and
  // `message` says which item to fix first.
  bool skipped = false;
};

struct PrecheckRequest {
  Endpoint source;
  Endpoint destination;
  ObjectRules objects;
  // The stages chosen.
  bool schema = true, full = true, incremental = false, verification = false, reverse = false;
};

// Runs every check that applies; never stops at the first failure (a failed
// connection skips the checks that need that connection, saying so). Items
// come in a fixed order: connections, chosen tables, privileges, server
// settings, keys, types.
std::vector<PrecheckItem> RunPrecheck(const PrecheckRequest& request);

// True when no item failed (warnings and skipped checks do not block).
bool PrecheckPassed(const std::vector<PrecheckItem>& items);

// "passed", "warning", "failed".
const char* PrecheckStatusName(PrecheckStatus status);

}  // namespace godwit
