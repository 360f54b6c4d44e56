#include "hw/accelerator.h"

namespace aiinfra::hw {

const char* ComputeDtypeName(ComputeDtype dtype) {
  switch (dtype) {
    case ComputeDtype::kBF16:
      return "bf16";
    case ComputeDtype::kFP8:
      return "fp8";
    case ComputeDtype::kFP4:
      return "fp4";
    case ComputeDtype::kINT8:
      return "int8";
  }
  return "?";
}

bool IsValidId(const std::string& id) {
  if (id.empty() || id.front() == '-') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) return false;
  }
  return true;
}

Result<Accelerator> ParseAccelerator(const YamlNode& doc) {
  AIINFRA_TRY(YamlMap top, YamlMap::From(doc));
  Accelerator acc;
  acc.file = doc.file;
  AIINFRA_TRY(YamlNode id_node, top.Required("id"));
  AIINFRA_TRY(acc.id, id_node.Scalar());
  if (!IsValidId(acc.id)) {
    return Fail(id_node.Err("id \"" + acc.id + "\" must use only a-z, 0-9 and '-'"));
  }
  AIINFRA_TRY(acc.name, top.RequiredString("name"));
  AIINFRA_TRY(acc.vendor, top.RequiredString("vendor"));
  AIINFRA_TRY(acc.generation, top.RequiredString("generation"));

  {
    AIINFRA_TRY(YamlNode compute_node, top.Required("compute"));
    AIINFRA_TRY(YamlMap compute, YamlMap::From(compute_node));
    for (ComputeDtype dtype : kComputeDtypes) {
      AIINFRA_TRY(YamlNode f, compute.Required(ComputeDtypeName(dtype)));
      if (f.IsScalar() && f.node.Scalar() == "unsupported") continue;
      if (f.IsScalar()) {
        return Fail(f.Err("expected a figure {value: ..., source: ...} or `unsupported`"));
      }
      AIINFRA_TRY(Figure figure, ReadPositiveFigure(f, Quantity::kFlops));
      acc.compute[static_cast<int>(dtype)] = figure;
    }
    AIINFRA_CHECK_OK(compute.Finish());
    bool any = false;
    for (const auto& c : acc.compute) any = any || c.has_value();
    if (!any) return Fail(compute_node.Err("at least one math type must be supported"));
  }
  {
    AIINFRA_TRY(YamlNode memory_node, top.Required("memory"));
    AIINFRA_TRY(YamlMap memory, YamlMap::From(memory_node));
    AIINFRA_TRY(acc.memory_type, memory.RequiredString("type"));
    AIINFRA_TRY(YamlNode cap, memory.Required("capacity"));
    AIINFRA_TRY(acc.memory_capacity, ReadPositiveFigure(cap, Quantity::kBytes));
    AIINFRA_TRY(YamlNode usable, memory.Required("usable"));
    AIINFRA_TRY(acc.memory_usable, ReadPositiveFigure(usable, Quantity::kBytes));
    AIINFRA_TRY(YamlNode bw, memory.Required("bandwidth"));
    AIINFRA_TRY(acc.memory_bandwidth, ReadPositiveFigure(bw, Quantity::kRate));
    AIINFRA_CHECK_OK(memory.Finish());
    // Vendors write "80GB" for 80 GiB of HBM, so a usable figure may exceed the marketing
    // number by up to the GiB/GB ratio; beyond that it is impossible.
    constexpr double kGiBPerGB = 1073741824.0 / 1e9;
    if (acc.memory_usable.value > acc.memory_capacity.value * kGiBPerGB) {
      return Fail(usable.Err("usable memory exceeds the capacity"));
    }
  }
  {
    AIINFRA_TRY(YamlNode su_node, top.Required("scale_up"));
    AIINFRA_TRY(YamlMap su, YamlMap::From(su_node));
    AIINFRA_TRY(acc.scale_up_technology, su.RequiredString("technology"));
    AIINFRA_TRY(YamlNode bw, su.Required("bandwidth"));
    AIINFRA_TRY(acc.scale_up_bandwidth, ReadPositiveFigure(bw, Quantity::kRate));
    AIINFRA_TRY(YamlNode links, su.Required("links"));
    AIINFRA_TRY(acc.scale_up_links, ReadPositiveFigure(links, Quantity::kCount));
    AIINFRA_CHECK_OK(su.Finish());
  }
  {
    AIINFRA_TRY(YamlNode so_node, top.Required("scale_out"));
    AIINFRA_TRY(YamlMap so, YamlMap::From(so_node));
    AIINFRA_TRY(YamlNode nic, so.Required("nic"));
    AIINFRA_TRY(acc.nic_rate, ReadPositiveFigure(nic, Quantity::kRate));
    AIINFRA_CHECK_OK(so.Finish());
  }
  AIINFRA_TRY(YamlNode power, top.Required("power"));
  AIINFRA_TRY(acc.power, ReadPositiveFigure(power, Quantity::kPower));
  AIINFRA_CHECK_OK(top.Finish());
  return acc;
}

}  // namespace aiinfra::hw
