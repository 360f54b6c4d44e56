// Benchmarks of the hardware layer: loading the catalog, building topologies and estimating
// collectives. `make bench` runs them; a full nccl-tests-style sweep (31 sizes) should stay well
// under a second even on the largest SuperNode.
#include <benchmark/benchmark.h>

#include <numeric>

#include "hw/catalog.h"
#include "hw/collective.h"
#include "hw/topology.h"

namespace aiinfra::hw {
namespace {

const Catalog& TheCatalog() {
  static const Catalog catalog = Catalog::Load(DataSource()).value();
  return catalog;
}

void BM_CatalogLoad(benchmark::State& state) {
  for (auto _ : state) {
    auto catalog = Catalog::Load(DataSource());
    benchmark::DoNotOptimize(catalog);
  }
}
BENCHMARK(BM_CatalogLoad);

void BM_TopologyBuild(benchmark::State& state, const char* system, int systems) {
  const System& sys = *TheCatalog().FindSystem(system).value();
  for (auto _ : state) {
    auto topo = Topology::Build(sys, FabricOptions{.systems = systems});
    benchmark::DoNotOptimize(topo);
  }
}
BENCHMARK_CAPTURE(BM_TopologyBuild, hgx_h100_x16, "hgx-h100", 16);
BENCHMARK_CAPTURE(BM_TopologyBuild, gb200_nvl72, "gb200-nvl72", 1);
BENCHMARK_CAPTURE(BM_TopologyBuild, cloudmatrix_384, "cloudmatrix-384", 1);

// One full sweep (8 B .. 8 GiB) of an op over every accelerator of the cluster, with the
// topology (and its route cache) built once: what `aiinfra hw collective --sweep` does.
void BM_CollectiveSweep(benchmark::State& state, const char* system, int systems, CollectiveOp op) {
  const System& sys = *TheCatalog().FindSystem(system).value();
  const Topology topo = Topology::Build(sys, FabricOptions{.systems = systems}).value();
  const CollectiveTuning tuning = CollectiveTuning::Load(DataSource()).value();
  CollectiveSpec spec;
  spec.op = op;
  spec.ranks.resize(topo.AcceleratorCount());
  std::iota(spec.ranks.begin(), spec.ranks.end(), 0);
  for (auto _ : state) {
    for (double size : SweepSizes()) {
      spec.bytes = size;
      benchmark::DoNotOptimize(EstimateCollective(topo, spec, tuning));
    }
  }
}
BENCHMARK_CAPTURE(BM_CollectiveSweep, allreduce_gb200_nvl72, "gb200-nvl72", 1,
                  CollectiveOp::kAllReduce)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CollectiveSweep, allreduce_hgx_h100_x16, "hgx-h100", 16,
                  CollectiveOp::kAllReduce)
    ->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_CollectiveSweep, alltoall_gb200_nvl72, "gb200-nvl72", 1,
                  CollectiveOp::kAllToAll)
    ->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace aiinfra::hw
