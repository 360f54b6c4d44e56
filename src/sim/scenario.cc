#include "sim/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <unordered_map>

#include "common/units.h"
#include "common/yaml.h"
#include "perf/perf_model.h"
#include "workload/generator.h"

namespace aiinfra::sim {
namespace {

Result<double> Seconds(const YamlNode& n) {
  AIINFRA_TRY(std::string text, n.Scalar());
  auto d = ParseDuration(text);
  if (!d) return Fail(n.Err(d.error().message));
  return *d;
}

Result<int> Count(const YamlNode& n, int min) {
  AIINFRA_TRY(double v, n.Number());
  if (v != std::floor(v) || v < min || v > 1e6) {
    return Fail(n.Err(fmt::format("expected a whole number >= {}", min)));
  }
  return static_cast<int>(v);
}

Result<ReplicaConfig> ParseEngine(const YamlNode& node, double& memory_utilization) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  ReplicaConfig e;
  if (auto n = m.Optional("max_num_seqs")) {
    AIINFRA_TRY(e.max_num_seqs, Count(*n, 1));
  }
  if (auto n = m.Optional("max_num_batched_tokens")) {
    AIINFRA_TRY(e.max_num_batched_tokens, Count(*n, 1));
  }
  if (auto n = m.Optional("chunked_prefill")) {
    AIINFRA_TRY(e.chunked_prefill, n->Bool());
  }
  if (auto n = m.Optional("prefix_caching")) {
    AIINFRA_TRY(e.prefix_caching, n->Bool());
  }
  if (auto n = m.Optional("block_size")) {
    AIINFRA_TRY(e.block_size, Count(*n, 1));
  }
  if (auto n = m.Optional("gpu_memory_utilization")) {
    AIINFRA_TRY(memory_utilization, n->Number());
    if (!(memory_utilization > 0 && memory_utilization <= 1)) {
      return Fail(n->Err("gpu_memory_utilization must be in (0, 1]"));
    }
  }
  AIINFRA_CHECK_OK(m.Finish());
  return e;
}

// A target: a number, or a duration for latencies ("500ms").
Result<double> Target(const YamlNode& n, const SignalSpec& signal) {
  double v = 0;
  if (auto number = n.Number()) {
    v = *number;
  } else if (signal.latency()) {
    AIINFRA_TRY(v, Seconds(n));
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
    AIINFRA_TRY(out.signal.window, Seconds(*n));
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
      AIINFRA_TRY(out.activation, Seconds(*n));
    } else {
      return Fail(number.error());
    }
    if (!(out.activation >= 0)) return Fail(n->Err("activation must be >= 0"));
  }
  return out;
}

