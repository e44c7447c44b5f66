#include "rogue_mysql.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <stdexcept>

namespace godwit::testing {
namespace {

constexpr uint8_t kComQuery = 0x03;

bool ReadAll(int fd, void* buf, size_t n) {
  auto* p = static_cast<char*>(buf);
  while (n > 0) {
    ssize_t r = ::read(fd, p, n);
    if (r <= 0) return false;
    p += r;
    n -= static_cast<size_t>(r);
  }
  return true;
}

bool WriteAll(int fd, const void* buf, size_t n) {
  auto* p = static_cast<const char*>(buf);
  while (n > 0) {
    ssize_t w = ::send(fd, p, n, MSG_NOSIGNAL);
    if (w <= 0) return false;
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

struct Packet {
  uint8_t seq = 0;
  std::string payload;
};

bool ReadPacket(int fd, Packet& p) {
  unsigned char h[4];
  if (!ReadAll(fd, h, 4)) return false;
  const size_t len = h[0] | h[1] << 8 | h[2] << 16;
  p.seq = h[3];
  p.payload.assign(len, '\0');
  return len == 0 || ReadAll(fd, p.payload.data(), len);
}

bool WritePacket(int fd, uint8_t seq, const std::string& payload) {
  std::string out;
  out.push_back(static_cast<char>(payload.size() & 0xff));
  out.push_back(static_cast<char>(payload.size() >> 8 & 0xff));
  out.push_back(static_cast<char>(payload.size() >> 16 & 0xff));
  out.push_back(static_cast<char>(seq));
  out += payload;
  return WriteAll(fd, out.data(), out.size());
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

RogueMysql::RogueMysql(int upstream_port, std::string trigger, std::string wanted_file, Mode mode)
    : upstream_port_(upstream_port),
      trigger_(Lower(std::move(trigger))),
      wanted_file_(std::move(wanted_file)),
      mode_(mode) {
  listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listener_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listener_, 64) != 0) {
    throw std::runtime_error("rogue MySQL server: cannot listen on loopback");
  }
  socklen_t len = sizeof addr;
  ::getsockname(listener_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

RogueMysql::~RogueMysql() {
  stop_ = true;
  acceptor_.join();
  ::close(listener_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (int fd : open_fds_) ::shutdown(fd, SHUT_RDWR);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
  std::lock_guard<std::mutex> lock(mu_);
  for (int fd : open_fds_) ::close(fd);
}

std::string RogueMysql::Uri(const std::string& database) const {
  return "mysql://godwit:godwit-pw@127.0.0.1:" + std::to_string(port_) + "/" + database;
}

std::string RogueMysql::received() const {
  std::lock_guard<std::mutex> lock(mu_);
  return received_;
}

std::vector<std::string> RogueMysql::queries() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queries_;
}

void RogueMysql::AcceptLoop() {
  while (!stop_) {
    pollfd p{listener_, POLLIN, 0};
    if (::poll(&p, 1, 100) <= 0) continue;
    int client = ::accept(listener_, nullptr, nullptr);
    if (client < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(client);
    threads_.emplace_back([this, client] { Serve(client); });
  }
}

void RogueMysql::Serve(int client) {
  int server = ::socket(AF_INET, SOCK_STREAM, 0);
  {
    std::lock_guard<std::mutex> lock(mu_);
    open_fds_.push_back(server);
  }
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = htons(static_cast<uint16_t>(upstream_port_));
  if (::connect(server, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) return;
  // The server's bytes are relayed as they come; the client's are read a
  // packet at a time so that commands (sequence 0) can be told apart.
  std::string buf(64 * 1024, '\0');
  while (!stop_) {
    pollfd fds[2] = {{client, POLLIN, 0}, {server, POLLIN, 0}};
    if (::poll(fds, 2, 100) <= 0) continue;
    if (fds[1].revents & (POLLIN | POLLHUP | POLLERR)) {
      ssize_t n = ::read(server, buf.data(), buf.size());
      if (n <= 0 || !WriteAll(client, buf.data(), static_cast<size_t>(n))) break;
    }
    if (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) {
      Packet p;
      if (!ReadPacket(client, p)) break;
      const bool query = p.seq == 0 && !p.payload.empty() && static_cast<uint8_t>(p.payload[0]) == kComQuery;
      const std::string text = query ? p.payload.substr(1) : std::string();
      if (query) {
        std::lock_guard<std::mutex> lock(mu_);
        queries_.push_back(text);
      }
      if (!query || Lower(text).find(trigger_) == std::string::npos) {
        if (!WritePacket(server, p.seq, p.payload)) break;
        continue;
      }
      if (mode_ == Mode::kRefuseLocalInfile) {
        // ER_NOT_ALLOWED_COMMAND (1148), state 42000: what a server with
        // local_infile=OFF answers LOAD DATA LOCAL with.
        const std::string err =
            std::string("\xFF\x7C\x04#42000", 9) + "The used command is not allowed with this MariaDB version";
        if (!WritePacket(client, 1, err)) break;
        continue;
      }
      // Answer the query ourselves: 0xFB and a file name is the LOCAL
      // INFILE request; the client sends the file and an empty packet, or
      // just the empty packet when it refuses.
      ++requests_;
      if (!WritePacket(client, 1, "\xFB" + wanted_file_)) break;
      uint8_t seq = 1;
      for (;;) {
        Packet data;
        if (!ReadPacket(client, data)) return;
        seq = data.seq;
        if (data.payload.empty()) break;
        std::lock_guard<std::mutex> lock(mu_);
        received_ += data.payload;
      }
      ++answered_;
      // ER_UNKNOWN_ERROR (1105), state HY000.
      const std::string err = std::string("\xFF\x51\x04#HY000", 9) + "rogue server: the query was intercepted";
      if (!WritePacket(client, static_cast<uint8_t>(seq + 1), err)) break;
    }
  }
  ::shutdown(server, SHUT_RDWR);
  ::shutdown(client, SHUT_RDWR);
}

}  // namespace godwit::testing
