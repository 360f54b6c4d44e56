// Benchmarks of the DRA scheduler (issue: 5,000 nodes with 8 GPUs and 8 RDMA NICs each, 10,000
// pending pods with one claim each: single GPUs, 8-GPU claims aligned with NICs, prioritized
// lists; at least 10x the pods/s kube-scheduler's scheduler_perf reports for its DRA workloads,
// on one core).
//
// BM_DraSchedule10k places all 10,000 pods with dra::Scheduler (kube-scheduler's search: 10% of
// 5,000 nodes = 500 feasible nodes evaluated per pod). It reports pods (= claims) per second,
// the p99 time per pod, and `x_scheduler_perf`: pods/s divided by the best published
// scheduler_perf DRA figure, 273 pods/s (SchedulingWithResourceClaimTemplate empty_500nodes,
// GOMAXPROCS 6, kubernetes/kubernetes issue #140877; specs/dra.md section 4). The target is
// x_scheduler_perf >= 10. Published figures include API round trips, ours do not: the ratio says
// the allocator is not the bottleneck, not that a cluster would schedule this fast.
//
// BM_DraScheduleBaseline places the first 5 pods of the same workload the way the 1.35
// allocator worked: no slice index (every Filter call scans all 10,000 slices) and no selector
// cache (selectors compiled and evaluated per call). BM_DraScheduleIndexed is the same 5 pods
// with the index and cache: the ratio of the two is what the 1.36-style changes buy, measured in
// the same run.
#include <benchmark/benchmark.h>
#include <fmt/format.h>

#include <algorithm>
#include <chrono>

#include "dra/allocator.h"
#include "dra/scheduler.h"

