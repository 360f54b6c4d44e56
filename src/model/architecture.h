// Architecture: what a decoder-only transformer is made of, as far as memory, FLOPs and
// communication are concerned. Built-in models live in data/models/*.yaml; Hugging Face
// config.json files import into the same struct (model/hf_config.h).
//
// Covered: dense decoders with MHA or GQA (Llama 2/3.x, Qwen2.5/3), MoE with optional shared
// experts and leading dense layers (Mixtral, Qwen3-MoE, DeepSeek-V3/R1, Kimi K2, GPT-OSS),
// DeepSeek's Multi-head Latent Attention (MLA), and sliding-window layers (GPT-OSS alternates
// 128-token windows with full attention).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"
#include "common/yaml.h"
#include "hw/figure.h"

namespace aiinfra::model {

struct Attention {
  int heads = 0;     // query heads
  int kv_heads = 0;  // key/value heads: == heads for MHA, fewer for GQA (MLA: == heads)
  int head_dim = 0;  // per head (MLA: unused, see below)
  bool qkv_bias = false;
  bool o_bias = false;
  bool qk_norm = false;  // per-head RMSNorm of queries and keys (Qwen3): 2 x head_dim weights

  // Multi-head Latent Attention (DeepSeek-V2/V3, Kimi K2). When `mla` is set the KV cache holds
  // one latent of kv_lora_rank + qk_rope_head_dim values per token per layer.
  bool mla = false;
  int q_lora_rank = 0;  // 0: queries are projected directly from the hidden state
  int kv_lora_rank = 0;
  int qk_nope_head_dim = 0;
  int qk_rope_head_dim = 0;
  int v_head_dim = 0;

  // Sliding-window attention: layers flagged in `sliding_layers` attend to at most
  // `sliding_window` previous tokens (and cache no more). Empty: every layer is full.
  int sliding_window = 0;
  std::vector<bool> sliding_layers;  // size == layers when not empty
  bool sinks = false;                // learned per-head attention sinks (GPT-OSS)

  bool is_gqa() const { return !mla && kv_heads < heads; }
  // Query-key and value widths per head (MLA: nope + rope, and v_head_dim).
  int qk_dim() const { return mla ? qk_nope_head_dim + qk_rope_head_dim : head_dim; }
  int v_dim() const { return mla ? v_head_dim : head_dim; }
};

struct Moe {
  int experts = 0;           // routed experts per MoE layer
  int top_k = 0;             // routed experts per token
  int expert_ffn = 0;        // intermediate size of one routed expert
  int shared_experts = 0;    // always-active experts per MoE layer
  int shared_ffn = 0;        // intermediate size of one shared expert (0: expert_ffn)
  int dense_layers = 0;      // leading layers with a dense FFN instead (DeepSeek: 3)
  bool expert_bias = false;  // biases in expert projections (GPT-OSS)
  bool router_bias = false;  // router has a bias (GPT-OSS) or a correction bias (DeepSeek)
  int groups = 0;            // node-limited routing: expert groups (DeepSeek: 8), 0 = none
  int topk_groups = 0;       // groups a token may use (DeepSeek: 4)
};

struct Architecture {
  std::string id;                    // "llama-3.1-70b"
  std::string name;                  // "Llama 3.1 70B"
  std::string family;                // "llama", "qwen3", "deepseek", ...
  std::string hf_architecture;       // "LlamaForCausalLM"
  std::string source;                // URL of the config this was taken from
  std::string file;                  // where it was loaded from (data file or config.json path)
  std::vector<std::string> aliases;  // other names: "deepseek-r1" for deepseek-v3

  int hidden = 0;         // hidden_size
  int layers = 0;         // num_hidden_layers
  int vocab = 0;          // vocab_size
  int ffn = 0;            // intermediate_size of a dense FFN layer
  bool gated_ffn = true;  // SwiGLU-style (gate, up, down) vs two matrices
  bool ffn_bias = false;
  bool tied_embeddings = false;
  int max_context = 0;  // max_position_embeddings (after rope scaling where configured)
  int mtp_layers = 0;   // multi-token-prediction modules (DeepSeek: 1); not counted in params

  Attention attention;
  std::optional<Moe> moe;

  // Published counts (the model card's), with their source; used by tests and `model show`.
  std::optional<hw::Figure> published_total_params;
  std::optional<hw::Figure> published_active_params;
  // Whether the publisher's active count leaves out the input embedding (a table lookup, not a
  // matmul), as OpenAI's gpt-oss model card does; compare with ActiveAsPublished (footprint.h).
  bool published_active_excludes_embedding = false;

  bool is_moe() const { return moe.has_value(); }
  // Whether layer `layer` (0-based) has a MoE FFN (false for dense models and leading dense
  // layers).
  bool IsMoeLayer(int layer) const { return moe && layer >= moe->dense_layers; }
  int MoeLayers() const { return moe ? layers - moe->dense_layers : 0; }
  bool IsSlidingLayer(int layer) const {
    return !attention.sliding_layers.empty() && attention.sliding_layers[layer];
  }
  int SlidingLayers() const;
};

// Checks the invariants every consumer relies on (positive sizes, heads divisible by kv heads,
// top_k <= experts, sliding_layers sized to layers, ...). kInvalidInput naming the field, with
// `where` as the location when given.
Status Validate(const Architecture& arch, const Location& where = {});

// Parses one data/models/*.yaml document (schema in data/models/README.md), validated.
Result<Architecture> ParseArchitecture(const YamlNode& doc);

}  // namespace aiinfra::model
