// AVX2 (+F16C) paths of simd_impl.h. Bit-exactness rests on using, per element or per lane, the
// same IEEE operations as the scalar reference in the same order: vector add, mul, div and sqrt
// round exactly like their scalar forms, and min/max and compares are written in the operand
// order that reproduces the reference's `if` semantics (ties and ±0 included).
// No a * b + c may become an FMA (one rounding instead of two). The target names no "fma", but
// g++ contracts by default in C++ (-std=c++23 turns contraction off only for C), so a build with
// -march flags could; hence fp-contract=off for every function of this file, intrinsics
// included. (simd_avx512.cc needs it for real: AVX-512F carries FMA instructions.)
#pragma GCC optimize("fp-contract=off")

#include "quant/simd_impl.h"

#if AIINFRA_QUANT_X86

#include <immintrin.h>

#include <cstring>

#include "quant/float_formats.h"
#include "quant/ggml_blocks.h"
#include "quant/kquants.h"

#define AIINFRA_AVX2 __attribute__((target("avx2,f16c")))

namespace aiinfra::quant::internal {
namespace {

AIINFRA_AVX2 inline __m256i Set(int v) { return _mm256_set1_epi32(v); }

// EncodeFp8Fast on 8 lanes (see simd_impl.h): both candidates, then select.
template <bool kE5M2>
AIINFRA_AVX2 inline __m256i Fp8Codes(__m256 v) {
  constexpr Fp8Format f = kE5M2 ? kE5M2Format : kE4M3Format;
  const __m256i bits = _mm256_castps_si256(v);
  const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(bits, 24), Set(0x80));
  const __m256i abs_bits = _mm256_and_si256(bits, Set(0x7FFFFFFF));
  // minps returns its second operand unless the first is smaller: Inf becomes max (NaN too,
  // replaced below).
  const __m256 a = _mm256_min_ps(_mm256_castsi256_ps(abs_bits), _mm256_set1_ps(f.max));
  const __m256i ab = _mm256_castps_si256(a);
  const __m256i round = _mm256_add_epi32(Set((1 << (f.shift - 1)) - 1),
                                         _mm256_and_si256(_mm256_srli_epi32(ab, f.shift), Set(1)));
  const __m256i normal = _mm256_sub_epi32(_mm256_srli_epi32(_mm256_add_epi32(ab, round), f.shift),
                                          Set(static_cast<int>(f.rebias)));
  const __m256 shifted =
      _mm256_add_ps(_mm256_mul_ps(a, _mm256_set1_ps(f.inv_quantum)), _mm256_set1_ps(8388608.0f));
  const __m256i sub = _mm256_sub_epi32(_mm256_castps_si256(shifted), Set(0x4B000000));
  const __m256i is_sub = _mm256_cmpgt_epi32(Set(static_cast<int>(f.min_normal)), ab);
  __m256i code = _mm256_blendv_epi8(normal, sub, is_sub);
  const __m256i is_nan = _mm256_cmpgt_epi32(abs_bits, Set(0x7F800000));
  code = _mm256_blendv_epi8(code, Set(0x7F), is_nan);
  return _mm256_or_si256(code, sign);
}

// Four vectors of 8 values in 0..255 (int32) to 32 bytes in order.
AIINFRA_AVX2 inline __m256i PackBytes(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packus_epi32(a, b);
  const __m256i cd = _mm256_packus_epi32(c, d);
  const __m256i bytes = _mm256_packus_epi16(ab, cd);  // dwords: a0 b0 c0 d0 a1 b1 c1 d1
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// The same for signed values in -128..127.
AIINFRA_AVX2 inline __m256i PackSignedBytes(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packs_epi32(a, b);
  const __m256i cd = _mm256_packs_epi32(c, d);
  const __m256i bytes = _mm256_packs_epi16(ab, cd);
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Two vectors of 8 values in 0..65535 (int32) to 16 uint16 in order.
AIINFRA_AVX2 inline __m256i PackU16(__m256i a, __m256i b) {
  return _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xD8);
}

template <bool kE5M2>
AIINFRA_AVX2 void EncodeFp8(const float* x, int64_t n, float scale, uint8_t* out) {
  const __m256 s = _mm256_set1_ps(scale);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m256i c[4];
    for (int k = 0; k < 4; ++k) {
      c[k] = Fp8Codes<kE5M2>(_mm256_div_ps(_mm256_loadu_ps(x + i + 8 * k), s));
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), PackBytes(c[0], c[1], c[2], c[3]));
  }
  const Fp8Format& f = kE5M2 ? kE5M2Format : kE4M3Format;
  for (; i < n; ++i) out[i] = EncodeFp8Fast(x[i] / scale, f);
}

