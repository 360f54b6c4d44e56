// AVX-512 (F, BW, DQ, VL) paths of simd_impl.h for the closed-form block quantizers: the
// algorithms of simd_avx2_blocks.cc on 16 lanes, with mask registers for compares and selects.
// The bit-exactness argument is the same (see simd_avx2_blocks.cc).
// fp-contract=off: AVX-512F carries FMA instructions and g++ 12 contracts a * b + c in C++ by
// default (see simd_avx512.cc); no multiply-add here may fuse.
#pragma GCC optimize("fp-contract=off")

#include "quant/simd_impl.h"

#if AIINFRA_QUANT_X86

// g++ 12's AVX-512 headers trip -Wuninitialized (GCC bug 105593); see simd_avx512.cc.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <immintrin.h>
#pragma GCC diagnostic pop

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "quant/float_formats.h"
#include "quant/ggml_blocks.h"
#include "quant/int_quant.h"
#include "quant/kquants.h"
#include "quant/microscale.h"

#define AIINFRA_AVX512 __attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx2,f16c")))

namespace aiinfra::quant::internal {
namespace {

AIINFRA_AVX512 inline __m512i Set(int v) { return _mm512_set1_epi32(v); }

AIINFRA_AVX512 inline __m512 Abs(__m512 v) {
  return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), Set(0x7FFFFFFF)));
}

// SignedMax (ggml_blocks.cc): the first element of the largest magnitude, +0 when that is 0.
AIINFRA_AVX512 inline float SignedMaxOf(const float* x, __m512 v0, __m512 v1) {
  const __m512 a0 = Abs(v0), a1 = Abs(v1);
  const float amax = _mm512_reduce_max_ps(_mm512_max_ps(a0, a1));
  if (amax == 0) return 0.0f;
  const __m512 s = _mm512_set1_ps(amax);
  const uint32_t m = _mm512_cmp_ps_mask(a0, s, _CMP_EQ_OQ) |
                     (static_cast<uint32_t>(_mm512_cmp_ps_mask(a1, s, _CMP_EQ_OQ)) << 16);
  return x[std::countr_zero(m)];
}

// The first of x[0..32) equal to `value`.
AIINFRA_AVX512 inline float First(const float* x, __m512 v0, __m512 v1, float value) {
  const __m512 s = _mm512_set1_ps(value);
  const uint32_t m = _mm512_cmp_ps_mask(v0, s, _CMP_EQ_OQ) |
                     (static_cast<uint32_t>(_mm512_cmp_ps_mask(v1, s, _CMP_EQ_OQ)) << 16);
  return x[std::countr_zero(m)];
}

// ToInt8 then min(top, .) on int lanes (see simd_avx2_blocks.cc).
AIINFRA_AVX512 inline __m512i ToInt8Min(__m512 t, int top) {
  const __m512i q = _mm512_srai_epi32(_mm512_slli_epi32(_mm512_cvttps_epi32(t), 24), 24);
  return _mm512_min_epi32(q, Set(top));
}

// 16 bytes (uint8_t)(lo | hi << 4).
AIINFRA_AVX512 inline __m128i NibbleBytes(__m512i lo, __m512i hi) {
  return _mm512_cvtepi32_epi8(_mm512_or_si512(lo, _mm512_slli_epi32(hi, 4)));
}

}  // namespace

AIINFRA_AVX512 void QuantizeQ4_0Avx512(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ4_0Bytes) {
    const __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
    const float d = SignedMaxOf(x, v0, v1) / -8.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t h = F32ToF16(d);
    std::memcpy(out, &h, 2);
    const __m512 vid = _mm512_set1_ps(id), c = _mm512_set1_ps(8.5f);
    const __m512i lo = ToInt8Min(_mm512_add_ps(_mm512_mul_ps(v0, vid), c), 15);
    const __m512i hi = ToInt8Min(_mm512_add_ps(_mm512_mul_ps(v1, vid), c), 15);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2), NibbleBytes(lo, hi));
  }
}

AIINFRA_AVX512 void QuantizeQ4_1Avx512(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ4_1Bytes) {
    const __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
    const float min = First(x, v0, v1, _mm512_reduce_min_ps(_mm512_min_ps(v0, v1)));
    const float max = First(x, v0, v1, _mm512_reduce_max_ps(_mm512_max_ps(v0, v1)));
    const float d = (max - min) / 15.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t hd = F32ToF16(d), hm = F32ToF16(min);
    std::memcpy(out, &hd, 2);
    std::memcpy(out + 2, &hm, 2);
    const __m512 vid = _mm512_set1_ps(id), vmin = _mm512_set1_ps(min), c = _mm512_set1_ps(0.5f);
    const __m512i lo = ToInt8Min(_mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(v0, vmin), vid), c), 15);
    const __m512i hi = ToInt8Min(_mm512_add_ps(_mm512_mul_ps(_mm512_sub_ps(v1, vmin), vid), c), 15);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 4), NibbleBytes(lo, hi));
  }
}

