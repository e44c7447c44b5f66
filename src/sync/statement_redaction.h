// Redaction of secrets in captured statement text. A DDL statement
// captured on a source (PostgreSQL: current_query() as the DDL trigger sees
// it, which holds every statement of a multi-statement query string; MySQL:
// the binlog's query text) can carry a password next to the DDL Godwit
// wants: "ALTER ROLE app PASSWORD 'secret'; ALTER TABLE t ADD COLUMN c int"
// sent in one query. Godwit needs only the DDL's words (its keywords and
// names), never a literal's content, so when a statement mentions a
// password or a secret (PASSWORD, PASSWD, IDENTIFIED, SECRET, in any case)
// every string literal and comment in it is replaced by *** before the text
// is logged, reported or stored. The PostgreSQL DDL trigger applies the
// same rule in SQL (sync/pg_ddl_capture.cc) so that the clear text never
// reaches the source's log table.
//
// Where a literal ends depends on settings the text does not show
// (standard_conforming_strings, MySQL's NO_BACKSLASH_ESCAPES), so both
// readings are taken and whatever either sees as inside a literal is
// hidden: the redaction may hide more than a literal, never less.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>

#include "model/types.h"

namespace godwit {

// Whether `statement` mentions a password or a secret (the words above).
bool MentionsSecret(std::string_view statement);

// `statement` with the contents of its string literals (PostgreSQL: '...',
// E'...', $tag$...$tag$; MySQL: '...' and "...") and comments replaced by
// *** ("PASSWORD 'x'" becomes "PASSWORD '***'") when
// MentionsSecret(statement); unchanged otherwise. Identifiers (PostgreSQL
// "...", MySQL `...`) stay: Godwit reads column names in the text.
std::string RedactStatementSecrets(std::string_view statement, Engine engine);

}  // namespace godwit
