#include "serve/model_scenario.h"

#include <fmt/format.h>

namespace aiinfra::serve {

std::string ModelScenarioYaml(const ModelScenario& s) {
  return fmt::format(
      "name: serve\n"
      "model: {}\n"
      "weights: {}\n"
      "kv_cache: {}\n"
      "deployment:\n"
      "  system: {}\n"
      "  tp: {}\n"
      "  replicas: {}\n"
      "workload:\n"
      "  arrivals: {{kind: poisson, rate: 1/s}}\n"
      "  classes:\n"
      "    - name: chat\n"
      "      input: {{kind: fixed, value: 1}}\n"
      "      output: {{kind: lognormal, median: 180, sigma: 0.8, max: 2048}}\n",
      s.model, s.weights, s.kv_cache, s.system, s.tp, s.replicas);
}

}  // namespace aiinfra::serve
