#include "quant/simd.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>

#include "quant/float_formats.h"
#include "quant/simd_impl.h"

namespace aiinfra::quant {
namespace {

Isa DetectIsa() {
#if AIINFRA_QUANT_X86
  __builtin_cpu_init();
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("f16c")) return Isa::kScalar;
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl")) {
    return Isa::kAvx512;
  }
  return Isa::kAvx2;
#else
  return Isa::kScalar;
#endif
}

Isa Clamp(Isa isa) { return std::min(isa, CpuIsa()); }

// The environment is read once, when the first caller needs the ISA; tests and benchmarks
// override it with SetIsa.
Isa InitialIsa() {
  const char* env = std::getenv("AIINFRA_ISA");
  if (env != nullptr) {
    for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
      if (IsaName(isa) == env) return Clamp(isa);
    }
  }
  return CpuIsa();
}

std::atomic<Isa>& Active() {
  static std::atomic<Isa> isa{InitialIsa()};
  return isa;
}

}  // namespace

Isa CpuIsa() {
  static const Isa isa = DetectIsa();
  return isa;
}

Isa ActiveIsa() { return Active().load(std::memory_order_relaxed); }

void SetIsa(Isa isa) { Active().store(Clamp(isa), std::memory_order_relaxed); }

std::string_view IsaName(Isa isa) {
  switch (isa) {
    case Isa::kScalar:
      return "scalar";
    case Isa::kAvx2:
      return "avx2";
    case Isa::kAvx512:
      return "avx512";
  }
  return "unknown";
}

void EncodeFp8RowRef(const float* x, int64_t n, float scale, bool e5m2, uint8_t* out) {
  for (int64_t i = 0; i < n; ++i) out[i] = e5m2 ? F32ToE5M2(x[i] / scale) : F32ToE4M3(x[i] / scale);
}

void internal::EncodeFp8RowScalar(const float* x, int64_t n, float scale, bool e5m2, uint8_t* out) {
  const internal::Fp8Format& f = e5m2 ? internal::kE5M2Format : internal::kE4M3Format;
  for (int64_t i = 0; i < n; ++i) out[i] = internal::EncodeFp8Fast(x[i] / scale, f);
}

void EncodeFp8Row(const float* x, int64_t n, float scale, bool e5m2, uint8_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::EncodeFp8RowAvx512(x, n, scale, e5m2, out);
    case Isa::kAvx2:
      return internal::EncodeFp8RowAvx2(x, n, scale, e5m2, out);
    case Isa::kScalar:
      break;
  }
#endif
  internal::EncodeFp8RowScalar(x, n, scale, e5m2, out);
}

void F32ToBF16Row(const float* x, int64_t n, uint16_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::F32ToBF16RowAvx512(x, n, out);
    case Isa::kAvx2:
      return internal::F32ToBF16RowAvx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  for (int64_t i = 0; i < n; ++i) out[i] = F32ToBF16(x[i]);
}

void F32ToF16Row(const float* x, int64_t n, uint16_t* out) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::F32ToF16RowAvx512(x, n, out);
    case Isa::kAvx2:
      return internal::F32ToF16RowAvx2(x, n, out);
    case Isa::kScalar:
      break;
  }
#endif
  for (int64_t i = 0; i < n; ++i) out[i] = F32ToF16(x[i]);
}

void BF16ToF32Row(const uint16_t* in, int64_t n, float* y) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::BF16ToF32RowAvx512(in, n, y);
    case Isa::kAvx2:
      return internal::BF16ToF32RowAvx2(in, n, y);
    case Isa::kScalar:
      break;
  }
#endif
  for (int64_t i = 0; i < n; ++i) y[i] = BF16ToF32(in[i]);
}

void F16ToF32Row(const uint16_t* in, int64_t n, float* y) {
#if AIINFRA_QUANT_X86
  switch (ActiveIsa()) {
    case Isa::kAvx512:
      return internal::F16ToF32RowAvx512(in, n, y);
    case Isa::kAvx2:
      return internal::F16ToF32RowAvx2(in, n, y);
    case Isa::kScalar:
      break;
  }
#endif
  for (int64_t i = 0; i < n; ++i) y[i] = F16ToF32(in[i]);
}

}  // namespace aiinfra::quant
