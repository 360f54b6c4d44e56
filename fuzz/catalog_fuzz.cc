// Fuzz target for the hardware catalog parsers: hw/accelerator.h (ParseAccelerator),
// hw/system.h (ParseSystem) and hw/catalog.h (Catalog::FromFiles).
//
// The input is read
//   1. as one accelerator document (ParseAccelerator);
//   2. as one system document (ParseSystem);
//   3. as a system file of a catalog whose only accelerator is a fixed valid one, so that
//      accelerator resolution and its "did you mean" hints run (Catalog::FromFiles);
//   4. as the only accelerator file of a catalog with a fixed valid system that needs it.
// Files are named after the id the document declares, when it declares a valid one, so that
// parsing goes past the id/file-name check.
//
// Checked: never a crash; every error has a message and the code kInvalidInput or kNotFound;
// what parses keeps the promises of the headers (valid ids, finite non-negative figures, whole
// positive counts that divide as the system needs, and the int views of System defined).
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/data.h"
#include "common/result.h"
#include "common/yaml.h"
#include "fuzz_check.h"
#include "hw/accelerator.h"
#include "hw/catalog.h"
#include "hw/figure.h"
#include "hw/system.h"
#include "hw/test_fixtures.h"

namespace {

using aiinfra::DataFile;
using aiinfra::ErrorCode;
using aiinfra::Result;
using aiinfra::YamlNode;
using aiinfra::hw::Accelerator;
using aiinfra::hw::Catalog;
using aiinfra::hw::Figure;
using aiinfra::hw::System;

constexpr std::string_view kTarget = "catalog_fuzz";

struct Checker {
  std::string_view input;

  [[noreturn]] void Finding(const std::string& what) {
    aiinfra::fuzz::Finding(kTarget, what, input);
  }
  void Error(std::string_view stage, const aiinfra::Error& error) {
    aiinfra::fuzz::CheckError(kTarget, stage, error,
                              {ErrorCode::kInvalidInput, ErrorCode::kNotFound}, input);
  }

  void CheckFigure(const Figure& f, std::string_view what, bool positive) {
    if (!std::isfinite(f.value) || f.value < 0 || (positive && f.value <= 0)) {
      Finding(std::string(what) + ": a figure out of range was accepted");
    }
    if (f.source.empty() == f.estimated.empty()) {
      Finding(std::string(what) + ": a figure needs exactly one of source and estimated");
    }
  }
  // Counts are whole, positive, and small enough for the int views of System.
  void CheckCount(const Figure& f, std::string_view what) {
    CheckFigure(f, what, /*positive=*/true);
    if (std::floor(f.value) != f.value || f.value > std::numeric_limits<int>::max()) {
      Finding(std::string(what) + ": a count that is not a whole number fitting an int (" +
              std::to_string(f.value) + ") was accepted");
    }
  }

  void CheckAccelerator(const Accelerator& acc) {
    if (!aiinfra::hw::IsValidId(acc.id)) Finding("an accelerator with an invalid id was accepted");
    bool any = false;
    for (const auto& c : acc.compute) {
      if (c) CheckFigure(*c, "compute", true);
      any = any || c.has_value();
    }
    if (!any) Finding("an accelerator without any math type was accepted");
    CheckFigure(acc.memory_capacity, "memory.capacity", true);
    CheckFigure(acc.memory_usable, "memory.usable", true);
    CheckFigure(acc.memory_bandwidth, "memory.bandwidth", true);
    CheckFigure(acc.scale_up_bandwidth, "scale_up.bandwidth", true);
    CheckFigure(acc.scale_up_links, "scale_up.links", true);
    CheckFigure(acc.nic_rate, "scale_out.nic", true);
    CheckFigure(acc.power, "power", true);
  }

