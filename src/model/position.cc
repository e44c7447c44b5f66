#include "model/position.h"

#include <cstdio>

#include <nlohmann/json.hpp>

namespace godwit {

std::string PositionToJson(const Position& p) {
  nlohmann::json j;
  if (const auto* m = std::get_if<MysqlBinlogPos>(&p)) {
    j = {{"kind", "mysql_binlog"}, {"file", m->file}, {"pos", m->pos}, {"gtid", m->gtid}};
  } else if (const auto* g = std::get_if<PgLsnPos>(&p)) {
    j = {{"kind", "pg_lsn"}, {"lsn", g->lsn}, {"slot", g->slot}};
  } else {
    j = {{"kind", "none"}};
  }
  return j.dump();
}

Result<Position> PositionFromJson(const std::string& json) {
  try {
    auto j = nlohmann::json::parse(json);
    std::string kind = j.at("kind").get<std::string>();
    if (kind == "mysql_binlog") {
      return Position(
          MysqlBinlogPos{j.at("file").get<std::string>(), j.at("pos").get<uint64_t>(), j.value("gtid", std::string())});
    }
    if (kind == "pg_lsn") {
      return Position(PgLsnPos{j.at("lsn").get<std::string>(), j.value("slot", std::string())});
    }
    if (kind == "none") return Position(NoPosition{});
    return Status(ErrorCode::kMetadata, "unknown position kind '" + kind + "' in saved state");
  } catch (const std::exception& e) {
    return Status(ErrorCode::kMetadata, std::string("saved position is not valid JSON: ") + e.what());
  }
}

std::string PositionToString(const Position& p) {
  if (const auto* m = std::get_if<MysqlBinlogPos>(&p)) {
    std::string s = m->file + ":" + std::to_string(m->pos);
    if (!m->gtid.empty()) s += " (gtid " + m->gtid + ")";
    return s;
  }
  if (const auto* g = std::get_if<PgLsnPos>(&p)) {
    return "lsn " + g->lsn + (g->slot.empty() ? "" : " (slot " + g->slot + ")");
  }
  return "none";
}

Result<uint64_t> ParseLsn(std::string_view text) {
  auto bad = [&] {
    return Status(ErrorCode::kInvalidArgument, "\"" + std::string(text) + "\" is not a PostgreSQL LSN (X/Y)");
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 == text.size()) return bad();
  auto hex = [](std::string_view s, uint64_t& v) {
    if (s.empty() || s.size() > 8) return false;
    v = 0;
    for (char c : s) {
      int d = c >= '0' && c <= '9'   ? c - '0'
              : c >= 'a' && c <= 'f' ? c - 'a' + 10
              : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                     : -1;
      if (d < 0) return false;
      v = v * 16 + static_cast<uint64_t>(d);
    }
    return true;
  };
  uint64_t hi = 0, lo = 0;
  if (!hex(text.substr(0, slash), hi) || !hex(text.substr(slash + 1), lo)) return bad();
  return (hi << 32) | lo;
}

std::string FormatLsn(uint64_t lsn) {
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%X/%X", static_cast<unsigned>(lsn >> 32), static_cast<unsigned>(lsn & 0xffffffffu));
  return buf;
}

namespace {

bool LsnValue(const std::string& text, uint64_t& out) {
  auto lsn = ParseLsn(text);
  if (!lsn.ok()) return false;
  out = *lsn;
  return true;
}
bool BinlogNumber(const std::string& file, std::string& base, uint64_t& number) {
  const size_t dot = file.rfind('.');
  if (dot == std::string::npos || dot + 1 == file.size()) return false;
  number = 0;
  for (size_t i = dot + 1; i < file.size(); ++i) {
    if (file[i] < '0' || file[i] > '9') return false;
    number = number * 10 + static_cast<uint64_t>(file[i] - '0');
  }
  base = file.substr(0, dot);
  return true;
}

}  // namespace

bool PositionAtOrAfter(const Position& a, const Position& b) {
  if (const auto* pa = std::get_if<PgLsnPos>(&a)) {
    const auto* pb = std::get_if<PgLsnPos>(&b);
    uint64_t la = 0, lb = 0;
    return pb && LsnValue(pa->lsn, la) && LsnValue(pb->lsn, lb) && la >= lb;
  }
  if (const auto* ma = std::get_if<MysqlBinlogPos>(&a)) {
    const auto* mb = std::get_if<MysqlBinlogPos>(&b);
    if (!mb) return false;
    std::string base_a, base_b;
    uint64_t na = 0, nb = 0;
    if (!BinlogNumber(ma->file, base_a, na) || !BinlogNumber(mb->file, base_b, nb) || base_a != base_b) return false;
    return na != nb ? na > nb : ma->pos >= mb->pos;
  }
  return false;
}

}  // namespace godwit
