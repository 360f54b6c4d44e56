// Fuzz target for the collective model's tuning file: CollectiveTuning::Parse
// (hw/collective_tuning.h), which reads data/hardware/collective/tuning.yaml.
//
// Checked: never a crash; every error has a message and the code kInvalidInput; what parses
// keeps the promises of the header: latencies are finite and non-negative, every efficiency is
// a fraction in (0, 1], and Efficiency() answers for every link kind.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"
#include "fuzz_check.h"
#include "hw/collective_tuning.h"
#include "hw/figure.h"
#include "hw/topology.h"

namespace {

using aiinfra::ErrorCode;
using aiinfra::hw::CollectiveTuning;
using aiinfra::hw::Figure;
using aiinfra::hw::LinkKind;

constexpr std::string_view kTarget = "tuning_fuzz";

void CheckLatency(const Figure& f, std::string_view what, std::string_view input) {
  if (!std::isfinite(f.value) || f.value < 0) {
    aiinfra::fuzz::Finding(kTarget, std::string(what) + ": a latency out of range was accepted",
                           input);
  }
}

void CheckFraction(double value, std::string_view what, std::string_view input) {
  if (!(value > 0 && value <= 1)) {
    aiinfra::fuzz::Finding(
        kTarget, std::string(what) + ": efficiency " + std::to_string(value) + " was accepted",
        input);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  auto tuning = CollectiveTuning::Parse(text, "fuzz/tuning.yaml");
  if (!tuning) {
    aiinfra::fuzz::CheckError(kTarget, "CollectiveTuning::Parse", tuning.error(),
                              {ErrorCode::kInvalidInput}, text);
    return 0;
  }
  CheckLatency(tuning->launch_latency, "launch_latency", text);
  CheckLatency(tuning->step_overhead, "step_overhead", text);
  CheckFraction(tuning->scale_up_efficiency.value, "scale_up_efficiency", text);
  CheckFraction(tuning->nvls_efficiency.value, "nvls_efficiency", text);
  CheckFraction(tuning->scale_out_efficiency.value, "scale_out_efficiency", text);
  CheckFraction(tuning->host_efficiency.value, "host_efficiency", text);
  CheckFraction(tuning->moe_efficiency.value, "moe_efficiency", text);
  for (LinkKind kind : {LinkKind::kScaleUp, LinkKind::kScaleOut, LinkKind::kHost}) {
    CheckFraction(tuning->Efficiency(kind), aiinfra::hw::LinkKindName(kind), text);
  }
  return 0;
}
