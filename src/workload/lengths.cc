#include "workload/lengths.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/units.h"
#include "workload/csv.h"
#include "workload/trace.h"

namespace aiinfra::workload {
namespace {

Error Invalid(std::string message) { return Error{ErrorCode::kInvalidInput, std::move(message)}; }

// (e^t - 1) / t and log(1 + t) / t, continuous at t = 0: they let the Zipf integral H and its
// inverse use one formula for every exponent, including s = 1 (where H is log x).
double ExpM1OverT(double t) { return std::abs(t) > 1e-8 ? std::expm1(t) / t : 1.0 + t / 2.0; }
double Log1pOverT(double t) { return std::abs(t) > 1e-8 ? std::log1p(t) / t : 1.0 - t / 2.0; }

// The hat of rejection-inversion for h(x) = x^-s: H is an antiderivative of h, Hinv its inverse.
double ZipfH(double s, double x) {
  const double log_x = std::log(x);
  return ExpM1OverT((1.0 - s) * log_x) * log_x;
}
double ZipfHInv(double s, double y) { return std::exp(Log1pOverT((1.0 - s) * y) * y); }
double ZipfSmallH(double s, double x) { return std::exp(-s * std::log(x)); }

int64_t DrawZipf(const ZipfDist& z, Rng& rng) {
  while (true) {
    const double u = z.h_n + Uniform01(rng) * (z.h_x1 - z.h_n);
    const double x = ZipfHInv(z.s, u);
    const int64_t k = std::clamp<int64_t>(static_cast<int64_t>(x + 0.5), 1, z.n);
    const double kd = static_cast<double>(k);
    // The first test is the paper's squeeze (accepts most draws without a pow); the second is the
    // exact test that u falls in the top h(k) of the hat's slice for k.
    if (kd - x <= z.threshold || u >= ZipfH(z.s, kd + 0.5) - ZipfSmallH(z.s, kd)) return k;
  }
}

// Rounds to a whole number in [lo, hi] (a NaN draw, which only extreme parameters could make,
// gives lo: llround of NaN is unspecified).
int64_t RoundCount(double x, double lo, double hi) {
  if (std::isnan(x)) return static_cast<int64_t>(lo);
  return std::llround(std::clamp(std::round(x), lo, hi));
}

}  // namespace

Result<Distribution> Distribution::Fixed(double value) {
  if (!std::isfinite(value) || value < 0) return Fail(Invalid("value must be finite and >= 0"));
  return Distribution(FixedDist{value});
}

Result<Distribution> Distribution::Uniform(double min, double max) {
  if (!std::isfinite(min) || !std::isfinite(max) || min < 0 || min > max) {
    return Fail(Invalid(fmt::format("needs finite 0 <= min <= max, got [{}, {}]", min, max)));
  }
  Distribution d{UniformDist{}};
  d.min_ = min;
  d.max_ = max;
  return d;
}

Result<Distribution> Distribution::Normal(double mean, double stddev) {
  if (!std::isfinite(mean) || !std::isfinite(stddev) || stddev < 0) {
    return Fail(Invalid("needs a finite mean and a finite stddev >= 0"));
  }
  return Distribution(NormalDist{mean, stddev});
}

Result<Distribution> Distribution::LognormalFromMedian(double median, double sigma) {
  if (!(median > 0) || !std::isfinite(median) || !(sigma >= 0) || !std::isfinite(sigma)) {
    return Fail(Invalid("needs median > 0 and sigma >= 0, both finite"));
  }
  return Distribution(LognormalDist{std::log(median), sigma});
}

Result<Distribution> Distribution::LognormalFromMean(double mean, double sigma) {
  if (!(mean > 0) || !std::isfinite(mean) || !(sigma >= 0) || !std::isfinite(sigma)) {
    return Fail(Invalid("needs mean > 0 and sigma >= 0, both finite"));
  }
  // Past sigma ~1e154, sigma^2 overflows: mu would be -inf and draws NaN.
  const double mu = std::log(mean) - sigma * sigma / 2.0;
  if (!std::isfinite(mu)) return Fail(Invalid("sigma is too large for a lognormal by its mean"));
  return Distribution(LognormalDist{mu, sigma});
}

Result<Distribution> Distribution::Exponential(double mean) {
  if (!(mean > 0) || !std::isfinite(mean)) return Fail(Invalid("needs a finite mean > 0"));
  return Distribution(ExponentialDist{mean});
}

Result<Distribution> Distribution::Zipf(double s, int64_t n) {
  if (!(s > 0) || !std::isfinite(s)) return Fail(Invalid("needs an exponent s > 0"));
  if (n < 1) return Fail(Invalid("needs max >= 1"));
  ZipfDist z;
  z.s = s;
  z.n = n;
  z.h_x1 = ZipfH(s, 1.5) - 1.0;
  z.h_n = ZipfH(s, static_cast<double>(n) + 0.5);
  z.threshold = 2.0 - ZipfHInv(s, ZipfH(s, 2.5) - ZipfSmallH(s, 2.0));
  Distribution d{z};
  d.max_ = static_cast<double>(n);
  return d;
}

Result<Distribution> Distribution::Empirical(std::vector<double> values) {
  if (values.empty()) return Fail(Invalid("needs at least one value"));
  for (double v : values) {
    if (!std::isfinite(v) || v < 0) {
      return Fail(Invalid(fmt::format("values must be finite and >= 0, got {}", v)));
    }
  }
  return Distribution(
      EmpiricalDist{std::make_shared<const std::vector<double>>(std::move(values))});
}

Status Distribution::SetClamp(double min, double max) {
  if (std::isnan(min) || std::isnan(max) || min > max) {
    return Fail(Invalid(fmt::format("min {} is above max {}", min, max)));
  }
  min_ = min;
  max_ = max;
  return {};
}

double Distribution::Draw(Rng& rng) const {
  return std::visit(
      [&](const auto& d) -> double {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, FixedDist>) {
          return d.value;
        } else if constexpr (std::is_same_v<T, UniformDist>) {
          return min_ + Uniform01(rng) * (max_ - min_);
        } else if constexpr (std::is_same_v<T, NormalDist>) {
          return d.mean + d.stddev * StandardNormal(rng);
        } else if constexpr (std::is_same_v<T, LognormalDist>) {
          return std::exp(d.mu + d.sigma * StandardNormal(rng));
        } else if constexpr (std::is_same_v<T, ExponentialDist>) {
          return workload::Exponential(rng, 1.0 / d.mean);
        } else if constexpr (std::is_same_v<T, ZipfDist>) {
          return static_cast<double>(DrawZipf(d, rng));
        } else {
          const auto& v = *d.values;
          const auto i = static_cast<size_t>(Uniform01(rng) * static_cast<double>(v.size()));
          return v[std::min(i, v.size() - 1)];
        }
      },
      kind_);
}

