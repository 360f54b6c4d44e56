// AVX2 paths of simd_impl.h for the closed-form block quantizers: Q4_0, Q4_1, Q5_0 (ggml),
// INT8/INT4 rows (int_quant.h), MXFP4 and NVFP4 (microscale.h). As in simd_avx2.cc, every element
// goes through the same IEEE operations as in the scalar reference, in the same order; per-block
// scalars (extremes, scales, reciprocals) are the reference's own scalar expressions on values
// that the vector reductions find exactly (max, min and |x| are exact, and where the reference's
// choice among equal values matters, the element is picked by its first index).
// fp-contract=off: see simd_avx2.cc; no a * b + c here may become an FMA.
#pragma GCC optimize("fp-contract=off")

#include "quant/simd_impl.h"

#if AIINFRA_QUANT_X86

#include <immintrin.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "quant/float_formats.h"
#include "quant/ggml_blocks.h"
#include "quant/int_quant.h"
#include "quant/kquants.h"
#include "quant/microscale.h"

#define AIINFRA_AVX2 __attribute__((target("avx2,f16c")))

namespace aiinfra::quant::internal {
namespace {

AIINFRA_AVX2 inline __m256i Set(int v) { return _mm256_set1_epi32(v); }

// Four vectors of 8 values in 0..255 (int32) to 32 bytes in order.
AIINFRA_AVX2 inline __m256i PackBytes(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i ab = _mm256_packus_epi32(a, b);
  const __m256i cd = _mm256_packus_epi32(c, d);
  const __m256i bytes = _mm256_packus_epi16(ab, cd);
  return _mm256_permutevar8x32_epi32(bytes, _mm256_setr_epi32(0, 4, 1, 5, 2, 6, 3, 7));
}

// Two vectors of 8 values in 0..255 (int32) to 16 bytes in order.
AIINFRA_AVX2 inline __m128i PackBytes16(__m256i a, __m256i b) {
  const __m256i ab = _mm256_permute4x64_epi64(_mm256_packus_epi32(a, b), 0xD8);  // 16 x u16
  return _mm_packus_epi16(_mm256_castsi256_si128(ab), _mm256_extracti128_si256(ab, 1));
}

AIINFRA_AVX2 inline __m256 Abs(__m256 v) {
  return _mm256_and_ps(v, _mm256_castsi256_ps(Set(0x7FFFFFFF)));
}

AIINFRA_AVX2 inline float HMax(__m256 m) {
  __m128 m4 = _mm_max_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  m4 = _mm_max_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_max_ss(m4, _mm_shuffle_ps(m4, m4, 1));
  return _mm_cvtss_f32(m4);
}

AIINFRA_AVX2 inline float HMin(__m256 m) {
  __m128 m4 = _mm_min_ps(_mm256_castps256_ps128(m), _mm256_extractf128_ps(m, 1));
  m4 = _mm_min_ps(m4, _mm_movehl_ps(m4, m4));
  m4 = _mm_min_ss(m4, _mm_shuffle_ps(m4, m4, 1));
  return _mm_cvtss_f32(m4);
}

// The bit mask of the 32 lanes of v[4] equal to `value` (ordered compare).
AIINFRA_AVX2 inline uint32_t EqMask(const __m256* v, float value) {
  const __m256 s = _mm256_set1_ps(value);
  uint32_t m = 0;
  for (int k = 0; k < 4; ++k) {
    m |= static_cast<uint32_t>(_mm256_movemask_ps(_mm256_cmp_ps(v[k], s, _CMP_EQ_OQ))) << (8 * k);
  }
  return m;
}

// ggml_blocks.cc's SignedMax: the first element whose magnitude is the block's largest, or +0
// when that is 0 (the reference then never replaces its initial 0).
AIINFRA_AVX2 inline float SignedMaxOf(const float* x, const __m256* v) {
  __m256 a[4];
  for (int k = 0; k < 4; ++k) a[k] = Abs(v[k]);
  const float amax = HMax(_mm256_max_ps(_mm256_max_ps(a[0], a[1]), _mm256_max_ps(a[2], a[3])));
  if (amax == 0) return 0.0f;
  return x[std::countr_zero(EqMask(a, amax))];
}

// ToInt8 (ggml_blocks.cc) then min(top, .), as int32 lanes: cvttps gives the truncated value
// or 0x80000000 (NaN, Inf, out of int32), whose low byte, 0, is ToInt8's result; sign-extending
// the low byte is the int8_t cast.
AIINFRA_AVX2 inline __m256i ToInt8Min(__m256 t, int top) {
  const __m256i q = _mm256_srai_epi32(_mm256_slli_epi32(_mm256_cvttps_epi32(t), 24), 24);
  return _mm256_min_epi32(q, Set(top));
}

// The reference's `(uint8_t)(lo | (hi << 4))` on int lanes (lo may be negative).
AIINFRA_AVX2 inline __m256i NibbleByte(__m256i lo, __m256i hi) {
  return _mm256_and_si256(_mm256_or_si256(lo, _mm256_slli_epi32(hi, 4)), Set(0xFF));
}

}  // namespace

AIINFRA_AVX2 void QuantizeQ4_0Avx2(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ4_0Bytes) {
    __m256 v[4];
    for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(x + 8 * k);
    const float d = SignedMaxOf(x, v) / -8.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t h = F32ToF16(d);
    std::memcpy(out, &h, 2);
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) {
      q[k] = ToInt8Min(_mm256_add_ps(_mm256_mul_ps(v[k], vid), _mm256_set1_ps(8.5f)), 15);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 2),
                     PackBytes16(NibbleByte(q[0], q[2]), NibbleByte(q[1], q[3])));
  }
}