Result<ScaleSpec> ParseAutoscaler(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  ScaleSpec s;
  const std::string kind = m.OptionalString("kind", "hpa");
  if (kind != "hpa" && kind != "keda") {
    return Fail(m.Optional("kind")->Err("kind must be hpa or keda"));
  }
  s.keda = kind == "keda";
  AIINFRA_TRY(YamlNode min, m.Required("min"));
  AIINFRA_TRY(s.min, Count(min, s.keda ? 0 : 1));
  AIINFRA_TRY(YamlNode max, m.Required("max"));
  AIINFRA_TRY(s.max, Count(max, 1));
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
      AIINFRA_TRY(*field, Seconds(*n));
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

Result<PlannerScenario> ParsePlanner(const YamlNode& node, bool disaggregated) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  PlannerScenario p;
  PlannerConfig& c = p.config;
  if (auto n = m.Optional("interval")) {
    AIINFRA_TRY(c.interval, Seconds(*n));
    if (!(c.interval >= 1)) return Fail(n->Err("interval must be at least 1s"));
  }
  if (auto n = m.Optional("predictor")) {
    AIINFRA_TRY(std::string name, n->Scalar());
    auto predictor = ParsePredictor(name);
    if (!predictor) return Fail(n->Err(predictor.error().message));
    c.predictor = *predictor;
  }
  if (auto n = m.Optional("history")) {
    AIINFRA_TRY(c.history, Count(*n, 1));
  }
  AIINFRA_TRY(YamlNode ttft, m.Required("ttft"));
  AIINFRA_TRY(c.ttft_target, Seconds(ttft));
  if (!(c.ttft_target > 0)) return Fail(ttft.Err("ttft must be > 0"));
  AIINFRA_TRY(YamlNode itl, m.Required("itl"));
  AIINFRA_TRY(c.itl_target, Seconds(itl));
  if (!(c.itl_target > 0)) return Fail(itl.Err("itl must be > 0"));
  if (auto n = m.Optional("correction")) {
    AIINFRA_TRY(c.correction, n->Bool());
  }
  if (auto n = m.Optional("max_gpus")) {
    AIINFRA_TRY(c.max_gpus, Count(*n, 1));
  }
  const auto bounds = [&](const char* key, int& min, int& max) -> Status {
    auto n = m.Optional(key);
    if (!n) return {};
    AIINFRA_TRY(YamlMap b, YamlMap::From(*n));
    if (auto v = b.Optional("min")) {
      AIINFRA_TRY(min, Count(*v, 1));
    }
    if (auto v = b.Optional("max")) {
      AIINFRA_TRY(max, Count(*v, 1));
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
  return p;
}

Result<ColdStartSpec> ParseColdStart(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  ColdStartSpec c;
  if (auto n = m.Optional("scheduling")) {
    AIINFRA_TRY(c.scheduling, Seconds(*n));
  }
  if (auto n = m.Optional("image_pull")) {
    AIINFRA_TRY(c.image_pull, Seconds(*n));
  }
  if (auto n = m.Optional("warmup")) {
    AIINFRA_TRY(c.warmup, Seconds(*n));
  }
  if (auto n = m.Optional("storage_bandwidth")) {
    AIINFRA_TRY(std::string text, n->Scalar());
    auto rate = ParseRate(text);
    if (!rate) return Fail(n->Err(rate.error().message));
    c.storage_bandwidth = *rate;
  }
  AIINFRA_CHECK_OK(m.Finish());
  return c;
}

Result<PoolScenario> ParsePool(const YamlNode& node, Location& system_at) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  PoolScenario p;
  AIINFRA_TRY(YamlNode system, m.Required("system"));
  AIINFRA_TRY(p.system, system.Scalar());
  system_at = system.Err("").where;
  if (auto n = m.Optional("tp")) {
    AIINFRA_TRY(p.parallel.tp, Count(*n, 1));
  }
  if (auto n = m.Optional("pp")) {
    AIINFRA_TRY(p.parallel.pp, Count(*n, 1));
  }
  if (auto n = m.Optional("ep")) {
    AIINFRA_TRY(p.parallel.ep, Count(*n, 1));
  }
  if (auto n = m.Optional("dp_attention")) {
    AIINFRA_TRY(p.parallel.dp_attention, Count(*n, 1));
  }
  if (auto n = m.Optional("replicas")) {
    AIINFRA_TRY(p.replicas, Count(*n, 0));
  }
  if (auto n = m.Optional("engine")) {
    AIINFRA_TRY(p.engine, ParseEngine(*n, p.gpu_memory_utilization));
  }
  if (auto n = m.Optional("autoscaler")) {
    AIINFRA_TRY(p.autoscaler, ParseAutoscaler(*n));
  }
  if (auto n = m.Optional("cold_start")) {
    AIINFRA_TRY(p.cold_start, ParseColdStart(*n));
  }
  AIINFRA_CHECK_OK(m.Finish());
  return p;
}

}  // namespace

