#include "model/footprint.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace aiinfra::model {
namespace {

constexpr const char* kClassNames[kTensorClasses] = {
    "embedding",      "attention", "dense_ffn", "routed_experts",
    "shared_experts", "router",    "norm",      "lm_head"};

int Idx(TensorClass cls) { return static_cast<int>(cls); }

// The pieces every function here is built from, per layer, in parameters (doubles: counts reach
// 1e12 and products of ints overflow).
struct Shape {
  double attn_matmul = 0;  // q/k/v/o (MLA: down/up projections), per layer
  double attn_extra = 0;   // their biases, and MLA's latent norms, per layer
  double norm = 0;         // RMSNorms, q/k norms and sinks, per layer
  double dense_matmul = 0;
  double dense_bias = 0;
  double expert_matmul = 0;  // one routed expert
  double expert_bias = 0;
  double shared_matmul = 0;  // one shared expert
  double router_matmul = 0;
  double router_bias = 0;
  int dense_layers = 0;
  int moe_layers = 0;
};

Shape ShapeOf(const Architecture& arch) {
  Shape s;
  const double h = arch.hidden;
  const Attention& a = arch.attention;
  const double heads = a.heads;
  if (a.mla) {
    const double qk = double(a.qk_nope_head_dim) + a.qk_rope_head_dim;  // int + int overflows
    s.attn_matmul =
        a.q_lora_rank > 0 ? h * a.q_lora_rank + a.q_lora_rank * heads * qk : h * heads * qk;
    s.attn_matmul += h * (double(a.kv_lora_rank) + a.qk_rope_head_dim) +
                     a.kv_lora_rank * heads * (double(a.qk_nope_head_dim) + a.v_head_dim) +
                     heads * a.v_head_dim * h;
    s.attn_extra = double(a.q_lora_rank) + a.kv_lora_rank;  // q_a_layernorm, kv_a_layernorm
  } else {
    const double d = a.head_dim;
    s.attn_matmul = h * heads * d + 2 * h * a.kv_heads * d + heads * d * h;
    if (a.qkv_bias) s.attn_extra += (heads + 2.0 * a.kv_heads) * d;
    if (a.o_bias) s.attn_extra += h;
  }
  s.norm = 2 * h;  // input and post-attention RMSNorm
  if (a.qk_norm) s.norm += 2.0 * a.head_dim;
  if (a.sinks) s.norm += heads;

  const double matrices = arch.gated_ffn ? 3 : 2;
  s.dense_matmul = matrices * h * arch.ffn;
  if (arch.ffn_bias) s.dense_bias = (matrices - 1) * arch.ffn + h;
  s.dense_layers = arch.moe ? arch.moe->dense_layers : arch.layers;
  if (arch.moe) {
    const Moe& m = *arch.moe;
    s.moe_layers = arch.MoeLayers();
    s.expert_matmul = matrices * h * m.expert_ffn;
    if (m.expert_bias) s.expert_bias = (matrices - 1) * m.expert_ffn + h;
    s.shared_matmul = matrices * h * (m.shared_ffn > 0 ? m.shared_ffn : m.expert_ffn);
    s.router_matmul = m.experts * h;
    if (m.router_bias) s.router_bias = m.experts;
  }
  return s;
}

// Sum of min(p, window) for p = first..last (integers as doubles, first >= 1).
double SumMin(double first, double last, double window) {
  if (last < first) return 0;
  auto sum_to = [](double a, double b) { return (a + b) * (b - a + 1) / 2; };
  if (last <= window) return sum_to(first, last);
  if (first > window) return (last - first + 1) * window;
  return sum_to(first, window) + (last - window) * window;
}

// `value` summed over `layers` layers (none: 0, even when `value` is infinite).
double SumOver(int layers, double value) { return layers > 0 ? layers * value : 0; }

// Attention pairs of one query at position `context` summed over layers, windows applied.
// Counted per kind of layer, not layer by layer: `layers` is any int, and a loop over 2^31
// layers takes seconds.
double LayerPairs(const Architecture& arch, double context) {
  const int sliding = arch.SlidingLayers();
  return SumOver(arch.layers - sliding, context) +
         SumOver(sliding, std::min(context, double(arch.attention.sliding_window)));
}

}  // namespace

const char* TensorClassName(TensorClass cls) { return kClassNames[Idx(cls)]; }

Result<TensorClass> ParseTensorClass(std::string_view name) {
  for (int i = 0; i < kTensorClasses; ++i) {
    if (name == kClassNames[i]) return static_cast<TensorClass>(i);
  }
  std::string known;
  for (int i = 0; i < kTensorClasses; ++i) known += (i ? ", " : "") + std::string(kClassNames[i]);
  return Fail(ErrorCode::kUsage,
              "unknown tensor class \"" + std::string(name) + "\" (one of: " + known + ")");
}

