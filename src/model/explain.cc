#include "model/explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/units.h"

namespace aiinfra::model {
namespace {

std::string P(double count) { return FormatParams(count); }
std::string B(double bytes) { return FormatBytes(bytes, ByteBase::kIEC); }
std::string N(double value) { return fmt::format("{:.6g}", value); }
std::string Flop(double flop) {
  std::string text = FormatCount(flop);  // "16.06G"
  return text + "FLOP";
}

class Steps {
 public:
  void Add(const std::string& section, std::string title, std::string why, std::string formula,
           std::string substituted, std::string result) {
    steps_.push_back({section, std::move(title), std::move(why), std::move(formula),
                      std::move(substituted), std::move(result)});
  }
  std::vector<ExplainStep> Take() { return std::move(steps_); }

 private:
  std::vector<ExplainStep> steps_;
};

void ExplainParameters(const Architecture& arch, const ParameterCounts& c, Steps& s) {
  const std::string sec = "Parameters";
  const Attention& a = arch.attention;
  s.Add(sec, "Token embedding",
        "Each of the vocabulary's tokens has one vector of hidden_size numbers. Looking a token up "
        "reads one row: it costs memory, not FLOPs.",
        "vocab x hidden", fmt::format("{} x {}", arch.vocab, arch.hidden),
        P(c[TensorClass::kEmbedding]));

  const double attn_layer = c[TensorClass::kAttention] / arch.layers;
  if (a.mla) {
    const std::string q =
        a.q_lora_rank > 0
            ? fmt::format("{} x {} + {} x {} x ({} + {})", arch.hidden, a.q_lora_rank,
                          a.q_lora_rank, a.heads, a.qk_nope_head_dim, a.qk_rope_head_dim)
            : fmt::format("{} x {} x ({} + {})", arch.hidden, a.heads, a.qk_nope_head_dim,
                          a.qk_rope_head_dim);
    s.Add(sec, "Attention parameters per layer (MLA)",
          "Multi-head Latent Attention compresses keys and values into one small latent per token "
          "(kv_lora_rank) plus a shared rotary key; per-head keys and values are projected back up "
          "from it. Queries go through their own low-rank bottleneck (q_lora_rank).",
          "Q: hidden x q_lora_rank + q_lora_rank x heads x (qk_nope + qk_rope); KV down: hidden x "
          "(kv_lora_rank + qk_rope); KV up: kv_lora_rank x heads x (qk_nope + v_head); O: heads x "
          "v_head x hidden; + the two latent norms (q_lora_rank + kv_lora_rank)",
          fmt::format("{} + {} x ({} + {}) + {} x {} x ({} + {}) + {} x {} x {} + ({} + {})", q,
                      arch.hidden, a.kv_lora_rank, a.qk_rope_head_dim, a.kv_lora_rank, a.heads,
                      a.qk_nope_head_dim, a.v_head_dim, a.heads, a.v_head_dim, arch.hidden,
                      a.q_lora_rank, a.kv_lora_rank),
          fmt::format("{} per layer; x {} layers = {}", P(attn_layer), arch.layers,
                      P(c[TensorClass::kAttention])));
  } else {
    const std::string kind = a.kv_heads == a.heads ? "MHA" : a.kv_heads == 1 ? "MQA" : "GQA";
    std::string bias;
    if (a.qkv_bias) bias += fmt::format(" + ({} + 2 x {}) x {}", a.heads, a.kv_heads, a.head_dim);
    if (a.o_bias) bias += fmt::format(" + {}", arch.hidden);
    s.Add(sec, "Attention parameters per layer (" + kind + ")",
          fmt::format("Queries have {} heads; keys and values have {} heads{}. Fewer KV heads "
                      "shrink the K/V projections and, above all, the KV cache.",
                      a.heads, a.kv_heads,
                      a.kv_heads < a.heads
                          ? fmt::format(", each shared by {} query heads", a.heads / a.kv_heads)
                          : ""),
          std::string("hidden x heads x head_dim (Q) + 2 x hidden x kv_heads x head_dim (K, V) + "
                      "heads x head_dim x hidden (O)") +
              (a.qkv_bias || a.o_bias ? " + biases" : ""),
          fmt::format("{} x {} x {} + 2 x {} x {} x {} + {} x {} x {}{}", arch.hidden, a.heads,
                      a.head_dim, arch.hidden, a.kv_heads, a.head_dim, a.heads, a.head_dim,
                      arch.hidden, bias),
          fmt::format("{} per layer; x {} layers = {}", P(attn_layer), arch.layers,
                      P(c[TensorClass::kAttention])));
  }

  const int dense_layers = arch.moe ? arch.moe->dense_layers : arch.layers;
  const char* ffn_why =
      "The feed-forward network (SwiGLU) multiplies by a gate and an up matrix, combines them, "
      "and projects back down: three matrices per layer, where most dense-model parameters are.";
  if (dense_layers > 0) {
    s.Add(sec, "Dense FFN per layer", ffn_why,
          arch.gated_ffn ? "3 x hidden x ffn (gate, up, down)" : "2 x hidden x ffn (up, down)",
          fmt::format("{} x {} x {}", arch.gated_ffn ? 3 : 2, arch.hidden, arch.ffn),
          fmt::format("{} per layer; x {} layers = {}", P(c[TensorClass::kDenseFfn] / dense_layers),
                      dense_layers, P(c[TensorClass::kDenseFfn])));
  }
  if (arch.moe) {
    const Moe& m = *arch.moe;
    const double expert = ExpertParameters(arch);
    s.Add(
        sec, "Routed experts",
        fmt::format("Each MoE layer holds {} expert FFNs; a router sends every token to {} of "
                    "them. All must sit in memory, but a token only computes with its {}.",
                    m.experts, m.top_k, m.top_k),
        std::string("one expert: 3 x hidden x expert_ffn") +
            (m.expert_bias ? " + biases (2 x expert_ffn + hidden)" : "") +
            "; x experts x MoE layers",
        fmt::format("3 x {} x {}{} = {}; x {} x {}", arch.hidden, m.expert_ffn,
                    m.expert_bias ? fmt::format(" + (2 x {} + {})", m.expert_ffn, arch.hidden) : "",
                    P(expert), m.experts, arch.MoeLayers()),
        P(c[TensorClass::kRoutedExperts]));
    if (m.shared_experts > 0) {
      const int sf = m.shared_ffn > 0 ? m.shared_ffn : m.expert_ffn;
      s.Add(
          sec, "Shared experts",
          "Shared experts process every token, next to the routed ones: common knowledge lives "
          "there so routed experts can specialise.",
          "shared_experts x 3 x hidden x shared_ffn x MoE layers",
          fmt::format("{} x 3 x {} x {} x {}", m.shared_experts, arch.hidden, sf, arch.MoeLayers()),
          P(c[TensorClass::kSharedExperts]));
    }
    s.Add(sec, "Router",
          "The router scores every expert for every token (one small matrix per MoE layer)" +
              std::string(m.router_bias ? ", plus a bias per expert." : "."),
          std::string(m.router_bias ? "(experts x hidden + experts)" : "experts x hidden") +
              " x MoE layers",
          fmt::format("({} x {}{}) x {}", m.experts, arch.hidden,
                      m.router_bias ? fmt::format(" + {}", m.experts) : "", arch.MoeLayers()),
          P(c[TensorClass::kRouter]));
  }
  std::string extra_formula, extra_sub;
  if (a.qk_norm) extra_formula += " + 2 x head_dim (q/k norms)";
  if (a.qk_norm) extra_sub += fmt::format(" + 2 x {}", a.head_dim);
  if (a.sinks) extra_formula += " + heads (attention sinks)";
  if (a.sinks) extra_sub += fmt::format(" + {}", a.heads);
  s.Add(
      sec, "Norms",
      "RMSNorm scales each hidden vector by learned weights, twice per layer and once at the end; "
      "tiny, but counted.",
      "(2 x hidden" + extra_formula + ") x layers + hidden",
      fmt::format("(2 x {}{}) x {} + {}", arch.hidden, extra_sub, arch.layers, arch.hidden),
      P(c[TensorClass::kNorm]));
  s.Add(
      sec, "LM head",
      arch.tied_embeddings
          ? "The output projection reuses the embedding matrix (tied embeddings): no new weights, "
            "but its FLOPs remain."
          : "The output projection turns the last hidden vector into one score per vocabulary "
            "token: a vocab x hidden matrix of its own.",
      arch.tied_embeddings ? "0 (tied)" : "vocab x hidden",
      arch.tied_embeddings ? "0" : fmt::format("{} x {}", arch.vocab, arch.hidden),
      P(c[TensorClass::kLmHead]));

  std::string names, values;
  for (int i = 0; i < kTensorClasses; ++i) {
    if (c.by_class[i] == 0) continue;
    names += (names.empty() ? "" : " + ") + std::string(TensorClassName(TensorClass(i)));
    values += (values.empty() ? "" : " + ") + P(c.by_class[i]);
  }
  s.Add(sec, "Total parameters",
        "Everything the checkpoint stores" +
            std::string(arch.mtp_layers > 0
                            ? fmt::format(" except the {} multi-token-prediction module(s), used "
                                          "for training and speculative decoding",
                                          arch.mtp_layers)
                            : "") +
            ".",
        names, values, P(c.total));
  if (arch.moe) {
    const Moe& m = *arch.moe;
    s.Add(sec, "Active parameters per token",
          "What one token passes through: everything except the routed experts it was not sent "
          "to. It sets the FLOPs per token; total parameters set the memory.",
          "total - routed_experts x (1 - top_k / experts)",
          fmt::format("{} - {} x (1 - {} / {})", P(c.total), P(c[TensorClass::kRoutedExperts]),
                      m.top_k, m.experts),
          P(c.active));
  } else {
    s.Add(sec, "Active parameters per token", "A dense model uses every weight for every token.",
          "total", P(c.total), P(c.active));
  }
  auto published = [&](const char* what, const std::optional<hw::Figure>& fig, double computed,
                       std::string note) {
    if (!fig) return;
    s.Add(sec, std::string("Published ") + what,
          "The publisher's own figure, to check the arithmetic against. Publishers round, and "
          "conventions differ (embedding counted as active or not, modules left out)." +
              note,
          "(computed - published) / published",
          fmt::format("({} - {}) / {}", P(computed), P(fig->value), P(fig->value)),
          fmt::format("{:+.2f}% (source: {})", 100 * (computed / fig->value - 1), fig->source));
  };
  published("total", arch.published_total_params, c.total, "");
  published("active", arch.published_active_params, ActiveAsPublished(arch, c),
            arch.published_active_excludes_embedding
                ? " This publisher leaves the embedding out of the active count."
                : "");
}

void ExplainWeights(const Architecture& arch, const ParameterCounts& c, const ExplainOptions& o,
                    Steps& s) {
  const std::string sec = "Weights in memory";
  const WeightBytes w = ComputeWeightBytes(arch, o.weights);
  std::set<Dtype> used;
  for (int i = 0; i < kTensorClasses; ++i) {
    if (c.by_class[i] > 0) used.insert(o.weights.For(TensorClass(i)));
  }
  for (Dtype d : used) {
    const DtypeInfo& info = Info(d);
    s.Add(sec, fmt::format("Bits per weight: {}", info.name),
          "Quantized formats store small blocks of numbers with a shared scale; the scales count "
          "in the size. " +
              std::string(info.description) + ".",
          "bytes per weight = bits per weight / 8",
          fmt::format("{} / 8 (layout: {})", N(info.bits_per_weight), info.source),
          fmt::format("{} bytes per weight", N(info.bits_per_weight / 8)));
  }
  for (int i = 0; i < kTensorClasses; ++i) {
    if (c.by_class[i] == 0) continue;
    const Dtype d = o.weights.For(TensorClass(i));
    s.Add(sec, fmt::format("Weights: {}", TensorClassName(TensorClass(i))),
          "Each tensor class may be stored in its own format; the plan is " + o.weights.Describe() +
              ".",
          "parameters x bits per weight / 8",
          fmt::format("{} x {} / 8", P(c.by_class[i]), N(Info(d).bits_per_weight)),
          B(w.by_class[i]));
  }
  std::string sum;
  for (int i = 0; i < kTensorClasses; ++i) {
    if (c.by_class[i] > 0) sum += (sum.empty() ? "" : " + ") + B(w.by_class[i]);
  }
  s.Add(sec, "Total weight memory",
        "What the weights occupy under the plan " + o.weights.Describe() +
            ", summed over every accelerator that holds a share of them (before KV cache, "
            "activations and runtime overheads).",
        "sum over tensor classes", sum, B(w.total));
  std::string formula = "total";
  std::string sub = B(w.total);
  if (!arch.tied_embeddings) {
    formula += " - embedding";
    sub += " - " + B(w[TensorClass::kEmbedding]);
  }
  if (arch.moe) {
    formula += " - routed_experts x (1 - top_k / experts)";
    sub += fmt::format(" - {} x (1 - {} / {})", B(w[TensorClass::kRoutedExperts]), arch.moe->top_k,
                       arch.moe->experts);
  }
  s.Add(sec, "Weight bytes read per token at batch 1",
        "Decoding one token streams every weight it uses from memory once: the embedding only "
        "contributes one row, and only the chosen experts are read. Memory bandwidth divided by "
        "this is the upper bound on tokens per second of one sequence.",
        formula, sub, B(w.active));
}

void ExplainKv(const Architecture& arch, const ExplainOptions& o, Steps& s) {
  const std::string sec = "KV cache";
  const Attention& a = arch.attention;
  const DtypeInfo& kv = Info(o.kv);
  const double per_layer = KvBytesPerTokenPerLayer(arch, o.kv);
  if (a.mla) {
    s.Add(sec, "KV cache per token per layer (MLA latent)",
          "Each past token's keys and values are kept so that new tokens can attend to them. MLA "
          "caches one compressed latent and one rotary key per token, shared by all heads.",
          "(kv_lora_rank + qk_rope_head_dim) x bytes per value",
          fmt::format("({} + {}) x {} ({})", a.kv_lora_rank, a.qk_rope_head_dim,
                      N(kv.bits_per_weight / 8), kv.name),
          B(per_layer));
    const double mha =
        (double(a.heads) * a.qk_dim() + double(a.heads) * a.v_dim()) * (kv.bits_per_weight / 8);
    s.Add(sec, "What multi-head attention would cache instead",
          "Without the latent, every head would cache its own key and value.",
          "(heads x (qk_nope + qk_rope) + heads x v_head_dim) x bytes per value",
          fmt::format("({} x {} + {} x {}) x {}", a.heads, a.qk_dim(), a.heads, a.v_dim(),
                      N(kv.bits_per_weight / 8)),
          fmt::format("{} per token per layer: {:.1f}x the latent", B(mha), mha / per_layer));
  } else {
    s.Add(sec, "KV cache per token per layer",
          "Each past token's keys and values are kept so that new tokens can attend to them: one "
          "key and one value vector per KV head.",
          "2 (K and V) x kv_heads x head_dim x bytes per value",
          fmt::format("2 x {} x {} x {} ({})", a.kv_heads, a.head_dim, N(kv.bits_per_weight / 8),
                      kv.name),
          B(per_layer));
  }
  s.Add(sec, "KV cache per token",
        "Every layer keeps its own cache, so this is what each new token of context adds.",
        "layers x per-layer bytes", fmt::format("{} x {}", arch.layers, B(per_layer)),
        B(KvBytesPerToken(arch, o.kv)));
  const int sliding = arch.SlidingLayers();
  if (sliding > 0) {
    s.Add(sec, fmt::format("KV cache of one sequence at {} tokens (sliding windows)", N(o.context)),
          fmt::format("{} of the {} layers only attend to the last {} tokens, so they cache no "
                      "more than that: their cache stops growing.",
                      sliding, arch.layers, a.sliding_window),
          "per-layer bytes x (full layers x context + sliding layers x min(context, window))",
          fmt::format("{} x ({} x {} + {} x {})", B(per_layer), arch.layers - sliding, N(o.context),
                      sliding, N(std::min(o.context, double(a.sliding_window)))),
          B(KvBytesForContext(arch, o.kv, o.context)));
  } else {
    s.Add(sec, fmt::format("KV cache of one sequence at {} tokens", N(o.context)),
          "The cache grows linearly with the context; a batch holds one per sequence.",
          "KV bytes per token x context",
          fmt::format("{} x {}", B(KvBytesPerToken(arch, o.kv)), N(o.context)),
          B(KvBytesForContext(arch, o.kv, o.context)));
  }
}

void ExplainFlops(const Architecture& arch, const ParameterCounts& c, const ExplainOptions& o,
                  Steps& s) {
  const std::string sec = "FLOPs";
  const double linear = LinearFlopsPerToken(arch);
  s.Add(sec, "Linear FLOPs per token",
        "Each weight of a matrix a token passes through costs one multiply and one add. The "
        "embedding lookup is free; the LM head counts even when tied; biases and norms are "
        "negligible and left out.",
        "2 x matmul parameters per token", fmt::format("2 x {}", P(linear / 2)), Flop(linear));
  const double per_pair = AttentionFlopsPerPairPerLayer(arch, true);
  const Attention& a = arch.attention;
  s.Add(sec, fmt::format("Attention FLOPs of one token at {} tokens of context", N(o.context)),
        a.mla ? "Scores (Q.K) and the weighted sum of values, per head and per cached token. At "
                "decode MLA runs absorbed: queries meet the latent directly (keys of kv_lora_rank "
                "+ rope, values of kv_lora_rank)."
              : "Scores (Q.K) and the weighted sum of values, per head and per cached token: this "
                "part grows with the context, the linear part does not.",
        "2 x heads x (qk_dim + v_dim) x context, summed over layers (windows cap sliding layers)",
        (a.mla ? fmt::format("2 x {} x (({} + {}) + {})", a.heads, a.kv_lora_rank,
                             a.qk_rope_head_dim, a.kv_lora_rank)
               : fmt::format("2 x {} x ({} + {})", a.heads, a.qk_dim(), a.v_dim())) +
            fmt::format(" = {} per cached token per layer; x {} (layer, cached token) pairs",
                        Flop(per_pair), N(DecodeAttentionFlops(arch, o.context) / per_pair)),
        Flop(DecodeAttentionFlops(arch, o.context)));
  s.Add(sec, fmt::format("Prefill of {} tokens", N(o.context)),
        std::string("Prefill processes the whole prompt at once: every token's linear FLOPs, "
                    "plus causal attention where token p attends to p tokens (sum 1..n = "
                    "n(n+1)/2 pairs per full layer).") +
            (a.mla ? " MLA prefill runs expanded: per-head keys of qk_nope + qk_rope and values "
                     "of v_head_dim."
                   : ""),
        "n x linear + per-pair cost x pairs",
        fmt::format("{} x {} + attention {}", N(o.context), Flop(linear),
                    Flop(PrefillAttentionFlops(arch, o.context, 0))),
        Flop(PrefillFlops(arch, o.context, 0)));
  const double decode = DecodeFlops(arch, o.context);
  s.Add(sec, fmt::format("Decode of one token at {} tokens of context", N(o.context)),
        "Each decode step runs one token through the model and attends to the whole cache.",
        "linear + attention",
        fmt::format("{} + {}", Flop(linear), Flop(DecodeAttentionFlops(arch, o.context))),
        Flop(decode));
  const WeightBytes w = ComputeWeightBytes(arch, o.weights);
  const double bytes = w.active + KvBytesForContext(arch, o.kv, o.context);
  s.Add(sec, "Arithmetic intensity of decode at batch 1",
        "FLOPs per byte read from memory. Accelerators offer hundreds of FLOPs per byte of "
        "bandwidth (H100: 989 TFLOP/s / 3.35 TB/s = 295), so one sequence leaves the math units "
        "idle: decode is memory-bound, and batching many sequences over the same weights is "
        "what raises throughput.",
        "decode FLOPs / (weight bytes per token + KV bytes at context)",
        fmt::format("{} / ({} + {})", Flop(decode), B(w.active),
                    B(KvBytesForContext(arch, o.kv, o.context))),
        fmt::format("{:.2f} FLOP/byte", decode / bytes));
  (void)c;
}

void ExplainMoe(const Architecture& arch, const ExplainOptions& o, Steps& s) {
  if (!arch.moe) return;
  const std::string sec = "MoE";
  const Moe& m = *arch.moe;
  const double distinct = ExpectedDistinctExperts(m.experts, m.top_k, o.batch);
  s.Add(sec, fmt::format("Distinct experts touched by {} tokens", N(o.batch)),
        "Each token picks top_k of the experts. If picks were uniform and independent, an expert "
        "is missed by one token with probability 1 - k/E, and by all B tokens with (1 - k/E)^B.",
        "E x (1 - (1 - k/E)^B)",
        fmt::format("{} x (1 - (1 - {}/{})^{})", m.experts, m.top_k, m.experts, N(o.batch)),
        fmt::format("{:.1f} of {} experts per MoE layer", distinct, m.experts));
  const double expert_bytes = ExpertBytes(arch, o.weights);
  const double step = distinct * expert_bytes * arch.MoeLayers();
  s.Add(sec, fmt::format("Expert weights read per decode step at batch {}", N(o.batch)),
        fmt::format("A decode step reads every expert some token in the batch chose. At batch 1 "
                    "that is top_k experts; as the batch grows it approaches all {} and the MoE "
                    "model reads as many bytes per step as a dense model of its total size, while "
                    "each token still computes with only top_k.",
                    m.experts),
        "distinct experts x bytes of one expert x MoE layers",
        fmt::format("{:.1f} x {} x {}", distinct, B(expert_bytes), arch.MoeLayers()),
        fmt::format("{} per step ({} per token; batch 1: {})", B(step),
                    B(o.batch > 0 ? step / o.batch : 0),
                    B(m.top_k * expert_bytes * arch.MoeLayers())));
}

}  // namespace

std::vector<ExplainStep> Explain(const Architecture& arch, const ExplainOptions& options) {
  Steps steps;
  const ParameterCounts counts = CountParameters(arch);
  ExplainParameters(arch, counts, steps);
  ExplainWeights(arch, counts, options, steps);
  ExplainKv(arch, options, steps);
  ExplainFlops(arch, counts, options, steps);
  ExplainMoe(arch, options, steps);
  return steps.Take();
}

}  // namespace aiinfra::model
