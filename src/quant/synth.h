// A synthetic decoder-only model file, for trying the toolkit and for tests and benchmarks
// without downloading weights (`quant generate`): Llama-style tensor names and shapes with
// value distributions like trained weights':
// - attention projections Gaussian (sigma 0.02, the usual initializer scale);
// - MLP projections heavy-tailed (Student-t with 4 degrees of freedom, scaled to the same
//   sigma), as trained FFN weights are;
// - a few "outlier channels" in down_proj: input columns scaled by 20 (the structured outliers
//   the LLM.int8 and SmoothQuant papers describe);
// - norms near 1, embeddings and LM head Gaussian.
// The values are fixed by the seed; tensors are generated a row batch at a time and streamed to
// the writer, so a file of any size takes a few MiB of memory.
#pragma once

#include <cstdint>
#include <string>

#include "common/env.h"
#include "common/result.h"
#include "quant/codec.h"

namespace aiinfra::quant {

struct SynthSpec {
  int64_t hidden = 256;
  int64_t intermediate = 768;
  int64_t layers = 2;
  int64_t vocab = 1024;
  int64_t heads = 4, kv_heads = 2;
  Format dtype = Format::kBF16;  // f32, f16 or bf16
  uint64_t seed = 1;
  int outlier_channels = 4;  // per down_proj
  double outlier_scale = 20;
};

// The fewest layers (at least 1) for which the file holds at least `bytes` of tensor data.
int64_t LayersForBytes(const SynthSpec& spec, uint64_t bytes);

// Writes the model to `path` (GGUF when it ends in .gguf, else safetensors), atomically.
// Returns the bytes of tensor data written.
Result<uint64_t> WriteSyntheticModel(Env& env, const std::string& path, const SynthSpec& spec);

}  // namespace aiinfra::quant
