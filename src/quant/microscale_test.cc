#include "quant/microscale.h"

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "quant/float_formats.h"

namespace aiinfra::quant {
namespace {

std::vector<float> Quarters() {  // 0, 0.25, ..., 7.75
  std::vector<float> x(32);
  for (int j = 0; j < 32; ++j) x[j] = 0.25f * static_cast<float>(j);
  return x;
}

TEST(MicroscaleTest, MxScaleIsTheBlocksExponentMinusTwo) {
  std::vector<float> x(32, 0.0f);
  EXPECT_EQ(MxScaleCode(x.data()), 0);  // all zero
  x[7] = 6.0f;                          // floor(log2 6) = 2: 2^(2 - 2) = 1, code 127
  EXPECT_EQ(MxScaleCode(x.data()), 127);
  x[7] = -1.0f;  // 2^(0 - 2)
  EXPECT_EQ(MxScaleCode(x.data()), 125);
  x[7] = 8.0f;  // 2^(3 - 2)
  EXPECT_EQ(MxScaleCode(x.data()), 128);
  x[3] = NAN;
  EXPECT_EQ(MxScaleCode(x.data()), 0xFF);
}

// Worked by hand: amax 7.75 gives scale 2^0 (code 0x7F) and each element is E2M1 of itself,
// ties to even: 0.25 -> 0, 0.75 -> 1 (code 2), 1.25 -> 1, 1.75 -> 2 (code 4), 2.5 -> 2,
// 3.5 -> 4 (code 6), 5 -> 4, and from 5.25 on 6 (code 7, saturating past 6). Packed low nibble
// first: (e0, e1) = (0, 0) -> 0x00, (e2, e3) = (1, 2) -> 0x21, ...
TEST(MicroscaleTest, Mxfp4GoldenBlock) {
  const std::vector<float> x = Quarters();
  std::vector<uint8_t> codes(16), scales(1);
  QuantizeMxfp4(x.data(), 32, codes.data(), scales.data());
  EXPECT_EQ(scales[0], 0x7F);
  const std::vector<uint8_t> want = {0x00, 0x21, 0x22, 0x43, 0x44, 0x54, 0x55, 0x66,
                                     0x66, 0x66, 0x76, 0x77, 0x77, 0x77, 0x77, 0x77};
  EXPECT_EQ(codes, want);
  // ggml's block: the scale first, then byte j = element j (low), j + 16 (high).
  std::vector<uint8_t> block(kMxfp4GgmlBytes);
  QuantizeMxfp4Ggml(x.data(), 32, block.data());
  EXPECT_EQ(block[0], 0x7F);
  EXPECT_EQ(block[1], 0x60);      // element 0 -> 0, element 16 (4.0) -> 6
  EXPECT_EQ(block[1 + 5], 0x72);  // element 5 (1.25) -> 2, element 21 (5.25) -> 7
  std::vector<float> a(32), b(32);
  DequantizeMxfp4(codes.data(), scales.data(), 32, a.data());
  DequantizeMxfp4Ggml(block.data(), 32, b.data());
  EXPECT_EQ(a, b);
  EXPECT_EQ(a[31], 6.0f);
  EXPECT_EQ(a[3], 1.0f);
}

TEST(MicroscaleTest, NonFiniteBlocksGetTheNanScale) {
  std::vector<float> x = Quarters();
  x[4] = INFINITY;
  std::vector<uint8_t> codes(16), scales(1);
  QuantizeMxfp4(x.data(), 32, codes.data(), scales.data());
  EXPECT_EQ(scales[0], 0xFF);
  std::vector<float> y(32);
  DequantizeMxfp4(codes.data(), scales.data(), 32, y.data());
  EXPECT_TRUE(std::isnan(y[0]));
  std::vector<uint8_t> nv_codes(16), nv_scales(2);
  QuantizeNvfp4(x.data(), 32, NvTensorScale(7.75f), nv_codes.data(), nv_scales.data());
  EXPECT_EQ(nv_scales[0], 0x7F);  // the block of 16 holding the Inf
  EXPECT_NE(nv_scales[1], 0x7F);
}

// NVFP4: a tensor whose largest block holds amax gets block scale 448 (the top of E4M3) under a
// tensor scale of amax / 2688, and every value decodes within E2M1's half-step.
TEST(MicroscaleTest, Nvfp4TwoLevelScales) {
  std::mt19937_64 rng(3);
  std::normal_distribution<float> normal(0, 0.01f);
  std::vector<float> x(4096);
  for (float& v : x) v = normal(rng);
  x[100] = 0.5f;  // the tensor's amax
  const float ts = NvTensorScale(0.5f);
  EXPECT_FLOAT_EQ(ts, 0.5f / (6 * 448));
  std::vector<uint8_t> codes(2048), scales(256);
  QuantizeNvfp4(x.data(), 4096, ts, codes.data(), scales.data());
  EXPECT_EQ(scales[100 / 16], 0x7E);  // 448
  std::vector<float> y(4096);
  DequantizeNvfp4(codes.data(), scales.data(), 4096, ts, y.data());
  EXPECT_FLOAT_EQ(y[100], 0.5f);
  double se = 0, ss = 0;
  for (int i = 0; i < 4096; ++i) {
    se += std::pow(double(x[i]) - y[i], 2);
    ss += double(x[i]) * x[i];
  }
  const double snr_db = 10 * std::log10(ss / se);
  EXPECT_GT(snr_db, 17.0);  // 4-bit elements with fine scales: about 20 dB on Gaussian data
  EXPECT_LT(snr_db, 26.0);
}

TEST(MicroscaleTest, Nvfp4GgmlLayout) {
  std::vector<float> x(64, 0.0f);
  x[0] = 3.0f;   // sub-block 0: amax 3, scale 0.5 (UE4M3 exact), code of 6 -> 7
  x[8] = -1.5f;  // element 8: high nibble of byte 0: -3 -> code 13
  x[16] = 6.0f;  // sub-block 1: scale 1
  std::vector<uint8_t> block(kNvfp4GgmlBytes);
  QuantizeNvfp4Ggml(x.data(), 64, block.data());
  EXPECT_EQ(UE4M3ToF32(block[0]), 0.5f);
  EXPECT_EQ(UE4M3ToF32(block[1]), 1.0f);
  EXPECT_EQ(block[2], 0);  // an all-zero sub-block
  EXPECT_EQ(block[4], 0xD7);
  EXPECT_EQ(block[4 + 8], 0x07);
  std::vector<float> y(64);
  DequantizeNvfp4Ggml(block.data(), 64, y.data());
  EXPECT_EQ(y[0], 3.0f);
  EXPECT_EQ(y[8], -1.5f);
  EXPECT_EQ(y[16], 6.0f);
}

}  // namespace
}  // namespace aiinfra::quant