ParameterCounts CountParameters(const Architecture& arch) {
  const Shape s = ShapeOf(arch);
  ParameterCounts c;
  auto& b = c.by_class;
  const double emb = double(arch.vocab) * arch.hidden;
  b[Idx(TensorClass::kEmbedding)] = emb;
  b[Idx(TensorClass::kAttention)] = arch.layers * (s.attn_matmul + s.attn_extra);
  b[Idx(TensorClass::kDenseFfn)] = s.dense_layers * (s.dense_matmul + s.dense_bias);
  if (arch.moe) {
    const Moe& m = *arch.moe;
    b[Idx(TensorClass::kRoutedExperts)] =
        double(s.moe_layers) * m.experts * (s.expert_matmul + s.expert_bias);
    b[Idx(TensorClass::kSharedExperts)] = double(s.moe_layers) * m.shared_experts * s.shared_matmul;
    b[Idx(TensorClass::kRouter)] = s.moe_layers * (s.router_matmul + s.router_bias);
  }
  b[Idx(TensorClass::kNorm)] = arch.layers * s.norm + arch.hidden;  // + the final norm
  b[Idx(TensorClass::kLmHead)] = arch.tied_embeddings ? 0 : emb;
  for (double v : b) c.total += v;
  c.active = c.total;
  if (arch.moe) {
    const double routed = b[Idx(TensorClass::kRoutedExperts)];
    c.active -= routed * (1 - double(arch.moe->top_k) / arch.moe->experts);
  }
  return c;
}

double ActiveAsPublished(const Architecture& arch, const ParameterCounts& counts) {
  return counts.active -
         (arch.published_active_excludes_embedding ? counts[TensorClass::kEmbedding] : 0);
}

double ExpertParameters(const Architecture& arch) {
  if (!arch.moe) return 0;
  const Shape s = ShapeOf(arch);
  return s.expert_matmul + s.expert_bias;
}

std::string FormatParams(double count) {
  struct Prefix {
    double scale;
    const char* name;
  };
  static constexpr Prefix kPrefixes[] = {{1e12, "T"}, {1e9, "B"}, {1e6, "M"}, {1e3, "K"}};
  for (const Prefix& p : kPrefixes) {
    // Rounding first keeps 999.96e9 from printing as "1000B".
    if (std::stod(fmt::format("{:.4g}", count / p.scale)) >= 1) {
      return fmt::format("{:.4g}{}", count / p.scale, p.name);
    }
  }
  return fmt::format("{:.4g}", count);
}

WeightPlan WeightPlan::Default(Dtype base) {
  WeightPlan plan;
  plan.base = base;
  const DtypeInfo& info = Info(base);
  if (info.bits_per_weight < 16 && !info.gguf) {
    for (TensorClass cls : {TensorClass::kEmbedding, TensorClass::kRouter, TensorClass::kNorm,
                            TensorClass::kLmHead}) {
      plan.overrides.emplace_back(cls, Dtype::kBF16);
    }
  }
  return plan;
}

Dtype WeightPlan::For(TensorClass cls) const {
  Dtype dtype = base;
  for (const auto& [c, d] : overrides) {
    if (c == cls) dtype = d;
  }
  return dtype;
}

std::string WeightPlan::Describe() const {
  std::string text = DtypeName(base);
  std::string kept;
  for (int i = 0; i < kTensorClasses; ++i) {
    const auto cls = static_cast<TensorClass>(i);
    if (For(cls) == base) continue;
    kept +=
        (kept.empty() ? "" : ", ") + std::string(TensorClassName(cls)) + "=" + DtypeName(For(cls));
  }
  return kept.empty() ? text : text + " (" + kept + ")";
}

Result<std::pair<TensorClass, Dtype>> ParseOverride(std::string_view text) {
  const auto eq = text.find('=');
  if (eq == std::string_view::npos) {
    return Fail(ErrorCode::kUsage,
                "expected CLASS=DTYPE (e.g. embedding=bf16), got \"" + std::string(text) + "\"");
  }
  AIINFRA_TRY(TensorClass cls, ParseTensorClass(text.substr(0, eq)));
  AIINFRA_TRY(Dtype dtype, ParseDtype(text.substr(eq + 1)));
  return std::make_pair(cls, dtype);
}