// Q4_1: min and max are the values of std::min / std::max folds; only the sign of a zero
// extreme depends on the order (the fold keeps the first of equal values), so the stored
// extreme is the first element equal to the reduced value.
AIINFRA_AVX2 void QuantizeQ4_1Avx2(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ4_1Bytes) {
    __m256 v[4];
    for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(x + 8 * k);
    const float min_value =
        HMin(_mm256_min_ps(_mm256_min_ps(v[0], v[1]), _mm256_min_ps(v[2], v[3])));
    const float max_value =
        HMax(_mm256_max_ps(_mm256_max_ps(v[0], v[1]), _mm256_max_ps(v[2], v[3])));
    const float min = x[std::countr_zero(EqMask(v, min_value))];
    const float max = x[std::countr_zero(EqMask(v, max_value))];
    const float d = (max - min) / 15.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t hd = F32ToF16(d), hm = F32ToF16(min);
    std::memcpy(out, &hd, 2);
    std::memcpy(out + 2, &hm, 2);
    const __m256 vid = _mm256_set1_ps(id);
    const __m256 vmin = _mm256_set1_ps(min);
    __m256i q[4];
    for (int k = 0; k < 4; ++k) {
      const __m256 t = _mm256_mul_ps(_mm256_sub_ps(v[k], vmin), vid);
      q[k] = ToInt8Min(_mm256_add_ps(t, _mm256_set1_ps(0.5f)), 15);
    }
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 4),
                     PackBytes16(NibbleByte(q[0], q[2]), NibbleByte(q[1], q[3])));
  }
}

AIINFRA_AVX2 void QuantizeQ5_0Avx2(const float* x, int64_t n, uint8_t* out) {
  const __m256i low = Set(0x0F);
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ5_0Bytes) {
    __m256 v[4];
    for (int k = 0; k < 4; ++k) v[k] = _mm256_loadu_ps(x + 8 * k);
    const float d = SignedMaxOf(x, v) / -16.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    const uint16_t h = F32ToF16(d);
    std::memcpy(out, &h, 2);
    const __m256 vid = _mm256_set1_ps(id);
    __m256i q[4];
    uint32_t qh = 0;
    for (int k = 0; k < 4; ++k) {
      q[k] = ToInt8Min(_mm256_add_ps(_mm256_mul_ps(v[k], vid), _mm256_set1_ps(16.5f)), 31);
      // (q >> 4) & 1 of element 8k + i is bit 8k + i of qh: bit 4 moved to the sign.
      qh |= static_cast<uint32_t>(
                _mm256_movemask_ps(_mm256_castsi256_ps(_mm256_slli_epi32(q[k], 27))))
            << (8 * k);
      q[k] = _mm256_and_si256(q[k], low);
    }
    for (int k = 0; k < 4; ++k) out[2 + k] = static_cast<uint8_t>(qh >> (8 * k));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 6),
                     PackBytes16(NibbleByte(q[0], q[2]), NibbleByte(q[1], q[3])));
  }
}

