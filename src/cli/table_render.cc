#include "cli/table_render.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <ctime>
#include <fmt/format.h>

namespace godwit {
namespace {

using nlohmann::json;

size_t DisplayWidth(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) {
    if ((c & 0xC0) != 0x80) ++n;  // count UTF-8 lead bytes only
  }
  return n;
}

const json kNull;

// The field `key` of an object, or null.
const json& Field(const json& obj, const char* key) {
  if (!obj.is_object()) return kNull;
  auto it = obj.find(key);
  return it == obj.end() ? kNull : *it;
}

// The first of several names a field may carry.
const json& AnyField(const json& obj, std::initializer_list<const char*> keys) {
  for (const char* k : keys) {
    const json& v = Field(obj, k);
    if (!v.is_null()) return v;
  }
  return kNull;
}

std::string Str(const json& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_null()) return "";
  return v.dump();
}

std::string OrDash(std::string s) { return s.empty() ? "-" : s; }

std::string Join(const json& arr, const char* sep) {
  if (!arr.is_array()) return Str(arr);
  std::string out;
  for (const auto& v : arr) {
    if (!out.empty()) out += sep;
    out += Str(v);
  }
  return out;
}

std::string StateOf(const json& project) {
  const json& label = Field(project, "state_label");
  return OrDash(label.is_string() ? label.get<std::string>() : StateLabelFromName(Str(Field(project, "state"))));
}

std::string StageOf(const json& project) {
  std::string stage = Str(Field(project, "stage"));
  std::string step = Str(Field(project, "step"));
  if (!step.empty()) stage += stage.empty() ? step : " (" + step + ")";
  return OrDash(stage);
}

std::string Count(const json& v) {
  if (v.is_number_integer() || v.is_number_unsigned()) {
    // 1234567 -> 1,234,567: rows are read at a glance.
    std::string digits = std::to_string(v.get<int64_t>());
    std::string out;
    size_t lead = digits[0] == '-' ? 1 : 0;
    for (size_t i = 0; i < digits.size(); ++i) {
      if (i > lead && (digits.size() - i) % 3 == 0) out += ',';
      out += digits[i];
    }
    return out;
  }
  return OrDash(Str(v));
}

const json& ArrayIn(const json& v, const char* key) {
  if (v.is_array()) return v;
  return Field(v, key);
}

void KeyValue(std::string& out, const std::string& key, const std::string& value) {
  out += fmt::format("{:<13}{}\n", key, OrDash(value));
}

std::string DescribeObjects(const json& objects) {
  std::vector<std::string> parts;
  if (!Field(objects, "include").is_null()) parts.push_back("include " + Join(Field(objects, "include"), ", "));
  if (!Field(objects, "exclude").is_null()) parts.push_back("exclude " + Join(Field(objects, "exclude"), ", "));
  const json& rename = Field(objects, "rename");
  for (const char* kind : {"schemas", "tables"}) {
    const json& m = Field(rename, kind);
    if (!m.is_object()) continue;
    for (const auto& [from, to] : m.items()) {
      parts.push_back(fmt::format("rename {} {} -> {}", kind[0] == 's' ? "schema" : "table", from, Str(to)));
    }
  }
  if (parts.empty()) return "all tables";
  std::string out;
  for (const auto& p : parts) out += (out.empty() ? "" : "; ") + p;
  return out;
}

std::string DescribeWorkers(const json& v) {
  if (v.is_number() && v.get<int64_t>() == 0) return "auto";
  return OrDash(Str(v));
}

}  // namespace

std::string RenderTable(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                        const std::vector<bool>& right_align) {
  std::vector<size_t> width(headers.size(), 0);
  for (size_t i = 0; i < headers.size(); ++i) width[i] = DisplayWidth(headers[i]);
  for (const auto& row : rows) {
    for (size_t i = 0; i < row.size() && i < width.size(); ++i) width[i] = std::max(width[i], DisplayWidth(row[i]));
  }
  auto line = [&](const std::vector<std::string>& cells) {
    std::string out;
    for (size_t i = 0; i < width.size(); ++i) {
      std::string cell = i < cells.size() ? cells[i] : "";
      std::string pad(width[i] - std::min(width[i], DisplayWidth(cell)), ' ');
      if (i > 0) out += "  ";
      bool right = i < right_align.size() && right_align[i];
      out += right ? pad + cell : cell + pad;
    }
    while (!out.empty() && out.back() == ' ') out.pop_back();
    return out + "\n";
  };
  std::string out = line(headers);
  for (const auto& row : rows) out += line(row);
  return out;
}

