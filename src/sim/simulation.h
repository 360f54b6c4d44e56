// The discrete-event loop of a pool of replicas behind a router, or of prefill and decode pools
// with KV transfers between them, with autoscalers and cold starts in the loop (issue 4, items
// 3-5): open-loop requests arrive (pulled lazily from a source, so memory is bounded by
// requests in flight) and closed-loop users send their next request a think time after their
// last one ended; the router sends each to a ready replica, replicas run steps, the HPA (alone
// or under KEDA, which scales to and from zero) or the SLO planner adds and removes replicas,
// and an observer sees every token, finish, transfer, scale event and a periodic sample.
//
// Events at equal times run in a fixed order (step ends, replicas becoming ready, transfers
// done, arrivals (open-loop first), KEDA polls, HPA syncs, planner intervals, samples), and
// every random choice comes from seeded generators, so a run is a pure function of its inputs.
//
// A new replica takes GPUs of the cluster (pending until there is room) and becomes ready
// after its cold start (scheduling + image pull + weight load + warm-up, each given). A replica
// removed by a scale-down stops receiving requests at once and leaves when it has drained (as
// a pod with a preStop hook that waits for in-flight requests). Requests that find no ready
// replica wait in the router's queue and are routed, in arrival order, as soon as one is ready.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/capacity.h"
#include "sim/hpa.h"
#include "sim/planner.h"
#include "sim/replica.h"
#include "sim/router.h"
#include "sim/signals.h"

