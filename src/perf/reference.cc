#include "perf/reference.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/units.h"
#include "common/yaml.h"
#include "model/footprint.h"

namespace aiinfra::perf {
namespace {

Result<int> ReadInt(YamlMap& map, std::string_view key, int fallback) {
  auto node = map.Optional(key);
  if (!node) return fallback;
  AIINFRA_TRY(double v, node->Number());
  if (v != std::floor(v) || v < 1 || v > 1e9)
    return Fail(node->Err("expected a whole number >= 1"));
  return static_cast<int>(v);
}

Result<std::optional<double>> ReadSeconds(YamlMap& map, std::string_view key) {
  auto node = map.Optional(key);
  if (!node) return std::optional<double>();
  AIINFRA_TRY(std::string text, node->Scalar());
  auto s = ParseDuration(text);
  if (!s) return Fail(node->Err(s.error().message));
  return std::optional<double>(*s);
}

Result<ReferenceRow> ParseRow(const YamlNode& node) {
  AIINFRA_TRY(YamlMap top, YamlMap::From(node));
  ReferenceRow r;
  r.where = node.Where();
  AIINFRA_TRY(r.id, top.RequiredString("id"));
  AIINFRA_TRY(r.title, top.RequiredString("title"));
  AIINFRA_TRY(r.source, top.RequiredString("source"));
  if (!r.source.starts_with("https://")) {
    AIINFRA_TRY(YamlNode s, top.Required("source"));
    return Fail(s.Err("source must be an https:// URL"));
  }
  AIINFRA_TRY(r.published_as, top.RequiredString("published_as"));
  r.note = top.OptionalString("note");
  r.known_miss = top.OptionalString("known_miss");
  AIINFRA_TRY(std::string metric, top.RequiredString("metric"));
  bool known = false;
  for (Metric m : {Metric::kOutputPerGpu, Metric::kInputPerGpu, Metric::kTtft}) {
    if (metric == MetricName(m)) {
      r.metric = m;
      known = true;
    }
  }
  if (!known) {
    AIINFRA_TRY(YamlNode m, top.Required("metric"));
    return Fail(
        m.Err("metric is one of output_tokens_per_s_per_gpu, "
              "input_tokens_per_s_per_gpu, ttft_s"));
  }
  AIINFRA_TRY(YamlNode pub, top.Required("published"));
  AIINFRA_TRY(r.published, pub.Number());
  if (!(r.published > 0)) return Fail(pub.Err("published must be > 0"));

  AIINFRA_TRY(YamlNode cfg_node, top.Required("config"));
  AIINFRA_TRY(YamlMap cfg, YamlMap::From(cfg_node));
  AIINFRA_TRY(r.model, cfg.RequiredString("model"));
  AIINFRA_TRY(r.system, cfg.RequiredString("system"));
  Deployment& d = r.deployment_template;
  AIINFRA_TRY(r.weights, cfg.RequiredString("weights"));
  {
    auto weights = model::ParseDtype(r.weights);
    if (!weights) {
      AIINFRA_TRY(YamlNode w, cfg.Required("weights"));
      return Fail(w.Err(weights.error().message));
    }
    d.weights = model::WeightPlan::Default(*weights);
  }
  if (auto keep = cfg.Optional("keep")) {
    AIINFRA_TRY(auto items, keep->Items());
    for (const YamlNode& item : items) {
      AIINFRA_TRY(std::string text, item.Scalar());
      auto o = model::ParseOverride(text);
      if (!o) return Fail(item.Err(o.error().message));
      d.weights.overrides.push_back(*o);
    }
  }
  {
    auto kv = model::ParseKvDtype(cfg.OptionalString("kv", "bf16"));
    if (!kv) return Fail(cfg_node.Err(kv.error().message));
    d.kv = *kv;
    auto act = ParseActivations(cfg.OptionalString("activations", "auto"));
    if (!act) return Fail(cfg_node.Err(act.error().message));
    d.activations = *act;
  }
  AIINFRA_TRY(d.parallel.tp, ReadInt(cfg, "tp", 1));
  AIINFRA_TRY(d.parallel.pp, ReadInt(cfg, "pp", 1));
  AIINFRA_TRY(d.parallel.ep, ReadInt(cfg, "ep", 1));
  AIINFRA_TRY(d.parallel.dp_attention, ReadInt(cfg, "dp_attention", 1));
  // Deployment::gpus() multiplies in an int: tp and pp of up to 1e9 each overflow it.
  if (static_cast<long long>(d.parallel.tp) * d.parallel.pp > 1e9) {
    return Fail(cfg_node.Err(fmt::format("tp x pp = {} GPUs is more than 1e9",
                                         static_cast<long long>(d.parallel.tp) * d.parallel.pp)));
  }
  AIINFRA_TRY(int gpus, ReadInt(cfg, "gpus", d.parallel.gpus()));
  if (gpus != d.parallel.gpus()) {
    return Fail(cfg_node.Err(fmt::format("gpus {} != tp x pp = {}", gpus, d.parallel.gpus())));
  }
  AIINFRA_TRY(d.engine.max_num_seqs, ReadInt(cfg, "max_num_seqs", d.engine.max_num_seqs));
  AIINFRA_TRY(d.engine.max_num_batched_tokens,
              ReadInt(cfg, "max_batched_tokens", d.engine.max_num_batched_tokens));
  {
    auto mode = ParseMode(cfg.OptionalString("mode", "offline"));
    if (!mode) return Fail(cfg_node.Err(mode.error().message));
    r.mode = *mode;
  }
  AIINFRA_TRY(YamlNode isl, cfg.Required("isl"));
  AIINFRA_TRY(r.workload.isl, isl.Number());
  AIINFRA_TRY(YamlNode osl, cfg.Required("osl"));
  AIINFRA_TRY(r.workload.osl, osl.Number());
  if (auto ctx = cfg.Optional("decode_context")) {
    AIINFRA_TRY(double c, ctx->Number());
    r.workload.decode_context = c;
  }
  if (auto batch = cfg.Optional("batch")) {
    AIINFRA_TRY(double b, batch->Number());
    r.batch = b;
  }
  AIINFRA_TRY(r.limits.ttft_max, ReadSeconds(cfg, "ttft_max"));
  AIINFRA_TRY(r.limits.tpot_max, ReadSeconds(cfg, "tpot_max"));
  AIINFRA_CHECK_OK(cfg.Finish());
  AIINFRA_CHECK_OK(top.Finish());
  return r;
}

}  // namespace

const char* MetricName(Metric metric) {
  switch (metric) {
    case Metric::kOutputPerGpu:
      return "output_tokens_per_s_per_gpu";
    case Metric::kInputPerGpu:
      return "input_tokens_per_s_per_gpu";
    case Metric::kTtft:
      return "ttft_s";
  }
  return "?";
}

Result<std::vector<ReferenceRow>> ParseReference(const DataFile& file) {
  AIINFRA_TRY(YamlNode doc, ParseYaml(file.contents, file.display));
  AIINFRA_TRY(YamlMap top, YamlMap::From(doc));
  AIINFRA_TRY(YamlNode rows, top.Required("rows"));
  AIINFRA_CHECK_OK(top.Finish());
  AIINFRA_TRY(auto items, rows.Items());
  std::vector<ReferenceRow> out;
  for (const YamlNode& item : items) {
    AIINFRA_TRY(ReferenceRow r, ParseRow(item));
    for (const ReferenceRow& other : out) {
      if (other.id == r.id) return Fail(item.Err(fmt::format("duplicate row id \"{}\"", r.id)));
    }
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<ReferenceRow>> LoadReference(const DataSource& data) {
  AIINFRA_TRY(auto files, data.List("reference"));
  for (const DataFile& f : files) {
    if (f.relative.ends_with("/published.yaml")) return ParseReference(f);
  }
  return Fail(ErrorCode::kNotFound, "data file reference/published.yaml is missing");
}

Result<Validation> ValidateRow(const ReferenceRow& row, const hw::Catalog& hardware,
                               const model::ModelCatalog& models, const CalibrationSet& calibration,
                               CommCache& comm) {
  auto located = [&](const Error& e) {
    return Fail(e.code, fmt::format("row {} ({}:{}): {}", row.id, row.where.file, row.where.line,
                                    e.message));
  };
  Deployment d = row.deployment_template;
  auto arch = models.Find(row.model);
  if (!arch) return located(arch.error());
  d.model = **arch;
  auto sys = hardware.FindSystem(row.system);
  if (!sys) return located(sys.error());
  d.system = **sys;
  auto model = PerfModel::Create(d, calibration.For(d.system.accelerator.id), comm);
  if (!model) return located(model.error());
  auto point = PredictReplica(*model, row.mode, row.workload, row.limits, row.batch);
  if (!point) return located(point.error());
  Validation v;
  v.row = &row;
  v.point = *point;
  switch (row.metric) {
    case Metric::kOutputPerGpu:
      v.predicted = point->output_tokens_per_s_per_gpu;
      break;
    case Metric::kInputPerGpu:
      v.predicted = point->input_tokens_per_s_per_gpu;
      break;
    case Metric::kTtft:
      v.predicted = point->ttft;
      break;
  }
  v.error = v.predicted / row.published - 1;
  return v;
}

double MedianAbsoluteError(const std::vector<Validation>& results) {
  if (results.empty()) return 0;
  std::vector<double> errors;
  for (const Validation& v : results) errors.push_back(std::abs(v.error));
  std::sort(errors.begin(), errors.end());
  std::size_t n = errors.size();
  return n % 2 ? errors[n / 2] : (errors[n / 2 - 1] + errors[n / 2]) / 2;
}

}  // namespace aiinfra::perf
