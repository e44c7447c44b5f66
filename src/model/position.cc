#include "model/position.h"

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
      return Position(MysqlBinlogPos{j.at("file").get<std::string>(), j.at("pos").get<uint64_t>(),
                                     j.value("gtid", std::string())});
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

}  // namespace godwit
