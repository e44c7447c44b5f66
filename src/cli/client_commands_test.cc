// The client commands against a fake transport (flows, output, exit codes),
// the exit-code mapping, and the HTTP transport against an in-process
// cpp-httplib server.
#include "cli/client_commands.h"

#include <CLI/CLI.hpp>
#include <gtest/gtest.h>
#include <httplib.h>
#include <unistd.h>

#include <deque>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <chrono>
#include <thread>

namespace godwit {
namespace {

using nlohmann::json;

ApiReply Reply(int status, const json& body) {
  ApiReply r;
  r.status = status;
  r.body = body.dump();
  r.json = body;
  return r;
}

class FakeApi : public ApiTransport {
 public:
  struct Call {
    std::string method;
    std::string path;
    json body;
  };
  ApiReply Send(const std::string& method, const std::string& path, const json& body) override {
    calls.push_back({method, path, body});
    if (replies.empty()) return Reply(500, json{{"error", {{"code", "INTERNAL"}, {"message", "no reply queued"}}}});
    ApiReply r = replies.front();
    replies.pop_front();
    return r;
  }
  std::string server() const override { return "http://fake:1"; }

  std::vector<Call> calls;
  std::deque<ApiReply> replies;
};

class ClientCommandsTest : public ::testing::Test {
 protected:
  ClientContext Context(const std::string& stdin_text = "", bool json_mode = false, bool yes = false) {
    in_.str(stdin_text);
    in_.clear();
    return ClientContext{api_, in_, out_, err_, json_mode, yes};
  }
  FakeApi api_;
  std::istringstream in_;
  std::ostringstream out_;
  std::ostringstream err_;
};

json Project(int64_t id, const std::string& state_label) {
  return {{"id", id}, {"name", "p" + std::to_string(id)}, {"state_label", state_label}};
}

TEST(ExitCodeTest, HttpStatusMapsToDocumentedCodes) {
  EXPECT_EQ(ExitCodeForHttpStatus(200), kExitOk);
  EXPECT_EQ(ExitCodeForHttpStatus(201), kExitOk);
  EXPECT_EQ(ExitCodeForHttpStatus(400), kExitUsage);
  EXPECT_EQ(ExitCodeForHttpStatus(413), kExitUsage);
  EXPECT_EQ(ExitCodeForHttpStatus(0), kExitUnreachable);
  EXPECT_EQ(ExitCodeForHttpStatus(401), kExitUnreachable);
  EXPECT_EQ(ExitCodeForHttpStatus(404), kExitNotFound);
  EXPECT_EQ(ExitCodeForHttpStatus(409), kExitRefused);
  EXPECT_EQ(ExitCodeForHttpStatus(405), kExitFailed);
  EXPECT_EQ(ExitCodeForHttpStatus(500), kExitFailed);
  EXPECT_EQ(ExitCodeForHttpStatus(503), kExitFailed);
}

TEST(ExitCodeTest, ErrorFromReplyUsesTheApiErrorAndFallsBack) {
  ApiError e = ErrorFromReply(
      Reply(409,
            json{{"error", {{"code", "INVALID_STATE"}, {"message", "project 7 is Paused"}, {"hint", "resume it"}}}}),
      "http://h:1");
  EXPECT_EQ(e.exit_code, kExitRefused);
  EXPECT_EQ(e.code, "INVALID_STATE");
  EXPECT_EQ(e.message, "project 7 is Paused");
  EXPECT_EQ(e.hint, "resume it");

  ApiError no_hint =
      ErrorFromReply(Reply(401, json{{"error", {{"code", "UNAUTHORIZED"}, {"message", "bad token"}}}}), "http://h:1");
  EXPECT_EQ(no_hint.exit_code, kExitUnreachable);
  EXPECT_NE(no_hint.hint.find("--token"), std::string::npos);

  ApiReply html;
  html.status = 502;
  html.body = "<html>bad gateway</html>";
  ApiError e502 = ErrorFromReply(html, "http://h:1");
  EXPECT_EQ(e502.exit_code, kExitFailed);
  EXPECT_EQ(e502.code, "HTTP_502");
  EXPECT_NE(e502.message.find("bad gateway"), std::string::npos);

  ApiReply down;
  down.transport_error = "Connection";
  ApiError e0 = ErrorFromReply(down, "http://127.0.0.1:8190");
  EXPECT_EQ(e0.exit_code, kExitUnreachable);
  EXPECT_EQ(e0.code, "UNREACHABLE");
  EXPECT_NE(e0.message.find("http://127.0.0.1:8190"), std::string::npos);
  EXPECT_NE(e0.hint.find("godwit serve"), std::string::npos);

  std::ostringstream err;
  PrintApiError(e, err);
  EXPECT_EQ(err.str(), "godwit: INVALID_STATE: project 7 is Paused\n  what to do: resume it\n");
}

TEST_F(ClientCommandsTest, SingleStartUsesTheProjectEndpoint) {
  api_.replies.push_back(Reply(200, Project(7, "Running")));
  auto c = Context();
  EXPECT_EQ(RunOperation(c, "start", {"7"}), kExitOk);
  ASSERT_EQ(api_.calls.size(), 1u);
  EXPECT_EQ(api_.calls[0].method, "POST");
  EXPECT_EQ(api_.calls[0].path, "/projects/7/start");
  EXPECT_EQ(out_.str(), "project 7 (p7): start, now Running\n");
}

TEST_F(ClientCommandsTest, SingleReleaseSendsForceAndDeleteUsesDelete) {
  api_.replies.push_back(
      Reply(200, json{{"id", 3}, {"state", "released"}, {"freed", json::array()}, {"not_freed", {"slot godwit_3"}}}));
  api_.replies.push_back(Reply(200, json{{"deleted", 3}}));
  auto c = Context();
  EXPECT_EQ(RunOperation(c, "release", {"3"}, /*force=*/true), kExitOk);
  EXPECT_EQ(RunOperation(c, "delete", {"3"}), kExitOk);
  EXPECT_EQ(api_.calls[0].path, "/projects/3/release");
  EXPECT_EQ(api_.calls[0].body, (json{{"force", true}}));
  EXPECT_EQ(api_.calls[1].method, "DELETE");
  EXPECT_EQ(api_.calls[1].path, "/projects/3");
  EXPECT_EQ(out_.str(), "project 3: release, now Released\n  not freed:\n    slot godwit_3\ndeleted project 3\n");
}

TEST_F(ClientCommandsTest, RefusedOperationPrintsCodeAndHintAndExits5) {
  api_.replies.push_back(Reply(409, json{{"error",
                                          {{"code", "INVALID_STATE"},
                                           {"message", "project 7 is Paused: start is not allowed; allowed: resume"},
                                           {"hint", "Resume it."}}}}));
  auto c = Context();
  EXPECT_EQ(RunOperation(c, "start", {"7"}), kExitRefused);
  EXPECT_EQ(err_.str(),
            "godwit: INVALID_STATE: project 7 is Paused: start is not allowed; allowed: resume\n"
            "  what to do: Resume it.\n");
  EXPECT_EQ(out_.str(), "");
}

TEST_F(ClientCommandsTest, NotFoundExits4AndBadIdExits2WithoutACall) {
  api_.replies.push_back(Reply(404, json{{"error", {{"code", "NOT_FOUND"}, {"message", "no project 9"}}}}));
  auto c = Context();
  EXPECT_EQ(ProjectShow(c, "9"), kExitNotFound);
  EXPECT_EQ(RunOperation(c, "pause", {"7", "abc"}), kExitUsage);
  EXPECT_EQ(ProjectShow(c, "-3"), kExitUsage);
  EXPECT_EQ(api_.calls.size(), 1u);
  EXPECT_NE(err_.str().find("godwit: INVALID_ARGUMENT: 'abc' is not a project id"), std::string::npos);
}

json Preview(std::vector<int64_t> supported, std::vector<std::pair<int64_t, std::string>> unsupported) {
  json p = {{"supported", json::array()}, {"unsupported", json::array()}};
  for (auto id : supported)
    p["supported"].push_back({{"id", id}, {"name", "p" + std::to_string(id)}, {"updated_at", 0}});
  for (auto& [id, reason] : unsupported) p["unsupported"].push_back({{"id", id}, {"name", "x"}, {"reason", reason}});
  return p;
}

TEST_F(ClientCommandsTest, BatchPreviewsConfirmsAndExecutesTheSupportedOnes) {
  api_.replies.push_back(Reply(200, Preview({1, 2}, {})));
  api_.replies.push_back(Reply(200, json{{"succeeded", 2}, {"failed", json::array()}}));
  auto c = Context("y\n");
  EXPECT_EQ(RunOperation(c, "pause", {"1", "2", "2"}), kExitOk);
  ASSERT_EQ(api_.calls.size(), 2u);
  EXPECT_EQ(api_.calls[0].path, "/batch/pause/preview");
  EXPECT_EQ(api_.calls[0].body, (json{{"ids", {1, 2}}}));
  EXPECT_EQ(api_.calls[1].path, "/batch/pause");
  EXPECT_EQ(api_.calls[1].body, (json{{"ids", {1, 2}}}));
  EXPECT_NE(out_.str().find("2 project(s) support pause:"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("Proceed with 2 project(s)? [y/N] y\n"), std::string::npos);  // echoed: not a terminal
  EXPECT_NE(out_.str().find("pause: 2 succeeded, 0 failed"), std::string::npos);
}

TEST_F(ClientCommandsTest, BatchDeclinedChangesNothing) {
  for (const char* answer : {"n\n", "", "whatever\n"}) {
    api_.calls.clear();
    api_.replies.push_back(Reply(200, Preview({1, 2}, {})));
    auto c = Context(answer);
    EXPECT_EQ(RunOperation(c, "resume", {"1", "2"}), kExitFailed);
    EXPECT_EQ(api_.calls.size(), 1u) << "answer '" << answer << "' must not execute";
  }
  EXPECT_NE(err_.str().find("godwit: CANCELLED: not confirmed: nothing was changed"), std::string::npos);
}

TEST_F(ClientCommandsTest, BatchWithUnsupportedOrFailuresExits1) {
  api_.replies.push_back(Reply(200, Preview({1}, {{2, "project 2 is Paused: pause is not allowed"}})));
  api_.replies.push_back(Reply(200, json{{"succeeded", 1}, {"failed", json::array()}}));
  auto c = Context("", false, /*yes=*/true);
  EXPECT_EQ(RunOperation(c, "pause", {"1", "2"}), kExitFailed);
  EXPECT_EQ(api_.calls[1].body, (json{{"ids", {1}}}));
  EXPECT_EQ(out_.str().find("Proceed"), std::string::npos);  // --yes asks nothing
  EXPECT_NE(out_.str().find("project 2 is Paused"), std::string::npos);

  api_.calls.clear();
  api_.replies.push_back(Reply(200, Preview({1, 2}, {})));
  api_.replies.push_back(Reply(200, json{{"succeeded", 1}, {"failed", {{{"id", 2}, {"reason", "slot busy"}}}}}));
  EXPECT_EQ(RunOperation(c, "release", {"1", "2"}, true), kExitFailed);
  EXPECT_EQ(api_.calls[0].body, (json{{"ids", {1, 2}}, {"force", true}}));  // force changes what is allowed
  EXPECT_EQ(api_.calls[1].body, (json{{"ids", {1, 2}}, {"force", true}}));
  EXPECT_NE(out_.str().find(" 2  slot busy"), std::string::npos) << out_.str();
}

TEST_F(ClientCommandsTest, BatchNobodySupportsExits5OrNotFound4) {
  api_.replies.push_back(
      Reply(200, Preview({}, {{1, "project 1 is Running: start is not allowed"}, {5, "no such project"}})));
  auto c = Context("", false, true);
  EXPECT_EQ(RunOperation(c, "start", {"1", "5"}), kExitRefused);
  api_.replies.push_back(Reply(200, Preview({}, {{5, "no such project"}, {6, "no such project"}})));
  EXPECT_EQ(RunOperation(c, "start", {"5", "6"}), kExitNotFound);
  EXPECT_EQ(api_.calls.size(), 2u);  // previews only
}

TEST_F(ClientCommandsTest, JsonModeKeepsStdoutForTheApisJson) {
  api_.replies.push_back(Reply(200, Preview({1, 2}, {})));
  json result = {{"succeeded", 2}, {"failed", json::array()}};
  api_.replies.push_back(Reply(200, result));
  auto c = Context("yes\n", /*json_mode=*/true);
  EXPECT_EQ(RunOperation(c, "start", {"1", "2"}), kExitOk);
  EXPECT_EQ(json::parse(out_.str()), result);
  EXPECT_NE(err_.str().find("Proceed with 2 project(s)?"), std::string::npos);
}

TEST_F(ClientCommandsTest, AlertsSetSingleAndBatch) {
  api_.replies.push_back(Reply(200, json{{"level", "high"}, {"latency_threshold_seconds", 10}}));
  auto c = Context("", false, true);
  EXPECT_EQ(AlertsSet(c, {"4"}, json{{"level", "high"}}), kExitOk);
  EXPECT_EQ(api_.calls[0].method, "PUT");
  EXPECT_EQ(api_.calls[0].path, "/projects/4/alerts");
  EXPECT_EQ(out_.str(), "project 4: alerts high, latency threshold 10 s\n");

  api_.replies.push_back(Reply(200, Preview({4, 5}, {})));
  api_.replies.push_back(Reply(200, json{{"succeeded", 2}, {"failed", json::array()}}));
  json alerts = {{"level", "medium"}, {"latency_threshold_seconds", 30}};
  EXPECT_EQ(AlertsSet(c, {"4", "5"}, alerts), kExitOk);
  EXPECT_EQ(api_.calls[1].path, "/batch/modify_alerts/preview");
  EXPECT_EQ(api_.calls[1].body, (json{{"ids", {4, 5}}, {"alerts", alerts}}));
  EXPECT_EQ(api_.calls[2].path, "/batch/modify_alerts");
  EXPECT_EQ(api_.calls[2].body, (json{{"ids", {4, 5}}, {"alerts", alerts}}));
}

TEST_F(ClientCommandsTest, ParamsSetNeedsAParameter) {
  auto c = Context();
  EXPECT_EQ(ParamsSet(c, "4", json::object()), kExitUsage);
  EXPECT_TRUE(api_.calls.empty());
  api_.replies.push_back(Reply(200, Project(4, "Paused")));
  EXPECT_EQ(ParamsSet(c, "4", json{{"chunk_rows", 5000}, {"zero_date", "null"}}), kExitOk);
  EXPECT_EQ(api_.calls[0].path, "/projects/4/parameters");
  EXPECT_EQ(api_.calls[0].body, (json{{"chunk_rows", 5000}, {"zero_date", "null"}}));
}

TEST_F(ClientCommandsTest, ListSendsFiltersAsQuery) {
  api_.replies.push_back(Reply(200, json{{"projects", json::array()}, {"total", 0}, {"page", 2}, {"page_size", 10}}));
  auto c = Context();
  ListFilters f;
  f.status = "Not Started";
  f.tag = "q4 shop";
  f.keyword = "orders";
  f.page = 2;
  f.page_size = 10;
  EXPECT_EQ(ProjectList(c, f), kExitOk);
  EXPECT_EQ(api_.calls[0].path, "/projects?status=not_started&tag=q4%20shop&keyword=orders&page=2&page_size=10");
}

TEST_F(ClientCommandsTest, ExportWritesTheDocumentToAFile) {
  std::string yaml = "name: shop\nsource:\n  uri: mysql://app@h/shop\n  password_env: PW\n";
  ApiReply r;
  r.status = 200;
  r.body = yaml;
  api_.replies.push_back(r);
  auto path = std::filesystem::temp_directory_path() / ("godwit_export_" + std::to_string(getpid()) + ".yaml");
  auto c = Context();
  EXPECT_EQ(ProjectExport(c, "3", "yaml", true, path.string()), kExitOk);
  EXPECT_EQ(api_.calls[0].path, "/projects/3/export?format=yaml&objects_only=true");
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), yaml);
  std::filesystem::remove(path);
}

TEST_F(ClientCommandsTest, CreateResolvesPasswordsAndNeverPrintsThem) {
  const std::string secret = "pw-4f9a-never-printed";
  setenv("GODWIT_CLI_TEST_PW", secret.c_str(), 1);
  auto path = std::filesystem::temp_directory_path() / ("godwit_create_" + std::to_string(getpid()) + ".yaml");
  std::ofstream(path) << "name: shop\n"
                         "source: mysql://app@127.0.0.1:3306/shop?password_env=GODWIT_CLI_TEST_PW\n"
                         "destination: postgresql://postgres@127.0.0.1:5432/shop\n"
                         "migration_type: [schema, full]\n"
                         "concurrency: 2\n"
                         "zero_date: null\n";
  json created = Project(12, "Not Started");
  api_.replies.push_back(Reply(201, created));
  auto c = Context();
  EXPECT_EQ(ProjectCreate(c, path.string(), "", {"q4"}, "alice"), kExitOk);
  ASSERT_EQ(api_.calls.size(), 1u);
  const json& body = api_.calls[0].body;
  EXPECT_EQ(api_.calls[0].path, "/projects");
  EXPECT_EQ(body["source"]["password"], json(secret));
  EXPECT_EQ(body["source"]["password_env"], json("GODWIT_CLI_TEST_PW"));
  EXPECT_EQ(body["source"]["uri"], json("mysql://app@127.0.0.1:3306/shop"));
  EXPECT_EQ(body["concurrency"], json(2));
  EXPECT_TRUE(body["zero_date"].is_null());
  EXPECT_EQ(body["tags"], json::array({"q4"}));
  EXPECT_EQ(body["created_by"], json("alice"));
  EXPECT_EQ(out_.str(), "created project 12 (p12), Not Started\n  start it with: godwit start 12\n");
  EXPECT_EQ(out_.str().find(secret), std::string::npos);
  EXPECT_EQ(err_.str().find(secret), std::string::npos);

  out_.str("");
  api_.replies.push_back(Reply(201, Project(13, "Not Started")));
  EXPECT_EQ(ProjectImport(c, path.string(), "alice"), kExitOk);
  EXPECT_EQ(api_.calls[1].body["source"]["password"], json(secret));
  EXPECT_EQ(out_.str(), "imported as project 13 (p13), Not Started\n  start it with: godwit start 13\n");

  // A local error names the variable, never the value.
  unsetenv("GODWIT_CLI_TEST_PW");
  EXPECT_EQ(ProjectCreate(c, path.string(), "", {}, "alice"), kExitUsage);
  EXPECT_NE(err_.str().find("GODWIT_CLI_TEST_PW"), std::string::npos);
  EXPECT_EQ(err_.str().find(secret), std::string::npos);
  EXPECT_EQ(api_.calls.size(), 2u);
  std::filesystem::remove(path);
}

// A verification document as docs/verification.md shows it: one table
// consistent, one with differences, one that could not be compared.
json VerificationResult() {
  json orders = {{"source", "shop.orders"},
                 {"destination", "public.orders"},
                 {"status", "inconsistent"},
                 {"method", "hashed"},
                 {"rows_compared", 1000003},
                 {"only_in_source", 3},
                 {"only_in_destination", 1},
                 {"differing", 4},
                 {"differing_columns", {{"note", 1}, {"status", 3}}},
                 {"samples", {{{"key", {"42"}}, {"kind", "differing"}, {"columns", {"status"}}}}},
                 {"detail", "complete"},
                 {"error", ""}};
  json users = {{"source", "shop.users"},
                {"destination", "public.users"},
                {"status", "consistent"},
                {"method", "database"},
                {"rows_compared", 12000},
                {"only_in_source", 0},
                {"only_in_destination", 0},
                {"differing", 0},
                {"differing_columns", json::object()},
                {"samples", json::array()},
                {"detail", "complete"},
                {"error", ""}};
  json gone = {{"source", "shop.gone"},
               {"destination", ""},
               {"status", "failed"},
               {"method", ""},
               {"rows_compared", 0},
               {"only_in_source", 0},
               {"only_in_destination", 0},
               {"differing", 0},
               {"error", "permission denied for table gone"}};
  return {{"run", 3},
          {"state", "completed"},
          {"tables", {orders, users, gone}},
          {"summary", {{"tables", 3}, {"consistent", 1}, {"inconsistent", 1}, {"failed", 1}, {"differences", 8}}},
          {"metrics", {{"rows_compared", 1012003}, {"rows_per_second", 476191.4}, {"elapsed_seconds", 2.1}}}};
}

TEST_F(ClientCommandsTest, VerificationShowsStatusTablesAndSummary) {
  api_.replies.push_back(
      Reply(200, json{{"status", "completed"}, {"started_at", 0}, {"ended_at", 0}, {"result", VerificationResult()}}));
  auto c = Context();
  EXPECT_EQ(VerificationShow(c, "7"), kExitOk);
  ASSERT_EQ(api_.calls.size(), 1u);
  EXPECT_EQ(api_.calls[0].method, "GET");
  EXPECT_EQ(api_.calls[0].path, "/projects/7/verification");
  EXPECT_TRUE(api_.calls[0].body.is_null());
  EXPECT_EQ(
      out_.str(),
      "Full verification: completed\n"
      "TABLE        DESTINATION    STATUS        METHOD         ROWS  ONLY IN SOURCE  ONLY IN DEST  DIFFERING  "
      "DIFFERING COLUMNS\n"
      "shop.orders  public.orders  inconsistent  hashed    1,000,003               3             1          4  "
      "status 3, note 1\n"
      "shop.users   public.users   consistent    database     12,000               0             0          0  -\n"
      "shop.gone    (missing)      failed        -                 0               0             0          0  -\n"
      "  shop.orders: differing [\"42\"] (status)\n"
      "  shop.gone: permission denied for table gone\n"
      "3 table(s): 1 consistent, 1 inconsistent, 1 failed; 8 difference(s); 1,012,003 rows compared in 2s "
      "(476,191 rows/s)\n");
  EXPECT_EQ(err_.str(), "");
}

TEST_F(ClientCommandsTest, VerificationRunningNotStartedAndJson) {
  json result = VerificationResult();
  result["tables"][0]["status"] = "running";
  result["tables"][0]["units_done"] = 12;
  result["tables"][0]["units_total"] = 40;
  api_.replies.push_back(
      Reply(200, json{{"status", "running"}, {"started_at", 0}, {"ended_at", 0}, {"result", result}}));
  auto c = Context();
  EXPECT_EQ(VerificationShow(c, "7"), kExitOk);
  EXPECT_NE(out_.str().find("shop.orders  public.orders  running 12/40"), std::string::npos) << out_.str();

  // Not started yet: the status alone.
  out_.str("");
  api_.replies.push_back(
      Reply(200, json{{"status", "pending"}, {"started_at", 0}, {"ended_at", 0}, {"result", nullptr}}));
  EXPECT_EQ(VerificationShow(c, "7"), kExitOk);
  EXPECT_EQ(out_.str(), "Full verification: pending\n");

  // --json: the API's answer as it is.
  out_.str("");
  json answer = {{"status", "completed"}, {"started_at", 1}, {"ended_at", 2}, {"result", VerificationResult()}};
  api_.replies.push_back(Reply(200, answer));
  auto j = Context("", /*json_mode=*/true);
  EXPECT_EQ(VerificationShow(j, "7"), kExitOk);
  EXPECT_EQ(json::parse(out_.str()), answer);
}

TEST_F(ClientCommandsTest, VerificationOfAProjectWithoutItExits4) {
  api_.replies.push_back(
      Reply(404, json{{"error",
                       {{"code", "NOT_FOUND"},
                        {"message", "project 7 has no full verification"},
                        {"hint", "Create the project with 'verification' in its migration_type."}}}}));
  auto c = Context();
  EXPECT_EQ(VerificationShow(c, "7"), kExitNotFound);
  EXPECT_EQ(err_.str(),
            "godwit: NOT_FOUND: project 7 has no full verification\n"
            "  what to do: Create the project with 'verification' in its migration_type.\n");
  EXPECT_EQ(out_.str(), "");
  EXPECT_EQ(VerificationShow(c, "x"), kExitUsage);
  EXPECT_EQ(api_.calls.size(), 1u);
}

TEST_F(ClientCommandsTest, SkipVerificationSingleBatchAndRefused) {
  json paused = Project(7, "Paused");
  paused["state"] = "paused";
  api_.replies.push_back(Reply(200, paused));
  auto c = Context("", false, /*yes=*/true);
  EXPECT_EQ(RunOperation(c, "skip_full_verification", {"7"}), kExitOk);
  EXPECT_EQ(api_.calls[0].method, "POST");
  EXPECT_EQ(api_.calls[0].path, "/projects/7/skip_full_verification");
  EXPECT_EQ(api_.calls[0].body, json::object());
  EXPECT_EQ(out_.str(),
            "project 7 (p7): skip full verification, now Paused\n"
            "  resume it to go on without verification: godwit resume 7\n");

  // Already completed (or not in the verification stage): 409, exit 5.
  api_.replies.push_back(Reply(409, json{{"error",
                                          {{"code", "INVALID_STATE"},
                                           {"message", "full verification of project 7 is already completed"},
                                           {"hint", "Nothing to skip."}}}}));
  EXPECT_EQ(RunOperation(c, "skip_full_verification", {"7"}), kExitRefused);
  EXPECT_NE(err_.str().find("already completed"), std::string::npos);

  // Several ids: the batch operation of the same name.
  api_.calls.clear();
  api_.replies.push_back(Reply(200, Preview({7, 8}, {})));
  api_.replies.push_back(Reply(200, json{{"succeeded", 2}, {"failed", json::array()}}));
  EXPECT_EQ(RunOperation(c, "skip_full_verification", {"7", "8"}), kExitOk);
  ASSERT_EQ(api_.calls.size(), 2u);
  EXPECT_EQ(api_.calls[0].path, "/batch/skip_full_verification/preview");
  EXPECT_EQ(api_.calls[0].body, (json{{"ids", {7, 8}}}));
  EXPECT_EQ(api_.calls[1].path, "/batch/skip_full_verification");
  EXPECT_NE(out_.str().find("skip full verification: 2 succeeded, 0 failed"), std::string::npos) << out_.str();
}

TEST_F(ClientCommandsTest, ReverifySendsTheModeAndSaysWhatHappens) {
  json running = Project(7, "Running");
  running["state"] = "running";
  api_.replies.push_back(Reply(200, running));
  auto c = Context();
  EXPECT_EQ(VerificationRerun(c, "7", "all"), kExitOk);
  EXPECT_EQ(api_.calls[0].method, "POST");
  EXPECT_EQ(api_.calls[0].path, "/projects/7/verification/rerun");
  EXPECT_EQ(api_.calls[0].body, (json{{"mode", "all"}}));
  EXPECT_EQ(out_.str(),
            "project 7 (p7): re-verify (all) requested, now Running\n"
            "  follow it with: godwit project verification 7\n");

  out_.str("");
  json paused = Project(7, "Paused");
  paused["state"] = "paused";
  api_.replies.push_back(Reply(200, paused));
  EXPECT_EQ(VerificationRerun(c, "7", "records"), kExitOk);
  EXPECT_EQ(api_.calls[1].body, (json{{"mode", "records"}}));
  EXPECT_NE(out_.str().find("it runs when the project resumes: godwit resume 7"), std::string::npos) << out_.str();

  // A bad mode never reaches the daemon; the daemon's 400 is exit 2 too.
  EXPECT_EQ(VerificationRerun(c, "7", "some"), kExitUsage);
  EXPECT_EQ(api_.calls.size(), 2u);
  api_.replies.push_back(Reply(
      400, json{{"error", {{"code", "INVALID_ARGUMENT"}, {"message", "mode must be all, abnormal or records"}}}}));
  EXPECT_EQ(VerificationRerun(c, "7", "abnormal"), kExitUsage);
}

TEST_F(ClientCommandsTest, CorrectionsAreWrittenToAFileOrStdout) {
  const std::string sql =
      "-- Godwit corrections: mysql://app@h/shop -> postgresql://pg@h/shop, made 2024-05-01T12:00:00Z\n"
      "-- Review before running.\n\n"
      "-- shop.orders -> public.orders: 1 rows written, 1 deleted, 0 only in the destination kept\n"
      "BEGIN;\nDELETE FROM \"public\".\"orders\" WHERE \"id\" = 7;\nCOMMIT;\n";
  ApiReply r;
  r.status = 200;
  r.body = sql;
  api_.replies.push_back(r);
  auto path = std::filesystem::temp_directory_path() / ("godwit_corrections_" + std::to_string(getpid()) + ".sql");
  auto c = Context();
  EXPECT_EQ(VerificationCorrections(c, "3", /*delete_extra=*/true, path.string()), kExitOk);
  EXPECT_EQ(api_.calls[0].method, "GET");
  EXPECT_EQ(api_.calls[0].path, "/projects/3/verification/corrections.sql?delete_destination_only=true");
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), sql);
  EXPECT_NE(out_.str().find("wrote the corrections of project 3 to " + path.string()), std::string::npos) << out_.str();
  std::filesystem::remove(path);

  // Without a file, the SQL alone on stdout (to pipe into a client).
  out_.str("");
  api_.replies.push_back(r);
  EXPECT_EQ(VerificationCorrections(c, "3", false, ""), kExitOk);
  EXPECT_EQ(api_.calls[1].path, "/projects/3/verification/corrections.sql?delete_destination_only=false");
  EXPECT_EQ(out_.str(), sql);

  // While the verification runs: 409, nothing written.
  api_.replies.push_back(Reply(
      409, json{{"error", {{"code", "INVALID_STATE"}, {"message", "full verification of project 3 is running"}}}}));
  auto refused = std::filesystem::temp_directory_path() / ("godwit_refused_" + std::to_string(getpid()) + ".sql");
  EXPECT_EQ(VerificationCorrections(c, "3", false, refused.string()), kExitRefused);
  EXPECT_FALSE(std::filesystem::exists(refused));
}