  void CheckSystem(const System& sys) {
    if (!aiinfra::hw::IsValidId(sys.id)) Finding("a system with an invalid id was accepted");
    CheckCount(sys.accelerators, "accelerators");
    CheckCount(sys.nodes, "nodes");
    CheckCount(sys.cpus, "cpus.count");
    CheckCount(sys.domain_size, "scale_up.domain_size");
    for (const auto& tier : sys.tiers) {
      CheckCount(tier.chips, "tiers.chips");
      if (tier.trays) CheckCount(*tier.trays, "tiers.trays");
    }
    if (sys.topology == aiinfra::hw::ScaleUpTopology::kSwitched && sys.tiers.empty()) {
      Finding("a switched system without tiers was accepted");
    }
    CheckFigure(sys.host_link, "host_link", true);
    CheckFigure(sys.scale_up_latency, "scale_up.latency", true);
    CheckFigure(sys.nics_per_accelerator, "nics_per_accelerator", true);
    CheckFigure(sys.scale_out_latency, "scale_out.latency", true);
    CheckFigure(sys.power, "power", true);
    if (sys.scale_up_override) CheckFigure(*sys.scale_up_override, "scale_up.bandwidth", true);
    if (sys.nic_override) CheckFigure(*sys.nic_override, "scale_out.nic", true);
    // The int views divide: accelerators split evenly over nodes and domains.
    if (sys.accelerator_count() % sys.node_count() != 0 ||
        sys.accelerator_count() % sys.domain_accelerators() != 0 ||
        sys.accelerators_per_node() < 1 || sys.domains() < 1) {
      Finding("a system whose accelerators do not split over nodes and domains was accepted");
    }
  }

  // Parses the input as one document; nullopt (after checking the error) when it is not one.
  std::optional<YamlNode> Document(const std::string& text, const std::string& file) {
    auto doc = aiinfra::ParseYaml(text, file);
    if (!doc) {
      Error("ParseYaml", doc.error());
      return std::nullopt;
    }
    return *doc;
  }

  // Builds a catalog and looks up an id taken from the input in it.
  void CheckCatalog(const std::vector<DataFile>& accelerators, const std::vector<DataFile>& systems,
                    std::string_view lookup) {
    auto catalog = Catalog::FromFiles(accelerators, systems);
    if (!catalog) {
      Error("Catalog::FromFiles", catalog.error());
      return;
    }
    if (catalog->accelerators().size() != accelerators.size() ||
        catalog->systems().size() != systems.size()) {
      Finding("Catalog::FromFiles dropped a file without an error");
    }
    for (const Accelerator& acc : catalog->accelerators()) CheckAccelerator(acc);
    for (const System& sys : catalog->systems()) {
      CheckSystem(sys);
      if (sys.accelerator.id != sys.accelerator_id) Finding("a system got the wrong accelerator");
    }
    for (const std::string_view id : {lookup, std::string_view("test-gpu")}) {
      if (auto a = catalog->FindAccelerator(id); !a) Error("FindAccelerator", a.error());
      if (auto s = catalog->FindSystem(id); !s) Error("FindSystem", s.error());
    }
  }
};

// The id a document declares, when it is a valid one (for naming its file), else `fallback`.
std::string DeclaredId(const std::optional<YamlNode>& doc, const std::string& fallback) {
  if (!doc || !doc->IsMap()) return fallback;
  const YAML::Node id = doc->node["id"];
  if (!id || !id.IsScalar() || !aiinfra::hw::IsValidId(id.Scalar())) return fallback;
  return id.Scalar();
}

DataFile File(const std::string& dir, const std::string& id, std::string contents) {
  const std::string relative = "hardware/" + dir + "/" + id + ".yaml";
  return DataFile{relative, "fuzz/" + relative, std::move(contents)};
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  Checker check{text};

  const std::optional<YamlNode> doc = check.Document(text, "fuzz/input.yaml");
  if (doc) {
    if (auto acc = aiinfra::hw::ParseAccelerator(*doc)) {
      check.CheckAccelerator(*acc);
    } else {
      check.Error("ParseAccelerator", acc.error());
    }
    if (auto sys = aiinfra::hw::ParseSystem(*doc)) {
      check.CheckSystem(*sys);
    } else {
      check.Error("ParseSystem", sys.error());
    }
  }

  // A name to look up: the first line of the input, as a user might type it.
  const std::string_view lookup = std::string_view(text).substr(0, text.find('\n'));
  const DataFile valid_accelerator =
      File("accelerators", "test-gpu", aiinfra::hw::testing::kAcceleratorYaml);
  const DataFile valid_system = File("systems", "test-box", aiinfra::hw::testing::kSystemYaml);
  check.CheckCatalog({valid_accelerator}, {File("systems", DeclaredId(doc, "fuzz"), text)}, lookup);
  check.CheckCatalog({File("accelerators", DeclaredId(doc, "test-gpu"), text)}, {valid_system},
                     lookup);
  return 0;
}
