#include "orchestrator/resume_state.h"

namespace godwit {
namespace {

using nlohmann::json;

// The blob's field names are its own and never change within a version:
// they are deliberately not the API's (a rename there must not reach here).
json DdlToBlob(const DdlRecord& d) {
  return json{{"seq", d.sequence}, {"sql", d.statement}, {"err", d.error}, {"skipped_at", d.skipped_at}};
}

DdlRecord DdlFromBlob(const json& j) {
  return DdlRecord{j.value("seq", uint64_t{0}), j.value("sql", std::string()), j.value("err", std::string()),
                   j.value("skipped_at", int64_t{0})};
}

Status Damaged(std::string_view what, std::string_view why) {
  return Status(ErrorCode::kMetadata, "the stored resume state of a " + std::string(what) + " is " + std::string(why),
                "Clone the project to run it again from the start, or restore the metadata store from a backup.");
}

// Parses a blob and checks its version; `what` names the subtask for errors.
Result<json> OpenBlob(std::string_view blob, std::string_view what) {
  json j = json::parse(blob, nullptr, false);
  if (!j.is_object()) return Damaged(what, "unreadable");
  const int version = j.value("version", 0);
  if (version < 1 || version > kResumeStateVersion) {
    return Damaged(what, "of format version " + std::to_string(version) + ", which this Godwit does not read (" +
                             std::to_string(kResumeStateVersion) + " or older)");
  }
  return j;
}

}  // namespace

std::set<uint64_t> SyncResumeState::SkipDdlSequences() const {
  std::set<uint64_t> out;
  for (const auto& d : skipped_ddl) out.insert(d.sequence);
  return out;
}

std::string EncodeResumeState(const SyncResumeState& s) {
  json skipped = json::array();
  for (const auto& d : s.skipped_ddl) skipped.push_back(DdlToBlob(d));
  json tables = json::array();
  for (const auto& t : s.tables) {
    tables.push_back({{"src", t.source}, {"dst", t.destination}, {"i", t.inserts}, {"u", t.updates}, {"d", t.deletes}});
  }
  return json{{"version", kResumeStateVersion},
              {"failed_ddl", s.failed_ddl ? DdlToBlob(*s.failed_ddl) : json(nullptr)},
              {"skipped_ddl", skipped},
              {"tables", tables},
              {"monitoring", s.monitoring},
              {"captured_position", s.captured_position ? PositionToJson(*s.captured_position) : std::string()},
              {"captured_time_us", s.captured_source_time_us}}
      .dump();
}

Result<SyncResumeState> DecodeSyncResumeState(std::string_view blob) {
  SyncResumeState s;
  if (blob.empty()) return s;
  ASSIGN_OR_RETURN(json j, OpenBlob(blob, "synchronization"));
  if (j.contains("failed_ddl") && j["failed_ddl"].is_object()) s.failed_ddl = DdlFromBlob(j["failed_ddl"]);
  for (const auto& d : j.value("skipped_ddl", json::array())) s.skipped_ddl.push_back(DdlFromBlob(d));
  for (const auto& t : j.value("tables", json::array())) {
    s.tables.push_back({t.value("src", std::string()), t.value("dst", std::string()), t.value("i", uint64_t{0}),
                        t.value("u", uint64_t{0}), t.value("d", uint64_t{0})});
  }
  s.monitoring = j.value("monitoring", false);
  if (const std::string pos = j.value("captured_position", std::string()); !pos.empty()) {
    auto parsed = PositionFromJson(pos);
    if (!parsed.ok()) return Damaged("synchronization", "unreadable: " + parsed.status().message());
    s.captured_position = *parsed;
  }
  s.captured_source_time_us = j.value("captured_time_us", int64_t{0});
  return s;
}

std::string EncodeResumeState(const VerifyResumeState& s) {
  return json{{"version", kResumeStateVersion},
              {"rerun_mode", s.rerun_mode ? std::string(VerifyModeName(*s.rerun_mode)) : std::string()}}
      .dump();
}

Result<VerifyResumeState> DecodeVerifyResumeState(std::string_view blob) {
  VerifyResumeState s;
  if (blob.empty()) return s;
  ASSIGN_OR_RETURN(json j, OpenBlob(blob, "verification"));
  if (const std::string mode = j.value("rerun_mode", std::string()); !mode.empty()) {
    s.rerun_mode = ParseVerifyMode(mode);
    if (!s.rerun_mode) return Damaged("verification", "unreadable: unknown re-verify mode '" + mode + "'");
  }
  return s;
}

SyncResumeState SyncResumeAfterRun(const SyncResumeState& before, const SyncStatus& status) {
  SyncResumeState after;
  after.skipped_ddl = before.skipped_ddl;
  if (status.failed_ddl) {
    after.failed_ddl = DdlRecord{status.failed_ddl->sequence, status.failed_ddl->statement, status.failed_ddl->error};
  }
  // The run started from the carried counts and added its own.
  after.tables = status.tables.empty() ? before.tables : status.tables;
  after.monitoring = before.monitoring || status.monitoring;
  if (!std::holds_alternative<NoPosition>(status.captured_position)) {
    after.captured_position = status.captured_position;
    after.captured_source_time_us = status.captured_source_time_us;
  } else {
    after.captured_position = before.captured_position;
    after.captured_source_time_us = before.captured_source_time_us;
  }
  return after;
}

json SkippedDdlToJson(const std::vector<DdlRecord>& skipped) {
  json out = json::array();
  for (const auto& d : skipped) {
    out.push_back(
        {{"sequence", d.sequence}, {"statement", d.statement}, {"error", d.error}, {"skipped_at", d.skipped_at}});
  }
  return out;
}

void WriteSyncDisplay(const SyncResumeState& s, json& detail) {
  detail["failed_ddl"] = s.failed_ddl ? json{{"sequence", s.failed_ddl->sequence},
                                             {"statement", s.failed_ddl->statement},
                                             {"error", s.failed_ddl->error}}
                                      : json(nullptr);
  detail["skipped_ddl"] = SkippedDdlToJson(s.skipped_ddl);
}

void WriteVerifyDisplay(const VerifyResumeState& s, json& detail) {
  if (s.rerun_mode) {
    detail["rerun_mode"] = VerifyModeName(*s.rerun_mode);
  } else {
    detail.erase("rerun_mode");
  }
}

SyncResumeState SyncResumeFromLegacyDetail(const json& d) {
  SyncResumeState s;
  if (!d.is_object()) return s;
  s.monitoring = d.value("status", "") == "monitoring";
  if (d.contains("failed_ddl") && d["failed_ddl"].is_object()) {
    const json& f = d["failed_ddl"];
    s.failed_ddl = DdlRecord{f.value("sequence", uint64_t{0}), f.value("statement", std::string()),
                             f.value("error", std::string())};
  }
  for (const auto& k : d.value("skipped_ddl", json::array())) {
    if (!k.contains("sequence") || !k["sequence"].is_number_unsigned()) continue;
    s.skipped_ddl.push_back(DdlRecord{k["sequence"].get<uint64_t>(), k.value("statement", std::string()),
                                      k.value("error", std::string()), k.value("skipped_at", int64_t{0})});
  }
  for (const auto& t : d.value("tables", json::array())) {
    s.tables.push_back({t.value("source", ""), t.value("destination", ""), t.value("inserts", uint64_t{0}),
                        t.value("updates", uint64_t{0}), t.value("deletes", uint64_t{0})});
  }
  if (auto pos = PositionFromJson(d.value("captured_position_json", std::string())); pos.ok()) {
    s.captured_position = *pos;
  }
  s.captured_source_time_us = d.value("captured_source_time_us", int64_t{0});
  return s;
}

namespace {

// The row's detail as an object to write display fields into.
json DetailObject(const SubtaskRow& row) {
  json detail = json::parse(row.detail_json, nullptr, false);
  return detail.is_object() ? detail : json::object();
}

bool Legacy(const SubtaskRow& row) { return row.resume_state.empty() && !row.detail_json.empty(); }

}  // namespace

Result<SyncResumeState> SyncResumeOf(const SubtaskRow& row) {
  if (Legacy(row)) return SyncResumeFromLegacyDetail(json::parse(row.detail_json, nullptr, false));
  return DecodeSyncResumeState(row.resume_state);
}

Result<VerifyResumeState> VerifyResumeOf(const SubtaskRow& row) {
  if (Legacy(row)) return VerifyResumeFromLegacyDetail(json::parse(row.detail_json, nullptr, false));
  return DecodeVerifyResumeState(row.resume_state);
}

void SetSyncResume(SubtaskRow& row, const SyncResumeState& state) {
  row.resume_state = EncodeResumeState(state);
  json detail = DetailObject(row);
  WriteSyncDisplay(state, detail);
  row.detail_json = detail.dump();
}

void SetVerifyResume(SubtaskRow& row, const VerifyResumeState& state) {
  row.resume_state = EncodeResumeState(state);
  json detail = DetailObject(row);
  WriteVerifyDisplay(state, detail);
  row.detail_json = detail.dump();
}

VerifyResumeState VerifyResumeFromLegacyDetail(const json& d) {
  VerifyResumeState s;
  if (d.is_object() && d.contains("rerun_mode") && d["rerun_mode"].is_string()) {
    s.rerun_mode = ParseVerifyMode(d["rerun_mode"].get<std::string>());
  }
  return s;
}

}  // namespace godwit
