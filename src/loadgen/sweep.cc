#include "loadgen/sweep.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <variant>

namespace aiinfra::loadgen {

void StepTimes::Add(const SentRequest& s) {
  constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
  const metrics::RequestRecord& r = s.record;
  Request q{r.t_send, static_cast<double>(s.planned_output), kNaN};
  if (r.outcome() == metrics::Outcome::kOk) {
    ++completed;
    q.asked = r.n_out();
    q.e2e = r.E2e().value_or(kNaN);
    // Chunk times from the record: the first token, then each gap of `weight` chunk tokens.
    const double scale =
        r.chunk_tokens() > 0 ? static_cast<double>(r.n_out()) / r.chunk_tokens() : 0.0;
    uint64_t later = 0;
    r.ForEachItl([&](double, uint64_t weight) { later += weight; });
    const auto add = [&](double t, double tokens) {
      if (!(t >= 0) || !std::isfinite(t)) return;
      const auto i = static_cast<size_t>(t / kBucket);
      if (i >= streamed.size()) streamed.resize(i + 1, 0.0);
      streamed[i] += tokens * scale;
    };
    double t = r.t_first();
    if (std::isfinite(t)) {
      add(t, static_cast<double>(r.chunk_tokens()) - static_cast<double>(later));
      r.ForEachItl([&](double gap, uint64_t weight) {
        t += gap * static_cast<double>(weight);
        add(t, static_cast<double>(weight));
      });
    }
  }
  requests.push_back(q);
}

namespace {

double Quantile(std::vector<double> v, double q) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto k = static_cast<size_t>(q * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

}  // namespace

StepVerdict JudgeStep(const StepTimes& times, double ttft_p90, const SweepSpec& spec) {
  StepVerdict v;
  double first = std::numeric_limits<double>::infinity(), last = -first;
  std::vector<double> e2e;
  for (const auto& q : times.requests) {
    first = std::min(first, q.send);
    last = std::max(last, q.send);
    if (std::isfinite(q.e2e)) e2e.push_back(q.e2e);
  }
  const double x = first + (last - first) / 4;  // the steady window is [x, last]
  const double span = last - x;
  std::vector<std::string> reasons;
  if (times.completed < 2) {
    reasons.push_back(
        fmt::format("{} of {} requests completed", times.completed, times.requests.size()));
  } else if (span > 0) {
    uint64_t sent = 0;
    double asked = 0;
    // Sends in [x, last): the last send is where the window ends, so its tokens always stream
    // after it; leaving it out keeps the window's two edges alike.
    for (const auto& q : times.requests) {
      if (q.send < x || q.send >= last) continue;
      ++sent;
      asked += q.asked;
    }
    // Whole buckets inside the window, and the window's length they cover.
    const auto lo = static_cast<size_t>(std::ceil(x / StepTimes::kBucket));
    const auto hi = static_cast<size_t>(std::floor(last / StepTimes::kBucket));
    double delivered = 0;
    for (size_t i = lo; i < hi && i < times.streamed.size(); ++i) delivered += times.streamed[i];
    const double covered = hi > lo ? static_cast<double>(hi - lo) * StepTimes::kBucket : span;
    v.sent_rate = static_cast<double>(sent) / span;
    v.asked = asked / span;
    v.delivered = delivered / covered;
    v.achieved = v.asked > 0 ? v.sent_rate * v.delivered / v.asked : 0;
    if (v.delivered < spec.min_ratio * v.asked) {
      reasons.push_back(
          fmt::format("delivered {:.4g} tok/s < {:.0f}% of the {:.4g} tok/s asked "
                      "for (the step's last three quarters)",
                      v.delivered, 100 * spec.min_ratio, v.asked));
    }
  }
  if (spec.ttft_limit > 0 && std::isfinite(ttft_p90) && ttft_p90 > spec.ttft_limit) {
    reasons.push_back(fmt::format("TTFT p90 {:.3g} s > limit {:.3g} s", ttft_p90, spec.ttft_limit));
  }
  v.saturated = !reasons.empty();
  for (const std::string& r : reasons) v.reason += (v.reason.empty() ? "" : "; ") + r;
  const double fast = Quantile(e2e, 0.1);
  if (std::isfinite(fast) && x - first < fast) {
    v.warning = fmt::format(
        "the step's first quarter ({:.3g} s) is shorter than the latency of its fastest requests "
        "(e2e p10 {:.3g} s), so the server may still have been filling up: lengthen --duration "
        "or --num-requests for a reliable verdict",
        x - first, fast);
  }
  return v;
}

Result<std::vector<double>> SweepRates(const SweepSpec& spec) {
  if (!(spec.min_ratio > 0 && spec.min_ratio <= 1)) {
    return Fail(ErrorCode::kUsage,
                fmt::format("the sweep's ratio must be in (0, 1], got {}", spec.min_ratio));
  }
  if (!(spec.ttft_limit >= 0)) {
    return Fail(ErrorCode::kUsage, "--sweep-ttft-limit must be a duration >= 0");
  }
  if (!spec.rates.empty()) {
    for (size_t i = 0; i < spec.rates.size(); ++i) {
      const double r = spec.rates[i];
      if (!(r > 0) || !std::isfinite(r)) {
        return Fail(ErrorCode::kUsage,
                    fmt::format("--sweep-rates: rate {} is {}; give rates > 0 req/s", i + 1, r));
      }
      if (i > 0 && r <= spec.rates[i - 1]) {
        return Fail(ErrorCode::kUsage, fmt::format("--sweep-rates must increase: {} follows {}", r,
                                                   spec.rates[i - 1]));
      }
    }
    return spec.rates;
  }
  if (!(spec.start > 0) || !std::isfinite(spec.start)) {
    return Fail(ErrorCode::kUsage, "the sweep's first rate (--rate) must be > 0 req/s");
  }
  if (!(spec.factor > 1) || !std::isfinite(spec.factor)) {
    return Fail(ErrorCode::kUsage, fmt::format("--sweep-factor must be > 1, got {}", spec.factor));
  }
  if (spec.max_steps < 1) {
    return Fail(ErrorCode::kUsage,
                fmt::format("--sweep-max-steps must be >= 1, got {}", spec.max_steps));
  }
  std::vector<double> rates;
  for (int k = 0; k < spec.max_steps; ++k) rates.push_back(spec.start * std::pow(spec.factor, k));
  return rates;
}

Result<workload::ArrivalSpec> WithRate(const workload::ArrivalSpec& arrivals, double rate) {
  workload::ArrivalSpec out = arrivals;
  if (auto* p = std::get_if<workload::PoissonArrivals>(&out.kind)) {
    p->rate = rate;
  } else if (auto* g = std::get_if<workload::GammaArrivals>(&out.kind)) {
    g->rate = rate;
  } else if (auto* c = std::get_if<workload::ConstantArrivals>(&out.kind)) {
    c->rate = rate;
  } else {
    return Fail(ErrorCode::kUsage, "a sweep sets the rate of a poisson, gamma or constant process");
  }
  return out;
}

Result<SweepResult> RunSweep(const LoadSpec& base, const SweepSpec& sweep,
                             const metrics::CollectorOptions& collector_options,
                             const std::function<void(int, const SentRequest&)>& on_request,
                             const std::function<void(int, double)>& on_step,
                             const std::function<void(uint64_t, uint64_t)>& progress) {
  if (!base.arrivals) {
    return Fail(ErrorCode::kUsage,
                "a sweep raises an open loop's rate: give --rate, not "
                "--concurrency or --trace");
  }
  AIINFRA_TRY(std::vector<double> rates, SweepRates(sweep));
  SweepResult result;
  double offset = 0;
  for (size_t k = 0; k < rates.size(); ++k) {
    const int step = static_cast<int>(k);
    LoadSpec spec = base;
    AIINFRA_TRY(spec.arrivals, WithRate(*base.arrivals, rates[k]));
    spec.seed = base.seed + k;
    if (on_step) on_step(step, rates[k]);
    metrics::MetricsCollector collector(collector_options);
    StepTimes times;
    const auto forward = [&](const SentRequest& r) {
      times.Add(r);
      if (on_request) on_request(step, r);
    };
    AIINFRA_TRY(LoadResult load, RunLoad(spec, collector, forward, progress));
    SweepStep s;
    s.rate = rates[k];
    s.offset = offset;
    s.load = std::move(load);
    s.times = times;
    s.summary = collector.Summarize();
    s.verdict = JudgeStep(
        times,
        s.summary.overall.metrics[static_cast<size_t>(metrics::MetricId::kTtft)].percentiles[1],
        sweep);
    offset += s.load.wall_seconds;
    const bool saturated = s.verdict.saturated;
    result.steps.push_back(std::move(s));
    if (saturated) {
      result.saturated = step;
      break;
    }
  }
  return result;
}

}  // namespace aiinfra::loadgen
