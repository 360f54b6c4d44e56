// Queueing formulas the planner uses to turn a replica's capacity into latency percentiles.
#pragma once

namespace aiinfra::plan {

// Erlang C: the probability that an arrival to an M/M/c queue with offered load `a` (= arrival
// rate x mean service time, in servers) waits. 1 when a >= c (unstable); 0 when a <= 0.
// Computed with the Erlang B recursion, stable for c in the hundreds of thousands.
double ErlangC(double servers, double offered_load);

// The q-quantile (0 < q < 1) of the waiting time in an M/M/c queue with `servers` servers, mean
// service time `service` seconds and arrival rate `rate`/s: P(W > t) = C e^{-(c/s - rate) t}.
// 0 when the wait probability is below 1 - q; +infinity when unstable.
double WaitQuantile(double servers, double service, double rate, double q);

}  // namespace aiinfra::plan
