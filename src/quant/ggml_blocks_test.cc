#include "quant/ggml_blocks.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "quant/float_formats.h"
#include "quant/simd.h"

namespace aiinfra::quant {
namespace {

std::string Hex(const std::vector<uint8_t>& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  for (uint8_t b : bytes) {
    out += kDigits[b >> 4];
    out += kDigits[b & 15];
  }
  return out;
}

using Quantizer = std::function<void(const float*, int64_t, uint8_t*)>;
using Dequantizer = std::function<void(const uint8_t*, int64_t, float*)>;

std::vector<uint8_t> Encode(const Quantizer& q, int bytes, const std::vector<float>& x) {
  std::vector<uint8_t> out(x.size() / kQK * static_cast<size_t>(bytes));
  q(x.data(), static_cast<int64_t>(x.size()), out.data());
  return out;
}

std::vector<float> Ramp(int offset, float step = 1) {
  std::vector<float> x(kQK);
  for (int j = 0; j < kQK; ++j) x[j] = static_cast<float>(j - offset) * step;
  return x;
}

std::vector<float> Mixed() {
  std::vector<float> x(kQK);
  for (int j = 0; j < kQK; ++j) x[j] = static_cast<float>((j * 37) % 23 - 11) * 0.173f;
  return x;
}

// Worked by hand for Q4_0 on x_j = j − 16: the signed extreme is −16, d = −16 / −8 = 2 (fp16
// 0x4000), and q_j = min(15, trunc(x_j / 2 + 8.5)): element 0 lands on 0 (−8), element 31 on
// trunc(16) clipped to 15. Byte j packs q_j (low) and q_{j+16} (high): 0x80, 0x91, 0x91, ...
// The other goldens come from tests/golden/quant/ggml_blocks_golden.py, a second
// implementation in numpy float32 arithmetic; the first Q4_0 one agrees with the hand working.
TEST(GgmlBlocksTest, GoldenBlocks) {
  EXPECT_EQ(Hex(Encode(QuantizeQ4_0, kQ4_0Bytes, Ramp(16))),
            "0040809191a2a2b3b3c4c4d5d5e6e6f7f7f8");
  EXPECT_EQ(Hex(Encode(QuantizeQ8_0, kQ8_0Bytes, Ramp(16))),
            "083081899199a1a9b1b9c0c8d0d8e0e8f0f8000810182028303840474f575f676f77");
  EXPECT_EQ(Hex(Encode(QuantizeQ8_0, kQ8_0Bytes, Ramp(0))),
            "d0330004080c1014191d2125292d3135393d42464a4e52565a5e62666b6f73777b7f");
  EXPECT_EQ(Hex(Encode(QuantizeQ8_0, kQ8_0Bytes, Mixed())),
            "ac238123bb5cf48d2ec66800983ad2730ca445dd7f17af51e98123bb5cf48d2ec668");
  EXPECT_EQ(Hex(Encode(QuantizeQ4_0, kQ4_0Bytes, Ramp(0))), "c0c348483737373726262626151515150404");
  EXPECT_EQ(Hex(Encode(QuantizeQ4_0, kQ4_0Bytes, Mixed())), "9d33c06af49e37d17b04af48e17c15bf49f2");
  EXPECT_EQ(Hex(Encode(QuantizeQ4_1, kQ4_1Bytes, Ramp(16))),
            "224000cc80809191a2a2b3b3c4c4d5d5e6e6f7f7");
  EXPECT_EQ(Hex(Encode(QuantizeQ4_1, kQ4_1Bytes, Ramp(0))),
            "2240000080809191a2a2b3b3c4c4d5d5e6e6f7f7");
  EXPECT_EQ(Hex(Encode(QuantizeQ4_1, kQ4_1Bytes, Mixed())),
            "0f349dbfc05af39d37c16a04ae38d17b15ae48e2");
  EXPECT_EQ(Hex(Encode(QuantizeQ5_0, kQ5_0Bytes, Ramp(16))),
            "003c0000ffff00112233445566778899aabbccddeeff");
  EXPECT_EQ(Hex(Encode(QuantizeQ5_0, kQ5_0Bytes, Ramp(0))),
            "c0bf01000000807f7f6e6e5d5d4c4c3b3b2a2a191908");
  EXPECT_EQ(Hex(Encode(QuantizeQ5_0, kQ5_0Bytes, Mixed())),
            "9d2f4a6b2da590c4f73c6fa1d6094d70c3f71a6f91d4");
}

struct Codec {
  const char* name;
  Quantizer quantize;
  Dequantizer dequantize;
  int bytes;
  // The largest error an element can have, as a share of its block's amax: half a step where
  // every value rounds to the nearest code (Q8_0: step amax / 127; Q4_1: (max - min) / 15 <=
  // 2 amax / 15), a whole step where the positive side can clip one code short (Q4_0 and Q5_0
  // scale by the signed extreme: step amax / 8, amax / 16). Plus what storing the scale in fp16
  // costs: codes were chosen with the exact scale, decoded with one off by up to 2^-11, times
  // the largest code magnitude (amax), and Q4_1's fp16 minimum as much again.
  double max_error;
};

constexpr double kF16 = 1.0 / 2048;
const Codec kCodecs[] = {
    {"q8_0", QuantizeQ8_0, DequantizeQ8_0, kQ8_0Bytes, 0.5 / 127 + kF16},
    {"q4_0", QuantizeQ4_0, DequantizeQ4_0, kQ4_0Bytes, 1.0 / 8 + kF16},
    {"q4_1", QuantizeQ4_1, DequantizeQ4_1, kQ4_1Bytes, 1.0 / 15 + 3 * kF16},
    {"q5_0", QuantizeQ5_0, DequantizeQ5_0, kQ5_0Bytes, 1.0 / 16 + kF16},
};

// Decoding follows the layout: a hand-built block decodes to the values its fields give.
TEST(GgmlBlocksTest, HandBuiltBlocksDecode) {
  std::vector<float> y(kQK);
  // Q8_0: d = 0.5 (fp16 0x3800), qs = -3, 4, ...
  std::vector<uint8_t> q8(kQ8_0Bytes, 0);
  q8[0] = 0x00;
  q8[1] = 0x38;
  q8[2] = 0xFD;
  q8[3] = 4;
  DequantizeQ8_0(q8.data(), kQK, y.data());
  EXPECT_EQ(y[0], -1.5f);
  EXPECT_EQ(y[1], 2.0f);
  // Q4_1: d = 1, m = -2 (0xC000); byte 0 = 0x3A: element 0 = 10 - 2, element 16 = 3 - 2.
  std::vector<uint8_t> q41(kQ4_1Bytes, 0);
  q41[1] = 0x3C;
  q41[3] = 0xC0;
  q41[4] = 0x3A;
  DequantizeQ4_1(q41.data(), kQK, y.data());
  EXPECT_EQ(y[0], 8.0f);
  EXPECT_EQ(y[16], 1.0f);
  EXPECT_EQ(y[1], -2.0f);
  // Q5_0: d = 1; element 3's nibble 0x1 with qh bit 3 set: 0x11 - 16 = 1; element 19 (high
  // nibble of byte 3 = 0x2, qh bit 19 clear): 2 - 16.
  std::vector<uint8_t> q5(kQ5_0Bytes, 0);
  q5[1] = 0x3C;
  q5[2] = 0x08;  // qh bit 3
  q5[6 + 3] = 0x21;
  DequantizeQ5_0(q5.data(), kQK, y.data());
  EXPECT_EQ(y[3], 1.0f);
  EXPECT_EQ(y[19], -14.0f);
  EXPECT_EQ(y[0], -16.0f);
}

TEST(GgmlBlocksTest, RoundTripsWithinTheirPrecision) {
  std::mt19937_64 rng(11);
  std::normal_distribution<float> normal(0, 0.02f);
  std::student_t_distribution<float> heavy(3);
  std::vector<float> x(8192), y(8192);
  for (size_t i = 0; i < x.size(); ++i) x[i] = i < 4096 ? normal(rng) : 0.01f * heavy(rng);
  for (const Codec& c : kCodecs) {
    const std::vector<uint8_t> q = Encode(c.quantize, c.bytes, x);
    c.dequantize(q.data(), static_cast<int64_t>(x.size()), y.data());
    double worst = 0, se = 0, ss = 0;
    for (size_t b = 0; b < x.size(); b += kQK) {
      double amax = 0, err = 0;
      for (int j = 0; j < kQK; ++j) {
        amax = std::max(amax, std::fabs(double(x[b + j])));
        err = std::max(err, std::fabs(double(x[b + j]) - y[b + j]));
        se += std::pow(double(x[b + j]) - y[b + j], 2);
        ss += double(x[b + j]) * x[b + j];
      }
      worst = std::max(worst, err / amax);
    }
    EXPECT_LT(worst, c.max_error) << c.name;
    // And on average far better than the worst case: SNR of a uniform quantizer, at least.
    EXPECT_GT(10 * std::log10(ss / se), c.bytes == kQ8_0Bytes ? 35 : 15) << c.name;
  }
}

TEST(GgmlBlocksTest, ZeroBlocksAndExtremesAreExact) {
  std::vector<float> zeros(kQK, 0.0f), y(kQK);
  for (const Codec& c : kCodecs) {
    const std::vector<uint8_t> q = Encode(c.quantize, c.bytes, zeros);
    c.dequantize(q.data(), kQK, y.data());
    for (float v : y) EXPECT_EQ(v, 0.0f) << c.name;
  }
  // The signed extreme lands exactly on the lowest code of Q4_0 and Q5_0 (d = max / -8, -16)
  // when d is exact in fp16.
  std::vector<float> x = Ramp(0, 0.25f);  // 0 .. 7.75, max 7.75
  x[5] = -8.0f;
  for (const Codec& c : {kCodecs[1], kCodecs[3]}) {
    const std::vector<uint8_t> q = Encode(c.quantize, c.bytes, x);
    c.dequantize(q.data(), kQK, y.data());
    EXPECT_EQ(y[5], -8.0f) << c.name;
  }
}

// Blocks of weights so small that 1 / d overflows: ggml converts the infinite and NaN products
// with undefined behaviour; here they are pinned to what x86 does (code 0), with no undefined
// behaviour (the sanitizer build runs this), and every instruction set agrees.
TEST(GgmlBlocksTest, TinyBlocksAreDefined) {
  std::vector<float> x(kQK, 1e-39f);
  x[3] = 0.0f;
  x[7] = -2e-39f;
  for (const Codec& c : kCodecs) {
    const std::vector<uint8_t> ref = Encode(c.quantize, c.bytes, x);
    std::vector<float> y(kQK);
    c.dequantize(ref.data(), kQK, y.data());
    for (float v : y) EXPECT_TRUE(std::isfinite(v)) << c.name;
  }
  std::vector<uint8_t> ref(kQ8_0Bytes);
  QuantizeQ8_0Ref(x.data(), kQK, ref.data());
  for (Isa isa : {Isa::kScalar, Isa::kAvx2, Isa::kAvx512}) {
    if (isa > CpuIsa()) continue;
    SetIsa(isa);
    EXPECT_EQ(Encode(QuantizeQ8_0, kQ8_0Bytes, x), ref) << IsaName(isa);
  }
  SetIsa(CpuIsa());
}

}  // namespace
}  // namespace aiinfra::quant
