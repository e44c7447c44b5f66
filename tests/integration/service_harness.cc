#include "service_harness.h"

#include "polling.h"
#include "process.h"
#include "test_env.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <thread>

namespace godwit::testing {

namespace fs = std::filesystem;
using nlohmann::json;
using namespace std::chrono_literals;

Daemon::Daemon(std::string data_dir, std::string delays, std::vector<std::string> args)
    : data_dir_(std::move(data_dir)), delays_(std::move(delays)), args_(std::move(args)) {
  bool has_sqlite_dir = false;
  for (const auto& a : args_) has_sqlite_dir = has_sqlite_dir || a.starts_with("--sqlite-dir");
  if (!has_sqlite_dir) args_.push_back("--sqlite-dir=" + (fs::path(Servers().dir) / "tmp").string());
  std::erase(args_, std::string("--sqlite-dir="));  // none at all
  Start();
}

Daemon::~Daemon() { Terminate(); }

void Daemon::Start() {
  // Running already (the constructor starts it): a second daemon on the
  // same data directory would be left running when this one is stopped.
  if (pid_ > 0) return;
  fs::create_directories(data_dir_);
  fs::permissions(data_dir_, fs::perms::owner_all);  // the daemon refuses one others may enter
  fs::remove(fs::path(data_dir_) / "server.addr");
  std::string log = (fs::path(data_dir_) / "daemon.out").string();
  std::vector<std::string> argv = {GodwitBinary(), "serve", "--data-dir=" + data_dir_, "--listen", "127.0.0.1:0"};
  argv.insert(argv.end(), args_.begin(), args_.end());
  std::vector<std::string> set;
  if (!delays_.empty()) set.push_back("GODWIT_DELAY_AT=" + delays_);
  pid_ = SpawnLogged(argv, EnvironWith(set), log);
  fs::path addr = fs::path(data_dir_) / "server.addr";
  ASSERT_TRUE(PollUntil(15s, 50ms, [&] { return fs::exists(addr); })) << "the daemon did not start; see " << log;
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the file is written in one go; let it close
  std::ifstream in(addr);
  std::string line;
  std::getline(in, line);
  port_ = std::stoi(line.substr(line.rfind(':') + 1));
  std::ifstream tok(fs::path(data_dir_) / "token");
  std::getline(tok, token_);
  if (PollUntil(5s, 50ms, [&] { return Call("GET", "/api/v1/health").status == 200; })) return;
  FAIL() << "the daemon does not answer on port " << port_;
}

void Daemon::Kill9() {
  if (pid_ <= 0) return;
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void Daemon::Terminate() {
  if (pid_ <= 0) return;
  kill(pid_, SIGTERM);
  int status = 0;
  if (PollUntil(30s, 50ms, [&] { return waitpid(pid_, &status, WNOHANG) == pid_; })) {
    pid_ = -1;
    return;
  }
  ADD_FAILURE() << "the daemon did not stop within 30 s of SIGTERM";
  Kill9();
}

Reply Daemon::CallRaw(const std::string& method, const std::string& path, const std::string& body,
                      const std::string* token) {
  httplib::Client client("127.0.0.1", port_);
  client.set_read_timeout(120, 0);
  httplib::Headers headers;
  const std::string& t = token ? *token : token_;
  if (!t.empty()) headers.emplace("Authorization", "Bearer " + t);
  auto send = [&]() -> httplib::Result {
    if (method == "GET") return client.Get(path, headers);
    if (method == "DELETE") return client.Delete(path, headers);
    if (method == "PUT") return client.Put(path, headers, body, "application/json");
    return client.Post(path, headers, body, "application/json");
  };
  httplib::Result r = send();
  Reply out;
  if (!r) return out;
  out.status = r->status;
  out.raw = r->body;
  out.body = json::parse(r->body, nullptr, false);
  return out;
}

Reply Daemon::Call(const std::string& method, const std::string& path, const json& body, const std::string* token) {
  return CallRaw(method, path, body.is_null() ? (method == "POST" || method == "PUT" ? "{}" : "") : body.dump(), token);
}

int64_t Daemon::Create(const json& doc) {
  Reply r = Call("POST", "/api/v1/projects", doc);
  EXPECT_EQ(r.status, 201) << r.raw;
  return r.status == 201 ? r.body["id"].get<int64_t>() : -1;
}

json Daemon::Get(int64_t id) {
  Reply r = Call("GET", "/api/v1/projects/" + std::to_string(id));
  EXPECT_EQ(r.status, 200) << r.raw;
  return r.body;
}

json Daemon::WaitFor(int64_t id, const std::function<bool(const json&)>& done, std::chrono::seconds timeout) {
  json p;
  if (PollUntil(timeout, 100ms, [&] { return done(p = Get(id)); })) return p;
  ADD_FAILURE() << "project " << id << " did not reach the expected condition in time; last seen: " << p.dump();
  return p;
}

json Daemon::WaitForState(int64_t id, const std::string& state, std::chrono::seconds timeout) {
  return WaitFor(
      id, [&](const json& p) { return p.value("state", "") == state; }, timeout);
}

int64_t MigratedRows(const json& project) {
  int64_t rows = 0;
  if (project.contains("progress") && project["progress"].is_object()) {
    for (const auto& t : project["progress"]["tables"]) rows += t.value("migrated_rows", int64_t{0});
  }
  return rows;
}

}  // namespace godwit::testing
