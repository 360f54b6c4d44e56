// Integer weight quantization, INT8 and INT4, in the linear form of ONNX QuantizeLinear:
// q = saturate(round_half_even(x / s) + z), x̂ = (q − z) · s. Spec:
// ../shared/specs/quant-security-ebpf.md 1.7.
//
// Scales are per channel (one per row, `group` 0) or per group (`group` consecutive elements of
// a row, as AWQ and GPTQ use 128). Symmetric: z = 0, s = amax / qmax (127, 7), codes in
// [−qmax − 1, qmax]. Asymmetric: the range [min(min, 0), max(max, 0)] (so that 0 is exact) maps
// onto [0, 2^b − 1]: s = (max − min) / (2^b − 1), z = round_half_even(−min / s). An all-zero
// group has s = 1 (any scale decodes its zeros).
//
// Storage (what `quant convert` writes to safetensors, as compressed-tensors-style checkpoints
// do): INT8 codes as I8 (symmetric) or U8 (asymmetric), one byte each; INT4 codes two per byte,
// element 2i in the low nibble (two's complement nibbles when symmetric); scales as F32 for
// INT8 and as F16 for INT4 (4 + 16 / 128 = 4.125 bits per weight at group 128, the figure the
// model module uses), zero points as U8. Codes are computed with the stored (rounded) scale, so
// decoding the file gives exactly what Dequantize gives here. Inputs must be finite.
#pragma once

#include <cstdint>

namespace aiinfra::quant {

struct IntSpec {
  int bits = 8;  // 8 or 4
  // Elements per scale along a row; 0 = the whole row (per channel); -1 (TensorCodec only) =
  // the format's default, per channel for int8 and 128 for int4.
  int64_t group = 0;
  bool asymmetric = false;
  bool f16_scales() const { return bits == 4; }
};

// One row of `cols` elements (a multiple of the group). `codes` holds cols bytes (8 bits) or
// cols / 2 (4 bits); `scales` and, when asymmetric, `zeros` one entry per group. Scales are
// returned as floats already rounded to their storage type. QuantizeIntRow runs the SIMD path of
// ActiveIsa() (simd.h), bit-for-bit equal to QuantizeIntRowRef, the scalar reference.
void QuantizeIntRow(const float* x, int64_t cols, const IntSpec& spec, uint8_t* codes,
                    float* scales, uint8_t* zeros);
void QuantizeIntRowRef(const float* x, int64_t cols, const IntSpec& spec, uint8_t* codes,
                       float* scales, uint8_t* zeros);
void DequantizeIntRow(const uint8_t* codes, const float* scales, const uint8_t* zeros, int64_t cols,
                      const IntSpec& spec, float* y);

}  // namespace aiinfra::quant
