// The calibration set: published inference results (data/reference/published.yaml, from
// specs/hardware.md section 3) with their full configuration, and their prediction by the
// performance model — `aiinfra perf validate`.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/data.h"
#include "common/result.h"
#include "hw/catalog.h"
#include "model/catalog.h"
#include "perf/calibration.h"
#include "perf/comm_curve.h"
#include "perf/deployment.h"
#include "perf/throughput.h"

namespace aiinfra::perf {

// The throughput one row reports.
enum class Metric { kOutputPerGpu, kInputPerGpu, kTtft };
const char* MetricName(Metric metric);  // "output_tokens_per_s_per_gpu", ..., "ttft_s"

struct ReferenceRow {
  std::string id;            // "22-h200": section-3 row number and variant
  std::string title;         // one line: model, hardware, precision
  std::string source;        // URL
  std::string published_as;  // the figure as the source states it, and any derivation
  std::string note;
  // Why the model cannot reproduce this row, when it is known not to (reported, never hidden:
  // such rows are printed with their error, left out of the fit, and the tests check they still
  // miss, so the mark is removed once the model explains them).
  std::string known_miss;
  Location where;

  // The configuration, as the source describes it.
  std::string model;
  std::string system;
  Deployment deployment_template;  // dtypes, parallelism, engine (model/system filled at run)
  std::string weights;             // dtype name, for display
  Mode mode = Mode::kOffline;
  Workload workload;
  Limits limits;
  std::optional<double> batch;  // the source's batch per replica, when it states one

  Metric metric = Metric::kOutputPerGpu;
  double published = 0;
};

Result<std::vector<ReferenceRow>> LoadReference(const DataSource& data);
Result<std::vector<ReferenceRow>> ParseReference(const DataFile& file);

struct Validation {
  const ReferenceRow* row = nullptr;
  double predicted = 0;
  double error = 0;  // predicted / published - 1
  OperatingPoint point;
};

// Predicts one row with the catalogs and calibration. Errors (an unknown model, a deployment
// that does not fit) are returned as such: a row that cannot be predicted is a failure.
Result<Validation> ValidateRow(const ReferenceRow& row, const hw::Catalog& hardware,
                               const model::ModelCatalog& models, const CalibrationSet& calibration,
                               CommCache& comm);

// Median of |error| over `results`.
double MedianAbsoluteError(const std::vector<Validation>& results);

}  // namespace aiinfra::perf
