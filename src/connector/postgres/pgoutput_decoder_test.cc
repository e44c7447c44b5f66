#include "connector/postgres/pgoutput_decoder.h"

#include <gtest/gtest.h>

#include "connector/postgres/postgres_types.h"

namespace godwit::pg {
namespace {

// Builds pgoutput messages byte by byte, big-endian, as the server sends them.
class Msg {
 public:
  explicit Msg(char tag) { buf_.push_back(tag); }
  Msg& U8(uint8_t v) {
    buf_.push_back(static_cast<char>(v));
    return *this;
  }
  Msg& Ch(char c) {
    buf_.push_back(c);
    return *this;
  }
  Msg& U16(uint16_t v) { return Int(v, 2); }
  Msg& U32(uint32_t v) { return Int(v, 4); }
  Msg& U64(uint64_t v) { return Int(v, 8); }
  Msg& Str(std::string_view s) {
    buf_.append(s);
    buf_.push_back('\0');
    return *this;
  }
  Msg& Text(std::string_view s) {
    Ch('t');
    U32(static_cast<uint32_t>(s.size()));
    buf_.append(s);
    return *this;
  }
  Msg& Null() { return Ch('n'); }
  Msg& Toast() { return Ch('u'); }
  const std::string& str() const { return buf_; }
  operator std::string_view() const { return buf_; }

