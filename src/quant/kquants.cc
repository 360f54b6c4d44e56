#include "quant/kquants.h"

#include <algorithm>
#include <bit>
#include <cassert>
#include <cmath>
#include <cstring>

#include "quant/float_formats.h"
#include "quant/simd.h"
#include "quant/simd_impl.h"

// Bit-exactness with ggml rests on doing the same IEEE float operations in the same order, so
// every mixed int/float product below spells out its conversions, and expressions keep ggml's
// left-to-right grouping ((w * l) * x, not w * (l * x)).

namespace aiinfra::quant {
namespace {

// Below this magnitude ggml treats a group as all zero (GROUP_MAX_EPS).
constexpr float kGroupMaxEps = 1e-15f;

void PutF16(uint8_t* p, float v) {
  const uint16_t h = F32ToF16(v);
  p[0] = static_cast<uint8_t>(h & 0xFF);
  p[1] = static_cast<uint8_t>(h >> 8);
}

float GetF16(const uint8_t* p) { return F16ToF32(static_cast<uint16_t>(p[0] | (p[1] << 8))); }

// ggml's nearest_int. Adding 1.5 * 2^23 moves v into the binade [2^23, 2^24), where floats are
// spaced exactly 1 apart, so the addition itself rounds v (to nearest even, the default mode) and
// the low 23 mantissa bits hold round(v) + 2^22. Exact for |v| <= 4194303 (2^22 - 1). Past that
// ggml asserts in debug builds; its release builds, and this function, return whatever the bits
// say: deterministic and defined even for NaN and Inf, unlike a float-to-int cast.
int NearestInt(float v) {
  const float shifted = v + 12582912.0f;
  return (std::bit_cast<int32_t>(shifted) & 0x007FFFFF) - 0x00400000;
}

// The int-to-float conversions C applies implicitly in ggml's mixed expressions.
float F(int i) { return static_cast<float>(i); }
float S8(uint8_t byte) { return static_cast<float>(static_cast<int8_t>(byte)); }

// ggml's make_qkx2_quants with use_mad = false: codes L[i] in 0..nmax for x[i] ~ scale * L[i] -
// *neg_min, weights w. Returns the scale; *neg_min receives -min (min <= 0, so *neg_min >= 0).
// The search tries nstep + 1 inverse scales (nmax + rmin + rdelta * is) / (max - min), fits
// (scale, min) by weighted least squares to each candidate's codes, and keeps the fit with the
// smallest weighted squared error; `aux` is scratch of n codes.
float SearchScaleMin(int n, int nmax, const float* x, const float* w, uint8_t* L, float* neg_min,
                     uint8_t* aux, float rmin, float rdelta, int nstep) {
  float min = x[0];
  float max = x[0];
  float sum_w = w[0];
  float sum_x = sum_w * x[0];
  for (int i = 1; i < n; ++i) {
    if (x[i] < min) min = x[i];
    if (x[i] > max) max = x[i];
    sum_w += w[i];
    sum_x += w[i] * x[i];
  }
  // The min is an offset subtracted at decode time; a positive one would need negative codes.
  if (min > 0) min = 0;
  if (max == min) {
    std::fill(L, L + n, uint8_t{0});
    *neg_min = -min;
    return 0.0f;
  }
  float iscale = F(nmax) / (max - min);
  float scale = 1 / iscale;
  float best_error = 0;
  for (int i = 0; i < n; ++i) {
    const int l = NearestInt(iscale * (x[i] - min));
    L[i] = static_cast<uint8_t>(std::clamp(l, 0, nmax));
    const float diff = scale * static_cast<float>(L[i]) + min - x[i];
    best_error += w[i] * (diff * diff);
  }
  for (int is = 0; is <= nstep; ++is) {
    iscale = (rmin + rdelta * F(is) + F(nmax)) / (max - min);
    float sum_l = 0, sum_l2 = 0, sum_xl = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(NearestInt(iscale * (x[i] - min)), 0, nmax);
      aux[i] = static_cast<uint8_t>(l);
      sum_l += w[i] * F(l);
      sum_l2 += w[i] * F(l) * F(l);
      sum_xl += w[i] * F(l) * x[i];
    }
    const float det = sum_w * sum_l2 - sum_l * sum_l;
    if (!(det > 0)) continue;
    float this_scale = (sum_w * sum_xl - sum_x * sum_l) / det;
    float this_min = (sum_l2 * sum_x - sum_l * sum_xl) / det;
    if (this_min > 0) {
      this_min = 0;
      this_scale = sum_xl / sum_l2;
    }
    float error = 0;
    for (int i = 0; i < n; ++i) {
      const float diff = this_scale * static_cast<float>(aux[i]) + this_min - x[i];
      error += w[i] * (diff * diff);
    }
    // The kept fit's min also becomes the offset that later candidates code against (ggml's
    // order of updates, which changes which codes they try).
    if (error < best_error) {
      std::copy(aux, aux + n, L);
      best_error = error;
      scale = this_scale;
      min = this_min;
    }
  }
  *neg_min = -min;
  return scale;
}

// ggml's make_qx_quants with rmse_type 1 and no importance weights (weights x^2): signed codes
// l in -nmax..nmax-1, stored as L[i] = l + nmax. Returns the scale (x ~ scale * l), 0 for a group
// whose largest magnitude is below kGroupMaxEps (codes 0 then, not nmax).
float SearchSymmetricScale(int n, int nmax, const float* x, int8_t* L) {
  float max = 0;
  float amax = 0;
  for (int i = 0; i < n; ++i) {
    const float ax = std::fabs(x[i]);
    if (ax > amax) {
      amax = ax;
      max = x[i];
    }
  }
  if (amax < kGroupMaxEps) {
    std::fill(L, L + n, int8_t{0});
    return 0.0f;
  }
  // Weighted least squares of x against the codes of one inverse scale: sum(w x l), sum(w l^2).
  auto fit = [&](float iscale, float& sumlx, float& suml2) {
    sumlx = 0;
    suml2 = 0;
    for (int i = 0; i < n; ++i) {
      const int l = std::clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1);
      const float w = x[i] * x[i];
      sumlx += w * x[i] * F(l);
      suml2 += w * F(l) * F(l);
    }
  };
  auto assign = [&](float iscale) {
    for (int i = 0; i < n; ++i) {
      L[i] = static_cast<int8_t>(nmax + std::clamp(NearestInt(iscale * x[i]), -nmax, nmax - 1));
    }
  };
  // Dividing by the signed extreme maps it onto -nmax, the one code without a positive twin.
  float iscale = F(-nmax) / max;
  float sumlx, suml2;
  fit(iscale, sumlx, suml2);
  assign(iscale);
  float scale = suml2 != 0 ? sumlx / suml2 : 0.0f;
  float best = scale * sumlx;
  for (int is = -9; is <= 9; ++is) {
    if (is == 0) continue;
    iscale = -(F(nmax) + 0.1f * F(is)) / max;
    fit(iscale, sumlx, suml2);
    // Maximizing sumlx^2 / suml2 minimizes the weighted squared error of the fitted scale.
    if (suml2 > 0 && sumlx * sumlx > best * suml2) {
      assign(iscale);
      scale = sumlx / suml2;
      best = scale * sumlx;
    }
  }
  return scale;
}

