#include "dra/cluster_slices.h"

#include <gtest/gtest.h>

#include <map>
#include <set>

#include "common/data.h"
#include "dra/allocator.h"
#include "dra/manifest.h"

namespace aiinfra::dra {
namespace {

const hw::Catalog& TheCatalog() {
  static const hw::Catalog catalog = *hw::Catalog::Load(DataSource());
  return catalog;
}

ClusterObjects Build(const std::string& system, int nodes) {
  auto built = BuildCluster(TheCatalog(), system, nodes);
  EXPECT_TRUE(built) << built.error().ToString();
  return built ? *built : ClusterObjects{};
}

const AttributeValue* Attr(const Device& d, const std::string& name) {
  auto it = d.attributes.find(name);
  return it == d.attributes.end() ? nullptr : &it->second;
}

std::string StrAttr(const Device& d, const std::string& name) {
  const AttributeValue* v = Attr(d, name);
  return v ? v->string_value : "<missing " + name + ">";
}

std::vector<const ResourceSlice*> SlicesOf(const ClusterObjects& c, const std::string& node,
                                           const std::string& driver) {
  std::vector<const ResourceSlice*> out;
  for (const auto& s : c.resource_slices) {
    if (s.spec.node_name == node && s.spec.driver == driver) out.push_back(&s);
  }
  return out;
}

// All objects as one multi-document YAML file, as `aiinfra dra slices` prints them.
std::string AsYaml(const ClusterObjects& c) {
  std::string text;
  for (const auto& n : c.nodes) text += "---\n" + ToYaml(n);
  for (const auto& d : c.device_classes) text += "---\n" + ToYaml(d);
  for (const auto& s : c.resource_slices) text += "---\n" + ToYaml(s);
  return text;
}

TEST(ClusterSlicesTest, HgxH100NodesHaveEightGpusAndEightNics) {
  const ClusterObjects c = Build("hgx-h100", 2);
  ASSERT_EQ(c.nodes.size(), 2u);
  EXPECT_EQ(c.nodes[1].name(), "node-2");
  EXPECT_EQ(c.nodes[1].metadata.labels.at("kubernetes.io/hostname"), "node-2");
  ASSERT_EQ(c.device_classes.size(), 2u);
  EXPECT_EQ(c.device_classes[0].metadata.name, "gpu.nvidia.com");
  EXPECT_EQ(c.device_classes[0].spec.selectors.at(0).cel, "device.driver == \"gpu.nvidia.com\"");
  EXPECT_EQ(c.device_classes[1].metadata.name, "dranet");
  ASSERT_EQ(c.resource_slices.size(), 4u);

  const auto gpus = SlicesOf(c, "node-2", "gpu.nvidia.com");
  ASSERT_EQ(gpus.size(), 1u);
  const ResourceSlice& g = *gpus[0];
  EXPECT_EQ(g.metadata.name, "node-2-gpu.nvidia.com");
  EXPECT_EQ(g.spec.pool, (ResourcePool{"node-2", 1, 1}));
  ASSERT_EQ(g.spec.devices.size(), 8u);
  const Device& gpu7 = g.spec.devices[7];
  EXPECT_EQ(gpu7.name, "gpu-7");
  EXPECT_EQ(StrAttr(gpu7, "type"), "gpu");
  EXPECT_EQ(StrAttr(gpu7, "productName"), "NVIDIA H100 80GB HBM3");
  EXPECT_EQ(StrAttr(gpu7, "architecture"), "Hopper");
  EXPECT_EQ(StrAttr(gpu7, "brand"), "Nvidia");
  EXPECT_EQ(Attr(gpu7, "cudaComputeCapability")->kind, AttributeValue::Kind::kVersion);
  EXPECT_EQ(StrAttr(gpu7, "cudaComputeCapability"), "9.0.0");
  EXPECT_EQ(Attr(gpu7, "minor")->int_value, 7);
  EXPECT_EQ(Attr(gpu7, "index")->int_value, 7);
  EXPECT_TRUE(StrAttr(gpu7, "uuid").starts_with("GPU-")) << StrAttr(gpu7, "uuid");
  EXPECT_EQ(StrAttr(gpu7, "uuid").size(), 40u);
  EXPECT_EQ(StrAttr(gpu7, "resource.kubernetes.io/pcieRoot"), "pci0000:f0");
  EXPECT_EQ(StrAttr(gpu7, "resource.kubernetes.io/pciBusID"), "0000:fb:00.0");
  // 79.6 GiB usable (nvidia-smi's total) in whole MiB.
  EXPECT_EQ(gpu7.capacity.at("memory").value.ToString(), "81510Mi");
  EXPECT_EQ(Attr(gpu7, "numa"), nullptr);  // NVIDIA's driver publishes none for full GPUs

  const auto nics = SlicesOf(c, "node-2", "dra.net");
  ASSERT_EQ(nics.size(), 1u);
  ASSERT_EQ(nics[0]->spec.devices.size(), 8u);
  const Device& nic0 = nics[0]->spec.devices[0];
  EXPECT_EQ(nic0.name, "pci-0000-18-00-0");
  EXPECT_EQ(StrAttr(nic0, "dra.net/pciAddress"), "0000:18:00.0");
  EXPECT_EQ(StrAttr(nic0, "dra.net/ifName"), "enp24s0np0");
  EXPECT_TRUE(Attr(nic0, "dra.net/rdma")->bool_value);
  EXPECT_EQ(Attr(nic0, "dra.net/numaNode")->int_value, 0);
  EXPECT_EQ(Attr(nics[0]->spec.devices[7], "dra.net/numaNode")->int_value, 1);
}

// One NIC per GPU, on the GPU's root complex, and no two GPUs share a root (HGX, GB200, MI300X).
TEST(ClusterSlicesTest, EveryGpuSharesItsPcieRootWithExactlyOneNic) {
  for (const char* system : {"hgx-h100", "gb200-nvl72", "mi300x-8gpu", "hgx-b200"}) {
    const ClusterObjects c = Build(system, 3);
    for (const Node& node : c.nodes) {
      std::map<std::string, int> nics_per_root;
      std::map<std::string, int64_t> numa_of_root;
      for (const auto* s : SlicesOf(c, node.name(), "dra.net")) {
        for (const Device& nic : s->spec.devices) {
          const std::string root = StrAttr(nic, "resource.kubernetes.io/pcieRoot");
          ++nics_per_root[root];
          numa_of_root[root] = Attr(nic, "dra.net/numaNode")->int_value;
        }
      }
      std::set<std::string> gpu_roots;
      int gpus = 0;
      for (const auto& s : c.resource_slices) {
        if (s.spec.node_name != node.name() || s.spec.driver == "dra.net") continue;
        for (const Device& gpu : s.spec.devices) {
          const std::string root = StrAttr(gpu, "resource.kubernetes.io/pcieRoot");
          EXPECT_EQ(nics_per_root[root], 1) << system << " " << gpu.name;
          EXPECT_TRUE(gpu_roots.insert(root).second) << system << " " << gpu.name;
          // Half the GPUs per NUMA node; the NIC shares its GPU's.
          EXPECT_EQ(numa_of_root[root], gpus * 2 / (system == std::string("gb200-nvl72") ? 4 : 8));
          if (const AttributeValue* numa = Attr(gpu, "numaNode")) {  // AMD publishes one
            EXPECT_EQ(numa->int_value, numa_of_root[root]);
          }
          ++gpus;
        }
      }
      EXPECT_EQ(gpus, system == std::string("gb200-nvl72") ? 4 : 8) << system;
      EXPECT_EQ(nics_per_root.size(), static_cast<size_t>(gpus)) << system;
    }
  }
}

// GB200 NVL72: 18 trays of 4 GPUs per NVLink domain, in node order.
TEST(ClusterSlicesTest, Gb200NodesAreGroupedIntoNvlinkDomainsOfEighteen) {
  const ClusterObjects c = Build("gb200-nvl72", 20);
  std::vector<std::string> clique_of_node;
  for (const Node& node : c.nodes) {
    const auto slices = SlicesOf(c, node.name(), "gpu.nvidia.com");
    ASSERT_EQ(slices.size(), 1u);
    ASSERT_EQ(slices[0]->spec.devices.size(), 4u);
    const std::string clique = StrAttr(slices[0]->spec.devices[0], kNvlinkDomainAttribute);
    for (const Device& gpu : slices[0]->spec.devices) {
      EXPECT_EQ(StrAttr(gpu, kNvlinkDomainAttribute), clique);
      EXPECT_EQ(StrAttr(gpu, "productName"), "NVIDIA GB200");
    }
    EXPECT_EQ(node.metadata.labels.at(kNvlinkCliqueLabel), clique);
    EXPECT_TRUE(clique.ends_with(".0")) << clique;
    EXPECT_EQ(clique.size(), 38u) << clique;  // <36-character UUID>.<cliqueId>
    clique_of_node.push_back(clique);
  }
  for (int n = 1; n < 18; ++n) EXPECT_EQ(clique_of_node[n], clique_of_node[0]) << n;
  EXPECT_NE(clique_of_node[18], clique_of_node[0]);
  EXPECT_EQ(clique_of_node[19], clique_of_node[18]);
}

// HGX: the NVLink domain is the node; GFD sets no clique label there (no NVLink fabric).
TEST(ClusterSlicesTest, HgxNvlinkDomainIsTheNode) {
  const ClusterObjects c = Build("hgx-h200", 2);
  const std::string a =
      StrAttr(SlicesOf(c, "node-1", "gpu.nvidia.com")[0]->spec.devices[0], kNvlinkDomainAttribute);
  const std::string b =
      StrAttr(SlicesOf(c, "node-2", "gpu.nvidia.com")[0]->spec.devices[0], kNvlinkDomainAttribute);
  EXPECT_NE(a, b);
  EXPECT_EQ(c.nodes[0].metadata.labels.count(kNvlinkCliqueLabel), 0u);
}

TEST(ClusterSlicesTest, AmdUsesTheRocmDriverVocabulary) {
  const ClusterObjects c = Build("mi300x-8gpu", 1);
  EXPECT_EQ(c.device_classes[0].metadata.name, "gpu.amd.com");
  const auto slices = SlicesOf(c, "node-1", "gpu.amd.com");
  ASSERT_EQ(slices.size(), 1u);
  const Device& gpu = slices[0]->spec.devices.at(1);
  EXPECT_EQ(gpu.name, "gpu-1-129");
  EXPECT_EQ(StrAttr(gpu, "type"), "amdgpu");
  EXPECT_EQ(StrAttr(gpu, "productName"), "AMD_Instinct_MI300X_OAM");
  EXPECT_EQ(Attr(gpu, "numaNode")->int_value, 0);
  EXPECT_EQ(Attr(gpu, kNvlinkDomainAttribute), nullptr);
}

// Identifiers are made up but deterministic, and unique across the cluster.
TEST(ClusterSlicesTest, DeterministicAndUnique) {
  const ClusterObjects a = Build("hgx-b200", 4);
  const ClusterObjects b = Build("hgx-b200", 4);
  EXPECT_EQ(a.resource_slices, b.resource_slices);
  std::set<std::string> uuids, macs;
  for (const auto& s : a.resource_slices) {
    for (const Device& d : s.spec.devices) {
      if (Attr(d, "uuid")) {
        EXPECT_TRUE(uuids.insert(StrAttr(d, "uuid")).second);
      }
      if (Attr(d, "dra.net/mac")) {
        EXPECT_TRUE(macs.insert(StrAttr(d, "dra.net/mac")).second);
      }
    }
  }
  EXPECT_EQ(uuids.size(), 32u);
  EXPECT_EQ(macs.size(), 32u);
  auto slices = ClusterSlices(TheCatalog(), "hgx-b200", 4);
  ASSERT_TRUE(slices);
  EXPECT_EQ(*slices, a.resource_slices);
}

// What the API server would accept: written as YAML and read back with validation, every
// supported system gives equal objects within the API's limits.
TEST(ClusterSlicesTest, OutputPassesValidationAfterAYamlRoundTrip) {
  for (const std::string& system : SupportedClusterSystems(TheCatalog())) {
    const ClusterObjects c = Build(system, 2);
    auto read = ReadManifests({ManifestFile{system + ".yaml", AsYaml(c)}});
    ASSERT_TRUE(read) << system << ": " << read.error().ToString();
    EXPECT_EQ(read->nodes, c.nodes) << system;
    EXPECT_EQ(read->device_classes, c.device_classes) << system;
    EXPECT_EQ(read->resource_slices, c.resource_slices) << system;
    for (const auto& s : c.resource_slices) {
      EXPECT_LE(s.spec.devices.size(), static_cast<size_t>(kMaxDevicesPerSlice));
      for (const Device& d : s.spec.devices) {
        EXPECT_LE(d.attributes.size() + d.capacity.size(),
                  static_cast<size_t>(kMaxAttributesAndCapacitiesPerDevice));
      }
    }
  }
  EXPECT_EQ(SupportedClusterSystems(TheCatalog()).size(), 11u);
}

// The allocator on the generated cluster: a GPU with the NIC on its root, and eight GPUs of one
// NVLink domain (matchAttribute on the clique), on node-2 of an HGX H100 cluster.
TEST(ClusterSlicesTest, AllocatorPairsGpusWithNicsOnTheGeneratedCluster) {
  const ClusterObjects c = Build("hgx-h100", 2);
  const std::string claims = R"(
apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: gpu-and-nic}
spec:
  devices:
    requests:
    - name: gpu
      exactly: {deviceClassName: gpu.nvidia.com}
    - name: nic
      exactly: {deviceClassName: dranet}
    constraints:
    - matchAttribute: resource.kubernetes.io/pcieRoot
---
apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: seven-gpus}
spec:
  devices:
    requests:
    - name: gpus
      exactly: {deviceClassName: gpu.nvidia.com, count: 7}
    constraints:
    - matchAttribute: gpu.nvidia.com/cliqueID
)";
  auto objs = ReadManifests({{"c.yaml", AsYaml(c)}, {"claims.yaml", claims}});
  ASSERT_TRUE(objs) << objs.error().ToString();
  AllocatorInput in;
  in.features = Features::Kubernetes135Defaults();
  in.classes = &objs->device_classes;
  in.slices = &objs->resource_slices;
  auto out = Allocate(in, *objs->FindNode("node-2"),
                      {&objs->resource_claims[0], &objs->resource_claims[1]});
  ASSERT_TRUE(out) << out.error().ToString();
  ASSERT_EQ(out->outcome, AllocationOutcome::kAllocated);
  const auto& first = out->results[0].devices.results;
  ASSERT_EQ(first.size(), 2u);
  EXPECT_EQ(first[0].pool, "node-2");
  EXPECT_EQ(first[0].device, "gpu-0");
  EXPECT_EQ(first[1].device, "pci-0000-18-00-0");
  EXPECT_EQ(out->results[1].devices.results.size(), 7u);
  EXPECT_EQ(out->results[1].devices.results.back().device, "gpu-7");
}

