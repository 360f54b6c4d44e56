// Accelerator: one GPU or NPU as the catalog describes it (data/hardware/accelerators/*.yaml).
#pragma once

#include <array>
#include <optional>
#include <string>

#include "common/result.h"
#include "common/yaml.h"
#include "hw/figure.h"

namespace aiinfra::hw {

// Tensor-core math types whose dense peak the catalog records.
enum class ComputeDtype { kBF16 = 0, kFP8, kFP4, kINT8 };
inline constexpr std::array<ComputeDtype, 4> kComputeDtypes = {
    ComputeDtype::kBF16, ComputeDtype::kFP8, ComputeDtype::kFP4, ComputeDtype::kINT8};
const char* ComputeDtypeName(ComputeDtype dtype);  // "bf16", "fp8", "fp4", "int8"

struct Accelerator {
  std::string id;  // command-line name, e.g. "h100-sxm"
  std::string name;
  std::string vendor;
  std::string generation;
  std::string file;  // where it was loaded from

  // Dense peak FLOP/s (OP/s for int8) per math type; nullopt where unsupported natively.
  std::array<std::optional<Figure>, 4> compute;

  std::string memory_type;
  Figure memory_capacity;   // bytes, marketing
  Figure memory_usable;     // bytes software can allocate
  Figure memory_bandwidth;  // bytes/s

  std::string scale_up_technology;
  Figure scale_up_bandwidth;  // bytes/s per direction, all links together
  Figure scale_up_links;      // count

  Figure nic_rate;  // bytes/s per direction, NIC line rate per accelerator
  Figure power;     // watts

  const std::optional<Figure>& Compute(ComputeDtype dtype) const {
    return compute[static_cast<int>(dtype)];
  }
};

// Parses and validates one accelerator document.
Result<Accelerator> ParseAccelerator(const YamlNode& doc);

// Ids are lowercase letters, digits and '-', starting with a letter or digit.
bool IsValidId(const std::string& id);

}  // namespace aiinfra::hw
