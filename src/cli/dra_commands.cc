// The `dra` command group: the resource.k8s.io/v1 structured allocator on real manifests.
#include <fmt/format.h>

#include <sstream>

#include "cli/app.h"
#include "dra/allocator.h"
#include "dra/features.h"
#include "dra/manifest.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

Result<dra::Objects> ReadInputs(Invocation& inv) {
  std::vector<dra::ManifestFile> files;
  for (const std::string& path : inv.GetAll("file")) {
    AIINFRA_TRY(std::string text, inv.env.ReadFile(path));
    files.push_back({path, std::move(text)});
  }
  if (files.empty()) return Fail(ErrorCode::kUsage, "give the manifests with -f FILE");
  // The API server's checks apply, except those the allocator itself reports (its contract).
  return dra::ReadManifests(files, dra::ReadOptions{.validate = true});
}

Result<dra::Features> FeaturesOf(const Invocation& inv) {
  if (!inv.Has("features")) return dra::Features::Kubernetes135Defaults();
  return dra::ParseFeatures(inv.Get("features"));
}

Result<Output> DraAllocate(Invocation& inv) {
  AIINFRA_TRY(dra::Features features, FeaturesOf(inv));
  AIINFRA_TRY(dra::Objects objects, ReadInputs(inv));
  const std::string node_name = inv.Get("node");
  dra::Node node;
  if (const dra::Node* found = objects.FindNode(node_name)) {
    node = *found;
  } else if (objects.nodes.empty()) {
    node.metadata.name = node_name;  // no Node manifests: a node without labels
  } else {
    return Fail(ErrorCode::kNotFound,
                fmt::format("node {} is not among the Node manifests given; add it (kubectl get "
                            "node {} -o yaml)",
                            node_name, node_name));
  }
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
                  {.name = "features",
                   .value_name = "F1,F2|none",
                   .help = "allocator features to enable (default: Kubernetes 1.35's)"},
                  {.name = "file",
                   .value_name = "FILE",
                   .help = "manifests (repeat -f for several files)",
                   .required = true,
                   .repeated = true,
                   .short_name = 'f'}},
      .examples = {"aiinfra dra allocate --node node-1 -f cluster.yaml -f claims.yaml",
                   "aiinfra dra allocate --node node-1 --features none -f all.yaml -o json"},
      .handler = DraAllocate,
  });
}

}  // namespace aiinfra::cli
