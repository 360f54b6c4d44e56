#include "quant/codec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

namespace aiinfra::quant {
namespace {

using ::testing::HasSubstr;

std::vector<float> Gaussian(size_t n, float sigma, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<float> normal(0, sigma);
  std::vector<float> x(n);
  for (float& v : x) v = normal(rng);
  return x;
}

// Encodes a whole tensor, a few rows at a time, into its parts.
std::vector<std::vector<uint8_t>> EncodeAll(TensorCodec& c, const std::vector<float>& x,
                                            int64_t batch) {
  ValueScan scan;
  scan.Add(x.data(), static_cast<int64_t>(x.size()), 0);
  c.set_amax(scan.amax);
  std::vector<std::vector<uint8_t>> parts;
  for (size_t p = 0; p < c.parts().size(); ++p) {
    const Part& part = c.parts()[p];
    std::vector<uint8_t> bytes(part.bytes);
    if (part.scalar) {
      c.EncodeScalar(p, bytes.data());
    } else {
      for (int64_t r = 0; r < c.rows(); r += batch) {
        const int64_t end = std::min(c.rows(), r + batch);
        c.EncodeRows(p, x.data() + r * c.cols(), r, end, bytes.data() + r * part.row_bytes);
      }
    }
    parts.push_back(std::move(bytes));
  }
  return parts;
}

std::vector<float> DecodeAll(const TensorCodec& c, const std::vector<std::vector<uint8_t>>& parts) {
  std::vector<std::span<const uint8_t>> spans(parts.begin(), parts.end());
  std::vector<float> y(static_cast<size_t>(c.rows() * c.cols()));
  c.DecodeRows(spans, 0, c.rows(), y.data());
  return y;
}

TEST(CodecTest, NamesParseAndBitsComeFromTheModelTable) {
  for (Format f : AllFormats()) {
    auto parsed = ParseFormat(FormatName(f));
    ASSERT_TRUE(parsed) << FormatName(f);
    EXPECT_EQ(*parsed, f);
  }
  EXPECT_EQ(*ParseFormat("Q4_K"), Format::kQ4_K);
  auto bad = ParseFormat("q3_k");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("q4_k"));
  EXPECT_DOUBLE_EQ(BitsPerWeight(Format::kQ6_K), 6.5625);
  EXPECT_DOUBLE_EQ(BitsPerWeight(Format::kNVFP4), 4.5);
}

// What each format writes weighs what the model module says it does: the encoders and the
// footprint share one table (model::Info), and this holds them to it.
TEST(CodecTest, StoredBytesMatchBitsPerWeight) {
  const std::vector<int64_t> shape = {64, 4096};
  for (Format f : AllFormats()) {
    for (Container ct : {Container::kSafetensors, Container::kGguf}) {
      auto c = TensorCodec::Make(f, shape, ct);
      if (!c) continue;  // no layout in this container
      uint64_t bytes = 0;
      for (const Part& p : c->parts()) bytes += p.bytes;
      const double bits = 8.0 * static_cast<double>(bytes) / (64 * 4096);
      // Per-tensor scalars and per-channel scales add under 0.01 bit at this size.
      EXPECT_NEAR(bits, BitsPerWeight(f), 0.01) << FormatName(f);
    }
  }
}

TEST(CodecTest, PartsAreNamedAndShapedAsCheckpointsDo) {
  auto nv = TensorCodec::Make(Format::kNVFP4, {8, 64}, Container::kSafetensors);
  ASSERT_TRUE(nv);
  ASSERT_EQ(nv->parts().size(), 3u);
  EXPECT_EQ(nv->parts()[0].shape, (std::vector<int64_t>{8, 32}));
  EXPECT_EQ(nv->parts()[0].storage, Storage::kU8);
  EXPECT_EQ(nv->parts()[1].suffix, "_scale");
  EXPECT_EQ(nv->parts()[1].storage, Storage::kF8E4M3);
  EXPECT_EQ(nv->parts()[1].shape, (std::vector<int64_t>{8, 4}));
  EXPECT_EQ(nv->parts()[2].suffix, "_scale_2");
  EXPECT_TRUE(nv->parts()[2].scalar);
  auto int4 = TensorCodec::Make(Format::kINT4, {4, 256}, Container::kSafetensors,
                                IntSpec{.group = 64, .asymmetric = true});
  ASSERT_TRUE(int4);
  ASSERT_EQ(int4->parts().size(), 3u);
  EXPECT_EQ(int4->parts()[1].shape, (std::vector<int64_t>{4, 4}));
  EXPECT_EQ(int4->parts()[1].storage, Storage::kF16);
  EXPECT_EQ(int4->parts()[2].suffix, "_zero_point");
  auto q4k = TensorCodec::Make(Format::kQ4_K, {2, 512}, Container::kGguf);
  ASSERT_TRUE(q4k);
  EXPECT_EQ(q4k->parts()[0].ggml_type, 12);
  EXPECT_EQ(q4k->parts()[0].bytes, 2u * 2 * 144);
}

TEST(CodecTest, ShapesAndContainersThatDoNotFitAreRefused) {
  auto rows = TensorCodec::Make(Format::kQ4_K, {4, 100}, Container::kGguf);
  ASSERT_FALSE(rows);
  EXPECT_THAT(rows.error().message, HasSubstr("rows of 100 elements"));
  EXPECT_THAT(rows.error().message, HasSubstr("256"));
  auto fp8 = TensorCodec::Make(Format::kFP8_E4M3, {4, 64}, Container::kGguf);
  ASSERT_FALSE(fp8);
  EXPECT_THAT(fp8.error().message, HasSubstr(".safetensors"));
  auto q8 = TensorCodec::Make(Format::kQ8_0, {4, 64}, Container::kSafetensors);
  ASSERT_FALSE(q8);
  EXPECT_THAT(q8.error().message, HasSubstr(".gguf"));
  EXPECT_FALSE(
      TensorCodec::Make(Format::kINT4, {3, 7}, Container::kSafetensors, IntSpec{.group = 0}));
  EXPECT_FALSE(TensorCodec::Make(Format::kF32, {0, 7}, Container::kSafetensors));
}

// Every format round-trips within its precision, and encoding in batches of rows gives the
// same bytes as in one go (a large tensor is processed a batch at a time).
TEST(CodecTest, RoundTripsAndBatchesAgree) {
  const std::vector<int64_t> shape = {12, 512};
  const std::vector<float> x = Gaussian(12 * 512, 0.02f, 9);
  struct Expect {
    Format format;
    double min_snr_db;
  };
  const Expect expects[] = {
      {Format::kF32, 200},  {Format::kF16, 60},      {Format::kBF16, 45},     {Format::kQ8_0, 38},
      {Format::kQ4_0, 17},  {Format::kQ4_1, 18},     {Format::kQ5_0, 23},     {Format::kQ4_K, 19},
      {Format::kQ6_K, 30},  {Format::kFP8_E4M3, 28}, {Format::kFP8_E5M2, 22}, {Format::kMXFP4, 12},
      {Format::kNVFP4, 17}, {Format::kINT8, 36},     {Format::kINT4, 17},
  };
  for (const Expect& e : expects) {
    for (Container ct : {Container::kSafetensors, Container::kGguf}) {
      auto c = TensorCodec::Make(e.format, shape, ct);
      if (!c) continue;
      const auto whole = EncodeAll(*c, x, c->rows());
      const auto batched = EncodeAll(*c, x, 5);
      EXPECT_EQ(whole, batched) << FormatName(e.format);
      const std::vector<float> y = DecodeAll(*c, whole);
      double se = 0, ss = 0;
      for (size_t i = 0; i < x.size(); ++i) {
        se += std::pow(double(x[i]) - y[i], 2);
        ss += double(x[i]) * x[i];
      }
      const double snr = se > 0 ? 10 * std::log10(ss / se) : 300;
      EXPECT_GT(snr, e.min_snr_db)
          << FormatName(e.format) << (ct == Container::kGguf ? " gguf" : "");
    }
  }
}

TEST(CodecTest, ScanFindsAmaxAndNonFiniteValues) {
  const std::vector<float> x = {1, -3, NAN, 2, INFINITY, -INFINITY};
  ValueScan scan;
  scan.Add(x.data(), 3, 0);
  scan.Add(x.data() + 3, 3, 3);
  EXPECT_EQ(scan.amax, 3.0f);
  EXPECT_EQ(scan.nan, 1);
  EXPECT_EQ(scan.inf, 2);
  EXPECT_EQ(scan.first_nonfinite, 2);
  EXPECT_FALSE(scan.finite());
}

}  // namespace
}  // namespace aiinfra::quant