double Distribution::SampleReal(Rng& rng) const { return std::clamp(Draw(rng), min_, max_); }

int64_t Distribution::SampleCount(Rng& rng) const {
  constexpr double kCap = static_cast<double>(kMaxTokens);
  const double lo = std::min(std::max(1.0, std::ceil(min_)), kCap);
  const double hi = std::max(lo, std::floor(std::min(max_, kCap)));
  if (std::holds_alternative<UniformDist>(kind_)) {
    // Whole numbers lo..hi, each equally likely (rounding a real draw would halve the ends).
    const double span = hi - lo + 1.0;
    return static_cast<int64_t>(lo) +
           std::min(static_cast<int64_t>(Uniform01(rng) * span), static_cast<int64_t>(span) - 1);
  }
  if (std::holds_alternative<NormalDist>(kind_)) {
    // Truncation, not clamping: clamping would put the whole lower tail's mass on lo. The cap
    // guards against a mean so far below lo that redraws would never end.
    for (int attempt = 0; attempt < 1000; ++attempt) {
      const double x = std::round(Draw(rng));
      if (x >= lo) return RoundCount(x, lo, hi);
    }
    return static_cast<int64_t>(lo);
  }
  return RoundCount(Draw(rng), lo, hi);
}

std::string Distribution::Describe() const {
  std::string text = std::visit(
      [&](const auto& d) -> std::string {
        using T = std::decay_t<decltype(d)>;
        if constexpr (std::is_same_v<T, FixedDist>) {
          return fmt::format("fixed({})", d.value);
        } else if constexpr (std::is_same_v<T, UniformDist>) {
          return "uniform";
        } else if constexpr (std::is_same_v<T, NormalDist>) {
          return fmt::format("normal(mean={}, stddev={})", d.mean, d.stddev);
        } else if constexpr (std::is_same_v<T, LognormalDist>) {
          return fmt::format("lognormal(median={:.6g}, sigma={})", std::exp(d.mu), d.sigma);
        } else if constexpr (std::is_same_v<T, ExponentialDist>) {
          return fmt::format("exponential(mean={})", d.mean);
        } else if constexpr (std::is_same_v<T, ZipfDist>) {
          return fmt::format("zipf(s={})", d.s);
        } else {
          return fmt::format("empirical({} values)", d.values->size());
        }
      },
      kind_);
  if (std::isfinite(min_) || std::isfinite(max_)) text += fmt::format(" in [{}, {}]", min_, max_);
  return text;
}

