// `aiinfra hw show`: every figure of a system or accelerator with its provenance.
#include "cli/hw_show.h"

#include <fmt/format.h>

#include <map>

#include "common/table.h"
#include "common/units.h"
#include "hw/catalog.h"
#include "hw/topology.h"

namespace aiinfra::cli {
namespace {

using hw::Figure;
using hw::Quantity;
using Json = nlohmann::ordered_json;

const char* UnitName(Quantity kind) {
  switch (kind) {
    case Quantity::kBytes:
      return "B";
    case Quantity::kRate:
      return "B/s";
    case Quantity::kFlops:
      return "FLOP/s";
    case Quantity::kPower:
      return "W";
    case Quantity::kDuration:
      return "s";
    case Quantity::kCount:
      return "count";
  }
  return "";
}

Json FigureJson(const Figure& f, Quantity kind) {
  Json j;
  j["value"] = f.value;
  j["unit"] = UnitName(kind);
  j["text"] = hw::FormatFigure(f, kind);
  if (f.is_estimated()) {
    j["estimated"] = f.estimated;
  } else {
    j["source"] = f.source;
  }
  if (!f.note.empty()) j["note"] = f.note;
  return j;
}

// One printed row per figure, with its provenance collected as numbered references, so a
// reader sees every number next to where it came from without 200-column lines.
class FigureSheet {
 public:
  // `bits`: print a rate in bits per second, as NIC line rates are quoted.
  void Add(std::string field, const Figure& f, Quantity kind, bool bits = false) {
    AddAs(std::move(field),
          bits && f.text.empty() ? FormatRate(f.value, true) : hw::FormatFigure(f, kind), f);
  }
  // A figure whose value prints as `text` (e.g. a grid's "4x4x4").
  void AddAs(std::string field, std::string text, const Figure& f) {
    const std::string key = f.is_estimated() ? "estimated: " + f.estimated : f.source;
    auto [it, inserted] = refs_.try_emplace(key, static_cast<int>(order_.size()) + 1);
    if (inserted) order_.push_back(key);
    rows_.push_back({std::move(field), std::move(text),
                     fmt::format("[{}]{}", it->second, f.is_estimated() ? " E" : "")});
  }
  void AddText(std::string field, std::string value) {
    rows_.push_back({std::move(field), std::move(value), ""});
  }
  void Print(std::ostream& out) const {
    TextTable table({"field", "value", "ref"});
    table.SetAlign(1, TextTable::Align::kRight);
    for (const auto& r : rows_) table.AddRow(r);
    table.set_style({.indent = 2});
    table.Print(out);
    out << "\n  References ([n] E = estimated, with its reasoning):\n";
    for (std::size_t i = 0; i < order_.size(); ++i) {
      out << fmt::format("  [{}] {}\n", i + 1, order_[i]);
    }
  }

