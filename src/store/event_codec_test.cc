#include "store/event_codec.h"

#include <gtest/gtest.h>

namespace godwit::store {
namespace {

std::vector<ChangeEvent> EveryKind() {
  std::vector<ChangeEvent> v;
  ChangeEvent begin;
  begin.kind = ChangeKind::kBegin;
  begin.position = PgLsnPos{"0/16B3748", "godwit_1"};
  begin.transaction_id = "742";
  begin.commit_time_us = 1'700'000'000'123'456;
  v.push_back(begin);

  ChangeEvent ins;
  ins.kind = ChangeKind::kInsert;
  ins.table = {"public", "t"};
  ins.columns = {"id", "name", "blob", "empty", "null"};
  std::string binary("\x00\xff\x80\x01zero\x00", 9);
  ins.after = {FieldValue::Of("1"), FieldValue::Of("héllo"), FieldValue::Of(binary), FieldValue::Of(""),
               FieldValue::Null()};
  ins.position = MysqlBinlogPos{"binlog.000003", 1234, "0-1-42"};
  ins.commit_time_us = -5;  // before the epoch still round-trips
  v.push_back(ins);

  ChangeEvent upd;
  upd.kind = ChangeKind::kUpdate;
  upd.table = {"", "no_schema"};
  upd.columns = {"id", "toast"};
  upd.before = {FieldValue::Of("1"), FieldValue::Null()};
  upd.before_is_key_only = true;
  upd.after = {FieldValue::Of("2"), FieldValue::Unchanged()};
  upd.position = MysqlBinlogPos{"binlog.000003", UINT64_MAX, ""};
  v.push_back(upd);

  ChangeEvent del;
  del.kind = ChangeKind::kDelete;
  del.table = {"s", "t"};
  del.columns = {"id"};
  del.before = {FieldValue::Of(std::string(100000, 'x'))};
  v.push_back(del);

  ChangeEvent trunc;
  trunc.kind = ChangeKind::kTruncate;
  trunc.table = {"s", "t"};
  v.push_back(trunc);

  ChangeEvent ddl;
  ddl.kind = ChangeKind::kDdl;
  ddl.ddl = "ALTER TABLE t ADD COLUMN c INT";
  ddl.ddl_schema = "shop";
  ddl.table = {"shop", "t"};
  v.push_back(ddl);

  ChangeEvent commit;
  commit.kind = ChangeKind::kCommit;
  commit.position = PgLsnPos{"0/16B3800", ""};
  commit.transaction_id = "742";
  commit.commit_time_us = INT64_MIN;
  v.push_back(commit);
  return v;
}

TEST(EventCodecTest, EveryKindAndFieldRoundTrips) {
  std::vector<ChangeEvent> in = EveryKind();
  std::string buf;
  EncodeEvents(in, &buf);
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(DecodeEvents(buf, &out, "test").ok());
  ASSERT_EQ(out.size(), in.size());
  for (size_t i = 0; i < in.size(); ++i) EXPECT_EQ(out[i], in[i]) << "event " << i;
}

TEST(EventCodecTest, DefaultEventAndEmptyBatchRoundTrip) {
  std::vector<ChangeEvent> in(1);
  std::string buf;
  EncodeEvents(in, &buf);
  std::vector<ChangeEvent> out;
  ASSERT_TRUE(DecodeEvents(buf, &out, "test").ok());
  EXPECT_EQ(out, in);

  buf.clear();
  EncodeEvents({}, &buf);
  ASSERT_TRUE(DecodeEvents(buf, &out, "test").ok());
  EXPECT_TRUE(out.empty());
}

TEST(EventCodecTest, EveryTruncationIsAnError) {
  std::string buf;
  EncodeEvents(EveryKind(), &buf);
  std::vector<ChangeEvent> out;
  for (size_t n = 0; n < buf.size(); n += (n < 200 ? 1 : 997)) {
    Status st = DecodeEvents(std::string_view(buf).substr(0, n), &out, "rec 7");
    ASSERT_FALSE(st.ok()) << "prefix of " << n << " bytes decoded";
    EXPECT_EQ(st.code(), ErrorCode::kMetadata);
    EXPECT_NE(st.message().find("rec 7"), std::string::npos);
  }
  EXPECT_FALSE(DecodeEvents(buf + "x", &out, "rec").ok()) << "trailing garbage";
}

TEST(EventCodecTest, UnknownVersionKindOrTagIsAnError) {
  std::vector<ChangeEvent> one(1);
  std::string buf;
  EncodeEvents(one, &buf);
  std::vector<ChangeEvent> out;
  std::string bad = buf;
  bad[0] = 9;  // version
  EXPECT_NE(DecodeEvents(bad, &out, "r").message().find("version"), std::string::npos);
  bad = buf;
  bad[2] = 42;  // kind
  EXPECT_FALSE(DecodeEvents(bad, &out, "r").ok());
}

TEST(EventCodecTest, PositionAlone) {
  for (const Position& p :
       {Position{NoPosition{}}, Position{MysqlBinlogPos{"f.1", 4, "g"}}, Position{PgLsnPos{"1/2", "s"}}}) {
    std::string buf;
    EncodePosition(p, &buf);
    auto back = DecodePosition(buf, "p");
    ASSERT_TRUE(back.ok());
    EXPECT_EQ(*back, p);
  }
}

}  // namespace
}  // namespace godwit::store
