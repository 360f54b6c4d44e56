// `quant convert`: a weight file rewritten in another format, tensor by tensor and a batch of
// rows at a time, so memory stays at a few batches whatever the file's size (the input is
// mapped and its pages given back as they are done; the output streams to a temporary file that
// is renamed into place only when complete).
//
// Which format each tensor gets, first match wins:
// 1. --keep rules, REGEX=FORMAT, in order (the regex is searched for in the tensor name).
// 2. Unless default_keep is off, what practitioners keep in high precision: tensors of rank 0 or
//    1 (norms, biases) in their own float format (bf16 for anything narrower); embeddings
//    (embed_tokens, wte, wpe, tok_embeddings, token_embd), the LM head (lm_head, GGUF's
//    output.weight) and MoE router gates (*.gate.weight as Mixtral, Qwen-MoE and DeepSeek name
//    them, *router*, GGUF's ffn_gate_inp) in bf16. AWQ, GPTQ, llama.cpp and ModelOpt checkpoints
//    all leave these unquantized or near it: they are small and sensitive.
// 3. The target format. A tensor whose rows do not divide into the format's blocks falls back to
//    bf16, with a warning (llama.cpp also falls back for such tensors).
// Tensors that do not decode to values (integers, unknown types) are copied unchanged, when the
// output container has their type.
//
// NaN and Inf: formats that define them keep them (f16, bf16: as values; fp8: NaN as NaN, Inf
// saturating to ±max; mxfp4 and nvfp4: the block's scale becomes NaN), with a warning counting
// them; the ggml and integer formats cannot hold them, and the conversion fails naming the
// tensor and the first bad element.
//
// Output: GGUF when the path ends in ".gguf", else safetensors. Safetensors outputs record each
// quantized tensor in __metadata__ ("aiinfra.quant.NAME" = "FORMAT SHAPE [group=G] [asym]") so
// that inspect and report read them back; the input's metadata is kept. GGUF outputs keep a GGUF
// input's key/values, set general.architecture (from --arch, else the input's, else "unknown")
// and general.quantization_version 2 when a tensor is quantized.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/result.h"
#include "quant/codec.h"

namespace aiinfra::quant {

struct KeepRule {
  std::string pattern;  // ECMAScript regex, searched in the tensor name
  Format format;
};
// "REGEX=FORMAT"; kUsage naming the rule.
Result<KeepRule> ParseKeepRule(std::string_view text);

struct ConvertOptions {
  Format to = Format::kQ8_0;
  std::vector<KeepRule> keep;
  bool default_keep = true;
  std::optional<IntSpec> int_spec;  // group and symmetry of int8 and int4
  std::string arch;                 // GGUF general.architecture; "" = the input's or "unknown"
  int64_t batch_values = int64_t{1} << 20;  // floats per batch of rows
};

struct TensorPlan {
  std::string name;
  std::vector<int64_t> shape;
  std::string from;  // as stored in the input
  std::string to;    // the format written, or "copy"
  std::string why;   // "--to", "--keep REGEX", "default: norm or bias", "fallback: ..."
  uint64_t bytes_in = 0, bytes_out = 0;
  int64_t nan = 0, inf = 0;
};

struct ConvertResult {
  Container container = Container::kSafetensors;
  std::vector<TensorPlan> tensors;
  uint64_t bytes_in = 0, bytes_out = 0;  // tensor data
  std::vector<std::string> warnings;
};

// The plan alone (what Convert would write), without writing: for --dry-run and for compare.
Result<ConvertResult> PlanConversion(const std::string& in, const std::string& out,
                                     const ConvertOptions& options);

// Converts `in` to `out`. Errors name the file, and the tensor where one is at fault; nothing
// is left at `out` on failure.
Result<ConvertResult> Convert(Env& env, const std::string& in, const std::string& out,
                              const ConvertOptions& options);

}  // namespace aiinfra::quant
