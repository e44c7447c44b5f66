// The migration project file (YAML), shared by `godwit migrate -f` and,
// later, project creation through the service:
//
//   source: mysql://app@127.0.0.1:3306/shop?password_env=SHOP_PW
//   destination: postgresql://postgres@127.0.0.1:5432/shop
//   objects:
//     include: ["shop.*"]
//     exclude: ["shop.tmp_*"]
//     rename:
//       schemas: {shop: public}
//       tables: {"shop.orders": "orders_2024"}
//   concurrency: 4
//   chunk_rows: 100000
//   zero_date: error        # or null: MySQL zero dates become NULL
//   replication_slot: ""    # PostgreSQL source: the slot for change capture
//   incremental: false      # keep the destination in sync after the copy
//
// `source`/`destination` may also be mappings: {uri: ..., password_env: VAR}
// or {uri: ..., password_file: PATH}.
#pragma once

#include <string>

#include "common/status.h"
#include "pipeline/full_migration.h"

namespace godwit {

// Parses the YAML text into options; the state path is left empty. The
// `incremental` key, when present, is stored in `*incremental`.
Result<FullMigrationOptions> ParseProjectYaml(const std::string& text, bool* incremental = nullptr);
Result<FullMigrationOptions> LoadProjectFile(const std::string& path, bool* incremental = nullptr);

// Applies the `zero_date` choice to a MySQL endpoint (error | null).
Status ApplyZeroDate(const std::string& choice, Endpoint& endpoint);

}  // namespace godwit
