#include "dra/cluster_slices.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <string_view>

#include "dra/names.h"

namespace aiinfra::dra {
namespace {

constexpr const char* kNvidiaDriver = "gpu.nvidia.com";
constexpr const char* kAmdDriver = "gpu.amd.com";
constexpr const char* kDranetDriver = "dra.net";
constexpr const char* kPcieRoot = "resource.kubernetes.io/pcieRoot";
constexpr const char* kPciBusId = "resource.kubernetes.io/pciBusID";

// What NVML reports for each NVIDIA accelerator of the catalog, as k8s-dra-driver-gpu publishes
// it (attributes productName, architecture, cudaComputeCapability; brand is "Nvidia" for all).
// Sources:
//  - H100: `kubectl get resourceslices -o yaml` of k8s-dra-driver-gpu on an EKS p5.48xlarge
//    (8x H100, driver 580.105.8, CUDA 13.0), published as CNCF AI-conformance evidence
//    ("Secure Accelerator Access", Kubernetes v1.35, 2026-04): productName
//    "NVIDIA H100 80GB HBM3", architecture "Hopper", brand "Nvidia", cudaComputeCapability 9.0.0.
//  - H200: the same listing in a public DRA walkthrough (driver 580.126.20): "NVIDIA H200".
//  - A100 80GB: nvidia-smi's name in
//  https://github.com/thamada/nvidia-smi/blob/b09ef139265ffc7e3c78006346981de8e4d70499/gls/A100SXMx4_smi.py
//  - H20: nvidia-smi in https://github.com/NVIDIA/nvtrust/issues/128
//  - B200: nvidia-smi in
//  https://docs.vultr.com/inference-cookbook/cuda/getting-started/hardware-overview
//  - H800, GB200, GB300: estimated, nvidia-smi's "NVIDIA <model>" pattern of the above.
//  - Compute capabilities: https://developer.nvidia.com/cuda-gpus (Ampere A100 8.0, Hopper 9.0,
//    Blackwell B200/GB200 10.0, Blackwell Ultra GB300 10.3); NVML names both Blackwell
//    generations' architecture "Blackwell".
struct NvidiaModel {
  const char* accelerator_id;
  const char* product_name;
  const char* architecture;
  const char* compute_capability;
};
constexpr NvidiaModel kNvidiaModels[] = {
    {"a100-sxm-80gb", "NVIDIA A100-SXM4-80GB", "Ampere", "8.0.0"},
    {"h100-sxm", "NVIDIA H100 80GB HBM3", "Hopper", "9.0.0"},
    {"h200-sxm", "NVIDIA H200", "Hopper", "9.0.0"},
    {"h800-sxm", "NVIDIA H800", "Hopper", "9.0.0"},
    {"h20", "NVIDIA H20", "Hopper", "9.0.0"},
    {"b200", "NVIDIA B200", "Blackwell", "10.0.0"},
    {"gb200", "NVIDIA GB200", "Blackwell", "10.0.0"},
    {"gb300", "NVIDIA GB300", "Blackwell", "10.3.0"},
};

// AMD's driver normalizes the product name: "AMD_Instinct_MI300X_OAM" in a slice it published
// (https://github.com/ROCm/k8s-gpu-dra-driver/pull/21, which also shows driverVersion 6.16.6);
// MI325X and MI355X are estimated by the same pattern. Attribute names and device naming:
// https://github.com/ROCm/k8s-gpu-dra-driver/blob/main/docs/driver-attributes.md
struct AmdModel {
  const char* accelerator_id;
  const char* product_name;
};
constexpr AmdModel kAmdModels[] = {
    {"mi300x", "AMD_Instinct_MI300X_OAM"},
    {"mi325x", "AMD_Instinct_MI325X_OAM"},
    {"mi355x", "AMD_Instinct_MI355X_OAM"},
};

const NvidiaModel* FindNvidia(const std::string& accelerator_id) {
  for (const NvidiaModel& m : kNvidiaModels) {
    if (accelerator_id == m.accelerator_id) return &m;
  }
  return nullptr;
}

const AmdModel* FindAmd(const std::string& accelerator_id) {
  for (const AmdModel& m : kAmdModels) {
    if (accelerator_id == m.accelerator_id) return &m;
  }
  return nullptr;
}

AttributeValue Str(std::string s) {
  return {.kind = AttributeValue::Kind::kString, .string_value = std::move(s)};
}
AttributeValue Int(int64_t v) { return {.kind = AttributeValue::Kind::kInt, .int_value = v}; }
AttributeValue Bool(bool v) { return {.kind = AttributeValue::Kind::kBool, .bool_value = v}; }
AttributeValue Version(std::string v) {
  return {.kind = AttributeValue::Kind::kVersion, .string_value = std::move(v)};
}

// FNV-1a with a MurmurHash3 finalizer: stable on every run and platform, so made-up identifiers
// are too; the finalizer keeps keys that differ in one character from giving look-alike ids.
uint64_t Hash(std::string_view text, uint64_t seed) {
  uint64_t h = 14695981039346656037ull ^ seed;
  for (unsigned char c : text) {
    h ^= c;
    h *= 1099511628211ull;
  }
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdull;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ull;
  h ^= h >> 33;
  return h;
}

// A version-4-shaped UUID ("8-4-4-4-12" lowercase hex) derived from `key`.
std::string FakeUuid(std::string_view key) {
  const uint64_t a = Hash(key, 1);
  const uint64_t b = Hash(key, 2);
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     0x8000 | ((b >> 48) & 0x3fff), b & 0xffffffffffffull);
}

// A locally administered unicast MAC (02:...): made up, and marked as such by its first octet.
std::string FakeMac(std::string_view key) {
  const uint64_t h = Hash(key, 3);
  return fmt::format("02:{:02x}:{:02x}:{:02x}:{:02x}:{:02x}", (h >> 32) & 0xff, (h >> 24) & 0xff,
                     (h >> 16) & 0xff, (h >> 8) & 0xff, h & 0xff);
}

// The PCIe layout of one node, made up in the pattern of 8-GPU servers (and of the EKS p5 listing
// above, where each GPU sits alone under its own root complex: pci0000:44 -> 0000:53:00.0): GPUs
// that share NICs form a group under one root complex; the group's NICs sit on the same root.
// Root buses step by 0x20; each PCI domain holds 8 roots.
struct PciGroup {
  int domain = 0;
  int root_bus = 0;
};

PciGroup GroupLayout(int group) { return {group / 8, 0x10 + (group % 8) * 0x20}; }

std::string RootName(const PciGroup& g) {
  return fmt::format("pci{:04x}:{:02x}", g.domain, g.root_bus);
}

std::string PciAddress(int domain, int bus) {
  return fmt::format("{:04x}:{:02x}:00.0", domain, bus);
}

// systemd's predictable name of a ConnectX port: en[P<domain>]p<bus>s<slot>np<port>.
std::string InterfaceName(int domain, int bus) {
  return domain == 0 ? fmt::format("enp{}s0np0", bus) : fmt::format("enP{}p{}s0np0", domain, bus);
}

// dranet's device name for a PCI network function: "pci-" + the address with ':' and '.' as '-'
// (https://github.com/google/dranet/blob/main/pkg/names/names.go NormalizePCIAddress).
std::string DranetDeviceName(const std::string& pci_address) {
  std::string name = "pci-" + pci_address;
  std::replace(name.begin(), name.end(), ':', '-');
  std::replace(name.begin(), name.end(), '.', '-');
  return name;
}

// How GPUs and NICs pair up on a node of `system`.
struct NicPlan {
  int gpus_per_group = 1;  // GPUs under one root complex
  int nics_per_group = 1;  // NICs on that root
};

NicPlan PlanNics(const hw::System& system) {
  const double per_gpu = system.nics_per_accelerator.value;
  NicPlan plan;
  if (per_gpu >= 1) {
    plan.nics_per_group = static_cast<int>(std::lround(per_gpu));
  } else {
    plan.gpus_per_group = std::max(1, static_cast<int>(std::lround(1 / per_gpu)));
  }
  // The bus numbering below leaves room for 3 NICs (root+8..+10) and 4 GPUs (root+11..+14).
  plan.nics_per_group = std::clamp(plan.nics_per_group, 1, 3);
  plan.gpus_per_group = std::clamp(plan.gpus_per_group, 1, 4);
  return plan;
}

// Half the GPUs of a node on each of two NUMA nodes (two sockets; two Grace CPUs per GB200 tray).
int NumaOf(int gpu, int gpus_per_node) { return gpus_per_node >= 2 ? gpu * 2 / gpus_per_node : 0; }

// The slices of one pool: `devices` cut into chunks of at most kMaxDevicesPerSlice.
void AppendPool(const std::string& node, const std::string& driver, int64_t generation,
                std::vector<Device> devices, std::vector<ResourceSlice>& out) {
  const size_t chunks =
      std::max<size_t>(1, (devices.size() + kMaxDevicesPerSlice - 1) / kMaxDevicesPerSlice);
  for (size_t c = 0; c < chunks; ++c) {
    ResourceSlice slice;
    slice.metadata.name =
        chunks == 1 ? fmt::format("{}-{}", node, driver) : fmt::format("{}-{}-{}", node, driver, c);
    slice.spec.driver = driver;
    slice.spec.pool = {node, generation, static_cast<int64_t>(chunks)};
    slice.spec.node_name = node;
    const size_t begin = c * kMaxDevicesPerSlice;
    const size_t end = std::min(devices.size(), begin + kMaxDevicesPerSlice);
    for (size_t i = begin; i < end; ++i) slice.spec.devices.push_back(std::move(devices[i]));
    out.push_back(std::move(slice));
  }
}

Quantity MemoryQuantity(const hw::Accelerator& acc) {
  // The drivers publish the total memory the GPU reports (nvidia-smi's total, in MiB); the
  // catalog's `usable` is that figure.
  const auto mib = static_cast<int64_t>(std::floor(acc.memory_usable.value / (1024.0 * 1024.0)));
  return *Quantity::Parse(fmt::format("{}Mi", mib));
}

DeviceClass MakeClass(const std::string& name, const std::string& expression) {
  DeviceClass c;
  c.metadata.name = name;
  c.spec.selectors.push_back(DeviceSelector{expression, {}});
  return c;
}

std::string SupportedList(const hw::Catalog& catalog) {
  std::string list;
  for (const std::string& id : SupportedClusterSystems(catalog)) {
    list += (list.empty() ? "" : ", ") + id;
  }
  return list;
}

}  // namespace

