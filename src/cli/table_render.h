// Human-readable output of the client commands: aligned tables and the
// project detail, made from the API's JSON answers (docs/api.md). Every
// function is pure and tolerant: a field the daemon leaves out prints "-"
// instead of failing, so an older or newer daemon still gives a readable
// screen (`--json` is the exact form).
//
// Thread-safety: pure functions; the time formatting uses the process's
// local time zone (TZ).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace godwit {

// Columns separated by two spaces, each as wide as its widest cell
// (counted in UTF-8 characters); `right_align[i]` aligns column i right
// (numbers). No trailing spaces. Every line ends with '\n'.
std::string RenderTable(const std::vector<std::string>& headers, const std::vector<std::vector<std::string>>& rows,
                        const std::vector<bool>& right_align = {});

// "2024-05-01 14:03:07" in local time; "-" for 0 or a missing value.
std::string FormatLocalTime(int64_t unix_seconds);
std::string FormatLocalTime(const nlohmann::json& unix_seconds);
// "45s", "3m05s", "2h03m07s", "-" when unknown or negative.
std::string FormatDuration(const nlohmann::json& seconds);
// "42%": a float in [0, 1] is a fraction, anything larger (or an integer)
// a percentage; "-" when missing.
std::string FormatProgress(const nlohmann::json& progress);

// A value as one cell: strings as they are, arrays joined with ",", null "-".
std::string Cell(const nlohmann::json& value);

// `project list`: ID, NAME, STATE, STAGE, TYPE, TAGS, UPDATED, then a
// "N of TOTAL project(s), page P of Q" line. `answer` is the GET /projects body.
std::string RenderProjectList(const nlohmann::json& answer);

// `subtasks ID`: KIND, STATUS, PROGRESS, START, END, DURATION. `subtasks` is
// the array (or an object holding it under "subtasks").
std::string RenderSubtasks(const nlohmann::json& subtasks);

// `project show ID`: a key/value block, the subtasks, the tables with rows
// migrated/estimated, metrics, then the last error with its hint.
std::string RenderProjectDetail(const nlohmann::json& detail);

// A batch preview: which projects support `operation` (ID, NAME, UPDATED)
// and which do not (ID, NAME, REASON).
std::string RenderBatchPreview(const std::string& operation, const nlohmann::json& preview);

// A batch answer: how many succeeded and each failure with its reason.
std::string RenderBatchResult(const std::string& operation, const nlohmann::json& result);

// "Not Started" from "not_started", for answers that carry only the name.
std::string StateLabelFromName(const std::string& name);

// An endpoint of a project document: its URI and, when the password came
// from a reference, "(password from $VAR)" / "(password from FILE)".
std::string DescribeEndpoint(const nlohmann::json& endpoint);

}  // namespace godwit