// ---------------------------------------------------------------------------------------------
// INT8 / INT4 rows. Per group: amax (or min and max, folds from +0 that never hold -0, so the
// lane-wise folds and their reduction give the same values) vectorized, the scale and zero point
// by the reference's scalar IntGroupScale, then per element x / s, nearbyint (the vector round
// to nearest even, the default mode nearbyint uses), + z, clamp and conversion of an integral
// value, all exact replicas (a clamped value is integral, so min/max on a zero's sign cannot
// change the integer).
AIINFRA_AVX2 void QuantizeIntRowAvx2(const float* x, int64_t cols, const IntSpec& spec,
                                     uint8_t* codes, float* scales, uint8_t* zeros) {
  const int64_t group = spec.group > 0 ? spec.group : cols;
  std::vector<uint8_t> nibbles(spec.bits == 4 ? static_cast<size_t>(cols) : 0);
  uint8_t* bytes = spec.bits == 4 ? nibbles.data() : codes;
  for (int64_t g = 0; g * group < cols; ++g) {
    const float* xg = x + g * group;
    float min = 0, max = 0, amax = 0;
    int64_t j = 0;
    if (spec.asymmetric) {
      __m256 vmin = _mm256_setzero_ps(), vmax = _mm256_setzero_ps();
      for (; j + 8 <= group; j += 8) {
        const __m256 v = _mm256_loadu_ps(xg + j);
        vmin = _mm256_min_ps(v, vmin);
        vmax = _mm256_max_ps(v, vmax);
      }
      min = HMin(vmin);
      max = HMax(vmax);
      for (; j < group; ++j) {
        min = std::min(min, xg[j]);
        max = std::max(max, xg[j]);
      }
    } else {
      __m256 va = _mm256_setzero_ps();
      for (; j + 8 <= group; j += 8) va = _mm256_max_ps(va, Abs(_mm256_loadu_ps(xg + j)));
      amax = HMax(va);
      for (; j < group; ++j) amax = std::max(amax, std::fabs(xg[j]));
    }
    int z = 0, lo = 0, hi = 0;
    const float s = IntGroupScale(spec, min, max, amax, &z, &lo, &hi);
    scales[g] = s;
    if (spec.asymmetric) zeros[g] = static_cast<uint8_t>(z);
    const __m256 vs = _mm256_set1_ps(s), vz = _mm256_set1_ps(static_cast<float>(z));
    const __m256 vlo = _mm256_set1_ps(static_cast<float>(lo));
    const __m256 vhi = _mm256_set1_ps(static_cast<float>(hi));
    uint8_t* cg = bytes + g * group;
    j = 0;
    for (; j + 32 <= group; j += 32) {
      __m256i q[4];
      for (int k = 0; k < 4; ++k) {
        const __m256 r = _mm256_round_ps(_mm256_div_ps(_mm256_loadu_ps(xg + j + 8 * k), vs),
                                         _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
        const __m256 c = _mm256_min_ps(_mm256_max_ps(_mm256_add_ps(r, vz), vlo), vhi);
        q[k] = _mm256_and_si256(_mm256_cvtps_epi32(c), Set(0xFF));
      }
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(cg + j), PackBytes(q[0], q[1], q[2], q[3]));
    }
    for (; j < group; ++j) {
      const float q = std::nearbyint(xg[j] / s) + static_cast<float>(z);
      cg[j] = static_cast<uint8_t>(static_cast<int>(std::clamp(q, float(lo), float(hi))));
    }
  }
  if (spec.bits == 4) {
    // codes[i] = (c[2i] & 15) | (c[2i + 1] & 15) << 4, as the reference's Put builds it.
    int64_t i = 0;
    for (; i + 32 <= cols; i += 32) {
      const __m256i c = _mm256_and_si256(
          _mm256_loadu_si256(reinterpret_cast<const __m256i*>(bytes + i)), _mm256_set1_epi8(15));
      const __m256i pairs = _mm256_maddubs_epi16(c, _mm256_set1_epi16(0x1001));
      const __m256i packed = _mm256_permute4x64_epi64(_mm256_packus_epi16(pairs, pairs), 0xD8);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(codes + i / 2), _mm256_castsi256_si128(packed));
    }
    for (; i < cols; ++i) {
      const int q = bytes[i] & 15;
      codes[i / 2] = static_cast<uint8_t>(i % 2 == 0 ? q : codes[i / 2] | (q << 4));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// MXFP4 / NVFP4. F32ToE2M1 as compares against the midpoints of the E2M1 grid
// {0, 0.5, 1, 1.5, 2, 3, 4, 6}: the code counts the midpoints below |v|, a tie counting when it
// rounds up to the even code (0.75, 1.75, 3.5: >=) and not when it rounds down to one (0.25,
// 1.25, 2.5, 5: >); Inf exceeds them all (6, saturation); NaN none, and loses its sign (code 0).
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

AIINFRA_AVX2 inline __m256i E2M1Codes(__m256 v) {
  const __m256 a = Abs(v);
  const __m256i one = Set(1);
  __m256i code = _mm256_setzero_si256();
  // The predicates are literals at each call: the compare's immediate must be a constant even
  // in an unoptimized (sanitizer) build.
  const auto gt = [&](float t) { return _mm256_cmp_ps(a, _mm256_set1_ps(t), _CMP_GT_OQ); };
  const auto ge = [&](float t) { return _mm256_cmp_ps(a, _mm256_set1_ps(t), _CMP_GE_OQ); };
  const auto count = [&](__m256 passed) {
    code = _mm256_add_epi32(code, _mm256_and_si256(_mm256_castps_si256(passed), one));
  };
  count(gt(0.25f));
  count(ge(0.75f));
  count(gt(1.25f));
  count(ge(1.75f));
  count(gt(2.5f));
  count(ge(3.5f));
  count(gt(5.0f));
  const __m256i sign = _mm256_and_si256(_mm256_srli_epi32(_mm256_castps_si256(v), 28), Set(8));
  const __m256i ordered = _mm256_castps_si256(_mm256_cmp_ps(v, v, _CMP_ORD_Q));
  return _mm256_or_si256(code, _mm256_and_si256(sign, ordered));
}

// Codes of x[0..8) / scale (the reference's Code: zeros when !(scale > 0)).
AIINFRA_AVX2 inline __m256i Codes8(const float* x, float scale) {
  if (!(scale > 0)) return _mm256_setzero_si256();
  return E2M1Codes(_mm256_div_ps(_mm256_loadu_ps(x), _mm256_set1_ps(scale)));
}

// 16 bytes c[2i] | c[2i + 1] << 4 from 32 codes (4 vectors).
AIINFRA_AVX2 inline __m128i PairNibbles(__m256i a, __m256i b, __m256i c, __m256i d) {
  const __m256i bytes = PackBytes(a, b, c, d);
  const __m256i pairs = _mm256_maddubs_epi16(bytes, _mm256_set1_epi16(0x1001));
  return _mm_packus_epi16(_mm256_castsi256_si128(pairs), _mm256_extracti128_si256(pairs, 1));
}

// amax of n (multiple of 8) values and whether all are finite.
AIINFRA_AVX2 inline float AmaxFinite(const float* x, int n, bool* finite) {
  __m256 m = _mm256_setzero_ps();
  __m256i bad = _mm256_setzero_si256();
  for (int k = 0; k < n; k += 8) {
    const __m256 a = Abs(_mm256_loadu_ps(x + k));
    m = _mm256_max_ps(m, a);
    bad = _mm256_or_si256(bad, _mm256_cmpgt_epi32(_mm256_castps_si256(a), Set(0x7F7FFFFF)));
  }
  *finite = _mm256_testz_si256(bad, bad);
  return HMax(m);
}

AIINFRA_AVX2 inline float MxScale(const float* x, uint8_t* code) {
  bool finite = false;
  const float amax = AmaxFinite(x, kMxBlock, &finite);
  *code = MxScaleCodeFromAmax(amax, finite);
  return *code == 0xFF ? 0.0f : E8M0Fast(*code);
}

}  // namespace

AIINFRA_AVX2 void QuantizeMxfp4Avx2(const float* x, int64_t n, uint8_t* codes, uint8_t* scales) {
  for (int64_t b = 0; b < n / kMxBlock; ++b, x += kMxBlock, codes += kMxBlock / 2) {
    const float scale = MxScale(x, &scales[b]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(codes),
                     PairNibbles(Codes8(x, scale), Codes8(x + 8, scale), Codes8(x + 16, scale),
                                 Codes8(x + 24, scale)));
  }
}

AIINFRA_AVX2 void QuantizeMxfp4GgmlAvx2(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kMxBlock; ++b, x += kMxBlock, out += kMxfp4GgmlBytes) {
    const float scale = MxScale(x, &out[0]);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 1),
                     PackBytes16(NibbleByte(Codes8(x, scale), Codes8(x + 16, scale)),
                                 NibbleByte(Codes8(x + 8, scale), Codes8(x + 24, scale))));
  }
}

