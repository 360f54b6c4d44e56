// Import of a Hugging Face config.json into an Architecture.
//
// Recognised `architectures`: LlamaForCausalLM, MistralForCausalLM, Qwen2ForCausalLM,
// Qwen3ForCausalLM, MixtralForCausalLM, Qwen2MoeForCausalLM, Qwen3MoeForCausalLM,
// DeepseekV2ForCausalLM, DeepseekV3ForCausalLM (Kimi K2 uses it), GptOssForCausalLM. The field
// names are those of the transformers configuration classes (hidden_size, num_key_value_heads,
// n_routed_experts, num_experts_per_tok, moe_intermediate_size, first_k_dense_replace,
// kv_lora_rank, layer_types, sliding_window, ...). An unrecognised architecture is read as a
// dense Llama-like decoder when the dense fields are all present; otherwise the error names
// every missing field.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"
#include "model/architecture.h"

namespace aiinfra::model {

// `file` is used in errors and as Architecture::file; the id is derived from `_name_or_path`
// or the file's directory name.
Result<Architecture> ImportHfConfig(std::string_view json_text, const std::string& file);

}  // namespace aiinfra::model