// F32ToBF16 on 8 lanes: round the low 16 bits to nearest even; NaN keeps its top bits, quieted.
AIINFRA_AVX2 inline __m256i BF16Codes(__m256 v) {
  const __m256i f = _mm256_castps_si256(v);
  const __m256i lsb = _mm256_and_si256(_mm256_srli_epi32(f, 16), Set(1));
  const __m256i rounded =
      _mm256_srli_epi32(_mm256_add_epi32(f, _mm256_add_epi32(Set(0x7FFF), lsb)), 16);
  const __m256i quiet = _mm256_or_si256(_mm256_srli_epi32(f, 16), Set(0x40));
  const __m256i is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(f, Set(0x7FFFFFFF)), Set(0x7F800000));
  return _mm256_blendv_epi8(rounded, quiet, is_nan);
}

// F32ToF16's NaN codes on 8 lanes (zero-extended), with the mask of NaN lanes.
AIINFRA_AVX2 inline __m256i F16NanCodes(__m256 v, __m256i* is_nan) {
  const __m256i f = _mm256_castps_si256(v);
  *is_nan = _mm256_cmpgt_epi32(_mm256_and_si256(f, Set(0x7FFFFFFF)), Set(0x7F800000));
  const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(f, 16), Set(0x8000));
  const __m256i payload = _mm256_and_si256(_mm256_srli_epi32(f, 13), Set(0x3FF));
  return _mm256_or_si256(_mm256_or_si256(sign, Set(0x7E00)), payload);
}

}  // namespace

AIINFRA_AVX2 void EncodeFp8RowAvx2(const float* x, int64_t n, float scale, bool e5m2,
                                   uint8_t* out) {
  if (e5m2) return EncodeFp8<true>(x, n, scale, out);
  EncodeFp8<false>(x, n, scale, out);
}

AIINFRA_AVX2 void F32ToBF16RowAvx2(const float* x, int64_t n, uint16_t* out) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i a = BF16Codes(_mm256_loadu_ps(x + i));
    const __m256i b = BF16Codes(_mm256_loadu_ps(x + i + 8));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), PackU16(a, b));
  }
  for (; i < n; ++i) out[i] = F32ToBF16(x[i]);
}

// F16C's vcvtps2ph rounds to nearest even, overflows to Inf and produces F32ToF16's subnormals;
// only NaN payloads are its own (it quiets a signalling NaN differently from the reference's
// formula on some inputs), so NaN lanes, rare, take the reference's codes.
AIINFRA_AVX2 void F32ToF16RowAvx2(const float* x, int64_t n, uint16_t* out) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256 va = _mm256_loadu_ps(x + i);
    const __m256 vb = _mm256_loadu_ps(x + i + 8);
    __m256i h = _mm256_set_m128i(_mm256_cvtps_ph(vb, _MM_FROUND_TO_NEAREST_INT),
                                 _mm256_cvtps_ph(va, _MM_FROUND_TO_NEAREST_INT));
    const __m256 unordered =
        _mm256_or_ps(_mm256_cmp_ps(va, va, _CMP_UNORD_Q), _mm256_cmp_ps(vb, vb, _CMP_UNORD_Q));
    if (_mm256_movemask_ps(unordered) != 0) {
      __m256i nan_a, nan_b;
      const __m256i codes = PackU16(F16NanCodes(va, &nan_a), F16NanCodes(vb, &nan_b));
      const __m256i mask = _mm256_permute4x64_epi64(_mm256_packs_epi32(nan_a, nan_b), 0xD8);
      h = _mm256_blendv_epi8(h, codes, mask);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), h);
  }
  for (; i < n; ++i) out[i] = F32ToF16(x[i]);
}

AIINFRA_AVX2 void BF16ToF32RowAvx2(const uint16_t* in, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256i h =
        _mm256_cvtepu16_epi32(_mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(y + i), _mm256_slli_epi32(h, 16));
  }
  for (; i < n; ++i) y[i] = BF16ToF32(in[i]);
}

