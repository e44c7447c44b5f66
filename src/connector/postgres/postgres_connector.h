// PostgreSQL-specific operations beyond the Session interface.
//
// Thread-safety: each call opens a connection of its own.
#pragma once

#include <string_view>

#include "common/status.h"
#include "connector/endpoint.h"

namespace godwit::pg {

// Drops logical replication slot `slot` on `endpoint`'s server (created by
// ExportSnapshot with SnapshotOptions::replication_slot). kNotFound when
// there is no such slot; kConflict while a connection still uses it (an
// unreleased snapshot lease or a running change reader).
Status DropReplicationSlot(const Endpoint& endpoint, std::string_view slot);

// Whether `slot` is a valid replication slot name: 1 to 63 of [a-z0-9_].
bool IsValidSlotName(std::string_view slot);

}  // namespace godwit::pg
