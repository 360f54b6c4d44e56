// Fuzz target for the Hugging Face importer: ImportHfConfig (model/hf_config.h) on the input as
// a config.json; what imports goes through every function of model/footprint.h.
//
// Checked: never a crash or a hang (nothing escapes from the JSON parser); every error has a
// message and the code kInvalidInput; what imports has a valid id derived from _name_or_path or
// the file, its file, passes Validate, and keeps the footprint's promises for every dtype
// (model_check.h): parameters, weight bytes, KV cache and FLOPs finite and >= 0, active <= total,
// expected distinct experts within [0, experts].
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "fuzz_check.h"
#include "model/architecture.h"
#include "model/hf_config.h"
#include "model_check.h"

namespace {

using aiinfra::ErrorCode;

constexpr std::string_view kTarget = "hf_config_fuzz";

// DeriveId's promise: lower-case letters, digits, '.' and '-' only, never empty.
bool IsImportedId(const std::string& id) {
  if (id.empty()) return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz/some-model/config.json";

  auto arch = aiinfra::model::ImportHfConfig(text, file);
  if (!arch) {
    aiinfra::fuzz::CheckError(kTarget, "ImportHfConfig", arch.error(), {ErrorCode::kInvalidInput},
                              text);
    return 0;
  }
  if (!IsImportedId(arch->id)) {
    aiinfra::fuzz::Finding(kTarget, "an invalid id \"" + arch->id + "\" was derived", text);
  }
  if (arch->file != file) aiinfra::fuzz::Finding(kTarget, "the architecture lost its file", text);
  aiinfra::fuzz::FootprintChecker{kTarget, text}.Check(*arch);
  return 0;
}
