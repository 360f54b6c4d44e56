#include "workload/arrivals.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <numbers>

#include "common/units.h"

namespace aiinfra::workload {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

Error Invalid(std::string message) { return Error{ErrorCode::kInvalidInput, std::move(message)}; }

bool Positive(double x) { return x > 0 && std::isfinite(x); }

class PoissonProcess : public ArrivalProcess {
 public:
  PoissonProcess(double rate, uint64_t seed) : rate_(rate), rng_(seed) {}
  double Next() override { return t_ += Exponential(rng_, rate_); }
  double ExpectedCount(double t) const override { return rate_ * t; }

 private:
  double rate_;
  Rng rng_;
  double t_ = 0;
};

class GammaProcess : public ArrivalProcess {
 public:
  GammaProcess(double rate, double cv, uint64_t seed)
      : rate_(rate), shape_(1.0 / (cv * cv)), scale_(cv * cv / rate), rng_(seed) {}
  double Next() override { return t_ += Gamma(rng_, shape_, scale_); }
  double ExpectedCount(double t) const override { return rate_ * t; }

 private:
  double rate_, shape_, scale_;
  Rng rng_;
  double t_ = 0;
};

class ConstantProcess : public ArrivalProcess {
 public:
  explicit ConstantProcess(double rate) : rate_(rate) {}
  // Multiplying rather than adding keeps the n-th arrival at exactly n/rate, without drift.
  double Next() override { return static_cast<double>(++n_) / rate_; }
  double ExpectedCount(double t) const override { return std::floor(rate_ * t); }

 private:
  double rate_;
  uint64_t n_ = 0;
};

// Lewis-Shedler thinning under a piecewise-constant bound. Subclasses give the rate and, for a
// time t, a bound valid on [t, until); a candidate past `until` is discarded and the search
// restarts at `until` under the next bound, which is exact because exponential gaps are
// memoryless.
class ThinnedProcess : public ArrivalProcess {
 public:
  explicit ThinnedProcess(uint64_t seed) : rng_(seed) {}

  double Next() override {
    double t = t_;
    while (std::isfinite(t)) {
      const auto [bound, until] = Bound(t);
      // A phase end that rounding puts at (or before) t would stop time: step past it.
      const double next = until > t ? until : std::nextafter(t, kInf);
      if (bound <= 0) {
        t = next;
        continue;
      }
      const double candidate = t + Exponential(rng_, bound);
      if (candidate >= until) {
        t = next;
        continue;
      }
      t = candidate;
      if (Uniform01(rng_) * bound < Rate(t)) break;
    }
    return t_ = t;
  }

 protected:
  struct Majorant {
    double bound;
    double until;
  };
  virtual double Rate(double t) const = 0;
  virtual Majorant Bound(double t) const = 0;

 private:
  Rng rng_;
  double t_ = 0;
};

class DiurnalProcess : public ThinnedProcess {
 public:
  DiurnalProcess(const DiurnalArrivals& s, uint64_t seed) : ThinnedProcess(seed), s_(s) {}
  double ExpectedCount(double t) const override {
    const double w = 2 * std::numbers::pi / s_.period;
    return s_.mean * t -
           s_.mean * s_.amplitude / w * (std::cos(w * t + s_.phase) - std::cos(s_.phase));
  }

 protected:
  double Rate(double t) const override {
    return s_.mean * (1 + s_.amplitude * std::sin(2 * std::numbers::pi * t / s_.period + s_.phase));
  }
  Majorant Bound(double) const override { return {s_.mean * (1 + s_.amplitude), kInf}; }

 private:
  DiurnalArrivals s_;
};

class OnOffProcess : public ThinnedProcess {
 public:
  OnOffProcess(const OnOffArrivals& s, uint64_t seed) : ThinnedProcess(seed), s_(s) {}
  double ExpectedCount(double t) const override {
    const double cycle = s_.on + s_.off;
    const double whole = std::floor(t / cycle);
    return s_.rate * (whole * s_.on + std::min(t - whole * cycle, s_.on));
  }