TEST(ClusterSlicesTest, Errors) {
  auto unknown = BuildCluster(TheCatalog(), "hgx-h1000", 1);
  ASSERT_FALSE(unknown);
  EXPECT_EQ(unknown.error().code, ErrorCode::kNotFound);
  EXPECT_NE(unknown.error().message.find("did you mean"), std::string::npos)
      << unknown.error().message;

  for (int nodes : {0, -3, kMaxClusterNodes + 1}) {
    auto bad = BuildCluster(TheCatalog(), "hgx-h100", nodes);
    ASSERT_FALSE(bad) << nodes;
    EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(bad.error().message.find("nodes must be between 1 and"), std::string::npos);
  }

  ClusterSlicesOptions options;
  options.node_prefix = "GPU_Node";
  auto bad_prefix = BuildCluster(TheCatalog(), "hgx-h100", 1, options);
  ASSERT_FALSE(bad_prefix);
  EXPECT_EQ(bad_prefix.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(bad_prefix.error().message.find("node prefix \"GPU_Node\""), std::string::npos)
      << bad_prefix.error().message;

  for (const char* system : {"cloudmatrix-384", "metax-s8000-g2"}) {
    auto refused = BuildCluster(TheCatalog(), system, 1);
    ASSERT_FALSE(refused) << system;
    EXPECT_EQ(refused.error().code, ErrorCode::kInvalidInput);
    const std::string& m = refused.error().message;
    EXPECT_TRUE(m.starts_with(std::string("system ") + system)) << m;
    EXPECT_NE(m.find("supported systems: "), std::string::npos) << m;
    EXPECT_NE(m.find("gb200-nvl72"), std::string::npos) << m;
    EXPECT_NE(m.find("mi300x-8gpu"), std::string::npos) << m;
  }
}

}  // namespace
}  // namespace aiinfra::dra
