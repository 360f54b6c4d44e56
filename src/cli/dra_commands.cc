// The `dra` command group: the resource.k8s.io/v1 structured allocator on real manifests.
#include <fmt/format.h>

#include <sstream>

#include "cli/app.h"
#include "cli/dra_inputs.h"
#include "dra/allocator.h"
#include "dra/features.h"
#include "dra/manifest.h"
#include "dra/scheduler.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

Result<Output> DraAllocate(Invocation& inv) {
  AIINFRA_TRY(dra::Features features, DraFeatures(inv));
  AIINFRA_TRY(dra::Objects objects, ReadDraManifests(inv));
  const std::string node_name = inv.Get("node");
  AIINFRA_TRY(dra::Node node, NamedNode(objects, node_name));
  dra::AllocatorInput in;
  in.features = features;
  in.classes = &objects.device_classes;
  in.slices = &objects.resource_slices;
  in.allocated = dra::AllocatedStateOf(objects.resource_claims);
  std::vector<const dra::ResourceClaim*> pending;
  for (const dra::ResourceClaim& c : objects.resource_claims) {
    if (!c.status.allocation) pending.push_back(&c);
  }
  AIINFRA_TRY(dra::AllocationOutput out, dra::Allocate(in, node, pending));
  if (out.outcome != dra::AllocationOutcome::kAllocated) {
    std::string names;
    for (const dra::ResourceClaim* c : pending) {
      names += (names.empty() ? "" : ", ") + c->metadata.ns + "/" + c->metadata.name;
    }
    return Fail(ErrorCode::kNoResult,
                fmt::format("cannot allocate {} on node {}{}", names, node_name,
                            out.node_error.empty() ? "" : ": " + out.node_error));
  }
  std::vector<dra::ResourceClaim> allocated;
  for (size_t i = 0; i < pending.size(); ++i) {
    dra::ResourceClaim c = *pending[i];
    c.status.allocation = out.results[i];
    allocated.push_back(std::move(c));
  }
  Json claims = Json::array();
  std::string yaml;
  for (const dra::ResourceClaim& c : allocated) {
    std::string doc = dra::ToYaml(c);
    claims.push_back(Json{{"namespace", c.metadata.ns}, {"name", c.metadata.name}, {"yaml", doc}});
    yaml += (yaml.empty() ? "" : "---\n") + doc;
  }
  Output o{.data = Json{{"node", node_name}, {"features", features.Names()}, {"claims", claims}}};
  o.table = [yaml](std::ostream& os) { os << yaml; };
  return o;
}

// core/v1 Binding as kube-scheduler posts it: the pod's namespace, name and uid, and the node.
Json BindingObject(const dra::PodBinding& b) {
  Json metadata{{"name", b.pod_name}, {"namespace", b.pod_namespace}};
  if (!b.pod_uid.empty()) metadata["uid"] = b.pod_uid;
  return Json{{"apiVersion", "v1"},
              {"kind", "Binding"},
              {"metadata", metadata},
              {"target", Json{{"kind", "Node"}, {"name", b.node}}}};
}

Result<Output> DraSchedule(Invocation& inv) {
  AIINFRA_TRY(dra::Features features, DraFeatures(inv));
  dra::SchedulerOptions options;
  options.features = features;
  if (inv.Has("percentage-of-nodes-to-score")) {
    AIINFRA_TRY(options.percentage_of_nodes_to_score, inv.GetInt("percentage-of-nodes-to-score"));
    if (options.percentage_of_nodes_to_score < 0 || options.percentage_of_nodes_to_score > 100) {
      return Fail(ErrorCode::kUsage,
                  "--percentage-of-nodes-to-score: expected 0 (adaptive) to 100");
    }
  }
  AIINFRA_TRY(dra::Objects objects, ReadDraManifests(inv));
  AIINFRA_TRY(dra::Scheduler scheduler, dra::Scheduler::Create(std::move(objects), options));
  std::vector<dra::Placement> placements = scheduler.ScheduleAll();

  Json pods = Json::array();
  std::string failed;
  size_t unscheduled = 0;
  bool error = false;
  for (const dra::Placement& p : placements) {
    Json j{{"namespace", p.pod_namespace}, {"name", p.pod_name}, {"claims", p.claims}};
    if (p.scheduled()) {
      j["node"] = p.node;
    } else {
      j["message"] = p.message;
      ++unscheduled;
      error |= p.error;
      failed += fmt::format("\n  pod {}/{}: {}", p.pod_namespace, p.pod_name, p.message);
    }
    j["nodes_evaluated"] = p.nodes_evaluated;
    j["nodes_feasible"] = p.nodes_feasible;
    pods.push_back(std::move(j));
  }
  std::string yaml;
  Json claims = Json::array();
  for (const dra::ResourceClaim* c : scheduler.ChangedClaims()) {
    std::string doc = dra::ToYaml(*c);
    claims.push_back(
        Json{{"namespace", c->metadata.ns}, {"name", c->metadata.name}, {"yaml", doc}});
    yaml += (yaml.empty() ? "" : "---\n") + doc;
  }
  Json bindings = Json::array();
  for (const dra::PodBinding& b : scheduler.Bindings()) {
    Json object = BindingObject(b);
    yaml += (yaml.empty() ? "" : "---\n") + ToYaml(object);
    bindings.push_back(std::move(object));
  }
  Output o{.data = Json{{"features", features.Names()},
                        {"pods", pods},
                        {"claims", claims},
                        {"bindings", bindings}}};
  o.table = [yaml](std::ostream& os) { os << yaml; };
  if (unscheduled > 0) {
    o.failure = Error{error ? ErrorCode::kInvalidInput : ErrorCode::kNoResult,
                      fmt::format("{} of {} pods could not be scheduled (`aiinfra dra explain` "
                                  "with the same files says why, node by node):{}",
                                  unscheduled, placements.size(), failed)};
  }
  return o;
}

}  // namespace

