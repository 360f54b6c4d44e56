// Explain: the derivation of every figure of `model show`, formula by formula, with the model's
// numbers filled in — the runnable "LLM fundamentals and MoE" guide. Written for a learner: each
// step says what the quantity is, why it matters for serving, the formula, the substitution and
// the result in human units.
#pragma once

#include <string>
#include <vector>

#include "model/architecture.h"
#include "model/footprint.h"

namespace aiinfra::model {

struct ExplainStep {
  std::string section;      // "Parameters", "Weights in memory", "KV cache", "FLOPs", "MoE"
  std::string title;        // "Attention parameters per layer"
  std::string why;          // one or two sentences for a learner
  std::string formula;      // "2 x hidden x (heads + 2 x kv_heads) x head_dim"
  std::string substituted;  // "2 x 8192 x (64 + 2 x 8) x 128"
  std::string result;       // "167.8M"
};

struct ExplainOptions {
  WeightPlan weights = WeightPlan::Default(Dtype::kBF16);
  Dtype kv = Dtype::kBF16;
  double context = 4096;  // tokens, for KV and attention FLOPs
  double batch = 64;      // tokens in a batch, for MoE expert coverage
};

std::vector<ExplainStep> Explain(const Architecture& arch, const ExplainOptions& options);

}  // namespace aiinfra::model
