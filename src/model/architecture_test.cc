#include "model/architecture.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiinfra::model {
namespace {

using ::testing::HasSubstr;

// A small MoE with sliding layers, touching every optional field.
constexpr const char* kYaml = R"(id: tiny-moe
name: Tiny MoE
family: test
aliases: [tiny]
hf_architecture: TestForCausalLM
source: https://example.org/config.json
hidden: 64
layers: 4
vocab: 1000
ffn: 256
gated_ffn: true
ffn_bias: false
tied_embeddings: true
max_context: 4096
mtp_layers: 1
attention:
  heads: 8
  kv_heads: 2
  head_dim: 16
  qkv_bias: true
  o_bias: false
  qk_norm: true
  sinks: true
  sliding_window: 32
  layer_types: [sliding_attention, full_attention, sliding_attention, full_attention]
moe:
  experts: 16
  top_k: 2
  expert_ffn: 32
  shared_experts: 1
  shared_ffn: 64
  dense_layers: 1
  expert_bias: true
  router_bias: true
  groups: 4
  topk_groups: 2
published_total_params: {value: 1e6, source: https://example.org/card}
published_active_params: {value: 2e5, source: https://example.org/card}
published_active_excludes_embedding: true
)";

Result<Architecture> Parse(const std::string& text) {
  AIINFRA_TRY(YamlNode doc, ParseYaml(text, "tiny-moe.yaml"));
  return ParseArchitecture(doc);
}

std::string Replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  if (pos == std::string::npos) return "<<fixture lacks: " + from + ">>";
  return text.replace(pos, from.size(), to);
}

TEST(ArchitectureTest, ParsesEveryField) {
  auto arch = Parse(kYaml);
  ASSERT_TRUE(arch) << arch.error().ToString();
  EXPECT_EQ(arch->id, "tiny-moe");
  EXPECT_EQ(arch->aliases, std::vector<std::string>{"tiny"});
  EXPECT_EQ(arch->file, "tiny-moe.yaml");
  EXPECT_EQ(arch->hidden, 64);
  EXPECT_TRUE(arch->tied_embeddings);
  EXPECT_EQ(arch->mtp_layers, 1);
  EXPECT_TRUE(arch->attention.is_gqa());
  EXPECT_TRUE(arch->attention.qkv_bias);
  EXPECT_TRUE(arch->attention.qk_norm);
  EXPECT_TRUE(arch->attention.sinks);
  EXPECT_EQ(arch->attention.sliding_window, 32);
  EXPECT_EQ(arch->SlidingLayers(), 2);
  EXPECT_TRUE(arch->IsSlidingLayer(0));
  EXPECT_FALSE(arch->IsSlidingLayer(1));
  ASSERT_TRUE(arch->moe);
  EXPECT_EQ(arch->moe->shared_ffn, 64);
  EXPECT_EQ(arch->MoeLayers(), 3);
  EXPECT_FALSE(arch->IsMoeLayer(0));
  EXPECT_TRUE(arch->IsMoeLayer(1));
  EXPECT_EQ(arch->moe->groups, 4);
  EXPECT_DOUBLE_EQ(arch->published_total_params->value, 1e6);
  EXPECT_EQ(arch->published_active_params->source, "https://example.org/card");
  EXPECT_TRUE(arch->published_active_excludes_embedding);
}

TEST(ArchitectureTest, MlaFields) {
  std::string yaml = Replace(kYaml, "  head_dim: 16\n",
                             "  mla: {q_lora_rank: 24, kv_lora_rank: 16, qk_nope_head_dim: 8, "
                             "qk_rope_head_dim: 4, v_head_dim: 8}\n");
  yaml = Replace(yaml, "  qk_norm: true\n", "");
  yaml = Replace(yaml, "  kv_heads: 2", "  kv_heads: 8");
  auto arch = Parse(yaml);
  ASSERT_TRUE(arch) << arch.error().ToString();
  EXPECT_TRUE(arch->attention.mla);
  EXPECT_FALSE(arch->attention.is_gqa());
  EXPECT_EQ(arch->attention.qk_dim(), 12);
  EXPECT_EQ(arch->attention.v_dim(), 8);
}

struct BadCase {
  const char* name;
  const char* from;
  const char* to;
  int line;
  const char* field;
  const char* message;
};
void PrintTo(const BadCase& c, std::ostream* os) { *os << c.name; }

class BadArchitectureTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadArchitectureTest, NamesLineAndField) {
  const BadCase& c = GetParam();
  auto arch = Parse(Replace(kYaml, c.from, c.to));
  ASSERT_FALSE(arch);
  EXPECT_EQ(arch.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(arch.error().where.file, "tiny-moe.yaml");
  EXPECT_EQ(arch.error().where.line, c.line) << arch.error().ToString();
  EXPECT_THAT(arch.error().where.field, HasSubstr(c.field)) << arch.error().ToString();
  EXPECT_THAT(arch.error().message, HasSubstr(c.message)) << arch.error().ToString();
}

INSTANTIATE_TEST_SUITE_P(
    Cases, BadArchitectureTest,
    ::testing::Values(
        BadCase{"unknown_field", "mtp_layers: 1", "mtp_layer: 1", 15, "", "mtp_layer"},
        BadCase{"bad_id", "id: tiny-moe", "id: Tiny_MoE", 1, "id", "a-z"},
        BadCase{"fraction", "hidden: 64", "hidden: 64.5", 7, "hidden", "whole number"},
        BadCase{"kv_not_divisor", "kv_heads: 2", "kv_heads: 3", 18, "attention.kv_heads",
                "multiple"},
        BadCase{"top_k_too_big", "top_k: 2", "top_k: 17", 28, "moe.top_k", "exceed"},
        BadCase{"layer_types_short", "full_attention]", "full_attention, full_attention]", 25,
                "attention.layer_types", "one per layer"},
        BadCase{"layer_type_unknown", "[sliding_attention,", "[chunked_attention,", 25,
                "attention.layer_types[0]", "chunked_attention"},
        BadCase{"zero_vocab", "vocab: 1000", "vocab: 0", 9, "vocab", "greater than zero"},
        BadCase{"dense_layers_all", "dense_layers: 1", "dense_layers: 4", 32, "moe.dense_layers",
                "layers - 1"},
        BadCase{"groups", "groups: 4", "groups: 3", 35, "moe.groups", "divide"},
        BadCase{"no_published", "published_total_params", "published_totl_params", 1, "",
                "published_total_params"},
        BadCase{"figure_without_source", "{value: 1e6, source: https://example.org/card}",
                "{value: 1e6}", 37, "published_total_params", "source"}));

TEST(ArchitectureTest, ValidateWithoutYaml) {
  Architecture arch;
  arch.hidden = 8;
  arch.layers = 2;
  arch.vocab = 10;
  arch.ffn = 16;
  arch.max_context = 128;
  arch.attention = {.heads = 2, .kv_heads = 2, .head_dim = 4};
  EXPECT_TRUE(Validate(arch));
  arch.attention.sliding_window = 4;  // a window without layer types
  auto bad = Validate(arch, {.file = "x.json"});
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where.file, "x.json");
  EXPECT_EQ(bad.error().where.field, "attention.sliding_window");
  arch.attention.sliding_window = 0;
  arch.moe = Moe{.experts = 4, .top_k = 1, .expert_ffn = 8};
  arch.ffn = 0;  // an all-MoE model needs no dense FFN width
  EXPECT_TRUE(Validate(arch));
}

TEST(ArchitectureTest, SizesAreBoundedSoTheirSumsFitAnInt) {
  Architecture arch;
  arch.hidden = 8;
  arch.layers = 2;
  arch.vocab = 10;
  arch.ffn = 16;
  arch.max_context = 128;
  arch.attention = {.heads = 2,
                    .kv_heads = 2,
                    .mla = true,
                    .kv_lora_rank = 4,
                    .qk_nope_head_dim = 1 << 30,
                    .qk_rope_head_dim = 1 << 30,
                    .v_head_dim = 4};
  auto bad = Validate(arch);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where.field, "attention.mla.qk_rope_head_dim");  // checked first
  arch.attention = {.heads = 2, .kv_heads = 2, .head_dim = 4};
  arch.layers = 200000;
  bad = Validate(arch);
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().where.field, "layers");
}

}  // namespace
}  // namespace aiinfra::model
