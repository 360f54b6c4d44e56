// AVX-512 (F, BW, DQ, VL) paths of simd_impl.h: the AVX2 algorithms of simd_avx2.cc on 16 lanes,
// with mask registers for selects and for row tails. The bit-exactness argument is the same (see
// simd_avx2.cc and simd_impl.h).
// No a * b + c may become an FMA (one rounding instead of two). AVX-512F carries FMA
// instructions, and g++ contracts by default in C++ (-std=c++23 turns contraction off only for
// C): without the pragma below g++ 12 fused 17 multiply-adds of Q4_K's search here and changed
// its bytes. fp-contract=off applies to every function of this file, intrinsics included.
#pragma GCC optimize("fp-contract=off")

#include "quant/simd_impl.h"

#if AIINFRA_QUANT_X86

// g++ 12's AVX-512 headers initialise "undefined" vectors from themselves (GCC bug 105593),
// which -Wuninitialized reports wherever the intrinsics are inlined.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <cstring>

#include "quant/float_formats.h"
#include "quant/ggml_blocks.h"
#include "quant/kquants.h"

#define AIINFRA_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,f16c")))

namespace aiinfra::quant::internal {
namespace {

AIINFRA_AVX512 inline __m512i Set(int v) { return _mm512_set1_epi32(v); }

AIINFRA_AVX512 inline __mmask16 TailMask(int64_t left) {
  return static_cast<__mmask16>(left >= 16 ? 0xFFFF : (1u << left) - 1);
}

template <bool kE5M2>
AIINFRA_AVX512 inline __m512i Fp8Codes(__m512 v) {
  constexpr Fp8Format f = kE5M2 ? kE5M2Format : kE4M3Format;
  const __m512i bits = _mm512_castps_si512(v);
  const __m512i sign = _mm512_and_si512(_mm512_srli_epi32(bits, 24), Set(0x80));
  const __m512i abs_bits = _mm512_and_si512(bits, Set(0x7FFFFFFF));
  const __m512 a = _mm512_min_ps(_mm512_castsi512_ps(abs_bits), _mm512_set1_ps(f.max));
  const __m512i ab = _mm512_castps_si512(a);
  const __m512i round = _mm512_add_epi32(Set((1 << (f.shift - 1)) - 1),
                                         _mm512_and_si512(_mm512_srli_epi32(ab, f.shift), Set(1)));
  const __m512i normal = _mm512_sub_epi32(_mm512_srli_epi32(_mm512_add_epi32(ab, round), f.shift),
                                          Set(static_cast<int>(f.rebias)));
  const __m512 shifted =
      _mm512_add_ps(_mm512_mul_ps(a, _mm512_set1_ps(f.inv_quantum)), _mm512_set1_ps(8388608.0f));
  const __m512i sub = _mm512_sub_epi32(_mm512_castps_si512(shifted), Set(0x4B000000));
  const __mmask16 is_sub = _mm512_cmplt_epu32_mask(ab, Set(static_cast<int>(f.min_normal)));
  __m512i code = _mm512_mask_blend_epi32(is_sub, normal, sub);
  const __mmask16 is_nan = _mm512_cmpgt_epu32_mask(abs_bits, Set(0x7F800000));
  code = _mm512_mask_blend_epi32(is_nan, code, Set(0x7F));
  return _mm512_or_si512(code, sign);
}

template <bool kE5M2>
AIINFRA_AVX512 void EncodeFp8(const float* x, int64_t n, float scale, uint8_t* out) {
  const __m512 s = _mm512_set1_ps(scale);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512i a = Fp8Codes<kE5M2>(_mm512_div_ps(_mm512_loadu_ps(x + i), s));
    const __m512i b = Fp8Codes<kE5M2>(_mm512_div_ps(_mm512_loadu_ps(x + i + 16), s));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i), _mm512_cvtepi32_epi8(a));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + i + 16), _mm512_cvtepi32_epi8(b));
  }
  for (; i < n; i += 16) {  // at most two, the last one masked
    const __mmask16 m = TailMask(n - i);
    const __m512i c = Fp8Codes<kE5M2>(_mm512_div_ps(_mm512_maskz_loadu_ps(m, x + i), s));
    _mm512_mask_cvtepi32_storeu_epi8(out + i, m, c);
  }
}