 protected:
  double Rate(double t) const override { return Bound(t).bound; }
  Majorant Bound(double t) const override {
    const double cycle = s_.on + s_.off;
    const double start = std::floor(t / cycle) * cycle;
    if (t - start < s_.on) return {s_.rate, start + s_.on};
    return {0, start + cycle};
  }

 private:
  OnOffArrivals s_;
};

class StepProcess : public ThinnedProcess {
 public:
  StepProcess(std::vector<RateStep> steps, uint64_t seed)
      : ThinnedProcess(seed), steps_(std::move(steps)) {}
  double ExpectedCount(double t) const override {
    double n = 0;
    for (size_t i = 0; i < steps_.size() && steps_[i].at < t; ++i) {
      const double end = i + 1 < steps_.size() ? std::min(t, steps_[i + 1].at) : t;
      n += steps_[i].rate * (end - steps_[i].at);
    }
    return n;
  }

 protected:
  double Rate(double t) const override { return Bound(t).bound; }
  Majorant Bound(double t) const override {
    // The first step whose start is after t; the bound is the rate of the one before it.
    const auto next = std::upper_bound(steps_.begin(), steps_.end(), t,
                                       [](double x, const RateStep& s) { return x < s.at; });
    const double until = next == steps_.end() ? kInf : next->at;
    if (next == steps_.begin()) return {0, until};
    return {std::prev(next)->rate, until};
  }

 private:
  std::vector<RateStep> steps_;
};

class SumProcess : public ArrivalProcess {
 public:
  explicit SumProcess(std::vector<std::unique_ptr<ArrivalProcess>> parts)
      : parts_(std::move(parts)) {
    for (auto& p : parts_) next_.push_back(p->Next());
  }
  double Next() override {
    // Parts are few (a handful of patterns), so a scan beats a heap.
    const size_t i = std::min_element(next_.begin(), next_.end()) - next_.begin();
    const double t = next_[i];
    if (std::isfinite(t)) next_[i] = parts_[i]->Next();
    return t;
  }
  double ExpectedCount(double t) const override {
    double n = 0;
    for (const auto& p : parts_) n += p->ExpectedCount(t);
    return n;
  }

 private:
  std::vector<std::unique_ptr<ArrivalProcess>> parts_;
  std::vector<double> next_;
};

}  // namespace

