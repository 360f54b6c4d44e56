#include "quant/int_quant.h"

#include <algorithm>
#include <cmath>

#include "quant/float_formats.h"
#include "quant/simd.h"
#include "quant/simd_impl.h"

namespace aiinfra::quant {
namespace {

float Stored(float s, const IntSpec& spec) { return spec.f16_scales() ? F16ToF32(F32ToF16(s)) : s; }

// Code of element i, as an unsigned byte (8 bits) or nibble (4 bits).
void Put(uint8_t* codes, int64_t i, int q, int bits) {
  if (bits == 8) {
    codes[i] = static_cast<uint8_t>(q);
  } else if (i % 2 == 0) {
    codes[i / 2] = static_cast<uint8_t>(q & 15);
  } else {
    codes[i / 2] = static_cast<uint8_t>(codes[i / 2] | ((q & 15) << 4));
  }
}

int Get(const uint8_t* codes, int64_t i, const IntSpec& spec) {
  if (spec.bits == 8) {
    return spec.asymmetric ? codes[i] : static_cast<int8_t>(codes[i]);
  }
  const int nibble = (i % 2 == 0) ? (codes[i / 2] & 15) : (codes[i / 2] >> 4);
  return spec.asymmetric ? nibble : (nibble ^ 8) - 8;  // sign-extend a two's complement nibble
}

}  // namespace

float internal::IntGroupScale(const IntSpec& spec, float min, float max, float amax, int* z,
                              int* lo, int* hi) {
  const int levels = (1 << spec.bits) - 1;      // 255, 15
  const int qmax = (1 << (spec.bits - 1)) - 1;  // 127, 7
  float s = 0;
  *z = 0;
  *lo = -qmax - 1;
  *hi = qmax;
  if (spec.asymmetric) {
    s = Stored((max - min) / static_cast<float>(levels), spec);
    if (s > 0) *z = std::clamp(static_cast<int>(std::nearbyint(-min / s)), 0, levels);
    *lo = 0;
    *hi = levels;
  } else {
    s = Stored(amax / static_cast<float>(qmax), spec);
  }
  if (!(s > 0)) s = 1;  // an all-zero group (or one whose scale underflowed): codes z
  return s;
}

void QuantizeIntRow(const float* x, int64_t cols, const IntSpec& spec, uint8_t* codes,
                    float* scales, uint8_t* zeros) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeIntRowAvx512(x, cols, spec, codes, scales, zeros);
    case Isa::kAvx2:
      return internal::QuantizeIntRowAvx2(x, cols, spec, codes, scales, zeros);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeIntRowRef(x, cols, spec, codes, scales, zeros);
}

void QuantizeIntRowRef(const float* x, int64_t cols, const IntSpec& spec, uint8_t* codes,
                       float* scales, uint8_t* zeros) {
  const int64_t group = spec.group > 0 ? spec.group : cols;
  for (int64_t g = 0; g * group < cols; ++g) {
    const float* xg = x + g * group;
    float min = 0, max = 0, amax = 0;
    if (spec.asymmetric) {
      for (int64_t j = 0; j < group; ++j) {
        min = std::min(min, xg[j]);
        max = std::max(max, xg[j]);
      }
    } else {
      for (int64_t j = 0; j < group; ++j) amax = std::max(amax, std::fabs(xg[j]));
    }
    int z = 0, lo = 0, hi = 0;
    const float s = internal::IntGroupScale(spec, min, max, amax, &z, &lo, &hi);
    if (spec.asymmetric) zeros[g] = static_cast<uint8_t>(z);
    scales[g] = s;
    for (int64_t j = 0; j < group; ++j) {
      const float q = std::nearbyint(xg[j] / s) + static_cast<float>(z);
      Put(codes, g * group + j, static_cast<int>(std::clamp(q, float(lo), float(hi))), spec.bits);
    }
  }
}

void DequantizeIntRow(const uint8_t* codes, const float* scales, const uint8_t* zeros, int64_t cols,
                      const IntSpec& spec, float* y) {
  const int64_t group = spec.group > 0 ? spec.group : cols;
  for (int64_t i = 0; i < cols; ++i) {
    const int64_t g = i / group;
    const int z = spec.asymmetric ? zeros[g] : 0;
    y[i] = static_cast<float>(Get(codes, i, spec) - z) * scales[g];
  }
}

}  // namespace aiinfra::quant
