#include "loadgen/prompts.h"

#include <gtest/gtest.h>

#include <cmath>
#include <set>

namespace aiinfra::loadgen {
namespace {

int64_t Words(const std::string& s) { return 1 + std::count(s.begin(), s.end(), ' '); }

TEST(PromptTest, DrawsAreFixedPerRequestAndFollowTheDistribution) {
  PromptSpec spec;
  spec.input = LengthDistribution("input", "200", "lognormal", 0.5, std::nullopt).value();
  spec.output = LengthDistribution("output", "50", "fixed", std::nullopt, std::nullopt).value();
  const PromptMaker a = PromptMaker::Create(spec, 7).value();
  const PromptMaker b = PromptMaker::Create(spec, 7).value();
  const PromptMaker c = PromptMaker::Create(spec, 8).value();
  double sum = 0, sum2 = 0;
  const int n = 4000;
  int differ = 0;
  for (int i = 0; i < n; ++i) {
    const PromptDraw d = a.Draw(static_cast<uint64_t>(i));
    EXPECT_EQ(d.input, b.Draw(static_cast<uint64_t>(i)).input);  // the seed fixes it
    differ += d.input != c.Draw(static_cast<uint64_t>(i)).input;
    EXPECT_EQ(d.output, 50);
    EXPECT_EQ(d.prefix_group, -1);
    sum += static_cast<double>(d.input);
    sum2 += static_cast<double>(d.input * d.input);
  }
  const double mean = sum / n, cv = std::sqrt(sum2 / n - mean * mean) / mean;
  EXPECT_NEAR(mean, 200, 6);  // the mean asked for
  EXPECT_NEAR(cv, 0.5, 0.05);
  EXPECT_GT(differ, n / 2);
  // Texts: as many words as drawn, the same for the same request, different across requests.
  const PromptDraw d = a.Draw(3);
  EXPECT_EQ(Words(a.Text(3, d)), d.input);
  EXPECT_EQ(a.Text(3, d), b.Text(3, d));
  EXPECT_NE(a.Text(3, d), a.Text(4, d));
}

TEST(PromptTest, SharedPrefixesAreTheSameWithinAGroupAndDifferAcrossGroups) {
  PromptSpec spec;
  spec.input = workload::Distribution::Fixed(30).value();
  spec.prefix_tokens = 50;
  spec.prefix_groups = 3;
  const PromptMaker m = PromptMaker::Create(spec, 1).value();
  std::set<std::string> prefixes;
  int by_group[3] = {0, 0, 0};
  for (uint64_t n = 0; n < 300; ++n) {
    const PromptDraw d = m.Draw(n);
    ASSERT_GE(d.prefix_group, 0);
    ASSERT_LT(d.prefix_group, 3);
    ++by_group[d.prefix_group];
    const std::string text = m.Text(n, d);
    EXPECT_EQ(Words(text), 80);  // prefix + own input, as vLLM's --random-prefix-len
    EXPECT_EQ(text.rfind(m.Prefix(d.prefix_group) + " ", 0), 0u);
    prefixes.insert(text.substr(0, m.Prefix(d.prefix_group).size()));
  }
  EXPECT_EQ(prefixes.size(), 3u);
  for (int g : by_group) EXPECT_GT(g, 70);  // uniform: 100 expected each
  EXPECT_EQ(Words(m.Prefix(0)), 50);
  spec.prefix_groups = 0;
  EXPECT_FALSE(PromptMaker::Create(spec, 1));
  spec.prefix_groups = 1;
  spec.prefix_tokens = -1;
  EXPECT_FALSE(PromptMaker::Create(spec, 1));
}

TEST(PromptTest, BlocksShareTextExactlyWhereTheirHashesAgree) {
  const std::string a = FromBlocks({1, 2}, 4, 7, 99).value();  // blocks 1 (4 words), 2 (3)
  const std::string b = FromBlocks({1, 3}, 4, 8, 98).value();
  const std::string c = FromBlocks({1}, 4, 6, 97).value();  // 2 words past the block
  EXPECT_EQ(Words(a), 7);
  EXPECT_EQ(Words(b), 8);
  EXPECT_EQ(Words(c), 6);
  const auto head = [](const std::string& s, int words) {
    size_t at = 0;
    for (int i = 0; i < words; ++i) at = s.find(' ', at) + 1;
    return s.substr(0, at);
  };
  EXPECT_EQ(head(a, 4), head(b, 4));
  EXPECT_EQ(head(a, 4), head(c, 4));
  EXPECT_NE(head(a, 5), head(b, 5));
  // A partial block is the start of the whole one.
  EXPECT_EQ(FromBlocks({5}, 4, 2, 0).value() + " ",
            head(FromBlocks({5}, 4, 4, 0).value() + " ", 2));
  EXPECT_FALSE(FromBlocks({1}, 0, 3, 0));
}

TEST(PromptTest, LengthOptionsBuildTheWorkloadDistributions) {
  const auto fixed = LengthDistribution("input", "512", "fixed", std::nullopt, std::nullopt);
  ASSERT_TRUE(fixed);
  EXPECT_EQ(fixed->Describe(), "fixed(512)");
  const auto uniform =
      LengthDistribution("input", "512", "uniform", std::nullopt, std::pair{100.0, 900.0});
  ASSERT_TRUE(uniform);
  EXPECT_NE(uniform->Describe().find("uniform"), std::string::npos);
  const auto clamped =
      LengthDistribution("output", "100", "exponential", std::nullopt, std::pair{10.0, 20.0});
  ASSERT_TRUE(clamped);
  workload::Rng rng(1);
  for (int i = 0; i < 200; ++i) {
    const int64_t v = clamped->SampleCount(rng);
    EXPECT_GE(v, 10);
    EXPECT_LE(v, 20);
  }
  // A YAML distribution as in scenario files.
  const auto yaml = LengthDistribution("input", "{kind: zipf, s: 1.2, max: 64}", "fixed",
                                       std::nullopt, std::nullopt);
  ASSERT_TRUE(yaml) << yaml.error().ToString();
  EXPECT_NE(yaml->Describe().find("zipf"), std::string::npos);

  // Errors name the option to change.
  const auto no_range = LengthDistribution("input", "512", "uniform", std::nullopt, std::nullopt);
  ASSERT_FALSE(no_range);
  EXPECT_EQ(no_range.error().code, ErrorCode::kUsage);
  EXPECT_NE(no_range.error().message.find("--input-range"), std::string::npos);
  const auto no_cv = LengthDistribution("output", "512", "normal", std::nullopt, std::nullopt);
  ASSERT_FALSE(no_cv);
  EXPECT_NE(no_cv.error().message.find("--output-cv"), std::string::npos);
  const auto both =
      LengthDistribution("input", "{kind: fixed, value: 3}", "lognormal", 1.0, std::nullopt);
  ASSERT_FALSE(both);
  EXPECT_NE(both.error().message.find("drop --input-dist"), std::string::npos);
  const auto bad_yaml =
      LengthDistribution("input", "{kind: nope}", "fixed", std::nullopt, std::nullopt);
  ASSERT_FALSE(bad_yaml);
  EXPECT_EQ(bad_yaml.error().code, ErrorCode::kUsage);
  EXPECT_EQ(bad_yaml.error().where.file, "--input-tokens");
  EXPECT_FALSE(LengthDistribution("input", "0", "fixed", std::nullopt, std::nullopt));
  EXPECT_TRUE(ParseRange("input-range", "128:2048"));
  EXPECT_FALSE(ParseRange("input-range", "2048:128"));
  EXPECT_FALSE(ParseRange("input-range", "128"));
}

}  // namespace
}  // namespace aiinfra::loadgen