namespace aiinfra::sim {

struct ColdStart {
  double scheduling = 0;  // seconds: pod scheduling and node provisioning
  double image_pull = 0;
  double weight_load = 0;  // weight bytes / storage bandwidth
  double warmup = 0;       // CUDA graphs, compilation, first requests
  double total() const { return scheduling + image_pull + weight_load + warmup; }
};

// One metric of an autoscaler: a pool signal, how the HPA reads it, and its target. A KEDA
// trigger is active while its value exceeds `activation` (KEDA's activationThreshold).
struct ScaleMetric {
  SignalSpec signal;
  HpaMetricType type = HpaMetricType::kAverage;
  double target = 1;
  double activation = 0;
};

// KEDA's ScaledObject around the HPA (keda.sh/docs, "ScaledObject specification"): every
// polling interval the operator checks its triggers; with 0 replicas and a trigger active it
// scales to max(min_replicas, 1) (activation); with every trigger inactive for `cooldown`
// seconds since the last active check and min_replicas 0 it scales to 0. Between those, the
// HPA it owns (min max(min_replicas, 1)) scales on the same metrics, the gauges and rates as
// External metrics with AverageValue targets (HpaMetricType::kTotal) unless told otherwise.
struct KedaSpec {
  double polling_interval = 30;
  double cooldown = 300;
  int min_replicas = 0;  // minReplicaCount
};

struct AutoscalerSpec {
  HpaConfig hpa;
  std::vector<ScaleMetric> metrics;  // the largest recommendation wins
  std::optional<KedaSpec> keda;
};

struct PoolSpec {
  ReplicaConfig replica;
  std::function<Replica()> make_replica;  // builds a fresh replica (shares the perf model)
  int initial_replicas = 1;
  int gpus = 1;     // per replica, for the cluster's capacity
  int system = -1;  // index into ClusterSpec::capacity; -1: unlimited
  ColdStart cold_start;
  RouterConfig router;
  std::optional<AutoscalerSpec> autoscaler;
};

// Prefill/decode disaggregation: requests are prefilled in one pool, their KV cache moves to a
// replica of the decode pool, which generates every output token, as behind vLLM's disaggregated
// proxy, Dynamo or SGLang's PD router: the prefill's own token is not streamed (the prefill
// replica's metrics count it), and the decode replica computes the last prompt token again to
// produce the first output token. TTFT therefore includes the transfer and the decode queue.
// Each prefill replica sends over one link at a time (transfers queue behind each other:
// contention), taking latency + bytes / bandwidth per request.
struct KvTransferSpec {
  double bandwidth = 0;  // bytes/s of a prefill replica's link; 0: instantaneous
  double latency = 0;    // seconds per transfer
  std::function<double(const Sequence&)> bytes;  // the KV bytes of a sequence's prompt
};

// The SLO planner in the loop (planner.h): every interval it sets both pools' replica counts.
struct PlannerSpec {
  PlannerConfig config;
  EngineProfile prefill;                // the aggregated pool's, or the prefill pool's
  std::optional<EngineProfile> decode;  // disaggregated
};

struct ClusterSpec {
  PoolSpec pool;                   // the aggregated pool, or the prefill pool with `decode`
  std::optional<PoolSpec> decode;  // present: disaggregated
  KvTransferSpec transfer;
  // Systems the replicas are placed on (capacity.h); a replica that does not fit is pending
  // (counted as starting) until one leaves, and its cold start begins when it is placed.
  std::vector<SystemCapacity> capacity;  // empty: unlimited
  std::optional<PlannerSpec> planner;    // replaces the pools' autoscalers
};

// One request handed to the simulation.
struct Arrival {
  std::unique_ptr<Sequence> seq;
  uint64_t session = 0;
};

class ArrivalSource {
 public:
  virtual ~ArrivalSource() = default;
  // The next open-loop request in arrival order, or nullopt when there are no more.
  virtual std::optional<Arrival> Next() = 0;
  // Closed loop: the requests sent at time 0, one per user.
  virtual std::vector<Arrival> Start() { return {}; }
  // Closed loop: `ended` finished at `t`; the request its user sends next (arrival >= t), or
  // nullopt.
  virtual std::optional<Arrival> FollowUp(const Sequence& ended, double t) {
    (void)ended;
    (void)t;
    return std::nullopt;
  }
};

struct PoolSample {
  int pool = 0;
  double time = 0;
  int replicas_ready = 0;
  int replicas_starting = 0;
  int replicas_draining = 0;
  int replicas_pending = 0;  // not placed for want of capacity (counted in starting too)
  int64_t running = 0;
  int64_t waiting = 0;  // in replicas' queues and in the router's
  double kv_usage = 0;  // mean over ready replicas
};

struct ScaleEvent {
  enum class Cause { kHpa, kKedaActivate, kKedaIdle, kPlanner };
  int pool = 0;
  double time = 0;
  int from = 0;
  int to = 0;
  Cause cause = Cause::kHpa;
  HpaDecision decision;        // kHpa
  std::vector<double> values;  // kHpa: each metric's value (NaN: no data), in spec order
  PlannerDecision plan;        // kPlanner
};
const char* CauseName(ScaleEvent::Cause cause);

// Replicas are numbered per pool: pool 0 is the aggregated or prefill pool, pool 1 the decode
// pool.
class SimObserver {
 public:
  virtual ~SimObserver() = default;
  virtual void OnToken(const Sequence& seq, int pool, int replica, double t) = 0;
  virtual void OnFinish(std::unique_ptr<Sequence> seq, int pool, int replica, double t) = 0;
  // A disaggregated request's KV cache reached the decode pool after `seconds` of transfer
  // (queueing behind other transfers included).
  virtual void OnTransfer(const Sequence&, double seconds) { (void)seconds; }
  // Requests still in the system at the horizon (never finished).
  virtual void OnUnfinished(std::unique_ptr<Sequence> seq, double horizon) = 0;
  virtual void OnSample(const PoolSample&) {}
  virtual void OnScale(const ScaleEvent&) {}
};

struct ReplicaUsage {
  int pool = 0;
  int index = 0;
  double busy_seconds = 0;  // time with a step in flight
  uint64_t steps = 0;
};

struct SimResult {
  double end_time = 0;
  uint64_t steps = 0;
  uint64_t arrivals = 0;
  uint64_t finished = 0;
  uint64_t unfinished = 0;
  uint64_t preemptions = 0;
  int peak_replicas = 0;
  int64_t prefix_queried_tokens = 0;
  int64_t prefix_hit_tokens = 0;
  uint64_t transfers = 0;
  double gpu_seconds = 0;  // GPUs held by replicas (placed, starting to draining) over time
  std::vector<ReplicaUsage> replicas;  // every replica that existed, per pool in creation order
};

struct SimOptions {
  double horizon = 3600;       // seconds; arrivals after it are not taken
  double sample_interval = 1;  // seconds between PoolSamples (0: none)
  bool drain = true;           // run past the horizon until in-flight requests finish
  double drain_limit = 3600;   // ... but at most this long past it
};

// Runs the cluster on the source's requests. The source, observer and spec outlive the call.
SimResult Simulate(const ClusterSpec& cluster, ArrivalSource& source, SimObserver& observer,
                   const SimOptions& options);
// One aggregated pool.
SimResult Simulate(const PoolSpec& pool, ArrivalSource& source, SimObserver& observer,
                   const SimOptions& options);

}  // namespace aiinfra::sim