std::string FormatLocalTime(int64_t unix_seconds) {
  if (unix_seconds <= 0) return "-";
  std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  if (localtime_r(&t, &tm) == nullptr) return std::to_string(unix_seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S", &tm);
  return buf;
}

std::string FormatLocalTime(const json& unix_seconds) {
  if (!unix_seconds.is_number()) return OrDash(Str(unix_seconds));
  return FormatLocalTime(static_cast<int64_t>(unix_seconds.get<double>()));
}

std::string FormatDuration(const json& seconds) {
  if (!seconds.is_number()) return "-";
  double d = seconds.get<double>();
  if (d < 0 || std::isnan(d)) return "-";
  int64_t s = static_cast<int64_t>(std::llround(d));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m{:02}s", s / 3600, (s % 3600) / 60, s % 60);
}

std::string FormatProgress(const json& progress) {
  if (!progress.is_number()) return OrDash(Str(progress));
  // The API gives percentages, 0 to 100.
  double p = std::clamp(progress.get<double>(), 0.0, 100.0);
  return fmt::format("{}%", static_cast<int>(std::floor(p)));
}

std::string Cell(const json& value) {
  if (value.is_array()) return OrDash(Join(value, ","));
  return OrDash(Str(value));
}

std::string RenderProjectList(const json& answer) {
  const json& projects = ArrayIn(answer, "projects");
  std::vector<std::vector<std::string>> rows;
  if (projects.is_array()) {
    for (const auto& p : projects) {
      rows.push_back({Cell(Field(p, "id")), Cell(Field(p, "name")), StateOf(p), StageOf(p),
                      Cell(Field(p, "migration_type")), Cell(Field(p, "tags")),
                      FormatLocalTime(Field(p, "updated_at"))});
    }
  }
  std::string out;
  if (rows.empty()) {
    out = "No projects.\n";
  } else {
    out = RenderTable({"ID", "NAME", "STATE", "STAGE", "TYPE", "TAGS", "UPDATED"}, rows, {true});
  }
  const json& total = Field(answer, "total");
  const json& page = Field(answer, "page");
  const json& page_size = Field(answer, "page_size");
  if (total.is_number_integer()) {
    int64_t t = total.get<int64_t>();
    std::string line = fmt::format("{} of {} project(s)", rows.size(), t);
    if (page.is_number_integer() && page_size.is_number_integer() && page_size.get<int64_t>() > 0) {
      int64_t pages = std::max<int64_t>(1, (t + page_size.get<int64_t>() - 1) / page_size.get<int64_t>());
      line += fmt::format(", page {} of {}", page.get<int64_t>(), pages);
    }
    out += line + "\n";
  }
  return out;
}

std::string RenderSubtasks(const json& subtasks) {
  const json& list = ArrayIn(subtasks, "subtasks");
  std::vector<std::vector<std::string>> rows;
  if (list.is_array()) {
    for (const auto& s : list) {
      rows.push_back({Cell(Field(s, "kind")), Cell(Field(s, "status")), FormatProgress(Field(s, "progress")),
                      FormatLocalTime(Field(s, "started_at")), FormatLocalTime(Field(s, "ended_at")),
                      // A subtask that has not started has no duration yet.
                      Field(s, "started_at").is_number() && Field(s, "started_at").get<double>() > 0
                          ? FormatDuration(Field(s, "duration_seconds"))
                          : "-"});
    }
  }
  if (rows.empty()) return "No subtasks.\n";
  std::string out = RenderTable({"KIND", "STATUS", "PROGRESS", "START", "END", "DURATION"}, rows,
                                {false, false, true, false, false, true});
  // Incremental synchronization: its latency, alerts and per-table counts.
  for (const auto& s : list) {
    const json& d = Field(s, "detail");
    if (Str(Field(s, "kind")) != "incremental_sync" || !d.is_object()) continue;
    const json& m = Field(d, "metrics");
    out += "\nSynchronization: latency " + OrDash(Str(Field(d, "latency"))) + ", applied " +
           Count(Field(m, "transactions")) + " transactions, " + Count(Field(m, "rows")) + " rows";
    if (Field(m, "rows_per_second").is_number()) {
      out += fmt::format(" ({:.0f} rows/s)", Field(m, "rows_per_second").get<double>());
    }
    out += "\n";
    if (!Str(Field(d, "retention_alert")).empty()) out += "ALERT: " + Str(Field(d, "retention_alert")) + "\n";
    const json& failed = Field(d, "failed_ddl");
    if (failed.is_object()) {
      out += "Stopped on DDL (change " + Cell(Field(failed, "sequence")) + "): " + Str(Field(failed, "statement")) +
             "\n  " + Str(Field(failed, "error")) + "\n";
    }
    const json& tables = Field(d, "tables");
    if (tables.is_array() && !tables.empty()) {
      std::vector<std::vector<std::string>> counts;
      for (const auto& t : tables) {
        counts.push_back({Cell(Field(t, "source")), Count(Field(t, "inserts")), Count(Field(t, "updates")),
                          Count(Field(t, "deletes")), Count(Field(t, "total"))});
      }
      out += RenderTable({"TABLE", "INSERTS", "UPDATES", "DELETES", "TOTAL"}, counts, {false, true, true, true, true});
    }
  }
  return out;
}

std::string StateLabelFromName(const std::string& name) {
  std::string out;
  bool word_start = true;
  for (char ch : name) {
    if (ch == '_') {
      out += ' ';
      word_start = true;
    } else {
      out += word_start ? static_cast<char>(std::toupper(static_cast<unsigned char>(ch))) : ch;
      word_start = false;
    }
  }
  return out;
}

std::string DescribeEndpoint(const json& endpoint) {
  if (endpoint.is_string()) return endpoint.get<std::string>();
  std::string out = OrDash(Str(Field(endpoint, "uri")));
  if (Field(endpoint, "password_env").is_string()) {
    out += "  (password from $" + Str(Field(endpoint, "password_env")) + ")";
  } else if (Field(endpoint, "password_file").is_string()) {
    out += "  (password from " + Str(Field(endpoint, "password_file")) + ")";
  }
  return out;
}

std::string RenderProjectDetail(const json& detail) {
  // The detail may nest the project under "project" or carry it at the top.
  const json& p = Field(detail, "project").is_object() ? Field(detail, "project") : detail;
  std::string out;
  KeyValue(out, "ID", Str(Field(p, "id")));
  KeyValue(out, "Name", Str(Field(p, "name")));
  KeyValue(out, "State", StateOf(p));
  KeyValue(out, "Stage", StageOf(p));
  KeyValue(out, "Type", Join(Field(p, "migration_type"), ", "));
  KeyValue(out, "Tags", Join(Field(p, "tags"), ", "));
  KeyValue(out, "Source", DescribeEndpoint(Field(p, "source")));
  KeyValue(out, "Destination", DescribeEndpoint(Field(p, "destination")));
  KeyValue(out, "Objects", DescribeObjects(Field(p, "objects")));
  KeyValue(out, "Parameters",
           fmt::format("concurrency {}, verify concurrency {}, chunk rows {}, zero dates {}",
                       DescribeWorkers(Field(p, "concurrency")), DescribeWorkers(Field(p, "verify_concurrency")),
                       Count(Field(p, "chunk_rows")), OrDash(Str(Field(p, "zero_date")))));
  const json& alerts = Field(p, "alerts");
  std::string alert_text = OrDash(Str(Field(alerts, "level")));
  if (Field(alerts, "latency_threshold_seconds").is_number()) {
    alert_text += fmt::format(", latency threshold {} s", Str(Field(alerts, "latency_threshold_seconds")));
  }
  KeyValue(out, "Alerts", alert_text);
  std::string created = FormatLocalTime(Field(p, "created_at"));
  if (!Str(Field(p, "created_by")).empty()) created += " by " + Str(Field(p, "created_by"));
  KeyValue(out, "Created", created);
  KeyValue(out, "Updated", FormatLocalTime(Field(p, "updated_at")));

  const json& subtasks = AnyField(detail, {"subtasks"});
  if (subtasks.is_array()) out += "\nSubtasks\n" + RenderSubtasks(subtasks);

  // Per-table progress of the running (or last) full migration.
  const json& progress = Field(detail, "progress");
  const json& tables = progress.is_object() ? Field(progress, "tables") : progress;
  if (tables.is_array() && !tables.empty()) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& t : tables) {
      const json& migrated = AnyField(t, {"migrated_rows", "rows_migrated"});
      const json& estimated = AnyField(t, {"estimated_rows", "rows_estimated"});
      std::string pct = "-";
      if (migrated.is_number() && estimated.is_number() && estimated.get<double>() > 0) {
        // Estimates come from statistics and may be below the real count.
        double done = std::min(100.0, 100.0 * migrated.get<double>() / estimated.get<double>());
        pct = fmt::format("{}%", static_cast<int>(done));
      }
      rows.push_back({Cell(AnyField(t, {"source", "table", "name"})), Cell(Field(t, "destination")),
                      Cell(Field(t, "status")), Count(migrated), Count(estimated), pct});
    }
    out += "\nTables\n" + RenderTable({"TABLE", "DESTINATION", "STATUS", "MIGRATED", "ESTIMATED", "DONE"}, rows,
                                      {false, false, false, true, true, true});
  }

  const json& metrics = Field(progress, "metrics");
  if (metrics.is_object() && !metrics.empty()) {
    std::string line;
    for (const auto& [k, v] : metrics.items()) {
      if (v.is_structured()) continue;
      line += (line.empty() ? "" : ", ") + k + " " + (v.is_number_integer() ? Count(v) : Str(v));
    }
    if (!line.empty()) out += "\nMetrics      " + line + "\n";
  }

  const json& error = Field(p, "error");
  if (error.is_object()) {
    out += "\nLast error   " + OrDash(Str(Field(error, "code"))) + ": " + Str(Field(error, "message")) + "\n";
    std::vector<std::string> where;
    if (!Str(Field(error, "subtask")).empty()) where.push_back("subtask " + Str(Field(error, "subtask")));
    if (!Str(Field(error, "object")).empty()) where.push_back("object " + Str(Field(error, "object")));
    if (Field(error, "at").is_number() && Field(error, "at").get<int64_t>() > 0) {
      where.push_back("at " + FormatLocalTime(Field(error, "at")));
    }
    if (!where.empty()) {
      std::string w;
      for (const auto& s : where) w += (w.empty() ? "" : ", ") + s;
      out += "  where:     " + w + "\n";
    }
    if (!Str(Field(error, "hint")).empty()) out += "  what to do: " + Str(Field(error, "hint")) + "\n";
  }
  return out;
}

