// A real `godwit serve` daemon for end-to-end tests of the service: started
// as a child process on a free loopback port with a data directory of its
// own, driven over HTTP with its bearer token, killed with SIGKILL or
// stopped with SIGTERM, and restarted on the same data directory.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace godwit::testing {

struct Reply {
  int status = 0;  // 0: no answer
  nlohmann::json body;
  std::string raw;
};

class Daemon {
 public:
  // `delays`: GODWIT_DELAY_AT for the daemon (e.g. "chunk_committed:200").
  // `args`: more `godwit serve` arguments. Unless they give --sqlite-dir,
  // the daemon may open SQLite files under the tests' temporary directory
  // (where FreshTempDir makes them); "--sqlite-dir=" alone: none.
  explicit Daemon(std::string data_dir, std::string delays = "", std::vector<std::string> args = {});
  ~Daemon();
  Daemon(const Daemon&) = delete;
  Daemon& operator=(const Daemon&) = delete;

  // Starts the daemon unless it runs (the constructor starts it; this
  // starts it again after Kill9 or Terminate).
  void Start();
  void Kill9();      // SIGKILL, as a crash would
  void Terminate();  // SIGTERM and wait

  const std::string& token() const { return token_; }
  const std::string& data_dir() const { return data_dir_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  int port() const { return port_; }

  // One request with the token (or `token` when given).
  Reply Call(const std::string& method, const std::string& path, const nlohmann::json& body = nullptr,
             const std::string* token = nullptr);
  Reply CallRaw(const std::string& method, const std::string& path, const std::string& body,
                const std::string* token = nullptr);

  // Creates a project from `doc`; asserts 201 and returns its id.
  int64_t Create(const nlohmann::json& doc);
  nlohmann::json Get(int64_t id);
  // Polls the project until `done(project)` or the timeout; returns the last
  // project seen.
  nlohmann::json WaitFor(int64_t id, const std::function<bool(const nlohmann::json&)>& done,
                         std::chrono::seconds timeout = std::chrono::seconds(120));
  nlohmann::json WaitForState(int64_t id, const std::string& state,
                              std::chrono::seconds timeout = std::chrono::seconds(120));

 private:
  std::string data_dir_;
  std::string delays_;
  std::vector<std::string> args_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string token_;
};

// Rows migrated so far by the project's running or last full migration.
int64_t MigratedRows(const nlohmann::json& project);

}  // namespace godwit::testing
