// What the DRA drivers of a GPU cluster publish, built from the hardware catalog: for `nodes`
// nodes of one catalog system, the Node objects, the DeviceClasses a user claims from, and the
// ResourceSlices that NVIDIA's k8s-dra-driver-gpu (driver gpu.nvidia.com) or AMD's
// k8s-gpu-dra-driver (gpu.amd.com), and google/dranet (driver dra.net), would publish on them.
//
// Per node: one GPU pool and one NIC pool, both named after the node, each published as one
// slice (more when a pool exceeds the API's 128 devices per slice). The vocabularies are the
// drivers' own (specs/dra.md 2.17); where this file adds or invents something, the .cc says so:
//   - GPUs: `gpu-<minor>` (NVIDIA) or `gpu-<card>-<render>` (AMD), with the driver's attributes,
//     `resource.kubernetes.io/pcieRoot` and `resource.kubernetes.io/pciBusID`, capacity `memory`
//     (the catalog's usable memory, whole MiB). UUIDs, PCI addresses and MACs are made up but
//     deterministic (a function of the node name and the device index).
//   - NICs: `pci-<address>` devices with dra.net/* attributes and rdma=true; each NIC sits on the
//     PCIe root of the GPU(s) it serves (nics_per_accelerator of the system), so
//     `matchAttribute: resource.kubernetes.io/pcieRoot` pairs a GPU with its NIC.
//   - NUMA: the GPUs of a node are split in halves over two NUMA nodes (two sockets, or two Grace
//     CPUs per GB200 tray). NICs carry it (dra.net/numaNode); AMD GPUs too (numaNode); NVIDIA's
//     driver publishes no NUMA attribute for full GPUs, so NVIDIA GPUs carry none.
//   - NVLink domain (NVIDIA only): every GPU carries `cliqueID` = "<clusterUUID>.<cliqueId>", the
//     form NVIDIA's IMEX/ComputeDomain code and GPU Feature Discovery's node label
//     `nvidia.com/gpu.clique` use. Nodes are grouped in order into domains of
//     domain_size / GPUs-per-node nodes (18 trays per GB200 NVL72 rack); a single-node NVLink
//     system (HGX) is one domain per node. Nodes of multi-node domains also get the label. The
//     attribute is aiinfra's addition: NVIDIA's GPU driver does not publish a clique per GPU.
//
// Pure function of its inputs; thread-compatible.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"
#include "dra/objects.h"
#include "hw/catalog.h"

namespace aiinfra::dra {

struct ClusterSlicesOptions {
  std::string node_prefix = "node";  // nodes are <prefix>-1 ... <prefix>-N
  int64_t generation = 1;            // the pools' generation
  // NVIDIA driver and CUDA driver versions the GPUs report (strict semver); the defaults are those
  // of the H100 listing cited in cluster_slices.cc.
  std::string nvidia_driver_version = "580.105.8";
  std::string cuda_driver_version = "13.0.0";
  // AMD's amdgpu kernel driver version (strict semver), as in AMD's slice cited there.
  std::string amd_driver_version = "6.16.6";
};

// Everything a user needs beside claims: Nodes, then DeviceClasses, then ResourceSlices (per
// node: GPU slices, then NIC slices), in the order `aiinfra dra slices` prints them.
struct ClusterObjects {
  std::vector<Node> nodes;
  std::vector<DeviceClass> device_classes;
  std::vector<ResourceSlice> resource_slices;
};

// Limits the builder respects (resource.k8s.io/v1 validation).
inline constexpr int kMaxDevicesPerSlice = 128;
inline constexpr int kMaxAttributesAndCapacitiesPerDevice = 32;
inline constexpr int kMaxClusterNodes = 10000;  // keeps the output printable

// The attribute every NVIDIA GPU carries for its NVLink domain (unqualified: gpu.nvidia.com).
inline constexpr const char* kNvlinkDomainAttribute = "cliqueID";
// The node label GPU Feature Discovery sets on nodes of a multi-node NVLink domain.
inline constexpr const char* kNvlinkCliqueLabel = "nvidia.com/gpu.clique";

// The cluster of `nodes` nodes of catalog system `system_id`. Errors: kNotFound for an unknown
// system (with "did you mean"); kInvalidInput for nodes outside 1..kMaxClusterNodes, for a
// node_prefix that does not give DNS-subdomain node names, and for a
// system whose accelerators have no known DRA driver vocabulary (the message names the system
// and lists the supported ones).
Result<ClusterObjects> BuildCluster(const hw::Catalog& catalog, const std::string& system_id,
                                    int nodes, const ClusterSlicesOptions& options = {});

// The ResourceSlices of BuildCluster alone.
Result<std::vector<ResourceSlice>> ClusterSlices(const hw::Catalog& catalog,
                                                 const std::string& system_id, int nodes,
                                                 const ClusterSlicesOptions& options = {});

// The ids of the catalog's systems BuildCluster supports, in catalog order.
std::vector<std::string> SupportedClusterSystems(const hw::Catalog& catalog);

}  // namespace aiinfra::dra
