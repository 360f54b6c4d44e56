// Run-time choice of the vector instruction set for the hot codecs of quant, and the row
// conversions that use it. Every SIMD path is bit-for-bit equal to its scalar reference (the
// element encoders of float_formats.h, QuantizeQ8_0Ref, QuantizeQ4KRef): the choice of ISA changes
// speed, never bytes. simd_test.cc checks that on every ISA the CPU has.
//
// The ISA in use is CpuIsa() unless lowered: by the environment variable AIINFRA_ISA
// (scalar|avx2|avx512), read once at the first call of ActiveIsa() or a dispatched function, or by
// SetIsa. A request above what the CPU supports is clamped to CpuIsa(); an unknown value of
// AIINFRA_ISA is ignored. The SIMD code lives in simd_avx2.cc and simd_avx512.cc, compiled with
// per-function target attributes, so the binary runs on any x86-64 and on other architectures
// (where CpuIsa() is kScalar).
//
// Thread safety: all functions may be called concurrently; SetIsa is atomic, and a conversion
// already running keeps the ISA it started with.
#pragma once

#include <cstdint>
#include <string_view>

namespace aiinfra::quant {

// Ordered: a higher value includes the lower ones.
enum class Isa { kScalar, kAvx2, kAvx512 };

// What this CPU supports: kAvx2 needs AVX2 and F16C; kAvx512 also AVX-512 F, BW, DQ and VL.
Isa CpuIsa();
// The ISA the dispatched functions use.
Isa ActiveIsa();
// Sets the ISA in use, clamped to CpuIsa(); for tests and benchmarks.
void SetIsa(Isa isa);
// "scalar", "avx2", "avx512".
std::string_view IsaName(Isa isa);

// FP8 tensor encoding: out[i] = F32ToE4M3(x[i] / scale) (F32ToE5M2 when e5m2), a true division
// as codec.cc defines the fp8 tensors; any n >= 0, any floats (NaN and ±Inf as the element
// encoders define them).
void EncodeFp8Row(const float* x, int64_t n, float scale, bool e5m2, uint8_t* out);
// The definition: that loop over the element encoders.
void EncodeFp8RowRef(const float* x, int64_t n, float scale, bool e5m2, uint8_t* out);

// Element-wise F32ToBF16 / F32ToF16 / BF16ToF32 / F16ToF32 (float_formats.h) over n >= 0
// values, NaN payloads included. Input and output must not overlap.
void F32ToBF16Row(const float* x, int64_t n, uint16_t* out);
void F32ToF16Row(const float* x, int64_t n, uint16_t* out);
void BF16ToF32Row(const uint16_t* in, int64_t n, float* y);
void F16ToF32Row(const uint16_t* in, int64_t n, float* y);

}  // namespace aiinfra::quant