Result<Scenario> ParseScenario(std::string_view text, const std::string& file) {
  AIINFRA_TRY(YamlNode root, ParseYaml(text, file));
  AIINFRA_TRY(YamlMap m, YamlMap::From(root));
  Scenario s;
  s.file = file;
  s.name = m.OptionalString("name", "scenario");
  s.description = m.OptionalString("description");
  s.label = m.OptionalString("label", s.name);
  if (auto n = m.Optional("compare")) {
    AIINFRA_TRY(std::vector<YamlNode> items, n->Items());
    for (const YamlNode& item : items) {
      AIINFRA_TRY(YamlMap v, YamlMap::From(item));
      ScenarioVariant variant;
      AIINFRA_TRY(YamlNode label, v.Required("label"));
      AIINFRA_TRY(variant.label, label.Scalar());
      for (const ScenarioVariant& other : s.compare) {
        if (other.label == variant.label || variant.label == s.label) {
          return Fail(label.Err("labels must differ from each other and from the scenario's"));
        }
      }
      AIINFRA_TRY(YamlNode set, v.Required("set"));
      AIINFRA_TRY(YamlMap fields, YamlMap::From(set));
      for (const std::string& key : fields.Keys()) {
        AIINFRA_TRY(YamlNode value, fields.Required(key));
        if (key.starts_with("compare")) return Fail(value.Err("a variant cannot change compare"));
        // A scalar as it is; a mapping or list as flow YAML, which SetYamlPath reads back.
        std::string text;
        if (value.IsScalar()) {
          AIINFRA_TRY(text, value.Scalar());
        } else {
          YAML::Emitter out;
          out.SetMapFormat(YAML::Flow);
          out.SetSeqFormat(YAML::Flow);
          out << value.node;
          text = out.c_str();
        }
        variant.set.emplace_back(key, text);
      }
      AIINFRA_CHECK_OK(fields.Finish());
      AIINFRA_CHECK_OK(v.Finish());
      s.compare.push_back(std::move(variant));
    }
  }
  if (auto n = m.Optional("seed")) {
    AIINFRA_TRY(double seed, n->Number());
    if (seed < 0 || seed != std::floor(seed)) return Fail(n->Err("seed must be a whole number"));
    s.seed = static_cast<uint64_t>(seed);
  }
  if (auto n = m.Optional("duration")) {
    AIINFRA_TRY(s.duration, Seconds(*n));
  }
  AIINFRA_TRY(YamlNode model, m.Required("model"));
  AIINFRA_TRY(s.model, model.Scalar());
  s.model_at = model.Err("").where;
  for (auto [key, dtype] : {std::pair{"weights", &s.weights}, std::pair{"kv_cache", &s.kv}}) {
    if (auto n = m.Optional(key)) {
      AIINFRA_TRY(std::string name, n->Scalar());
      auto d = model::ParseDtype(name);
      if (!d) return Fail(n->Err(d.error().message));
      *dtype = *d;
    }
  }
  const bool aggregated = m.Has("deployment");
  const bool split = m.Has("prefill") || m.Has("decode");
  if (aggregated == split) {
    return Fail(
        root.Err("give either deployment: (aggregated serving) or prefill: and decode: "
                 "(disaggregated)"));
  }
  if (aggregated) {
    AIINFRA_TRY(YamlNode d, m.Required("deployment"));
    AIINFRA_TRY(s.pool, ParsePool(d, s.pool_system_at));
  } else {
    AIINFRA_TRY(YamlNode p, m.Required("prefill"));
    AIINFRA_TRY(s.pool, ParsePool(p, s.pool_system_at));
    AIINFRA_TRY(YamlNode d, m.Required("decode"));
    Location at;
    AIINFRA_TRY(PoolScenario decode, ParsePool(d, at));
    s.decode = decode;
    s.decode_system_at = at;
    if (auto n = m.Optional("kv_transfer")) {
      AIINFRA_TRY(YamlMap x, YamlMap::From(*n));
      const std::string network = x.OptionalString("network", "scale-out");
      if (network != "scale-out" && network != "scale-up") {
        return Fail(x.Optional("network")->Err("network must be scale-out or scale-up"));
      }
      s.kv_over_scale_up = network == "scale-up";
      AIINFRA_CHECK_OK(x.Finish());
    }
  }
  if (auto n = m.Optional("planner")) {
    AIINFRA_TRY(s.planner, ParsePlanner(*n, s.decode.has_value()));
    s.planner_at = n->Err("").where;
    if (s.pool.autoscaler || (s.decode && s.decode->autoscaler)) {
      return Fail(n->Err("the planner sizes the pools itself: remove the pools' autoscaler"));
    }
  }
  if (auto n = m.Optional("cluster")) {
    AIINFRA_TRY(YamlMap c, YamlMap::From(*n));
    s.cluster_at = n->Err("").where;
    for (const std::string& key : c.Keys()) {
      AIINFRA_TRY(YamlNode v, c.Required(key));
      AIINFRA_TRY(s.cluster[key], Count(v, 1));
    }
    AIINFRA_CHECK_OK(c.Finish());
    if (s.cluster.empty()) return Fail(n->Err("cluster must name at least one system"));
  }
  if (auto n = m.Optional("router")) {
    AIINFRA_TRY(YamlMap r, YamlMap::From(*n));
    if (auto p = r.Optional("policy")) {
      AIINFRA_TRY(std::string name, p->Scalar());
      auto policy = ParseRoutePolicy(name);
      if (!policy) return Fail(p->Err(policy.error().message));
      s.router.policy = *policy;
    }
    for (auto [key, weight] : {std::pair{"queue_weight", &s.router.queue_weight},
                               std::pair{"kv_weight", &s.router.kv_weight},
                               std::pair{"prefix_weight", &s.router.prefix_weight}}) {
      if (auto w = r.Optional(key)) {
        AIINFRA_TRY(*weight, w->Number());
      }
    }
    AIINFRA_CHECK_OK(r.Finish());
  }
  s.router.seed = s.seed;
  if (auto n = m.Optional("slos")) {
    AIINFRA_TRY(std::string text, n->Scalar());
    auto slos = metrics::ParseSloSet(text);
    if (!slos) return Fail(n->Err(slos.error().message));
    s.slos = *slos;
  }
  std::optional<YamlNode> class_slos = m.Optional("class_slos");
  AIINFRA_TRY(YamlNode w, m.Required("workload"));
  AIINFRA_TRY(s.workload, workload::ParseWorkloadSpec(w));
  if (!s.workload.seed) s.workload.seed = s.seed;
  if (!s.workload.duration) s.workload.duration = s.duration;
  // Prefix hashes must cut prompts into the engine's blocks to find cached ones.
  s.workload.block_size = s.pool.engine.block_size;
  if (class_slos) {
    AIINFRA_TRY(YamlMap c, YamlMap::From(*class_slos));
    for (const std::string& key : c.Keys()) {
      bool known = false;
      for (const auto& k : s.workload.classes) known |= k.name == key;
      AIINFRA_TRY(YamlNode v, c.Required(key));
      if (!known) return Fail(v.Err("no workload class is named " + key));
      AIINFRA_TRY(std::string text, v.Scalar());
      auto slos = metrics::ParseSloSet(text);
      if (!slos) return Fail(v.Err(slos.error().message));
      s.class_slos[key] = *slos;
    }
    AIINFRA_CHECK_OK(c.Finish());
  }
  AIINFRA_CHECK_OK(m.Finish());
  return s;
}