Result<std::unique_ptr<ArrivalProcess>> MakeArrivalProcess(const ArrivalSpec& spec, uint64_t seed) {
  using Ptr = std::unique_ptr<ArrivalProcess>;
  return std::visit(
      [&](const auto& s) -> Result<Ptr> {
        using T = std::decay_t<decltype(s)>;
        if constexpr (std::is_same_v<T, PoissonArrivals>) {
          if (!Positive(s.rate)) return Fail(Invalid("rate must be > 0"));
          return Ptr(new PoissonProcess(s.rate, seed));
        } else if constexpr (std::is_same_v<T, GammaArrivals>) {
          if (!Positive(s.rate)) return Fail(Invalid("rate must be > 0"));
          // Outside this range 1/cv^2 or cv^2/rate overflow and the gaps become NaN; no real
          // traffic is that regular or that bursty.
          if (!(s.cv >= 1e-3 && s.cv <= 1e3)) {
            return Fail(Invalid("cv must be between 0.001 and 1000 (1 is Poisson)"));
          }
          if (!std::isfinite(s.cv * s.cv / s.rate))
            return Fail(Invalid("rate is too small for cv"));
          return Ptr(new GammaProcess(s.rate, s.cv, seed));
        } else if constexpr (std::is_same_v<T, ConstantArrivals>) {
          if (!Positive(s.rate)) return Fail(Invalid("rate must be > 0"));
          return Ptr(new ConstantProcess(s.rate));
        } else if constexpr (std::is_same_v<T, OnOffArrivals>) {
          if (!Positive(s.rate)) return Fail(Invalid("rate must be > 0"));
          if (!Positive(s.on)) return Fail(Invalid("on must be > 0"));
          if (!(s.off >= 0) || !std::isfinite(s.off)) return Fail(Invalid("off must be >= 0"));
          return Ptr(new OnOffProcess(s, seed));
        } else if constexpr (std::is_same_v<T, DiurnalArrivals>) {
          if (!Positive(s.mean)) return Fail(Invalid("mean must be > 0"));
          if (!(s.amplitude >= 0 && s.amplitude <= 1)) {
            return Fail(Invalid("amplitude must be in [0, 1] (the rate cannot go negative)"));
          }
          if (!Positive(s.period)) return Fail(Invalid("period must be > 0"));
          if (!std::isfinite(s.phase)) return Fail(Invalid("phase must be finite"));
          return Ptr(new DiurnalProcess(s, seed));
        } else if constexpr (std::is_same_v<T, StepArrivals>) {
          if (s.steps.empty()) return Fail(Invalid("steps needs at least one step"));
          for (size_t i = 0; i < s.steps.size(); ++i) {
            const RateStep& step = s.steps[i];
            if (!(step.rate >= 0) || !std::isfinite(step.rate)) {
              return Fail(Invalid(fmt::format("steps[{}].rate must be >= 0", i)));
            }
            if (!(step.at >= 0) || !std::isfinite(step.at) ||
                (i > 0 && step.at <= s.steps[i - 1].at)) {
              return Fail(
                  Invalid(fmt::format("steps[{}].at must be >= 0 and after the step "
                                      "before it",
                                      i)));
            }
          }
          return Ptr(new StepProcess(s.steps, seed));
        } else {
          if (s.parts.empty()) return Fail(Invalid("sum needs at least one part"));
          std::vector<Ptr> parts;
          for (size_t i = 0; i < s.parts.size(); ++i) {
            auto part = MakeArrivalProcess(s.parts[i], DeriveSeed(seed, i));
            if (!part) {
              return Fail(Invalid(fmt::format("sum part {}: {}", i, part.error().message)));
            }
            parts.push_back(std::move(*part));
          }
          return Ptr(new SumProcess(std::move(parts)));
        }
      },
      spec.kind);
}

Result<double> ParseRequestRate(const YamlNode& node) {
  AIINFRA_TRY(std::string text, node.Scalar());
  const size_t slash = text.find('/');
  const std::string number = text.substr(0, slash);
  double value = 0;
  const auto [end, ec] = std::from_chars(number.data(), number.data() + number.size(), value);
  double per = 1;
  bool ok = ec == std::errc() && end == number.data() + number.size() && std::isfinite(value) &&
            value >= 0;
  if (ok && slash != std::string::npos) {
    const std::string unit = text.substr(slash + 1);
    if (unit == "s") {
      per = 1;
    } else if (unit == "min") {
      per = 60;
    } else if (unit == "h") {
      per = 3600;
    } else {
      ok = false;
    }
  }
  if (!ok) {
    return Fail(node.Err("expected a request rate: a number per second or N/s, N/min, N/h; got \"" +
                         text + "\""));
  }
  return value / per;
}

namespace {

Result<double> DurationField(YamlMap& map, std::string_view key) {
  AIINFRA_TRY(YamlNode node, map.Required(key));
  return node.Duration();
}

Result<double> RateField(YamlMap& map, std::string_view key) {
  AIINFRA_TRY(YamlNode node, map.Required(key));
  return ParseRequestRate(node);
}

}  // namespace

namespace {

// A `sum` may nest sums; YAML aliases can make that a cycle or an exponential tree, so the
// depth and the number of processes are bounded.
constexpr int kMaxSumDepth = 16;
constexpr int kMaxProcesses = 1000;

Result<ArrivalSpec> ParseArrivalSpecAt(const YamlNode& node, int depth, int& processes);

}  // namespace

Result<ArrivalSpec> ParseArrivalSpec(const YamlNode& node) {
  int processes = 0;
  return ParseArrivalSpecAt(node, 0, processes);
}

