// The scenario `aiinfra serve --model M --system S` stands for: one aggregated pool of the
// model on the system, and, for answers without max_tokens, chat-like lengths (lognormal,
// median 180 tokens, at most 2,048: the chat class of data/scenarios/llama-70b-hpa.yaml). Its
// workload's arrivals are never used by serve (clients bring the traffic); the parser needs one.
#pragma once

#include <string>

namespace aiinfra::serve {

struct ModelScenario {
  std::string model = "llama-3.1-8b";
  std::string system = "hgx-h100";
  std::string tp = "1";
  std::string replicas = "1";
  std::string weights = "bf16";
  std::string kv_cache = "bf16";
};

// The scenario as YAML for sim::ParseScenario (values go in as given: the parser checks them
// and names the field at fault).
std::string ModelScenarioYaml(const ModelScenario& s);

}  // namespace aiinfra::serve
