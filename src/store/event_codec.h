// The compact binary form of a batch of ChangeEvents, as one change-log
// record holds it before compression (store/segment.h frames, compresses
// and checksums it).
//
// Layout (all integers are LEB128 varints unless noted; strings are a
// varint length then the bytes, so binary values round-trip exactly):
//   batch := u8 version(=1) varint count event*
//   event := u8 kind
//            u8 flags                bit0 before_is_key_only
//            string table.schema  string table.name
//            varint ncolumns  string column*
//            image before  image after
//            string ddl  string ddl_schema
//            position
//            zigzag-varint commit_time_us
//            string transaction_id
//   image := varint nfields field*
//   field := varint tag         0 = NULL, 1 = unchanged, 2 + n = a value of n bytes
//            bytes[n]
//   position := u8 tag          0 = none
//               1: string file  varint pos  string gtid   (MysqlBinlogPos)
//               2: string lsn  string slot                 (PgLsnPos)
// Row values are stored once each, never as JSON; the position uses the
// same stable tags as its JSON form (model/position.h) so that it can be
// read by later versions. Unknown versions or tags are decode errors.
//
// Thread-safety: free functions over caller-owned buffers.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/change_event.h"

namespace godwit::store {

// Appends the encoding of `events` to `*out`.
void EncodeEvents(const std::vector<ChangeEvent>& events, std::string* out);

// Appends the encoding of one event (without the batch header) to `*out`;
// a batch is EncodeBatchHeader(count) followed by `count` events.
void EncodeBatchHeader(uint64_t count, std::string* out);
void EncodeEvent(const ChangeEvent& event, std::string* out);

// Decodes a whole batch, replacing `*events`. Fails (kMetadata) when the
// bytes are not exactly one well-formed batch; `what` names the record in
// the message (e.g. "000000000001.seg offset 4096").
Status DecodeEvents(std::string_view data, std::vector<ChangeEvent>* events, const std::string& what);

// The position alone, in the same tagged form (used by segment headers).
void EncodePosition(const Position& position, std::string* out);
Result<Position> DecodePosition(std::string_view data, const std::string& what);

}  // namespace godwit::store
