// Column defaults every engine has a spelling of: the current time, the
// current date, a random UUID. Catalog readers recognise them here, from
// the tokens of the source's own default text (schema/sql_lexer.h), so
// that each dialect writes its own spelling (docs/type-mapping.md,
// "Defaults") instead of carrying source text another engine cannot read.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string_view>

#include "model/table_schema.h"

namespace godwit {

// kCurrentTimestamp, kCurrentDate or kUuid when `expr`, a default written
// in `dialect`, is one of their spellings:
//   current time  now(), CURRENT_TIMESTAMP[(n)], LOCALTIMESTAMP[(n)],
//                 transaction_timestamp(), statement_timestamp(),
//                 clock_timestamp()
//   current date  CURRENT_DATE, curdate(), ('now'::text)::date, 'now'::date
//   random UUID   gen_random_uuid(), uuid_generate_v4() (schema-qualified
//                 or not), uuid()
// nullopt for anything else (or text the lexer cannot read).
std::optional<Column::DefaultKind> KnownDefaultFunction(std::string_view expr, Engine dialect);

}  // namespace godwit
