#include "hw/collective_tuning.h"

#include "common/yaml.h"

namespace aiinfra::hw {

double CollectiveTuning::Efficiency(LinkKind kind) const {
  switch (kind) {
    case LinkKind::kScaleUp:
      return scale_up_efficiency.value;
    case LinkKind::kScaleOut:
      return scale_out_efficiency.value;
    case LinkKind::kHost:
      return host_efficiency.value;
  }
  return 1.0;
}

Result<CollectiveTuning> CollectiveTuning::Parse(const std::string& text, const std::string& file) {
  AIINFRA_TRY(YamlNode doc, ParseYaml(text, file));
  AIINFRA_TRY(YamlMap top, YamlMap::From(doc));
  CollectiveTuning t;
  t.file = file;
  auto duration = [&](std::string_view key) -> Result<Figure> {
    AIINFRA_TRY(YamlNode n, top.Required(key));
    return ReadFigure(n, Quantity::kDuration);
  };
  auto fraction = [&](std::string_view key) -> Result<Figure> {
    AIINFRA_TRY(YamlNode n, top.Required(key));
    AIINFRA_TRY(Figure f, ReadPositiveFigure(n, Quantity::kCount));
    if (f.value > 1) return Fail(n.Err("an efficiency is a fraction in (0, 1]"));
    return f;
  };
  AIINFRA_TRY(t.launch_latency, duration("launch_latency"));
  AIINFRA_TRY(t.step_overhead, duration("step_overhead"));
  AIINFRA_TRY(t.scale_up_efficiency, fraction("scale_up_efficiency"));
  AIINFRA_TRY(t.nvls_efficiency, fraction("nvls_efficiency"));
  AIINFRA_TRY(t.scale_out_efficiency, fraction("scale_out_efficiency"));
  AIINFRA_TRY(t.host_efficiency, fraction("host_efficiency"));
  AIINFRA_TRY(t.moe_efficiency, fraction("moe_efficiency"));
  AIINFRA_CHECK_OK(top.Finish());
  return t;
}

Result<CollectiveTuning> CollectiveTuning::Load(const DataSource& data) {
  AIINFRA_TRY(auto files, data.List("hardware/collective"));
  for (const DataFile& f : files) {
    if (f.relative.ends_with("/tuning.yaml")) return Parse(f.contents, f.display);
  }
  return Fail(ErrorCode::kNotFound, "data file hardware/collective/tuning.yaml is missing");
}

}  // namespace aiinfra::hw
