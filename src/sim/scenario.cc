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

Result<ScaleSpec> ParseAutoscaler(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  ScaleSpec s;
  AIINFRA_TRY(YamlNode min, m.Required("min"));
  AIINFRA_TRY(s.min, Count(min, 1));
  AIINFRA_TRY(YamlNode max, m.Required("max"));
  AIINFRA_TRY(s.max, Count(max, 1));
  if (s.max < s.min) return Fail(max.Err("max must be >= min"));
  const std::string metric = m.OptionalString("metric", "requests");
  if (metric == "requests") {
    s.metric = ScaleMetric::kRequestsPerReplica;
  } else if (metric == "kv_usage") {
    s.metric = ScaleMetric::kKvUsage;
  } else {
    return Fail(
        m.Optional("metric")->Err("metric must be requests (running + waiting per "
                                  "replica) or kv_usage (a fraction)"));
  }
  AIINFRA_TRY(YamlNode target, m.Required("target"));
  AIINFRA_TRY(s.target, target.Number());
  if (!(s.target > 0)) return Fail(target.Err("target must be > 0"));
  if (auto n = m.Optional("sync_period")) {
    AIINFRA_TRY(s.sync_period, Seconds(*n));
  }
  if (!(s.sync_period > 0)) return Fail(m.Optional("sync_period")->Err("must be > 0"));
  if (auto n = m.Optional("scale_down_window")) {
    AIINFRA_TRY(s.scale_down_window, Seconds(*n));
  }
  if (auto n = m.Optional("tolerance")) {
    AIINFRA_TRY(s.tolerance, n->Number());
  }
  AIINFRA_CHECK_OK(m.Finish());
  return s;
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

// Workload requests as the simulator's sequences.
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
    const workload::RequestSpec& spec = **r;
    auto s = std::make_unique<Sequence>();
    s->id = spec.id;
    s->class_index = spec.class_index;
    s->arrival = spec.arrival;
    s->n_in = static_cast<int32_t>(std::min<int64_t>(spec.input_tokens, INT32_MAX));
    s->n_out = static_cast<int32_t>(std::min<int64_t>(spec.output_tokens, INT32_MAX));
    s->hashes = spec.prefix_hashes;
    return Arrival{std::move(s), spec.session_id};
  }
  std::optional<Error> error;

 private:
  workload::WorkloadGenerator& g_;
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
  std::optional<Arrival> Next() override {
    auto a = inner_.Next();
    if (a) observer_.Arrived(*a->seq);
    return a;
  }

 private:
  ArrivalSource& inner_;
  MetricsObserver& observer_;
};

struct BuiltPool {
  std::shared_ptr<const perf::PerfModel> model;
  PoolSpec spec;
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
  if (p.autoscaler) {
    AutoscalerSpec a;
    a.hpa.min_replicas = p.autoscaler->min;
    a.hpa.max_replicas = p.autoscaler->max;
    a.hpa.tolerance = p.autoscaler->tolerance;
    a.hpa.sync_period = p.autoscaler->sync_period;
    a.hpa.scale_down.stabilization_window = p.autoscaler->scale_down_window;
    a.metric = p.autoscaler->metric;
    a.target = p.autoscaler->target;
    out.spec.autoscaler = a;
  }
  return out;
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
  result.summary = collector.Summarize();
  result.warnings = generator.warnings();
  result.gpus_per_replica = pool.model->gpus();
  result.kv_blocks_per_replica = pool.blocks;
  result.cold_start_seconds = pool.cold_start;
  return result;
}

}  // namespace aiinfra::sim
