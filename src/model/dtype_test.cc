#include "model/dtype.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiinfra::model {
namespace {

using ::testing::HasSubstr;

TEST(DtypeTest, BitsPerWeightIncludeScales) {
  EXPECT_DOUBLE_EQ(Info(Dtype::kF32).bits_per_weight, 32);
  EXPECT_DOUBLE_EQ(Info(Dtype::kBF16).bits_per_weight, 16);
  EXPECT_DOUBLE_EQ(Info(Dtype::kF16).bits_per_weight, 16);
  EXPECT_DOUBLE_EQ(Info(Dtype::kFP8).bits_per_weight, 8);
  EXPECT_DOUBLE_EQ(Info(Dtype::kINT8).bits_per_weight, 8);
  // 4 bits + one FP16 scale per 128 weights.
  EXPECT_DOUBLE_EQ(Info(Dtype::kINT4).bits_per_weight, 4 + 16.0 / 128);
  // 32 x 4 bits + one 8-bit E8M0 scale per block of 32.
  EXPECT_DOUBLE_EQ(Info(Dtype::kMXFP4).bits_per_weight, (32 * 4 + 8) / 32.0);
  // 16 x 4 bits + one 8-bit E4M3 scale per block of 16.
  EXPECT_DOUBLE_EQ(Info(Dtype::kNVFP4).bits_per_weight, (16 * 4 + 8) / 16.0);
  // ggml block_q8_0: one FP16 scale + 32 int8 = 34 bytes per 32 weights.
  EXPECT_DOUBLE_EQ(Info(Dtype::kQ8_0).bits_per_weight, 34 * 8 / 32.0);
  EXPECT_DOUBLE_EQ(Info(Dtype::kQ4_K_M).bits_per_weight, 4.8944);
  EXPECT_DOUBLE_EQ(BytesPerWeight(Dtype::kMXFP4), 0.53125);
  // ggml blocks: 18, 20, 22 bytes per 32; 144 and 210 bytes per 256.
  EXPECT_DOUBLE_EQ(Info(Dtype::kQ4_0).bits_per_weight, 18 * 8 / 32.0);
  EXPECT_DOUBLE_EQ(Info(Dtype::kQ4_1).bits_per_weight, 20 * 8 / 32.0);
  EXPECT_DOUBLE_EQ(Info(Dtype::kQ5_0).bits_per_weight, 22 * 8 / 32.0);
  EXPECT_DOUBLE_EQ(Info(Dtype::kQ4_K).bits_per_weight, 144 * 8 / 256.0);
  EXPECT_DOUBLE_EQ(Info(Dtype::kQ6_K).bits_per_weight, 210 * 8 / 256.0);
  EXPECT_DOUBLE_EQ(Info(Dtype::kFP8_E5M2).bits_per_weight, 8);
}

TEST(DtypeTest, TableIsIndexedByEnumAndComplete) {
  const auto all = AllDtypes();
  ASSERT_EQ(all.size(), 16u);
  for (Dtype d : all) {
    EXPECT_EQ(Info(d).dtype, d);
    EXPECT_NE(std::string(Info(d).description), "");
    EXPECT_THAT(std::string(Info(d).source), ::testing::StartsWith("https://"));
    auto parsed = ParseDtype(DtypeName(d));
    ASSERT_TRUE(parsed) << DtypeName(d);
    EXPECT_EQ(*parsed, d);
  }
  EXPECT_EQ(DtypeNames().front(), "f32");
}

TEST(DtypeTest, NativeCompute) {
  EXPECT_EQ(Info(Dtype::kFP8).native_compute, hw::ComputeDtype::kFP8);
  EXPECT_EQ(Info(Dtype::kNVFP4).native_compute, hw::ComputeDtype::kFP4);
  EXPECT_EQ(Info(Dtype::kMXFP4).native_compute, hw::ComputeDtype::kFP4);
  EXPECT_EQ(Info(Dtype::kINT8).native_compute, hw::ComputeDtype::kINT8);
  EXPECT_EQ(Info(Dtype::kINT4).native_compute, hw::ComputeDtype::kBF16);
  EXPECT_EQ(Info(Dtype::kQ4_K_M).native_compute, hw::ComputeDtype::kBF16);
  EXPECT_TRUE(Info(Dtype::kQ8_0).gguf);
  EXPECT_FALSE(Info(Dtype::kFP8).gguf);
}

TEST(DtypeTest, ParsesAliasesCaseInsensitively) {
  EXPECT_EQ(*ParseDtype("BF16"), Dtype::kBF16);
  EXPECT_EQ(*ParseDtype("fp32"), Dtype::kF32);
  EXPECT_EQ(*ParseDtype("FP16"), Dtype::kF16);
  EXPECT_EQ(*ParseDtype("fp8_e4m3"), Dtype::kFP8);
  EXPECT_EQ(*ParseDtype("Q4_K"), Dtype::kQ4_K);
  EXPECT_EQ(*ParseDtype("e5m2"), Dtype::kFP8_E5M2);
  EXPECT_EQ(*ParseDtype("int4_awq"), Dtype::kINT4);
  EXPECT_EQ(*ParseDtype("w4a16"), Dtype::kINT4);
}

TEST(DtypeTest, UnknownNameListsValidOnes) {
  auto r = ParseDtype("fp5");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kUsage);
  EXPECT_THAT(r.error().message, HasSubstr("fp5"));
  EXPECT_THAT(r.error().message, HasSubstr("q4_k_m"));
}

TEST(DtypeTest, KvDtypes) {
  EXPECT_EQ(*ParseKvDtype("fp8"), Dtype::kFP8);
  EXPECT_EQ(*ParseKvDtype("nvfp4"), Dtype::kNVFP4);
  auto r = ParseKvDtype("q4_k_m");
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("KV-cache"));
  EXPECT_THAT(r.error().message, HasSubstr("bf16"));
  EXPECT_THAT(r.error().message, ::testing::Not(HasSubstr("mxfp4")));
}

}  // namespace
}  // namespace aiinfra::model
