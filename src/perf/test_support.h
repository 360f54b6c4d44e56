// Test helpers for the perf module: the embedded catalogs, loaded once, and deployments built
// from them.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "hw/catalog.h"
#include "hw/collective_tuning.h"
#include "model/catalog.h"
#include "perf/calibration.h"
#include "perf/deployment.h"
#include "perf/perf_model.h"

namespace aiinfra::perf::testing {

inline const hw::Catalog& Hardware() {
  static const hw::Catalog catalog = *hw::Catalog::Load(DataSource());
  return catalog;
}
inline const model::ModelCatalog& Models() {
  static const model::ModelCatalog catalog = *model::ModelCatalog::Load(DataSource());
  return catalog;
}
inline const hw::CollectiveTuning& Tuning() {
  static const hw::CollectiveTuning tuning = *hw::CollectiveTuning::Load(DataSource());
  return tuning;
}
inline const CalibrationSet& Calibrations() {
  static const CalibrationSet set = *CalibrationSet::Load(DataSource());
  return set;
}

// Every efficiency 1 and no overhead: step times reduce to peak arithmetic.
inline Calibration Ideal() {
  Calibration c;
  c.accelerator = "ideal";
  c.gemm.value = c.moe_gemm.value = c.attention.value = c.memory.value = 1.0;
  c.step_overhead.value = 0;
  return c;
}

inline Deployment Make(const std::string& model, const std::string& system, model::Dtype weights,
                       Parallelism parallel = {}, model::Dtype kv = model::Dtype::kBF16) {
  Deployment d;
  d.model = **Models().Find(model);
  d.system = **Hardware().FindSystem(system);
  d.weights = model::WeightPlan::Default(weights);
  d.kv = kv;
  d.parallel = parallel;
  return d;
}

inline PerfModel Build(const Deployment& d, const Calibration& calibration = Ideal()) {
  CommCache comm(Tuning());
  auto m = PerfModel::Create(d, calibration, comm);
  EXPECT_TRUE(m.has_value()) << (m ? "" : m.error().message);
  return *m;
}

}  // namespace aiinfra::perf::testing
