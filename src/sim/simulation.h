// The discrete-event loop of one pool of replicas behind a router, with the HPA in the loop and
// cold starts (issue 4, items 3-5): requests arrive (pulled lazily from a source, so memory is
// bounded by requests in flight), the router sends each to a ready replica, replicas run
// steps, the autoscaler adds and removes replicas, and an observer sees every token, finish,
// scale event and a periodic sample.
//
// Events at equal times run in a fixed order (step ends, then replicas becoming ready, then
// arrivals, then autoscaler syncs, then samples), and every random choice comes from seeded
// generators, so a run is a pure function of its inputs.
//
// A new replica becomes ready after its cold start (scheduling + image pull + weight load +
// warm-up, each given). A replica removed by a scale-down stops receiving requests at once and
// leaves when it has drained (as a pod with a preStop hook that waits for in-flight requests).
// Requests that find no ready replica wait in the router's queue and are routed, in arrival
// order, as soon as one is ready.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "sim/hpa.h"
#include "sim/replica.h"
#include "sim/router.h"

namespace aiinfra::sim {

struct ColdStart {
  double scheduling = 0;  // seconds: pod scheduling and node provisioning
  double image_pull = 0;
  double weight_load = 0;  // weight bytes / storage bandwidth
  double warmup = 0;       // CUDA graphs, compilation, first requests
  double total() const { return scheduling + image_pull + weight_load + warmup; }
};

// What drives the HPA: a per-replica average over the ready replicas.
enum class ScaleMetric {
  kRequestsPerReplica,  // running + waiting (vllm:num_requests_running + _waiting)
  kKvUsage,             // vllm:kv_cache_usage_perc, as a fraction
};

struct AutoscalerSpec {
  HpaConfig hpa;
  ScaleMetric metric = ScaleMetric::kRequestsPerReplica;
  double target = 1;
};

struct PoolSpec {
  ReplicaConfig replica;
  std::function<Replica()> make_replica;  // builds a fresh replica (shares the perf model)
  int initial_replicas = 1;
  ColdStart cold_start;
  RouterConfig router;
  std::optional<AutoscalerSpec> autoscaler;
};

// Prefill/decode disaggregation: requests are prefilled in one pool, their KV cache moves to a
// replica of the decode pool, which generates the rest. Each prefill replica sends over one
// link at a time (transfers queue behind each other: contention), taking
// latency + bytes / bandwidth per request.
struct KvTransferSpec {
  double bandwidth = 0;  // bytes/s of a prefill replica's link; 0: instantaneous
  double latency = 0;    // seconds per transfer
  std::function<double(const Sequence&)> bytes;  // the KV bytes of a sequence's prompt
};

struct ClusterSpec {
  PoolSpec pool;                   // the aggregated pool, or the prefill pool with `decode`
  std::optional<PoolSpec> decode;  // present: disaggregated
  KvTransferSpec transfer;
};

// One request handed to the simulation.
struct Arrival {
  std::unique_ptr<Sequence> seq;
  uint64_t session = 0;
};

class ArrivalSource {
 public:
  virtual ~ArrivalSource() = default;
  // The next request in arrival order, or nullopt when there are no more.
  virtual std::optional<Arrival> Next() = 0;
};

struct PoolSample {
  int pool = 0;
  double time = 0;
  int replicas_ready = 0;
  int replicas_starting = 0;
  int replicas_draining = 0;
  int64_t running = 0;
  int64_t waiting = 0;  // in replicas' queues and in the router's
  double kv_usage = 0;  // mean over ready replicas
};

struct ScaleEvent {
  int pool = 0;
  double time = 0;
  int from = 0;
  int to = 0;
  HpaDecision decision;
};

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
