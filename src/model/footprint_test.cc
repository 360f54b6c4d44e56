// Every expected number here was worked out by hand from the model's config.json (the arithmetic
// is in the comments), so a wrong formula fails rather than agreeing with itself.
#include "model/footprint.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "model/catalog.h"

namespace aiinfra::model {
namespace {

using ::testing::HasSubstr;

const Architecture& Model(const std::string& id) {
  static const ModelCatalog catalog = *ModelCatalog::Load(DataSource());
  return **catalog.Find(id);
}

// ---- Dense GQA: Llama 3.1 8B (hidden 4096, 32 layers, 32 heads, 8 KV heads, head_dim 128,
// ffn 14336, vocab 128256, untied). ----

TEST(FootprintTest, Llama31_8bParameters) {
  const ParameterCounts c = CountParameters(Model("llama-3.1-8b"));
  EXPECT_DOUBLE_EQ(c[TensorClass::kEmbedding], 525336576);  // 128256 x 4096
  // q 4096x4096 + k,v 2 x 4096x1024 + o 4096x4096 = 41,943,040 per layer, x 32.
  EXPECT_DOUBLE_EQ(c[TensorClass::kAttention], 1342177280);
  EXPECT_DOUBLE_EQ(c[TensorClass::kDenseFfn], 5637144576);  // 3 x 4096 x 14336 x 32
  EXPECT_DOUBLE_EQ(c[TensorClass::kNorm], 266240);          // 2 x 4096 x 32 + 4096
  EXPECT_DOUBLE_EQ(c[TensorClass::kLmHead], 525336576);
  EXPECT_DOUBLE_EQ(c[TensorClass::kRoutedExperts], 0);
  EXPECT_DOUBLE_EQ(c.total, 8030261248);  // the well-known exact count of Llama 3.1 8B
  EXPECT_DOUBLE_EQ(c.active, c.total);
}

TEST(FootprintTest, Llama31_8bBytesKvFlops) {
  const Architecture& arch = Model("llama-3.1-8b");
  const WeightBytes bf16 = ComputeWeightBytes(arch, WeightPlan::Default(Dtype::kBF16));
  EXPECT_DOUBLE_EQ(bf16.total, 16060522496);  // 2 bytes x 8,030,261,248
  // A token reads one embedding row, not the table: total - 2 x 525,336,576.
  EXPECT_DOUBLE_EQ(bf16.active, 15009849344);
  // fp8 with embedding, LM head and norms kept in bf16:
  // 2 x (525,336,576 x 2 + 266,240) + 1 x (1,342,177,280 + 5,637,144,576).
  const WeightBytes fp8 = ComputeWeightBytes(arch, WeightPlan::Default(Dtype::kFP8));
  EXPECT_DOUBLE_EQ(fp8.total, 9081200640);

  EXPECT_DOUBLE_EQ(KvBytesPerTokenPerLayer(arch, Dtype::kBF16), 4096);  // 2 x 8 x 128 x 2 B
  EXPECT_DOUBLE_EQ(KvBytesPerToken(arch, Dtype::kBF16), 131072);        // x 32 layers
  EXPECT_DOUBLE_EQ(KvBytesPerToken(arch, Dtype::kFP8), 65536);
  EXPECT_DOUBLE_EQ(KvBytesForContext(arch, Dtype::kBF16, 8192), 1073741824);  // 1 GiB

  // 2 x (attention 1,342,177,280 + FFN 5,637,144,576 + LM head 525,336,576).
  EXPECT_DOUBLE_EQ(LinearFlopsPerToken(arch), 15009316864);
  EXPECT_DOUBLE_EQ(RoutedExpertFlopsPerToken(arch), 0);
  EXPECT_DOUBLE_EQ(AttentionFlopsPerPairPerLayer(arch, true), 16384);  // 2 x 32 x (128 + 128)
  EXPECT_DOUBLE_EQ(AttentionFlopsPerPair(arch, false), 524288);        // x 32 layers
  EXPECT_DOUBLE_EQ(DecodeAttentionFlops(arch, 4096), 2147483648);      // 16384 x 4096 x 32
  // 4 tokens after 10 cached: 11 + 12 + 13 + 14 = 50 pairs per layer.
  EXPECT_DOUBLE_EQ(PrefillAttentionFlops(arch, 4, 10), 16384.0 * 50 * 32);
  EXPECT_DOUBLE_EQ(PrefillFlops(arch, 4, 10), 4 * 15009316864.0 + 16384.0 * 50 * 32);
  EXPECT_DOUBLE_EQ(DecodeFlops(arch, 4096), 15009316864.0 + 2147483648.0);
}

// ---- MLA: DeepSeek-V3 (hidden 7168, 61 layers, 128 heads, q_lora 1536, kv_lora 512, nope 128,
// rope 64, v 128; 3 dense layers of ffn 18432; 58 MoE layers of 256 experts of 2048, top 8,
// one shared expert; vocab 129280). ----

TEST(FootprintTest, DeepseekV3Parameters) {
  const Architecture& arch = Model("deepseek-v3");
  const ParameterCounts c = CountParameters(arch);
  // q_a 7168x1536 = 11,010,048; q_b 1536 x 128 x 192 = 37,748,736; kv_a 7168 x 576 = 4,128,768;
  // kv_b 512 x 128 x 256 = 16,777,216; o 16384 x 7168 = 117,440,512; norms 1536 + 512:
  // 187,107,328 per layer, x 61.
  EXPECT_DOUBLE_EQ(c[TensorClass::kAttention], 11413547008);
  EXPECT_DOUBLE_EQ(c[TensorClass::kDenseFfn], 1189085184);         // 3 x (3 x 7168 x 18432)
  EXPECT_DOUBLE_EQ(ExpertParameters(arch), 44040192);              // 3 x 7168 x 2048
  EXPECT_DOUBLE_EQ(c[TensorClass::kRoutedExperts], 653908770816);  // 58 x 256 x 44,040,192
  EXPECT_DOUBLE_EQ(c[TensorClass::kSharedExperts], 2554331136);    // 58 x 44,040,192
  EXPECT_DOUBLE_EQ(c[TensorClass::kRouter], 106445312);            // 58 x (256 x 7168 + 256 bias)
  EXPECT_DOUBLE_EQ(c[TensorClass::kNorm], 881664);                 // 61 x 2 x 7168 + 7168
  EXPECT_DOUBLE_EQ(c[TensorClass::kEmbedding], 926679040);         // 129280 x 7168
  EXPECT_DOUBLE_EQ(c.total, 671026419200);
  // Routed experts count 8 of 256: total - 653,908,770,816 + 58 x 8 x 44,040,192.
  EXPECT_DOUBLE_EQ(c.active, 671026419200.0 - 653908770816.0 + 20434649088.0);
}

TEST(FootprintTest, DeepseekV3KvAndAttention) {
  const Architecture& arch = Model("deepseek-v3");
  // The latent: (512 + 64) values x 2 bytes, in each of 61 layers.
  EXPECT_DOUBLE_EQ(KvBytesPerTokenPerLayer(arch, Dtype::kBF16), 1152);
  EXPECT_DOUBLE_EQ(KvBytesPerToken(arch, Dtype::kBF16), 70272);
  EXPECT_DOUBLE_EQ(KvBytesPerToken(arch, Dtype::kFP8), 35136);
  // Absorbed (decode): 2 x 128 x ((512 + 64) + 512); expanded (prefill): 2 x 128 x (192 + 128).
  EXPECT_DOUBLE_EQ(AttentionFlopsPerPairPerLayer(arch, true), 278528);
  EXPECT_DOUBLE_EQ(AttentionFlopsPerPairPerLayer(arch, false), 81920);
  EXPECT_DOUBLE_EQ(DecodeAttentionFlops(arch, 1000), 278528.0 * 1000 * 61);
  EXPECT_DOUBLE_EQ(PrefillAttentionFlops(arch, 3, 0), 81920.0 * 6 * 61);  // 1 + 2 + 3 pairs
  // Linear FLOPs: 2 x (attention matmuls 61 x 187,105,280 + dense 1,189,085,184 + 58 x (9 x
  // 44,040,192 + 1,835,008) + LM head 926,679,040).
  const double matmul =
      61 * 187105280.0 + 1189085184.0 + 58 * (9 * 44040192.0 + 1835008.0) + 926679040.0;
  EXPECT_DOUBLE_EQ(LinearFlopsPerToken(arch), 2 * matmul);
  EXPECT_DOUBLE_EQ(RoutedExpertFlopsPerToken(arch), 2 * 58 * 8 * 44040192.0);
  const WeightPlan fp8 = WeightPlan::Default(Dtype::kFP8);
  EXPECT_DOUBLE_EQ(ExpertBytes(arch, fp8), 44040192);
}

// ---- Sliding windows: gpt-oss-20b (hidden 2880, 24 layers alternating 128-token windows and
// full attention, 64 heads, 8 KV heads of 64, biases, sinks, 32 experts of 2880, top 4). ----

TEST(FootprintTest, GptOss20bParameters) {
  const Architecture& arch = Model("gpt-oss-20b");
  const ParameterCounts c = CountParameters(arch);
  // q 2880x4096 + k,v 2 x 2880x512 + o 4096x2880 + biases 4096 + 2 x 512 + 2880 = 26,550,080.
  EXPECT_DOUBLE_EQ(c[TensorClass::kAttention], 24 * 26550080.0);
  // 3 x 2880 x 2880 + biases (2 x 2880 + 2880) = 24,891,840 per expert.
  EXPECT_DOUBLE_EQ(ExpertParameters(arch), 24891840);
  EXPECT_DOUBLE_EQ(c[TensorClass::kRoutedExperts], 24 * 32 * 24891840.0);
  EXPECT_DOUBLE_EQ(c[TensorClass::kRouter], 24 * (32 * 2880.0 + 32));
  EXPECT_DOUBLE_EQ(c[TensorClass::kNorm], 24 * (2 * 2880.0 + 64) + 2880);  // + 64 sinks a layer
  EXPECT_DOUBLE_EQ(c.total, 20914757184);
  EXPECT_DOUBLE_EQ(c.active, 4187440704);  // total - 28 of 32 experts in 24 layers
  // OpenAI counts the unembedding but not the embedding as active: 3.608B ("3.61B").
  EXPECT_DOUBLE_EQ(ActiveAsPublished(arch, c), 4187440704.0 - 579133440.0);
}

TEST(FootprintTest, GptOss20bSlidingKvAndFlops) {
  const Architecture& arch = Model("gpt-oss-20b");
  ASSERT_EQ(arch.SlidingLayers(), 12);
  EXPECT_DOUBLE_EQ(KvBytesPerTokenPerLayer(arch, Dtype::kBF16), 2048);  // 2 x 8 x 64 x 2
  EXPECT_DOUBLE_EQ(KvBytesPerToken(arch, Dtype::kBF16), 49152);         // uncapped, 24 layers
  // 12 full layers hold 4096 tokens, 12 sliding ones 128: 2048 x (49152 + 1536).
  EXPECT_DOUBLE_EQ(KvBytesForContext(arch, Dtype::kBF16, 4096), 103809024);
  EXPECT_DOUBLE_EQ(KvBytesForContext(arch, Dtype::kBF16, 100), 2048.0 * 24 * 100);  // < window
  // Decode at 4096: 2 x 64 x (64 + 64) = 16384 per pair, x (12 x 4096 + 12 x 128) pairs.
  EXPECT_DOUBLE_EQ(DecodeAttentionFlops(arch, 4096), 830472192);
  // Prefill of 200 tokens: full layers 200 x 201 / 2 = 20100 pairs; sliding layers
  // 1 + ... + 128 + 72 x 128 = 17472 pairs.
  EXPECT_DOUBLE_EQ(PrefillAttentionFlops(arch, 200, 0), 16384.0 * 12 * (20100 + 17472));
  // Chunked prefill after 300 cached tokens: every sliding pair count is capped at 128.
  EXPECT_DOUBLE_EQ(PrefillAttentionFlops(arch, 10, 300),
                   16384.0 * 12 * ((301 + 310) * 10 / 2 + 10 * 128));
}

// Prefill attention of n tokens is the decode attention of each of them in turn.
TEST(FootprintTest, PrefillEqualsSumOfDecodesOracle) {
  for (const char* id : {"llama-3.1-8b", "gpt-oss-120b", "qwen3-30b-a3b"}) {
    const Architecture& arch = Model(id);
    double decodes = 0;
    for (int p = 51; p <= 250; ++p) decodes += DecodeAttentionFlops(arch, p);
    EXPECT_DOUBLE_EQ(PrefillAttentionFlops(arch, 200, 50), decodes) << id;
  }
}

TEST(FootprintTest, MixtralAndQwenMoe) {
  const ParameterCounts mixtral = CountParameters(Model("mixtral-8x7b"));
  EXPECT_DOUBLE_EQ(mixtral[TensorClass::kRoutedExperts], 32 * 8 * 3 * 4096.0 * 14336);
  EXPECT_DOUBLE_EQ(mixtral[TensorClass::kRouter], 32 * 8 * 4096.0);
  const Architecture& qwen = Model("qwen3-30b-a3b");
  const ParameterCounts c = CountParameters(qwen);
  // Per layer: 2 x 2048 + 2 x 128 (q/k norms); 48 layers, + the final 2048.
  EXPECT_DOUBLE_EQ(c[TensorClass::kNorm], 48 * 4352.0 + 2048);
  EXPECT_DOUBLE_EQ(c.active, 3353032704);
}

TEST(FootprintTest, TiedEmbeddingsAreReadByTheLmHead) {
  Architecture arch = Model("llama-3.1-8b");
  arch.tied_embeddings = true;
  const ParameterCounts c = CountParameters(arch);
  EXPECT_DOUBLE_EQ(c[TensorClass::kLmHead], 0);
  EXPECT_DOUBLE_EQ(c.total, 8030261248.0 - 525336576.0);
  const WeightBytes w = ComputeWeightBytes(arch, WeightPlan::Default(Dtype::kBF16));
  EXPECT_DOUBLE_EQ(w.active, w.total);
  EXPECT_DOUBLE_EQ(LinearFlopsPerToken(arch), 15009316864);  // the LM head still multiplies
}

TEST(FootprintTest, ExpectedDistinctExperts) {
  EXPECT_DOUBLE_EQ(ExpectedDistinctExperts(256, 8, 1), 8);
  EXPECT_DOUBLE_EQ(ExpectedDistinctExperts(8, 2, 2), 3.5);  // 8 x (1 - 0.75^2)
  EXPECT_NEAR(ExpectedDistinctExperts(256, 8, 64), 222.442, 1e-3);
  EXPECT_DOUBLE_EQ(ExpectedDistinctExperts(256, 8, 0), 0);
  EXPECT_LT(ExpectedDistinctExperts(256, 8, 1e6), 256.0 + 1e-9);
}

TEST(FootprintTest, WeightPlans) {
  const WeightPlan bf16 = WeightPlan::Default(Dtype::kBF16);
  EXPECT_TRUE(bf16.overrides.empty());
  EXPECT_EQ(bf16.Describe(), "bf16");
  WeightPlan fp4 = WeightPlan::Default(Dtype::kNVFP4);
  EXPECT_EQ(fp4.For(TensorClass::kAttention), Dtype::kNVFP4);
  EXPECT_EQ(fp4.For(TensorClass::kRouter), Dtype::kBF16);
  EXPECT_EQ(fp4.Describe(), "nvfp4 (embedding=bf16, router=bf16, norm=bf16, lm_head=bf16)");
  // GGUF quantizes every tensor; the override list is honoured in order.
  EXPECT_TRUE(WeightPlan::Default(Dtype::kQ4_K_M).overrides.empty());
  fp4.overrides.push_back(*ParseOverride("embedding=fp8"));
  EXPECT_EQ(fp4.For(TensorClass::kEmbedding), Dtype::kFP8);
  EXPECT_EQ(WeightPlan::Default(Dtype::kF32).For(TensorClass::kNorm), Dtype::kF32);

  auto bad = ParseOverride("experts=bf16");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, HasSubstr("routed_experts"));
  EXPECT_FALSE(ParseOverride("embedding"));
  EXPECT_FALSE(ParseOverride("embedding=fp7"));
  EXPECT_EQ(*ParseTensorClass("lm_head"), TensorClass::kLmHead);
  EXPECT_STREQ(TensorClassName(TensorClass::kSharedExperts), "shared_experts");
}

TEST(FootprintTest, MixedPlanBytes) {
  // gpt-oss as shipped: MXFP4 routed experts, everything else BF16.
  const Architecture& arch = Model("gpt-oss-20b");
  WeightPlan plan = WeightPlan::Default(Dtype::kBF16);
  plan.overrides.emplace_back(TensorClass::kRoutedExperts, Dtype::kMXFP4);
  const ParameterCounts c = CountParameters(arch);
  const WeightBytes w = ComputeWeightBytes(arch, plan);
  EXPECT_DOUBLE_EQ(w[TensorClass::kRoutedExperts], c[TensorClass::kRoutedExperts] * 4.25 / 8);
  EXPECT_DOUBLE_EQ(w.total, (c.total - c[TensorClass::kRoutedExperts]) * 2 +
                                c[TensorClass::kRoutedExperts] * 4.25 / 8);
  // About 12.8 GiB as OpenAI ships it (the model card's checkpoint size).
  EXPECT_NEAR(w.total / (1 << 30), 12.8, 0.3);
}

TEST(FootprintTest, FormatParams) {
  EXPECT_EQ(FormatParams(8030261248), "8.03B");
  EXPECT_EQ(FormatParams(1026408000000), "1.026T");
  EXPECT_EQ(FormatParams(167772160), "167.8M");
  EXPECT_EQ(FormatParams(999960000), "1B");
  EXPECT_EQ(FormatParams(512), "512");
}

}  // namespace
}  // namespace aiinfra::model
