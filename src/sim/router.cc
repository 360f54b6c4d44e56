#include "sim/router.h"

#include <algorithm>
#include <limits>

namespace aiinfra::sim {
namespace {

struct Named {
  RoutePolicy policy;
  const char* name;
};
constexpr Named kPolicies[] = {
    {RoutePolicy::kRoundRobin, "round-robin"},
    {RoutePolicy::kRandom, "random"},
    {RoutePolicy::kLeastOutstanding, "least-outstanding"},
    {RoutePolicy::kLeastKvUsage, "least-kv"},
    {RoutePolicy::kSessionAffinity, "session-affinity"},
    {RoutePolicy::kPrefixAffinity, "prefix-affinity"},
};

}  // namespace

const char* RoutePolicyName(RoutePolicy policy) {
  for (const Named& n : kPolicies) {
    if (n.policy == policy) return n.name;
  }
  return "?";
}

Result<RoutePolicy> ParseRoutePolicy(const std::string& name) {
  std::string all;
  for (const Named& n : kPolicies) {
    if (name == n.name) return n.policy;
    all += (all.empty() ? "" : ", ") + std::string(n.name);
  }
  return Fail(ErrorCode::kInvalidInput,
              "unknown router policy '" + name + "' (one of: " + all + ")");
}

Router::Router(RouterConfig config) : config_(config), rng_(config.seed) {}

int Router::LeastOutstanding(const std::vector<ReplicaLoad>& replicas) const {
  int best = -1;
  int64_t least = std::numeric_limits<int64_t>::max();
  for (size_t i = 0; i < replicas.size(); ++i) {
    if (!replicas[i].ready) continue;
    const int64_t q = replicas[i].running + replicas[i].waiting;
    if (q < least) {
      least = q;
      best = static_cast<int>(i);
    }
  }
  return best;
}

int Router::Route(const std::vector<ReplicaLoad>& replicas, const RouteRequest& request) {
  std::vector<int> ready;
  for (size_t i = 0; i < replicas.size(); ++i) {
    if (replicas[i].ready) ready.push_back(static_cast<int>(i));
  }
  if (ready.empty()) return -1;
  int pick = ready.front();
  switch (config_.policy) {
    case RoutePolicy::kRoundRobin:
      pick = ready[next_++ % ready.size()];
      break;
    case RoutePolicy::kRandom:
      pick = ready[std::uniform_int_distribution<size_t>(0, ready.size() - 1)(rng_)];
      break;
    case RoutePolicy::kLeastOutstanding:
      pick = LeastOutstanding(replicas);
      break;
    case RoutePolicy::kLeastKvUsage: {
      double least = 2;
      for (int i : ready) {
        if (replicas[i].kv_usage < least) {
          least = replicas[i].kv_usage;
          pick = i;
        }
      }
      break;
    }
    case RoutePolicy::kSessionAffinity: {
      pick = LeastOutstanding(replicas);
      if (request.session != 0) {
        auto it = sessions_.find(request.session);
        if (it != sessions_.end() && it->second < static_cast<int>(replicas.size()) &&
            replicas[it->second].ready) {
          pick = it->second;
        }
        sessions_[request.session] = pick;
      }
      break;
    }
    case RoutePolicy::kPrefixAffinity:
      pick = PrefixAffinity(replicas, request);
      break;
  }
  if (config_.policy == RoutePolicy::kPrefixAffinity && request.hashes) {
    Remember(pick, *request.hashes);
  }
  return pick;
}

int Router::PrefixAffinity(const std::vector<ReplicaLoad>& replicas, const RouteRequest& request) {
  int64_t min_q = std::numeric_limits<int64_t>::max(), max_q = 0;
  for (const ReplicaLoad& r : replicas) {
    if (!r.ready) continue;
    min_q = std::min(min_q, r.running + r.waiting);
    max_q = std::max(max_q, r.running + r.waiting);
  }
  int best = -1;
  double best_score = -1;
  for (size_t i = 0; i < replicas.size(); ++i) {
    const ReplicaLoad& r = replicas[i];
    if (!r.ready) continue;
    const double queue = max_q == min_q ? 1.0
                                        : static_cast<double>(max_q - (r.running + r.waiting)) /
                                              static_cast<double>(max_q - min_q);
    const double kv = 1.0 - std::clamp(r.kv_usage, 0.0, 1.0);
    const double prefix = request.hashes ? PrefixShare(static_cast<int>(i), *request.hashes) : 0.0;
    const double score =
        config_.queue_weight * queue + config_.kv_weight * kv + config_.prefix_weight * prefix;
    if (score > best_score) {
      best_score = score;
      best = static_cast<int>(i);
    }
  }
  return best;
}

double Router::PrefixShare(int replica, const std::vector<uint64_t>& hashes) const {
  if (hashes.empty()) return 0;
  auto it = blocks_.find(replica);
  if (it == blocks_.end()) return 0;
  size_t n = 0;
  while (n < hashes.size() && it->second.where.contains(hashes[n])) ++n;
  return static_cast<double>(n) / static_cast<double>(hashes.size());
}

void Router::Remember(int replica, const std::vector<uint64_t>& hashes) {
  BlockLru& lru = blocks_[replica];
  // Leading blocks last, so they are the most recent: a prefix match needs them first.
  for (auto h_it = hashes.rbegin(); h_it != hashes.rend(); ++h_it) {
    const uint64_t h = *h_it;
    auto it = lru.where.find(h);
    if (it != lru.where.end()) lru.order.erase(it->second);
    lru.order.push_front(h);
    lru.where[h] = lru.order.begin();
  }
  while (lru.order.size() > config_.prefix_blocks_per_replica) {
    lru.where.erase(lru.order.back());
    lru.order.pop_back();
  }
}

void Router::Forget(int index) {
  blocks_.erase(index);
  std::erase_if(sessions_, [index](const auto& kv) { return kv.second == index; });
}

}  // namespace aiinfra::sim