namespace {

// Workload requests as the simulator's sequences: the open-loop stream, and closed-loop users
// who send their next request a think time after their previous one ended.
class GeneratorSource : public ArrivalSource {
 public:
  explicit GeneratorSource(workload::WorkloadGenerator& g) : g_(g) {}
  std::optional<Arrival> Next() override {
    auto r = g_.Next();
    if (!r) {
      error = r.error();
      return std::nullopt;
    }
    if (!*r) return std::nullopt;
    return ToArrival(**r);
  }
  std::vector<Arrival> Start() override {
    std::vector<Arrival> out;
    for (int c = 0; c < static_cast<int>(g_.class_names().size()); ++c) {
      for (int u = 0; u < g_.ClosedLoopUsers(c); ++u) out.push_back(Send(c, u, 0));
    }
    return out;
  }
  std::optional<Arrival> FollowUp(const Sequence& ended, double t) override {
    const auto it = users_.find(ended.id);
    if (it == users_.end()) return std::nullopt;
    const auto [c, u] = it->second;
    users_.erase(it);
    const double at = t + g_.NextThinkTime(c, u);
    if (!(at <= g_.horizon())) return std::nullopt;  // the run ends before the user sends
    return Send(c, u, at);
  }
  std::optional<Error> error;

 private:
  Arrival Send(int c, int u, double at) {
    Arrival a = ToArrival(g_.NextClosedLoopRequest(c, u, at));
    users_[a.seq->id] = {c, u};
    return a;
  }
  static Arrival ToArrival(const workload::RequestSpec& spec) {
    auto s = std::make_unique<Sequence>();
    s->id = spec.id;
    s->class_index = spec.class_index;
    s->arrival = spec.arrival;
    s->n_in = static_cast<int32_t>(std::min<int64_t>(spec.input_tokens, INT32_MAX));
    s->n_out = static_cast<int32_t>(std::min<int64_t>(spec.output_tokens, INT32_MAX));
    s->hashes = spec.prefix_hashes;
    return Arrival{std::move(s), spec.session_id};
  }