// Q4_K byte offsets.
constexpr int kQ4KScales = 4;
constexpr int kQ4KQs = 16;

void QuantizeQ4KBlock(const float* x, uint8_t* out) {
  constexpr int kSub = 32;
  constexpr int kNumSub = kQK_K / kSub;
  uint8_t L[kQK_K];
  uint8_t aux[kSub];
  float weights[kSub];
  float scales[kNumSub];
  float mins[kNumSub];

  for (int j = 0; j < kNumSub; ++j) {
    const float* xs = x + kSub * j;
    float sum_x2 = 0;
    for (int l = 0; l < kSub; ++l) sum_x2 += xs[l] * xs[l];
    // Weighting by |x| plus the sub-block's RMS favours the large elements without letting the
    // small ones drop out of the fit.
    const float av_x = std::sqrt(sum_x2 / 32.0f);
    for (int l = 0; l < kSub; ++l) weights[l] = av_x + std::fabs(xs[l]);
    scales[j] = SearchScaleMin(kSub, 15, xs, weights, L + kSub * j, &mins[j], aux, -1.0f, 0.1f, 20);
  }

  // Re-code against the scales as stored (fp16 super-scales times 6-bit factors), so decode sees
  // the codes that best fit what it will actually multiply by.
  float d[kNumSub];
  float dm[kNumSub];
  internal::Q4KPackScales(scales, mins, out, d, dm);
  for (int j = 0; j < kNumSub; ++j) {
    if (d[j] == 0) continue;
    for (int i = 0; i < kSub; ++i) {
      const int l = NearestInt((x[kSub * j + i] + dm[j]) / d[j]);
      L[kSub * j + i] = static_cast<uint8_t>(std::clamp(l, 0, 15));
    }
  }

  uint8_t* qs = out + kQ4KQs;
  for (int c = 0; c < kQK_K / 64; ++c) {
    for (int l = 0; l < 32; ++l) {
      qs[32 * c + l] = static_cast<uint8_t>(L[64 * c + l] | (L[64 * c + 32 + l] << 4));
    }
  }
}

