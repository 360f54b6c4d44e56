#include "sim/scenario.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/units.h"
#include "common/yaml.h"
#include "perf/perf_model.h"
#include "sim/adapters.h"
#include "sim/autoscaling_spec.h"
#include "workload/generator.h"

namespace aiinfra::sim {
namespace {

// Replica counts and engine sizes: whole numbers up to a million.
constexpr int kMaxCount = 1'000'000;

Result<ReplicaConfig> ParseEngine(const YamlNode& node, double& memory_utilization) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  ReplicaConfig e;
  if (auto n = m.Optional("max_num_seqs")) {
    AIINFRA_TRY(e.max_num_seqs, n->Count(1, kMaxCount));
  }
  if (auto n = m.Optional("max_num_batched_tokens")) {
    AIINFRA_TRY(e.max_num_batched_tokens, n->Count(1, kMaxCount));
  }
  if (auto n = m.Optional("chunked_prefill")) {
    AIINFRA_TRY(e.chunked_prefill, n->Bool());
  }
  if (auto n = m.Optional("prefix_caching")) {
    AIINFRA_TRY(e.prefix_caching, n->Bool());
  }
  if (auto n = m.Optional("block_size")) {
    AIINFRA_TRY(e.block_size, n->Count(1, kMaxCount));
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

Result<ColdStartSpec> ParseColdStart(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, YamlMap::From(node));
  ColdStartSpec c;
  if (auto n = m.Optional("scheduling")) {
    AIINFRA_TRY(c.scheduling, n->Duration());
  }
  if (auto n = m.Optional("image_pull")) {
    AIINFRA_TRY(c.image_pull, n->Duration());
  }
  if (auto n = m.Optional("warmup")) {
    AIINFRA_TRY(c.warmup, n->Duration());
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
    AIINFRA_TRY(p.parallel.tp, n->Count(1, kMaxCount));
  }
  if (auto n = m.Optional("pp")) {
    AIINFRA_TRY(p.parallel.pp, n->Count(1, kMaxCount));
  }
  if (auto n = m.Optional("ep")) {
    AIINFRA_TRY(p.parallel.ep, n->Count(1, kMaxCount));
  }
  if (auto n = m.Optional("dp_attention")) {
    AIINFRA_TRY(p.parallel.dp_attention, n->Count(1, kMaxCount));
  }
  if (auto n = m.Optional("replicas")) {
    AIINFRA_TRY(p.replicas, n->Count(0, kMaxCount));
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
    AIINFRA_TRY(s.duration, n->Duration());
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
      s.kv_transfer_at = n->Err("").where;
      AIINFRA_CHECK_OK(x.Finish());
    }
  }
  if (auto n = m.Optional("planner")) {
    AIINFRA_TRY(s.planner, ParsePlanner(*n, s.decode.has_value()));
    if (s.pool.autoscaler || (s.decode && s.decode->autoscaler)) {
      return Fail(n->Err("the planner sizes the pools itself: remove the pools' autoscaler"));
    }
  }
  if (auto n = m.Optional("cluster")) {
    AIINFRA_TRY(YamlMap c, YamlMap::From(*n));
    s.cluster_at = n->Err("").where;
    for (const std::string& key : c.Keys()) {
      AIINFRA_TRY(YamlNode v, c.Required(key));
      AIINFRA_TRY(s.cluster[key], v.Count(1, kMaxCount));
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

struct BuiltPool {
  std::shared_ptr<const perf::PerfModel> model;
  PoolSpec spec;
  EngineProfile profile;  // for the planner
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

Result<BuiltScenario> BuildScenario(const Scenario& s, const Catalogs& c) {
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
  BuiltScenario out;
  ClusterSpec& cluster = out.cluster;
  cluster.pool = pool.spec;
  std::optional<BuiltPool> decode;
  out.initial_gpus = pool.model->gpus() * std::max(s.pool.replicas, 1);
  if (s.decode) {
    AIINFRA_TRY(decode, BuildPool(s, *s.decode, s.decode_system_at, *arch, c, comm));
    cluster.decode = decode->spec;
    out.initial_gpus += decode->model->gpus() * std::max(s.decode->replicas, 1);
    const hw::System& sys = pool.model->deployment().system;
    const int n = pool.model->gpus();
    if (s.kv_over_scale_up) {
      // NVLink reaches only within one scale-up domain: both replicas must fit in one.
      const hw::System& to = decode->model->deployment().system;
      const int both = n + decode->model->gpus();
      if (to.id != sys.id || both > sys.domain_accelerators()) {
        return Fail(Error{ErrorCode::kInvalidInput,
                          fmt::format("kv_transfer over scale-up needs a prefill and a decode "
                                      "replica in one NVLink domain: {} has {} GPUs in a domain, "
                                      "the two replicas take {}{}; use network: scale-out",
                                      sys.id, sys.domain_accelerators(), both,
                                      to.id != sys.id ? " on different systems" : ""),
                          s.kv_transfer_at});
      }
    }
    cluster.transfer.bandwidth = s.kv_over_scale_up
                                     ? sys.ScaleUpBandwidth().value * n
                                     : sys.NicRate().value * sys.nics_per_accelerator.value * n;
    cluster.transfer.latency =
        s.kv_over_scale_up ? sys.scale_up_latency.value : sys.scale_out_latency.value;
    auto model = pool.model;
    cluster.transfer.bytes = [model](const Sequence& q) { return model->KvBytes(q.n_in); };
  }

  if (s.planner) {
    cluster.planner = PlannerSpec{*s.planner, pool.profile,
                                  decode ? std::optional(decode->profile) : std::nullopt};
  }
  AIINFRA_CHECK_OK(PlaceOnCluster(s, c, cluster));
  out.gpus_per_replica = pool.model->gpus();
  out.kv_blocks_per_replica = pool.blocks;
  out.max_model_len = arch->max_context;
  out.weight_bytes = pool.model->memory().weights_per_gpu * pool.model->gpus();
  out.cold_starts.push_back(pool.spec.cold_start);
  if (decode) out.cold_starts.push_back(decode->spec.cold_start);
  return out;
}

Result<ScenarioResult> RunScenario(const Scenario& s, const Catalogs& c,
                                   const RunOptions& run_options) {
  AIINFRA_TRY(BuiltScenario built, BuildScenario(s, c));
  const ClusterSpec& cluster = built.cluster;
  AIINFRA_TRY(workload::WorkloadGenerator generator,
              workload::WorkloadGenerator::Create(s.workload));
  metrics::CollectorOptions options;
  options.class_names = generator.class_names();
  options.gpus = built.initial_gpus;
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
  RunRecorder recorder(collector, result.series, result.scales, result.latency_samples,
                       {.class_names = generator.class_names(),
                        .pools = s.decode ? 2 : 1,
                        .horizon = sim.horizon,
                        .seed = s.seed,
                        .requests_csv = run_options.requests_csv,
                        .progress = run_options.progress});
  WorkloadSource source(generator);
  CountingSource counting(source, recorder);
  result.sim = Simulate(cluster, counting, recorder, sim);
  if (source.error()) return Fail(*source.error());
  if (recorder.write_error()) return Fail(*recorder.write_error());
  result.series.Close(result.sim.end_time);
  for (auto& per_class : result.latency_samples) {
    per_class.resize(generator.class_names().size());
    for (auto& v : per_class) std::sort(v.begin(), v.end());
  }
  // Replicas come and go: throughput per GPU is over the GPUs held on average.
  if (result.sim.end_time > 0) collector.set_gpus(result.sim.gpu_seconds / result.sim.end_time);
  result.summary = collector.Summarize();
  result.warnings = generator.warnings();
  result.gpus_per_replica = built.gpus_per_replica;
  result.kv_blocks_per_replica = built.kv_blocks_per_replica;
  result.cold_starts = built.cold_starts;
  return result;
}

}  // namespace aiinfra::sim
