// Calibration: the efficiency factors that turn peak figures into sustained ones, one set per
// accelerator and op class (data/calibration/<accelerator>.yaml), never per published result.
//
// Each factor says what it was fitted on (`fitted_on:` ids of data/reference/published.yaml rows
// that exercise it) or, for accelerators without published results, how it was estimated
// (`estimated:`). data/calibration/README.md documents the fitting procedure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/data.h"
#include "common/result.h"

namespace aiinfra::perf {

struct Factor {
  double value = 0;
  std::vector<std::string> fitted_on;  // reference row ids
  std::string estimated;               // reasoning, when not fitted
  std::string note;
  Location where;
};

struct Calibration {
  std::string accelerator;  // accelerator id, or "default"
  std::string file;
  Factor gemm;           // share of the dense tensor-core peak a dense GEMM sustains
  Factor moe_gemm;       // the same for grouped expert GEMMs
  Factor attention;      // share of the peak attention kernels sustain (prefill, compute-bound)
  Factor memory;         // share of HBM bandwidth sustained streaming weights and KV cache
  Factor step_overhead;  // seconds per engine step outside the kernels (scheduling, launches)
};

class CalibrationSet {
 public:
  // Reads calibration/*.yaml; `default.yaml` must exist. Errors name file:line:field; each factor
  // needs exactly one of fitted_on/estimated; shares must lie in (0, 1].
  static Result<CalibrationSet> Load(const DataSource& data);
  static Result<CalibrationSet> FromFiles(const std::vector<DataFile>& files);

  // The accelerator's own set, else the default one.
  const Calibration& For(std::string_view accelerator_id) const;
  const std::vector<Calibration>& all() const { return sets_; }

 private:
  std::vector<Calibration> sets_;  // sets_[0] is the default
};

}  // namespace aiinfra::perf