// Q6_K byte offsets.
constexpr int kQ6KQl = 0;
constexpr int kQ6KQh = 128;
constexpr int kQ6KScales = 192;
constexpr int kQ6KD = 208;

void QuantizeQ6KBlock(const float* x, uint8_t* out) {
  constexpr int kSub = 16;
  constexpr int kNumSub = kQK_K / kSub;
  int8_t L[kQK_K];
  float scales[kNumSub];
  for (int j = 0; j < kNumSub; ++j) {
    scales[j] = SearchSymmetricScale(kSub, 32, x + kSub * j, L + kSub * j);
  }
  internal::Q6KFinish(x, scales, L, out);
}

}  // namespace

void internal::Q6KFinish(const float* x, const float* scales, int8_t* L, uint8_t* out) {
  constexpr int kSub = 16;
  constexpr int kNumSub = kQK_K / kSub;
  float max_scale = 0;
  float max_abs_scale = 0;
  for (int j = 0; j < kNumSub; ++j) {
    const float abs_scale = std::fabs(scales[j]);
    if (abs_scale > max_abs_scale) {
      max_abs_scale = abs_scale;
      max_scale = scales[j];
    }
  }

  std::memset(out, 0, kQ6KBlockBytes);
  if (max_abs_scale < kGroupMaxEps) return;  // all zero bytes, d = +0

  // As in each sub-block, dividing by the signed extreme puts it on -128 exactly.
  const float iscale = -128.0f / max_scale;
  PutF16(out + kQ6KD, 1 / iscale);
  int8_t sc[kNumSub];
  for (int j = 0; j < kNumSub; ++j) {
    sc[j] = static_cast<int8_t>(std::min(127, NearestInt(iscale * scales[j])));
    out[kQ6KScales + j] = static_cast<uint8_t>(sc[j]);
  }

  const float d_all = GetF16(out + kQ6KD);
  for (int j = 0; j < kNumSub; ++j) {
    const float d = d_all * F(sc[j]);
    if (d == 0) continue;
    for (int i = 0; i < kSub; ++i) {
      const int l = std::clamp(NearestInt(x[kSub * j + i] / d), -32, 31);
      L[kSub * j + i] = static_cast<int8_t>(l + 32);
    }
  }

  for (int h = 0; h < 2; ++h) {
    const int8_t* q = L + 128 * h;
    uint8_t* ql = out + kQ6KQl + 64 * h;
    uint8_t* qh = out + kQ6KQh + 32 * h;
    for (int l = 0; l < 32; ++l) {
      ql[l] = static_cast<uint8_t>((q[l] & 0xF) | ((q[l + 64] & 0xF) << 4));
      ql[l + 32] = static_cast<uint8_t>((q[l + 32] & 0xF) | ((q[l + 96] & 0xF) << 4));
      qh[l] = static_cast<uint8_t>((q[l] >> 4) | ((q[l + 32] >> 4) << 2) | ((q[l + 64] >> 4) << 4) |
                                   ((q[l + 96] >> 4) << 6));
    }
  }
}

Q4KScaleMin UnpackQ4KScaleMin(const uint8_t* scales12, int sub) {
  assert(sub >= 0 && sub < 8);
  const uint8_t* q = scales12;
  if (sub < 4) return {static_cast<uint8_t>(q[sub] & 63), static_cast<uint8_t>(q[sub + 4] & 63)};
  return {static_cast<uint8_t>((q[sub + 4] & 0xF) | ((q[sub - 4] >> 6) << 4)),
          static_cast<uint8_t>((q[sub + 4] >> 4) | ((q[sub] >> 6) << 4))};
}

