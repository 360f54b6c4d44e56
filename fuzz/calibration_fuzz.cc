// Fuzz target for the calibration files: CalibrationSet::FromFiles (perf/calibration.h) with a
// fixed valid calibration/default.yaml and the input as a second file,
//   1. named calibration/x.yaml (so an `accelerator:` other than x is refused by name), and
//   2. named after the accelerator the input declares, when it declares a scalar one, so that
//      parsing goes past the id/file-name check; the input comes first there.
// A parse error is the input's: the default file is valid and present.
//
// Checked: never a crash; every error has a message and the code kInvalidInput; what loads
// holds both sets, the default first, For() finds the input's by its accelerator; every share is
// a finite number in (0, 1], the step overhead a finite duration >= 0, and every factor gives
// exactly one of fitted_on (not empty) and estimated.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/data.h"
#include "common/result.h"
#include "common/yaml.h"
#include "fuzz_check.h"
#include "perf/calibration.h"

namespace {

using aiinfra::DataFile;
using aiinfra::ErrorCode;
using aiinfra::perf::Calibration;
using aiinfra::perf::CalibrationSet;
using aiinfra::perf::Factor;

constexpr std::string_view kTarget = "calibration_fuzz";

// data/calibration/default.yaml.
constexpr std::string_view kDefaultYaml = R"(accelerator: default
gemm: {value: 0.7, estimated: "initial prior, to be fitted"}
moe_gemm: {value: 0.55, estimated: "initial prior, to be fitted"}
attention: {value: 0.5, estimated: "initial prior, to be fitted"}
memory: {value: 0.8, estimated: "initial prior, to be fitted"}
step_overhead: {value: 1ms, estimated: "initial prior, to be fitted"}
)";

DataFile File(const std::string& stem, std::string contents) {
  const std::string relative = "calibration/" + stem + ".yaml";
  return DataFile{relative, "fuzz/" + relative, std::move(contents)};
}

struct Checker {
  std::string_view input;

  [[noreturn]] void Finding(const std::string& what) {
    aiinfra::fuzz::Finding(kTarget, what, input);
  }

  void CheckFactor(const Factor& f, const std::string& what, bool share) {
    if (!std::isfinite(f.value) || f.value < 0 || (share && !(f.value > 0 && f.value <= 1))) {
      Finding(what + " = " + std::to_string(f.value) + " was accepted");
    }
    if (f.fitted_on.empty() == f.estimated.empty()) {
      Finding(what + ": a factor needs exactly one of fitted_on and estimated");
    }
  }

  void CheckCalibration(const Calibration& c) {
    CheckFactor(c.gemm, c.accelerator + ".gemm", true);
    CheckFactor(c.moe_gemm, c.accelerator + ".moe_gemm", true);
    CheckFactor(c.attention, c.accelerator + ".attention", true);
    CheckFactor(c.memory, c.accelerator + ".memory", true);
    CheckFactor(c.step_overhead, c.accelerator + ".step_overhead", false);
    if (c.file.empty()) Finding("a calibration without its file");
  }

  void Load(const std::vector<DataFile>& files, const std::string& declared) {
    auto set = CalibrationSet::FromFiles(files);
    if (!set) {
      aiinfra::fuzz::CheckError(kTarget, "CalibrationSet::FromFiles", set.error(),
                                {ErrorCode::kInvalidInput}, input);
      return;
    }
    if (set->all().size() != files.size()) Finding("FromFiles dropped a file without an error");
    if (set->all().front().accelerator != "default") Finding("the default set is not first");
    for (const Calibration& c : set->all()) CheckCalibration(c);
    if (set->For(declared).accelerator != declared) {
      Finding("For() does not find the set of \"" + declared + "\"");
    }
    if (set->For("no-such-accelerator").accelerator != "default") {
      Finding("For() of an unknown accelerator is not the default set");
    }
  }
};

// The accelerator the input declares, when it is a scalar that can name a file.
std::optional<std::string> Declared(const std::string& text) {
  auto doc = aiinfra::ParseYaml(text, "fuzz/calibration/input.yaml");
  if (!doc || !doc->IsMap()) return std::nullopt;
  const YAML::Node node = doc->node["accelerator"];
  if (!node || !node.IsScalar()) return std::nullopt;
  const std::string id = node.Scalar();
  if (id.find('/') != std::string::npos) return std::nullopt;
  return id;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Checker check{text};
  const DataFile default_file = File("default", std::string(kDefaultYaml));

  check.Load({default_file, File("x", text)}, "x");
  if (const auto declared = Declared(text); declared && *declared != "x") {
    check.Load({File(*declared, text), default_file}, *declared);
  }
  return 0;
}