// vcvtph2ps is exact, but quiets signalling NaNs, which F16ToF32 keeps: Inf/NaN lanes, rare,
// take the reference's bit formula.
AIINFRA_AVX2 void F16ToF32RowAvx2(const uint16_t* in, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m128i h16 = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in + i));
    __m256 v = _mm256_cvtph_ps(h16);
    const __m256i h = _mm256_cvtepu16_epi32(h16);
    const __m256i special = _mm256_cmpeq_epi32(_mm256_and_si256(h, Set(0x7C00)), Set(0x7C00));
    if (_mm256_movemask_epi8(special) != 0) {
      const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(h, Set(0x8000)), 16);
      const __m256i mant = _mm256_slli_epi32(_mm256_and_si256(h, Set(0x3FF)), 13);
      const __m256i bits = _mm256_or_si256(_mm256_or_si256(sign, Set(0x7F800000)), mant);
      v = _mm256_blendv_ps(v, _mm256_castsi256_ps(bits), _mm256_castsi256_ps(special));
    }
    _mm256_storeu_ps(y + i, v);
  }
  for (; i < n; ++i) y[i] = F16ToF32(in[i]);
}

// Q8_0: the block maximum of |x| is order-independent (max is exact, and |x| has one bit
// pattern per magnitude), d and 1/d are the reference's scalar expressions, x * id is the same
// IEEE product, and roundf (half away from zero) is trunc(t + copysign(0.49999997f, t)) for
// |t| < 2^23 (simd_impl.h has the argument).
AIINFRA_AVX2 void QuantizeQ8_0Avx2(const float* x, int64_t n, uint8_t* out) {
  const __m256 abs_mask = _mm256_castsi256_ps(Set(0x7FFFFFFF));
  const __m256 sign_mask = _mm256_castsi256_ps(Set(static_cast<int>(0x80000000u)));
  const __m256 below_half = _mm256_set1_ps(kBelowHalf);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ8_0Bytes) {
    __m256 v[4];
    for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(x + 8 * k);
    __m256 m =
        _mm256_max_ps(_mm256_max_ps(_mm256_and_ps(v[0], abs_mask), _mm256_and_ps(v[1], abs_mask)),
                      _mm256_max_ps(_mm256_and_ps(v[2], abs_mask), _mm256_and_ps(v[3], abs_mask)));
    __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
    m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
    m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
    const float amax = _mm_cvtss_f32(m4);
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t h = F32ToF16(d);
    std::memcpy(out, &h, 2);  // little-endian, as PutF16 writes it
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) {
      const __m256 t = _mm256_mul_ps(v[k], vid);
      const __m256 half = _mm256_or_ps(_mm256_and_ps(t, sign_mask), below_half);
      q[k] = _mm256_cvttps_epi32(_mm256_add_ps(t, half));
      // A lane that is not finite (1 / d overflowed) converts to 0x80000000; the reference
      // keeps its low byte, 0, where the saturating packs below would give -128.
      q[k] = _mm256_andnot_si256(_mm256_cmpeq_epi32(q[k], Set(static_cast<int>(0x80000000u))), q[k]);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + 2),
                        PackSignedBytes(q[0], q[1], q[2], q[3]));
  }
}

// ---------------------------------------------------------------------------------------------
// Q4_K. Lane s of every vector is sub-block s of one super-block: the lanes run the reference's
// per-sub-block code side by side, each stepping through its 32 elements in the reference's
// order, so every sum is accumulated in the same order and every step is the same IEEE
// operation. Branches become masks: a lane whose `if` is false keeps its values. The mapping:
// - `if (x < min) min = x` is minps(x, min), which returns its second operand unless the first
//   is smaller (so -0 does not replace +0, as in the reference); likewise maxps(x, max).
// - sum_w and sum_x start from element 0 (w0 and w0 * x0), the other sums from +0, as there.
// - `max == min` (the reference returns early) is the mask `flat`: those lanes run the search
//   on meaningless values but never take its results, and end with scale +0, codes 0 and -min.
// - `!(det > 0)` skips a candidate: the ordered compare is false for NaN, as `>` is.
// - Expressions that the reference evaluates only in a branch (sum_xl / sum_l2) are computed
//   in every lane and selected; IEEE operations have no other effect.
// - -min flips the sign bit (0 - min would turn -0 into +0).
// - The step after the search (6-bit scales, fp16 super-scales) is the reference's own scalar
//   Q4KPackScales; the final re-coding is element-wise, one lane per sub-block again.
namespace {

struct alignas(32) Q4KLanes {
  float x[32][8];  // x[i][s] = element i of sub-block s
  float w[32][8];
  float aux[32][8];
  float l[32][8];  // the kept codes, as floats
};

// clamp(NearestInt(iscale * (x - min)), 0, 15) as a float, NearestInt being ggml's nearest_int.
AIINFRA_AVX2 inline __m256 Code(__m256 iscale, __m256 x, __m256 min) {
  const __m256 t =
      _mm256_add_ps(_mm256_mul_ps(iscale, _mm256_sub_ps(x, min)), _mm256_set1_ps(12582912.0f));
  __m256i l =
      _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(t), Set(0x007FFFFF)), Set(0x00400000));
  l = _mm256_max_epi32(_mm256_min_epi32(l, Set(15)), _mm256_setzero_si256());
  return _mm256_cvtepi32_ps(l);
}