std::string RenderBatchPreview(const std::string& operation, const json& preview) {
  std::string out;
  const json& supported = Field(preview, "supported");
  const json& unsupported = Field(preview, "unsupported");
  std::vector<std::vector<std::string>> rows;
  if (supported.is_array()) {
    for (const auto& s : supported) {
      rows.push_back({Cell(Field(s, "id")), Cell(Field(s, "name")), FormatLocalTime(Field(s, "updated_at"))});
    }
  }
  out += fmt::format("{} project(s) support {}", rows.size(), operation);
  out += rows.empty() ? ".\n" : ":\n" + RenderTable({"ID", "NAME", "UPDATED"}, rows, {true});
  rows.clear();
  if (unsupported.is_array()) {
    for (const auto& s : unsupported) {
      rows.push_back({Cell(Field(s, "id")), Cell(Field(s, "name")), Cell(Field(s, "reason"))});
    }
  }
  if (!rows.empty()) {
    out += fmt::format("{} project(s) do not:\n", rows.size());
    out += RenderTable({"ID", "NAME", "REASON"}, rows, {true});
  }
  return out;
}

std::string RenderBatchResult(const std::string& operation, const json& result) {
  const json& failed = Field(result, "failed");
  size_t failures = failed.is_array() ? failed.size() : 0;
  std::string out =
      fmt::format("{}: {} succeeded, {} failed\n", operation, Count(Field(result, "succeeded")), failures);
  if (failures > 0) {
    std::vector<std::vector<std::string>> rows;
    for (const auto& f : failed) rows.push_back({Cell(Field(f, "id")), Cell(Field(f, "reason"))});
    out += RenderTable({"ID", "REASON"}, rows, {true});
  }
  return out;
}

}  // namespace godwit