  workload::WorkloadGenerator& g_;
  std::unordered_map<uint64_t, std::pair<int, int>> users_;  // request in flight -> (class, user)
};

// Sequences into request records, the collector and the time series.
class MetricsObserver : public SimObserver {
 public:
  MetricsObserver(metrics::MetricsCollector& collector, metrics::TimeSeries& series,
                  std::vector<ScaleEvent>& scales, const RunOptions& options,
                  std::vector<std::string> class_names, double horizon,
                  std::array<std::vector<std::vector<double>>, 3>& samples, uint64_t seed)
      : samples_(samples),
        rng_(seed),
        collector_(collector),
        series_(series),
        scales_(scales),
        options_(options),
        class_names_(std::move(class_names)),
        horizon_(horizon) {
    if (options_.requests_csv) Keep(options_.requests_csv->Write(metrics::RecordCsvHeader()));
  }
  std::optional<Error> write_error;

  void OnToken(const Sequence& seq, int, int replica, double t) override {
    metrics::RequestRecord& r = Record(seq);
    if (r.token_chunks() == 0) series_.ObserveTtft(t, t - seq.arrival);
    r.AddChunk(t, 1);
    r.replica = replica;
    series_.Count(metrics::TimeSeries::kOutputTokens, t);
  }
  void OnFinish(std::unique_ptr<Sequence> seq, int, int, double t) override {
    metrics::RequestRecord& r = Record(*seq);
    r.Finish(metrics::Outcome::kOk, t);
    Done(*seq, r);
    series_.Count(metrics::TimeSeries::kCompletions, t);
  }
  void OnUnfinished(std::unique_ptr<Sequence> seq, double t) override {
    metrics::RequestRecord& r = Record(*seq);
    r.Finish(metrics::Outcome::kUnfinished, t);
    Done(*seq, r);
  }
  void OnSample(const PoolSample& p) override {
    using TS = metrics::TimeSeries;
    if (options_.progress && p.pool == 0) options_.progress(p.time, horizon_);
    // Pools are summed: the loop reports every pool's sample of a tick one after the other
    // (a disaggregated run has two per tick).
    PoolSample& acc = tick_;
    acc.running += p.running;
    acc.waiting += p.waiting;
    acc.replicas_ready += p.replicas_ready;
    acc.replicas_starting += p.replicas_starting;
    acc.kv_usage = std::max(acc.kv_usage, p.kv_usage);
    if (++tick_pools_ == pools) {
      series_.Set(TS::kRunning, p.time, static_cast<double>(acc.running));
      series_.Set(TS::kWaiting, p.time, static_cast<double>(acc.waiting));
      series_.Set(TS::kReplicasReady, p.time, acc.replicas_ready);
      series_.Set(TS::kReplicasStarting, p.time, acc.replicas_starting);
      series_.Set(TS::kKvUsage, p.time, acc.kv_usage);
      tick_ = {};
      tick_pools_ = 0;
    }
  }
  void OnScale(const ScaleEvent& e) override { scales_.push_back(e); }

  void Arrived(const Sequence& seq) {
    series_.Count(metrics::TimeSeries::kArrivals, seq.arrival);
    series_.Count(metrics::TimeSeries::kInputTokens, seq.arrival, seq.n_in);
  }
  int pools = 1;

 private:
  metrics::RequestRecord& Record(const Sequence& seq) {
    auto [it, fresh] = records_.try_emplace(seq.id, seq.arrival);
    if (fresh) {
      it->second.n_in = static_cast<uint32_t>(seq.n_in);
      it->second.class_index = static_cast<uint32_t>(seq.class_index);
    }
    return it->second;
  }
  void Done(const Sequence& seq, metrics::RequestRecord& r) {
    if (seq.t_sched >= 0) r.t_sched = seq.t_sched;
    r.n_cached = static_cast<uint32_t>(seq.cached_tokens);
    collector_.Add(r);
    if (r.outcome() == metrics::Outcome::kOk) Sample(seq.class_index, r);
    if (options_.requests_csv && !write_error) {
      const size_t c = static_cast<size_t>(seq.class_index);
      Keep(options_.requests_csv->Write(
          metrics::RecordCsvRow(r, c < class_names_.size() ? class_names_[c] : "")));
    }
    records_.erase(seq.id);
  }

