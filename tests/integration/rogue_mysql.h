// A hostile MySQL server for tests: a man in the middle in front of the
// fixture's real MariaDB that relays everything (so Godwit's connections
// work as usual) except the queries it is told to intercept. To those it
// answers as a rogue server or anyone on the unencrypted path can: with a
// LOCAL INFILE request for a file of its choosing. It keeps whatever the
// client sends back, then fails the query with an error packet. In the
// kRefuseLocalInfile mode it plays an honest server with local_infile=OFF
// instead: the intercepted query fails at once with error 1148.
//
// Handles MySQL's plain protocol only (no TLS, no compression: Godwit's
// MySQL connections use neither yet).
//
// Thread-safety: the accessors may be called from any thread while
// connections are served.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace godwit::testing {

class RogueMysql {
 public:
  enum class Mode {
    kRequestFile,        // answer with a request for `wanted_file`
    kRefuseLocalInfile,  // answer with ER_NOT_ALLOWED_COMMAND, as local_infile=OFF does
  };
  // Listens on a free loopback port, relaying to 127.0.0.1:`upstream_port`.
  // A query (COM_QUERY) whose text contains `trigger` (case-insensitive;
  // empty: every query) is answered as `mode` says.
  RogueMysql(int upstream_port, std::string trigger, std::string wanted_file, Mode mode = Mode::kRequestFile);
  ~RogueMysql();
  RogueMysql(const RogueMysql&) = delete;
  RogueMysql& operator=(const RogueMysql&) = delete;

  int port() const { return port_; }
  // mysql://user:password@127.0.0.1:<port>/<database>
  std::string Uri(const std::string& database) const;

  // How many queries were answered with a file request, and how many of
  // those the client has replied to (with a file or a refusal).
  int requests() const { return requests_.load(); }
  int answered() const { return answered_.load(); }
  // Everything clients sent in reply to those requests (the end-of-file
  // empty packets leave no trace).
  std::string received() const;
  // Every query text clients sent (relayed or intercepted), in order.
  std::vector<std::string> queries() const;

 private:
  void AcceptLoop();
  void Serve(int client);

  int upstream_port_;
  std::string trigger_;
  std::string wanted_file_;
  Mode mode_;
  int listener_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> requests_{0};
  std::atomic<int> answered_{0};
  mutable std::mutex mu_;
  std::string received_;              // guarded by mu_
  std::vector<std::string> queries_;  // guarded by mu_
  std::vector<int> open_fds_;         // guarded by mu_
  std::vector<std::thread> threads_;  // guarded by mu_
  std::thread acceptor_;
};

}  // namespace godwit::testing