void internal::Q4KPackScales(const float* scales, const float* mins, uint8_t* block, float* d,
                             float* dm) {
  constexpr int kNumSub = kQK_K / 32;
  float max_scale = 0;  // scales are positive: the min absorbs the offset
  float max_min = 0;
  for (int j = 0; j < kNumSub; ++j) {
    if (scales[j] > max_scale) max_scale = scales[j];
    if (mins[j] > max_min) max_min = mins[j];
  }
  uint8_t* packed = block + kQ4KScales;
  std::memset(packed, 0, 12);
  const float inv_scale = max_scale > 0 ? 63.0f / max_scale : 0.0f;
  const float inv_min = max_min > 0 ? 63.0f / max_min : 0.0f;
  for (int j = 0; j < kNumSub; ++j) {
    // ggml stores the rounded value into a uint8_t before clamping, so an out-of-range (negative)
    // result wraps modulo 256 first; keep that.
    const auto ls = std::min<uint8_t>(63, static_cast<uint8_t>(NearestInt(inv_scale * scales[j])));
    const auto lm = std::min<uint8_t>(63, static_cast<uint8_t>(NearestInt(inv_min * mins[j])));
    if (j < 4) {
      packed[j] = ls;
      packed[j + 4] = lm;
    } else {
      packed[j + 4] = static_cast<uint8_t>((ls & 0xF) | ((lm & 0xF) << 4));
      packed[j - 4] |= static_cast<uint8_t>((ls >> 4) << 6);
      packed[j] |= static_cast<uint8_t>((lm >> 4) << 6);
    }
  }
  PutF16(block, max_scale / 63.0f);
  PutF16(block + 2, max_min / 63.0f);
  const float d_all = GetF16(block);
  const float dmin_all = GetF16(block + 2);
  for (int j = 0; j < kNumSub; ++j) {
    const Q4KScaleMin sm = UnpackQ4KScaleMin(packed, j);
    d[j] = d_all * static_cast<float>(sm.scale);
    dm[j] = dmin_all * static_cast<float>(sm.min);
  }
}

void QuantizeQ4K(const float* x, int64_t n, uint8_t* out) {
  assert(n % kQK_K == 0);
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeQ4KAvx512(x, n, out);
    case Isa::kAvx2:
      return internal::QuantizeQ4KAvx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeQ4KRef(x, n, out);
}

void QuantizeQ4KRef(const float* x, int64_t n, uint8_t* out) {
  assert(n % kQK_K == 0);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    QuantizeQ4KBlock(x + b * kQK_K, out + b * kQ4KBlockBytes);
  }
}

void DequantizeQ4K(const uint8_t* in, int64_t n, float* y) {
  assert(n % kQK_K == 0);
  for (int64_t b = 0; b < n / kQK_K; ++b, in += kQ4KBlockBytes) {
    const float d = GetF16(in);
    const float dmin = GetF16(in + 2);
    const uint8_t* qs = in + kQ4KQs;
    for (int c = 0; c < kQK_K / 64; ++c, qs += 32) {
      const Q4KScaleMin lo = UnpackQ4KScaleMin(in + kQ4KScales, 2 * c);
      const Q4KScaleMin hi = UnpackQ4KScaleMin(in + kQ4KScales, 2 * c + 1);
      const float d1 = d * static_cast<float>(lo.scale);
      const float m1 = dmin * static_cast<float>(lo.min);
      const float d2 = d * static_cast<float>(hi.scale);
      const float m2 = dmin * static_cast<float>(hi.min);
      for (int l = 0; l < 32; ++l) *y++ = d1 * F(qs[l] & 0xF) - m1;
      for (int l = 0; l < 32; ++l) *y++ = d2 * F(qs[l] >> 4) - m2;
    }
  }
}

void QuantizeQ6K(const float* x, int64_t n, uint8_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeQ6KAvx512(x, n, out);
    case Isa::kAvx2:
      return internal::QuantizeQ6KAvx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeQ6KRef(x, n, out);
}

void QuantizeQ6KRef(const float* x, int64_t n, uint8_t* out) {
  assert(n % kQK_K == 0);
  for (int64_t b = 0; b < n / kQK_K; ++b) {
    QuantizeQ6KBlock(x + b * kQK_K, out + b * kQ6KBlockBytes);
  }
}

void DequantizeQ6K(const uint8_t* in, int64_t n, float* y) {
  assert(n % kQK_K == 0);
  for (int64_t b = 0; b < n / kQK_K; ++b, in += kQ6KBlockBytes) {
    const float d = GetF16(in + kQ6KD);
    for (int h = 0; h < 2; ++h, y += 128) {
      const uint8_t* ql = in + kQ6KQl + 64 * h;
      const uint8_t* qh = in + kQ6KQh + 32 * h;
      const uint8_t* sc = in + kQ6KScales + 8 * h;  // int8 each
      for (int l = 0; l < 32; ++l) {
        const int is = l / 16;
        const int q1 = ((ql[l] & 0xF) | (((qh[l] >> 0) & 3) << 4)) - 32;
        const int q2 = ((ql[l + 32] & 0xF) | (((qh[l] >> 2) & 3) << 4)) - 32;
        const int q3 = ((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32;
        const int q4 = ((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32;
        y[l] = d * S8(sc[is]) * F(q1);
        y[l + 32] = d * S8(sc[is + 2]) * F(q2);
        y[l + 64] = d * S8(sc[is + 4]) * F(q3);
        y[l + 96] = d * S8(sc[is + 6]) * F(q4);
      }
    }
  }
}

}  // namespace aiinfra::quant
