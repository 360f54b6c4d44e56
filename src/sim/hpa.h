// The Kubernetes Horizontal Pod Autoscaler's decision, exactly as the controller computes it
// (pkg/controller/podautoscaler, autoscaling/v2; specs/metrics.md "Autoscaling signals"), for
// the simulator's autoscaler in the loop (issue 4, item 5).
//
// Each sync (every 15 s by default), for a metric averaged over the ready replicas against a
// target average value:
//   1. ratio = metric / target. Within the tolerance (|ratio - 1| <= 0.1) the recommendation is
//      the current count; otherwise ceil(ratio * ready). (That is a Pods metric; External and
//      Object metrics differ a little: HpaMetricType.)
//      Replicas still starting have no metric. When the ratio says scale up, they are counted
//      as using 0 (the controller's rule for unready pods): ratio' = metric * ready / (target *
//      (ready + starting)); if ratio' is within the tolerance or says scale down, nothing
//      changes, else ceil(ratio' * (ready + starting)).
//   2. Stabilization: the recommendation is kept with its time; the result is the current count
//      moved towards it but not above the lowest recommendation of the scale-up window
//      (default 0 s) nor below the highest of the scale-down window (default 300 s).
//   3. Rate policies: a scale-up may add at most what the policies allow over their periods,
//      counted from the replica count at the start of each period (current - added + removed
//      within the period); defaults: 100% or 4 pods per 15 s, whichever is more. A scale-down
//      may remove at most 100% per 15 s (default). selectPolicy Max picks the policy allowing
//      the biggest change, Min the smallest, Disabled none. The defaults are those of
//      pkg/apis/autoscaling/v2/defaults.go and the HPA documentation (periodSeconds 15; the API
//      field's comment says 60 s, the code does not).
//   4. Bounds: [min_replicas, max_replicas] (a current count outside them is brought inside
//      first, as the controller does).
// With several metrics each gets its recommendation from step 1 and the largest wins.
//
// Not thread-safe. Times are seconds.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <vector>

namespace aiinfra::sim {

struct HpaPolicy {
  enum class Type { kPods, kPercent };
  Type type = Type::kPercent;
  int value = 100;
  double period = 15;  // seconds
};

struct HpaRules {
  enum class Select { kMax, kMin, kDisabled };
  double stabilization_window = 0;  // seconds
  Select select = Select::kMax;
  std::vector<HpaPolicy> policies;
};

struct HpaConfig {
  int min_replicas = 1;
  int max_replicas = 10;
  double tolerance = 0.1;
  double sync_period = 15;  // seconds between decisions
  HpaRules scale_up{0,
                    HpaRules::Select::kMax,
                    {{HpaPolicy::Type::kPercent, 100, 15}, {HpaPolicy::Type::kPods, 4, 15}}};
  HpaRules scale_down{300, HpaRules::Select::kMax, {{HpaPolicy::Type::kPercent, 100, 15}}};
};

// How a metric's value becomes a replica count: the HPA's metric source and target types
// (replica_calculator.go).
enum class HpaMetricType {
  // A Pods metric (or Resource) with an AverageValue target: `value` is the average over the
  // ready replicas, with the rule for starting replicas of step 1.
  kAverage,
  // An External metric with an AverageValue target (KEDA's default): `value` is the total;
  // ratio = total / (target * current), and outside the tolerance ceil(total / target).
  kTotal,
  // An Object or External metric with a Value target: ratio = value / target, and outside the
  // tolerance ceil(ratio * ready) (no rule for starting replicas; 0 ready gives 0).
  kValue,
};

// One metric observation and its target.
struct HpaMetric {
  double value = 0;
  double target = 1;
  HpaMetricType type = HpaMetricType::kAverage;
};

struct HpaDecision {
  int recommended = 0;  // step 1 (the largest over the metrics)
  int stabilized = 0;   // after step 2
  int desired = 0;      // after steps 3 and 4: what the replica count becomes
};

class Hpa {
 public:
  explicit Hpa(HpaConfig config) : config_(std::move(config)) {}

  // The decision at time `now` for `current` replicas (spec.replicas), of which `ready` report
  // the metrics and `starting` do not yet. Records the recommendation and, when the count
  // changes, the scale event.
  HpaDecision Decide(double now, int current, int ready, int starting,
                     const std::vector<HpaMetric>& metrics);

  const HpaConfig& config() const { return config_; }

  struct Event {
    double time;
    int replicas;
  };

 private:
  int Recommend(int current, int ready, int starting, const HpaMetric& m) const;
  int ScaleUpLimit(double now, int current) const;
  int ScaleDownLimit(double now, int current) const;

  HpaConfig config_;
  std::deque<Event> recommendations_;
  std::deque<Event> up_events_, down_events_;  // replicas added / removed at a time
};

}  // namespace aiinfra::sim
