#include "model/dtype.h"

#include <array>

#include "common/text.h"

namespace aiinfra::model {
namespace {

using hw::ComputeDtype;

// Order matches the enum, so Info() is an index.
const std::array<DtypeInfo, 16> kDtypes = {{
    {Dtype::kF32, "f32", 32, ComputeDtype::kBF16, true, false,
     "IEEE 754 single precision: 1 sign, 8 exponent, 23 mantissa bits",
     "https://en.wikipedia.org/wiki/Single-precision_floating-point_format"},
    {Dtype::kBF16, "bf16", 16, ComputeDtype::kBF16, true, false,
     "bfloat16: the exponent range of f32 with 7 mantissa bits; the usual training and serving "
     "format",
     "https://cloud.google.com/tpu/docs/bfloat16"},
    {Dtype::kF16, "f16", 16, ComputeDtype::kBF16, true, false,
     "IEEE 754 half precision: 5 exponent, 10 mantissa bits",
     "https://en.wikipedia.org/wiki/Half-precision_floating-point_format"},
    {Dtype::kFP8, "fp8", 8, ComputeDtype::kFP8, true, false,
     "FP8 E4M3 with per-tensor or per-block FP32 scales (negligible storage)",
     "https://arxiv.org/abs/2209.05433"},
    {Dtype::kINT8, "int8", 8, ComputeDtype::kINT8, true, false,
     "8-bit integers with per-channel scales (negligible storage)",
     "https://arxiv.org/abs/2211.10438"},
    {Dtype::kINT4, "int4", 4.125, ComputeDtype::kBF16, false, false,
     "weight-only 4-bit integers (AWQ/GPTQ style), groups of 128 with one FP16 scale: "
     "4 + 16/128 = 4.125 bits",
     "https://arxiv.org/abs/2306.00978"},
    {Dtype::kMXFP4, "mxfp4", 4.25, ComputeDtype::kFP4, false, false,
     "OCP MXFP4: FP4 E2M1 in blocks of 32 sharing one E8M0 scale: (32 x 4 + 8) / 32 = 4.25 bits",
     "https://www.opencompute.org/documents/ocp-microscaling-formats-mx-v1-0-spec-final-pdf"},
    {Dtype::kNVFP4, "nvfp4", 4.5, ComputeDtype::kFP4, true, false,
     "NVFP4: FP4 E2M1 in blocks of 16 sharing one FP8 E4M3 scale (+ one FP32 per tensor): "
     "(16 x 4 + 8) / 16 = 4.5 bits",
     "https://developer.nvidia.com/blog/"
     "introducing-nvfp4-for-efficient-and-accurate-low-precision-inference/"},
    {Dtype::kQ8_0, "q8_0", 8.5, ComputeDtype::kBF16, false, true,
     "GGUF Q8_0: blocks of 32 int8 weights with one FP16 scale: 34 bytes / 32 = 8.5 bits",
     "https://github.com/ggml-org/ggml/blob/master/src/ggml-common.h"},
    {Dtype::kQ4_K_M, "q4_k_m", 4.8944, ComputeDtype::kBF16, false, true,
     "GGUF Q4_K_M: Q4_K super-blocks (4.5 bits) with some tensors in Q6_K; 4.8944 bits per weight "
     "averaged over Llama-3.1-8B as llama.cpp measures it",
     "https://github.com/ggml-org/llama.cpp/blob/master/tools/quantize/README.md"},
    {Dtype::kQ4_0, "q4_0", 4.5, ComputeDtype::kBF16, false, true,
     "GGUF Q4_0: blocks of 32 4-bit weights with one FP16 scale: 18 bytes / 32 = 4.5 bits",
     "https://github.com/ggml-org/ggml/blob/master/src/ggml-common.h"},
    {Dtype::kQ4_1, "q4_1", 5.0, ComputeDtype::kBF16, false, true,
     "GGUF Q4_1: blocks of 32 4-bit weights with an FP16 scale and minimum: 20 bytes / 32 = 5 "
     "bits",
     "https://github.com/ggml-org/ggml/blob/master/src/ggml-common.h"},
    {Dtype::kQ5_0, "q5_0", 5.5, ComputeDtype::kBF16, false, true,
     "GGUF Q5_0: blocks of 32 5-bit weights with one FP16 scale: 22 bytes / 32 = 5.5 bits",
     "https://github.com/ggml-org/ggml/blob/master/src/ggml-common.h"},
    {Dtype::kQ4_K, "q4_k", 4.5, ComputeDtype::kBF16, false, true,
     "GGUF Q4_K: super-blocks of 256 in 8 sub-blocks with 6-bit scales and minimums: 144 bytes / "
     "256 = 4.5 bits",
     "https://github.com/ggml-org/ggml/blob/master/src/ggml-common.h"},
    {Dtype::kQ6_K, "q6_k", 6.5625, ComputeDtype::kBF16, false, true,
     "GGUF Q6_K: super-blocks of 256 in 16 sub-blocks with 8-bit scales: 210 bytes / 256 = "
     "6.5625 bits",
     "https://github.com/ggml-org/ggml/blob/master/src/ggml-common.h"},
    {Dtype::kFP8_E5M2, "fp8_e5m2", 8, ComputeDtype::kFP8, true, false,
     "FP8 E5M2 (5 exponent, 2 mantissa bits: more range, less precision than E4M3) with a "
     "per-tensor FP32 scale",
     "https://arxiv.org/abs/2209.05433"},
}};

struct Alias {
  const char* name;
  Dtype dtype;
};
constexpr Alias kAliases[] = {
    {"fp32", Dtype::kF32},    {"float32", Dtype::kF32},   {"fp16", Dtype::kF16},
    {"float16", Dtype::kF16}, {"bfloat16", Dtype::kBF16}, {"fp8_e4m3", Dtype::kFP8},
    {"e4m3", Dtype::kFP8},    {"e5m2", Dtype::kFP8_E5M2},   {"int4_awq", Dtype::kINT4},
    {"w4a16", Dtype::kINT4},
};

std::string JoinNames(bool kv_only) {
  std::string out;
  for (const DtypeInfo& info : kDtypes) {
    if (kv_only && !info.kv_capable) continue;
    out += (out.empty() ? "" : ", ") + std::string(info.name);
  }
  return out;
}

}  // namespace

const DtypeInfo& Info(Dtype dtype) { return kDtypes[static_cast<int>(dtype)]; }

Result<Dtype> ParseDtype(std::string_view name) {
  const std::string lower = ToLowerAscii(name);
  for (const DtypeInfo& info : kDtypes) {
    if (lower == info.name) return info.dtype;
  }
  for (const Alias& alias : kAliases) {
    if (lower == alias.name) return alias.dtype;
  }
  return Fail(ErrorCode::kUsage,
              "unknown dtype \"" + std::string(name) + "\" (one of: " + JoinNames(false) + ")");
}

Result<Dtype> ParseKvDtype(std::string_view name) {
  auto dtype = ParseDtype(name);
  if (!dtype || !Info(*dtype).kv_capable) {
    return Fail(ErrorCode::kUsage, "unknown KV-cache dtype \"" + std::string(name) +
                                       "\" (one of: " + JoinNames(true) + ")");
  }
  return *dtype;
}

std::vector<Dtype> AllDtypes() {
  std::vector<Dtype> out;
  for (const DtypeInfo& info : kDtypes) out.push_back(info.dtype);
  return out;
}

std::vector<std::string> DtypeNames() {
  std::vector<std::string> out;
  for (const DtypeInfo& info : kDtypes) out.push_back(info.name);
  return out;
}

}  // namespace aiinfra::model