AIINFRA_AVX512 inline __m512i BF16Codes(__m512 v) {
  const __m512i f = _mm512_castps_si512(v);
  const __m512i lsb = _mm512_and_si512(_mm512_srli_epi32(f, 16), Set(1));
  const __m512i rounded =
      _mm512_srli_epi32(_mm512_add_epi32(f, _mm512_add_epi32(Set(0x7FFF), lsb)), 16);
  const __m512i quiet = _mm512_or_si512(_mm512_srli_epi32(f, 16), Set(0x40));
  const __mmask16 is_nan =
      _mm512_cmpgt_epu32_mask(_mm512_and_si512(f, Set(0x7FFFFFFF)), Set(0x7F800000));
  return _mm512_mask_blend_epi32(is_nan, rounded, quiet);
}

// vcvtps2ph rounds as F32ToF16 does; NaN lanes take the reference's codes (see simd_avx2.cc).
AIINFRA_AVX512 inline __m256i F16Codes(__m512 v) {
  __m256i h = _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT);
  const __m512i f = _mm512_castps_si512(v);
  const __mmask16 is_nan =
      _mm512_cmpgt_epu32_mask(_mm512_and_si512(f, Set(0x7FFFFFFF)), Set(0x7F800000));
  if (is_nan != 0) {
    const __m512i sign = _mm512_and_si512(_mm512_srli_epi32(f, 16), Set(0x8000));
    const __m512i payload = _mm512_and_si512(_mm512_srli_epi32(f, 13), Set(0x3FF));
    const __m512i codes = _mm512_or_si512(_mm512_or_si512(sign, Set(0x7E00)), payload);
    h = _mm256_mask_blend_epi16(is_nan, h, _mm512_cvtepi32_epi16(codes));
  }
  return h;
}

// vcvtph2ps is exact but quiets signalling NaNs: Inf/NaN lanes take F16ToF32's bit formula.
AIINFRA_AVX512 inline __m512 F16Values(__m256i h16) {
  __m512 v = _mm512_cvtph_ps(h16);
  const __m512i h = _mm512_cvtepu16_epi32(h16);
  const __mmask16 special = _mm512_cmpeq_epi32_mask(_mm512_and_si512(h, Set(0x7C00)), Set(0x7C00));
  if (special != 0) {
    const __m512i sign = _mm512_slli_epi32(_mm512_and_si512(h, Set(0x8000)), 16);
    const __m512i mant = _mm512_slli_epi32(_mm512_and_si512(h, Set(0x3FF)), 13);
    const __m512i bits = _mm512_or_si512(_mm512_or_si512(sign, Set(0x7F800000)), mant);
    v = _mm512_mask_blend_ps(special, v, _mm512_castsi512_ps(bits));
  }
  return v;
}

}  // namespace

AIINFRA_AVX512 void EncodeFp8RowAvx512(const float* x, int64_t n, float scale, bool e5m2,
                                       uint8_t* out) {
  if (e5m2) return EncodeFp8<true>(x, n, scale, out);
  EncodeFp8<false>(x, n, scale, out);
}

// Full vectors go through plain loads and stores (masked stores, and vpmov* to memory, are slow
// on some cores, Zen 4 among them); only the tail is masked.
AIINFRA_AVX512 void F32ToBF16RowAvx512(const float* x, int64_t n, uint16_t* out) {
  // packus interleaves 64-bit groups of the two inputs per 128-bit lane; the permutation puts
  // them back in order (cheaper than vpmovdw).
  const __m512i order = _mm512_setr_epi64(0, 2, 4, 6, 1, 3, 5, 7);
  int64_t i = 0;
  for (; i + 32 <= n; i += 32) {
    const __m512i a = BF16Codes(_mm512_loadu_ps(x + i));
    const __m512i b = BF16Codes(_mm512_loadu_ps(x + i + 16));
    _mm512_storeu_si512(out + i, _mm512_permutexvar_epi64(order, _mm512_packus_epi32(a, b)));
  }
  for (; i + 16 <= n; i += 16) {
    const __m256i h = _mm512_cvtepi32_epi16(BF16Codes(_mm512_loadu_ps(x + i)));
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), h);
  }
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    _mm512_mask_cvtepi32_storeu_epi16(out + i, m, BF16Codes(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

AIINFRA_AVX512 void F32ToF16RowAvx512(const float* x, int64_t n, uint16_t* out) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(out + i), F16Codes(_mm512_loadu_ps(x + i)));
  }
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    _mm256_mask_storeu_epi16(out + i, m, F16Codes(_mm512_maskz_loadu_ps(m, x + i)));
  }
}

