// The `model` command group: the model catalog and the architecture math.
#include <fmt/format.h>

#include "cli/app.h"
#include "cli/model_show.h"
#include "common/table.h"
#include "common/units.h"
#include "model/catalog.h"
#include "model/dtype.h"
#include "model/footprint.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

Result<Output> ModelList(Invocation& inv) {
  AIINFRA_TRY(model::ModelCatalog catalog, model::ModelCatalog::Load(inv.data));
  Json list = Json::array();
  TextTable table({"model", "name", "family", "kind", "attention", "layers", "total", "active",
                   "bf16 weights"});
  const model::WeightPlan bf16 = model::WeightPlan::Default(model::Dtype::kBF16);
  for (const model::Architecture& arch : catalog.models()) {
    const model::ParameterCounts c = model::CountParameters(arch);
    const double bytes = model::ComputeWeightBytes(arch, bf16).total;
    table.AddRow({arch.id, arch.name, arch.family, ModelKind(arch), AttentionKind(arch),
                  std::to_string(arch.layers), model::FormatParams(c.total),
                  model::FormatParams(c.active), FormatBytes(bytes, ByteBase::kIEC)});
    list.push_back({{"id", arch.id},
                    {"name", arch.name},
                    {"family", arch.family},
                    {"aliases", arch.aliases},
                    {"kind", ModelKind(arch)},
                    {"attention", AttentionKind(arch)},
                    {"layers", arch.layers},
                    {"hidden", arch.hidden},
                    {"max_context", arch.max_context},
                    {"total_params", c.total},
                    {"active_params", c.active},
                    {"bf16_weight_bytes", bytes},
                    {"source", arch.source}});
  }
  Output out;
  out.data = {{"models", list}};
  out.table = [table](std::ostream& os) {
    os << "Models (parameters computed from each config.json; weights in GiB of bf16)\n";
    table.Print(os);
  };
  return out;
}

}  // namespace

void RegisterModelCommands(CommandTable& table) {
  table.AddGroup({"model"}, "Models: architectures, parameters, weight and KV bytes, FLOPs",
                 "The LLM-fundamentals layer. Built-in architectures come from data/models (the "
                 "values of each model's Hugging Face config.json, with its URL); any "
                 "config.json can be read instead of a catalog name.");
  table.Add({
      .path = {"model", "list"},
      .summary = "List the models of the catalog",
      .description = "One line per built-in model: kind (dense or MoE), attention (MHA, GQA, "
                     "MLA, +sliding), layers, total and active parameters, and the size of its "
                     "weights in bf16.",
      .examples = {"aiinfra model list", "aiinfra model list -o json"},
      .handler = ModelList,
  });
  std::string dtypes;
  for (const std::string& name : model::DtypeNames()) dtypes += (dtypes.empty() ? "" : ", ") + name;
  table.Add({
      .path = {"model", "show"},
      .summary = "Show what a model's architecture implies, and optionally how",
      .description =
          "Prints the architecture, the parameters by tensor class (computed, and compared "
          "with the published counts), the weight bytes in every dtype, the KV cache per token "
          "and at --context, and the FLOPs of prefill and decode. --explain adds the derivation "
          "of every figure, formula by formula with the model's numbers substituted. "
          "Dtypes: " +
          dtypes +
          ". With --weights below 16 bits the embedding, LM head, router and norms stay bf16 "
          "(except GGUF types); --keep CLASS=DTYPE sets one tensor class (embedding, attention, "
          "dense_ffn, routed_experts, shared_experts, router, norm, lm_head).",
      .options = {{.name = "weights",
                   .value_name = "DTYPE",
                   .help = "dtype of the weights (default plan)",
                   .default_value = "bf16"},
                  {.name = "keep",
                   .value_name = "CLASS=DTYPE",
                   .help = "store one tensor class in another dtype",
                   .repeated = true},
                  {.name = "kv",
                   .value_name = "DTYPE",
                   .help = "dtype of the KV cache",
                   .default_value = "bf16"},
                  {.name = "context",
                   .value_name = "N",
                   .help = "tokens of context for KV bytes and attention FLOPs",
                   .default_value = "4096"},
                  {.name = "batch",
                   .value_name = "N",
                   .help = "tokens in a batch, for MoE expert coverage",
                   .default_value = "64"},
                  {.name = "explain", .help = "derive every figure, step by step", .flag = true}},
      .positionals = {{.name = "model",
                       .help = "a model id or alias (see `model list`), or a path to a Hugging "
                               "Face config.json"}},
      .examples = {"aiinfra model show llama-3.1-70b", "aiinfra model show deepseek-v3 --explain",
                   "aiinfra model show gpt-oss-120b --weights bf16 --keep routed_experts=mxfp4",
                   "aiinfra model show qwen3-235b-a22b --weights fp8 --kv fp8 --context 32768",
                   "aiinfra model show ./config.json -o json"},
      .handler = ModelShow,
  });
}

}  // namespace aiinfra::cli
