#include "common/failpoint.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace godwit {
namespace {

struct Config {
  std::string crash_name;  // GODWIT_CRASH_AT=name:n
  long crash_at = 0;
  std::atomic<long> hits{0};
  std::vector<std::pair<std::string, long>> delays;  // GODWIT_DELAY_AT=name:ms[,name:ms...]
};

// "name:n" -> name, n (n defaults to `fallback`).
void ParseSpec(const char* env, std::string& name, long& n, long fallback) {
  std::string spec(env);
  auto colon = spec.rfind(':');
  name = spec.substr(0, colon);
  n = colon == std::string::npos ? fallback : std::atol(spec.c_str() + colon + 1);
}

Config* Load() {
  const char* crash = std::getenv("GODWIT_CRASH_AT");
  const char* delay = std::getenv("GODWIT_DELAY_AT");
  if (crash == nullptr && delay == nullptr) return nullptr;
  auto* c = new Config;  // lives for the process
  if (crash != nullptr) ParseSpec(crash, c->crash_name, c->crash_at, 1);
  for (std::string rest = delay ? delay : ""; !rest.empty();) {
    size_t comma = rest.find(',');
    std::string one = rest.substr(0, comma);
    rest = comma == std::string::npos ? "" : rest.substr(comma + 1);
    std::pair<std::string, long> d;
    ParseSpec(one.c_str(), d.first, d.second, 1000);
    c->delays.push_back(d);
  }
  return c;
}

Config* Get() {
  static Config* config = Load();
  return config;
}

}  // namespace

bool FailpointsEnabled() { return Get() != nullptr; }

void FailpointHit(std::string_view name) {
  Config* c = Get();
  if (c == nullptr) return;
  for (const auto& [delay_name, ms] : c->delays) {
    if (name == delay_name) std::this_thread::sleep_for(std::chrono::milliseconds(ms));
  }
  if (name == c->crash_name && c->hits.fetch_add(1) + 1 == c->crash_at) raise(SIGKILL);
}

}  // namespace godwit