AIINFRA_AVX512 inline __m512 BF16Values(__m256i h) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(h), 16));
}

AIINFRA_AVX512 void BF16ToF32RowAvx512(const uint16_t* in, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    _mm512_storeu_ps(y + i, BF16Values(h));
  }
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    _mm512_mask_storeu_ps(y + i, m, BF16Values(_mm256_maskz_loadu_epi16(m, in + i)));
  }
}

AIINFRA_AVX512 void F16ToF32RowAvx512(const uint16_t* in, int64_t n, float* y) {
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(in + i));
    _mm512_storeu_ps(y + i, F16Values(h));
  }
  if (i < n) {
    const __mmask16 m = TailMask(n - i);
    _mm512_mask_storeu_ps(y + i, m, F16Values(_mm256_maskz_loadu_epi16(m, in + i)));
  }
}

// Q8_0 as in simd_avx2.cc: exact block max, the reference's scalar d and 1/d, the same product,
// roundf as trunc(t + copysign(0.49999997f, t)) (simd_impl.h has the argument).
AIINFRA_AVX512 void QuantizeQ8_0Avx512(const float* x, int64_t n, uint8_t* out) {
  const __m512i abs_mask = Set(0x7FFFFFFF);
  const __m512i sign_mask = Set(static_cast<int>(0x80000000u));
  const __m512i below_half = _mm512_castps_si512(_mm512_set1_ps(kBelowHalf));
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ8_0Bytes) {
    const __m512 v0 = _mm512_loadu_ps(x);
    const __m512 v1 = _mm512_loadu_ps(x + 16);
    const __m512 a =
        _mm512_max_ps(_mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v0), abs_mask)),
                      _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v1), abs_mask)));
    const float amax = _mm512_reduce_max_ps(a);
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t h = F32ToF16(d);
    std::memcpy(out, &h, 2);
    const __m512 vid = _mm512_set1_ps(id);
    const __m512 t0 = _mm512_mul_ps(v0, vid);
    const __m512 t1 = _mm512_mul_ps(v1, vid);
    const __m512i h0 =
        _mm512_ternarylogic_epi32(_mm512_castps_si512(t0), sign_mask, below_half, 0xEA);
    const __m512i h1 =
        _mm512_ternarylogic_epi32(_mm512_castps_si512(t1), sign_mask, below_half, 0xEA);
    const __m512i q0 = _mm512_cvttps_epi32(_mm512_add_ps(t0, _mm512_castsi512_ps(h0)));
    const __m512i q1 = _mm512_cvttps_epi32(_mm512_add_ps(t1, _mm512_castsi512_ps(h1)));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2), _mm512_cvtepi32_epi8(q0));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 18), _mm512_cvtepi32_epi8(q1));
  }
}

