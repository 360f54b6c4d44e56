// `aiinfra dra slices`: the Nodes, DeviceClasses and ResourceSlices that the GPU and NIC DRA
// drivers would publish on a cluster of catalog systems (dra/cluster_slices.h), as manifests.
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <string>

#include "cli/app.h"
#include "dra/cluster_slices.h"
#include "dra/manifest.h"
#include "hw/catalog.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

// One YAML document (as dra::ToYaml writes it) as JSON: quoted scalars stay strings, plain ones
// become numbers, booleans or null where YAML reads them so, as kubectl's YAML-to-JSON does.
Json YamlToJson(const YAML::Node& node) {
  switch (node.Type()) {
    case YAML::NodeType::Map: {
      Json obj = Json::object();
      for (const auto& kv : node) obj[kv.first.as<std::string>()] = YamlToJson(kv.second);
      return obj;
    }
    case YAML::NodeType::Sequence: {
      Json arr = Json::array();
      for (const auto& item : node) arr.push_back(YamlToJson(item));
      return arr;
    }
    case YAML::NodeType::Scalar: {
      const std::string text = node.Scalar();
      if (node.Tag() == "!") return text;  // quoted
      if (text == "true" || text == "false") return text == "true";
      int64_t i = 0;
      if (YAML::convert<int64_t>::decode(node, i)) return i;
      return text;
    }
    default:
      return nullptr;
  }
}

Result<Output> DraSlices(Invocation& inv) {
  AIINFRA_TRY(int nodes, inv.GetInt("nodes"));
  if (nodes < 1 || nodes > dra::kMaxClusterNodes) {
    return Fail(ErrorCode::kUsage, fmt::format("--nodes must be between 1 and {}, got {}",
                                               dra::kMaxClusterNodes, nodes));
  }
  AIINFRA_TRY(hw::Catalog catalog, hw::Catalog::Load(inv.data));
  dra::ClusterSlicesOptions options;
  options.node_prefix = inv.Get("node-prefix");
  AIINFRA_TRY(dra::ClusterObjects cluster,
              dra::BuildCluster(catalog, inv.Get("system"), nodes, options));

  std::string yaml;
  Json items = Json::array();
  auto add = [&](const std::string& doc) {
    yaml += (yaml.empty() ? "" : "---\n") + doc;
    items.push_back(YamlToJson(YAML::Load(doc)));
  };
  for (const dra::Node& n : cluster.nodes) add(dra::ToYaml(n));
  for (const dra::DeviceClass& c : cluster.device_classes) add(dra::ToYaml(c));
  for (const dra::ResourceSlice& s : cluster.resource_slices) add(dra::ToYaml(s));
  // -o json|yaml print the same objects as one `kind: List`, which kubectl and
  // `aiinfra dra allocate -f` read as well.
  Output o{.data = Json{{"apiVersion", "v1"}, {"kind", "List"}, {"items", std::move(items)}}};
  o.table = [yaml = std::move(yaml)](std::ostream& os) { os << yaml; };
  return o;
}

}  // namespace

void RegisterDraSlicesCommand(CommandTable& table) {
  table.Add({
      .path = {"dra", "slices"},
      .summary = "Print the ResourceSlices a cluster of catalog systems would publish",
      .description =
          "Builds what the DRA drivers would publish on --nodes Kubernetes nodes of a catalog "
          "system (a node is one server or compute tray: a GB200 NVL72 rack is 18 nodes of 4 "
          "GPUs): the Node objects, the DeviceClasses gpu.nvidia.com (or gpu.amd.com) and "
          "dranet, and per node one GPU slice in the vocabulary of NVIDIA's k8s-dra-driver-gpu "
          "(or AMD's k8s-gpu-dra-driver) and one NIC slice in google/dranet's. Each NIC shares "
          "a PCIe root (resource.kubernetes.io/pcieRoot) with the GPU it serves; NVIDIA GPUs "
          "carry their NVLink domain as gpu.nvidia.com/cliqueID (nodes grouped in order into "
          "domains of the system's scale-up size; an HGX node is its own domain). UUIDs, PCI "
          "addresses and MACs are made up but deterministic.\n\n"
          "Prints multi-document YAML; -o yaml or -o json print the same objects as one "
          "kind: List. Feed either to `aiinfra dra allocate -f` together with claims. Systems "
          "whose accelerators have no known DRA driver (Huawei Ascend, MetaX) are refused.",
      .options = {{.name = "system",
                   .value_name = "ID",
                   .help = "catalog system, e.g. hgx-h100 or gb200-nvl72",
                   .required = true},
                  {.name = "nodes",
                   .value_name = "N",
                   .help = "Kubernetes nodes (servers or compute trays)",
                   .default_value = "1"},
                  {.name = "node-prefix",
                   .value_name = "NAME",
                   .help = "nodes are named NAME-1 ... NAME-N",
                   .default_value = "node"}},
      .examples = {"aiinfra dra slices --system hgx-h100 --nodes 2 > cluster.yaml",
                   "aiinfra dra slices --system gb200-nvl72 --nodes 18 -o json"},
      .handler = DraSlices,
  });
}

}  // namespace aiinfra::cli