 private:
  Msg& Int(uint64_t v, int bytes) {
    for (int i = bytes - 1; i >= 0; --i) buf_.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
    return *this;
  }
  std::string buf_;
};

constexpr uint32_t kRel = 16400;
constexpr int64_t kTs = 789004800000000;  // 2025-01-01 00:00:00 UTC in PostgreSQL's epoch

// public.t (id int4 key, flag bool, data bytea, at timestamptz, note text, amount numeric(10,2))
Msg Relation(char identity = 'd') {
  Msg m('R');
  m.U32(kRel).Str("public").Str("t").Ch(identity).U16(6);
  m.U8(1).Str("id").U32(oid::kInt4).U32(0xffffffff);
  m.U8(0).Str("flag").U32(oid::kBool).U32(0xffffffff);
  m.U8(0).Str("data").U32(oid::kBytea).U32(0xffffffff);
  m.U8(0).Str("at").U32(oid::kTimestampTz).U32(0xffffffff);
  m.U8(0).Str("note").U32(oid::kText).U32(0xffffffff);
  m.U8(0).Str("amount").U32(oid::kNumeric).U32(((10 << 16) | 2) + 4);
  return m;
}

Msg Begin(uint64_t final_lsn, uint32_t xid) { return std::move(Msg('B').U64(final_lsn).U64(kTs).U32(xid)); }
Msg Commit(uint64_t lsn, uint64_t end) { return std::move(Msg('C').U8(0).U64(lsn).U64(end).U64(kTs + 5)); }

Msg& Row(Msg& m, std::string_view id) {
  return m.U16(6).Text(id).Text("t").Text("\\x00ff41").Text("2024-01-02 03:04:05.5+00").Text("tab\there").Text("1.50");
}

std::string Lsn(const ChangeEvent& ev) { return std::get<PgLsnPos>(ev.position).lsn; }

TEST(PgLsn, ParseAndFormat) {
  EXPECT_EQ(*ParseLsn("0/16B3748"), 0x16B3748u);
  EXPECT_EQ(*ParseLsn("1A/0"), 0x1A00000000ull);
  EXPECT_EQ(FormatLsn(0x1A016B3748ull), "1A/16B3748");
  EXPECT_EQ(FormatLsn(0), "0/0");
  EXPECT_FALSE(ParseLsn("16B3748").ok());
  EXPECT_FALSE(ParseLsn("0/xyz").ok());
  EXPECT_FALSE(ParseLsn("/1").ok());
  EXPECT_FALSE(ParseLsn("123456789/0").ok());
}

TEST(PgOutputDecoder, TransactionWithInsertConvertsToCanonicalText) {
  PgOutputDecoder d("slot1", 0x100);
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(d.Decode(Relation(), out).ok());
  EXPECT_TRUE(out.empty());
  ASSERT_TRUE(d.Decode(Begin(0x200, 777), out).ok());
  Msg ins('I');
  ins.U32(kRel).Ch('N');
  Row(ins, "1");
  ASSERT_TRUE(d.Decode(ins, out).ok());
  ASSERT_TRUE(d.Decode(Commit(0x200, 0x230), out).ok());
  ASSERT_EQ(out.size(), 3u);

  EXPECT_EQ(out[0].kind, ChangeKind::kBegin);
  EXPECT_EQ(out[0].transaction_id, "777");
  EXPECT_EQ(out[0].commit_time_us, kTs + kPgEpochUnixMicros);
  EXPECT_EQ(out[0].commit_time_us, 1735689600000000);  // 2025-01-01 UTC
  EXPECT_EQ(out[0].position, Position(PgLsnPos{"0/100", "slot1"}));

  const ChangeEvent& e = out[1];
  EXPECT_EQ(e.kind, ChangeKind::kInsert);
  EXPECT_EQ(e.table, (TableRef{"public", "t"}));
  EXPECT_EQ(e.columns, (std::vector<std::string>{"id", "flag", "data", "at", "note", "amount"}));
  EXPECT_TRUE(e.before.empty());
  EXPECT_EQ(e.after,
            (RowImage{FieldValue::Of("1"), FieldValue::Of("1"),
                      FieldValue::Of(std::string("\x00\xff"
                                                 "A",
                                                 3)),
                      FieldValue::Of("2024-01-02 03:04:05.5"), FieldValue::Of("tab\there"), FieldValue::Of("1.50")}));
  EXPECT_EQ(Lsn(e), "0/100");  // the restart point before the transaction
  EXPECT_EQ(e.transaction_id, "777");

  EXPECT_EQ(out[2].kind, ChangeKind::kCommit);
  EXPECT_EQ(Lsn(out[2]), "0/230");
  EXPECT_EQ(out[2].transaction_id, "777");
  EXPECT_EQ(d.restart_lsn(), 0x230u);
  EXPECT_FALSE(d.in_transaction());

  // The next transaction restarts from the previous commit's end.
  out.clear();
  ASSERT_TRUE(d.Decode(Begin(0x300, 778), out).ok());
  Msg del('D');
  del.U32(kRel).Ch('K').U16(6).Text("1").Null().Null().Null().Null().Null();
  ASSERT_TRUE(d.Decode(del, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(Lsn(out[0]), "0/230");
  EXPECT_EQ(Lsn(out[1]), "0/230");
  EXPECT_EQ(out[1].kind, ChangeKind::kDelete);
  EXPECT_TRUE(out[1].before_is_key_only);
  EXPECT_EQ(out[1].before[0], FieldValue::Of("1"));
  EXPECT_EQ(out[1].before[1], FieldValue::Null());
  EXPECT_TRUE(out[1].after.empty());
}

TEST(PgOutputDecoder, UpdateImages) {
  PgOutputDecoder d("s", 0);
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(d.Decode(Relation(), out).ok());
  ASSERT_TRUE(d.Decode(Begin(0x10, 1), out).ok());
  out.clear();

  // Key unchanged: no old tuple; the key comes from the new one. An
  // unchanged TOAST value stays kUnchanged.
  Msg u1('U');
  u1.U32(kRel).Ch('N').U16(6).Text("5").Text("f").Null().Null().Toast().Text("2.00");
  ASSERT_TRUE(d.Decode(u1, out).ok());
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].kind, ChangeKind::kUpdate);
  EXPECT_TRUE(out[0].before_is_key_only);
  EXPECT_EQ(out[0].before, (RowImage{FieldValue::Of("5"), FieldValue::Null(), FieldValue::Null(), FieldValue::Null(),
                                     FieldValue::Null(), FieldValue::Null()}));
  EXPECT_EQ(out[0].after[1], FieldValue::Of("0"));
  EXPECT_EQ(out[0].after[4], FieldValue::Unchanged());

  // Key changed: 'K' old key tuple.
  out.clear();
  Msg u2('U');
  u2.U32(kRel).Ch('K').U16(6).Text("5").Null().Null().Null().Null().Null();
  u2.Ch('N').U16(6).Text("6").Text("f").Null().Null().Text("x").Null();
  ASSERT_TRUE(d.Decode(u2, out).ok());
  EXPECT_TRUE(out[0].before_is_key_only);
  EXPECT_EQ(out[0].before[0], FieldValue::Of("5"));
  EXPECT_EQ(out[0].after[0], FieldValue::Of("6"));

  // REPLICA IDENTITY FULL: 'O' old row.
  out.clear();
  Msg u3('U');
  u3.U32(kRel).Ch('O');
  Row(u3, "6");
  u3.Ch('N');
  Row(u3, "7");
  ASSERT_TRUE(d.Decode(u3, out).ok());
  EXPECT_FALSE(out[0].before_is_key_only);
  EXPECT_EQ(out[0].before[0], FieldValue::Of("6"));
  EXPECT_EQ(out[0].before[3], FieldValue::Of("2024-01-02 03:04:05.5"));
  EXPECT_EQ(out[0].after[0], FieldValue::Of("7"));
}

TEST(PgOutputDecoder, TruncateGivesOneEventPerTable) {
  PgOutputDecoder d("s", 0x50);
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(d.Decode(Relation(), out).ok());
  Msg r2('R');
  r2.U32(kRel + 1).Str("other").Str("u").Ch('d').U16(1).U8(1).Str("k").U32(oid::kInt8).U32(0xffffffff);
  ASSERT_TRUE(d.Decode(r2, out).ok());
  ASSERT_TRUE(d.Decode(Begin(0x60, 9), out).ok());
  out.clear();
  Msg t('T');
  t.U32(2).U8(0).U32(kRel).U32(kRel + 1);
  ASSERT_TRUE(d.Decode(t, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].kind, ChangeKind::kTruncate);
  EXPECT_EQ(out[0].table, (TableRef{"public", "t"}));
  EXPECT_EQ(out[1].table, (TableRef{"other", "u"}));
  EXPECT_EQ(Lsn(out[1]), "0/50");
}

TEST(PgOutputDecoder, TypeOriginAndUserTypesArePassedThrough) {
  PgOutputDecoder d("s", 0);
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(d.Decode(Msg('Y').U32(20000).Str("public").Str("mood"), out).ok());
  Msg r('R');
  r.U32(kRel).Str("").Str("t").Ch('f').U16(1).U8(0).Str("m").U32(20000).U32(0xffffffff);
  ASSERT_TRUE(d.Decode(r, out).ok());
  EXPECT_EQ(d.relation(kRel)->table.schema, "pg_catalog");
  ASSERT_TRUE(d.Decode(Begin(1, 1), out).ok());
  ASSERT_TRUE(d.Decode(Msg('O').U64(5).Str("node"), out).ok());
  Msg ins('I');
  ins.U32(kRel).Ch('N').U16(1).Text("t");  // an enum label "t" is not a bool
  ASSERT_TRUE(d.Decode(ins, out).ok());
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[1].after[0], FieldValue::Of("t"));
}

TEST(PgOutputDecoder, MalformedMessagesAreReadErrors) {
  PgOutputDecoder d("s", 0);
  std::vector<ChangeEvent> out;
  EXPECT_EQ(d.Decode("", out).code(), ErrorCode::kReadFailed);
  EXPECT_EQ(d.Decode("Z", out).code(), ErrorCode::kReadFailed);
  EXPECT_EQ(d.Decode(Msg('B').U32(1), out).code(), ErrorCode::kReadFailed);  // short
  Msg ins('I');
  ins.U32(kRel).Ch('N').U16(1).Text("1");
  EXPECT_EQ(d.Decode(ins, out).code(), ErrorCode::kReadFailed);  // outside a transaction
  ASSERT_TRUE(d.Decode(Begin(1, 1), out).ok());
  out.clear();
  EXPECT_EQ(d.Decode(ins, out).code(), ErrorCode::kReadFailed);  // unknown relation
  ASSERT_TRUE(d.Decode(Relation(), out).ok());
  EXPECT_EQ(d.Decode(ins, out).code(), ErrorCode::kReadFailed);  // 1 column, relation has 6
  Msg cut('I');
  cut.U32(kRel).Ch('N').U16(6).Ch('t').U32(100).Str("short");
  EXPECT_EQ(d.Decode(cut, out).code(), ErrorCode::kReadFailed);
  Msg badhex('I');
  badhex.U32(kRel).Ch('N').U16(6).Null().Null().Text("\\xzz").Null().Null().Null();
  EXPECT_EQ(d.Decode(badhex, out).code(), ErrorCode::kReadFailed);
  EXPECT_TRUE(out.empty());
  EXPECT_EQ(d.Decode(Begin(2, 2), out).code(), ErrorCode::kReadFailed);  // nested Begin
}

}  // namespace
}  // namespace godwit::pg
