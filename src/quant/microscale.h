// The 4-bit microscaling formats: elements in FP4 E2M1 with a scale per small block, in the two
// layouts each is found in. Spec: ../shared/specs/quant-security-ebpf.md 1.4 and 1.6.
//
// MXFP4 (OCP MX v1.0): blocks of 32 consecutive elements of a row share an E8M0 scale 2^s with
// s = floor(log2(amax)) − 2 (2 is E2M1's largest exponent), so the block's largest element lands
// in [4, 8) and saturates at 6 past it; each element is E2M1(x / 2^s), rounded to nearest even.
// An all-zero block gets scale code 0 (2^−127); a block holding NaN or Inf gets the NaN scale
// 0xFF (it decodes to NaN, as the OCP spec defines).
//
// NVFP4 (NVIDIA): blocks of 16 with an FP8 E4M3 scale, times one FP32 scale per tensor. The
// tensor scale is amax / (6 × 448), so the block scale amax_block / 6 / tensor_scale fits E4M3's
// range; each element is E2M1(x / (E4M3(scale) × tensor_scale)). A block holding NaN or Inf gets
// the E4M3 NaN scale 0x7F. As NVIDIA's TensorRT Model Optimizer writes it to safetensors:
// `w` U8 [rows, cols / 2], `w_scale` F8_E4M3 [rows, cols / 16], `w_scale_2` F32 scalar.
//
// Packed codes (the safetensors layout of both): two elements per byte, element 2i in the low
// nibble and 2i + 1 in the high one.
//
// ggml's blocks (GGUF types 39 and 40) hold the same values in another order:
//   MXFP4  17 bytes per 32: e (E8M0), qs[16]: byte j = element j (low), j + 16 (high).
//   NVFP4  36 bytes per 64: d[4] (UE4M3, one per 16), qs[32]: sub-block s in qs[8s .. 8s + 8],
//          byte 8s + j = element 16s + j (low), 16s + j + 8 (high); no tensor scale, so the
//          block scale is amax / 6 itself (UE4M3 has no NaN: inputs must be finite).
// ggml stores the E2M1 table doubled and halves the scale; the values are the same.
#pragma once

#include <cstdint>

namespace aiinfra::quant {

inline constexpr int kMxBlock = 32;
inline constexpr int kNvBlock = 16;
inline constexpr int kMxfp4GgmlBytes = 17;
inline constexpr int kNvfp4GgmlBlock = 64;
inline constexpr int kNvfp4GgmlBytes = 36;

// The E8M0 code of a block of 32.
uint8_t MxScaleCode(const float* x);

// n a multiple of 32: codes holds n / 2 bytes, scales n / 32.
// Each QuantizeX runs the SIMD path of ActiveIsa() (simd.h), bit-for-bit equal to QuantizeXRef,
// the scalar reference.
void QuantizeMxfp4(const float* x, int64_t n, uint8_t* codes, uint8_t* scales);
void QuantizeMxfp4Ref(const float* x, int64_t n, uint8_t* codes, uint8_t* scales);
void DequantizeMxfp4(const uint8_t* codes, const uint8_t* scales, int64_t n, float* y);
void QuantizeMxfp4Ggml(const float* x, int64_t n, uint8_t* out);
void QuantizeMxfp4GgmlRef(const float* x, int64_t n, uint8_t* out);
void DequantizeMxfp4Ggml(const uint8_t* in, int64_t n, float* y);

// The tensor scale for a tensor whose largest finite magnitude is `amax` (1 when it is 0).
float NvTensorScale(float amax);
// n a multiple of 16: codes holds n / 2 bytes, scales n / 16.
void QuantizeNvfp4(const float* x, int64_t n, float tensor_scale, uint8_t* codes, uint8_t* scales);
void QuantizeNvfp4Ref(const float* x, int64_t n, float tensor_scale, uint8_t* codes,
                      uint8_t* scales);
void DequantizeNvfp4(const uint8_t* codes, const uint8_t* scales, int64_t n, float tensor_scale,
                     float* y);
// n a multiple of 64.
void QuantizeNvfp4Ggml(const float* x, int64_t n, uint8_t* out);
void QuantizeNvfp4GgmlRef(const float* x, int64_t n, uint8_t* out);
void DequantizeNvfp4Ggml(const uint8_t* in, int64_t n, float* y);

}  // namespace aiinfra::quant
