#include "cli/scenario_inputs.h"

#include "common/yaml.h"

namespace aiinfra::cli {

Result<std::pair<std::string, std::string>> ScenarioText(Invocation& inv,
                                                         const std::string& builtin) {
  if (inv.Has("scenario")) {
    const std::string path = inv.Get("scenario");
    AIINFRA_TRY(std::string text, inv.env.ReadFile(path));
    return std::pair{std::move(text), path};
  }
  AIINFRA_TRY(auto files, inv.data.List("scenarios"));
  for (const DataFile& f : files) {
    if (f.relative == builtin) return std::pair{f.contents, f.display};
  }
  return Fail(ErrorCode::kNotFound, "the built-in scenario data/" + builtin + " is missing");
}

namespace {

// Applies `key=value` to the scenario text (SetYamlPath).
Result<std::string> Override(const std::string& text, const std::string& file,
                             const std::string& assignment) {
  const size_t eq = assignment.find('=');
  if (eq == std::string::npos || eq == 0) {
    return Fail(
        ErrorCode::kUsage,
        "--set/--sweep expects key=value (deployment.replicas=4), got '" + assignment + "'");
  }
  return SetYamlPath(text, file, assignment.substr(0, eq), assignment.substr(eq + 1));
}

}  // namespace

Result<sim::Scenario> LoadScenario(const Invocation& inv,
                                   const std::pair<std::string, std::string>& source,
                                   const std::vector<std::string>& extra) {
  auto [text, file] = source;
  std::vector<std::string> sets = inv.GetAll("set");
  sets.insert(sets.end(), extra.begin(), extra.end());
  std::string name = file;
  for (const std::string& a : sets) {
    AIINFRA_TRY(text, Override(text, file, a));
    name += (name == file ? " with " : ", ") + a;
  }
  return sim::ParseScenario(text, name);
}

}  // namespace aiinfra::cli
