// Distributions of token counts (prompt and output lengths, new tokens per turn, turns per
// session) and of durations (think times), and their YAML form.
//
// A Distribution is an immutable value (cheap to copy: an empirical one shares its values) that
// draws from a caller's engine, so the caller decides which stream a sample comes from. Sampling
// is const and thread-compatible.
//
// Two ways to draw:
// - SampleReal(): a real number (think times in seconds); clamped to [min, max].
// - SampleCount(): a whole number >= max(1, min) and <= min(max, kMaxTokens) (tokens, turns).
//   Uniform draws whole numbers in [min, max] evenly; normal is truncated (redrawn) below 1
//   rather than piled at 1; the others are rounded to the nearest whole number, then clamped (a
//   lognormal or exponential tail past kMaxTokens lands on kMaxTokens).
#pragma once

#include <cstdint>
#include <limits>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "common/result.h"
#include "common/yaml.h"
#include "workload/request.h"
#include "workload/sampling.h"

namespace aiinfra::workload {

struct FixedDist {
  double value = 0;
};
// Bounds are the distribution's min and max (see Distribution).
struct UniformDist {};
struct NormalDist {
  double mean = 0;
  double stddev = 0;
};
// ln X ~ Normal(mu, sigma). Median e^mu; mean e^(mu + sigma^2/2).
struct LognormalDist {
  double mu = 0;
  double sigma = 0;
};
struct ExponentialDist {
  double mean = 0;
};
// P(k) proportional to k^-s on k = 1..n. Drawn by rejection-inversion (Hoermann & Derflinger,
// "Rejection-inversion to generate variates from monotone discrete distributions", 1996):
// O(1) per draw and no table, so n may be in the millions.
struct ZipfDist {
  double s = 1;
  int64_t n = 1;
  // Precomputed by MakeZipf.
  double h_x1 = 0;
  double h_n = 0;
  double threshold = 0;
};
// Draws one of `values` uniformly (a bootstrap of observed data).
struct EmpiricalDist {
  std::shared_ptr<const std::vector<double>> values;
};

using DistKind = std::variant<FixedDist, UniformDist, NormalDist, LognormalDist, ExponentialDist,
                              ZipfDist, EmpiricalDist>;

class Distribution {
 public:
  // A fixed value (the default: 1).
  Distribution() : kind_(FixedDist{1}) {}

  // Each factory checks its parameters; errors are kInvalidInput naming the parameter.
  static Result<Distribution> Fixed(double value);
  static Result<Distribution> Uniform(double min, double max);
  static Result<Distribution> Normal(double mean, double stddev);
  static Result<Distribution> LognormalFromMedian(double median, double sigma);
  static Result<Distribution> LognormalFromMean(double mean, double sigma);
  static Result<Distribution> Exponential(double mean);
  static Result<Distribution> Zipf(double s, int64_t n);
  static Result<Distribution> Empirical(std::vector<double> values);

  // Clamps every draw to [min, max] (for counts, min is at least 1 anyway). Error if min > max.
  Status SetClamp(double min, double max);

  double SampleReal(Rng& rng) const;
  int64_t SampleCount(Rng& rng) const;

  const DistKind& kind() const { return kind_; }
  double min() const { return min_; }
  double max() const { return max_; }
  // "lognormal(median=800, sigma=1) in [1, 8192]": for messages and reports.
  std::string Describe() const;

 private:
  explicit Distribution(DistKind kind) : kind_(std::move(kind)) {}
  double Draw(Rng& rng) const;

  DistKind kind_;
  double min_ = -std::numeric_limits<double>::infinity();
  double max_ = std::numeric_limits<double>::infinity();
};

// YAML. A distribution is a mapping with `kind` and its parameters, plus optional `min`/`max`
// clamps; a bare scalar is shorthand for `{kind: fixed, value: X}`.
//   fixed:       value
//   uniform:     min, max (required: they are its bounds)
//   normal:      mean, stddev
//   lognormal:   sigma and one of median or mean
//   exponential: mean
//   zipf:        s, max (the largest value; P(k) ~ k^-s on 1..max)
//   empirical:   values: [..], or csv: PATH + column: NAME,
//                or trace: PATH + format: F + field: input|output
// Token counts are plain numbers; durations carry units ("2s", "500ms"). Every count a count
// distribution names (value, min, max, mean, median, stddev, zipf's max, each empirical value,
// also from a CSV column or a trace) must be <= kMaxTokens (request.h). Relative paths are
// resolved against `base_dir` (the scenario file's folder). Errors name file:line:field.
Result<Distribution> ParseCountDistribution(const YamlNode& node, const std::string& base_dir);
Result<Distribution> ParseDurationDistribution(const YamlNode& node);

}  // namespace aiinfra::workload