  // Reservoir sampling per (metric, class): each completed request is kept with probability
  // kLatencySamples / seen.
  void Sample(int c, const metrics::RequestRecord& r) {
    const std::optional<double> values[3] = {r.Ttft(), r.Tpot(), r.E2e()};
    const size_t cls = static_cast<size_t>(std::max(c, 0));
    if (seen_.size() <= cls) seen_.resize(cls + 1);
    const uint64_t n = ++seen_[cls];
    const uint64_t slot = n <= ScenarioResult::kLatencySamples ? n - 1 : rng_() % n;
    for (size_t m = 0; m < 3; ++m) {
      auto& per_class = samples_[m];
      if (per_class.size() <= cls) per_class.resize(cls + 1);
      auto& v = per_class[cls];
      if (!values[m]) continue;
      if (slot < ScenarioResult::kLatencySamples) {
        if (slot < v.size()) {
          v[slot] = *values[m];
        } else {
          v.push_back(*values[m]);
        }
      }
    }
  }

  std::array<std::vector<std::vector<double>>, 3>& samples_;
  std::vector<uint64_t> seen_;
  std::mt19937_64 rng_;

  void Keep(const Status& s) {
    if (!s && !write_error) write_error = s.error();
  }

  metrics::MetricsCollector& collector_;
  metrics::TimeSeries& series_;
  std::vector<ScaleEvent>& scales_;
  const RunOptions& options_;
  std::vector<std::string> class_names_;
  double horizon_;
  std::unordered_map<uint64_t, metrics::RequestRecord> records_;  // in flight only
  PoolSample tick_;  // the current tick's pools, summed
  int tick_pools_ = 0;
};

// A source that tells the observer about each arrival.
class CountingSource : public ArrivalSource {
 public:
  CountingSource(ArrivalSource& inner, MetricsObserver& observer)
      : inner_(inner), observer_(observer) {}
  std::optional<Arrival> Next() override { return Seen(inner_.Next()); }
  std::vector<Arrival> Start() override {
    std::vector<Arrival> all = inner_.Start();
    for (const Arrival& a : all) observer_.Arrived(*a.seq);
    return all;
  }
  std::optional<Arrival> FollowUp(const Sequence& ended, double t) override {
    return Seen(inner_.FollowUp(ended, t));
  }

 private:
  std::optional<Arrival> Seen(std::optional<Arrival> a) {
    if (a) observer_.Arrived(*a->seq);
    return a;
  }

