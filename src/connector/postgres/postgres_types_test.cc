#include "connector/postgres/postgres_types.h"

#include <gtest/gtest.h>

namespace godwit::pg {
namespace {

TEST(MapType, BuiltinsAndTypmods) {
  auto num = MapType(oid::kNumeric, ((12 << 16) | 4) + 4, 'b', "numeric(12,4)", {});
  EXPECT_EQ(num.kind, TypeKind::kDecimal);
  EXPECT_EQ(num.precision, 12u);
  EXPECT_EQ(num.scale, 4u);
  auto plain = MapType(oid::kNumeric, -1, 'b', "numeric", {});
  EXPECT_EQ(plain.kind, TypeKind::kDecimal);
  EXPECT_EQ(plain.precision, 0u);
  // numeric(2,-3): scale -3 is stored as an 11-bit two's complement.
  auto negative = MapType(oid::kNumeric, ((2 << 16) | (0x7ff & -3)) + 4, 'b', "numeric(2,-3)", {});
  EXPECT_EQ(negative.kind, TypeKind::kNative);

  auto vc = MapType(oid::kVarchar, 14, 'b', "character varying(10)", {});
  EXPECT_EQ(vc.kind, TypeKind::kVarchar);
  EXPECT_EQ(vc.length, 10u);
  EXPECT_EQ(MapType(oid::kVarchar, -1, 'b', "character varying", {}).length, 0u);
  auto ch = MapType(oid::kBpchar, 9, 'b', "character(5)", {});
  EXPECT_EQ(ch.kind, TypeKind::kChar);
  EXPECT_EQ(ch.length, 5u);

  auto ts = MapType(oid::kTimestamp, 3, 'b', "timestamp(3) without time zone", {});
  EXPECT_EQ(ts.kind, TypeKind::kDateTime);
  EXPECT_EQ(ts.fsp, 3u);
  EXPECT_EQ(MapType(oid::kTimestampTz, -1, 'b', "timestamp with time zone", {}).fsp, 6u);
  EXPECT_EQ(MapType(oid::kTime, 0, 'b', "time(0) without time zone", {}).fsp, 0u);

  auto bit = MapType(oid::kVarbit, 5, 'b', "bit varying(5)", {});
  EXPECT_EQ(bit.kind, TypeKind::kBit);
  EXPECT_EQ(bit.length, 5u);
  EXPECT_EQ(bit.native, "bit varying(5)");

  auto json = MapType(oid::kJson, -1, 'b', "json", {});
  EXPECT_EQ(json.kind, TypeKind::kJson);
  EXPECT_EQ(json.native, "json");

  EXPECT_EQ(MapType(oid::kBool, -1, 'b', "boolean", {}).kind, TypeKind::kBool);
  EXPECT_EQ(MapType(oid::kInt2, -1, 'b', "smallint", {}).kind, TypeKind::kInt16);
  EXPECT_EQ(MapType(oid::kInt4, -1, 'b', "integer", {}).kind, TypeKind::kInt32);
  EXPECT_EQ(MapType(oid::kInt8, -1, 'b', "bigint", {}).kind, TypeKind::kInt64);
  EXPECT_EQ(MapType(oid::kFloat4, -1, 'b', "real", {}).kind, TypeKind::kFloat);
  EXPECT_EQ(MapType(oid::kFloat8, -1, 'b', "double precision", {}).kind, TypeKind::kDouble);
  EXPECT_EQ(MapType(oid::kBytea, -1, 'b', "bytea", {}).kind, TypeKind::kBlob);
  EXPECT_EQ(MapType(oid::kUuid, -1, 'b', "uuid", {}).kind, TypeKind::kUuid);
  EXPECT_EQ(MapType(oid::kText, -1, 'b', "text", {}).kind, TypeKind::kText);

  auto en = MapType(99999, -1, 'e', "mood", {"sad", "ok"});
  EXPECT_EQ(en.kind, TypeKind::kEnum);
  EXPECT_EQ(en.labels, (std::vector<std::string>{"sad", "ok"}));

  auto interval = MapType(1186, -1, 'b', "interval", {});
  EXPECT_EQ(interval.kind, TypeKind::kNative);
  EXPECT_EQ(interval.native, "interval");
  EXPECT_EQ(MapType(88888, -1, 'd', "positive_int", {}).kind, TypeKind::kNative);
}

TEST(NormaliseDefault, LiteralsInCanonicalForm) {
  using K = Column::DefaultKind;
  auto d = NormaliseDefault("'it''s'::character varying", TypeOf(TypeKind::kVarchar));
  EXPECT_EQ(d.kind, K::kLiteral);
  EXPECT_EQ(d.value, "it's");
  d = NormaliseDefault("42", TypeOf(TypeKind::kInt32));
  EXPECT_EQ(d.kind, K::kLiteral);
  EXPECT_EQ(d.value, "42");
  d = NormaliseDefault("'-1'::integer", TypeOf(TypeKind::kInt32));
  EXPECT_EQ(d.value, "-1");
  d = NormaliseDefault("3.14", TypeOf(TypeKind::kDecimal));
  EXPECT_EQ(d.value, "3.14");
  d = NormaliseDefault("true", TypeOf(TypeKind::kBool));
  EXPECT_EQ(d.kind, K::kLiteral);
  EXPECT_EQ(d.value, "1");
  d = NormaliseDefault("'\\x0102'::bytea", TypeOf(TypeKind::kBlob));
  EXPECT_EQ(d.value, std::string("\x01\x02"));
  d = NormaliseDefault("'2024-01-01 08:00:00+00'::timestamp with time zone", TypeOf(TypeKind::kTimestampTz));
  EXPECT_EQ(d.value, "2024-01-01 08:00:00");
  d = NormaliseDefault("'0101'::\"bit\"", TypeOf(TypeKind::kBit));
  EXPECT_EQ(d.value, "0101");
  d = NormaliseDefault("'ok'::mood", TypeOf(TypeKind::kEnum));
  EXPECT_EQ(d.value, "ok");
  d = NormaliseDefault("'{}'::jsonb", TypeOf(TypeKind::kJson));
  EXPECT_EQ(d.value, "{}");
  d = NormaliseDefault("'a\\b'::text", TypeOf(TypeKind::kText));
  EXPECT_EQ(d.value, "a\\b");
  d = NormaliseDefault("'2024-01-01 00:00:00'::timestamp(3) without time zone", TypeOf(TypeKind::kDateTime));
  EXPECT_EQ(d.kind, K::kLiteral);
  EXPECT_EQ(d.value, "2024-01-01 00:00:00");
}

TEST(NormaliseDefault, CurrentTimeSerialNullAndExpressions) {
  using K = Column::DefaultKind;
  for (const char* e :
       {"now()", "CURRENT_TIMESTAMP", "CURRENT_TIMESTAMP(3)", "transaction_timestamp()", "LOCALTIMESTAMP"}) {
    EXPECT_EQ(NormaliseDefault(e, TypeOf(TypeKind::kTimestampTz)).kind, K::kCurrentTimestamp) << e;
  }
  auto serial = NormaliseDefault("nextval('t_id_seq'::regclass)", TypeOf(TypeKind::kInt32));
  EXPECT_TRUE(serial.auto_increment);
  EXPECT_EQ(serial.kind, K::kNone);
  EXPECT_EQ(NormaliseDefault("NULL::character varying", TypeOf(TypeKind::kVarchar)).kind, K::kNull);
  auto expr = NormaliseDefault("('x'::text || 'y'::text)", TypeOf(TypeKind::kText));
  EXPECT_EQ(expr.kind, K::kExpression);
  EXPECT_EQ(expr.value, "('x'::text || 'y'::text)");
  EXPECT_EQ(NormaliseDefault("CURRENT_DATE", TypeOf(TypeKind::kDate)).kind, K::kCurrentDate);
  EXPECT_EQ(NormaliseDefault("('now'::text)::date", TypeOf(TypeKind::kDate)).kind, K::kCurrentDate);
  EXPECT_EQ(NormaliseDefault("'a'::text || 'b'::text", TypeOf(TypeKind::kText)).kind, K::kExpression);
  EXPECT_EQ(NormaliseDefault("gen_random_uuid()", TypeOf(TypeKind::kUuid)).kind, K::kUuid);
  EXPECT_EQ(NormaliseDefault("(now() + '1 day'::interval)", TypeOf(TypeKind::kDateTime)).kind, K::kExpression);
  EXPECT_EQ(NormaliseDefault("", TypeOf(TypeKind::kText)).kind, K::kNone);
}

TEST(CheckExpression, StripsKeywordAndParentheses) {
  EXPECT_EQ(CheckExpression("CHECK ((ad > 0))"), "ad > 0");
  EXPECT_EQ(CheckExpression("CHECK (((ad > 1) AND (o < 100)))"), "(ad > 1) AND (o < 100)");
  EXPECT_EQ(CheckExpression("CHECK ((price > (0)::numeric)) NOT VALID"), "price > (0)::numeric");
  EXPECT_EQ(CheckExpression("CHECK (((a)::text <> ')'::text))"), "(a)::text <> ')'::text");
}

TEST(ClassifySqlState, Table) {
  EXPECT_EQ(ClassifySqlState("28P01", ErrorCode::kDdlFailed), ErrorCode::kAuthFailed);
  EXPECT_EQ(ClassifySqlState("28000", ErrorCode::kDdlFailed), ErrorCode::kAuthFailed);
  EXPECT_EQ(ClassifySqlState("3D000", ErrorCode::kDdlFailed), ErrorCode::kUnknownDatabase);
  EXPECT_EQ(ClassifySqlState("3F000", ErrorCode::kDdlFailed), ErrorCode::kUnknownDatabase);
  EXPECT_EQ(ClassifySqlState("42501", ErrorCode::kDdlFailed), ErrorCode::kPermissionDenied);
  EXPECT_EQ(ClassifySqlState("42P01", ErrorCode::kDdlFailed), ErrorCode::kNotFound);
  EXPECT_EQ(ClassifySqlState("08006", ErrorCode::kDdlFailed), ErrorCode::kConnectionLost);
  EXPECT_EQ(ClassifySqlState("57P01", ErrorCode::kDdlFailed), ErrorCode::kConnectionLost);
  EXPECT_EQ(ClassifySqlState("57P03", ErrorCode::kDdlFailed), ErrorCode::kConnectionLost);
  EXPECT_EQ(ClassifySqlState("42601", ErrorCode::kDdlFailed), ErrorCode::kDdlFailed);
  EXPECT_EQ(ClassifySqlState("23505", ErrorCode::kWriteFailed), ErrorCode::kWriteFailed);
  EXPECT_EQ(ClassifySqlState("22P02", ErrorCode::kWriteFailed), ErrorCode::kWriteFailed);
}

TEST(SqlStateFromVerboseMessage, FindsTheCode) {
  EXPECT_EQ(SqlStateFromVerboseMessage("connection to server at \"127.0.0.1\", port 5432 failed: FATAL:  28P01: "
                                       "password authentication failed for user \"x\"\nLOCATION:  auth.c:326\n"),
            "28P01");
  EXPECT_EQ(SqlStateFromVerboseMessage("FATAL:  3D000: database \"nope\" does not exist"), "3D000");
  EXPECT_EQ(SqlStateFromVerboseMessage("connection to server at \"127.0.0.1\", port 1 failed: Connection refused"), "");
}

}  // namespace
}  // namespace godwit::pg
