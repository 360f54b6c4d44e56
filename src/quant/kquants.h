// The GGUF K-quant super-block formats Q4_K and Q6_K, byte for byte as ggml lays them out
// (ggml-common.h) and as its reference row quantizers (quantize_row_q4_K_ref,
// quantize_row_q6_K_ref) and dequantizers (dequantize_row_q4_K, dequantize_row_q6_K) in
// ggml-quants.c compute them; spec: ../shared/specs/quant-security-ebpf.md 1.3-1.4. The reference
// quantizers are what llama-quantize runs for these types when it has no importance matrix.
//
// A super-block holds 256 consecutive elements of a row.
//
// Q4_K, 144 bytes: d (fp16), dmin (fp16), scales[12], qs[128].
//   Eight sub-blocks of 32, each with a 6-bit scale sc and a 6-bit min m:
//     x = d * sc * q - dmin * m,  q in 0..15.
//   scales[12] packs the 8 + 8 six-bit values: for sub-block s < 4, sc = scales[s] & 63 and
//   m = scales[s + 4] & 63; for s >= 4, the low four bits of sc and m are the low and high nibble
//   of scales[s + 4], and their top two bits are the top two bits of scales[s - 4] (sc) and
//   scales[s] (m). (UnpackQ4KScaleMin.)
//   qs: four chunks of 32 bytes, chunk c covering elements 64c..64c+63: byte l of the chunk holds
//   element 64c + l (sub-block 2c) in its low nibble and element 64c + 32 + l (sub-block 2c + 1)
//   in its high nibble.
//
// Q6_K, 210 bytes: ql[128], qh[64], scales[16] (int8), d (fp16) last.
//   Sixteen sub-blocks of 16, each with a signed 8-bit scale:  x = d * scales[k] * (q - 32),
//   q in 0..63. The block is two halves of 128 elements; half h uses ql[64h..64h+63],
//   qh[32h..32h+31] and scales[8h..8h+7]. Within a half, for l in 0..31 and group g in 0..3
//   (element 128h + 32g + l): the low four bits of q are the low nibble of ql[l] (g = 0),
//   of ql[l + 32] (g = 1), the high nibble of ql[l] (g = 2), of ql[l + 32] (g = 3); the top
//   two bits are bits 2g..2g+1 of qh[l]; the scale is scales[8h + 2g + l / 16].
// fp16 values are IEEE binary16, little-endian.
//
// The quantizers, in ggml's words and ours:
// - Q4_K: per sub-block, weights w_i = av_x + |x_i| with av_x = sqrt(sum x^2 / 32), then
//   make_qkx2_quants with nmax 15, rmin -1, rdelta 0.1, nstep 20, squared error (use_mad false).
//   The min is clamped to <= 0; a first fit spreads [min, max] over the 16 codes; then for
//   is = 0..20 the inverse scale (15 - 1 + 0.1 is) / (max - min) assigns codes round(iscale *
//   (x - min)) clamped to 0..15, and a weighted least-squares fit of (scale, min) to those codes
//   is kept when its weighted squared error beats the best so far (a positive fitted min is
//   replaced by 0, the scale refitted alone). Note that ggml moves `min` to each kept fit, so later
//   candidates code against the updated min and range; this code does the same.
//   The 8 scales and 8 negated mins are then quantized to 6 bits against the largest of each,
//   round(63 / max * s) (d = max_scale / 63 and dmin = max_min / 63, stored as fp16), and every
//   element is re-coded against the stored (rounded) values: q = round((x + dmin * m) / (d * sc))
//   clamped to 0..15; a sub-block whose d * sc is 0 keeps the codes of its search.
// - Q6_K: per sub-block, make_qx_quants with nmax 32, rmse_type 1 (weights x^2), no importance
//   weights: with `max` the signed element of largest magnitude, codes l = round(-32 / max * x)
//   clamped to -32..31 and the least-squares scale sum(w x l) / sum(w l^2); then 18 more inverse
//   scales -(32 + 0.1 is) / max for is = -9..9 (not 0), keeping the one that maximizes
//   sum(w x l)^2 / sum(w l^2). A sub-block with max |x| < 1e-15 gets scale 0 and codes 0. If
//   every scale is below 1e-15 in magnitude the block is all zero bytes. Otherwise the scale of
//   largest magnitude sets d = fp16(max_scale / -128), each scale becomes min(127, round(-128 /
//   max_scale * s)) (int8), and elements are re-coded as round(x / (d * scale)) clamped to
//   -32..31 (a sub-block whose d * scale is 0 keeps its search codes).
// All of it is float arithmetic in ggml's order without fused multiply-add: g++ on x86-64 without
// -march emits none, and ggml compiles these reference quantizers into ggml-base, which gets no
// -march flags either, so the bytes equal those of an x86-64 llama-quantize without imatrix.
// A ggml built where the compiler contracts a * b + c into an FMA (GCC or Clang on aarch64 by
// default, or x86-64 with -march=native in the C flags) rounds differently: in a test with FMA
// contraction about 5% of Q4_K and 1% of Q6_K blocks of random data came out different.
// Rounding to an integer is ggml's nearest_int: add 1.5 * 2^23 and read the low mantissa bits,
// which is round-half-to-even for |v| <= 4194303; beyond that ggml asserts (in debug builds) and
// its release builds read out whatever the bits say, which is what this code does too.
//
// Non-finite input: ggml does not check. Here a NaN or ±Inf in a super-block yields an unspecified
// block (scales may become NaN, Inf or 0, codes anything in range); other super-blocks in the same
// call are unaffected, and nothing is undefined behaviour: there is no float-to-int conversion
// (rounding reads float bits) and every integer is clamped before it becomes a code. Callers check
// for non-finite values first and report the tensor, as `quant convert` does. (On x86-64 the bytes
// then still equal ggml's release build, as the arithmetic is the same, but that is no contract.)
// Finite inputs of huge magnitude (sums of squares overflowing) are likewise defined but useless.
//
// All functions are pure and thread-safe; `n` is the element count, a multiple of kQK_K
// (asserted; callers check and report), and the output holds n / kQK_K blocks or n floats.
#pragma once

#include <cstdint>

namespace aiinfra::quant {

inline constexpr int kQK_K = 256;  // elements per super-block
inline constexpr int kQ4KBlockBytes = 144;
inline constexpr int kQ6KBlockBytes = 210;

// QuantizeQ4K runs the SIMD path of ActiveIsa() (simd.h), bit-for-bit equal to QuantizeQ4KRef,
// the scalar reference described above, for finite input (non-finite input gives an unspecified
// block on every path).
void QuantizeQ4K(const float* x, int64_t n, uint8_t* out);
void QuantizeQ4KRef(const float* x, int64_t n, uint8_t* out);
void DequantizeQ4K(const uint8_t* in, int64_t n, float* y);

// QuantizeQ6K runs the SIMD path of ActiveIsa() (simd.h), bit-for-bit equal to QuantizeQ6KRef.
void QuantizeQ6K(const float* x, int64_t n, uint8_t* out);
void QuantizeQ6KRef(const float* x, int64_t n, uint8_t* out);
void DequantizeQ6K(const uint8_t* in, int64_t n, float* y);

// The 6-bit scale and min of Q4_K sub-block `sub` (0..7) from a block's scales[12] (ggml's
// get_scale_min_k4).
struct Q4KScaleMin {
  uint8_t scale;
  uint8_t min;
};
Q4KScaleMin UnpackQ4KScaleMin(const uint8_t* scales12, int sub);

}  // namespace aiinfra::quant
