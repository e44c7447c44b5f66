// The live progress display of `godwit migrate`: on a terminal it redraws a
// block of lines every second (overall rows, rate, ETA, then the tables in
// flight); otherwise it prints one summary line every ten seconds, which
// reads well in logs.
#pragma once

#include <string>

#include "pipeline/progress.h"

namespace godwit {

// Renders the block for a terminal `width` columns wide; pure, for tests.
std::string RenderProgress(const ProgressSnapshot& s, int max_tables);
std::string RenderSummary(const ProgressSnapshot& s);
std::string HumanBytes(double bytes);
std::string HumanDuration(double seconds);

}  // namespace godwit
