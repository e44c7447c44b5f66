#include "cli/command_target.h"

#include <xxhash.h>

#include <filesystem>
#include <fmt/format.h>

#include "cli/data_dir.h"
#include "cli/project_file.h"

namespace godwit {

Result<CommandTarget> ResolveCommandTarget(const CommandTargetArgs& a, const std::string& command) {
  CommandTarget t;
  FullMigrationOptions& opt = t.options;
  if (!a.project_file.empty()) {
    if (!a.source_uri.empty() || !a.destination_uri.empty()) {
      return Status(ErrorCode::kInvalidArgument, "give either -f PROJECT_FILE or SOURCE_URI DEST_URI, not both");
    }
    ASSIGN_OR_RETURN(opt, LoadProjectFile(a.project_file, &t.file_incremental));
  } else {
    if (a.source_uri.empty() || a.destination_uri.empty()) {
      return Status(
          ErrorCode::kInvalidArgument, "SOURCE_URI and DEST_URI are required (or -f PROJECT_FILE)",
          "Example: godwit " + command + " mysql://app@127.0.0.1:3306/shop postgresql://postgres@127.0.0.1/shop");
    }
    auto src = ParseEndpointUri(a.source_uri);
    if (!src.ok()) return src.status().WithContext("source");
    auto dst = ParseEndpointUri(a.destination_uri);
    if (!dst.ok()) return dst.status().WithContext("destination");
    opt.source = *src;
    opt.destination = *dst;
  }
  for (auto& p : a.include) opt.objects.include.push_back(p);
  for (auto& p : a.exclude) opt.objects.exclude.push_back(p);
  RETURN_IF_ERROR(ApplyZeroDate(a.zero_date, opt.source));
  const std::string id = opt.source.Redacted() + "\n" + opt.destination.Redacted();
  t.id_hex = fmt::format("{:016x}", XXH3_64bits(id.data(), id.size()));
  // Positions, change logs with row images, differences: the owner's only.
  RETURN_IF_ERROR(EnsurePrivateDirectory(a.state_dir, "the state directory", "--state-dir"));
  t.state_dir = a.state_dir;
  return t;
}

}  // namespace godwit