AIINFRA_AVX512 void QuantizeQ5_0Avx512(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ5_0Bytes) {
    const __m512 v0 = _mm512_loadu_ps(x), v1 = _mm512_loadu_ps(x + 16);
    const float d = SignedMaxOf(x, v0, v1) / -16.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t h = F32ToF16(d);
    std::memcpy(out, &h, 2);
    const __m512 vid = _mm512_set1_ps(id), c = _mm512_set1_ps(16.5f);
    const __m512i lo = ToInt8Min(_mm512_add_ps(_mm512_mul_ps(v0, vid), c), 31);
    const __m512i hi = ToInt8Min(_mm512_add_ps(_mm512_mul_ps(v1, vid), c), 31);
    const uint32_t qh =
        _mm512_movepi32_mask(_mm512_slli_epi32(lo, 27)) |
        (static_cast<uint32_t>(_mm512_movepi32_mask(_mm512_slli_epi32(hi, 27))) << 16);
    for (int k = 0; k < 4; ++k) out[2 + k] = static_cast<uint8_t>(qh >> (8 * k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 6),
                     NibbleBytes(_mm512_and_si512(lo, Set(15)), _mm512_and_si512(hi, Set(15))));
  }
}

AIINFRA_AVX512 void QuantizeIntRowAvx512(const float* x, int64_t cols, const IntSpec& spec,
                                         uint8_t* codes, float* scales, uint8_t* zeros) {
  const int64_t group = spec.group > 0 ? spec.group : cols;
  std::vector<uint8_t> nibbles(spec.bits == 4 ? static_cast<size_t>(cols) : 0);
  uint8_t* bytes = spec.bits == 4 ? nibbles.data() : codes;
  for (int64_t g = 0; g * group < cols; ++g) {
    const float* xg = x + g * group;
    float min = 0, max = 0, amax = 0;
    if (spec.asymmetric) {
      __m512 vmin = _mm512_setzero_ps(), vmax = _mm512_setzero_ps();
      for (int64_t j = 0; j < group; j += 16) {
        const __mmask16 m =
            static_cast<__mmask16>(group - j >= 16 ? 0xFFFF : (1u << (group - j)) - 1);
        const __m512 v = _mm512_maskz_loadu_ps(m, xg + j);  // masked-off lanes are +0
        vmin = _mm512_min_ps(v, vmin);
        vmax = _mm512_max_ps(v, vmax);
      }
      min = _mm512_reduce_min_ps(vmin);
      max = _mm512_reduce_max_ps(vmax);
    } else {
      __m512 va = _mm512_setzero_ps();
      for (int64_t j = 0; j < group; j += 16) {
        const __mmask16 m =
            static_cast<__mmask16>(group - j >= 16 ? 0xFFFF : (1u << (group - j)) - 1);
        va = _mm512_max_ps(va, Abs(_mm512_maskz_loadu_ps(m, xg + j)));
      }
      amax = _mm512_reduce_max_ps(va);
    }
    int z = 0, lo = 0, hi = 0;
    const float s = IntGroupScale(spec, min, max, amax, &z, &lo, &hi);
    scales[g] = s;
    if (spec.asymmetric) zeros[g] = static_cast<uint8_t>(z);
    const __m512 vs = _mm512_set1_ps(s), vz = _mm512_set1_ps(static_cast<float>(z));
    const __m512 vlo = _mm512_set1_ps(static_cast<float>(lo));
    const __m512 vhi = _mm512_set1_ps(static_cast<float>(hi));
    uint8_t* cg = bytes + g * group;
    const auto codes16 = [&](__m512 v) {
      const __m512 r =
          _mm512_roundscale_ps(_mm512_div_ps(v, vs), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      const __m512 c = _mm512_min_ps(_mm512_max_ps(_mm512_add_ps(r, vz), vlo), vhi);
      return _mm512_cvtepi32_epi8(_mm512_cvtps_epi32(c));
    };
    int64_t j = 0;
    for (; j + 16 <= group; j += 16) {
      _mm_storeu_si128(reinterpret_cast<__m128i*>(cg + j), codes16(_mm512_loadu_ps(xg + j)));
    }
    if (j < group) {
      const __mmask16 m = static_cast<__mmask16>((1u << (group - j)) - 1);
      _mm_mask_storeu_epi8(cg + j, m, codes16(_mm512_maskz_loadu_ps(m, xg + j)));
    }
  }
  if (spec.bits == 4) {
    int64_t i = 0;
    for (; i + 64 <= cols; i += 64) {
      const __m512i c = _mm512_and_si512(_mm512_loadu_si512(bytes + i), _mm512_set1_epi8(15));
      const __m512i pairs = _mm512_maddubs_epi16(c, _mm512_set1_epi16(0x1001));
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(codes + i / 2), _mm512_cvtepi16_epi8(pairs));
    }
    for (; i < cols; ++i) {
      const int q = bytes[i] & 15;
      codes[i / 2] = static_cast<uint8_t>(i % 2 == 0 ? q : codes[i / 2] | (q << 4));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// MXFP4 / NVFP4: E2M1 by midpoint compares, as in simd_avx2_blocks.cc.
namespace {

// The per-block scale codecs through exact fast paths: E8M0ToF32 of a code below 0xFF is 2^(code
// - 127), whose bits are code << 23 (2^-127, code 0, is the subnormal 0x00400000);
// F32ToE4M3 is EncodeFp8Fast (equal for every float: simd_test.cc's SlowFp8AllFloats);
// F32ToUE4M3(v) is the E4M3 code of v > 0 (+Inf saturating as there), 0 otherwise; and
// UE4M3ToF32 of a code is E4M3ToF32's entry for it, 0 for 0x7F and 0xFF.
inline float E8M0Fast(uint8_t code) {
  return std::bit_cast<float>(code == 0 ? 0x00400000u : static_cast<uint32_t>(code) << 23);
}
inline uint8_t UE4M3Fast(float v) { return v > 0 ? EncodeFp8Fast(v, kE4M3Format) : 0; }
inline float UE4M3ToF32Fast(uint8_t code) {
  return (code & 0x7F) == 0x7F ? 0.0f : E4M3ToF32(code & 0x7F);
}

AIINFRA_AVX512 inline __m512i E2M1Codes(__m512 v) {
  const __m512 a = Abs(v);
  __m512i code = _mm512_setzero_si512();
  const __m512i one = Set(1);
  // The predicates are literals at each call: the compare's immediate must be a constant even
  // in an unoptimized (sanitizer) build.
  const auto gt = [&](float t) { return _mm512_cmp_ps_mask(a, _mm512_set1_ps(t), _CMP_GT_OQ); };
  const auto ge = [&](float t) { return _mm512_cmp_ps_mask(a, _mm512_set1_ps(t), _CMP_GE_OQ); };
  const auto count = [&](__mmask16 passed) {
    code = _mm512_mask_add_epi32(code, passed, code, one);
  };
  count(gt(0.25f));
  count(ge(0.75f));
  count(gt(1.25f));
  count(ge(1.75f));
  count(gt(2.5f));
  count(ge(3.5f));
  count(gt(5.0f));
  const __m512i sign = _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(v), 28), Set(8));
  return _mm512_mask_or_epi32(code, _mm512_cmp_ps_mask(v, v, _CMP_ORD_Q), code, sign);
}

AIINFRA_AVX512 inline __m512i Codes16(const float* x, float scale) {
  if (!(scale > 0)) return _mm512_setzero_si512();
  return E2M1Codes(_mm512_div_ps(_mm512_loadu_ps(x), _mm512_set1_ps(scale)));
}

// 8 bytes c[2i] | c[2i + 1] << 4 from 16 codes.
AIINFRA_AVX512 inline uint64_t PairNibbles(__m512i c) {
  // Qword i holds c[2i] (low dword) and c[2i + 1] (high dword).
  const __m512i pairs = _mm512_or_si512(_mm512_srli_epi64(_mm512_slli_epi64(c, 32), 32),
                                        _mm512_slli_epi64(_mm512_srli_epi64(c, 32), 4));
  return static_cast<uint64_t>(_mm_cvtsi128_si64(_mm512_cvtepi64_epi8(pairs)));
}

AIINFRA_AVX512 inline float AmaxFinite(const float* x, int n, bool* finite) {
  __m512 m = _mm512_setzero_ps();
  __mmask16 bad = 0;
  for (int k = 0; k < n; k += 16) {
    const __m512 a = Abs(_mm512_loadu_ps(x + k));
    m = _mm512_max_ps(m, a);
    bad |= _mm512_cmpgt_epi32_mask(_mm512_castps_si512(a), Set(0x7F7FFFFF));
  }
  *finite = bad == 0;
  return _mm512_reduce_max_ps(m);
}

AIINFRA_AVX512 inline float MxScale(const float* x, uint8_t* code) {
  bool finite = false;
  const float amax = AmaxFinite(x, kMxBlock, &finite);
  *code = MxScaleCodeFromAmax(amax, finite);
  return *code == 0xFF ? 0.0f : E8M0Fast(*code);
}

}  // namespace

AIINFRA_AVX512 void QuantizeMxfp4Avx512(const float* x, int64_t n, uint8_t* codes,
                                        uint8_t* scales) {
  for (int64_t b = 0; b < n / kMxBlock; ++b, x += kMxBlock, codes += kMxBlock / 2) {
    const float scale = MxScale(x, &scales[b]);
    const uint64_t lo = PairNibbles(Codes16(x, scale)), hi = PairNibbles(Codes16(x + 16, scale));
    std::memcpy(codes, &lo, 8);
    std::memcpy(codes + 8, &hi, 8);
  }
}

AIINFRA_AVX512 void QuantizeMxfp4GgmlAvx512(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kMxBlock; ++b, x += kMxBlock, out += kMxfp4GgmlBytes) {
    const float scale = MxScale(x, &out[0]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 1),
                     NibbleBytes(Codes16(x, scale), Codes16(x + 16, scale)));
  }
}

