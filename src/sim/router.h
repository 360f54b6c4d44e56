// Request routing across the replicas of one pool (issue 4, item 4).
//
// Policies: round-robin, random, least-outstanding (running + waiting), least KV usage,
// session affinity (a session sticks to the replica that served its first turn while that
// replica is ready; otherwise least-outstanding, and the session moves), and prefix affinity
// with load balance as the Gateway API Inference Extension's endpoint picker scores endpoints:
// each scorer gives every ready replica a score in [0, 1], the router picks the highest weighted
// sum (ties: the lowest replica index, so runs repeat):
//   - queue:  (max_q - q) / (max_q - min_q) over the candidates, q = running + waiting
//             (1 for all when they are equal);
//   - kv:     1 - KV-cache usage;
//   - prefix: the share of the request's leading blocks the router last sent to that replica.
//             Like the picker's prefix scorer in estimation mode, the router does not look into
//             the replicas' caches: it remembers, per replica, the block hashes it routed there
//             (an LRU of bounded size per replica), so its estimate can be stale.
//
// Replicas are identified by a stable index; `Forget` drops what was learnt about one that is
// removed. Not thread-safe.
#pragma once

#include <cstdint>
#include <list>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "common/result.h"

namespace aiinfra::sim {

enum class RoutePolicy {
  kRoundRobin,
  kRandom,
  kLeastOutstanding,
  kLeastKvUsage,
  kSessionAffinity,
  kPrefixAffinity,
};

// "round-robin", "random", "least-outstanding", "least-kv", "session-affinity", "prefix-affinity".
const char* RoutePolicyName(RoutePolicy policy);
Result<RoutePolicy> ParseRoutePolicy(const std::string& name);

struct RouterConfig {
  RoutePolicy policy = RoutePolicy::kLeastOutstanding;
  double queue_weight = 1;
  double kv_weight = 1;
  double prefix_weight = 1;
  size_t prefix_blocks_per_replica = 100000;  // LRU capacity of the prefix estimate
  uint64_t seed = 1;
};

// What the router sees of a replica.
struct ReplicaLoad {
  bool ready = false;
  int64_t running = 0;
  int64_t waiting = 0;
  double kv_usage = 0;  // [0, 1]
};

struct RouteRequest {
  uint64_t session = 0;                           // 0: no session
  const std::vector<uint64_t>* hashes = nullptr;  // leading block hashes of the prompt
};

class Router {
 public:
  explicit Router(RouterConfig config);

  // The replica for `request` among `replicas` (indexes into it), or -1 when none is ready.
  // Records what affinity policies need (the session's replica, the blocks sent there).
  int Route(const std::vector<ReplicaLoad>& replicas, const RouteRequest& request);

  // Drops what the router learnt about replica `index` (it was removed).
  void Forget(int index);

  const RouterConfig& config() const { return config_; }

 private:
  int LeastOutstanding(const std::vector<ReplicaLoad>& replicas) const;
  int PrefixAffinity(const std::vector<ReplicaLoad>& replicas, const RouteRequest& request);
  double PrefixShare(int replica, const std::vector<uint64_t>& hashes) const;
  void Remember(int replica, const std::vector<uint64_t>& hashes);

  struct BlockLru {
    std::list<uint64_t> order;  // most recent first
    std::unordered_map<uint64_t, std::list<uint64_t>::iterator> where;
  };

  RouterConfig config_;
  std::mt19937_64 rng_;
  size_t next_ = 0;
  std::unordered_map<uint64_t, int> sessions_;
  std::unordered_map<int, BlockLru> blocks_;
};

}  // namespace aiinfra::sim
