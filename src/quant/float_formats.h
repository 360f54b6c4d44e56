// The small floating-point formats of weight files, element by element: IEEE binary16, bfloat16,
// FP8 E4M3FN and E5M2 (arXiv 2209.05433), FP4 E2M1 (the OCP MX element), and the scale formats
// E8M0 (OCP MX) and UE4M3 (NVFP4 in ggml). Specs: ../shared/specs/quant-security-ebpf.md 1.4-1.6.
//
// Every encoder rounds to nearest, ties to even, from the exact float value. What happens past
// the largest finite value is each format's own:
// - F16 and BF16 are IEEE-like: values beyond the range round to ±Inf, NaN stays NaN (quiet).
// - FP8 E4M3FN has no Inf; E5M2 has one but weights are encoded saturating (NVIDIA's
//   __NV_SATFINITE, the OCP saturating mode): finite values and ±Inf beyond the range become
//   ±max (448, 57344); NaN becomes the format's NaN (E4M3 S.1111.111, E5M2 S.11111.11).
// - E2M1 has neither Inf nor NaN: saturating at ±6; NaN encodes as +0 (callers that care report
//   it first).
// These are the scalar references; faster paths elsewhere must match them bit for bit.
#pragma once

#include <cstdint>

namespace aiinfra::quant {

uint16_t F32ToF16(float x);
float F16ToF32(uint16_t h);

uint16_t F32ToBF16(float x);
float BF16ToF32(uint16_t b);

uint8_t F32ToE4M3(float x);
float E4M3ToF32(uint8_t code);
inline constexpr float kE4M3Max = 448.0f;

uint8_t F32ToE5M2(float x);
float E5M2ToF32(uint8_t code);
inline constexpr float kE5M2Max = 57344.0f;

// FP4 E2M1 codes: bit 3 the sign, then 2 exponent bits (bias 1) and 1 mantissa bit; values
// ±{0, 0.5, 1, 1.5, 2, 3, 4, 6}.
uint8_t F32ToE2M1(float x);
float E2M1ToF32(uint8_t code);  // code & 15
inline constexpr float kE2M1Max = 6.0f;

// E8M0: 2^(e − 127); 0xFF is NaN.
float E8M0ToF32(uint8_t e);

// UE4M3: unsigned, 4 exponent bits (bias 7), 3 mantissa bits; 0x7F (and 0xFF) decode to 0 as
// ggml's ggml_ue4m3_to_fp32 does (there is no sign, and the NaN pattern is not a scale). The
// encoder saturates at 448 and maps negatives and NaN to 0.
uint8_t F32ToUE4M3(float x);
float UE4M3ToF32(uint8_t code);

}  // namespace aiinfra::quant
