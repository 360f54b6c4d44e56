#include "quant/float_formats.h"

#include <gtest/gtest.h>

#include <bit>
#include <cmath>
#include <random>

namespace aiinfra::quant {
namespace {

// Every FP8 code decodes to the value its fields say (arXiv 2209.05433, table 1), and encoding
// the decoded value gives the code back (the decode table is exhaustive: 256 entries).
TEST(FloatFormatsTest, E4M3DecodesAndRoundTripsEveryCode) {
  EXPECT_EQ(E4M3ToF32(0x00), 0.0f);
  EXPECT_EQ(E4M3ToF32(0x01), std::ldexp(1.0f, -9));  // smallest subnormal 2^-9
  EXPECT_EQ(E4M3ToF32(0x08), std::ldexp(1.0f, -6));  // smallest normal 2^-6
  EXPECT_EQ(E4M3ToF32(0x38), 1.0f);                  // exponent field 7 = bias
  EXPECT_EQ(E4M3ToF32(0x7E), 448.0f);                // S.1111.110: the largest finite
  EXPECT_EQ(E4M3ToF32(0xFE), -448.0f);
  EXPECT_TRUE(std::isnan(E4M3ToF32(0x7F)));
  EXPECT_TRUE(std::isnan(E4M3ToF32(0xFF)));
  for (int c = 0; c < 256; ++c) {
    if ((c & 0x7F) == 0x7F) continue;
    EXPECT_EQ(F32ToE4M3(E4M3ToF32(static_cast<uint8_t>(c))), c) << c;
  }
}

TEST(FloatFormatsTest, E5M2DecodesAndRoundTripsEveryCode) {
  EXPECT_EQ(E5M2ToF32(0x01), std::ldexp(1.0f, -16));
  EXPECT_EQ(E5M2ToF32(0x04), std::ldexp(1.0f, -14));
  EXPECT_EQ(E5M2ToF32(0x3C), 1.0f);
  EXPECT_EQ(E5M2ToF32(0x7B), 57344.0f);
  EXPECT_TRUE(std::isinf(E5M2ToF32(0x7C)));
  for (int c : {0x7D, 0x7E, 0x7F, 0xFD})
    EXPECT_TRUE(std::isnan(E5M2ToF32(static_cast<uint8_t>(c))));
  for (int c = 0; c < 256; ++c) {
    if ((c & 0x7F) >= 0x7C) continue;
    EXPECT_EQ(F32ToE5M2(E5M2ToF32(static_cast<uint8_t>(c))), c) << c;
  }
}

TEST(FloatFormatsTest, Fp8RoundsToNearestEvenAndSaturates) {
  // Between 1 (0x38) and 1.125 (0x39): the midpoint goes to the even mantissa, 1.
  EXPECT_EQ(F32ToE4M3(1.0625f), 0x38);
  EXPECT_EQ(F32ToE4M3(1.0626f), 0x39);
  // Between 1.125 and 1.25 (0x3A): the midpoint 1.1875 goes to 1.25 (mantissa 010, even).
  EXPECT_EQ(F32ToE4M3(1.1875f), 0x3A);
  // Subnormals: 2^-10 is half the smallest subnormal: ties to even, 0.
  EXPECT_EQ(F32ToE4M3(std::ldexp(1.0f, -10)), 0x00);
  EXPECT_EQ(F32ToE4M3(std::ldexp(1.5f, -10)), 0x01);
  // Saturating: past 448, and infinities, become ±448; NaN stays NaN.
  EXPECT_EQ(F32ToE4M3(460.0f), 0x7E);
  EXPECT_EQ(F32ToE4M3(1e9f), 0x7E);
  EXPECT_EQ(F32ToE4M3(-INFINITY), 0xFE);
  EXPECT_EQ(F32ToE4M3(NAN) & 0x7F, 0x7F);
  EXPECT_EQ(F32ToE5M2(1e9f), 0x7B);
  EXPECT_EQ(F32ToE5M2(INFINITY), 0x7B);
  EXPECT_EQ(F32ToE5M2(-NAN) & 0x7F, 0x7F);
  EXPECT_EQ(F32ToE4M3(-0.0f), 0x80);
}

// Against a brute-force nearest-value search over the decode table, ties to the even code.
TEST(FloatFormatsTest, Fp8MatchesNearestValueSearchOnRandomInputs) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<float> exp(-12, 10);
  for (int i = 0; i < 20000; ++i) {
    const float x = std::exp2(exp(rng)) * ((rng() & 1) ? -1.0f : 1.0f);
    int best = -1;
    float best_err = INFINITY;
    for (int c = 0; c < 256; ++c) {
      const float v = E4M3ToF32(static_cast<uint8_t>(c));
      if (std::isnan(v) || std::signbit(v) != std::signbit(x)) continue;
      const float err = std::fabs(v - std::clamp(x, -448.0f, 448.0f));
      if (err < best_err || (err == best_err && (c & 1) == 0)) {
        best_err = err;
        best = c;
      }
    }
    ASSERT_EQ(F32ToE4M3(x), best) << x;
  }
}

TEST(FloatFormatsTest, E2M1HasItsEightMagnitudes) {
  const float values[8] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  for (int c = 0; c < 8; ++c) {
    EXPECT_EQ(E2M1ToF32(static_cast<uint8_t>(c)), values[c]);
    EXPECT_EQ(E2M1ToF32(static_cast<uint8_t>(c | 8)), -values[c]);
    EXPECT_EQ(F32ToE2M1(values[c]), c);
  }
  EXPECT_EQ(F32ToE2M1(0.25f), 0);  // tie between 0 and 0.5: even (0)
  EXPECT_EQ(F32ToE2M1(0.75f), 2);  // tie between 0.5 (001) and 1 (010): even, 1
  EXPECT_EQ(F32ToE2M1(2.5f), 4);   // tie between 2 (100) and 3 (101): 2
  EXPECT_EQ(F32ToE2M1(5.0f), 6);   // tie between 4 (110) and 6 (111): 4
  EXPECT_EQ(F32ToE2M1(5.01f), 7);
  EXPECT_EQ(F32ToE2M1(100.0f), 7);  // saturates at 6
  EXPECT_EQ(F32ToE2M1(-100.0f), 15);
}

TEST(FloatFormatsTest, ScaleFormats) {
  EXPECT_EQ(E8M0ToF32(127), 1.0f);
  EXPECT_EQ(E8M0ToF32(0), std::ldexp(1.0f, -127));
  EXPECT_EQ(E8M0ToF32(254), std::ldexp(1.0f, 127));
  EXPECT_TRUE(std::isnan(E8M0ToF32(0xFF)));
  EXPECT_EQ(UE4M3ToF32(0x38), 1.0f);
  EXPECT_EQ(UE4M3ToF32(0x7E), 448.0f);
  EXPECT_EQ(UE4M3ToF32(0x7F), 0.0f);  // ggml decodes the NaN pattern as 0
  EXPECT_EQ(F32ToUE4M3(1.0f), 0x38);
  EXPECT_EQ(F32ToUE4M3(-1.0f), 0);
  EXPECT_EQ(F32ToUE4M3(1e6f), 0x7E);
}

TEST(FloatFormatsTest, HalfAndBfloat16RoundToNearestEven) {
  EXPECT_EQ(F32ToF16(1.0f), 0x3C00);
  EXPECT_EQ(F32ToF16(65504.0f), 0x7BFF);
  EXPECT_EQ(F32ToF16(65519.0f), 0x7BFF);  // below the midpoint to 65536
  EXPECT_EQ(F32ToF16(65520.0f), 0x7C00);  // the midpoint rounds to even: Inf
  EXPECT_EQ(F32ToF16(std::ldexp(1.0f, -24)), 0x0001);
  EXPECT_EQ(F32ToF16(std::ldexp(1.0f, -25)), 0x0000);  // tie: even
  EXPECT_EQ(F32ToF16(std::ldexp(3.0f, -26)), 0x0001);
  EXPECT_EQ(F32ToF16(1.0f + std::ldexp(1.0f, -11)), 0x3C00);  // tie: even
  EXPECT_EQ(F32ToF16(1.0f + std::ldexp(3.0f, -11)), 0x3C02);  // tie: even (up)
  EXPECT_EQ(F32ToF16(-INFINITY), 0xFC00);
  EXPECT_EQ(F32ToF16(NAN) & 0x7E00, 0x7E00);
  EXPECT_EQ(F32ToF16(NAN) & 0x8000, 0);  // the sign stays the sign (a payload bug once set it)
  EXPECT_EQ(F32ToF16(-NAN) & 0x8000, 0x8000);
  EXPECT_EQ(F32ToBF16(1.0f), 0x3F80);
  EXPECT_EQ(F32ToBF16(std::bit_cast<float>(0x3F808000u)), 0x3F80);  // tie: even
  EXPECT_EQ(F32ToBF16(std::bit_cast<float>(0x3F818000u)), 0x3F82);  // tie: even (up)
  EXPECT_EQ(F32ToBF16(NAN) & 0x7FC0, 0x7FC0);
  // Every half round-trips exactly through float.
  for (uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7C00) == 0x7C00 && (h & 0x3FF)) continue;  // NaN payloads
    ASSERT_EQ(F32ToF16(F16ToF32(static_cast<uint16_t>(h))), h) << h;
  }
}

}  // namespace
}  // namespace aiinfra::quant
