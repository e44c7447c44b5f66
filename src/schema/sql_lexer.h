// One SQL lexer for the three source dialects: every place where Godwit
// reads SQL text that came from a database (view bodies, CHECK clauses,
// column defaults, DDL statements from a binlog) splits it into tokens here,
// so that string literals, quoted identifiers and comments are found by the
// same rules the engine that wrote the text uses.
//
// Why it matters: such text is written by whoever may create objects on the
// source, and parts of it are sent to the destination as SQL. MariaDB, for
// one, prints a quote inside a literal as \' — copied as it is to
// PostgreSQL or SQLite, the literal ends there and the rest of the "string"
// is SQL. Text only ever leaves through Render(), which writes each literal
// from its decoded value with the destination's own quoting, and which
// refuses output the destination would read as different tokens.
//
// The rules, per dialect of the text:
//   MySQL      '...' and "..." strings with backslash escapes and doubled
//              quotes; charset introducers (_utf8mb4'..'), N'..'; X'..'
//              and B'..' hex/bit literals; `...` identifiers; comments
//              "-- " (dashes then a space or control character), # and
//              /* */; /*! and /*M! executable comments are read as code.
//              (The default sql_mode: no ANSI_QUOTES; backslash escapes
//              unless `mysql_backslash_escapes` is false.)
//   PostgreSQL '...' with doubled quotes (standard_conforming_strings),
//              E'...' with backslash escapes, U&'...' [UESCAPE 'c'],
//              $tag$...$tag$, N'..', B'..', X'..'; "..." and U&"..."
//              identifiers; comments -- and nested /* */.
//   SQLite     '...' with doubled quotes, X'..' blobs; "...", `...` and
//              [...] identifiers; comments -- and /* */ (open to the end).
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/table_schema.h"

namespace godwit::sql {

enum class TokenKind {
  kSpace,        // a run of whitespace
  kComment,      // a comment, or the markers of a MySQL executable comment
  kWord,         // keyword, bare identifier or number: [A-Za-z0-9_$] and bytes >= 0x80
  kQuotedIdent,  // `x`, "x", [x], U&"x": value is the name
  kString,       // a string literal: value is the decoded text
  kBitString,    // X'..' or B'..': text as written, digits checked
  kPunct,        // any other single byte
};

struct Token {
  TokenKind kind = TokenKind::kPunct;
  std::string text;    // as written in the source text
  std::string value;   // kQuotedIdent, kString: decoded; otherwise == text
  std::string prefix;  // kString: what precedes the quote (_utf8mb4, N, E, U&), as written
};

struct LexOptions {
  // MySQL only: false for text written under sql_mode NO_BACKSLASH_ESCAPES.
  bool mysql_backslash_escapes = true;
};

// Splits `text` by the rules of `dialect`. Fails (kInvalidArgument) on an
// unterminated literal, identifier or comment, or a malformed X'..'/B'..'.
// Concatenating the tokens' `text` gives back `text`.
Result<std::vector<Token>> Tokenize(std::string_view text, Engine dialect, const LexOptions& options = {});

// The string literal of `value` for `dialect`: MySQL '...' with \ and '
// escaped by a backslash (Godwit's sessions do not set
// NO_BACKSLASH_ESCAPES) and NUL as \0; SQLite '...' with quotes doubled;
// PostgreSQL '...' with quotes doubled, or E'...' with backslashes doubled
// too when the value holds one, so the literal means the same whatever
// standard_conforming_strings is. Fails for a NUL byte outside MySQL.
Result<std::string> QuoteString(std::string_view value, Engine dialect);

// `name` as a quoted identifier of `dialect` (`x` for MySQL, "x" otherwise).
Result<std::string> QuoteIdentifier(std::string_view name, Engine dialect);

// Writes `tokens` (read from text of `from`) as text of `to`: string
// literals and quoted identifiers re-quoted for `to`, comments as one space,
// everything else as written. Introducers (_utf8mb4, N) are kept only from
// MySQL to MySQL. The result is read back with `to`'s rules and must give
// the same tokens (same words and punctuation, literals with the same
// values); otherwise it fails with kUnsupported: the text holds something
// the destination would read differently (a # comment for MySQL, a $ for
// PostgreSQL...), and it is not sent anywhere.
Result<std::string> Render(const std::vector<Token>& tokens, Engine from, Engine to);

// Tokenize then Render.
Result<std::string> Translate(std::string_view text, Engine from, Engine to);

// Whether `t` is a word equal to `word` ignoring ASCII case.
bool IsWord(const Token& t, std::string_view word);

// Whether `t` is whitespace or a comment.
inline bool IsBlank(const Token& t) { return t.kind == TokenKind::kSpace || t.kind == TokenKind::kComment; }

}  // namespace godwit::sql
