#include "quant/microscale.h"

#include <algorithm>
#include <cmath>

#include "quant/float_formats.h"
#include "quant/simd.h"
#include "quant/simd_impl.h"

namespace aiinfra::quant {
namespace {

bool AllFinite(const float* x, int n) {
  for (int j = 0; j < n; ++j) {
    if (!std::isfinite(x[j])) return false;
  }
  return true;
}

float Amax(const float* x, int n) {
  float amax = 0;
  for (int j = 0; j < n; ++j) amax = std::max(amax, std::fabs(x[j]));
  return amax;
}

// E2M1 codes of x[j] / scale; zeros when the scale is zero (nothing to divide by).
uint8_t Code(float x, float scale) { return scale > 0 ? F32ToE2M1(x / scale) : 0; }

}  // namespace

uint8_t MxScaleCode(const float* x) {
  const bool finite = AllFinite(x, kMxBlock);
  return internal::MxScaleCodeFromAmax(finite ? Amax(x, kMxBlock) : 0.0f, finite);
}

uint8_t internal::MxScaleCodeFromAmax(float amax, bool finite) {
  if (!finite) return 0xFF;
  if (amax == 0) return 0;
  int e = 0;
  std::frexp(amax, &e);  // amax = f * 2^e, f in [0.5, 1): floor(log2(amax)) = e - 1
  return static_cast<uint8_t>(std::clamp(e - 1 - 2 + 127, 0, 254));
}

void QuantizeMxfp4(const float* x, int64_t n, uint8_t* codes, uint8_t* scales) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeMxfp4Avx512(x, n, codes, scales);
    case Isa::kAvx2:
      return internal::QuantizeMxfp4Avx2(x, n, codes, scales);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeMxfp4Ref(x, n, codes, scales);
}

void QuantizeMxfp4Ref(const float* x, int64_t n, uint8_t* codes, uint8_t* scales) {
  for (int64_t b = 0; b < n / kMxBlock; ++b, x += kMxBlock) {
    const uint8_t s = MxScaleCode(x);
    scales[b] = s;
    const float scale = s == 0xFF ? 0.0f : E8M0ToF32(s);
    for (int j = 0; j < kMxBlock; j += 2) {
      *codes++ = static_cast<uint8_t>(Code(x[j], scale) | (Code(x[j + 1], scale) << 4));
    }
  }
}

void DequantizeMxfp4(const uint8_t* codes, const uint8_t* scales, int64_t n, float* y) {
  for (int64_t i = 0; i < n; i += 2) {
    const float scale = E8M0ToF32(scales[i / kMxBlock]);
    const uint8_t c = codes[i / 2];
    y[i] = E2M1ToF32(c & 15) * scale;
    y[i + 1] = E2M1ToF32(c >> 4) * scale;
  }
}

void QuantizeMxfp4Ggml(const float* x, int64_t n, uint8_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeMxfp4GgmlAvx512(x, n, out);
    case Isa::kAvx2:
      return internal::QuantizeMxfp4GgmlAvx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeMxfp4GgmlRef(x, n, out);
}

void QuantizeMxfp4GgmlRef(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kMxBlock; ++b, x += kMxBlock, out += kMxfp4GgmlBytes) {
    const uint8_t s = MxScaleCode(x);
    out[0] = s;
    const float scale = s == 0xFF ? 0.0f : E8M0ToF32(s);
    for (int j = 0; j < 16; ++j) {
      out[1 + j] = static_cast<uint8_t>(Code(x[j], scale) | (Code(x[j + 16], scale) << 4));
    }
  }
}

void DequantizeMxfp4Ggml(const uint8_t* in, int64_t n, float* y) {
  for (int64_t b = 0; b < n / kMxBlock; ++b, in += kMxfp4GgmlBytes, y += kMxBlock) {
    const float scale = E8M0ToF32(in[0]);
    for (int j = 0; j < 16; ++j) {
      y[j] = E2M1ToF32(in[1 + j] & 15) * scale;
      y[j + 16] = E2M1ToF32(in[1 + j] >> 4) * scale;
    }
  }
}

float NvTensorScale(float amax) {
  return amax > 0 && std::isfinite(amax) ? amax / (kE2M1Max * kE4M3Max) : 1.0f;
}

void QuantizeNvfp4(const float* x, int64_t n, float tensor_scale, uint8_t* codes, uint8_t* scales) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeNvfp4Avx512(x, n, tensor_scale, codes, scales);
    case Isa::kAvx2:
      return internal::QuantizeNvfp4Avx2(x, n, tensor_scale, codes, scales);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeNvfp4Ref(x, n, tensor_scale, codes, scales);
}

void QuantizeNvfp4Ref(const float* x, int64_t n, float tensor_scale, uint8_t* codes,
                      uint8_t* scales) {
  for (int64_t b = 0; b < n / kNvBlock; ++b, x += kNvBlock) {
    float scale = 0;
    if (!AllFinite(x, kNvBlock)) {
      scales[b] = 0x7F;  // E4M3's NaN
    } else {
      scales[b] = F32ToE4M3(Amax(x, kNvBlock) / kE2M1Max / tensor_scale);
      scale = E4M3ToF32(scales[b]) * tensor_scale;
    }
    for (int j = 0; j < kNvBlock; j += 2) {
      *codes++ = static_cast<uint8_t>(Code(x[j], scale) | (Code(x[j + 1], scale) << 4));
    }
  }
}

void DequantizeNvfp4(const uint8_t* codes, const uint8_t* scales, int64_t n, float tensor_scale,
                     float* y) {
  for (int64_t i = 0; i < n; i += 2) {
    const float scale = E4M3ToF32(scales[i / kNvBlock]) * tensor_scale;
    const uint8_t c = codes[i / 2];
    y[i] = E2M1ToF32(c & 15) * scale;
    y[i + 1] = E2M1ToF32(c >> 4) * scale;
  }
}

void QuantizeNvfp4Ggml(const float* x, int64_t n, uint8_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::QuantizeNvfp4GgmlAvx512(x, n, out);
    case Isa::kAvx2:
      return internal::QuantizeNvfp4GgmlAvx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  QuantizeNvfp4GgmlRef(x, n, out);
}

void QuantizeNvfp4GgmlRef(const float* x, int64_t n, uint8_t* out) {
  for (int64_t b = 0; b < n / kNvfp4GgmlBlock; ++b, out += kNvfp4GgmlBytes) {
    for (int s = 0; s < 4; ++s, x += kNvBlock) {
      out[s] = F32ToUE4M3(Amax(x, kNvBlock) / kE2M1Max);
      const float scale = UE4M3ToF32(out[s]);
      for (int j = 0; j < 8; ++j) {
        out[4 + 8 * s + j] = static_cast<uint8_t>(Code(x[j], scale) | (Code(x[j + 8], scale) << 4));
      }
    }
  }
}

void DequantizeNvfp4Ggml(const uint8_t* in, int64_t n, float* y) {
  for (int64_t b = 0; b < n / kNvfp4GgmlBlock; ++b, in += kNvfp4GgmlBytes) {
    for (int s = 0; s < 4; ++s, y += kNvBlock) {
      const float scale = UE4M3ToF32(in[s]);
      for (int j = 0; j < 8; ++j) {
        y[j] = E2M1ToF32(in[4 + 8 * s + j] & 15) * scale;
        y[j + 8] = E2M1ToF32(in[4 + 8 * s + j] >> 4) * scale;
      }
    }
  }
}

}  // namespace aiinfra::quant