void RegisterDraCommands(CommandTable& table) {
  table.AddGroup({"dra"}, "Kubernetes DRA: the resource.k8s.io/v1 structured allocator",
                 "Re-implements the scheduler-side allocator of Dynamic Resource Allocation on "
                 "real manifests (DeviceClass, ResourceSlice, ResourceClaim, Node; multi-document "
                 "YAML or kubectl get -o yaml lists).");
  table.Add({
      .path = {"dra", "allocate"},
      .summary = "Allocate the pending ResourceClaims of the input on one node",
      .description =
          "Allocates every claim of the input that has no status.allocation, in the order "
          "given, on --node, as kube-scheduler's DRA plugin would for one pod; claims that are "
          "already allocated hold their devices. Prints each claim with its status.allocation "
          "as YAML. Exit 0 when every claim is allocated, 4 when the node cannot satisfy them, "
          "3 on invalid input (including upstream's fatal allocator errors).\n\n"
          "--features takes the allocator's flags (AdminAccess, PrioritizedList, "
          "PartitionableDevices, DeviceTaints, ConsumableCapacity, DeviceBindingAndStatus) or "
          "none; without it, what Kubernetes 1.35 enables by default (AdminAccess, "
          "PrioritizedList).",
      .options = {{.name = "node", .value_name = "NAME", .help = "the node", .required = true},
                  DraFeaturesOption(),
                  DraFileOption("manifests (repeat -f for several files)")},
      .examples = {"aiinfra dra allocate --node node-1 -f cluster.yaml -f claims.yaml",
                   "aiinfra dra allocate --node node-1 --features none -f all.yaml -o json"},
      .handler = DraAllocate,
  });
  table.Add({
      .path = {"dra", "schedule"},
      .summary = "Place the pending Pods of the input onto Nodes, allocating their claims",
      .description =
          "Schedules every Pod of the input without spec.nodeName, in the order given, as "
          "kube-scheduler would with DRA as the only plugin that decides: a template claim is "
          "generated per pod (named <pod>-<claim>-<5 characters>, deterministic here); a node "
          "passes the filter when the pod's allocated claims may be used there and its pending "
          "claims can be allocated there together; the search stops after kube-scheduler's "
          "number of feasible nodes (percentageOfNodesToScore) and resumes round-robin for the "
          "next pod. Score: the earliest firstAvailable subrequests, then the node with most "
          "devices already allocated (packing), then the earlier node. Prints the claims whose "
          "status changed (status.allocation, status.reservedFor) and one v1 Binding per "
          "placed pod as YAML. Exit 0 when every pod is placed, 4 when some cannot be (each is "
          "named with kube-scheduler's reason on stderr), 3 on invalid input (including a fatal "
          "allocator error for a pod). CPU, memory, node taints and affinity are not modelled.",
      .options = {DraFeaturesOption(),
                  {.name = "percentage-of-nodes-to-score",
                   .value_name = "P",
                   .help = "kube-scheduler's percentageOfNodesToScore (default 0: adaptive)"},
                  DraFileOption("manifests: nodes, classes, slices, claims, templates, pods")},
      .examples = {"aiinfra dra schedule -f cluster.yaml -f pods.yaml",
                   "aiinfra dra schedule -f all.yaml -o json"},
      .handler = DraSchedule,
  });
}

}  // namespace aiinfra::cli
