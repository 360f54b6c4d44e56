// Options shared by the perf and plan commands: what a deployment and a workload are on the
// command line, and the catalogs they resolve against.
#pragma once

#include <vector>

#include "cli/command.h"
#include "hw/catalog.h"
#include "hw/collective_tuning.h"
#include "model/catalog.h"
#include "perf/calibration.h"
#include "perf/deployment.h"
#include "perf/throughput.h"

namespace aiinfra::cli {

// Every catalog a prediction needs, loaded from the invocation's data source.
struct PerfContext {
  hw::Catalog hardware;
  model::ModelCatalog models;
  perf::CalibrationSet calibration;
  hw::CollectiveTuning tuning;

  static Result<PerfContext> Load(const Invocation& inv);
};

// --model --system --gpus --weights --keep --kv --activations --tp --pp --ep --dp-attention
// --max-num-seqs --max-batched-tokens --gpu-memory-utilization
std::vector<OptionSpec> DeploymentOptions();
// --isl --osl --ttft-max --tpot-max --decode-context
std::vector<OptionSpec> WorkloadOptions();

// The deployment the options describe; --tp defaults to gpus/pp and must multiply with --pp to
// --gpus. Checked with perf::CheckDeployment.
Result<perf::Deployment> DeploymentFromOptions(const Invocation& inv, const PerfContext& ctx);
Result<perf::Workload> WorkloadFromOptions(const Invocation& inv);
Result<perf::Limits> LimitsFromOptions(const Invocation& inv);

}  // namespace aiinfra::cli