AIINFRA_AVX2 void QuantizeNvfp4Avx2(const float* x, int64_t n, float tensor_scale, uint8_t* codes,
                                    uint8_t* scales) {
  int64_t b = 0;
  for (; b < n / kNvBlock; ++b, x += kNvBlock, codes += kNvBlock / 2) {
    bool finite = false;
    const float amax = AmaxFinite(x, kNvBlock, &finite);
    float scale = 0;
    if (!finite) {
      scales[b] = 0x7F;
    } else {
      scales[b] = EncodeFp8Fast(amax / kE2M1Max / tensor_scale, kE4M3Format);
      scale = E4M3ToF32(scales[b]) * tensor_scale;
    }
    const __m128i c = PairNibbles(Codes8(x, scale), Codes8(x + 8, scale), _mm256_setzero_si256(),
                                  _mm256_setzero_si256());
    _mm_storel_epi64(reinterpret_cast<__m128i*>(codes), c);
  }
}

AIINFRA_AVX2 void QuantizeNvfp4GgmlAvx2(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kNvfp4GgmlBlock; ++b, out += kNvfp4GgmlBytes) {
    __m256i c[8];
    for (int s = 0; s < 4; ++s, x += kNvBlock) {
      bool finite = false;
      out[s] = UE4M3Fast(AmaxFinite(x, kNvBlock, &finite) / kE2M1Max);
      const float scale = UE4M3ToF32Fast(out[s]);
      c[2 * s] = Codes8(x, scale);
      c[2 * s + 1] = Codes8(x + 8, scale);
    }
    // Byte 8s + j: element 16s + j low, 16s + 8 + j high.
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 4),
                     PackBytes16(NibbleByte(c[0], c[1]), NibbleByte(c[2], c[3])));
    _mm_storeu_si128(reinterpret_cast<__m128i*>(out + 20),
                     PackBytes16(NibbleByte(c[4], c[5]), NibbleByte(c[6], c[7])));
  }
}

