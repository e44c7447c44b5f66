// Redaction of captured statement text. A DDL statement captured on a
// source (PostgreSQL: current_query() as the DDL trigger sees it, which
// holds every statement of a multi-statement query string; MySQL: the
// binlog's query text) can carry a credential next to the DDL Godwit
// wants, and not only after a word that says so: "ALTER ROLE app PASSWORD
// 'x'; ALTER TABLE ..." sent in one query, but also MariaDB's ENGINE=FEDERATED
// CONNECTION='mysql://u:pw@h/db/t', a COMMENT or a DEFAULT holding one,
// CREATE SERVER ... OPTIONS (...), dblink('...') in a view. Godwit needs
// only a statement's words (its keywords and names), never a literal's
// content, so every string literal and comment in a statement is replaced
// by *** before the text is logged, reported, stored in Godwit's events or
// errors, or returned by the API. The PostgreSQL DDL trigger applies the
// same rule in SQL (connector/postgres/pg_ddl_capture.cc) so that the clear text never
// reaches the source's log table.
//
// No code path runs a captured statement on the destination: Godwit reads
// the table back from the source's catalog and plans the destination's DDL
// itself (sync/schema_sync.h); the text only decides which table changed
// and how (schema/ddl_statement.h), for which its words suffice.
//
// Where a literal ends depends on settings the text does not show
// (standard_conforming_strings, MySQL's NO_BACKSLASH_ESCAPES), so both
// readings are taken and whatever either sees as inside a literal is
// hidden: the redaction may hide more than a literal, never less.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "model/types.h"

namespace godwit {

// `statement` with the contents of its string literals (PostgreSQL: '...',
// E'...', $tag$...$tag$; MySQL: '...' and "...") and comments replaced by
// *** ("DEFAULT 'x'" becomes "DEFAULT '***'"). Identifiers (PostgreSQL
// "...", MySQL `...`), keywords and numbers stay: Godwit reads column names
// in the text, and a DBA reads what failed. With no engine, every
// dialect's literals and comments are hidden (text whose source is not
// known, such as an event from the change log).
std::string RedactStatement(std::string_view statement, std::optional<Engine> engine);

// RedactStatement(statement), cut to at most `max` bytes with the length it
// has redacted: for error messages.
std::string RedactStatementForMessage(std::string_view statement, std::optional<Engine> engine, size_t max = 600);

}  // namespace godwit