 private:
  std::vector<std::vector<std::string>> rows_;
  std::map<std::string, int> refs_;
  std::vector<std::string> order_;
};

void AddAcceleratorFigures(const hw::Accelerator& a, FigureSheet& sheet, Json& j) {
  Json compute = Json::object();
  for (hw::ComputeDtype dtype : hw::kComputeDtypes) {
    const auto& f = a.Compute(dtype);
    const std::string name = hw::ComputeDtypeName(dtype);
    if (f) {
      sheet.Add(name + " dense peak", *f, Quantity::kFlops);
      compute[name] = FigureJson(*f, Quantity::kFlops);
    } else {
      sheet.AddText(name + " dense peak", "unsupported");
      compute[name] = nullptr;
    }
  }
  j["compute"] = compute;
  sheet.Add("HBM capacity (" + a.memory_type + ")", a.memory_capacity, Quantity::kBytes);
  sheet.Add("HBM usable", a.memory_usable, Quantity::kBytes);
  sheet.Add("HBM bandwidth", a.memory_bandwidth, Quantity::kRate);
  j["memory"] = {{"type", a.memory_type},
                 {"capacity", FigureJson(a.memory_capacity, Quantity::kBytes)},
                 {"usable", FigureJson(a.memory_usable, Quantity::kBytes)},
                 {"bandwidth", FigureJson(a.memory_bandwidth, Quantity::kRate)}};
  sheet.Add(a.scale_up_technology + " per direction", a.scale_up_bandwidth, Quantity::kRate);
  sheet.Add(a.scale_up_technology + " links", a.scale_up_links, Quantity::kCount);
  j["scale_up"] = {{"technology", a.scale_up_technology},
                   {"bandwidth_per_direction", FigureJson(a.scale_up_bandwidth, Quantity::kRate)},
                   {"links", FigureJson(a.scale_up_links, Quantity::kCount)}};
  sheet.Add("NIC line rate", a.nic_rate, Quantity::kRate, /*bits=*/true);
  j["scale_out"] = {{"nic", FigureJson(a.nic_rate, Quantity::kRate)}};
  sheet.Add("power", a.power, Quantity::kPower);
  j["power"] = FigureJson(a.power, Quantity::kPower);
}

Result<Output> ShowAccelerator(const hw::Accelerator& a) {
  FigureSheet sheet;
  Json j = {{"kind", "accelerator"},      {"id", a.id},    {"name", a.name}, {"vendor", a.vendor},
            {"generation", a.generation}, {"file", a.file}};
  AddAcceleratorFigures(a, sheet, j);
  Output out;
  out.data = j;
  out.table = [a, sheet](std::ostream& os) {
    os << fmt::format("{} ({}), {} {}\n  from {}\n\n", a.name, a.id, a.vendor, a.generation,
                      a.file);
    sheet.Print(os);
  };
  return out;
}

Result<Output> ShowSystem(const hw::System& s) {
  FigureSheet sheet;
  Json j = {{"kind", "system"},
            {"id", s.id},
            {"name", s.name},
            {"file", s.file},
            {"accelerator", s.accelerator_id}};
  sheet.Add("accelerators", s.accelerators, Quantity::kCount);
  sheet.Add("nodes (servers or trays)", s.nodes, Quantity::kCount);
  sheet.Add("CPUs (" + s.cpu_model + ")", s.cpus, Quantity::kCount);
  sheet.Add("host link per direction", s.host_link, Quantity::kRate);
  sheet.Add("scale-up domain size", s.domain_size, Quantity::kCount);
  j["accelerators"] = FigureJson(s.accelerators, Quantity::kCount);
  j["nodes"] = FigureJson(s.nodes, Quantity::kCount);
  j["cpus"] = {{"model", s.cpu_model}, {"count", FigureJson(s.cpus, Quantity::kCount)}};
  j["host_link"] = FigureJson(s.host_link, Quantity::kRate);
  Json su = {{"topology", hw::ScaleUpTopologyName(s.topology)},
             {"domain_size", FigureJson(s.domain_size, Quantity::kCount)},
             {"in_network_reduction", s.in_network_reduction}};
  Json tiers = Json::array();
  for (const hw::SwitchTier& t : s.tiers) {
    const std::string scope = t.per_node ? "per node" : "per domain";
    sheet.Add(t.name + " chips " + scope, t.chips, Quantity::kCount);
    Json tj = {{"name", t.name},
               {"per", t.per_node ? "node" : "domain"},
               {"chips", FigureJson(t.chips, Quantity::kCount)}};
    if (t.trays) {
      sheet.Add(t.name + " trays", *t.trays, Quantity::kCount);
      tj["trays"] = FigureJson(*t.trays, Quantity::kCount);
    }
    tiers.push_back(std::move(tj));
  }
  su["tiers"] = std::move(tiers);
  if (s.grid_figure) {
    const std::string grid = fmt::format("{}x{}x{}", s.grid[0], s.grid[1], s.grid[2]);
    sheet.AddAs("3D grid (neighbour links)", grid, *s.grid_figure);
    su["grid"] = {{"value", grid}, {"dims", s.grid}};
    if (s.grid_figure->is_estimated()) {
      su["grid"]["estimated"] = s.grid_figure->estimated;
    } else {
      su["grid"]["source"] = s.grid_figure->source;
    }
  }
  sheet.Add("scale-up latency", s.scale_up_latency, Quantity::kDuration);
  su["latency"] = FigureJson(s.scale_up_latency, Quantity::kDuration);
  if (s.scale_up_override) {
    sheet.Add("scale-up per direction (system)", *s.scale_up_override, Quantity::kRate);
    su["bandwidth_per_direction"] = FigureJson(*s.scale_up_override, Quantity::kRate);
  }
  j["scale_up"] = std::move(su);
  sheet.Add("NICs per accelerator", s.nics_per_accelerator, Quantity::kCount);
  Json so = {{"nics_per_accelerator", FigureJson(s.nics_per_accelerator, Quantity::kCount)}};
  if (s.nic_override) {
    sheet.Add("NIC line rate (system)", *s.nic_override, Quantity::kRate, /*bits=*/true);
    so["nic"] = FigureJson(*s.nic_override, Quantity::kRate);
  }
  sheet.Add("scale-out latency", s.scale_out_latency, Quantity::kDuration);
  so["latency"] = FigureJson(s.scale_out_latency, Quantity::kDuration);
  j["scale_out"] = std::move(so);
  sheet.Add("power (system)", s.power, Quantity::kPower);
  j["power"] = FigureJson(s.power, Quantity::kPower);

  // Totals derived from the figures, which is what a buyer compares.
  const double n = s.accelerator_count();
  Json totals = Json::object();
  std::vector<std::pair<std::string, std::string>> derived;
  for (hw::ComputeDtype dtype : hw::kComputeDtypes) {
    if (const auto& f = s.accelerator.Compute(dtype)) {
      totals[std::string(hw::ComputeDtypeName(dtype)) + "_flops"] = n * f->value;
      derived.emplace_back(std::string(hw::ComputeDtypeName(dtype)) + " dense, total",
                           FormatFlops(n * f->value));
    }
  }
  totals["hbm_usable_bytes"] = n * s.accelerator.memory_usable.value;
  totals["hbm_bandwidth"] = n * s.accelerator.memory_bandwidth.value;
  totals["scale_up_bandwidth_per_direction"] = n * s.ScaleUpBandwidth().value;
  totals["scale_out_bandwidth_per_direction"] = n * s.NicBandwidthPerAccelerator();
  derived.emplace_back("HBM usable, total", FormatBytes(n * s.accelerator.memory_usable.value));
  derived.emplace_back("HBM bandwidth, total",
                       FormatRate(n * s.accelerator.memory_bandwidth.value));
  derived.emplace_back("scale-up per direction, total", FormatRate(n * s.ScaleUpBandwidth().value));
  derived.emplace_back("scale-out per direction, total",
                       FormatRate(n * s.NicBandwidthPerAccelerator(), true));
  if (auto topo = hw::Topology::Build(s)) {
    const double bisection = topo->BisectionBandwidth(topo->ScaleUpDomain(0));
    totals["domain_bisection_bandwidth"] = bisection;
    derived.emplace_back("bisection of one scale-up domain", FormatRate(bisection));
  }
  j["totals"] = totals;

  Json acc = Json::object();
  FigureSheet acc_sheet;
  AddAcceleratorFigures(s.accelerator, acc_sheet, acc);
  acc["id"] = s.accelerator.id;
  acc["name"] = s.accelerator.name;
  j["accelerator_figures"] = std::move(acc);

  Output out;
  out.data = j;
  out.table = [s, sheet, acc_sheet, derived](std::ostream& os) {
    os << fmt::format("{} ({})\n  from {}\n\n", s.name, s.id, s.file);
    sheet.Print(os);
    os << fmt::format("\nAccelerator: {} ({})\n", s.accelerator.name, s.accelerator.id);
    acc_sheet.Print(os);
    os << "\nDerived totals\n";
    TextTable t;
    t.set_style({.indent = 2});
    t.SetAlign(1, TextTable::Align::kRight);
    for (const auto& [k, v] : derived) t.AddRow({k, v});
    t.Print(os);
  };
  return out;
}

}  // namespace

Result<Output> HwShow(Invocation& inv) {
  AIINFRA_TRY(hw::Catalog catalog, hw::Catalog::Load(inv.data));
  const std::string name = inv.Get("name");
  if (auto sys = catalog.FindSystem(name)) return ShowSystem(**sys);
  if (auto acc = catalog.FindAccelerator(name)) return ShowAccelerator(**acc);
  std::vector<std::string> known;
  for (const auto& s : catalog.systems()) known.push_back(s.id);
  for (const auto& a : catalog.accelerators()) known.push_back(a.id);
  return Fail(ErrorCode::kNotFound, hw::UnknownNameMessage("system or accelerator", name, known));
}

}  // namespace aiinfra::cli