std::vector<std::string> SupportedClusterSystems(const hw::Catalog& catalog) {
  std::vector<std::string> ids;
  for (const hw::System& s : catalog.systems()) {
    if (FindNvidia(s.accelerator_id) || FindAmd(s.accelerator_id)) ids.push_back(s.id);
  }
  return ids;
}

Result<ClusterObjects> BuildCluster(const hw::Catalog& catalog, const std::string& system_id,
                                    int nodes, const ClusterSlicesOptions& options) {
  AIINFRA_TRY(const hw::System* system, catalog.FindSystem(system_id));
  if (nodes < 1 || nodes > kMaxClusterNodes) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("nodes must be between 1 and {}, got {}", kMaxClusterNodes, nodes));
  }
  // Node names become pool names and slice-name prefixes, which must be DNS subdomains.
  if (auto bad =
          CheckDnsSubdomain(fmt::format("{}-{}-gpu.nvidia.com", options.node_prefix, nodes))) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("node prefix \"{}\" does not make valid node names: {}",
                            options.node_prefix, *bad));
  }
  const hw::Accelerator& acc = system->accelerator;
  const NvidiaModel* nvidia = FindNvidia(acc.id);
  const AmdModel* amd = FindAmd(acc.id);
  if (!nvidia && !amd) {
    // Huawei's and MetaX's Kubernetes integrations are device plugins; no DRA driver of theirs
    // with a published attribute vocabulary was found, and inventing one would mislead.
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("system {} ({}): no DRA driver vocabulary is known for {} "
                            "accelerators; supported systems: {}",
                            system->id, acc.name, acc.vendor, SupportedList(catalog)));
  }
  const std::string gpu_driver = nvidia ? kNvidiaDriver : kAmdDriver;
  const int gpus = system->accelerators_per_node();
  const NicPlan plan = PlanNics(*system);
  const Quantity memory = MemoryQuantity(acc);
  // NVLink domains: consecutive nodes, domain_size / gpus-per-node of them (one per HGX node).
  const int nodes_per_domain = std::max(1, system->domain_accelerators() / std::max(1, gpus));
  const bool multi_node_domain = nvidia && nodes_per_domain > 1;

  ClusterObjects out;
  out.device_classes.push_back(
      MakeClass(gpu_driver, fmt::format("device.driver == \"{}\"", gpu_driver)));
  out.device_classes.push_back(MakeClass(
      "dranet", "device.driver == \"dra.net\" && device.attributes[\"dra.net\"].rdma == true"));

  for (int n = 0; n < nodes; ++n) {
    const std::string node = fmt::format("{}-{}", options.node_prefix, n + 1);
    Node k8s_node;
    k8s_node.metadata.name = node;
    k8s_node.metadata.labels["kubernetes.io/hostname"] = node;
    // "<clusterUUID>.<cliqueId>" as NVIDIA's IMEX code builds it from NVML's GPU fabric info
    // (https://github.com/NVIDIA/k8s-dra-driver-gpu/blob/main/cmd/compute-domain-kubelet-plugin/nvlib.go
    // getCliqueID; ComputeDomain status.nodes[].cliqueID in api/nvidia.com/resource/v1beta1/
    // computedomain.go). The UUID is made up per domain; clique 0 stands for "the one NVLink
    // partition of the domain". HGX GPUs report no fabric info; there the node is the domain.
    const int domain = n / nodes_per_domain;
    const std::string clique =
        FakeUuid(multi_node_domain ? fmt::format("{}/nvlink-domain-{}", system->id, domain)
                                   : node + "/nvlink") +
        ".0";
    if (multi_node_domain) k8s_node.metadata.labels[kNvlinkCliqueLabel] = clique;
    out.nodes.push_back(std::move(k8s_node));

    std::vector<Device> gpu_devices;
    std::vector<Device> nic_devices;
    for (int i = 0; i < gpus; ++i) {
      const int group = i / plan.gpus_per_group;
      const PciGroup g = GroupLayout(group);
      const std::string bus_id = PciAddress(g.domain, g.root_bus + 0x0b + i % plan.gpus_per_group);
      Device d;
      if (nvidia) {
        // Attribute names: k8s-dra-driver-gpu cmd/gpu-kubelet-plugin/deviceinfo.go (GetDevice);
        // index and minor as v25.3.x published them (specs/dra.md 2.17).
        d.name = fmt::format("gpu-{}", i);
        d.attributes["type"] = Str("gpu");
        d.attributes["uuid"] = Str("GPU-" + FakeUuid(fmt::format("{}/gpu-{}", node, i)));
        d.attributes["productName"] = Str(nvidia->product_name);
        d.attributes["brand"] = Str("Nvidia");
        d.attributes["architecture"] = Str(nvidia->architecture);
        d.attributes["cudaComputeCapability"] = Version(nvidia->compute_capability);
        d.attributes["driverVersion"] = Version(options.nvidia_driver_version);
        d.attributes["cudaDriverVersion"] = Version(options.cuda_driver_version);
        d.attributes["index"] = Int(i);
        d.attributes["minor"] = Int(i);
        d.attributes[kNvlinkDomainAttribute] = Str(clique);
      } else {
        // gpu-<cardIndex>-<renderIndex>; render nodes start at /dev/dri/renderD128.
        d.name = fmt::format("gpu-{}-{}", i, 128 + i);
        d.attributes["type"] = Str("amdgpu");
        d.attributes["productName"] = Str(amd->product_name);
        d.attributes["driverVersion"] = Version(options.amd_driver_version);
        d.attributes["numaNode"] = Int(NumaOf(i, gpus));
      }
      d.attributes[kPcieRoot] = Str(RootName(g));
      d.attributes[kPciBusId] = Str(bus_id);
      d.capacity["memory"] = DeviceCapacity{memory, std::nullopt};
      gpu_devices.push_back(std::move(d));

      if (i % plan.gpus_per_group != 0) continue;  // the group's NICs come with its first GPU
      for (int j = 0; j < plan.nics_per_group; ++j) {
        // google/dranet pkg/apis/attributes.go. The NIC model is not in the catalog: every
        // system gets a ConnectX-7 (pci.ids 15b3:1021), the NIC of the HGX H100/B200 and
        // GB200 entries. MTU 9000 (jumbo frames) is the usual RoCE setting, assumed.
        const int bus = g.root_bus + 0x08 + j;
        const std::string address = PciAddress(g.domain, bus);
        Device nic;
        nic.name = DranetDeviceName(address);
        nic.attributes["dra.net/ifName"] = Str(InterfaceName(g.domain, bus));
        nic.attributes["dra.net/pciAddress"] = Str(address);
        nic.attributes["dra.net/mac"] = Str(FakeMac(node + "/" + address));
        nic.attributes["dra.net/pciVendor"] = Str("Mellanox Technologies");
        nic.attributes["dra.net/pciDevice"] = Str("MT2910 Family [ConnectX-7]");
        nic.attributes["dra.net/numaNode"] = Int(NumaOf(i, gpus));
        nic.attributes["dra.net/mtu"] = Int(9000);
        nic.attributes["dra.net/rdma"] = Bool(true);
        nic.attributes["dra.net/sriov"] = Bool(false);
        nic.attributes["dra.net/virtual"] = Bool(false);
        nic.attributes["dra.net/type"] = Str("device");
        nic.attributes[kPcieRoot] = Str(RootName(g));
        nic_devices.push_back(std::move(nic));
      }
    }
    AppendPool(node, gpu_driver, options.generation, std::move(gpu_devices), out.resource_slices);
    AppendPool(node, kDranetDriver, options.generation, std::move(nic_devices),
               out.resource_slices);
  }
  return out;
}

Result<std::vector<ResourceSlice>> ClusterSlices(const hw::Catalog& catalog,
                                                 const std::string& system_id, int nodes,
                                                 const ClusterSlicesOptions& options) {
  AIINFRA_TRY(ClusterObjects objects, BuildCluster(catalog, system_id, nodes, options));
  return std::move(objects.resource_slices);
}

}  // namespace aiinfra::dra