TEST_F(ClientCommandsTest, CorrectExits0OnlyWhenEveryTableIsConsistent) {
  json fixed = VerificationResult();
  fixed["tables"] = json::array({fixed["tables"][1]});
  fixed["summary"] = {{"tables", 1}, {"consistent", 1}, {"inconsistent", 0}, {"failed", 0}, {"differences", 0}};
  api_.replies.push_back(Reply(200, fixed));
  auto c = Context();
  EXPECT_EQ(VerificationCorrect(c, "7", /*delete_extra=*/true), kExitOk);
  EXPECT_EQ(api_.calls[0].method, "POST");
  EXPECT_EQ(api_.calls[0].path, "/projects/7/verification/correct");
  EXPECT_EQ(api_.calls[0].body, (json{{"delete_destination_only", true}}));
  EXPECT_NE(out_.str().find("Corrected project 7; the tables now:\n"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("shop.users  public.users  consistent  database  12,000"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("1 table(s): 1 consistent, 0 inconsistent, 0 failed"), std::string::npos);

  // Rows only in the destination are kept without --delete-extra: exit 1,
  // and the way to delete them is printed.
  out_.str("");
  json left = VerificationResult();
  left["tables"][0]["only_in_source"] = 0;
  left["tables"][0]["differing"] = 0;
  left["tables"][0]["differing_columns"] = json::object();
  left["tables"] = json::array({left["tables"][0]});
  api_.replies.push_back(Reply(200, left));
  EXPECT_EQ(VerificationCorrect(c, "7", false), kExitFailed);
  EXPECT_EQ(api_.calls[1].body, (json{{"delete_destination_only", false}}));
  EXPECT_NE(out_.str().find("keep rows only in the destination"), std::string::npos) << out_.str();
  EXPECT_NE(out_.str().find("godwit project correct 7 --delete-extra"), std::string::npos) << out_.str();

  // --json: the answer as it is on stdout, the same exit code.
  out_.str("");
  api_.replies.push_back(Reply(200, left));
  auto j = Context("", /*json_mode=*/true);
  EXPECT_EQ(VerificationCorrect(j, "7", false), kExitFailed);
  EXPECT_EQ(json::parse(out_.str()), left);
  EXPECT_NE(err_.str().find("keep rows only in the destination"), std::string::npos);

  api_.replies.push_back(Reply(404, json{{"error", {{"code", "NOT_FOUND"}, {"message", "no project 9"}}}}));
  EXPECT_EQ(VerificationCorrect(c, "9", false), kExitNotFound);
}

// The command line wires each verification command to its request, with
// the defaults the help text promises.
TEST(ClientCommandLineTest, VerificationCommandsSendTheirRequests) {
  httplib::Server server;
  std::vector<std::string> seen;
  server.Post(R"(/api/v1/projects/(\d+)/verification/rerun)", [&](const httplib::Request& req, httplib::Response& res) {
    seen.push_back("POST " + req.path + " " + req.body);
    res.set_content(R"({"id": 7, "state": "running", "state_label": "Running"})", "application/json");
  });
  server.Get(R"(/api/v1/projects/(\d+)/verification/corrections\.sql)",
             [&](const httplib::Request& req, httplib::Response& res) {
               seen.push_back("GET " + req.path + " " + req.get_param_value("delete_destination_only"));
               res.set_content("-- Godwit corrections\n", "application/sql");
             });
  server.Post(
      R"(/api/v1/projects/(\d+)/skip_full_verification)", [&](const httplib::Request& req, httplib::Response& res) {
        seen.push_back("POST " + req.path + " " + req.body);
        res.status = 409;
        res.set_content(R"({"error": {"code": "INVALID_STATE", "message": "already skipped"}})", "application/json");
      });
  int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  const std::string url = "http://127.0.0.1:" + std::to_string(port);
  auto path = std::filesystem::temp_directory_path() / ("godwit_cli_corrections_" + std::to_string(getpid()) + ".sql");

  auto run = [&](std::vector<std::string> args, std::string* out_text = nullptr) {
    CLI::App app;
    ClientCommandLine cli(app);
    args.insert(args.begin(), "godwit");
    args.insert(args.end(), {"--server", url, "--token", "t"});
    std::vector<const char*> argv;
    for (const auto& a : args) argv.push_back(a.c_str());
    try {
      app.parse(static_cast<int>(argv.size()), argv.data());
    } catch (const CLI::ParseError& e) {
      return app.exit(e) == 0 ? 0 : kExitUsage;
    }
    std::istringstream in;
    std::ostringstream out, err;
    int code = cli.Run(in, out, err).value_or(-1);
    if (out_text) *out_text = out.str();
    return code;
  };
  EXPECT_EQ(run({"project", "reverify", "7"}), kExitOk);
  EXPECT_EQ(run({"project", "reverify", "7", "--mode", "abnormal"}), kExitOk);
  EXPECT_EQ(run({"project", "reverify", "7", "--mode", "rows"}), kExitUsage);  // refused by the parser
  EXPECT_EQ(run({"project", "corrections", "7", "--delete-extra", "-o", path.string()}), kExitOk);
  std::string stdout_sql;
  EXPECT_EQ(run({"project", "corrections", "8"}, &stdout_sql), kExitOk);
  EXPECT_EQ(stdout_sql, "-- Godwit corrections\n");
  EXPECT_EQ(run({"project", "corrections", "8", "--json"}), kExitUsage);  // the answer is SQL, not JSON
  EXPECT_EQ(run({"project", "skip-verification", "7"}), kExitRefused);
  server.stop();
  t.join();
  EXPECT_EQ(seen, (std::vector<std::string>{
                      R"(POST /api/v1/projects/7/verification/rerun {"mode":"all"})",
                      R"(POST /api/v1/projects/7/verification/rerun {"mode":"abnormal"})",
                      "GET /api/v1/projects/7/verification/corrections.sql true",
                      "GET /api/v1/projects/8/verification/corrections.sql false",
                      "POST /api/v1/projects/7/skip_full_verification {}",
                  }));
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  EXPECT_EQ(ss.str(), "-- Godwit corrections\n");
  std::filesystem::remove(path);
}

TEST(NormalizeStateNameTest, AcceptsLabels) {
  EXPECT_EQ(NormalizeStateName("Not Started"), "not_started");
  EXPECT_EQ(NormalizeStateName("not-started"), "not_started");
  EXPECT_EQ(NormalizeStateName("paused"), "paused");
}

TEST(ResolveClientConfigTest, FlagsThenEnvironmentThenTokenFile) {
  auto home = std::filesystem::temp_directory_path() / ("godwit_home_" + std::to_string(getpid()));
  std::filesystem::create_directories(home);
  std::ofstream(home / "token") << "file-token\n";
  setenv("GODWIT_HOME", home.c_str(), 1);
  unsetenv("GODWIT_SERVER");
  unsetenv("GODWIT_TOKEN");
  ClientConfig d = ResolveClientConfig("", "");
  EXPECT_EQ(d.server, "http://127.0.0.1:8190");
  EXPECT_EQ(d.token, "file-token");

  setenv("GODWIT_SERVER", "10.0.0.5:9000/", 1);
  setenv("GODWIT_TOKEN", "env-token", 1);
  ClientConfig e = ResolveClientConfig("", "");
  EXPECT_EQ(e.server, "http://10.0.0.5:9000");
  EXPECT_EQ(e.token, "env-token");

  ClientConfig f = ResolveClientConfig("http://h:1/api/v1", "flag-token");
  EXPECT_EQ(f.server, "http://h:1");
  EXPECT_EQ(f.token, "flag-token");
  unsetenv("GODWIT_SERVER");
  unsetenv("GODWIT_TOKEN");
  unsetenv("GODWIT_HOME");
  std::filesystem::remove_all(home);
}

TEST(HttpTransportTest, SendsTheTokenAndJsonUnderApiV1) {
  httplib::Server server;
  std::string seen_auth, seen_body, seen_type;
  server.Post("/api/v1/projects/7/pause", [&](const httplib::Request& req, httplib::Response& res) {
    seen_auth = req.get_header_value("Authorization");
    seen_type = req.get_header_value("Content-Type");
    seen_body = req.body;
    res.set_content(R"({"id": 7, "state": "paused"})", "application/json");
  });
  server.Get("/api/v1/projects/8", [&](const httplib::Request&, httplib::Response& res) {
    res.status = 404;
    res.set_content(R"({"error": {"code": "NOT_FOUND", "message": "no project 8"}})", "application/json");
  });
  int port = server.bind_to_any_port("127.0.0.1");
  ASSERT_GT(port, 0);
  std::thread t([&] { server.listen_after_bind(); });
  while (!server.is_running()) std::this_thread::sleep_for(std::chrono::milliseconds(1));

  auto api = MakeHttpTransport(ClientConfig{"http://127.0.0.1:" + std::to_string(port), "tok"});
  ApiReply r = api->Send("POST", "/projects/7/pause", json::object());
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.json["state"], json("paused"));
  EXPECT_EQ(seen_auth, "Bearer tok");
  EXPECT_EQ(seen_type, "application/json");
  EXPECT_EQ(seen_body, "{}");
  ApiReply nf = api->Send("GET", "/projects/8", nullptr);
  EXPECT_EQ(nf.status, 404);
  EXPECT_EQ(ErrorFromReply(nf, api->server()).message, "no project 8");
  std::string address = api->server();
  api.reset();  // closes the kept-alive connection, so that stop() is quick
  server.stop();
  t.join();
  api = MakeHttpTransport(ClientConfig{address, "tok"});

  // Nothing listens there any more: unreachable, exit 3.
  ApiReply down = api->Send("GET", "/projects", nullptr);
  EXPECT_EQ(down.status, 0);
  EXPECT_EQ(ErrorFromReply(down, api->server()).exit_code, kExitUnreachable);
}

}  // namespace
}  // namespace godwit
