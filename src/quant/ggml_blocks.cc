#include "quant/ggml_blocks.h"

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstring>

#include "quant/float_formats.h"
#include "quant/simd.h"
#include "quant/simd_impl.h"

namespace aiinfra::quant {
namespace {

void PutF16(uint8_t* p, float v) {
  const uint16_t h = F32ToF16(v);
  p[0] = static_cast<uint8_t>(h & 0xFF);
  p[1] = static_cast<uint8_t>(h >> 8);
}

// ggml's `(int8_t)v` on a float, as x86-64 executes it (cvttss2si to 32 bits, keep the low
// byte), without C++'s undefined behaviour outside int8's range: a value that is NaN, infinite
// or outside int32 gives the "integer indefinite" 0x80000000, whose low byte is 0. Values the
// quantizers produce from normal weights are small and in range, where this is the cast itself;
// the others come from blocks whose amax is so small (below about 1e-36) that 1 / d overflows.
int ToInt8(float v) {
  if (!(v > -2147483648.0f && v < 2147483648.0f)) return 0;
  return static_cast<int8_t>(static_cast<uint8_t>(static_cast<uint32_t>(static_cast<int32_t>(v))));
}

float GetF16(const uint8_t* p) { return F16ToF32(static_cast<uint16_t>(p[0] | (p[1] << 8))); }

// The element of largest magnitude, with its sign (the first of equal magnitudes), as Q4_0 and
// Q5_0 scale by it: the extreme value then lands exactly on the lowest code.
float SignedMax(const float* x) {
  float amax = 0, max = 0;
  for (int j = 0; j < kQK; ++j) {
    if (amax < std::fabs(x[j])) {
      amax = std::fabs(x[j]);
      max = x[j];
    }
  }
  return max;
}

}  // namespace

void QuantizeQ8_0(const float* x, int64_t n, uint8_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeQ8_0Avx512(x, n, out);
    case Isa::kAvx2:
      return internal::QuantizeQ8_0Avx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeQ8_0Ref(x, n, out);
}

void QuantizeQ8_0Ref(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ8_0Bytes) {
    float amax = 0;
    for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[j]));
    const float d = amax / 127.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    PutF16(out, d);
    for (int j = 0; j < kQK; ++j) {
      out[2 + j] = static_cast<uint8_t>(ToInt8(std::round(x[j] * id)));
    }
  }
}

void DequantizeQ8_0(const uint8_t* in, int64_t n, float* y) {
  for (int64_t b = 0; b < n / kQK; ++b, in += kQ8_0Bytes, y += kQK) {
    const float d = GetF16(in);
    for (int j = 0; j < kQK; ++j) y[j] = static_cast<float>(static_cast<int8_t>(in[2 + j])) * d;
  }
}

void QuantizeQ4_0(const float* x, int64_t n, uint8_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeQ4_0Avx512(x, n, out);
    case Isa::kAvx2:
      return internal::QuantizeQ4_0Avx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeQ4_0Ref(x, n, out);
}

void QuantizeQ4_0Ref(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ4_0Bytes) {
    const float d = SignedMax(x) / -8.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    PutF16(out, d);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = std::min(15, ToInt8(x[j] * id + 8.5f));
      const int hi = std::min(15, ToInt8(x[j + 16] * id + 8.5f));
      out[2 + j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void DequantizeQ4_0(const uint8_t* in, int64_t n, float* y) {
  for (int64_t b = 0; b < n / kQK; ++b, in += kQ4_0Bytes, y += kQK) {
    const float d = GetF16(in);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = static_cast<float>((in[2 + j] & 0x0F) - 8) * d;
      y[j + 16] = static_cast<float>((in[2 + j] >> 4) - 8) * d;
    }
  }
}

void QuantizeQ4_1(const float* x, int64_t n, uint8_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeQ4_1Avx512(x, n, out);
    case Isa::kAvx2:
      return internal::QuantizeQ4_1Avx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeQ4_1Ref(x, n, out);
}

void QuantizeQ4_1Ref(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ4_1Bytes) {
    float min = FLT_MAX, max = -FLT_MAX;
    for (int j = 0; j < kQK; ++j) {
      min = std::min(min, x[j]);
      max = std::max(max, x[j]);
    }
    const float d = (max - min) / 15.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    PutF16(out, d);
    PutF16(out + 2, min);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = std::min(15, ToInt8((x[j] - min) * id + 0.5f));
      const int hi = std::min(15, ToInt8((x[j + 16] - min) * id + 0.5f));
      out[4 + j] = static_cast<uint8_t>(lo | (hi << 4));
    }
  }
}

void DequantizeQ4_1(const uint8_t* in, int64_t n, float* y) {
  for (int64_t b = 0; b < n / kQK; ++b, in += kQ4_1Bytes, y += kQK) {
    const float d = GetF16(in), m = GetF16(in + 2);
    for (int j = 0; j < kQK / 2; ++j) {
      y[j] = static_cast<float>(in[4 + j] & 0x0F) * d + m;
      y[j + 16] = static_cast<float>(in[4 + j] >> 4) * d + m;
    }
  }
}

void QuantizeQ5_0(const float* x, int64_t n, uint8_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeQ5_0Avx512(x, n, out);
    case Isa::kAvx2:
      return internal::QuantizeQ5_0Avx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeQ5_0Ref(x, n, out);
}

void QuantizeQ5_0Ref(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kQK; ++b, x += kQK, out += kQ5_0Bytes) {
    const float d = SignedMax(x) / -16.0f;
    const float id = d != 0 ? 1.0f / d : 0.0f;
    PutF16(out, d);
    uint32_t qh = 0;
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = std::min(31, ToInt8(x[j] * id + 16.5f));
      const int hi = std::min(31, ToInt8(x[j + 16] * id + 16.5f));
      out[6 + j] = static_cast<uint8_t>((lo & 0x0F) | ((hi & 0x0F) << 4));
      qh |= static_cast<uint32_t>((lo >> 4) & 1) << j;
      qh |= static_cast<uint32_t>((hi >> 4) & 1) << (j + 16);
    }
    for (int k = 0; k < 4; ++k) out[2 + k] = static_cast<uint8_t>(qh >> (8 * k));
  }
}

void DequantizeQ5_0(const uint8_t* in, int64_t n, float* y) {
  for (int64_t b = 0; b < n / kQK; ++b, in += kQ5_0Bytes, y += kQK) {
    const float d = GetF16(in);
    uint32_t qh = 0;
    for (int k = 0; k < 4; ++k) qh |= static_cast<uint32_t>(in[2 + k]) << (8 * k);
    for (int j = 0; j < kQK / 2; ++j) {
      const int lo = (in[6 + j] & 0x0F) | static_cast<int>(((qh >> j) & 1) << 4);
      const int hi = (in[6 + j] >> 4) | static_cast<int>(((qh >> (j + 16)) & 1) << 4);
      y[j] = static_cast<float>(lo - 16) * d;
      y[j + 16] = static_cast<float>(hi - 16) * d;
    }
  }
}

}  // namespace aiinfra::quant
