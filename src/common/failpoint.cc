#include "common/failpoint.h"

#include <atomic>
#include <csignal>
#include <cstdlib>
#include <string>

namespace godwit {
namespace {

struct Config {
  std::string name;
  long at = 0;
  std::atomic<long> hits{0};
};

Config* Load() {
  const char* env = std::getenv("GODWIT_CRASH_AT");
  if (env == nullptr) return nullptr;
  std::string spec(env);
  auto colon = spec.rfind(':');
  auto* c = new Config;  // lives for the process
  c->name = spec.substr(0, colon);
  c->at = colon == std::string::npos ? 1 : std::atol(spec.c_str() + colon + 1);
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
  if (c == nullptr || name != c->name) return;
  if (c->hits.fetch_add(1) + 1 == c->at) raise(SIGKILL);
}

}  // namespace godwit
