// The decision half of a pool's autoscaler: the HPA alone or under KEDA, reading a pool's
// gauges (PoolSample) and windowed signals (PoolSignals) as the metrics pipeline would give
// them. The simulation loop and serve's real-time engine both call it, so a policy scales a
// live endpoint exactly as it scales a simulated one; each decides when to call (every HPA sync
// period, every KEDA polling interval) and carries out the resize itself.
#pragma once

#include <optional>

#include "sim/hpa.h"
#include "sim/signals.h"
#include "sim/simulation.h"

namespace aiinfra::sim {

// The windowed signals a pool with this autoscaler must record, or nullopt when every metric
// is a gauge (recording them costs a histogram update per token).
std::optional<PoolSignals> SignalsFor(const AutoscalerSpec& spec);

class PoolAutoscaler {
 public:
  explicit PoolAutoscaler(const AutoscalerSpec& spec) : spec_(spec), hpa_(spec.hpa) {}

  const AutoscalerSpec& spec() const { return spec_; }

  // An HPA sync at `now` for a pool of `current` replicas (ready, starting and pending) whose
  // state is `s`, with `signals` its windowed data (null when SignalsFor gave none). nullopt
  // when the controller does nothing: at 0 replicas (KEDA activates) or when no metric can be
  // read. Otherwise the event, cause kHpa, with every metric's value and `to` the new count
  // (which may equal `from`).
  std::optional<ScaleEvent> Sync(double now, int pool, int current, const PoolSample& s,
                                 const PoolSignals* signals);
  // A KEDA poll (only with spec().keda): activation from 0, or scale to 0 once every trigger
  // has been inactive for the cooldown; nullopt when neither applies.
  std::optional<ScaleEvent> Poll(double now, int pool, int current, const PoolSample& s,
                                 const PoolSignals* signals);

 private:
  // A metric's value as its HPA type reads it; NaN when there is nothing to read.
  double Value(double now, const ScaleMetric& m, const PoolSample& s,
               const PoolSignals* signals) const;

  AutoscalerSpec spec_;
  Hpa hpa_;
  double keda_last_active_ = 0;
};

}  // namespace aiinfra::sim