WeightBytes ComputeWeightBytes(const Architecture& arch, const WeightPlan& plan) {
  const ParameterCounts counts = CountParameters(arch);
  WeightBytes w;
  for (int i = 0; i < kTensorClasses; ++i) {
    w.by_class[i] = counts.by_class[i] * BytesPerWeight(plan.For(static_cast<TensorClass>(i)));
    w.total += w.by_class[i];
  }
  w.active = w.total;
  if (arch.moe) {
    w.active -= w[TensorClass::kRoutedExperts] * (1 - double(arch.moe->top_k) / arch.moe->experts);
  }
  if (!arch.tied_embeddings) w.active -= w[TensorClass::kEmbedding];
  return w;
}

double ExpertBytes(const Architecture& arch, const WeightPlan& plan) {
  return ExpertParameters(arch) * BytesPerWeight(plan.For(TensorClass::kRoutedExperts));
}

double KvBytesPerTokenPerLayer(const Architecture& arch, Dtype kv) {
  const Attention& a = arch.attention;
  const double values =
      a.mla ? double(a.kv_lora_rank) + a.qk_rope_head_dim : 2.0 * a.kv_heads * a.head_dim;
  return values * BytesPerWeight(kv);
}

double KvBytesPerToken(const Architecture& arch, Dtype kv) {
  return arch.layers * KvBytesPerTokenPerLayer(arch, kv);
}

double KvBytesForContext(const Architecture& arch, Dtype kv, double context) {
  if (context <= 0) return 0;
  return KvBytesPerTokenPerLayer(arch, kv) * LayerPairs(arch, context);
}

double LinearFlopsPerToken(const Architecture& arch) {
  const Shape s = ShapeOf(arch);
  double matmul = arch.layers * s.attn_matmul + s.dense_layers * s.dense_matmul;
  if (arch.moe) {
    const Moe& m = *arch.moe;
    matmul += s.moe_layers *
              (m.top_k * s.expert_matmul + m.shared_experts * s.shared_matmul + s.router_matmul);
  }
  matmul += double(arch.vocab) * arch.hidden;  // the LM head, tied or not
  return 2 * matmul;
}

double RoutedExpertFlopsPerToken(const Architecture& arch) {
  if (!arch.moe) return 0;
  const Shape s = ShapeOf(arch);
  return 2.0 * s.moe_layers * arch.moe->top_k * s.expert_matmul;
}

double AttentionFlopsPerPairPerLayer(const Architecture& arch, bool absorbed_mla) {
  const Attention& a = arch.attention;
  if (a.mla && absorbed_mla) {
    // Keys are the latent plus the shared rope key; values are the latent itself.
    return 2.0 * a.heads * ((double(a.kv_lora_rank) + a.qk_rope_head_dim) + a.kv_lora_rank);
  }
  // qk_dim() + v_dim() in doubles: each is an int, and so would be their sum (MLA's qk_dim() is
  // itself a sum).
  const double qk = a.mla ? double(a.qk_nope_head_dim) + a.qk_rope_head_dim : a.head_dim;
  return 2.0 * a.heads * (qk + a.v_dim());
}

double AttentionFlopsPerPair(const Architecture& arch, bool absorbed_mla) {
  return arch.layers * AttentionFlopsPerPairPerLayer(arch, absorbed_mla);
}

double DecodeAttentionFlops(const Architecture& arch, double context) {
  if (context <= 0) return 0;
  return AttentionFlopsPerPairPerLayer(arch, true) * LayerPairs(arch, context);
}

double PrefillAttentionFlops(const Architecture& arch, double new_tokens, double cached) {
  if (new_tokens <= 0) return 0;
  const double first = cached + 1, last = cached + new_tokens;
  const double full = SumMin(first, last, last);  // no cap: sum of p
  // Per kind of layer, as in LayerPairs.
  const int sliding = arch.SlidingLayers();
  const double pairs = SumOver(arch.layers - sliding, full) +
                       SumOver(sliding, SumMin(first, last, arch.attention.sliding_window));
  return AttentionFlopsPerPairPerLayer(arch, false) * pairs;
}

double PrefillFlops(const Architecture& arch, double new_tokens, double cached) {
  if (new_tokens <= 0) return 0;
  return new_tokens * LinearFlopsPerToken(arch) + PrefillAttentionFlops(arch, new_tokens, cached);
}

double DecodeFlops(const Architecture& arch, double context) {
  return LinearFlopsPerToken(arch) + DecodeAttentionFlops(arch, context);
}

double ExpectedDistinctExperts(int experts, int top_k, double tokens) {
  if (tokens <= 0 || experts <= 0) return 0;
  return experts * (1 - std::pow(1 - double(top_k) / experts, tokens));
}

}  // namespace aiinfra::model
