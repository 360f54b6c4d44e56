#include "model/explain.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <set>

#include "model/catalog.h"

namespace aiinfra::model {
namespace {

using ::testing::HasSubstr;

const Architecture& Model(const std::string& id) {
  static const ModelCatalog catalog = *ModelCatalog::Load(DataSource());
  return **catalog.Find(id);
}

const ExplainStep* FindStep(const std::vector<ExplainStep>& steps, const std::string& title) {
  for (const ExplainStep& s : steps) {
    if (s.title.find(title) != std::string::npos) return &s;
  }
  return nullptr;
}

TEST(ExplainTest, EveryStepIsComplete) {
  const ModelCatalog catalog = *ModelCatalog::Load(DataSource());
  for (const Architecture& arch : catalog.models()) {
    const auto steps = Explain(arch, {});
    std::set<std::string> sections;
    for (const ExplainStep& s : steps) {
      sections.insert(s.section);
      EXPECT_FALSE(s.title.empty()) << arch.id;
      EXPECT_FALSE(s.why.empty()) << arch.id << ": " << s.title;
      EXPECT_FALSE(s.formula.empty()) << arch.id << ": " << s.title;
      EXPECT_FALSE(s.substituted.empty()) << arch.id << ": " << s.title;
      EXPECT_FALSE(s.result.empty()) << arch.id << ": " << s.title;
    }
    std::set<std::string> expected = {"Parameters", "Weights in memory", "KV cache", "FLOPs"};
    if (arch.is_moe()) expected.insert("MoE");
    EXPECT_EQ(sections, expected) << arch.id;
  }
}

TEST(ExplainTest, DenseGqaNumbers) {
  const auto steps = Explain(Model("llama-3.1-8b"), {.context = 8192});
  const ExplainStep* attn = FindStep(steps, "Attention parameters per layer (GQA)");
  ASSERT_TRUE(attn);
  EXPECT_EQ(attn->substituted, "4096 x 32 x 128 + 2 x 4096 x 8 x 128 + 32 x 128 x 4096");
  EXPECT_EQ(attn->result, "41.94M per layer; x 32 layers = 1.342B");
  EXPECT_THAT(attn->why, HasSubstr("each shared by 4 query heads"));
  EXPECT_EQ(FindStep(steps, "Total parameters")->result, "8.03B");
  EXPECT_EQ(FindStep(steps, "KV cache per token per layer")->substituted, "2 x 8 x 128 x 2 (bf16)");
  EXPECT_EQ(FindStep(steps, "KV cache per token per layer")->result, "4KiB");
  EXPECT_EQ(FindStep(steps, "KV cache of one sequence at 8192 tokens")->result, "1GiB");
  EXPECT_EQ(FindStep(steps, "Linear FLOPs per token")->result, "15.01GFLOP");
  EXPECT_THAT(FindStep(steps, "Published total")->result,
              HasSubstr("+0.00% (source: https://huggingface.co/meta-llama/Llama-3.1-8B)"));
  EXPECT_EQ(FindStep(steps, "Distinct experts"), nullptr);
}

TEST(ExplainTest, MlaComparesTheLatentWithMha) {
  ExplainOptions options;
  options.kv = Dtype::kFP8;
  const auto steps = Explain(Model("deepseek-v3"), options);
  const ExplainStep* kv = FindStep(steps, "MLA latent");
  ASSERT_TRUE(kv);
  EXPECT_EQ(kv->substituted, "(512 + 64) x 1 (fp8)");
  EXPECT_EQ(kv->result, "576B");
  const ExplainStep* mha = FindStep(steps, "What multi-head attention would cache");
  ASSERT_TRUE(mha);
  // 128 x 192 + 128 x 128 = 40960 values at 1 byte: 71.1 times the 576-byte latent.
  EXPECT_THAT(mha->result, HasSubstr("71.1x the latent"));
  EXPECT_EQ(FindStep(steps, "Total parameters")->result, "671B");
  EXPECT_THAT(FindStep(steps, "Total parameters")->why, HasSubstr("multi-token-prediction"));
  const ExplainStep* moe = FindStep(steps, "Distinct experts touched by 64 tokens");
  ASSERT_TRUE(moe);
  EXPECT_EQ(moe->substituted, "256 x (1 - (1 - 8/256)^64)");
  EXPECT_EQ(moe->result, "222.4 of 256 experts per MoE layer");
  EXPECT_TRUE(FindStep(steps, "Shared experts"));
}

TEST(ExplainTest, SlidingWindowsCapTheCache) {
  const auto steps = Explain(Model("gpt-oss-120b"), {.context = 4096});
  const ExplainStep* kv = FindStep(steps, "sliding windows");
  ASSERT_TRUE(kv);
  EXPECT_THAT(kv->why, HasSubstr("18 of the 36 layers"));
  EXPECT_EQ(kv->substituted, "2KiB x (18 x 4096 + 18 x 128)");
  const ExplainStep* active = FindStep(steps, "Published active");
  ASSERT_TRUE(active);
  EXPECT_THAT(active->why, HasSubstr("leaves the embedding out"));
}

TEST(ExplainTest, WeightPlanAndIntensity) {
  ExplainOptions options;
  options.weights = WeightPlan::Default(Dtype::kNVFP4);
  const auto steps = Explain(Model("llama-3.1-70b"), options);
  ASSERT_TRUE(FindStep(steps, "Bits per weight: nvfp4"));
  ASSERT_TRUE(FindStep(steps, "Bits per weight: bf16"));  // embedding, norms, LM head
  EXPECT_EQ(FindStep(steps, "Weights: attention")->substituted, "12.08B x 4.5 / 8");
  const ExplainStep* ai = FindStep(steps, "Arithmetic intensity");
  ASSERT_TRUE(ai);
  EXPECT_THAT(ai->result, HasSubstr("FLOP/byte"));
}

}  // namespace
}  // namespace aiinfra::model
