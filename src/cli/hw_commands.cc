// The `hw` command group: the hardware catalog, topologies and the collective model.
#include <fmt/format.h>

#include <cmath>
#include <numeric>

#include "cli/app.h"
#include "cli/hw_show.h"
#include "common/progress.h"
#include "common/table.h"
#include "common/units.h"
#include "hw/catalog.h"
#include "hw/collective.h"
#include "hw/topology.h"
#include "hw/topology_svg.h"

namespace aiinfra::cli {
namespace {

using hw::Quantity;
using Json = nlohmann::ordered_json;

Result<hw::Catalog> LoadCatalog(const Invocation& inv) { return hw::Catalog::Load(inv.data); }

// Builds the topology of --system/NAME with the fabric options every hw command shares.
Result<hw::Topology> BuildTopology(const Invocation& inv, const hw::System& sys) {
  AIINFRA_TRY(int nodes, inv.GetInt("nodes"));
  AIINFRA_TRY(double oversub, inv.GetNumber("oversubscription"));
  AIINFRA_TRY(int per_leaf, inv.GetInt("nodes-per-leaf"));
  return hw::Topology::Build(
      sys,
      hw::FabricOptions{.systems = nodes, .oversubscription = oversub, .nodes_per_leaf = per_leaf});
}

std::vector<OptionSpec> FabricOptions() {
  return {
      {.name = "nodes",
       .value_name = "N",
       .help = "systems joined by the scale-out fabric",
       .default_value = "1"},
      {.name = "oversubscription",
       .value_name = "R",
       .help = "leaf downlink:uplink ratio of the scale-out fabric (1 = non-blocking)",
       .default_value = "1"},
      {.name = "nodes-per-leaf",
       .value_name = "K",
       .help = "nodes whose rail-r NICs share one leaf switch",
       .default_value = "32"},
  };
}

Result<Output> HwList(Invocation& inv) {
  AIINFRA_TRY(hw::Catalog catalog, LoadCatalog(inv));
  const std::string kind = inv.Get("kind");
  Json data = Json::object();
  TextTable acc_table({"accelerator", "name", "bf16", "fp8", "fp4", "int8", "HBM usable", "HBM BW",
                       "scale-up/dir", "NIC", "power"});
  if (kind != "systems") {
    Json list = Json::array();
    for (const hw::Accelerator& a : catalog.accelerators()) {
      std::vector<std::string> row = {a.id, a.name};
      Json j = {{"id", a.id}, {"name", a.name}, {"vendor", a.vendor}};
      for (hw::ComputeDtype dtype : hw::kComputeDtypes) {
        const auto& f = a.Compute(dtype);
        row.push_back(f ? FormatFlops(f->value) : "-");
        j[std::string(hw::ComputeDtypeName(dtype)) + "_flops"] = f ? Json(f->value) : Json(nullptr);
      }
      row.push_back(hw::FormatFigure(a.memory_usable, Quantity::kBytes));
      row.push_back(hw::FormatFigure(a.memory_bandwidth, Quantity::kRate));
      row.push_back(hw::FormatFigure(a.scale_up_bandwidth, Quantity::kRate));
      row.push_back(FormatRate(a.nic_rate.value, true));
      row.push_back(FormatPower(a.power.value));
      j["hbm_usable_bytes"] = a.memory_usable.value;
      j["hbm_bandwidth"] = a.memory_bandwidth.value;
      j["scale_up_bandwidth_per_direction"] = a.scale_up_bandwidth.value;
      j["nic_rate"] = a.nic_rate.value;
      j["power_w"] = a.power.value;
      acc_table.AddRow(std::move(row));
      list.push_back(std::move(j));
    }
    data["accelerators"] = std::move(list);
  }
  TextTable sys_table(
      {"system", "name", "accelerators", "domain", "nodes", "scale-up", "NIC/accel", "power"});
  if (kind != "accelerators") {
    Json list = Json::array();
    for (const hw::System& s : catalog.systems()) {
      sys_table.AddRow(
          {s.id, s.name, fmt::format("{} x {}", s.accelerator_count(), s.accelerator_id),
           std::to_string(s.domain_accelerators()), std::to_string(s.node_count()),
           fmt::format("{} {}", hw::ScaleUpTopologyName(s.topology),
                       FormatRate(s.ScaleUpBandwidth().value)),
           FormatRate(s.NicBandwidthPerAccelerator(), true), FormatPower(s.power.value)});
      list.push_back({{"id", s.id},
                      {"name", s.name},
                      {"accelerator", s.accelerator_id},
                      {"accelerators", s.accelerator_count()},
                      {"domain_size", s.domain_accelerators()},
                      {"nodes", s.node_count()},
                      {"scale_up_topology", hw::ScaleUpTopologyName(s.topology)},
                      {"scale_up_bandwidth_per_direction", s.ScaleUpBandwidth().value},
                      {"nic_bandwidth_per_accelerator", s.NicBandwidthPerAccelerator()},
                      {"power_w", s.power.value}});
    }
    data["systems"] = std::move(list);
  }
  Output out;
  out.data = data;
  out.table = [kind, acc_table, sys_table](std::ostream& os) {
    if (kind != "systems") {
      os << "Accelerators (dense peak per math type; bandwidths per direction)\n";
      acc_table.Print(os);
    }
    if (kind == "all") os << "\n";
    if (kind != "accelerators") {
      os << "Systems\n";
      sys_table.Print(os);
    }
  };
  return out;
}

Result<Output> HwTopology(Invocation& inv) {
  AIINFRA_TRY(hw::Catalog catalog, LoadCatalog(inv));
  AIINFRA_TRY(const hw::System* sys, catalog.FindSystem(inv.Get("system")));
  AIINFRA_TRY(hw::Topology topo, BuildTopology(inv, *sys));
  std::vector<int> all(topo.AcceleratorCount());
  std::iota(all.begin(), all.end(), 0);
  const double bisection = topo.BisectionBandwidth(all);
  const double domain_bisection = topo.BisectionBandwidth(topo.ScaleUpDomain(0));
  Json j = {{"system", sys->id},
            {"systems", topo.fabric().systems},
            {"accelerators", topo.AcceleratorCount()},
            {"scale_up_domains", topo.DomainCount()},
            {"switch_nodes", topo.CountNodes(hw::NodeKind::kSwitch)},
            {"nic_nodes", topo.CountNodes(hw::NodeKind::kNic)},
            {"cpu_nodes", topo.CountNodes(hw::NodeKind::kCpu)},
            {"links", topo.links().size()},
            {"bisection_bandwidth", bisection},
            {"domain_bisection_bandwidth", domain_bisection}};
  // Representative routes: inside a domain, and to the farthest accelerator.
  Json routes = Json::array();
  std::vector<std::pair<int, int>> pairs;
  if (topo.ScaleUpDomain(0).size() > 1) pairs.emplace_back(0, topo.ScaleUpDomain(0).back());
  if (topo.AcceleratorCount() - 1 != topo.ScaleUpDomain(0).back()) {
    pairs.emplace_back(0, topo.AcceleratorCount() - 1);
  }
  TextTable route_table({"from", "to", "hops", "bottleneck", "latency", "path"});
  for (auto [a, b] : pairs) {
    const hw::Route& r = topo.RouteBetween(a, b);
    std::string path = topo.nodes()[a].label;
    for (const hw::Hop& h : r.hops) {
      const hw::TopoLink& l = topo.links()[h.link];
      path += " > " + topo.nodes()[h.forward ? l.b : l.a].label;
    }
    routes.push_back({{"from", a},
                      {"to", b},
                      {"hops", r.hops.size()},
                      {"bandwidth", r.bandwidth},
                      {"latency", r.latency},
                      {"path", path}});
    route_table.AddRow({topo.nodes()[a].label, topo.nodes()[b].label, std::to_string(r.hops.size()),
                        FormatRate(r.bandwidth), FormatDuration(r.latency), path});
  }
  j["routes"] = routes;
  if (inv.Has("svg")) {
    const std::string path = inv.Get("svg");
    AIINFRA_CHECK_OK(inv.env.WriteFile(path, hw::RenderTopologySvg(topo)));
    j["svg"] = path;
  }
  Output out;
  out.data = j;
  // The catalog dies with this function: the printer keeps copies, never pointers into it.
  out.table = [j, route_table, name = sys->name, id = sys->id](std::ostream& os) {
    os << fmt::format(
        "{} x {} ({}): {} accelerators in {} scale-up domain(s); {} switch nodes, {} NICs, {} "
        "CPUs, {} links\n",
        j["systems"].get<int>(), name, id, j["accelerators"].get<int>(),
        j["scale_up_domains"].get<int>(), j["switch_nodes"].get<int>(), j["nic_nodes"].get<int>(),
        j["cpu_nodes"].get<int>(), j["links"].get<std::size_t>());
    os << fmt::format("bisection bandwidth (one direction): whole cluster {}, one domain {}\n\n",
                      FormatRate(j["bisection_bandwidth"].get<double>()),
                      FormatRate(j["domain_bisection_bandwidth"].get<double>()));
    route_table.Print(os);
    if (j.contains("svg")) os << "\nwrote " << j["svg"].get<std::string>() << "\n";
  };
  return out;
}

Result<Output> HwCollective(Invocation& inv) {
  AIINFRA_TRY(hw::Catalog catalog, LoadCatalog(inv));
  AIINFRA_TRY(const hw::System* sys, catalog.FindSystem(inv.Get("system")));
  AIINFRA_TRY(hw::Topology topo, BuildTopology(inv, *sys));
  AIINFRA_TRY(hw::CollectiveTuning tuning, hw::CollectiveTuning::Load(inv.data));
  hw::CollectiveSpec spec;
  AIINFRA_TRY(spec.op, hw::ParseCollectiveOp(inv.Get("op")));
  AIINFRA_TRY(spec.algorithm, hw::ParseAlgorithm(inv.Get("algo")));
  AIINFRA_TRY(spec.moe.experts, inv.GetInt("experts"));
  AIINFRA_TRY(spec.moe.top_k, inv.GetInt("top-k"));
  AIINFRA_TRY(int gpus, inv.GetInt("gpus"));
  if (gpus < 2 || gpus > topo.AcceleratorCount()) {
    return Fail(ErrorCode::kUsage,
                fmt::format("--gpus must be between 2 and the cluster's {} accelerators "
                            "(add systems with --nodes)",
                            topo.AcceleratorCount()));
  }
  // Packed fills domains in order; spread deals ranks round-robin over the systems.
  const int systems = topo.fabric().systems;
  const int per_system = topo.AcceleratorCount() / systems;
  for (int i = 0; i < gpus; ++i) {
    spec.ranks.push_back(inv.Get("placement") == "spread" ? (i % systems) * per_system + i / systems
                                                          : i);
  }
  std::vector<double> sizes;
  auto parse_size = [&](const char* option) -> Result<double> {
    auto v = ParseBytes(inv.Get(option));
    if (!v) return Fail(ErrorCode::kUsage, std::string("--") + option + ": " + v.error().message);
    return *v;
  };
  if (inv.Has("sweep")) {
    AIINFRA_TRY(double lo, parse_size("min-size"));
    AIINFRA_TRY(double hi, parse_size("max-size"));
    if (lo <= 0 || hi < lo)
      return Fail(ErrorCode::kUsage, "--min-size must be > 0 and <= --max-size");
    sizes = hw::SweepSizes(lo, hi);
  } else {
    AIINFRA_TRY(double size, parse_size("size"));
    sizes = {size};
  }

  Json rows = Json::array();
  TextTable table({"size", "time(us)", "algbw(GB/s)", "busbw(GB/s)", "algorithm", "bottleneck"});
  double busbw_sum = 0;
  ProgressBar progress("collective", static_cast<double>(sizes.size()));
  for (double size : sizes) {
    spec.bytes = size;
    AIINFRA_TRY(hw::CollectiveCost c, hw::EstimateCollective(topo, spec, tuning));
    std::string bottleneck;
    double worst = -1;
    Json phases = Json::array();
    for (const hw::PhaseCost& p : c.phases) {
      phases.push_back({{"name", p.name},
                        {"time", p.time},
                        {"latency", p.latency},
                        {"steps", p.steps},
                        {"bottleneck", p.bottleneck}});
      if (p.time - p.latency > worst) worst = p.time - p.latency, bottleneck = p.bottleneck;
    }
    if (c.latency > 0.5 * c.time) {
      int steps = 0;
      for (const hw::PhaseCost& p : c.phases) steps += p.steps;
      bottleneck = fmt::format("latency: launch + {} steps", steps);
    }
    rows.push_back({{"size", size},
                    {"time", c.time},
                    {"latency", c.latency},
                    {"algbw", c.algbw},
                    {"busbw", c.busbw},
                    {"algorithm", hw::AlgorithmName(c.algorithm)},
                    {"phases", phases}});
    table.AddRow({FormatBytes(size, ByteBase::kIEC), fmt::format("{:.2f}", c.time * 1e6),
                  fmt::format("{:.2f}", c.algbw / 1e9), fmt::format("{:.2f}", c.busbw / 1e9),
                  hw::AlgorithmName(c.algorithm), bottleneck});
    busbw_sum += c.busbw;
    progress.Add(1);
  }
  progress.Finish();
  const double avg_busbw = busbw_sum / sizes.size();
  Json j = {{"system", sys->id},
            {"systems", systems},
            {"op", hw::CollectiveOpName(spec.op)},
            {"ranks", spec.ranks},
            {"placement", inv.Get("placement")},
            {"results", rows},
            {"avg_busbw", avg_busbw}};
  if (spec.op == hw::CollectiveOp::kMoeDispatch || spec.op == hw::CollectiveOp::kMoeCombine) {
    j["experts"] = spec.moe.experts;
    j["top_k"] = spec.moe.top_k;
  }
  Output out;
  out.data = j;
  out.table = [j, table, name = sys->name, id = sys->id, gpus](std::ostream& os) {
    os << fmt::format("# {} on {} x {} ({}), {} ranks ({}); sizes as nccl-tests: GB/s = 1e9 B/s\n",
                      j["op"].get<std::string>(), j["systems"].get<int>(), id, name, gpus,
                      j["placement"].get<std::string>());
    table.Print(os);
    os << fmt::format("# Avg bus bandwidth    : {:.2f} GB/s\n", j["avg_busbw"].get<double>() / 1e9);
  };
  return out;
}

}  // namespace

void RegisterHwCommands(CommandTable& table) {
  table.AddGroup({"hw"}, "Hardware: accelerators, systems, topologies and collectives",
                 "The SuperNode layer. Every figure comes from the catalog in data/hardware "
                 "with its source URL, or is marked estimated with its reasoning.");
  table.Add({
      .path = {"hw", "list"},
      .summary = "List the accelerators and systems of the catalog",
      .description = "One line per accelerator (dense peak FLOP/s per math type, usable HBM, "
                     "bandwidths per direction, power) and per system.",
      .options = {{.name = "kind",
                   .value_name = "KIND",
                   .help = "what to list",
                   .default_value = "all",
                   .choices = {"all", "accelerators", "systems"}}},
      .examples = {"aiinfra hw list", "aiinfra hw list --kind systems -o json"},
      .handler = HwList,
  });
  table.Add({
      .path = {"hw", "show"},
      .summary = "Show every figure of a system or accelerator, with its source",
      .description = "Prints each figure with a numbered reference to its source URL (or its "
                     "estimate and the reasoning), the accelerator's figures, and the derived "
                     "totals: dense FLOP/s, HBM, bandwidths, bisection of one scale-up domain.",
      .positionals = {{.name = "name", .help = "a system or accelerator id (see `hw list`)"}},
      .examples = {"aiinfra hw show gb200-nvl72", "aiinfra hw show h100-sxm -o yaml"},
      .handler = HwShow,
  });
  std::vector<OptionSpec> topo_options = FabricOptions();
  topo_options.push_back({.name = "svg",
                          .value_name = "FILE",
                          .help = "write a picture of the topology (SVG), atomically"});
  table.Add({
      .path = {"hw", "topology"},
      .summary = "Build the topology graph of N systems; summarise it and draw it",
      .description = "Accelerators, switches, NICs and CPUs with their links; N systems joined "
                     "by a rail-optimised leaf/spine fabric. Prints counts, bisection bandwidth "
                     "and sample routes; --svg draws it.",
      .options = topo_options,
      .positionals = {{.name = "system", .help = "a system id (see `hw list --kind systems`)"}},
      .examples = {"aiinfra hw topology gb200-nvl72 --svg nvl72.svg",
                   "aiinfra hw topology hgx-h100 --nodes 4 --oversubscription 2 --svg h100x4.svg"},
      .handler = HwTopology,
  });
  std::vector<OptionSpec> coll_options = {
      {.name = "system", .value_name = "NAME", .help = "a system id", .required = true},
      {.name = "op",
       .value_name = "OP",
       .help = "the collective",
       .default_value = "all_reduce",
       .choices = hw::CollectiveOpNames()},
      {.name = "gpus", .value_name = "G", .help = "ranks in the group", .required = true},
      {.name = "size",
       .value_name = "SIZE",
       .help = "message size as nccl-tests counts it (e.g. 1GiB)",
       .default_value = "1GiB"},
      {.name = "sweep",
       .help = "sweep sizes by powers of two like nccl-tests -b 8 -e 8G -f 2",
       .flag = true},
      {.name = "min-size",
       .value_name = "SIZE",
       .help = "first size of --sweep",
       .default_value = "8B"},
      {.name = "max-size",
       .value_name = "SIZE",
       .help = "last size of --sweep",
       .default_value = "8GiB"},
      {.name = "algo",
       .value_name = "ALGO",
       .help = "force an algorithm",
       .default_value = "auto",
       .choices = {"auto", "ring", "tree", "nvls", "hierarchical", "direct"}},
      {.name = "placement",
       .value_name = "HOW",
       .help = "packed fills domains in order; spread deals ranks over the systems",
       .default_value = "packed",
       .choices = {"packed", "spread"}},
      {.name = "experts", .value_name = "E", .help = "MoE: routed experts", .default_value = "256"},
      {.name = "top-k", .value_name = "K", .help = "MoE: experts per token", .default_value = "8"},
  };
  for (OptionSpec& o : FabricOptions()) coll_options.push_back(std::move(o));
  table.Add({
      .path = {"hw", "collective"},
      .summary = "Estimate a collective's time, algbw and busbw (nccl-tests style)",
      .description =
          "Alpha-beta cost per link with contention, on any group of accelerators, inside one "
          "scale-up domain or across domains. algbw = size / time; busbw = algbw x 2(n-1)/n "
          "for all_reduce, (n-1)/n for all_gather, reduce_scatter and alltoall, 1 for "
          "broadcast and sendrecv, exactly as nccl-tests. For moe_dispatch/moe_combine the "
          "size is a rank's token buffer (tokens x hidden x bytes) and busbw is the bytes a "
          "rank sends over links per second, as DeepEP reports.",
      .options = coll_options,
      .examples =
          {"aiinfra hw collective --system hgx-h100 --op all_reduce --gpus 8 --sweep",
           "aiinfra hw collective --system gb200-nvl72 --op all_reduce --gpus 72 --size 1GiB",
           "aiinfra hw collective --system hgx-h800 --nodes 2 --op moe_dispatch --gpus 16 "
           "--size 28MiB"},
      .handler = HwCollective,
  });
}

}  // namespace aiinfra::cli
