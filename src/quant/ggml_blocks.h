// The GGUF block formats with a closed-form reference quantizer: Q8_0, Q4_0, Q4_1 and Q5_0,
// byte for byte as ggml lays them out (ggml-common.h) and as its reference row quantizers and
// dequantizers compute them (ggml-quants.c); spec: ../shared/specs/quant-security-ebpf.md 1.4.
//
// Every block holds 32 consecutive elements of a row:
//   Q8_0  34 bytes: d (fp16), qs[32] int8                 x = d * q
//   Q4_0  18 bytes: d (fp16), qs[16] nibbles              x = d * (q - 8)
//   Q4_1  20 bytes: d (fp16), m (fp16), qs[16] nibbles    x = d * q + m
//   Q5_0  22 bytes: d (fp16), qh[4] (LE u32), qs[16]      x = d * (q - 16), q = nibble | bit << 4
// Nibbles: byte j holds element j in its low half and element j + 16 in its high half. Q5_0's
// fifth bits: bit j of qh for element j, bit j + 16 for element j + 16.
//
// The quantizers repeat ggml's float arithmetic step for step (float, not double; the same
// scale, reciprocal and rounding: roundf for Q8_0, truncation after +8.5 / +0.5 / +16.5 for the
// others), so they produce the reference bytes. Inputs must be finite (NaN has no code in these
// formats and float-to-int conversion of it is undefined): callers check first, as `quant
// convert` does, reporting the tensor.
#pragma once

#include <cstdint>

namespace aiinfra::quant {

inline constexpr int kQK = 32;  // elements per block
inline constexpr int kQ8_0Bytes = 34;
inline constexpr int kQ4_0Bytes = 18;
inline constexpr int kQ4_1Bytes = 20;
inline constexpr int kQ5_0Bytes = 22;

// `n` is a multiple of 32; `out` holds n / 32 blocks.
// Each QuantizeX runs the SIMD path of ActiveIsa() (simd.h), bit-for-bit equal to QuantizeXRef,
// the scalar reference.
void QuantizeQ8_0(const float* x, int64_t n, uint8_t* out);
void QuantizeQ8_0Ref(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4_0(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4_0Ref(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4_1(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4_1Ref(const float* x, int64_t n, uint8_t* out);
void QuantizeQ5_0(const float* x, int64_t n, uint8_t* out);
void QuantizeQ5_0Ref(const float* x, int64_t n, uint8_t* out);

void DequantizeQ8_0(const uint8_t* in, int64_t n, float* y);
void DequantizeQ4_0(const uint8_t* in, int64_t n, float* y);
void DequantizeQ4_1(const uint8_t* in, int64_t n, float* y);
void DequantizeQ5_0(const uint8_t* in, int64_t n, float* y);

}  // namespace aiinfra::quant
