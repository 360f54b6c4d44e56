#include "perf/calibration.h"

#include <fmt/format.h>

#include "common/units.h"
#include "common/yaml.h"

namespace aiinfra::perf {
namespace {

enum class FactorKind { kShare, kDuration };

Result<Factor> ReadFactor(YamlMap& top, std::string_view key, FactorKind kind) {
  AIINFRA_TRY(YamlNode node, top.Required(key));
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  Factor f;
  f.where = node.Where();
  AIINFRA_TRY(YamlNode value, map.Required("value"));
  if (kind == FactorKind::kShare) {
    AIINFRA_TRY(f.value, value.Number());
    if (!(f.value > 0 && f.value <= 1)) {
      return Fail(value.Err("a share of the peak lies in (0, 1]"));
    }
  } else {
    AIINFRA_TRY(std::string text, value.Scalar());
    auto seconds = ParseDuration(text);
    if (!seconds) return Fail(value.Err(seconds.error().message));
    if (*seconds < 0) return Fail(value.Err("a duration cannot be negative"));
    f.value = *seconds;
  }
  if (auto fitted = map.Optional("fitted_on")) {
    AIINFRA_TRY(auto items, fitted->Items());
    for (const YamlNode& item : items) {
      AIINFRA_TRY(std::string id, item.Scalar());
      f.fitted_on.push_back(id);
    }
    if (f.fitted_on.empty()) return Fail(fitted->Err("fitted_on lists no reference row"));
  }
  f.estimated = map.OptionalString("estimated");
  f.note = map.OptionalString("note");
  if (f.fitted_on.empty() == f.estimated.empty()) {
    return Fail(
        node.Err("give exactly one of `fitted_on:` (ids of data/reference/published.yaml rows) or "
                 "`estimated:` (the reasoning)"));
  }
  AIINFRA_CHECK_OK(map.Finish());
  return f;
}

Result<Calibration> Parse(const DataFile& file) {
  AIINFRA_TRY(YamlNode doc, ParseYaml(file.contents, file.display));
  AIINFRA_TRY(YamlMap top, YamlMap::From(doc));
  Calibration c;
  c.file = file.display;
  AIINFRA_TRY(c.accelerator, top.RequiredString("accelerator"));
  std::string stem = file.relative.substr(file.relative.rfind('/') + 1);
  stem = stem.substr(0, stem.size() - 5);  // ".yaml"
  if (stem != c.accelerator) {
    AIINFRA_TRY(YamlNode acc, top.Required("accelerator"));
    return Fail(acc.Err(fmt::format("accelerator \"{}\" must match the file name \"{}.yaml\"",
                                    c.accelerator, stem)));
  }
  AIINFRA_TRY(c.gemm, ReadFactor(top, "gemm", FactorKind::kShare));
  AIINFRA_TRY(c.moe_gemm, ReadFactor(top, "moe_gemm", FactorKind::kShare));
  AIINFRA_TRY(c.attention, ReadFactor(top, "attention", FactorKind::kShare));
  AIINFRA_TRY(c.memory, ReadFactor(top, "memory", FactorKind::kShare));
  AIINFRA_TRY(c.step_overhead, ReadFactor(top, "step_overhead", FactorKind::kDuration));
  AIINFRA_CHECK_OK(top.Finish());
  return c;
}

}  // namespace

Result<CalibrationSet> CalibrationSet::FromFiles(const std::vector<DataFile>& files) {
  CalibrationSet set;
  std::vector<Calibration> others;
  bool have_default = false;
  for (const DataFile& file : files) {
    AIINFRA_TRY(Calibration c, Parse(file));
    if (c.accelerator == "default") {
      set.sets_.insert(set.sets_.begin(), std::move(c));
      have_default = true;
    } else {
      others.push_back(std::move(c));
    }
  }
  if (!have_default) {
    return Fail(ErrorCode::kNotFound,
                "data file calibration/default.yaml is missing: it holds the factors of "
                "accelerators without their own calibration");
  }
  for (Calibration& c : others) set.sets_.push_back(std::move(c));
  return set;
}

Result<CalibrationSet> CalibrationSet::Load(const DataSource& data) {
  AIINFRA_TRY(auto files, data.List("calibration"));
  return FromFiles(files);
}

const Calibration& CalibrationSet::For(std::string_view accelerator_id) const {
  for (const Calibration& c : sets_) {
    if (c.accelerator == accelerator_id) return c;
  }
  return sets_.front();
}

}  // namespace aiinfra::perf