// ---------------------------------------------------------------------------------------------
// Q6_K: ggml's make_qx_quants (kquants.cc's SearchSymmetricScale, nmax 32) with lane s of every
// vector running sub-block s, stepping through its 16 elements in the reference's order, so
// every sum keeps its order and every step is the same IEEE operation (as Q4_K in
// simd_avx2.cc). The signed extreme is `if (|x| > amax)` per lane (the first of equal
// magnitudes); `suml2 != 0` is the unordered not-equal (true for NaN, as `!=`), `>` the ordered
// greater-than (false for NaN); a lane takes a candidate's codes, scale and best only where the
// reference's `if` holds. Sub-blocks below kGroupMaxEps end with scale +0 and codes 0. The rest
// (super-scale, re-coding, packing) is the reference's scalar Q6KFinish.
namespace {

struct alignas(32) Q6KLanes {
  float x[16][8];  // x[i][s] = element i of sub-block s
  float l[16][8];  // the kept codes l (-32..31), as floats
};

AIINFRA_AVX2 inline __m256 Q6Code(__m256 iscale, __m256 x) {
  const __m256 t = _mm256_add_ps(_mm256_mul_ps(iscale, x), _mm256_set1_ps(12582912.0f));
  __m256i l =
      _mm256_sub_epi32(_mm256_and_si256(_mm256_castps_si256(t), Set(0x007FFFFF)), Set(0x00400000));
  l = _mm256_max_epi32(_mm256_min_epi32(l, Set(31)), Set(-32));
  return _mm256_cvtepi32_ps(l);
}

// Sub-blocks 0..7 of x (16 elements each): their scales and codes L (l + 32).
AIINFRA_AVX2 void Q6KSearch8(const float* x, float* scales, int8_t* L, Q6KLanes& t) {
  for (int s = 0; s < 8; ++s) {
    for (int i = 0; i < 16; ++i) t.x[i][s] = x[16 * s + i];
  }
  const __m256 zero = _mm256_setzero_ps();
  __m256 amax = zero, max = zero;
  for (int i = 0; i < 16; ++i) {
    const __m256 xi = _mm256_load_ps(t.x[i]);
    const __m256 gt = _mm256_cmp_ps(Abs(xi), amax, _CMP_GT_OQ);
    amax = _mm256_blendv_ps(amax, Abs(xi), gt);
    max = _mm256_blendv_ps(max, xi, gt);
  }
  const __m256 small = _mm256_cmp_ps(amax, _mm256_set1_ps(1e-15f), _CMP_LT_OQ);
  __m256 sumlx, suml2;
  const auto fit = [&](__m256 iscale, bool keep) {
    sumlx = zero;
    suml2 = zero;
    for (int i = 0; i < 16; ++i) {
      const __m256 xi = _mm256_load_ps(t.x[i]);
      const __m256 l = Q6Code(iscale, xi);
      if (keep) _mm256_store_ps(t.l[i], l);
      const __m256 w = _mm256_mul_ps(xi, xi);
      sumlx = _mm256_add_ps(sumlx, _mm256_mul_ps(_mm256_mul_ps(w, xi), l));
      suml2 = _mm256_add_ps(suml2, _mm256_mul_ps(_mm256_mul_ps(w, l), l));
    }
  };
  __m256 iscale = _mm256_div_ps(_mm256_set1_ps(-32.0f), max);
  fit(iscale, true);
  __m256 scale =
      _mm256_and_ps(_mm256_div_ps(sumlx, suml2), _mm256_cmp_ps(suml2, zero, _CMP_NEQ_UQ));
  __m256 best = _mm256_mul_ps(scale, sumlx);
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    const float numerator = -(32.0f + 0.1f * static_cast<float>(is));
    iscale = _mm256_div_ps(_mm256_set1_ps(numerator), max);
    fit(iscale, false);
    const __m256 take = _mm256_and_ps(
        _mm256_cmp_ps(suml2, zero, _CMP_GT_OQ),
        _mm256_cmp_ps(_mm256_mul_ps(sumlx, sumlx), _mm256_mul_ps(best, suml2), _CMP_GT_OQ));
    if (_mm256_movemask_ps(take) == 0) continue;
    for (int i = 0; i < 16; ++i) {
      const __m256 l = Q6Code(iscale, _mm256_load_ps(t.x[i]));
      _mm256_store_ps(t.l[i], _mm256_blendv_ps(_mm256_load_ps(t.l[i]), l, take));
    }
    scale = _mm256_blendv_ps(scale, _mm256_div_ps(sumlx, suml2), take);
    best = _mm256_blendv_ps(best, _mm256_mul_ps(scale, sumlx), take);
  }
  _mm256_storeu_ps(scales, _mm256_blendv_ps(scale, zero, small));
  alignas(32) int32_t codes[16][8];
  for (int i = 0; i < 16; ++i) {
    const __m256 l = _mm256_blendv_ps(_mm256_load_ps(t.l[i]), _mm256_set1_ps(-32.0f), small);
    _mm256_store_si256(reinterpret_cast<__m256i*>(codes[i]), _mm256_cvtps_epi32(l));
  }
  for (int s = 0; s < 8; ++s) {
    for (int i = 0; i < 16; ++i) L[16 * s + i] = static_cast<int8_t>(codes[i][s] + 32);
  }
}

}  // namespace

AIINFRA_AVX2 void QuantizeQ6KAvx2(const float* x, int64_t n, uint8_t* out) {
  Q6KLanes lanes;
  for (int64_t b = 0; b < n / kQK_K; ++b, x += kQK_K, out += kQ6KBlockBytes) {
    float scales[16];
    int8_t L[kQK_K];
    Q6KSearch8(x, scales, L, lanes);
    Q6KSearch8(x + 128, scales + 8, L + 128, lanes);
    Q6KFinish(x, scales, L, out);
  }
}

}  // namespace aiinfra::quant::internal

#endif  // AIINFRA_QUANT_X86
