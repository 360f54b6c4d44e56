// A scenario from the command line, shared by `sim` and `serve`: the file given (the
// `scenario` positional or option) or a built-in one, with every --set applied.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "cli/command.h"
#include "sim/scenario.h"

namespace aiinfra::cli {

// The scenario's text and its name for errors: the file given, or the built-in
// data/`builtin` (e.g. "scenarios/default.yaml").
Result<std::pair<std::string, std::string>> ScenarioText(Invocation& inv,
                                                         const std::string& builtin);

// The scenario with every --set (and then every `extra` key=value) applied; errors in an
// overridden scenario name the overrides. `source` is ScenarioText's (read once, even when a
// sweep parses it once per value).
Result<sim::Scenario> LoadScenario(const Invocation& inv,
                                   const std::pair<std::string, std::string>& source,
                                   const std::vector<std::string>& extra = {});

}  // namespace aiinfra::cli
