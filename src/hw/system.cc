#include "hw/system.h"

#include <cmath>
#include <limits>
#include <string>

namespace aiinfra::hw {
namespace {

bool IsWhole(double v) { return std::floor(v) == v; }

Result<Figure> ReadCount(YamlMap& map, std::string_view key) {
  AIINFRA_TRY(YamlNode node, map.Required(key));
  AIINFRA_TRY(Figure figure, ReadPositiveFigure(node, Quantity::kCount));
  // Counts end up in ints (System's accelerator_count() and the others, the topology), where a
  // larger value would not fit.
  constexpr int kMaxCount = std::numeric_limits<int>::max();
  if (!IsWhole(figure.value) || figure.value > kMaxCount) {
    Error err =
        node.Err(IsWhole(figure.value) ? "a count must be at most " + std::to_string(kMaxCount)
                                       : std::string("a count must be a whole number"));
    err.where = figure.where;
    err.where.field = node.path + ".value";
    return Fail(std::move(err));
  }
  return figure;
}

// `{value: 4x4x4, source|estimated: ...}`: the extents of a 3D grid.
Result<Figure> ReadGrid(const YamlNode& node, std::array<int, 3>& dims) {
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  AIINFRA_TRY(YamlNode value, map.Required("value"));
  AIINFRA_TRY(std::string text, value.Scalar());
  int parsed = 0;
  std::size_t pos = 0;
  for (int i = 0; i < 3; ++i) {
    std::size_t used = 0;
    int v = 0;
    try {
      v = std::stoi(text.substr(pos), &used);
    } catch (const std::exception&) {
      used = 0;
    }
    if (used == 0 || v < 1) break;
    dims[i] = v;
    pos += used;
    ++parsed;
    if (i < 2) {
      if (pos >= text.size() || text[pos] != 'x') break;
      ++pos;
    }
  }
  if (parsed != 3 || pos != text.size()) {
    return Fail(
        value.Err("expected the grid as XxYxZ with positive whole numbers, e.g. 4x4x4; "
                  "got \"" +
                  text + "\""));
  }
  Figure figure;
  figure.value = static_cast<double>(dims[0]) * dims[1] * dims[2];
  figure.where = value.Where();
  figure.source = map.OptionalString("source");
  figure.estimated = map.OptionalString("estimated");
  figure.note = map.OptionalString("note");
  if (figure.source.empty() == figure.estimated.empty()) {
    return Fail(node.Err("a figure needs exactly one of `source:` or `estimated:`"));
  }
  AIINFRA_CHECK_OK(map.Finish());
  return figure;
}

Result<SwitchTier> ParseTier(const YamlNode& node) {
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  SwitchTier tier;
  AIINFRA_TRY(tier.name, map.RequiredString("name"));
  AIINFRA_TRY(YamlNode per, map.Required("per"));
  AIINFRA_TRY(std::string per_text, per.Scalar());
  if (per_text != "node" && per_text != "domain") {
    return Fail(per.Err("expected `node` or `domain`, got \"" + per_text + "\""));
  }
  tier.per_node = per_text == "node";
  AIINFRA_TRY(tier.chips, ReadCount(map, "chips"));
  if (map.Has("trays")) {
    AIINFRA_TRY(Figure trays, ReadCount(map, "trays"));
    tier.trays = trays;
  }
  AIINFRA_CHECK_OK(map.Finish());
  return tier;
}

}  // namespace

const char* ScaleUpTopologyName(ScaleUpTopology topology) {
  switch (topology) {
    case ScaleUpTopology::kSwitched:
      return "switched";
    case ScaleUpTopology::kMesh:
      return "mesh";
    case ScaleUpTopology::kMesh3D:
      return "mesh3d";
  }
  return "?";
}

Result<System> ParseSystem(const YamlNode& doc) {
  AIINFRA_TRY(YamlMap top, YamlMap::From(doc));
  System sys;
  sys.file = doc.file;
  AIINFRA_TRY(YamlNode id_node, top.Required("id"));
  AIINFRA_TRY(sys.id, id_node.Scalar());
  if (!IsValidId(sys.id)) {
    return Fail(id_node.Err("id \"" + sys.id + "\" must use only a-z, 0-9 and '-'"));
  }
  AIINFRA_TRY(sys.name, top.RequiredString("name"));
  AIINFRA_TRY(sys.accelerator_id, top.RequiredString("accelerator"));
  AIINFRA_TRY(sys.accelerators, ReadCount(top, "accelerators"));
  AIINFRA_TRY(YamlNode nodes_node, top.Required("nodes"));
  AIINFRA_TRY(sys.nodes, ReadCount(top, "nodes"));
  if (std::fmod(sys.accelerators.value, sys.nodes.value) != 0) {
    return Fail(nodes_node.Err("the accelerators (" +
                               FormatFigure(sys.accelerators, Quantity::kCount) +
                               ") do not split evenly over the nodes"));
  }
  {
    AIINFRA_TRY(YamlNode cpus_node, top.Required("cpus"));
    AIINFRA_TRY(YamlMap cpus, YamlMap::From(cpus_node));
    AIINFRA_TRY(sys.cpu_model, cpus.RequiredString("model"));
    AIINFRA_TRY(sys.cpus, ReadCount(cpus, "count"));
    AIINFRA_CHECK_OK(cpus.Finish());
  }
  AIINFRA_TRY(YamlNode host, top.Required("host_link"));
  AIINFRA_TRY(sys.host_link, ReadPositiveFigure(host, Quantity::kRate));

  {
    AIINFRA_TRY(YamlNode su_node, top.Required("scale_up"));
    AIINFRA_TRY(YamlMap su, YamlMap::From(su_node));
    AIINFRA_TRY(YamlNode topo, su.Required("topology"));
    AIINFRA_TRY(std::string topo_text, topo.Scalar());
    if (topo_text == "switched") {
      sys.topology = ScaleUpTopology::kSwitched;
    } else if (topo_text == "mesh") {
      sys.topology = ScaleUpTopology::kMesh;
    } else if (topo_text == "mesh3d") {
      sys.topology = ScaleUpTopology::kMesh3D;
    } else {
      return Fail(topo.Err("expected `switched`, `mesh` or `mesh3d`, got \"" + topo_text + "\""));
    }
    AIINFRA_TRY(YamlNode domain_node, su.Required("domain_size"));
    AIINFRA_TRY(sys.domain_size, ReadCount(su, "domain_size"));
    if (sys.domain_size.value > sys.accelerators.value ||
        std::fmod(sys.accelerators.value, sys.domain_size.value) != 0) {
      return Fail(domain_node.Err("domain_size must divide the system's accelerator count"));
    }
    if (auto tiers_node = su.Optional("tiers")) {
      AIINFRA_TRY(auto items, tiers_node->Items());
      for (const YamlNode& item : items) {
        AIINFRA_TRY(SwitchTier tier, ParseTier(item));
        sys.tiers.push_back(std::move(tier));
      }
    }
    if (sys.topology == ScaleUpTopology::kSwitched && sys.tiers.empty()) {
      return Fail(su.self().Err("a switched scale-up fabric needs at least one entry in `tiers`"));
    }
    if (sys.topology != ScaleUpTopology::kSwitched && !sys.tiers.empty()) {
      return Fail(su.self().Err("a mesh has no switch `tiers`"));
    }
    if (auto grid = su.Optional("grid")) {
      if (sys.topology != ScaleUpTopology::kMesh3D) {
        return Fail(grid->Err("`grid` applies to `topology: mesh3d` only"));
      }
      AIINFRA_TRY(sys.grid_figure, ReadGrid(*grid, sys.grid));
      if (sys.grid_figure->value != sys.domain_size.value) {
        return Fail(grid->Err("the grid's size (" + std::to_string(sys.grid[0]) + "x" +
                              std::to_string(sys.grid[1]) + "x" + std::to_string(sys.grid[2]) +
                              ") must equal domain_size"));
      }
    } else if (sys.topology == ScaleUpTopology::kMesh3D) {
      return Fail(su.self().Err("a mesh3d needs `grid: {value: XxYxZ, ...}`"));
    }
    if (sys.tiers.size() > 2) {
      return Fail(su.self().Err("at most two switch tiers are modelled"));
    }
    if (auto inr = su.Optional("in_network_reduction")) {
      AIINFRA_TRY(sys.in_network_reduction, inr->Bool());
    }
    AIINFRA_TRY(YamlNode lat, su.Required("latency"));
    AIINFRA_TRY(sys.scale_up_latency, ReadPositiveFigure(lat, Quantity::kDuration));
    if (auto bw = su.Optional("bandwidth")) {
      AIINFRA_TRY(Figure figure, ReadPositiveFigure(*bw, Quantity::kRate));
      sys.scale_up_override = figure;
    }
    AIINFRA_CHECK_OK(su.Finish());
  }
  {
    AIINFRA_TRY(YamlNode so_node, top.Required("scale_out"));
    AIINFRA_TRY(YamlMap so, YamlMap::From(so_node));
    // May be fractional: 0.5 is one NIC shared by two accelerators.
    AIINFRA_TRY(YamlNode nics, so.Required("nics_per_accelerator"));
    AIINFRA_TRY(sys.nics_per_accelerator, ReadPositiveFigure(nics, Quantity::kCount));
    if (auto nic = so.Optional("nic")) {
      AIINFRA_TRY(Figure figure, ReadPositiveFigure(*nic, Quantity::kRate));
      sys.nic_override = figure;
    }
    AIINFRA_TRY(YamlNode lat, so.Required("latency"));
    AIINFRA_TRY(sys.scale_out_latency, ReadPositiveFigure(lat, Quantity::kDuration));
    AIINFRA_CHECK_OK(so.Finish());
  }
  AIINFRA_TRY(YamlNode power, top.Required("power"));
  AIINFRA_TRY(sys.power, ReadPositiveFigure(power, Quantity::kPower));
  AIINFRA_CHECK_OK(top.Finish());
  return sys;
}

}  // namespace aiinfra::hw
