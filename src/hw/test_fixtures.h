// Small, valid catalog documents for tests, which each test mutates to provoke one error.
#pragma once

#include <string>

namespace aiinfra::hw::testing {

inline const char* kAcceleratorYaml = R"(id: test-gpu
name: Test GPU
vendor: Example
generation: Gen1
compute:
  bf16: {value: 1000TFLOPS, source: https://example.org/a}
  fp8: {value: 2000TFLOPS, source: https://example.org/a}
  fp4: unsupported
  int8: {value: 2000TOPS, estimated: "same as fp8"}
memory:
  type: HBM3
  capacity: {value: 80GB, source: https://example.org/a}
  usable: {value: 79GB, source: https://example.org/a}
  bandwidth: {value: 3TB/s, source: https://example.org/a}
scale_up:
  technology: ExampleLink
  bandwidth: {value: 400GB/s, source: https://example.org/a}
  links: {value: 16, source: https://example.org/a}
scale_out:
  nic: {value: 400Gb/s, source: https://example.org/a}
power: {value: 700W, source: https://example.org/a}
)";

// 8 accelerators in 2 nodes of 4; one switched domain of 8 with one tier.
inline const char* kSystemYaml = R"(id: test-box
name: Test Box
accelerator: test-gpu
accelerators: {value: 8, source: https://example.org/s}
nodes: {value: 2, source: https://example.org/s}
cpus:
  model: Example CPU
  count: {value: 4, source: https://example.org/s}
host_link: {value: 64GB/s, source: https://example.org/s}
scale_up:
  topology: switched
  domain_size: {value: 8, source: https://example.org/s}
  tiers:
    - name: xswitch
      per: domain
      chips: {value: 4, source: https://example.org/s}
  in_network_reduction: true
  latency: {value: 1us, estimated: "example"}
scale_out:
  nics_per_accelerator: {value: 1, source: https://example.org/s}
  latency: {value: 2us, estimated: "example"}
power: {value: 10kW, source: https://example.org/s}
)";

// Replaces the first occurrence of `from` in `text` with `to` (the test fails loudly if absent).
inline std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  if (pos == std::string::npos) return "<<fixture does not contain: " + from + ">>";
  return text.replace(pos, from.size(), to);
}

}  // namespace aiinfra::hw::testing
