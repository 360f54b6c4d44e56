// `aiinfra model show`: every number an architecture implies, and how it is derived.
#include "cli/model_show.h"

#include <fmt/format.h>

#include "common/table.h"
#include "common/units.h"
#include "model/catalog.h"
#include "model/explain.h"
#include "model/footprint.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;
using model::Architecture;
using model::Dtype;
using model::TensorClass;

std::string Bytes(double b) { return FormatBytes(b, ByteBase::kIEC); }
std::string Flop(double f) { return FormatCount(f) + "FLOP"; }

TextTable Indented(std::vector<std::string> header) {
  TextTable t(std::move(header));
  t.set_style({.indent = 2});
  return t;
}

struct Options {
  model::WeightPlan plan;
  Dtype kv = Dtype::kBF16;
  double context = 4096;
  double batch = 64;
  bool explain = false;
};

Result<Options> ReadOptions(const Invocation& inv) {
  Options o;
  auto usage = [](const char* option, const Error& e) {
    return Fail(ErrorCode::kUsage, std::string("--") + option + ": " + e.message);
  };
  auto weights = model::ParseDtype(inv.Get("weights"));
  if (!weights) return usage("weights", weights.error());
  o.plan = model::WeightPlan::Default(*weights);
  for (const std::string& keep : inv.GetAll("keep")) {
    auto override_ = model::ParseOverride(keep);
    if (!override_) return usage("keep", override_.error());
    o.plan.overrides.push_back(*override_);
  }
  auto kv = model::ParseKvDtype(inv.Get("kv"));
  if (!kv) return usage("kv", kv.error());
  o.kv = *kv;
  AIINFRA_TRY(o.context, inv.GetNumber("context"));
  AIINFRA_TRY(o.batch, inv.GetNumber("batch"));
  if (o.context < 1 || o.batch < 1) {
    return Fail(ErrorCode::kUsage, "--context and --batch must be at least 1");
  }
  o.explain = inv.Has("explain");
  return o;
}

Json Published(const std::optional<hw::Figure>& fig, double computed) {
  if (!fig) return nullptr;
  return {{"value", fig->value},
          {"source", fig->source},
          {"note", fig->note},
          {"computed", computed},
          {"error_pct", 100 * (computed / fig->value - 1)}};
}

}  // namespace

std::string ModelKind(const Architecture& arch) { return arch.is_moe() ? "moe" : "dense"; }

std::string AttentionKind(const Architecture& arch) {
  const model::Attention& a = arch.attention;
  std::string kind = a.mla                   ? "mla"
                     : a.kv_heads == a.heads ? "mha"
                     : a.kv_heads == 1       ? "mqa"
                                             : "gqa";
  return arch.SlidingLayers() > 0 ? kind + "+sliding" : kind;
}

Json ArchitectureJson(const Architecture& arch) {
  const model::Attention& a = arch.attention;
  Json att = {{"kind", AttentionKind(arch)}, {"heads", a.heads}, {"kv_heads", a.kv_heads}};
  if (a.mla) {
    att["mla"] = {{"q_lora_rank", a.q_lora_rank},
                  {"kv_lora_rank", a.kv_lora_rank},
                  {"qk_nope_head_dim", a.qk_nope_head_dim},
                  {"qk_rope_head_dim", a.qk_rope_head_dim},
                  {"v_head_dim", a.v_head_dim}};
  } else {
    att["head_dim"] = a.head_dim;
  }
  att["qkv_bias"] = a.qkv_bias;
  att["o_bias"] = a.o_bias;
  att["qk_norm"] = a.qk_norm;
  att["sinks"] = a.sinks;
  att["sliding_window"] = a.sliding_window;
  att["sliding_layers"] = arch.SlidingLayers();
  Json j = {{"hidden", arch.hidden},
            {"layers", arch.layers},
            {"vocab", arch.vocab},
            {"ffn", arch.ffn},
            {"gated_ffn", arch.gated_ffn},
            {"tied_embeddings", arch.tied_embeddings},
            {"max_context", arch.max_context},
            {"mtp_layers", arch.mtp_layers},
            {"attention", att}};
  if (arch.moe) {
    const model::Moe& m = *arch.moe;
    j["moe"] = {{"experts", m.experts},           {"top_k", m.top_k},
                {"expert_ffn", m.expert_ffn},     {"shared_experts", m.shared_experts},
                {"shared_ffn", m.shared_ffn},     {"dense_layers", m.dense_layers},
                {"moe_layers", arch.MoeLayers()}, {"expert_bias", m.expert_bias},
                {"router_bias", m.router_bias},   {"groups", m.groups},
                {"topk_groups", m.topk_groups}};
  } else {
    j["moe"] = nullptr;
  }
  return j;
}

