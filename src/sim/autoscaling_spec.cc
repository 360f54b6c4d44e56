#include "sim/autoscaling_spec.h"

#include <cmath>
#include <string>

namespace aiinfra::sim {
namespace {

constexpr int kMaxCount = 1'000'000;

// A target: a number, or a duration for latencies ("500ms").
Result<double> Target(const YamlNode& n, const SignalSpec& signal) {
  double v = 0;
  if (auto number = n.Number()) {
    v = *number;
  } else if (signal.latency()) {
    AIINFRA_TRY(v, n.Duration());
  } else {
    return Fail(number.error());
  }
  if (!(v > 0) || !std::isfinite(v)) return Fail(n.Err("target must be > 0"));
  return v;
}

// One metric of an autoscaler: `m` holds metric, target, and optionally window, type,
// activation.
Result<ScaleMetric> ParseScaleMetric(YamlMap& m, bool keda) {
  ScaleMetric out;
  AIINFRA_TRY(YamlNode name, m.Required("metric"));
  AIINFRA_TRY(std::string text, name.Scalar());
  auto signal = ParseSignal(text);
  if (!signal) return Fail(name.Err(signal.error().message));
  out.signal = *signal;
  if (auto n = m.Optional("window")) {
    AIINFRA_TRY(out.signal.window, n->Duration());
    if (!(out.signal.window >= 1 && out.signal.window <= 86400)) {
      return Fail(n->Err("window must be between 1s and 24h"));
    }
  }
  AIINFRA_TRY(YamlNode target, m.Required("target"));
  AIINFRA_TRY(out.target, Target(target, out.signal));
  out.type = out.signal.latency() ? HpaMetricType::kValue
             : keda               ? HpaMetricType::kTotal
                                  : HpaMetricType::kAverage;
  if (auto n = m.Optional("type")) {
    AIINFRA_TRY(std::string type, n->Scalar());
    if (type == "average") {
      out.type = HpaMetricType::kAverage;
    } else if (type == "total") {
      out.type = HpaMetricType::kTotal;
    } else if (type == "value") {
      out.type = HpaMetricType::kValue;
    } else {
      return Fail(
          n->Err("type must be average (a Pods metric: per-replica average), total (an External "
                 "metric with an AverageValue target) or value (a Value target)"));
    }
  }
  if (auto n = m.Optional("activation")) {
    if (!keda) return Fail(n->Err("activation is a KEDA setting: add kind: keda"));
    if (auto number = n->Number()) {
      out.activation = *number;
    } else if (out.signal.latency()) {
      AIINFRA_TRY(out.activation, n->Duration());
    } else {
      return Fail(number.error());
    }
    if (!(out.activation >= 0)) return Fail(n->Err("activation must be >= 0"));
  }
  return out;
}

}  // namespace

Result<ScaleSpec> ParseAutoscaler(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  ScaleSpec s;
  const std::string kind = m.OptionalString("kind", "hpa");
  if (kind != "hpa" && kind != "keda") {
    return Fail(m.Optional("kind")->Err("kind must be hpa or keda"));
  }
  s.keda = kind == "keda";
  AIINFRA_TRY(YamlNode min, m.Required("min"));
  AIINFRA_TRY(s.min, min.Count(s.keda ? 0 : 1, kMaxCount));
  AIINFRA_TRY(YamlNode max, m.Required("max"));
  AIINFRA_TRY(s.max, max.Count(1, kMaxCount));
  if (s.max < s.min) return Fail(max.Err("max must be >= min"));
  if (auto list = m.Optional("metrics")) {
    if (m.Has("metric") || m.Has("target") || m.Has("window")) {
      return Fail(list->Err("give either metric: and target: or a metrics: list, not both"));
    }
    AIINFRA_TRY(std::vector<YamlNode> items, list->Items());
    if (items.empty()) return Fail(list->Err("metrics must list at least one metric"));
    for (const YamlNode& item : items) {
      AIINFRA_TRY(YamlMap im, YamlMap::From(item));
      AIINFRA_TRY(ScaleMetric metric, ParseScaleMetric(im, s.keda));
      AIINFRA_CHECK_OK(im.Finish());
      s.metrics.push_back(metric);
    }
  } else {
    AIINFRA_TRY(ScaleMetric metric, ParseScaleMetric(m, s.keda));
    s.metrics.push_back(metric);
  }
  for (auto [key, field] :
       {std::pair{"sync_period", &s.sync_period}, std::pair{"scale_up_window", &s.scale_up_window},
        std::pair{"scale_down_window", &s.scale_down_window},
        std::pair{"polling_interval", &s.keda_spec.polling_interval},
        std::pair{"cooldown", &s.keda_spec.cooldown}}) {
    if (auto n = m.Optional(key)) {
      const std::string_view k = key;
      if (!s.keda && (k == "polling_interval" || k == "cooldown")) {
        return Fail(n->Err(std::string(k) + " is a KEDA setting: add kind: keda"));
      }
      AIINFRA_TRY(*field, n->Duration());
      const bool period = k == "sync_period" || k == "polling_interval";
      if (period ? !(*field > 0) : !(*field >= 0)) {
        return Fail(n->Err(period ? "must be > 0" : "must be >= 0"));
      }
    }
  }
  s.keda_spec.min_replicas = s.min;
  if (auto n = m.Optional("tolerance")) {
    AIINFRA_TRY(s.tolerance, n->Number());
    if (!(s.tolerance >= 0 && s.tolerance < 1)) return Fail(n->Err("tolerance must be in [0, 1)"));
  }
  AIINFRA_CHECK_OK(m.Finish());
  return s;
}

Result<PlannerConfig> ParsePlanner(const YamlNode& node, bool disaggregated) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  PlannerConfig c;
  if (auto n = m.Optional("interval")) {
    AIINFRA_TRY(c.interval, n->Duration());
    if (!(c.interval >= 1)) return Fail(n->Err("interval must be at least 1s"));
  }
  if (auto n = m.Optional("predictor")) {
    AIINFRA_TRY(std::string name, n->Scalar());
    auto predictor = ParsePredictor(name);
    if (!predictor) return Fail(n->Err(predictor.error().message));
    c.predictor = *predictor;
  }
  if (auto n = m.Optional("history")) {
    AIINFRA_TRY(c.history, n->Count(1, kMaxCount));
  }
  AIINFRA_TRY(YamlNode ttft, m.Required("ttft"));
  AIINFRA_TRY(c.ttft_target, ttft.Duration());
  if (!(c.ttft_target > 0)) return Fail(ttft.Err("ttft must be > 0"));
  AIINFRA_TRY(YamlNode itl, m.Required("itl"));
  AIINFRA_TRY(c.itl_target, itl.Duration());
  if (!(c.itl_target > 0)) return Fail(itl.Err("itl must be > 0"));
  if (auto n = m.Optional("correction")) {
    AIINFRA_TRY(c.correction, n->Bool());
  }
  if (auto n = m.Optional("max_gpus")) {
    AIINFRA_TRY(c.max_gpus, n->Count(1, kMaxCount));
  }
  const auto bounds = [&](const char* key, int& min, int& max) -> Status {
    auto n = m.Optional(key);
    if (!n) return {};
    AIINFRA_TRY(YamlMap b, YamlMap::From(*n));
    if (auto v = b.Optional("min")) {
      AIINFRA_TRY(min, v->Count(1, kMaxCount));
    }
    if (auto v = b.Optional("max")) {
      AIINFRA_TRY(max, v->Count(1, kMaxCount));
    }
    if (max < min) return Fail(n->Err("max must be >= min"));
    return b.Finish();
  };
  if (disaggregated) {
    for (const char* key : {"replicas"}) {
      if (auto n = m.Optional(key)) {
        return Fail(n->Err("a disaggregated planner takes prefill: and decode: bounds"));
      }
    }
    AIINFRA_CHECK_OK(bounds("prefill", c.min_prefill, c.max_prefill));
    AIINFRA_CHECK_OK(bounds("decode", c.min_decode, c.max_decode));
  } else {
    for (const char* key : {"prefill", "decode"}) {
      if (auto n = m.Optional(key)) {
        return Fail(n->Err("an aggregated planner takes replicas: {min, max}"));
      }
    }
    AIINFRA_CHECK_OK(bounds("replicas", c.min_prefill, c.max_prefill));
  }
  AIINFRA_CHECK_OK(m.Finish());
  return c;
}

}  // namespace aiinfra::sim