namespace {

Result<ArrivalSpec> ParseArrivalSpecAt(const YamlNode& node, int depth, int& processes) {
  if (depth > kMaxSumDepth) {
    return Fail(
        node.Err(fmt::format("sums nest deeper than {} (a YAML alias that refers to "
                             "itself?)",
                             kMaxSumDepth)));
  }
  if (++processes > kMaxProcesses) {
    return Fail(node.Err(
        fmt::format("more than {} arrival processes (aliases repeating a sum?)", kMaxProcesses)));
  }
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  AIINFRA_TRY(YamlNode kind_node, map.Required("kind"));
  AIINFRA_TRY(std::string kind, kind_node.Scalar());
  ArrivalSpec spec;
  if (kind == "poisson") {
    AIINFRA_TRY(double rate, RateField(map, "rate"));
    spec.kind = PoissonArrivals{rate};
  } else if (kind == "gamma") {
    AIINFRA_TRY(double rate, RateField(map, "rate"));
    AIINFRA_TRY(double cv, map.RequiredNumber("cv"));
    spec.kind = GammaArrivals{rate, cv};
  } else if (kind == "constant") {
    AIINFRA_TRY(double rate, RateField(map, "rate"));
    spec.kind = ConstantArrivals{rate};
  } else if (kind == "on_off") {
    OnOffArrivals s;
    AIINFRA_TRY(s.rate, RateField(map, "rate"));
    AIINFRA_TRY(s.on, DurationField(map, "on"));
    AIINFRA_TRY(s.off, DurationField(map, "off"));
    spec.kind = s;
  } else if (kind == "diurnal") {
    DiurnalArrivals s;
    AIINFRA_TRY(s.mean, RateField(map, "mean"));
    AIINFRA_TRY(s.amplitude, map.RequiredNumber("amplitude"));
    AIINFRA_TRY(s.period, DurationField(map, "period"));
    if (auto phase = map.Optional("phase")) {
      AIINFRA_TRY(s.phase, phase->Number());
    }
    spec.kind = s;
  } else if (kind == "steps") {
    StepArrivals s;
    AIINFRA_TRY(YamlNode list, map.Required("steps"));
    AIINFRA_TRY(auto items, list.Items());
    for (const YamlNode& item : items) {
      AIINFRA_TRY(YamlMap step_map, YamlMap::From(item));
      RateStep step;
      AIINFRA_TRY(step.at, DurationField(step_map, "at"));
      AIINFRA_TRY(step.rate, RateField(step_map, "rate"));
      AIINFRA_CHECK_OK(step_map.Finish());
      s.steps.push_back(step);
    }
    spec.kind = std::move(s);
  } else if (kind == "sum") {
    SumArrivals s;
    AIINFRA_TRY(YamlNode list, map.Required("of"));
    AIINFRA_TRY(auto items, list.Items());
    for (const YamlNode& item : items) {
      AIINFRA_TRY(ArrivalSpec part, ParseArrivalSpecAt(item, depth + 1, processes));
      s.parts.push_back(std::move(part));
    }
    spec.kind = std::move(s);
  } else {
    return Fail(
        kind_node.Err("unknown kind \"" + kind +
                      "\"; expected poisson, gamma, constant, on_off, diurnal, steps or sum"));
  }
  AIINFRA_CHECK_OK(map.Finish());
  // Parameter checks live in MakeArrivalProcess; running them here places errors at the node.
  auto checked = MakeArrivalProcess(spec, 0);
  if (!checked) return Fail(node.Err(checked.error().message));
  return spec;
}

}  // namespace

Result<ClosedLoop> ParseClosedLoop(const YamlNode& node) {
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  ClosedLoop loop;
  AIINFRA_TRY(YamlNode users_node, map.Required("users"));
  AIINFRA_TRY(double users, users_node.Number());
  if (users < 1 || users != std::floor(users) || users > 1e7) {
    return Fail(users_node.Err("users must be a whole number >= 1"));
  }
  loop.users = static_cast<int>(users);
  AIINFRA_TRY(YamlNode think, map.Required("think_time"));
  AIINFRA_TRY(loop.think_time, ParseDurationDistribution(think));
  AIINFRA_CHECK_OK(map.Finish());
  return loop;
}

}  // namespace aiinfra::workload
