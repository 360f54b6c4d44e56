// Footprint: the numbers an architecture implies — parameters by tensor class, weight bytes per
// dtype, KV-cache bytes per token, FLOPs per token, and the MoE expert-coverage expectation.
//
// All functions are pure, O(1) or O(layers), and cheap enough to call inside a search loop.
// Conventions (data/models/README.md explains each for learners):
// - A FLOP is one multiply or one add: a matrix multiply of [m,k] x [k,n] costs 2mkn.
// - Linear FLOPs per token = 2 x the matmul parameters a token passes through (routed experts:
//   top_k of them; the embedding lookup is free; the LM head counts).
// - Attention FLOPs per (query, key) pair per layer = 2 x heads x (qk_dim + v_dim): QK^T and
//   the weighted sum of V. MLA at decode runs in the "absorbed" form (keys and values stay
//   latent: qk = kv_lora_rank + rope dim, v = kv_lora_rank); prefill runs expanded.
// - Causal prefill of n new tokens after c cached ones attends sum_{p=c+1}^{c+n} p pairs in a
//   full layer, and sum min(p, window) in a sliding one.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "model/architecture.h"
#include "model/dtype.h"

namespace aiinfra::model {

enum class TensorClass {
  kEmbedding = 0,  // token embedding table
  kAttention,      // q/k/v/o projections (MLA: down/up projections and their norms)
  kDenseFfn,       // FFN of dense layers
  kRoutedExperts,  // all routed experts of all MoE layers
  kSharedExperts,  // shared experts
  kRouter,         // MoE gate (router) weights
  kNorm,           // RMSNorm weights, attention sinks
  kLmHead,         // output projection (0 when tied to the embedding)
};
inline constexpr int kTensorClasses = 8;
const char* TensorClassName(TensorClass cls);  // "embedding", "attention", ..., "lm_head"
Result<TensorClass> ParseTensorClass(std::string_view name);

struct ParameterCounts {
  std::array<double, kTensorClasses> by_class{};  // parameters per class
  double total = 0;                               // sum of by_class
  double active = 0;  // per token: everything but the routed experts, plus top_k/experts of them
  double operator[](TensorClass cls) const { return by_class[static_cast<int>(cls)]; }
};
ParameterCounts CountParameters(const Architecture& arch);
// The active count as the model's publisher counts it: `counts.active`, less the input embedding
// when arch.published_active_excludes_embedding. For comparison with published_active_params.
double ActiveAsPublished(const Architecture& arch, const ParameterCounts& counts);
// Parameters of one routed expert (all its matrices and biases) in one layer.
double ExpertParameters(const Architecture& arch);
// A parameter count for people: "8.03B", "1.026T", "167.8M", "16.38K" (4 significant digits).
std::string FormatParams(double count);

// Which dtype each tensor class is stored in. Default(base): `base` for every class except the
// ones practitioners keep in high precision — embeddings, LM head, router and norms stay BF16
// when `base` is narrower than 16 bits and not a GGUF type (GGUF quantizes every tensor as
// llama.cpp does; its bits per weight are model-level averages already).
struct WeightPlan {
  Dtype base = Dtype::kBF16;
  std::vector<std::pair<TensorClass, Dtype>> overrides;  // later entries win

  static WeightPlan Default(Dtype base);
  Dtype For(TensorClass cls) const;
  // "fp8" or "fp8 (embedding=bf16, router=bf16, ...)"
  std::string Describe() const;
};
// Parses "CLASS=DTYPE" (e.g. "embedding=bf16", "routed_experts=mxfp4"). kUsage otherwise.
Result<std::pair<TensorClass, Dtype>> ParseOverride(std::string_view text);

struct WeightBytes {
  std::array<double, kTensorClasses> by_class{};
  double total = 0;
  // Bytes one token reads at batch 1 (routed experts: top_k/experts of them). The embedding table
  // is left out (a token reads one row of it) unless it is tied to the LM head, which reads it all.
  double active = 0;
  double operator[](TensorClass cls) const { return by_class[static_cast<int>(cls)]; }
};
WeightBytes ComputeWeightBytes(const Architecture& arch, const WeightPlan& plan);
// Bytes of one routed expert (all its matrices) in one layer, under `plan`.
double ExpertBytes(const Architecture& arch, const WeightPlan& plan);

// KV cache. Bytes per token of context in one full-attention layer (K and V, or the MLA latent).
double KvBytesPerTokenPerLayer(const Architecture& arch, Dtype kv);
// Bytes per token summed over all layers, ignoring window caps (the uncapped growth rate).
double KvBytesPerToken(const Architecture& arch, Dtype kv);
// Bytes of the cache of one sequence of `context` tokens: sliding layers hold at most
// `sliding_window` tokens.
double KvBytesForContext(const Architecture& arch, Dtype kv, double context);

// FLOPs.
// Linear (matmul) FLOPs for one token through the whole model, LM head included.
double LinearFlopsPerToken(const Architecture& arch);
// The part of it spent in the routed experts (0 for dense models).
double RoutedExpertFlopsPerToken(const Architecture& arch);
// Attention FLOPs of one (query, key) pair summed over full layers / over sliding layers.
// (One layer's cost is the same in full and sliding layers; windows only bound the pairs. The
// sum is over every layer.)
double AttentionFlopsPerPair(const Architecture& arch, bool absorbed_mla);
// The same for one layer: 2 x heads x (qk_dim + v_dim), absorbed or expanded for MLA.
double AttentionFlopsPerPairPerLayer(const Architecture& arch, bool absorbed_mla);
// Attention FLOPs of decoding one token at context length `context` (all layers, windows
// applied; MLA absorbed).
double DecodeAttentionFlops(const Architecture& arch, double context);
// Attention FLOPs of prefilling `new_tokens` after `cached` tokens (causal, windows applied; MLA
// expanded).
double PrefillAttentionFlops(const Architecture& arch, double new_tokens, double cached);
// Total FLOPs of a prefill (linear + attention) and of one decode step of one sequence.
double PrefillFlops(const Architecture& arch, double new_tokens, double cached);
double DecodeFlops(const Architecture& arch, double context);

// MoE: expected number of distinct experts a batch of `tokens` tokens touches when each picks
// `top_k` of `experts` uniformly at random: E x (1 - (1 - k/E)^B). 0 for tokens <= 0.
double ExpectedDistinctExperts(int experts, int top_k, double tokens);

}  // namespace aiinfra::model