  ArrivalSource& inner_;
  MetricsObserver& observer_;
};

struct BuiltPool {
  std::shared_ptr<const perf::PerfModel> model;
  PoolSpec spec;
  EngineProfile profile;  // for the planner
  double cold_start = 0;
  int64_t blocks = 0;
};

Result<BuiltPool> BuildPool(const Scenario& s, const PoolScenario& p, const Location& system_at,
                            const model::Architecture& arch, const Catalogs& c,
                            perf::CommCache& comm) {
  auto system = c.hardware->FindSystem(p.system);
  if (!system) return Fail(Error{ErrorCode::kInvalidInput, system.error().message, system_at});
  perf::Deployment d;
  d.model = arch;
  d.weights = model::WeightPlan::Default(s.weights);
  d.kv = s.kv;
  d.system = **system;
  d.parallel = p.parallel;
  d.engine.max_num_seqs = p.engine.max_num_seqs;
  d.engine.max_num_batched_tokens = p.engine.max_num_batched_tokens;
  d.engine.gpu_memory_utilization = p.gpu_memory_utilization;
  auto model = perf::PerfModel::Create(d, c.calibration->For(d.system.accelerator.id), comm);
  if (!model) return Fail(Error{ErrorCode::kInvalidInput, model.error().message, system_at});
  BuiltPool out;
  out.model = std::make_shared<const perf::PerfModel>(std::move(*model));
  out.blocks = KvBlocksFor(*out.model, p.engine.block_size);
  if (out.blocks <= 0) {
    return Fail(
        Error{ErrorCode::kInvalidInput,
              fmt::format("{} does not fit on {} GPUs of {} with these weights: "
                          "{:.1f} GB of weights per GPU leave no room for the KV cache; "
                          "raise tp/pp or use narrower weights",
                          s.model, d.gpus(), p.system, out.model->memory().weights_per_gpu / 1e9),
              system_at});
  }
  out.spec.replica = p.engine;
  out.spec.replica.num_blocks = out.blocks;
  const ReplicaConfig cfg = out.spec.replica;
  auto shared = out.model;
  out.spec.make_replica = [cfg, shared] { return Replica::ForModel(cfg, *shared, 0); };
  out.spec.initial_replicas = p.replicas;
  out.spec.router = s.router;
  const double weight_bytes = out.model->memory().weights_per_gpu * d.gpus();
  out.spec.cold_start = {.scheduling = p.cold_start.scheduling,
                         .image_pull = p.cold_start.image_pull,
                         .weight_load = p.cold_start.storage_bandwidth > 0
                                            ? weight_bytes / p.cold_start.storage_bandwidth
                                            : 0,
                         .warmup = p.cold_start.warmup};
  out.cold_start = out.spec.cold_start.total();
  out.spec.gpus = d.gpus();
  if (p.autoscaler) {
    AutoscalerSpec a;
    // KEDA's HPA never goes below 1: scaling to and from zero is KEDA's own.
    a.hpa.min_replicas = std::max(p.autoscaler->min, 1);
    a.hpa.max_replicas = p.autoscaler->max;
    a.hpa.tolerance = p.autoscaler->tolerance;
    a.hpa.sync_period = p.autoscaler->sync_period;
    a.hpa.scale_up.stabilization_window = p.autoscaler->scale_up_window;
    a.hpa.scale_down.stabilization_window = p.autoscaler->scale_down_window;
    a.metrics = p.autoscaler->metrics;
    if (p.autoscaler->keda) a.keda = p.autoscaler->keda_spec;
    out.spec.autoscaler = a;
  }
  out.profile.gpus = d.gpus();
  out.profile.max_batch = p.engine.max_num_seqs;
  out.profile.prefill_seconds = [shared](double isl) {
    return shared->Step(shared->Prefill(isl)).total;
  };
  out.profile.decode_step_seconds = [shared](double batch, double context) {
    return shared->Step(shared->Decode(context, batch)).total;
  };
  out.profile.max_sequences = [shared](double context) { return shared->MaxSequences(context); };
  return out;
}

// The cluster's systems as capacities, and each pool's index among them. The initial replicas
// must fit (GPU totals per system; replicas larger than a system take whole systems).
Status PlaceOnCluster(const Scenario& s, const Catalogs& c, ClusterSpec& cluster) {
  if (s.cluster.empty()) return {};
  std::vector<std::string> names;
  for (const auto& [name, count] : s.cluster) {
    auto system = c.hardware->FindSystem(name);
    if (!system) return Fail(Error{ErrorCode::kInvalidInput, system.error().message, s.cluster_at});
    names.push_back((*system)->id);
    cluster.capacity.push_back({count, (*system)->accelerator_count()});
  }
  std::vector<int> used(names.size(), 0);
  const auto assign = [&](PoolSpec& pool, const PoolScenario& p, const Location& at) -> Status {
    auto system = c.hardware->FindSystem(p.system);
    const auto it = std::find(names.begin(), names.end(), (*system)->id);
    if (it == names.end()) {
      return Fail(Error{ErrorCode::kInvalidInput,
                        fmt::format("system {} is not in the cluster: add it to cluster: ({} "
                                    "are there)",
                                    p.system, fmt::join(names, ", ")),
                        at});
    }
    pool.system = static_cast<int>(it - names.begin());
    const SystemCapacity& cap = cluster.capacity[pool.system];
    const int per_replica =
        pool.gpus <= cap.gpus_per_system
            ? pool.gpus
            : (pool.gpus + cap.gpus_per_system - 1) / cap.gpus_per_system * cap.gpus_per_system;
    used[pool.system] += per_replica * pool.initial_replicas;
    if (used[pool.system] > cap.count * cap.gpus_per_system) {
      return Fail(Error{ErrorCode::kInvalidInput,
                        fmt::format("the initial replicas need {} GPUs of {}; the cluster has {} "
                                    "({} x {}): lower replicas or raise the count",
                                    used[pool.system], p.system, cap.count * cap.gpus_per_system,
                                    cap.count, cap.gpus_per_system),
                        at});
    }
    return {};
  };
  AIINFRA_CHECK_OK(assign(cluster.pool, s.pool, s.pool_system_at));
  if (cluster.decode) {
    AIINFRA_CHECK_OK(assign(*cluster.decode, *s.decode, s.decode_system_at));
  }
  return {};
}

}  // namespace

