// Number formats of weights and KV cache: their storage cost (bits per weight, scales included)
// and the tensor-core math type a GEMM on them can use.
//
// This table is the one place sizes come from: the model footprint, the performance model, the
// planner and (later) the quantization toolkit all ask it. Bits per weight include the block
// scales each format stores (ggml block sizes; OCP MX; NVIDIA NVFP4), see data/models/README.md.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "hw/accelerator.h"

namespace aiinfra::model {

enum class Dtype {
  kF32,
  kBF16,
  kF16,
  kFP8,     // FP8 E4M3, per-tensor or per-block FP32 scales (negligible): 8 bits
  kINT8,    // per-channel scales (negligible): 8 bits
  kINT4,    // weight-only, groups of 128 with one FP16 scale: 4 + 16/128 = 4.125 bits
  kMXFP4,   // OCP MX: FP4 E2M1, blocks of 32 with an E8M0 scale: 4.25 bits
  kNVFP4,   // FP4 E2M1, blocks of 16 with an FP8 E4M3 scale (+ FP32 per tensor): 4.5 bits
  kQ8_0,    // GGUF Q8_0: 34 bytes per 32 weights: 8.5 bits
  kQ4_K_M,  // GGUF Q4_K_M mix (Q4_K with some tensors in Q6_K): 4.8944 bits, model-level
  // The block formats `quant` writes, each on its own (ggml block bytes x 8 / elements):
  kQ4_0,      // 18 bytes per 32: 4.5 bits
  kQ4_1,      // 20 bytes per 32: 5 bits
  kQ5_0,      // 22 bytes per 32: 5.5 bits
  kQ4_K,      // 144 bytes per 256: 4.5 bits
  kQ6_K,      // 210 bytes per 256: 6.5625 bits
  kFP8_E5M2,  // FP8 E5M2 with a per-tensor scale: 8 bits
};

struct DtypeInfo {
  Dtype dtype;
  const char* name;        // command-line spelling: "bf16", "fp8", "q4_k_m", ...
  double bits_per_weight;  // storage, scales included
  // The tensor-core math type that consumes this format natively when activations are in the
  // same precision (fp8 -> kFP8, nvfp4/mxfp4 -> kFP4, int8 -> kINT8); kBF16 for the rest, which
  // are dequantized to BF16 before the multiply (weight-only formats).
  hw::ComputeDtype native_compute;
  bool kv_capable;          // usable as a KV-cache dtype (f32, bf16, f16, fp8, int8, nvfp4)
  bool gguf;                // a GGUF type (applies to every tensor, embeddings included)
  const char* description;  // one line for `model show --explain`
  const char* source;       // URL of the layout the bits come from
};

const DtypeInfo& Info(Dtype dtype);
inline const char* DtypeName(Dtype dtype) { return Info(dtype).name; }
inline double BytesPerWeight(Dtype dtype) { return Info(dtype).bits_per_weight / 8.0; }

// Case-insensitive; accepts the names above plus aliases "fp32", "fp16", "fp8_e4m3", "e5m2",
// "int4_awq", "w4a16". kUsage listing the valid names otherwise.
Result<Dtype> ParseDtype(std::string_view name);
// The same, restricted to KV-cache dtypes.
Result<Dtype> ParseKvDtype(std::string_view name);
std::vector<Dtype> AllDtypes();
std::vector<std::string> DtypeNames();

}  // namespace aiinfra::model
