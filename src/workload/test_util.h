// Helpers shared by workload_test.cc and generator_test.cc.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <optional>
#include <string>
#include <vector>

#include "workload/generator.h"
#include "workload/workload.h"

namespace aiinfra::workload::testing_util {

// The ```yaml blocks of src/workload/README.md, in order.
inline std::vector<std::string> ReadmeExamples() {
  std::ifstream in(std::string(AIINFRA_SOURCE_DIR) + "/src/workload/README.md");
  std::vector<std::string> blocks;
  std::string line, block;
  bool inside = false;
  while (std::getline(in, line)) {
    if (!inside && line == "```yaml") {
      inside = true;
      block.clear();
    } else if (inside && line == "```") {
      inside = false;
      blocks.push_back(block);
    } else if (inside) {
      block += line + "\n";
    }
  }
  return blocks;
}

inline WorkloadSpec MustParse(const std::string& yaml, std::optional<std::string> base_dir = {}) {
  auto root = ParseYaml(yaml, "scenario.yaml");
  EXPECT_TRUE(root.has_value()) << root.error().ToString();
  auto spec = ParseWorkloadSpec(*root, base_dir);
  EXPECT_TRUE(spec.has_value()) << spec.error().ToString();
  return spec ? *spec : WorkloadSpec{};
}

inline std::vector<RequestSpec> Pull(WorkloadGenerator& g, size_t max = SIZE_MAX) {
  std::vector<RequestSpec> out;
  while (out.size() < max) {
    auto r = g.Next();
    EXPECT_TRUE(r.has_value()) << r.error().ToString();
    if (!r || !*r) break;
    out.push_back(std::move(**r));
  }
  return out;
}

}  // namespace aiinfra::workload::testing_util