// ---------------------------------------------------------------------------------------------
// Q4_K on 16 lanes: lanes 0-7 are the sub-blocks of one super-block, lanes 8-15 those of the
// next; the per-lane code is simd_avx2.cc's.
namespace {

struct alignas(64) Q4KLanes {
  float x[32][16];  // x[i][s] = element i of sub-block s of the pair
  float w[32][16];
  float aux[32][16];
  float l[32][16];
};

AIINFRA_AVX512 inline __m512i NearestIntClamped(__m512 v) {
  const __m512 t = _mm512_add_ps(v, _mm512_set1_ps(12582912.0f));
  const __m512i l =
      _mm512_sub_epi32(_mm512_and_si512(_mm512_castps_si512(t), Set(0x007FFFFF)), Set(0x00400000));
  return _mm512_max_epi32(_mm512_min_epi32(l, Set(15)), _mm512_setzero_si512());
}

AIINFRA_AVX512 inline __m512 Code(__m512 iscale, __m512 x, __m512 min) {
  return _mm512_cvtepi32_ps(NearestIntClamped(_mm512_mul_ps(iscale, _mm512_sub_ps(x, min))));
}

// Two consecutive super-blocks (512 floats) to two blocks.
AIINFRA_AVX512 void Q4KPair(const float* x, uint8_t* out, Q4KLanes& t) {
  for (int s = 0; s < 16; ++s) {
    for (int i = 0; i < 32; ++i) t.x[i][s] = x[32 * s + i];
  }
  const __m512 zero = _mm512_setzero_ps();
  const __m512i abs_mask = Set(0x7FFFFFFF);

  __m512 sum_x2 = zero;
  for (int i = 0; i < 32; ++i) {
    const __m512 xi = _mm512_load_ps(t.x[i]);
    sum_x2 = _mm512_add_ps(sum_x2, _mm512_mul_ps(xi, xi));
  }
  const __m512 av_x = _mm512_sqrt_ps(_mm512_div_ps(sum_x2, _mm512_set1_ps(32.0f)));
  for (int i = 0; i < 32; ++i) {
    const __m512i xi = _mm512_load_si512(t.x[i]);
    _mm512_store_ps(t.w[i],
                    _mm512_add_ps(av_x, _mm512_castsi512_ps(_mm512_and_si512(xi, abs_mask))));
  }

  __m512 min = _mm512_load_ps(t.x[0]);
  __m512 max = min;
  __m512 sum_w = _mm512_load_ps(t.w[0]);
  __m512 sum_x = _mm512_mul_ps(sum_w, min);
  for (int i = 1; i < 32; ++i) {
    const __m512 xi = _mm512_load_ps(t.x[i]);
    const __m512 wi = _mm512_load_ps(t.w[i]);
    min = _mm512_min_ps(xi, min);
    max = _mm512_max_ps(xi, max);
    sum_w = _mm512_add_ps(sum_w, wi);
    sum_x = _mm512_add_ps(sum_x, _mm512_mul_ps(wi, xi));
  }
  min = _mm512_mask_blend_ps(_mm512_cmp_ps_mask(min, zero, _CMP_GT_OQ), min, zero);
  const __mmask16 flat = _mm512_cmp_ps_mask(max, min, _CMP_EQ_OQ);
  __m512 iscale = _mm512_div_ps(_mm512_set1_ps(15.0f), _mm512_sub_ps(max, min));
  __m512 scale = _mm512_div_ps(_mm512_set1_ps(1.0f), iscale);
  __m512 best_error = zero;
  for (int i = 0; i < 32; ++i) {
    const __m512 xi = _mm512_load_ps(t.x[i]);
    const __m512 l = Code(iscale, xi, min);
    _mm512_store_ps(t.l[i], l);
    const __m512 diff = _mm512_sub_ps(_mm512_add_ps(_mm512_mul_ps(scale, l), min), xi);
    best_error =
        _mm512_add_ps(best_error, _mm512_mul_ps(_mm512_load_ps(t.w[i]), _mm512_mul_ps(diff, diff)));
  }
  for (int is = 0; is <= 20; ++is) {
    const float numerator = -1.0f + 0.1f * static_cast<float>(is) + 15.0f;
    iscale = _mm512_div_ps(_mm512_set1_ps(numerator), _mm512_sub_ps(max, min));
    __m512 sum_l = zero, sum_l2 = zero, sum_xl = zero;
    for (int i = 0; i < 32; ++i) {
      const __m512 xi = _mm512_load_ps(t.x[i]);
      const __m512 l = Code(iscale, xi, min);
      _mm512_store_ps(t.aux[i], l);
      const __m512 wl = _mm512_mul_ps(_mm512_load_ps(t.w[i]), l);
      sum_l = _mm512_add_ps(sum_l, wl);
      sum_l2 = _mm512_add_ps(sum_l2, _mm512_mul_ps(wl, l));
      sum_xl = _mm512_add_ps(sum_xl, _mm512_mul_ps(wl, xi));
    }
    const __m512 det = _mm512_sub_ps(_mm512_mul_ps(sum_w, sum_l2), _mm512_mul_ps(sum_l, sum_l));
    const __mmask16 fits = _mm512_cmp_ps_mask(det, zero, _CMP_GT_OQ) & ~flat;
    if (fits == 0) continue;
    __m512 this_scale = _mm512_div_ps(
        _mm512_sub_ps(_mm512_mul_ps(sum_w, sum_xl), _mm512_mul_ps(sum_x, sum_l)), det);
    __m512 this_min = _mm512_div_ps(
        _mm512_sub_ps(_mm512_mul_ps(sum_l2, sum_x), _mm512_mul_ps(sum_l, sum_xl)), det);
    const __mmask16 positive = _mm512_cmp_ps_mask(this_min, zero, _CMP_GT_OQ);
    this_min = _mm512_mask_blend_ps(positive, this_min, zero);
    this_scale = _mm512_mask_blend_ps(positive, this_scale, _mm512_div_ps(sum_xl, sum_l2));
    __m512 error = zero;
    for (int i = 0; i < 32; ++i) {
      const __m512 diff = _mm512_sub_ps(
          _mm512_add_ps(_mm512_mul_ps(this_scale, _mm512_load_ps(t.aux[i])), this_min),
          _mm512_load_ps(t.x[i]));
      error =
          _mm512_add_ps(error, _mm512_mul_ps(_mm512_load_ps(t.w[i]), _mm512_mul_ps(diff, diff)));
    }
    const __mmask16 better = fits & _mm512_cmp_ps_mask(error, best_error, _CMP_LT_OQ);
    if (better == 0) continue;
    for (int i = 0; i < 32; ++i) {
      _mm512_store_ps(
          t.l[i], _mm512_mask_blend_ps(better, _mm512_load_ps(t.l[i]), _mm512_load_ps(t.aux[i])));
    }
    best_error = _mm512_mask_blend_ps(better, best_error, error);
    scale = _mm512_mask_blend_ps(better, scale, this_scale);
    min = _mm512_mask_blend_ps(better, min, this_min);
  }
  alignas(64) float scales[16];
  alignas(64) float mins[16];
  _mm512_store_ps(scales, _mm512_mask_blend_ps(flat, scale, zero));
  _mm512_store_si512(
      mins, _mm512_xor_si512(_mm512_castps_si512(min), Set(static_cast<int>(0x80000000u))));

  alignas(64) float d[16];
  alignas(64) float dm[16];
  Q4KPackScales(scales, mins, out, d, dm);
  Q4KPackScales(scales + 8, mins + 8, out + kQ4KBlockBytes, d + 8, dm + 8);

  const __m512 dv = _mm512_load_ps(d);
  const __m512 dmv = _mm512_load_ps(dm);
  const __mmask16 keep = _mm512_cmp_ps_mask(dv, zero, _CMP_EQ_OQ);
  alignas(64) int32_t codes[32][16];
  for (int i = 0; i < 32; ++i) {
    const __m512i l =
        NearestIntClamped(_mm512_div_ps(_mm512_add_ps(_mm512_load_ps(t.x[i]), dmv), dv));
    const __m512i searched =
        _mm512_cvtps_epi32(_mm512_mask_blend_ps(flat, _mm512_load_ps(t.l[i]), zero));
    _mm512_store_si512(codes[i], _mm512_mask_blend_epi32(keep, l, searched));
  }
  for (int half = 0; half < 2; ++half) {
    uint8_t* qs = out + half * kQ4KBlockBytes + 16;
    for (int c = 0; c < 4; ++c) {
      const int s = 8 * half + 2 * c;
      for (int i = 0; i < 32; ++i) {
        qs[32 * c + i] = static_cast<uint8_t>(codes[i][s] | (codes[i][s + 1] << 4));
      }
    }
  }
}

}  // namespace

AIINFRA_AVX512 void QuantizeQ4KAvx512(const float* x, int64_t n, uint8_t* out) {
  Q4KLanes lanes;
  const int64_t blocks = n / kQK_K;
  int64_t b = 0;
  for (; b + 2 <= blocks; b += 2) Q4KPair(x + b * kQK_K, out + b * kQ4KBlockBytes, lanes);
  if (b < blocks) {  // the odd one, paired with zeros whose block is dropped
    alignas(64) float pair[2 * kQK_K] = {};
    std::memcpy(pair, x + b * kQK_K, sizeof(float) * kQK_K);
    uint8_t blocks_out[2 * kQ4KBlockBytes];
    Q4KPair(pair, blocks_out, lanes);
    std::memcpy(out + b * kQ4KBlockBytes, blocks_out, kQ4KBlockBytes);
  }
}

}  // namespace aiinfra::quant::internal

#endif  // AIINFRA_QUANT_X86