Result<Output> ModelShow(Invocation& inv) {
  AIINFRA_TRY(Options o, ReadOptions(inv));
  AIINFRA_TRY(model::ModelCatalog catalog, model::ModelCatalog::Load(inv.data));
  AIINFRA_TRY(Architecture arch, model::ResolveModel(catalog, inv.Get("model"), inv.env));
  const model::ParameterCounts counts = model::CountParameters(arch);

  Json j = {{"id", arch.id},
            {"name", arch.name},
            {"family", arch.family},
            {"aliases", arch.aliases},
            {"hf_architecture", arch.hf_architecture},
            {"source", arch.source},
            {"file", arch.file},
            {"kind", ModelKind(arch)},
            {"architecture", ArchitectureJson(arch)}};

  // Parameters.
  Json by_class = Json::object();
  TextTable params = Indented({"tensor class", "parameters", "share"});
  for (int i = 0; i < model::kTensorClasses; ++i) {
    const double n = counts.by_class[i];
    by_class[model::TensorClassName(TensorClass(i))] = n;
    if (n == 0) continue;
    params.AddRow({model::TensorClassName(TensorClass(i)), model::FormatParams(n),
                   fmt::format("{:.2f}%", 100 * n / counts.total)});
  }
  const double active_published = model::ActiveAsPublished(arch, counts);
  j["parameters"] = {
      {"by_class", by_class},
      {"total", counts.total},
      {"active", counts.active},
      {"active_as_published", active_published},
      {"published_total", Published(arch.published_total_params, counts.total)},
      {"published_active", Published(arch.published_active_params, active_published)}};
  TextTable check = Indented({"", "computed", "published", "error", "source"});
  auto add_check = [&](const char* what, double computed, const std::optional<hw::Figure>& fig) {
    check.AddRow({what, model::FormatParams(computed), fig ? model::FormatParams(fig->value) : "-",
                  fig ? fmt::format("{:+.2f}%", 100 * (computed / fig->value - 1)) : "-",
                  fig ? fig->source : ""});
  };
  add_check("total", counts.total, arch.published_total_params);
  add_check(arch.published_active_excludes_embedding ? "active (no embedding)" : "active",
            active_published, arch.published_active_params);

  // Weights: every dtype with its default plan, then the plan asked for.
  Json weights = Json::array();
  TextTable wtable = Indented({"dtype", "bits/weight", "plan", "weights", "read per token"});
  for (Dtype d : model::AllDtypes()) {
    const model::WeightPlan plan = model::WeightPlan::Default(d);
    const model::WeightBytes w = model::ComputeWeightBytes(arch, plan);
    weights.push_back({{"dtype", model::DtypeName(d)},
                       {"bits_per_weight", model::Info(d).bits_per_weight},
                       {"plan", plan.Describe()},
                       {"total_bytes", w.total},
                       {"active_bytes", w.active}});
    wtable.AddRow({model::DtypeName(d), fmt::format("{:g}", model::Info(d).bits_per_weight),
                   plan.Describe(), Bytes(w.total), Bytes(w.active)});
  }
  j["weights"] = weights;
  const model::WeightBytes chosen = model::ComputeWeightBytes(arch, o.plan);
  Json plan_classes = Json::object();
  for (int i = 0; i < model::kTensorClasses; ++i) {
    plan_classes[model::TensorClassName(TensorClass(i))] = {
        {"dtype", model::DtypeName(o.plan.For(TensorClass(i)))}, {"bytes", chosen.by_class[i]}};
  }
  j["plan"] = {{"describe", o.plan.Describe()},
               {"by_class", plan_classes},
               {"total_bytes", chosen.total},
               {"active_bytes", chosen.active}};

  // KV cache.
  Json kv = Json::object();
  TextTable kvtable = Indented(
      {"kv dtype", "per token per layer", "per token", fmt::format("at {:g} tokens", o.context)});
  std::vector<Dtype> kv_dtypes = {Dtype::kBF16, Dtype::kFP8};
  if (o.kv != Dtype::kBF16 && o.kv != Dtype::kFP8) kv_dtypes.push_back(o.kv);
  for (Dtype d : kv_dtypes) {
    const double layer = model::KvBytesPerTokenPerLayer(arch, d);
    const double token = model::KvBytesPerToken(arch, d);
    const double at = model::KvBytesForContext(arch, d, o.context);
    kv[model::DtypeName(d)] = {
        {"per_token_per_layer", layer}, {"per_token", token}, {"at_context", at}};
    kvtable.AddRow({model::DtypeName(d), Bytes(layer), Bytes(token), Bytes(at)});
  }
  j["kv_cache"] = {{"context", o.context}, {"by_dtype", kv}};

  // FLOPs.
  const double linear = model::LinearFlopsPerToken(arch);
  const double decode = model::DecodeFlops(arch, o.context);
  const double prefill = model::PrefillFlops(arch, o.context, 0);
  const double intensity =
      decode / (chosen.active + model::KvBytesForContext(arch, o.kv, o.context));
  j["flops"] = {{"linear_per_token", linear},
                {"routed_experts_per_token", model::RoutedExpertFlopsPerToken(arch)},
                {"attention_decode_at_context", model::DecodeAttentionFlops(arch, o.context)},
                {"decode_at_context", decode},
                {"prefill_of_context", prefill},
                {"decode_intensity_batch1", intensity}};
  TextTable ftable = Indented({"", "FLOPs"});
  ftable.AddRow({"linear, per token", Flop(linear)});
  ftable.AddRow({fmt::format("attention of one token at {:g} tokens", o.context),
                 Flop(model::DecodeAttentionFlops(arch, o.context))});
  ftable.AddRow({fmt::format("decode step at {:g} tokens", o.context), Flop(decode)});
  ftable.AddRow({fmt::format("prefill of {:g} tokens", o.context), Flop(prefill)});
  ftable.AddRow({"decode intensity, batch 1", fmt::format("{:.2f} FLOP/byte", intensity)});

  std::string moe_line;
  if (arch.moe) {
    const double distinct =
        model::ExpectedDistinctExperts(arch.moe->experts, arch.moe->top_k, o.batch);
    j["moe"] = {{"batch", o.batch},
                {"expected_distinct_experts", distinct},
                {"expert_bytes", model::ExpertBytes(arch, o.plan)}};
    moe_line = fmt::format(
        "MoE: {} routed experts (top {}) in {} layers; a batch of {:g} tokens touches {:.1f} "
        "distinct experts per layer, {} of expert weights per layer under the plan\n",
        arch.moe->experts, arch.moe->top_k, arch.MoeLayers(), o.batch, distinct,
        Bytes(distinct * model::ExpertBytes(arch, o.plan)));
  }

  std::vector<model::ExplainStep> steps;
  if (o.explain) {
    steps = model::Explain(arch,
                           {.weights = o.plan, .kv = o.kv, .context = o.context, .batch = o.batch});
    Json list = Json::array();
    for (const auto& s : steps) {
      list.push_back({{"section", s.section},
                      {"title", s.title},
                      {"why", s.why},
                      {"formula", s.formula},
                      {"substituted", s.substituted},
                      {"result", s.result}});
    }
    j["explain"] = list;
  }

  TextTable arch_table = Indented({"field", "value"});
  const model::Attention& a = arch.attention;
  arch_table.AddRow({"hidden / layers / vocab",
                     fmt::format("{} / {} / {}", arch.hidden, arch.layers, arch.vocab)});
  arch_table.AddRow(
      {"attention", a.mla ? fmt::format("MLA, {} heads; q_lora {}, kv_lora {}, "
                                        "qk {} + {} rope, v {}",
                                        a.heads, a.q_lora_rank, a.kv_lora_rank, a.qk_nope_head_dim,
                                        a.qk_rope_head_dim, a.v_head_dim)
                          : fmt::format("{}, {} heads, {} KV heads, head_dim {}",
                                        AttentionKind(arch), a.heads, a.kv_heads, a.head_dim)});
  if (arch.SlidingLayers() > 0) {
    arch_table.AddRow(
        {"sliding window", fmt::format("{} tokens in {} of {} layers", a.sliding_window,
                                       arch.SlidingLayers(), arch.layers)});
  }
  if (arch.moe) {
    const model::Moe& m = *arch.moe;
    const std::string layers = m.dense_layers > 0
                                   ? fmt::format("{} dense layers (ffn {}) then {} MoE layers",
                                                 m.dense_layers, arch.ffn, arch.MoeLayers())
                                   : fmt::format("all {} layers MoE", arch.layers);
    arch_table.AddRow({"MoE", fmt::format("{} experts of {}, top {}, {} shared; {}", m.experts,
                                          m.expert_ffn, m.top_k, m.shared_experts, layers)});
  } else {
    arch_table.AddRow({"FFN", fmt::format("{} ({})", arch.ffn, arch.gated_ffn ? "SwiGLU" : "MLP")});
  }
  arch_table.AddRow({"embeddings", arch.tied_embeddings ? "tied to the LM head" : "untied"});
  arch_table.AddRow({"max context", std::to_string(arch.max_context)});
  if (arch.mtp_layers > 0) {
    arch_table.AddRow({"MTP modules (not counted)", std::to_string(arch.mtp_layers)});
  }

  Output out;
  out.data = j;
  out.table = [=](std::ostream& os) {
    os << fmt::format("{} ({}), {} {}\n  config: {}\n", arch.name, arch.id, arch.family,
                      arch.hf_architecture, arch.source);
    if (arch.file != arch.source) os << "  from " << arch.file << "\n";
    os << "\nArchitecture\n";
    arch_table.Print(os);
    os << "\nParameters\n";
    params.Print(os);
    os << "\n";
    check.Print(os);
    os << "\nWeights (each dtype with its default plan; \"read per token\" at batch 1)\n";
    wtable.Print(os);
    os << fmt::format("  plan {}: {}, {} per token\n", o.plan.Describe(), Bytes(chosen.total),
                      Bytes(chosen.active));
    os << "\nKV cache\n";
    kvtable.Print(os);
    os << "\nFLOPs (plan " << o.plan.Describe() << ", KV " << model::DtypeName(o.kv) << ")\n";
    ftable.Print(os);
    if (!moe_line.empty()) os << "\n" << moe_line;
    std::string section;
    for (const auto& s : steps) {
      if (s.section != section) {
        section = s.section;
        os << "\n== " << section << " ==\n";
      }
      os << "\n" << s.title << "\n";
      os << "  why:     " << s.why << "\n";
      os << "  formula: " << s.formula << "\n";
      os << "         = " << s.substituted << "\n";
      os << "         = " << s.result << "\n";
    }
  };
  return out;
}

}  // namespace aiinfra::cli