namespace aiinfra::dra {
namespace {

constexpr int kNodes = 5000;
constexpr int kPods = 10000;
constexpr double kSchedulerPerfPodsPerSecond = 273;  // issue #140877, see above

DeviceClass Class(const std::string& name, const std::string& expression) {
  DeviceClass c;
  c.metadata.name = name;
  DeviceSelector s;
  s.cel = expression;
  c.spec.selectors.push_back(s);
  return c;
}

AttributeValue Str(const std::string& s) {
  return {.kind = AttributeValue::Kind::kString, .string_value = s};
}

AttributeValue Int(int64_t i) { return {.kind = AttributeValue::Kind::kInt, .int_value = i}; }

AttributeValue Bool(bool b) { return {.kind = AttributeValue::Kind::kBool, .bool_value = b}; }

ResourceSlice Slice(const std::string& node, const std::string& driver) {
  ResourceSlice s;
  s.metadata.name = node + "-" + driver;
  s.spec.driver = driver;
  s.spec.pool.name = node;
  s.spec.pool.generation = 1;
  s.spec.pool.resource_slice_count = 1;
  s.spec.node_name = node;
  return s;
}

// The cluster of the issue: per node 8 H100s (gpu.nvidia.com) and 8 RDMA NICs (dra.net), GPU i
// and NIC i on PCIe root i (the HGX layout: one NIC per GPU behind a shared switch).
Objects Cluster() {
  Objects o;
  o.device_classes.push_back(Class("gpu.nvidia.com", "device.driver == \"gpu.nvidia.com\""));
  o.device_classes.push_back(
      Class("dranet", "device.driver == \"dra.net\" && device.attributes[\"dra.net\"].rdma"));
  for (int n = 0; n < kNodes; ++n) {
    const std::string node = fmt::format("node-{:04}", n);
    Node nd;
    nd.metadata.name = node;
    nd.metadata.labels["kubernetes.io/hostname"] = node;
    o.nodes.push_back(nd);
    ResourceSlice gpus = Slice(node, "gpu.nvidia.com");
    ResourceSlice nics = Slice(node, "dra.net");
    for (int i = 0; i < 8; ++i) {
      const std::string root = fmt::format("pci0000:{:02x}", i * 0x10);
      Device g;
      g.name = fmt::format("gpu-{}", i);
      g.attributes["type"] = Str("gpu");
      g.attributes["productName"] = Str("NVIDIA H100 80GB HBM3");
      g.attributes["index"] = Int(i);
      g.attributes["resource.kubernetes.io/pcieRoot"] = Str(root);
      g.capacity["memory"].value = Quantity::Parse("80Gi").value();
      gpus.spec.devices.push_back(g);
      Device d;
      d.name = fmt::format("eth{}", i + 1);
      d.attributes["dra.net/rdma"] = Bool(true);
      d.attributes["dra.net/numaNode"] = Int(i / 4);
      d.attributes["resource.kubernetes.io/pcieRoot"] = Str(root);
      nics.spec.devices.push_back(d);
    }
    o.resource_slices.push_back(std::move(gpus));
    o.resource_slices.push_back(std::move(nics));
  }
  return o;
}

DeviceRequest Exactly(const std::string& name, const std::string& cls, int count) {
  DeviceRequest r;
  r.name = name;
  r.exactly.emplace();
  r.exactly->device_class_name = cls;
  r.exactly->count = count;
  return r;
}

// Templates: "one" single GPU (60% of pods), "eight" 8 GPUs each with the NIC on its PCIe root
// (20%), "choice" a prioritized list: 2 H100s with 80Gi, else one GPU of any kind (20%).
void AddTemplates(Objects& o) {
  ResourceClaimTemplate one;
  one.metadata = {.name = "one", .ns = "default"};
  one.spec.devices.requests.push_back(Exactly("gpu", "gpu.nvidia.com", 1));
  ResourceClaimTemplate eight;
  eight.metadata = {.name = "eight", .ns = "default"};
  for (int i = 0; i < 8; ++i) {
    eight.spec.devices.requests.push_back(Exactly(fmt::format("gpu-{}", i), "gpu.nvidia.com", 1));
    eight.spec.devices.requests.push_back(Exactly(fmt::format("nic-{}", i), "dranet", 1));
    DeviceConstraint k;
    k.requests = {fmt::format("gpu-{}", i), fmt::format("nic-{}", i)};
    k.match_attribute = "resource.kubernetes.io/pcieRoot";
    eight.spec.devices.constraints.push_back(k);
  }
  ResourceClaimTemplate choice;
  choice.metadata = {.name = "choice", .ns = "default"};
  DeviceRequest fa;
  fa.name = "gpu";
  DeviceSubRequest big;
  big.name = "h100-pair";
  big.device_class_name = "gpu.nvidia.com";
  big.count = 2;
  DeviceSelector s;
  s.cel =
      "device.attributes[\"gpu.nvidia.com\"].productName.startsWith(\"NVIDIA H100\") && "
      "device.capacity[\"gpu.nvidia.com\"].memory.compareTo(quantity(\"80Gi\")) >= 0";
  big.selectors.push_back(s);
  DeviceSubRequest any;
  any.name = "any";
  any.device_class_name = "gpu.nvidia.com";
  fa.first_available = {big, any};
  choice.spec.devices.requests.push_back(fa);
  o.resource_claim_templates = {one, eight, choice};
}

void AddPods(Objects& o, int count) {
  for (int i = 0; i < count; ++i) {
    Pod p;
    p.metadata.name = fmt::format("pod-{:05}", i);
    p.metadata.ns = "default";
    p.metadata.uid = fmt::format("uid-{}", i);
    const int kind = i % 10;
    PodResourceClaim c;
    c.name = "gpus";
    c.resource_claim_template_name = kind < 6 ? "one" : kind < 8 ? "eight" : "choice";
    p.resource_claims.push_back(c);
    o.pods.push_back(std::move(p));
  }
}

const Objects& TheCluster() {
  static const Objects o = [] {
    Objects c = Cluster();
    AddTemplates(c);
    AddPods(c, kPods);
    return c;
  }();
  return o;
}

void BM_DraSchedule10k(benchmark::State& state) {
  std::vector<double> per_pod;
  size_t scheduled = 0, calls = 0, allocates = 0;
  double seconds = 0;
  for (auto _ : state) {
    state.PauseTiming();
    Scheduler s = Scheduler::Create(TheCluster(), {}).value();
    per_pod.clear();
    state.ResumeTiming();
    const auto start = std::chrono::steady_clock::now();
    for (const Pod& pod : TheCluster().pods) {
      const auto t0 = std::chrono::steady_clock::now();
      Placement p = s.Schedule(pod);
      per_pod.push_back(
          std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      scheduled += p.scheduled();
    }
    calls = s.filter_calls();
    allocates = s.allocate_calls();
    seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }
  std::sort(per_pod.begin(), per_pod.end());
  const double pods_per_s = static_cast<double>(kPods) * state.iterations() / seconds;
  state.counters["pods_per_s"] = pods_per_s;  // one claim per pod: also claims per second
  state.counters["scheduled"] = static_cast<double>(scheduled) / state.iterations();
  state.counters["p50_ms"] = per_pod[per_pod.size() / 2] * 1e3;
  state.counters["p99_ms"] = per_pod[per_pod.size() * 99 / 100] * 1e3;
  state.counters["x_scheduler_perf"] = pods_per_s / kSchedulerPerfPodsPerSecond;
  state.counters["filters_per_pod"] = static_cast<double>(calls) / kPods;
  state.counters["allocates_per_pod"] = static_cast<double>(allocates) / kPods;
}
BENCHMARK(BM_DraSchedule10k)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

// The first `kSample` pods, with or without the index and selector cache.
constexpr int kSample = 5;

void ScheduleSample(benchmark::State& state, bool indexed) {
  const Objects& cluster = TheCluster();
  for (auto _ : state) {
    state.PauseTiming();
    AllocatedState allocated;
    state.ResumeTiming();
    for (int i = 0; i < kSample; ++i) {
      // The search kube-scheduler makes for one pod, as Scheduler does it: 500 feasible nodes
      // from a rotating start, each one an Allocate call with the claims generated from the
      // pod's template.
      const Pod& pod = cluster.pods[i];
      const std::string& tmpl_name = *pod.resource_claims[0].resource_claim_template_name;
      ResourceClaim claim;
      claim.metadata.name = pod.metadata.name + "-gpus";
      claim.metadata.ns = "default";
      for (const auto& t : cluster.resource_claim_templates) {
        if (t.metadata.name == tmpl_name) claim.spec = t.spec;
      }
      static SliceIndex index(cluster.resource_slices);
      SelectorCache cache;
      static SelectorCache warm;
      AllocatorInput in;
      in.classes = &cluster.device_classes;
      in.slices = &cluster.resource_slices;
      in.index = indexed ? &index : nullptr;
      in.selectors = indexed ? &warm : &cache;
      std::swap(in.allocated, allocated);
      std::optional<AllocationResult> chosen;
      int feasible = 0;
      for (int k = 0; k < kNodes && feasible < 500; ++k) {
        const Node& node = cluster.nodes[(i * 500 + k) % kNodes];
        auto r = Allocate(in, node, {&claim});
        if (r && r->outcome == AllocationOutcome::kAllocated) {
          if (!chosen) chosen = r->results[0];
          ++feasible;
        }
      }
      std::swap(in.allocated, allocated);
      if (chosen) HoldAllocation(*chosen, allocated);
    }
  }
  state.counters["pods_per_s"] = benchmark::Counter(
      static_cast<double>(kSample) * state.iterations(), benchmark::Counter::kIsRate);
}

void BM_DraScheduleBaseline(benchmark::State& state) { ScheduleSample(state, false); }
BENCHMARK(BM_DraScheduleBaseline)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

void BM_DraScheduleIndexed(benchmark::State& state) { ScheduleSample(state, true); }
BENCHMARK(BM_DraScheduleIndexed)->Unit(benchmark::kSecond)->Iterations(1)->UseRealTime();

}  // namespace
}  // namespace aiinfra::dra
