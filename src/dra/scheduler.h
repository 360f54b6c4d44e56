// Pod placement with DRA as kube-scheduler does it (specs/dra.md 2.16), for the resources DRA
// manages: pending Pods that reference ResourceClaims (by name or through a
// ResourceClaimTemplate) are placed one at a time, in order, onto Nodes.
//
// Per pod: PreFilter resolves its claims (a template yields a generated claim, named as the
// ResourceClaim controller names it: `<pod>-<podClaim>-<5 characters>`, here derived from a
// hash instead of random so runs are reproducible). Filter, per node: every allocated claim's
// nodeSelector must match the node, and the pod's unallocated claims must be allocatable there
// together (`Allocate`, with the devices earlier pods took). Like kube-scheduler, the search
// stops after `numFeasibleNodesToFind` feasible nodes (percentageOfNodesToScore; adaptive by
// default: 50% - nodes/125, at least 5% and at least 100 nodes) and the next pod starts where
// this one stopped, round-robin over the node list.
//
// Score (ours; kube-scheduler has no DRA score beyond its resource plugins): first prefer the
// node whose allocation uses the earliest firstAvailable subrequests (the sum of their indexes,
// lower is better; KEP-4816's intent that the user's preference order wins across nodes), then
// pack: prefer the node with the most devices already allocated on it (so whole nodes stay free
// for 8-GPU claims), then the earlier node in evaluation order.
//
// Reserve and bind: the chosen node's results become the claims' status.allocation, the pod is
// added to each claim's status.reservedFor (at most 256 consumers), and a Binding is recorded.
// What is not modelled: CPU, memory, ports, taints on nodes, affinity and every other plugin:
// only DRA decides.
#pragma once

#include <deque>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "common/result.h"
#include "dra/allocator.h"
#include "dra/features.h"
#include "dra/objects.h"

namespace aiinfra::dra {

inline constexpr size_t kMaxReservedFor = 256;

struct SchedulerOptions {
  Features features = Features::Kubernetes135Defaults();
  // kube-scheduler's percentageOfNodesToScore: 0 = its adaptive default; 100 = every node.
  int percentage_of_nodes_to_score = 0;
};

// Why one node was filtered out, in kube-scheduler's words.
inline constexpr const char* kReasonCannotAllocate = "cannot allocate all claims";
inline constexpr const char* kReasonClaimElsewhere = "resourceclaim not available on the node";

struct Placement {
  std::string pod_namespace;
  std::string pod_name;
  std::string node;                 // "" when the pod could not be placed
  std::vector<std::string> claims;  // "namespace/name" of the pod's claims, in pod order
  int nodes_evaluated = 0;
  int nodes_feasible = 0;
  // When `node` is empty: kube-scheduler's FitError text ("0/3 nodes are available: 3 cannot
  // allocate all claims.") or the reason the pod's claims cannot be resolved or allocated.
  std::string message;
  bool error = false;  // the pod hit a fatal allocator error (invalid input), not just no fit

  bool scheduled() const { return !node.empty(); }
};

// The Binding a placement writes (core/v1 Binding: metadata of the pod, target the node).
struct PodBinding {
  std::string pod_namespace;
  std::string pod_name;
  std::string pod_uid;
  std::string node;
};

class Scheduler {
 public:
  // Takes the cluster as read from manifests: classes, slices, nodes, claims (allocated ones hold
  // their devices), templates and pods. kInvalidInput when there are pods but no nodes.
  static Result<Scheduler> Create(Objects cluster, SchedulerOptions options);

  Scheduler(Scheduler&&) noexcept;
  Scheduler& operator=(Scheduler&&) noexcept;
  ~Scheduler();

  // Places every pod of the cluster that has no spec.nodeName, in input order.
  std::vector<Placement> ScheduleAll();
  // Places one pod (not yet bound; its namespace and name are taken as given).
  Placement Schedule(const Pod& pod);

  // Every claim of the cluster, updated, in input order followed by generated claims.
  std::vector<const ResourceClaim*> Claims() const;
  // Claims whose status changed (allocated or reserved), in the order that happened.
  std::vector<const ResourceClaim*> ChangedClaims() const;
  const std::vector<PodBinding>& Bindings() const { return bindings_; }
  const Objects& cluster() const { return cluster_; }
  const AllocatedState& allocated() const { return allocated_; }
  // Filter calls made, and how many of them ran the allocator (the rest were remembered).
  uint64_t filter_calls() const { return filter_calls_; }
  uint64_t allocate_calls() const { return allocate_calls_; }

 private:
  Scheduler() = default;

  struct PodClaims {
    std::vector<ResourceClaim*> claims;  // all of the pod's claims, deduplicated
    std::string problem;                 // why they cannot be resolved
  };
  // A remembered Filter outcome (see Schedule): for the pending claims generated from these
  // templates, on one node, while neither the node's devices nor shared devices changed.
  struct FilterMemo {
    std::vector<const ResourceClaimTemplate*> templates;
    uint64_t node_generation = 0;
    uint64_t shared_generation = 0;
    AllocationOutcome outcome = AllocationOutcome::kUnsatisfiable;
    std::string node_error;
    std::vector<AllocationResult> results;
  };
  void Touch(const AllocationResult& allocation);
  PodClaims Resolve(const Pod& pod);
  ResourceClaim* Find(const std::string& ns, const std::string& name);
  int NumFeasibleNodesToFind() const;
  int64_t Rank(const std::vector<const ResourceClaim*>& pending,
               const std::vector<AllocationResult>& results) const;
  void Commit(const Pod& pod, const std::string& node, const std::vector<ResourceClaim*>& claims,
              std::vector<AllocationResult> results);

  Objects cluster_;
  SchedulerOptions options_;
  std::unique_ptr<SliceIndex> index_;
  std::unique_ptr<SelectorCache> selectors_;
  AllocatedState allocated_;
  std::deque<ResourceClaim> claims_;  // stable addresses: the cluster's, then generated ones
  std::unordered_map<std::string, ResourceClaim*> claims_by_key_;
  std::unordered_map<std::string, int64_t> devices_on_node_;  // allocated devices per node
  std::vector<const ResourceClaim*> changed_;
  std::unordered_set<const ResourceClaim*> changed_set_;
  std::vector<PodBinding> bindings_;
  std::unordered_map<const ResourceClaim*, const ResourceClaimTemplate*> generated_from_;
  std::unordered_map<std::string, size_t> node_index_;
  std::vector<uint64_t> node_generation_;  // bumped when a device bound to the node is allocated
  uint64_t shared_generation_ = 0;         // bumped when any other device is allocated
  std::vector<std::vector<FilterMemo>> memo_;  // per node
  uint64_t filter_calls_ = 0, allocate_calls_ = 0;
  size_t next_start_node_ = 0;
  uint64_t share_seed_ = 0;
};

// The name the ResourceClaim controller generates for a pod's claim from a template, with a
// deterministic suffix: `<pod>-<podClaim>-xxxxx`, both parts cut proportionally when longer
// than 57 characters together (as upstream's resourceclaim controller does).
std::string GeneratedClaimName(const std::string& ns, const std::string& pod,
                               const std::string& pod_claim);

}  // namespace aiinfra::dra