AIINFRA_AVX2 inline __m256 Select(__m256 mask, __m256 if_false, __m256 if_true) {
  return _mm256_blendv_ps(if_false, if_true, mask);
}

AIINFRA_AVX2 void Q4KSuperBlock(const float* x, uint8_t* out, Q4KLanes& t) {
  for (int s = 0; s < 8; ++s) {
    for (int i = 0; i < 32; ++i) t.x[i][s] = x[32 * s + i];
  }
  const __m256 zero = _mm256_setzero_ps();
  const __m256 abs_mask = _mm256_castsi256_ps(Set(0x7FFFFFFF));

  // Weights: av_x + |x| with av_x = sqrt(sum x^2 / 32).
  __m256 sum_x2 = zero;
  for (int i = 0; i < 32; ++i) {
    const __m256 xi = _mm256_load_ps(t.x[i]);
    sum_x2 = _mm256_add_ps(sum_x2, _mm256_mul_ps(xi, xi));
  }
  const __m256 av_x = _mm256_sqrt_ps(_mm256_div_ps(sum_x2, _mm256_set1_ps(32.0f)));
  for (int i = 0; i < 32; ++i) {
    _mm256_store_ps(t.w[i], _mm256_add_ps(av_x, _mm256_and_ps(_mm256_load_ps(t.x[i]), abs_mask)));
  }

  // SearchScaleMin(32, 15, x, w, ..., rmin -1, rdelta 0.1, nstep 20).
  __m256 min = _mm256_load_ps(t.x[0]);
  __m256 max = min;
  __m256 sum_w = _mm256_load_ps(t.w[0]);
  __m256 sum_x = _mm256_mul_ps(sum_w, min);
  for (int i = 1; i < 32; ++i) {
    const __m256 xi = _mm256_load_ps(t.x[i]);
    const __m256 wi = _mm256_load_ps(t.w[i]);
    min = _mm256_min_ps(xi, min);  // x < min ? x : min
    max = _mm256_max_ps(xi, max);  // x > max ? x : max
    sum_w = _mm256_add_ps(sum_w, wi);
    sum_x = _mm256_add_ps(sum_x, _mm256_mul_ps(wi, xi));
  }
  min = Select(_mm256_cmp_ps(min, zero, _CMP_GT_OQ), min, zero);
  const __m256 flat = _mm256_cmp_ps(max, min, _CMP_EQ_OQ);  // the reference returns early
  __m256 iscale = _mm256_div_ps(_mm256_set1_ps(15.0f), _mm256_sub_ps(max, min));
  __m256 scale = _mm256_div_ps(_mm256_set1_ps(1.0f), iscale);
  __m256 best_error = zero;
  for (int i = 0; i < 32; ++i) {
    const __m256 xi = _mm256_load_ps(t.x[i]);
    const __m256 l = Code(iscale, xi, min);
    _mm256_store_ps(t.l[i], l);
    const __m256 diff = _mm256_sub_ps(_mm256_add_ps(_mm256_mul_ps(scale, l), min), xi);
    best_error =
        _mm256_add_ps(best_error, _mm256_mul_ps(_mm256_load_ps(t.w[i]), _mm256_mul_ps(diff, diff)));
  }
  for (int is = 0; is <= 20; ++is) {
    const float numerator = -1.0f + 0.1f * static_cast<float>(is) + 15.0f;
    iscale = _mm256_div_ps(_mm256_set1_ps(numerator), _mm256_sub_ps(max, min));
    __m256 sum_l = zero, sum_l2 = zero, sum_xl = zero;
    for (int i = 0; i < 32; ++i) {
      const __m256 xi = _mm256_load_ps(t.x[i]);
      const __m256 l = Code(iscale, xi, min);
      _mm256_store_ps(t.aux[i], l);
      const __m256 wl = _mm256_mul_ps(_mm256_load_ps(t.w[i]), l);
      sum_l = _mm256_add_ps(sum_l, wl);
      sum_l2 = _mm256_add_ps(sum_l2, _mm256_mul_ps(wl, l));
      sum_xl = _mm256_add_ps(sum_xl, _mm256_mul_ps(wl, xi));
    }
    const __m256 det = _mm256_sub_ps(_mm256_mul_ps(sum_w, sum_l2), _mm256_mul_ps(sum_l, sum_l));
    const __m256 fits = _mm256_andnot_ps(flat, _mm256_cmp_ps(det, zero, _CMP_GT_OQ));
    if (_mm256_movemask_ps(fits) == 0) continue;
    __m256 this_scale = _mm256_div_ps(
        _mm256_sub_ps(_mm256_mul_ps(sum_w, sum_xl), _mm256_mul_ps(sum_x, sum_l)), det);
    __m256 this_min = _mm256_div_ps(
        _mm256_sub_ps(_mm256_mul_ps(sum_l2, sum_x), _mm256_mul_ps(sum_l, sum_xl)), det);
    const __m256 positive = _mm256_cmp_ps(this_min, zero, _CMP_GT_OQ);
    this_min = Select(positive, this_min, zero);
    this_scale = Select(positive, this_scale, _mm256_div_ps(sum_xl, sum_l2));
    __m256 error = zero;
    for (int i = 0; i < 32; ++i) {
      const __m256 diff = _mm256_sub_ps(
          _mm256_add_ps(_mm256_mul_ps(this_scale, _mm256_load_ps(t.aux[i])), this_min),
          _mm256_load_ps(t.x[i]));
      error =
          _mm256_add_ps(error, _mm256_mul_ps(_mm256_load_ps(t.w[i]), _mm256_mul_ps(diff, diff)));
    }
    const __m256 better = _mm256_and_ps(fits, _mm256_cmp_ps(error, best_error, _CMP_LT_OQ));
    if (_mm256_movemask_ps(better) == 0) continue;
    for (int i = 0; i < 32; ++i) {
      _mm256_store_ps(t.l[i], Select(better, _mm256_load_ps(t.l[i]), _mm256_load_ps(t.aux[i])));
    }
    best_error = Select(better, best_error, error);
    scale = Select(better, scale, this_scale);
    min = Select(better, min, this_min);
  }
  alignas(32) float scales[8];
  alignas(32) float mins[8];
  _mm256_store_ps(scales, Select(flat, scale, zero));
  // -min flips the sign bit (of a zero too), as the reference's negation does.
  _mm256_store_ps(mins,
                  _mm256_xor_ps(min, _mm256_castsi256_ps(Set(static_cast<int>(0x80000000u)))));

  alignas(32) float d[8];
  alignas(32) float dm[8];
  Q4KPackScales(scales, mins, out, d, dm);

  // Re-code against the stored scales; a flat sub-block keeps codes 0, one with d == 0 its
  // search codes.
  const __m256 dv = _mm256_load_ps(d);
  const __m256 dmv = _mm256_load_ps(dm);
  const __m256 keep = _mm256_cmp_ps(dv, zero, _CMP_EQ_OQ);
  alignas(32) int32_t codes[32][8];
  for (int i = 0; i < 32; ++i) {
    const __m256 q = _mm256_add_ps(_mm256_div_ps(_mm256_add_ps(_mm256_load_ps(t.x[i]), dmv), dv),
                                   _mm256_set1_ps(12582912.0f));
    __m256i l = _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(q), Set(0x007FFFFF)),
                                 Set(0x00400000));
    l = _mm256_max_epi32(_mm256_min_epi32(l, Set(15)), _mm256_setzero_si256());
    const __m256 searched = Select(flat, _mm256_load_ps(t.l[i]), zero);
    const __m256 kept = _mm256_castsi256_ps(_mm256_cvtps_epi32(searched));
    _mm256_store_si256(reinterpret_cast<__m256i*>(codes[i]),
                       _mm256_castps_si256(Select(keep, _mm256_castsi256_ps(l), kept)));
  }
  uint8_t* qs = out + 16;
  for (int c = 0; c < 4; ++c) {
    for (int i = 0; i < 32; ++i) {
      qs[32 * c + i] = static_cast<uint8_t>(codes[i][2 * c] | (codes[i][2 * c + 1] << 4));
    }
  }
}

}  // namespace

AIINFRA_AVX2 void QuantizeQ4KAvx2(const float* x, int64_t n, uint8_t* out) {
  Q4KLanes lanes;
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    Q4KSuperBlock(x + b * kQK_K, out + b * kQ4KBlockBytes, lanes);
  }
}

}  // namespace aiinfra::quant::internal

#endif  // AIINFRA_QUANT_X86
