// Connectivity: can Godwit log in to each side with what the project gives?
//
// The message and hint come from the connector, which classifies the
// failure from the driver's code (host unreachable, authentication, unknown
// database) and never includes the password; the endpoint is shown
// redacted. A file destination (SQLite) that does not exist yet is fine —
// the migration creates it — as long as its directory exists; it is not
// created here, since a precheck changes nothing.
#include <sys/stat.h>

#include <filesystem>

#include "connector/server_checks.h"
#include "precheck/check.h"

namespace godwit::precheck {
namespace {

std::string Title(Side side) { return std::string("connect to the ") + SideName(side); }

void ConnectSide(PrecheckContext& context, Side side, std::vector<PrecheckItem>& items) {
  const Endpoint& ep = context.endpoint(side);
  const std::string id = std::string(SideName(side)) + ".connect";
  std::string& unavailable = side == Side::kSource ? context.source_unavailable : context.destination_unavailable;
  std::unique_ptr<Session>& slot = side == Side::kSource ? context.source : context.destination;

  if (side == Side::kDestination && ServerChecksFor(ep.engine).IsFile()) {
    struct stat sb;
    if (stat(ep.path.c_str(), &sb) != 0) {
      std::filesystem::path dir = std::filesystem::path(ep.path).parent_path();
      if (dir.empty()) dir = ".";
      std::error_code ec;
      if (!std::filesystem::is_directory(dir, ec)) {
        items.push_back(Failed(id, Title(side),
                               "the directory " + dir.string() + " of " + ep.Redacted() + " does not exist",
                               "Create the directory, or give a path in an existing one."));
        unavailable = "the destination's directory does not exist (see " + id + ")";
        return;
      }
      items.push_back(
          Passed(id, Title(side), ep.Redacted() + " does not exist yet; the migration creates it in " + dir.string()));
      return;  // no session: the SQLite checks look at the file system
    }
  }

  auto session = godwit::Connect(ep);
  if (!session.ok()) {
    const Status& st = session.status();
    items.push_back(Failed(id, Title(side), st.message() + " (" + ep.Redacted() + ")", st.hint()));
    unavailable = std::string("cannot connect to the ") + SideName(side) + " (see " + id + ")";
    return;
  }
  slot = std::move(*session);
  items.push_back(Passed(id, Title(side), "connected to " + ep.Redacted()));
}

}  // namespace

void CheckConnectivity(PrecheckContext& context, std::vector<PrecheckItem>& items) {
  ConnectSide(context, Side::kSource, items);
  ConnectSide(context, Side::kDestination, items);
}

}  // namespace godwit::precheck
