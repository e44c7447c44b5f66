// Corrections: the statements that make the destination's rows equal to the
// source's where a verification recorded a difference.
//
// Each statement is built from the source row as it is *now* (read by key
// when the statements are made), not as it was when verified: a differing
// or missing row becomes an upsert of the source's current values (the
// copy's own literal for each destination type), a row the source no
// longer has becomes a DELETE. Rows only in the destination are listed and
// deleted only when asked for (delete_destination_only): a DBA decides
// whether they are stray rows or rows the application wrote there on
// purpose. Tables without a key get no statement: a row cannot be told
// apart from its duplicates, so the way to correct one is to copy it again.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "connector/session.h"
#include "meta/verify_store.h"
#include "verify/table_pair.h"

namespace godwit {

struct CorrectionOptions {
  bool delete_destination_only = false;
  BatchLimits batch;
};

struct TableCorrections {
  std::string source;
  std::string destination;
  std::vector<std::string> statements;  // in order; none for a table without a key
  std::vector<std::string> comments;    // what is not corrected, and why (no "--")
  int64_t upserts = 0;
  int64_t deletes = 0;
  int64_t kept_destination_only = 0;
  // The keys (as stored) the statements settle.
  std::vector<std::string> key_jsons;
};

// Builds the corrections of one table from its recorded differences,
// reading the source rows through `source`.
Result<TableCorrections> BuildCorrections(Session& source, const TablePair& pair, const std::vector<StoredDiff>& diffs,
                                          const CorrectionOptions& options);

// The reviewable SQL file: a header naming the pair and the time, then per
// table a comment line with what it corrects and the statements in one
// transaction. Comment text (URIs, table names, key values) goes through
// CommentText, so the file's statements are exactly `statements`.
std::string CorrectionsSql(const std::string& source_uri, const std::string& destination_uri, Engine destination,
                           const std::vector<TableCorrections>& tables);

// `text` made safe for a "--" comment line and readable: backslash,
// newline, carriage return and tab as \\ \n \r \t; other control,
// line-separator, invisible and bidirectional-override characters as \uXXXX;
// bytes that are not UTF-8 as \xNN; "*/" and "/*" as "*\/" and "/\*".
std::string CommentText(std::string_view text);

// Applies one table's statements on the destination, in transactions of at
// most `per_transaction` statements.
Status ApplyCorrections(Session& destination, const TableCorrections& table, size_t per_transaction = 500);

}  // namespace godwit