Result<ScenarioResult> RunScenario(const Scenario& s, const Catalogs& c,
                                   const RunOptions& run_options) {
  Result<model::Architecture> arch = Fail(ErrorCode::kNotFound, "");
  if (c.env) {
    arch = model::ResolveModel(*c.models, s.model, *c.env);
  } else if (auto found = c.models->Find(s.model); found) {
    arch = **found;
  } else {
    arch = std::unexpected(found.error());
  }
  if (!arch) return Fail(Error{ErrorCode::kInvalidInput, arch.error().message, s.model_at});
  perf::CommCache comm(*c.tuning);
  AIINFRA_TRY(BuiltPool pool, BuildPool(s, s.pool, s.pool_system_at, *arch, c, comm));
  ClusterSpec cluster;
  cluster.pool = pool.spec;
  std::optional<BuiltPool> decode;
  int gpus = pool.model->gpus() * std::max(s.pool.replicas, 1);
  if (s.decode) {
    AIINFRA_TRY(decode, BuildPool(s, *s.decode, s.decode_system_at, *arch, c, comm));
    cluster.decode = decode->spec;
    gpus += decode->model->gpus() * std::max(s.decode->replicas, 1);
    const hw::System& sys = pool.model->deployment().system;
    const int n = pool.model->gpus();
    cluster.transfer.bandwidth = s.kv_over_scale_up
                                     ? sys.ScaleUpBandwidth().value * n
                                     : sys.NicRate().value * sys.nics_per_accelerator.value * n;
    cluster.transfer.latency =
        s.kv_over_scale_up ? sys.scale_up_latency.value : sys.scale_out_latency.value;
    auto model = pool.model;
    cluster.transfer.bytes = [model](const Sequence& q) { return model->KvBytes(q.n_in); };
  }

  if (s.planner) {
    cluster.planner = PlannerSpec{s.planner->config, pool.profile,
                                  decode ? std::optional(decode->profile) : std::nullopt};
  }
  AIINFRA_CHECK_OK(PlaceOnCluster(s, c, cluster));

  AIINFRA_TRY(workload::WorkloadGenerator generator,
              workload::WorkloadGenerator::Create(s.workload));
  metrics::CollectorOptions options;
  options.class_names = generator.class_names();
  options.gpus = gpus;
  options.slos = s.slos;
  options.class_slos.resize(options.class_names.size());
  for (size_t i = 0; i < options.class_names.size(); ++i) {
    if (auto it = s.class_slos.find(options.class_names[i]); it != s.class_slos.end()) {
      options.class_slos[i] = it->second;
    }
  }
  metrics::MetricsCollector collector(options);
  ScenarioResult result;
  SimOptions sim;
  sim.horizon = generator.horizon();
  if (!std::isfinite(sim.horizon)) sim.horizon = 1e12;  // a finite trace ends by itself
  MetricsObserver observer(collector, result.series, result.scales, run_options,
                           generator.class_names(), sim.horizon, result.latency_samples, s.seed);
  observer.pools = s.decode ? 2 : 1;
  GeneratorSource source(generator);
  CountingSource counting(source, observer);
  result.sim = Simulate(cluster, counting, observer, sim);
  if (source.error) return Fail(*source.error);
  if (observer.write_error) return Fail(*observer.write_error);
  result.series.Close(result.sim.end_time);
  for (auto& per_class : result.latency_samples) {
    per_class.resize(generator.class_names().size());
    for (auto& v : per_class) std::sort(v.begin(), v.end());
  }
  // Replicas come and go: throughput per GPU is over the GPUs held on average.
  if (result.sim.end_time > 0) collector.set_gpus(result.sim.gpu_seconds / result.sim.end_time);
  result.summary = collector.Summarize();
  result.warnings = generator.warnings();
  result.gpus_per_replica = pool.model->gpus();
  result.kv_blocks_per_replica = pool.blocks;
  result.cold_start_seconds = pool.cold_start;
  return result;
}

}  // namespace aiinfra::sim
