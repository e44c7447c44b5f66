// The helpers every engine's ServerChecks shares (server_checks.h);
// ServerChecksFor is in connect.cc with the other dispatches by engine.
#include "connector/server_checks.h"

namespace godwit {

std::string NameList(const std::vector<std::string>& names, size_t limit, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < names.size() && i < limit; ++i) out += (i ? separator : "") + names[i];
  if (names.size() > limit) out += separator + "and " + std::to_string(names.size() - limit) + " more";
  return out;
}

}  // namespace godwit
