#include "sim/planner.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace aiinfra::sim {
namespace {

int CeilReplicas(double x) {
  if (!(x > 0)) return 0;
  return static_cast<int>(std::min(std::ceil(x - 1e-9), 1e6));
}

}  // namespace

Result<Predictor> ParsePredictor(std::string_view name) {
  if (name == "constant") return Predictor::kConstant;
  if (name == "moving_average") return Predictor::kMovingAverage;
  if (name == "linear") return Predictor::kLinear;
  return Fail(ErrorCode::kInvalidInput,
              fmt::format("unknown predictor '{}': use constant, moving_average or linear", name));
}

Planner::Planner(PlannerConfig config, EngineProfile prefill, std::optional<EngineProfile> decode)
    : config_(std::move(config)), prefill_(std::move(prefill)), decode_(std::move(decode)) {}

double Planner::Forecast(const std::deque<double>& series) const {
  if (series.empty()) return 0;
  switch (config_.predictor) {
    case Predictor::kConstant:
      return series.back();
    case Predictor::kMovingAverage: {
      double sum = 0;
      for (double v : series) sum += v;
      return sum / static_cast<double>(series.size());
    }
    case Predictor::kLinear: {
      // Least squares over x = 0..n-1, evaluated at x = n.
      const double n = static_cast<double>(series.size());
      if (series.size() < 2) return series.back();
      double sx = 0, sy = 0, sxx = 0, sxy = 0;
      for (size_t i = 0; i < series.size(); ++i) {
        const double x = static_cast<double>(i);
        sx += x;
        sy += series[i];
        sxx += x * x;
        sxy += x * series[i];
      }
      const double slope = (n * sxy - sx * sy) / (n * sxx - sx * sx);
      const double intercept = (sy - slope * sx) / n;
      return std::max(0.0, intercept + slope * n);
    }
  }
  return series.back();
}

double Planner::DecodeThroughput(const EngineProfile& p, double itl, double context) const {
  const double cap = std::max(
      1.0, std::floor(std::min(p.max_batch, p.max_sequences ? p.max_sequences(context) : 1e9)));
  // Step time grows with the batch: binary search for the largest batch within `itl`.
  double lo = 1, hi = cap;
  if (p.decode_step_seconds(1, context) > itl) return 1 / p.decode_step_seconds(1, context);
  while (hi - lo > 0.5) {
    const double mid = std::floor((lo + hi + 1) / 2);
    if (p.decode_step_seconds(mid, context) <= itl) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo / p.decode_step_seconds(lo, context);
}

PlannerDecision Planner::Decide(const PlannerObservation& o) {
  PlannerDecision d;
  const auto keep = [&](std::deque<double>& series, double v) {
    series.push_back(v);
    while (static_cast<int>(series.size()) > std::max(config_.history, 1)) series.pop_front();
  };
  // Lengths are only known from intervals that had requests; keep the last known otherwise.
  if (o.isl > 0) last_isl_ = o.isl;
  if (o.osl > 0) last_osl_ = o.osl;
  keep(requests_, o.requests);
  if (last_isl_ > 0) keep(isl_, last_isl_);
  if (last_osl_ > 0) keep(osl_, last_osl_);

  const EngineProfile& decode_profile = decode_ ? *decode_ : prefill_;
  if (config_.correction) {
    if (o.ttft > 0 && o.isl > 0) prefill_correction_ = o.ttft / prefill_.prefill_seconds(o.isl);
    if (o.itl > 0 && o.decode_batch > 0 && last_isl_ > 0) {
      const double context = last_isl_ + last_osl_ / 2;
      decode_correction_ =
          o.itl / decode_profile.decode_step_seconds(std::max(1.0, o.decode_batch), context);
    }
  }
  d.prefill_correction = prefill_correction_;
  d.decode_correction = decode_correction_;
  d.rate = Forecast(requests_) / config_.interval;
  d.isl = Forecast(isl_);
  d.osl = Forecast(osl_);

  double prefill_need = 0, decode_need = 0;
  if (d.rate > 0 && d.isl > 0) {
    d.prefill_throughput = d.isl / prefill_.prefill_seconds(d.isl);
    prefill_need = d.rate * d.isl * std::min(1.0, prefill_correction_) / d.prefill_throughput;
  }
  if (d.rate > 0 && d.osl > 0) {
    const double itl =
        decode_ ? config_.itl_target / std::max(decode_correction_, 1e-3) : config_.itl_target;
    d.decode_throughput = DecodeThroughput(decode_profile, itl, d.isl + d.osl / 2);
    decode_need = d.rate * d.osl / d.decode_throughput;
  }
  if (!decode_) {
    d.prefill = std::clamp(CeilReplicas(prefill_need + decode_need), config_.min_prefill,
                           config_.max_prefill);
    if (config_.max_gpus > 0) {
      d.prefill = std::max(config_.min_prefill,
                           std::min(d.prefill, config_.max_gpus / std::max(prefill_.gpus, 1)));
    }
    return d;
  }
  d.prefill = std::clamp(CeilReplicas(prefill_need), config_.min_prefill, config_.max_prefill);
  d.decode = std::clamp(CeilReplicas(decode_need), config_.min_decode, config_.max_decode);
  const int gpus = d.prefill * prefill_.gpus + d.decode * decode_->gpus;
  if (config_.max_gpus > 0 && gpus > config_.max_gpus) {
    // Over budget: both pools shrink in proportion, prefill first rounded down.
    const double scale = static_cast<double>(config_.max_gpus) / gpus;
    d.prefill = std::max(config_.min_prefill, static_cast<int>(std::floor(d.prefill * scale)));
    d.decode = std::max(config_.min_decode, (config_.max_gpus - d.prefill * prefill_.gpus) /
                                                std::max(decode_->gpus, 1));
  }
  return d;
}

}  // namespace aiinfra::sim