namespace {

enum class Unit { kCount, kDuration };

std::string AboveTokenLimit(double v) {
  return fmt::format(
      "{} is above the limit of {} tokens for a count (1e9: a hundred times the longest model "
      "context); write a count <= 1e9",
      v, kMaxTokens);
}

Result<double> ReadValue(const YamlNode& node, Unit unit) {
  if (unit == Unit::kCount) {
    AIINFRA_TRY(double v, node.Number());
    if (v < 0) return Fail(node.Err("must be >= 0"));
    // Also +infinity: a count must be a usable number of tokens.
    if (!(v <= static_cast<double>(kMaxTokens))) return Fail(node.Err(AboveTokenLimit(v)));
    return v;
  }
  return node.Duration();
}

Result<double> ReadField(YamlMap& map, std::string_view key, Unit unit) {
  AIINFRA_TRY(YamlNode node, map.Required(key));
  return ReadValue(node, unit);
}

// Attaches a factory's parameter error to the YAML node it came from.
Result<Distribution> At(const YamlNode& node, Result<Distribution> d) {
  if (!d) return Fail(node.Err(d.error().message));
  return d;
}

Result<std::vector<double>> ReadEmpiricalValues(YamlMap& map, Unit unit,
                                                const std::string& base_dir) {
  const YamlNode& self = map.self();
  const int sources = map.Has("values") + map.Has("csv") + map.Has("trace");
  if (sources != 1) {
    return Fail(
        self.Err("empirical needs exactly one of values: [...], csv: PATH (with column), "
                 "or trace: PATH (with format and field)"));
  }
  std::vector<double> values;
  if (auto list = map.Optional("values")) {
    AIINFRA_TRY(auto items, list->Items());
    for (const YamlNode& item : items) {
      AIINFRA_TRY(double v, ReadValue(item, unit));
      values.push_back(v);
    }
    return values;
  }
  if (unit == Unit::kDuration) return Fail(self.Err("durations take values: [...] only"));
  if (map.Has("csv")) {
    AIINFRA_TRY(std::string path, map.RequiredString("csv"));
    AIINFRA_TRY(std::string column, map.RequiredString("column"));
    auto read = ReadCsvColumn(ResolvePath(base_dir, path), column, static_cast<double>(kMaxTokens));
    if (!read) return Fail(map.self().Err(read.error().ToString()));
    return std::move(*read);
  }
  AIINFRA_TRY(std::string path, map.RequiredString("trace"));
  AIINFRA_TRY(YamlNode format_node, map.Required("format"));
  AIINFRA_TRY(std::string format_name, format_node.Scalar());
  auto format = ParseTraceFormat(format_name);
  if (!format) return Fail(format_node.Err(format.error().message));
  AIINFRA_TRY(YamlNode field_node, map.Required("field"));
  AIINFRA_TRY(std::string field, field_node.Scalar());
  if (field != "input" && field != "output") {
    return Fail(field_node.Err("field must be input or output, got \"" + field + "\""));
  }
  auto read = ReadTraceLengths(ResolvePath(base_dir, path), *format, field == "input");
  if (!read) return Fail(map.self().Err(read.error().ToString()));
  return std::move(*read);
}

Result<Distribution> ParseDistribution(const YamlNode& node, Unit unit,
                                       const std::string& base_dir) {
  if (node.IsScalar()) {
    AIINFRA_TRY(double v, ReadValue(node, unit));
    return At(node, Distribution::Fixed(v));
  }
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  AIINFRA_TRY(YamlNode kind_node, map.Required("kind"));
  AIINFRA_TRY(std::string kind, kind_node.Scalar());
  std::optional<YamlNode> min_node = map.Optional("min");
  std::optional<YamlNode> max_node;
  if (kind != "zipf") max_node = map.Optional("max");
  const double inf = std::numeric_limits<double>::infinity();
  double min = unit == Unit::kDuration ? 0.0 : -inf;
  double max = inf;
  if (min_node) {
    AIINFRA_TRY(min, ReadValue(*min_node, unit));
  }
  if (max_node) {
    AIINFRA_TRY(max, ReadValue(*max_node, unit));
  }
  Result<Distribution> d = Fail(Invalid(""));
  if (kind == "fixed") {
    AIINFRA_TRY(double v, ReadField(map, "value", unit));
    d = At(node, Distribution::Fixed(v));
  } else if (kind == "uniform") {
    if (!min_node || !max_node) return Fail(node.Err("uniform needs min and max"));
    d = At(node, Distribution::Uniform(min, max));
  } else if (kind == "normal") {
    AIINFRA_TRY(double mean, ReadField(map, "mean", unit));
    AIINFRA_TRY(double stddev, ReadField(map, "stddev", unit));
    d = At(node, Distribution::Normal(mean, stddev));
  } else if (kind == "lognormal") {
    AIINFRA_TRY(double sigma, map.RequiredNumber("sigma"));
    if (map.Has("median") == map.Has("mean")) {
      return Fail(node.Err("lognormal needs exactly one of median or mean (and sigma)"));
    }
    if (map.Has("median")) {
      AIINFRA_TRY(double median, ReadField(map, "median", unit));
      d = At(node, Distribution::LognormalFromMedian(median, sigma));
    } else {
      AIINFRA_TRY(double mean, ReadField(map, "mean", unit));
      d = At(node, Distribution::LognormalFromMean(mean, sigma));
    }
  } else if (kind == "exponential") {
    AIINFRA_TRY(double mean, ReadField(map, "mean", unit));
    d = At(node, Distribution::Exponential(mean));
  } else if (kind == "zipf") {
    if (unit == Unit::kDuration) return Fail(kind_node.Err("zipf is for token counts only"));
    AIINFRA_TRY(double s, map.RequiredNumber("s"));
    AIINFRA_TRY(YamlNode n_node, map.Required("max"));
    AIINFRA_TRY(double n, n_node.Number());
    if (n < 1 || n != std::floor(n)) return Fail(n_node.Err("max must be a whole number >= 1"));
    if (!(n <= static_cast<double>(kMaxTokens))) return Fail(n_node.Err(AboveTokenLimit(n)));
    d = At(node, Distribution::Zipf(s, static_cast<int64_t>(n)));
    max = n;
  } else if (kind == "empirical") {
    AIINFRA_TRY(auto values, ReadEmpiricalValues(map, unit, base_dir));
    d = At(node, Distribution::Empirical(std::move(values)));
  } else {
    return Fail(kind_node.Err("unknown kind \"" + kind +
                              "\"; expected fixed, uniform, normal, lognormal, exponential, "
                              "zipf or empirical"));
  }
  if (!d) return d;
  if (min_node || max_node || unit == Unit::kDuration) {
    auto clamped = d->SetClamp(min, max);
    if (!clamped) return Fail(node.Err(clamped.error().message));
  }
  AIINFRA_CHECK_OK(map.Finish());
  return d;
}

}  // namespace

Result<Distribution> ParseCountDistribution(const YamlNode& node, const std::string& base_dir) {
  return ParseDistribution(node, Unit::kCount, base_dir);
}

Result<Distribution> ParseDurationDistribution(const YamlNode& node) {
  return ParseDistribution(node, Unit::kDuration, "");
}

}  // namespace aiinfra::workload