AIINFRA_AVX512 void QuantizeNvfp4Avx512(const float* x, int64_t n, float tensor_scale,
                                        uint8_t* codes, uint8_t* scales) {
  for (int64_t b = 0; b < n / kNvBlock; ++b, x += kNvBlock, codes += kNvBlock / 2) {
    bool finite = false;
    const float amax = AmaxFinite(x, kNvBlock, &finite);
    float scale = 0;
    if (!finite) {
      scales[b] = 0x7F;
    } else {
      scales[b] = EncodeFp8Fast(amax / kE2M1Max / tensor_scale, kE4M3Format);
      scale = E4M3ToF32(scales[b]) * tensor_scale;
    }
    const uint64_t c = PairNibbles(Codes16(x, scale));
    std::memcpy(codes, &c, 8);
  }
}

AIINFRA_AVX512 void QuantizeNvfp4GgmlAvx512(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kNvfp4GgmlBlock; ++b, out += kNvfp4GgmlBytes) {
    for (int s = 0; s < 4; ++s, x += kNvBlock) {
      bool finite = false;
      out[s] = UE4M3Fast(AmaxFinite(x, kNvBlock, &finite) / kE2M1Max);
      const float scale = UE4M3ToF32Fast(out[s]);
      // Byte 8s + j: element 16s + j low, 16s + 8 + j high: lanes j and j + 8 of one vector.
      const __m512i c = Codes16(x, scale);
      const __m512i hi = _mm512_shuffle_i32x4(c, c, 0xEE);  // lanes 8..15 to 0..7
      const __m128i bytes = NibbleBytes(c, hi);
      _mm_storel_epi64(reinterpret_cast<__m128i*>(out + 4 + 8 * s), bytes);
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Q6_K: ggml's make_qx_quants (kquants.cc's SearchSymmetricScale, nmax 32) with lane s of every
// vector running sub-block s, stepping through its 16 elements in the reference's order, so
// every sum keeps its order and every step is the same IEEE operation (as Q4_K in
// simd_avx512.cc). The signed extreme is `if (|x| > amax)` per lane (the first of equal
// magnitudes); `suml2 != 0` is the unordered not-equal (true for NaN, as `!=`), `>` the ordered
// greater-than (false for NaN); a lane takes a candidate's codes, scale and best only where the
// reference's `if` holds. Sub-blocks below kGroupMaxEps end with scale +0 and codes 0. The rest
// (super-scale, re-coding, packing) is the reference's scalar Q6KFinish.
namespace {

struct alignas(64) Q6KLanes {
  float x[16][16];  // x[i][s] = element i of sub-block s
  float l[16][16];  // the kept codes l (-32..31), as floats
};

AIINFRA_AVX512 inline __m512 Q6Code(__m512 iscale, __m512 x) {
  const __m512 t = _mm512_add_ps(_mm512_mul_ps(iscale, x), _mm512_set1_ps(12582912.0f));
  __m512i l =
      _mm512_sub_epi32(_mm512_and_si512(_mm512_castps_si512(t), Set(0x007FFFFF)), Set(0x00400000));
  l = _mm512_max_epi32(_mm512_min_epi32(l, Set(31)), Set(-32));
  return _mm512_cvtepi32_ps(l);
}

// Sub-blocks 0..15 of x (16 elements each): their scales and codes L (l + 32).
AIINFRA_AVX512 void Q6KSearch16(const float* x, float* scales, int8_t* L, Q6KLanes& t) {
  for (int s = 0; s < 16; ++s) {
    for (int i = 0; i < 16; ++i) t.x[i][s] = x[16 * s + i];
  }
  const __m512 zero = _mm512_setzero_ps();
  __m512 amax = zero, max = zero;
  for (int i = 0; i < 16; ++i) {
    const __m512 xi = _mm512_load_ps(t.x[i]);
    const __mmask16 gt = _mm512_cmp_ps_mask(Abs(xi), amax, _CMP_GT_OQ);
    amax = _mm512_mask_blend_ps(gt, amax, Abs(xi));
    max = _mm512_mask_blend_ps(gt, max, xi);
  }
  const __mmask16 small = _mm512_cmp_ps_mask(amax, _mm512_set1_ps(1e-15f), _CMP_LT_OQ);
  __m512 sumlx, suml2;
  const auto fit = [&](__m512 iscale, bool keep) {
    sumlx = zero;
    suml2 = zero;
    for (int i = 0; i < 16; ++i) {
      const __m512 xi = _mm512_load_ps(t.x[i]);
      const __m512 l = Q6Code(iscale, xi);
      if (keep) _mm512_store_ps(t.l[i], l);
      const __m512 w = _mm512_mul_ps(xi, xi);
      sumlx = _mm512_add_ps(sumlx, _mm512_mul_ps(_mm512_mul_ps(w, xi), l));
      suml2 = _mm512_add_ps(suml2, _mm512_mul_ps(_mm512_mul_ps(w, l), l));
    }
  };
  __m512 iscale = _mm512_div_ps(_mm512_set1_ps(-32.0f), max);
  fit(iscale, true);
  __m512 scale = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(suml2, zero, _CMP_NEQ_UQ),
                                     _mm512_div_ps(sumlx, suml2));
  __m512 best = _mm512_mul_ps(scale, sumlx);
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    const float numerator = -(32.0f + 0.1f * static_cast<float>(is));
    iscale = _mm512_div_ps(_mm512_set1_ps(numerator), max);
    fit(iscale, false);
    const __mmask16 take =
        _mm512_cmp_ps_mask(suml2, zero, _CMP_GT_OQ) &
        _mm512_cmp_ps_mask(_mm512_mul_ps(sumlx, sumlx), _mm512_mul_ps(best, suml2), _CMP_GT_OQ);
    if (take == 0) continue;
    for (int i = 0; i < 16; ++i) {
      const __m512 l = Q6Code(iscale, _mm512_load_ps(t.x[i]));
      _mm512_store_ps(t.l[i], _mm512_mask_blend_ps(take, _mm512_load_ps(t.l[i]), l));
    }
    scale = _mm512_mask_blend_ps(take, scale, _mm512_div_ps(sumlx, suml2));
    best = _mm512_mask_blend_ps(take, best, _mm512_mul_ps(scale, sumlx));
  }
  _mm512_storeu_ps(scales, _mm512_mask_blend_ps(small, scale, zero));
  alignas(64) int32_t codes[16][16];
  for (int i = 0; i < 16; ++i) {
    const __m512 l = _mm512_mask_blend_ps(small, _mm512_load_ps(t.l[i]), _mm512_set1_ps(-32.0f));
    _mm512_store_si512(codes[i], _mm512_cvtps_epi32(l));
  }
  for (int s = 0; s < 16; ++s) {
    for (int i = 0; i < 16; ++i) L[16 * s + i] = static_cast<int8_t>(codes[i][s] + 32);
  }
}

}  // namespace

AIINFRA_AVX512 void QuantizeQ6KAvx512(const float* x, int64_t n, uint8_t* out) {
  Q6KLanes lanes;
  for (int64_t b = 0; b < n / kQK_K; ++b, x += kQK_K, out += kQ6KBlockBytes) {
    float scales[16];
    int8_t L[kQK_K];
    Q6KSearch16(x, scales, L, lanes);
    Q6KFinish(x, scales, L, out);
  }
}

}  // namespace aiinfra::quant::internal

#endif  // AIINFRA_QUANT_X86
