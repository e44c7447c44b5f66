// Conversion between PostgreSQL's COPY text format and Godwit's canonical
// value text (model/types.h), in both directions.
//
// These are the hot loops of the PostgreSQL connector: Query() decodes every
// row it reads with DecodeCopyRow(), BulkLoad() encodes every row it writes
// with EncodeCopyRow(). Both work from a per-column plan computed once per
// call, touch each byte once, and allocate nothing per value: decoded values
// live in the RowBatch arena, encoded rows are appended to a buffer the
// caller reuses. Values whose canonical form is PostgreSQL's own text (numbers,
// dates, strings, json, uuid, bit...) are only (un)escaped, never parsed.
//
// Thread-safety: pure functions.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "common/text.h"
#include "model/table_schema.h"
#include "model/value.h"
#include "schema/postgres_dialect.h"

// The timestamptz text helpers (AppendTimestampTzInput, StripUtcOffsetInPlace)
// are the dialect's (schema/postgres_dialect.h); hex is common/text.h's.
namespace godwit::pg {

// What DecodeCopyRow does to one column after unescaping.
enum class CopyOutConv : uint8_t {
  kText,         // PostgreSQL's text is canonical: unescape only
  kBool,         // "t"/"f" -> "1"/"0"
  kBytea,        // "\x4142" -> raw bytes
  kTimestampTz,  // "2024-01-02 03:04:05+00" -> "2024-01-02 03:04:05" (the session runs in UTC)
};

// What EncodeCopyRow does to one column before escaping.
enum class CopyInConv : uint8_t {
  kText,         // canonical text is valid PostgreSQL input (bool "1"/"0" included): escape only
  kBytea,        // raw bytes -> "\\x4142"
  kTimestampTz,  // UTC text -> text + "+00"
  kTime,         // as kText; FirstUnstorableValue checks its range first
};

std::vector<CopyOutConv> PlanCopyOut(std::span<const ColumnType> types);
std::vector<CopyInConv> PlanCopyIn(std::span<const Column> columns);

// Decodes one row as PQgetCopyData returns it (tab-separated fields, a
// trailing '\n', backslash escapes, "\N" for NULL) and appends exactly
// plan.size() values to `batch`, their bytes in the batch's arena. Fails
// with kReadFailed when the row does not have plan.size() fields or holds
// a malformed escape or bytea (the batch then holds a partial row and must
// be discarded).
Status DecodeCopyRow(std::string_view line, std::span<const CopyOutConv> plan, RowBatch& batch);

// Appends `row` in COPY text format, with the trailing '\n', to `out`.
// `row.size()` must equal `plan.size()`.
void EncodeCopyRow(std::span<const Value> row, std::span<const CopyInConv> plan, std::string& out);

// Whether canonical time text `v` ("[-]H+:MM:SS[.f]", MySQL TIME's
// -838:59:59..838:59:59) is within PostgreSQL time's 00:00:00..24:00:00.
bool FitsPostgresTime(std::string_view v);

// The index of the first column of `row` whose value PostgreSQL cannot
// store as its planned type (a kTime outside FitsPostgresTime), or -1:
// checked before the row is sent, so that the error names the value
// rather than the server's "time zone displacement out of range".
int FirstUnstorableValue(std::span<const Value> row, std::span<const CopyInConv> plan);

}  // namespace godwit::pg
