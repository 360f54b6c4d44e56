#include "dra/scheduler.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/text.h"

namespace aiinfra::dra {
namespace {

// kube-scheduler's constants (pkg/scheduler/schedule_one.go).
constexpr int kMinFeasibleNodesToFind = 100;
constexpr int kMinFeasibleNodesPercentageToFind = 5;

std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

// The node a claim's allocation is pinned to by a `metadata.name In [node]` field selector (the
// allocator writes that for node-local devices), or "".
std::string PinnedNode(const AllocationResult& a) {
  if (!a.node_selector || a.node_selector->node_selector_terms.size() != 1) return "";
  const NodeSelectorTerm& t = a.node_selector->node_selector_terms.front();
  for (const NodeSelectorRequirement& r : t.match_fields) {
    if (r.key == "metadata.name" && r.op == "In" && r.values.size() == 1) return r.values.front();
  }
  return "";
}

}  // namespace

std::string GeneratedClaimName(const std::string& ns, const std::string& pod,
                               const std::string& pod_claim) {
  // resourceclaim controller: generateName = pod + "-" + claim, both cut in proportion when the
  // base exceeds 57 characters; the API server appends 5 characters from this alphabet.
  constexpr size_t kMaxBaseLen = 57;
  std::string base = pod + "-" + pod_claim;
  if (base.size() > kMaxBaseLen) {
    const size_t total = base.size();
    base = pod.substr(0, pod.size() * kMaxBaseLen / total) + "-" +
           pod_claim.substr(0, pod_claim.size() * kMaxBaseLen / total);
  }
  static constexpr char kAlphabet[] = "bcdfghjklmnpqrstvwxz2456789";
  uint64_t h = Fnv1a64(ns + "/" + pod + "/" + pod_claim);
  std::string suffix;
  for (int i = 0; i < 5; ++i) {
    suffix += kAlphabet[h % (sizeof(kAlphabet) - 1)];
    h /= sizeof(kAlphabet) - 1;
  }
  return base + "-" + suffix;
}

Scheduler::Scheduler(Scheduler&&) noexcept = default;
Scheduler& Scheduler::operator=(Scheduler&&) noexcept = default;
Scheduler::~Scheduler() = default;

Result<Scheduler> Scheduler::Create(Objects cluster, SchedulerOptions options) {
  bool pending = std::any_of(cluster.pods.begin(), cluster.pods.end(),
                             [](const Pod& p) { return p.node_name.empty(); });
  if (pending && cluster.nodes.empty()) {
    return Fail(ErrorCode::kInvalidInput,
                "pods are waiting to be scheduled but no Node objects were given; add the nodes "
                "(kubectl get nodes -o yaml, or aiinfra dra slices)");
  }
  Scheduler s;
  s.options_ = options;
  s.cluster_ = std::move(cluster);
  for (ResourceClaim& c : s.cluster_.resource_claims) s.claims_.push_back(std::move(c));
  s.cluster_.resource_claims.clear();
  for (ResourceClaim& c : s.claims_) {
    s.claims_by_key_[Key(c.metadata.ns, c.metadata.name)] = &c;
    if (!c.status.allocation) continue;
    HoldAllocation(*c.status.allocation, s.allocated_);
    std::string node = PinnedNode(*c.status.allocation);
    if (!node.empty()) s.devices_on_node_[node] += c.status.allocation->devices.results.size();
  }
  s.index_ = std::make_unique<SliceIndex>(s.cluster_.resource_slices);
  for (size_t i = 0; i < s.cluster_.nodes.size(); ++i) {
    s.node_index_[s.cluster_.nodes[i].name()] = i;
  }
  s.node_generation_.assign(s.cluster_.nodes.size(), 0);
  s.memo_.resize(s.cluster_.nodes.size());
  s.selectors_ = std::make_unique<SelectorCache>();
  return s;
}

std::vector<const ResourceClaim*> Scheduler::Claims() const {
  std::vector<const ResourceClaim*> out;
  for (const ResourceClaim& c : claims_) out.push_back(&c);
  return out;
}

std::vector<const ResourceClaim*> Scheduler::ChangedClaims() const { return changed_; }

ResourceClaim* Scheduler::Find(const std::string& ns, const std::string& name) {
  auto it = claims_by_key_.find(Key(ns, name));
  return it == claims_by_key_.end() ? nullptr : it->second;
}

Scheduler::PodClaims Scheduler::Resolve(const Pod& pod) {
  PodClaims out;
  const std::string& ns = pod.metadata.ns;
  for (const PodResourceClaim& pc : pod.resource_claims) {
    ResourceClaim* claim = nullptr;
    if (pc.resource_claim_name) {
      claim = Find(ns, *pc.resource_claim_name);
      if (!claim) {
        out.problem = fmt::format("resourceclaim {}/{} (pod claim {}) not found", ns,
                                  *pc.resource_claim_name, pc.name);
        return out;
      }
    } else if (pc.resource_claim_template_name) {
      const std::string name = GeneratedClaimName(ns, pod.metadata.name, pc.name);
      claim = Find(ns, name);
      if (!claim) {
        const ResourceClaimTemplate* tmpl = nullptr;
        for (const ResourceClaimTemplate& t : cluster_.resource_claim_templates) {
          if (t.metadata.ns == ns && t.metadata.name == *pc.resource_claim_template_name) {
            tmpl = &t;
          }
        }
        if (!tmpl) {
          out.problem = fmt::format("resourceclaimtemplate {}/{} (pod claim {}) not found", ns,
                                    *pc.resource_claim_template_name, pc.name);
          return out;
        }
        ResourceClaim generated;
        generated.metadata.name = name;
        generated.metadata.ns = ns;
        generated.metadata.labels = tmpl->claim_labels;
        generated.metadata.annotations = tmpl->claim_annotations;
        generated.metadata.annotations["resource.kubernetes.io/pod-claim-name"] = pc.name;
        generated.spec = tmpl->spec;
        generated.where = tmpl->where;
        claims_.push_back(std::move(generated));
        claim = &claims_.back();
        generated_from_[claim] = tmpl;
        claims_by_key_[Key(ns, name)] = claim;
      }
    } else {
      continue;  // neither: the API server rejects it; nothing to allocate
    }
    if (std::find(out.claims.begin(), out.claims.end(), claim) == out.claims.end()) {
      out.claims.push_back(claim);
    }
  }
  return out;
}

int Scheduler::NumFeasibleNodesToFind() const {
  const int all = static_cast<int>(cluster_.nodes.size());
  if (all < kMinFeasibleNodesToFind) return all;
  int percentage = options_.percentage_of_nodes_to_score;
  if (percentage <= 0) {
    percentage = std::max(50 - all / 125, kMinFeasibleNodesPercentageToFind);
  }
  const int n = static_cast<int>(static_cast<int64_t>(all) * std::min(percentage, 100) / 100);
  return std::max(n, kMinFeasibleNodesToFind);
}

int64_t Scheduler::Rank(const std::vector<const ResourceClaim*>& pending,
                        const std::vector<AllocationResult>& results) const {
  int64_t rank = 0;
  for (size_t c = 0; c < pending.size(); ++c) {
    for (const DeviceRequestAllocationResult& r : results[c].devices.results) {
      const size_t slash = r.request.find('/');
      if (slash == std::string::npos) continue;
      const std::string request = r.request.substr(0, slash);
      const std::string sub = r.request.substr(slash + 1);
      for (const DeviceRequest& req : pending[c]->spec.devices.requests) {
        if (req.name != request) continue;
        for (size_t i = 0; i < req.first_available.size(); ++i) {
          if (req.first_available[i].name == sub) rank += static_cast<int64_t>(i);
        }
      }
    }
  }
  return rank;
}

Placement Scheduler::Schedule(const Pod& pod) {
  Placement out;
  out.pod_namespace = pod.metadata.ns;
  out.pod_name = pod.metadata.name;
  PodClaims resolved = Resolve(pod);
  for (const ResourceClaim* c : resolved.claims) {
    out.claims.push_back(Key(c->metadata.ns, c->metadata.name));
  }
  if (!resolved.problem.empty()) {
    out.message = resolved.problem;
    return out;
  }
  std::vector<const ResourceClaim*> allocated, pending;
  for (ResourceClaim* c : resolved.claims) {
    if (c->status.allocation) {
      const auto& consumers = c->status.reserved_for;
      const bool mine = std::any_of(consumers.begin(), consumers.end(), [&](const auto& r) {
        return r.resource == "pods" && r.name == pod.metadata.name;
      });
      if (!mine && consumers.size() >= kMaxReservedFor) {
        out.message = fmt::format(
            "resourceclaim {}/{} is already reserved for {} consumers, the "
            "maximum",
            c->metadata.ns, c->metadata.name, kMaxReservedFor);
        return out;
      }
      allocated.push_back(c);
    } else {
      pending.push_back(c);
    }
  }

  // Filter memo key: the templates the pending claims come from, when every pending claim was
  // generated from one. Allocate is a pure function of the features, classes, slices, the node,
  // the allocated state of the devices the node can see and the claims' specs; a generated
  // claim's spec is its template's. So an outcome stays exact until a device the node sees is
  // allocated (node_generation_ for devices of pools bound to the node, shared_generation_ for
  // any other): the memo only skips work, never changes a decision.
  std::vector<const ResourceClaimTemplate*> templates;
  for (const ResourceClaim* c : pending) {
    auto it = generated_from_.find(c);
    if (it == generated_from_.end()) {
      templates.clear();
      break;
    }
    templates.push_back(it->second);
  }

  AllocatorInput in;
  in.features = options_.features;
  in.classes = &cluster_.device_classes;
  in.slices = &cluster_.resource_slices;
  in.index = index_.get();
  in.selectors = selectors_.get();
  in.share_seed = share_seed_;

  const size_t n = cluster_.nodes.size();
  const int want = NumFeasibleNodesToFind();
  std::map<std::string, int> reasons;  // FitError: reason -> nodes
  struct Best {
    size_t node = 0;
    int64_t rank = 0;
    int64_t packed = 0;
    std::vector<AllocationResult> results;
  };
  std::optional<Best> best;
  size_t processed = 0;
  // AllocatorInput::allocated is a copy; the scheduler keeps its state in allocated_ and swaps
  // it in for the duration of the loop instead of copying thousands of entries per pod.
  std::swap(in.allocated, allocated_);
  for (; processed < n && out.nodes_feasible < want; ++processed) {
    const Node& node = cluster_.nodes[(next_start_node_ + processed) % n];
    ++out.nodes_evaluated;
    bool fits = true;
    for (const ResourceClaim* c : allocated) {
      const auto& selector = c->status.allocation->node_selector;
      if (selector && !selector->Matches(node)) {
        ++reasons[kReasonClaimElsewhere];
        fits = false;
        break;
      }
    }
    if (!fits) continue;
    std::vector<AllocationResult> fresh;  // results not remembered
    const std::vector<AllocationResult>* results = &fresh;
    if (!pending.empty()) {
      const size_t index = (next_start_node_ + processed) % n;
      ++filter_calls_;
      std::vector<FilterMemo>& memos = memo_[index];
      auto memo = memos.end();
      if (!templates.empty()) {
        memo = std::find_if(memos.begin(), memos.end(),
                            [&](const FilterMemo& m) { return m.templates == templates; });
        if (memo != memos.end() && (memo->node_generation != node_generation_[index] ||
                                    memo->shared_generation != shared_generation_)) {
          memos.erase(memo);  // stale
          memo = memos.end();
        }
      }
      if (memo == memos.end()) {
        ++allocate_calls_;
        auto r = Allocate(in, node, pending);
        if (!r) {
          // A fatal error does not depend on the node's luck: upstream fails the pod's
          // scheduling attempt with it.
          out.message = r.error().message;
          out.error = true;
          std::swap(in.allocated, allocated_);
          return out;
        }
        const bool shares =
            std::any_of(r->results.begin(), r->results.end(), [](const AllocationResult& a) {
              return std::any_of(a.devices.results.begin(), a.devices.results.end(),
                                 [](const auto& d) { return d.share_id.has_value(); });
            });
        // Named claims are not reused by other pods, and shareIDs are unique per allocation:
        // neither is remembered.
        if (templates.empty() || shares) {
          if (r->outcome != AllocationOutcome::kAllocated) {
            ++reasons[r->outcome == AllocationOutcome::kNodeError ? r->node_error
                                                                  : kReasonCannotAllocate];
            continue;
          }
          fresh = std::move(r->results);
        } else {
          memos.push_back(FilterMemo{templates, node_generation_[index], shared_generation_,
                                     r->outcome, std::move(r->node_error), std::move(r->results)});
          memo = memos.end() - 1;
        }
      }
      if (memo != memos.end()) {
        if (memo->outcome != AllocationOutcome::kAllocated) {
          ++reasons[memo->outcome == AllocationOutcome::kNodeError ? memo->node_error
                                                                   : kReasonCannotAllocate];
          continue;
        }
        results = &memo->results;
      }
    }
    ++out.nodes_feasible;
    const int64_t rank = Rank(pending, *results);
    auto packed_it = devices_on_node_.find(node.name());
    const int64_t packed = packed_it == devices_on_node_.end() ? 0 : packed_it->second;
    if (!best || rank < best->rank || (rank == best->rank && packed > best->packed)) {
      best = Best{(next_start_node_ + processed) % n, rank, packed, *results};
    }
  }
  std::swap(in.allocated, allocated_);
  next_start_node_ = n ? (next_start_node_ + processed) % n : 0;
  if (!best) {
    std::string text = fmt::format("0/{} nodes are available", n);
    std::string sep = ": ";
    for (const auto& [reason, count] : reasons) {
      text += fmt::format("{}{} {}", sep, count, reason);
      sep = ", ";
    }
    out.message = text + ".";
    return out;
  }
  out.node = cluster_.nodes[best->node].name();
  std::vector<ResourceClaim*> touched;
  for (ResourceClaim* c : resolved.claims) touched.push_back(c);
  Commit(pod, out.node, touched, std::move(best->results));
  return out;
}

void Scheduler::Commit(const Pod& pod, const std::string& node,
                       const std::vector<ResourceClaim*>& claims,
                       std::vector<AllocationResult> results) {
  size_t next_result = 0;
  for (ResourceClaim* c : claims) {
    if (!c->status.allocation) {
      AllocationResult& r = results[next_result++];
      HoldAllocation(r, allocated_);
      Touch(r);
      devices_on_node_[node] += static_cast<int64_t>(r.devices.results.size());
      share_seed_ += r.devices.results.size();
      c->status.allocation = std::move(r);
    }
    auto& consumers = c->status.reserved_for;
    const bool mine = std::any_of(consumers.begin(), consumers.end(), [&](const auto& r) {
      return r.resource == "pods" && r.name == pod.metadata.name;
    });
    if (!mine) {
      consumers.push_back(
          ResourceClaimConsumerReference{"", "pods", pod.metadata.name, pod.metadata.uid});
    }
    if (changed_set_.insert(c).second) changed_.push_back(c);
  }
  bindings_.push_back(PodBinding{pod.metadata.ns, pod.metadata.name, pod.metadata.uid, node});
}

void Scheduler::Touch(const AllocationResult& allocation) {
  for (const DeviceRequestAllocationResult& r : allocation.devices.results) {
    const auto& slices = index_->PoolSlices(r.driver, r.pool);
    bool bound = !slices.empty();
    for (const ResourceSlice* s : slices) bound &= s->spec.node_name.has_value();
    if (!bound) {
      ++shared_generation_;
      continue;
    }
    for (const ResourceSlice* s : slices) {
      if (auto it = node_index_.find(*s->spec.node_name); it != node_index_.end()) {
        ++node_generation_[it->second];
      }
    }
  }
}

std::vector<Placement> Scheduler::ScheduleAll() {
  std::vector<Placement> out;
  for (size_t i = 0; i < cluster_.pods.size(); ++i) {
    if (!cluster_.pods[i].node_name.empty()) continue;
    Placement p = Schedule(cluster_.pods[i]);
    if (p.scheduled()) cluster_.pods[i].node_name = p.node;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace aiinfra::dra
