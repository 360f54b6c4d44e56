// Fuzz target for the model catalog's parser: the input as one data/models/*.yaml document,
// ParseYaml (common/yaml.h) then ParseArchitecture (model/architecture.h); what parses goes
// through every function of model/footprint.h.
//
// Checked: never a crash or a hang; every error has a message and the code kInvalidInput; what
// parses has a valid id and its file, passes Validate, and keeps the footprint's promises for
// every dtype (model_check.h): parameters, weight bytes, KV cache and FLOPs finite and >= 0,
// active <= total, expected distinct experts within [0, experts].
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/yaml.h"
#include "fuzz_check.h"
#include "model/architecture.h"
#include "model_check.h"

namespace {

using aiinfra::ErrorCode;

constexpr std::string_view kTarget = "model_yaml_fuzz";

bool IsModelId(const std::string& id) {
  if (id.empty() || id.front() == '-' || id.front() == '.') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz/models/input.yaml";

  auto doc = aiinfra::ParseYaml(text, file);
  if (!doc) {
    aiinfra::fuzz::CheckError(kTarget, "ParseYaml", doc.error(), {ErrorCode::kInvalidInput}, text);
    return 0;
  }
  auto arch = aiinfra::model::ParseArchitecture(*doc);
  if (!arch) {
    aiinfra::fuzz::CheckError(kTarget, "ParseArchitecture", arch.error(),
                              {ErrorCode::kInvalidInput}, text);
    return 0;
  }
  if (!IsModelId(arch->id)) aiinfra::fuzz::Finding(kTarget, "an invalid id was accepted", text);
  for (const std::string& alias : arch->aliases) {
    if (!IsModelId(alias)) aiinfra::fuzz::Finding(kTarget, "an invalid alias was accepted", text);
  }
  if (arch->file != file) aiinfra::fuzz::Finding(kTarget, "the architecture lost its file", text);
  if (!arch->published_total_params || !(arch->published_total_params->value > 0)) {
    aiinfra::fuzz::Finding(kTarget, "published_total_params is not a positive figure", text);
  }
  aiinfra::fuzz::FootprintChecker{kTarget, text}.Check(*arch);
  return 0;
}
