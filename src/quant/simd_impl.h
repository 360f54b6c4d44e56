// Private to src/quant: the ISA-specific entry points behind the dispatched functions of simd.h,
// ggml_blocks.h (QuantizeQ8_0, Q4_0, Q4_1, Q5_0), kquants.h (QuantizeQ4K), int_quant.h
// (QuantizeIntRow) and microscale.h (MXFP4, NVFP4), and the scalar pieces they share
// with the references. Each entry point has the contract of the function it implements and
// may only be called when CpuIsa() includes its ISA (the dispatchers check ActiveIsa()).
#pragma once

#include <bit>
#include <cstdint>

#if defined(__x86_64__) || defined(_M_X64)
#define AIINFRA_QUANT_X86 1
#else
#define AIINFRA_QUANT_X86 0
#endif

namespace aiinfra::quant {
struct IntSpec;
}

namespace aiinfra::quant::internal {

// The FP8 element encoder as bit manipulation, equal to F32ToE4M3 / F32ToE5M2 for every float
// (simd_test.cc: SlowFp8AllFloats sweeps all 2^32 on every ISA): NaN gives the NaN code; clamp
// |v| to the largest finite value (the reference's saturation, Inf included), then either round
// the 20 (E4M3) or 21 (E5M2) dropped mantissa bits to nearest even in the integer image, which
// carries into the exponent as it should, or, below the smallest normal, round |v| / quantum to
// an integer by adding 2^23 (exact: the scaling is by a power of two, so even a fused
// multiply-add rounds the same, and the sum lands in the binade where floats are spaced 1 apart,
// so the addition itself rounds to nearest even). The SIMD encoders compute both candidates per
// lane and select.
struct Fp8Format {
  float max;            // largest finite magnitude
  uint32_t min_normal;  // bit pattern of the smallest normal magnitude
  float inv_quantum;    // 1 / subnormal quantum
  int shift;            // 23 - mantissa bits
  uint32_t rebias;      // (127 - bias) << mantissa bits
};
inline constexpr Fp8Format kE4M3Format{448.0f, 0x3C800000u, 512.0f, 20, 120u << 3};
inline constexpr Fp8Format kE5M2Format{57344.0f, 0x38800000u, 65536.0f, 21, 112u << 2};

inline uint8_t EncodeFp8Fast(float v, const Fp8Format& f) {
  const uint32_t bits = std::bit_cast<uint32_t>(v);
  const uint32_t sign = (bits >> 24) & 0x80u;
  const uint32_t abs_bits = bits & 0x7FFFFFFFu;
  if (abs_bits > 0x7F800000u) return static_cast<uint8_t>(sign | 0x7Fu);
  const float a = std::bit_cast<float>(abs_bits) < f.max ? std::bit_cast<float>(abs_bits) : f.max;
  const uint32_t ab = std::bit_cast<uint32_t>(a);
  uint32_t code;
  if (ab < f.min_normal) {
    code = std::bit_cast<uint32_t>(a * f.inv_quantum + 8388608.0f) - 0x4B000000u;
  } else {
    const uint32_t round = (1u << (f.shift - 1)) - 1 + ((ab >> f.shift) & 1u);
    code = ((ab + round) >> f.shift) - f.rebias;
  }
  return static_cast<uint8_t>(sign | code);
}

// ggml's roundf (half away from zero) in vector form: trunc(t + copysign(kBelowHalf, t)) with
// kBelowHalf = 0.5 - 2^-25, the float below 0.5; equal to roundf(t) for |t| < 2^23. Argument
// for t >= 0 (the other sign mirrors it; t = -0 gives -0 + -kBelowHalf, truncated to 0 as
// roundf(-0) converts to 0), with n = floor(t) and u = ulp(t):
// - frac(t) >= 0.5: the exact sum is >= n + 1 - 2^-25, whose nearest float is >= n + 1 (the
//   float below n + 1 is at least 2^-24 away, and at exactly 2^-24, for n + 1 = 1, the tie goes
//   to the even 1.0); and the sum is below n + 1.5, so trunc gives n + 1.
// - frac(t) < 0.5: then frac(t) <= 0.5 - u. For t >= 1 the exact sum is <= n + 1 - u - 2^-25,
//   below the float n + 1 - u (floats below n + 1 are spaced u apart there), so it rounds to at
//   most n + 1 - u and trunc gives n. For t < 0.5 the sum is at most 0.5 - 2^-25 + 0.5 - 2^-25 =
//   1 - 2^-24, a float below 1, so trunc gives 0.
// - t >= 2^23 (not reached by Q8_0, where |t| <= 127 * (1 + 2^-22)): t is an integer and
//   t + kBelowHalf rounds back to t.
// simd_test.cc also checks every float of |t| < 128 in the Q8_0 path (SimdTest.SlowQ8_0Round).
inline constexpr float kBelowHalf = 0.49999997f;
static_assert(std::bit_cast<uint32_t>(kBelowHalf) == 0x3EFFFFFFu);

void EncodeFp8RowScalar(const float* x, int64_t n, float scale, bool e5m2, uint8_t* out);

// Q4_K's step after the sub-block search, shared by QuantizeQ4KRef and the SIMD quantizers:
// quantizes the 8 sub-block scales and negated mins (scales[8], mins[8]) to 6 bits, writes
// d, dmin and scales[12] (the first 16 bytes of the block at `block`), and returns the factors
// decode will use: d[j] = fp16(d) * sc_j and dm[j] = fp16(dmin) * m_j.
void Q4KPackScales(const float* scales, const float* mins, uint8_t* block, float* d, float* dm);

// QuantizeIntRowRef's step from a group's range to its scale (returned, already rounded to its
// storage type and 1 for an all-zero group), zero point *z (0 when symmetric) and code range
// [*lo, *hi]: from min and max (asymmetric) or amax (symmetric), as the reference folds them.
float IntGroupScale(const IntSpec& spec, float min, float max, float amax, int* z, int* lo,
                    int* hi);

// Q6_K's step after the 16 sub-block searches (scales[16], codes L[256] as l + 32), shared by
// QuantizeQ6KRef and the SIMD quantizers: the super-scale, the 8-bit scales, the re-coding and
// the packing of the block at `out` (kQ6KBlockBytes).
void Q6KFinish(const float* x, const float* scales, int8_t* L, uint8_t* out);

// MxScaleCode's step from a block's amax (of its finite values) and whether all are finite.
uint8_t MxScaleCodeFromAmax(float amax, bool finite);

#if AIINFRA_QUANT_X86
// AVX2 + F16C (simd_avx2.cc; the block quantizers in simd_avx2_blocks.cc).
void EncodeFp8RowAvx2(const float* x, int64_t n, float scale, bool e5m2, uint8_t* out);
void F32ToBF16RowAvx2(const float* x, int64_t n, uint16_t* out);
void F32ToF16RowAvx2(const float* x, int64_t n, uint16_t* out);
void BF16ToF32RowAvx2(const uint16_t* in, int64_t n, float* y);
void F16ToF32RowAvx2(const uint16_t* in, int64_t n, float* y);
void QuantizeQ8_0Avx2(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4KAvx2(const float* x, int64_t n, uint8_t* out);
void QuantizeQ6KAvx2(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4_0Avx2(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4_1Avx2(const float* x, int64_t n, uint8_t* out);
void QuantizeQ5_0Avx2(const float* x, int64_t n, uint8_t* out);
void QuantizeIntRowAvx2(const float* x, int64_t cols, const IntSpec& spec, uint8_t* codes,
                        float* scales, uint8_t* zeros);
void QuantizeMxfp4Avx2(const float* x, int64_t n, uint8_t* codes, uint8_t* scales);
void QuantizeMxfp4GgmlAvx2(const float* x, int64_t n, uint8_t* out);
void QuantizeNvfp4Avx2(const float* x, int64_t n, float tensor_scale, uint8_t* codes,
                       uint8_t* scales);
void QuantizeNvfp4GgmlAvx2(const float* x, int64_t n, uint8_t* out);

// AVX-512 F, BW, DQ, VL (simd_avx512.cc; the block quantizers in simd_avx512_blocks.cc).
void EncodeFp8RowAvx512(const float* x, int64_t n, float scale, bool e5m2, uint8_t* out);
void F32ToBF16RowAvx512(const float* x, int64_t n, uint16_t* out);
void F32ToF16RowAvx512(const float* x, int64_t n, uint16_t* out);
void BF16ToF32RowAvx512(const uint16_t* in, int64_t n, float* y);
void F16ToF32RowAvx512(const uint16_t* in, int64_t n, float* y);
void QuantizeQ8_0Avx512(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4KAvx512(const float* x, int64_t n, uint8_t* out);
void QuantizeQ6KAvx512(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4_0Avx512(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4_1Avx512(const float* x, int64_t n, uint8_t* out);
void QuantizeQ5_0Avx512(const float* x, int64_t n, uint8_t* out);
void QuantizeIntRowAvx512(const float* x, int64_t cols, const IntSpec& spec, uint8_t* codes,
                          float* scales, uint8_t* zeros);
void QuantizeMxfp4Avx512(const float* x, int64_t n, uint8_t* codes, uint8_t* scales);
void QuantizeMxfp4GgmlAvx512(const float* x, int64_t n, uint8_t* out);
void QuantizeNvfp4Avx512(const float* x, int64_t n, float tensor_scale, uint8_t* codes,
                         uint8_t* scales);
void QuantizeNvfp4GgmlAvx512(const float* x, int64_t n, uint8_t* out);
#endif

}  // namespace aiinfra::quant::internal
