#include "model/hf_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "model/catalog.h"
#include "model/footprint.h"

namespace aiinfra::model {
namespace {

using ::testing::HasSubstr;

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(AIINFRA_SOURCE_DIR) + "/src/model/testdata/" + name);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

const Architecture& Builtin(const std::string& id) {
  static const ModelCatalog catalog = *ModelCatalog::Load(DataSource());
  return **catalog.Find(id);
}

// Every field that a count, a byte size or a FLOP figure depends on.
void ExpectSameModel(const Architecture& got, const Architecture& want) {
  EXPECT_EQ(got.hidden, want.hidden);
  EXPECT_EQ(got.layers, want.layers);
  EXPECT_EQ(got.vocab, want.vocab);
  EXPECT_EQ(got.ffn, want.ffn);
  EXPECT_EQ(got.gated_ffn, want.gated_ffn);
  EXPECT_EQ(got.ffn_bias, want.ffn_bias);
  EXPECT_EQ(got.tied_embeddings, want.tied_embeddings);
  EXPECT_EQ(got.max_context, want.max_context);
  EXPECT_EQ(got.mtp_layers, want.mtp_layers);
  EXPECT_EQ(got.hf_architecture, want.hf_architecture);
  const Attention &a = got.attention, &b = want.attention;
  EXPECT_EQ(a.heads, b.heads);
  EXPECT_EQ(a.kv_heads, b.kv_heads);
  EXPECT_EQ(a.head_dim, b.head_dim);
  EXPECT_EQ(a.qkv_bias, b.qkv_bias);
  EXPECT_EQ(a.o_bias, b.o_bias);
  EXPECT_EQ(a.qk_norm, b.qk_norm);
  EXPECT_EQ(a.mla, b.mla);
  EXPECT_EQ(a.q_lora_rank, b.q_lora_rank);
  EXPECT_EQ(a.kv_lora_rank, b.kv_lora_rank);
  EXPECT_EQ(a.qk_nope_head_dim, b.qk_nope_head_dim);
  EXPECT_EQ(a.qk_rope_head_dim, b.qk_rope_head_dim);
  EXPECT_EQ(a.v_head_dim, b.v_head_dim);
  EXPECT_EQ(a.sliding_window, b.sliding_window);
  EXPECT_EQ(a.sliding_layers, b.sliding_layers);
  EXPECT_EQ(a.sinks, b.sinks);
  ASSERT_EQ(got.moe.has_value(), want.moe.has_value());
  if (got.moe) {
    const Moe &m = *got.moe, &n = *want.moe;
    EXPECT_EQ(m.experts, n.experts);
    EXPECT_EQ(m.top_k, n.top_k);
    EXPECT_EQ(m.expert_ffn, n.expert_ffn);
    EXPECT_EQ(m.shared_experts, n.shared_experts);
    EXPECT_EQ(m.shared_ffn, n.shared_ffn);
    EXPECT_EQ(m.dense_layers, n.dense_layers);
    EXPECT_EQ(m.expert_bias, n.expert_bias);
    EXPECT_EQ(m.router_bias, n.router_bias);
    EXPECT_EQ(m.groups, n.groups);
    EXPECT_EQ(m.topk_groups, n.topk_groups);
  }
  // And the numbers themselves.
  const ParameterCounts pc = CountParameters(got), pw = CountParameters(want);
  for (int i = 0; i < kTensorClasses; ++i) {
    EXPECT_DOUBLE_EQ(pc.by_class[i], pw.by_class[i]) << TensorClassName(TensorClass(i));
  }
  EXPECT_DOUBLE_EQ(pc.active, pw.active);
  for (Dtype kv : {Dtype::kBF16, Dtype::kFP8}) {
    EXPECT_DOUBLE_EQ(KvBytesPerToken(got, kv), KvBytesPerToken(want, kv));
    EXPECT_DOUBLE_EQ(KvBytesForContext(got, kv, 32768), KvBytesForContext(want, kv, 32768));
  }
  EXPECT_DOUBLE_EQ(LinearFlopsPerToken(got), LinearFlopsPerToken(want));
  EXPECT_DOUBLE_EQ(DecodeFlops(got, 4096), DecodeFlops(want, 4096));
  EXPECT_DOUBLE_EQ(PrefillFlops(got, 1000, 500), PrefillFlops(want, 1000, 500));
}

class ImportEqualsBuiltinTest : public ::testing::TestWithParam<std::string> {};

TEST_P(ImportEqualsBuiltinTest, SameCountsAsCatalog) {
  const std::string id = GetParam();
  auto arch = ImportHfConfig(ReadTestdata(id + ".json"), "testdata/" + id + ".json");
  ASSERT_TRUE(arch) << arch.error().ToString();
  EXPECT_EQ(arch->id, id);  // from the file name, as no _name_or_path is given
  EXPECT_EQ(arch->file, "testdata/" + id + ".json");
  EXPECT_EQ(arch->family, Builtin(id).family);
  ExpectSameModel(*arch, Builtin(id));
}

// One per family: llama, qwen3, qwen3_moe, mixtral, deepseek_v3, gpt_oss.
INSTANTIATE_TEST_SUITE_P(Families, ImportEqualsBuiltinTest,
                         ::testing::Values("llama-3.1-8b", "qwen3-32b", "qwen3-30b-a3b",
                                           "mixtral-8x7b", "deepseek-v3", "gpt-oss-20b"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) c = std::isalnum(c) ? c : '_';
                           return name;
                         });

TEST(HfConfigTest, KimiK2FromTheDeepseekFields) {
  // Kimi K2 ships DeepseekV3ForCausalLM with 384 experts, 64 heads, one group, no MTP.
  std::string text = ReadTestdata("deepseek-v3.json");
  auto set = [&](const std::string& key, const std::string& value) {
    const auto pos = text.find("\"" + key + "\": ");
    ASSERT_NE(pos, std::string::npos) << key;
    const auto start = pos + key.size() + 4;
    text.replace(start, text.find_first_of(",\n", start) - start, value);
  };
  set("model_type", "\"kimi_k2\"");
  set("n_routed_experts", "384");
  set("num_attention_heads", "64");
  set("num_key_value_heads", "64");
  set("first_k_dense_replace", "1");
  set("n_group", "1");
  set("topk_group", "1");
  set("num_nextn_predict_layers", "0");
  set("vocab_size", "163840");
  set("max_position_embeddings", "131072");
  auto arch = ImportHfConfig(text, "Kimi-K2-Instruct/config.json");
  ASSERT_TRUE(arch) << arch.error().ToString();
  EXPECT_EQ(arch->id, "kimi-k2-instruct");  // the directory's name
  EXPECT_EQ(arch->family, "kimi");
  ExpectSameModel(*arch, Builtin("kimi-k2"));
}

TEST(HfConfigTest, NameOrPathGivesTheId) {
  auto arch = ImportHfConfig(
      R"({"_name_or_path": "Org/My_Model-7B", "architectures": ["MistralForCausalLM"],
          "hidden_size": 4096, "num_hidden_layers": 32, "num_attention_heads": 32,
          "num_key_value_heads": 8, "vocab_size": 32000, "intermediate_size": 14336,
          "max_position_embeddings": 32768, "sliding_window": 4096})",
      "x/config.json");
  ASSERT_TRUE(arch) << arch.error().ToString();
  EXPECT_EQ(arch->id, "my-model-7b");
  EXPECT_EQ(arch->name, "Org/My_Model-7B");
  EXPECT_EQ(arch->attention.head_dim, 128);  // hidden / heads when absent
  // Mistral 7B v0.1 slides every layer.
  EXPECT_EQ(arch->SlidingLayers(), 32);
  EXPECT_EQ(arch->attention.sliding_window, 4096);
}

TEST(HfConfigTest, Qwen2BiasesAndDisabledWindows) {
  auto arch = ImportHfConfig(
      R"({"architectures": ["Qwen2ForCausalLM"], "hidden_size": 896, "num_hidden_layers": 24,
          "num_attention_heads": 14, "num_key_value_heads": 2, "vocab_size": 151936,
          "intermediate_size": 4864, "max_position_embeddings": 32768,
          "sliding_window": 32768, "use_sliding_window": false, "max_window_layers": 21,
          "tie_word_embeddings": true})",
      "qwen2.5-0.5b.json");
  ASSERT_TRUE(arch) << arch.error().ToString();
  EXPECT_TRUE(arch->attention.qkv_bias);
  EXPECT_FALSE(arch->attention.o_bias);
  EXPECT_TRUE(arch->tied_embeddings);
  EXPECT_EQ(arch->SlidingLayers(), 0);
  // Qwen2.5-0.5B: 494M parameters (model card: 0.49B).
  EXPECT_NEAR(CountParameters(*arch).total, 0.494e9, 0.001e9);
}

TEST(HfConfigTest, UnknownArchitectureWithDenseFieldsReadsAsLlama) {
  auto arch = ImportHfConfig(
      R"({"architectures": ["FooForCausalLM"], "model_type": "foo", "hidden_size": 64,
          "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 100,
          "intermediate_size": 128, "max_position_embeddings": 512})",
      "foo.json");
  ASSERT_TRUE(arch) << arch.error().ToString();
  EXPECT_EQ(arch->family, "foo");
  EXPECT_EQ(arch->attention.kv_heads, 4);
  EXPECT_FALSE(arch->is_moe());
}

TEST(HfConfigTest, UnknownArchitectureNamesEveryMissingField) {
  auto arch =
      ImportHfConfig(R"({"architectures": ["FooForCausalLM"], "hidden_size": 64})", "foo.json");
  ASSERT_FALSE(arch);
  EXPECT_EQ(arch.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(arch.error().where.file, "foo.json");
  const std::string& m = arch.error().message;
  EXPECT_THAT(m, HasSubstr("FooForCausalLM"));
  EXPECT_THAT(m, HasSubstr("LlamaForCausalLM"));  // the recognised ones are listed
  for (const char* field : {"num_hidden_layers", "vocab_size", "max_position_embeddings",
                            "num_attention_heads", "intermediate_size"}) {
    EXPECT_THAT(m, HasSubstr(field));
  }
  EXPECT_THAT(m, ::testing::Not(HasSubstr("hidden_size")));
}

TEST(HfConfigTest, KnownArchitectureNamesEveryMissingField) {
  std::string text = ReadTestdata("deepseek-v3.json");
  for (const std::string key : {"\"kv_lora_rank\": 512,", "\"n_routed_experts\": 256,"}) {
    text.erase(text.find(key), key.size());
  }
  auto arch = ImportHfConfig(text, "ds.json");
  ASSERT_FALSE(arch);
  EXPECT_THAT(arch.error().message, HasSubstr("DeepseekV3ForCausalLM"));
  EXPECT_THAT(arch.error().message, HasSubstr("kv_lora_rank, n_routed_experts"));
}

TEST(HfConfigTest, MalformedJsonGivesLineAndColumn) {
  auto arch = ImportHfConfig("{\n  \"hidden_size\": 4096,\n  \"x\": ]\n}\n", "bad.json");
  ASSERT_FALSE(arch);
  EXPECT_EQ(arch.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(arch.error().where.file, "bad.json");
  EXPECT_EQ(arch.error().where.line, 3);
  EXPECT_EQ(arch.error().where.column, 8);
  EXPECT_THAT(arch.error().message, HasSubstr("malformed JSON"));
  EXPECT_THAT(arch.error().ToString(), HasSubstr("bad.json:3:8"));

  auto truncated = ImportHfConfig(R"({"hidden_size": 40)", "cut.json");
  ASSERT_FALSE(truncated);
  EXPECT_EQ(truncated.error().where.line, 1);
  EXPECT_FALSE(ImportHfConfig("[1, 2]", "array.json"));
}

TEST(HfConfigTest, WrongTypeNamesTheField) {
  std::string text = ReadTestdata("llama-3.1-8b.json");
  const std::string from = "\"num_key_value_heads\": 8";
  text.replace(text.find(from), from.size(), "\"num_key_value_heads\": \"8\"");
  auto arch = ImportHfConfig(text, "llama.json");
  ASSERT_FALSE(arch);
  EXPECT_EQ(arch.error().where.field, "num_key_value_heads");
  EXPECT_EQ(arch.error().where.line, 18);
  EXPECT_THAT(arch.error().message, HasSubstr("whole number"));
  EXPECT_THAT(arch.error().message, HasSubstr("a string (\"8\")"));

  auto flag = ImportHfConfig(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
      "num_hidden_layers": 2, "num_attention_heads": 4, "vocab_size": 100,
      "intermediate_size": 128, "max_position_embeddings": 512, "tie_word_embeddings": 1})",
                             "flag.json");
  ASSERT_FALSE(flag);
  EXPECT_EQ(flag.error().where.field, "tie_word_embeddings");
  EXPECT_EQ(flag.error().where.line, 3);
}

TEST(HfConfigTest, UnsupportedShapesAreErrors) {
  std::string text = ReadTestdata("gpt-oss-20b.json");
  text.replace(text.find("\"sliding_attention\""), 19, "\"linear_attention\"");
  auto arch = ImportHfConfig(text, "g.json");
  ASSERT_FALSE(arch);
  EXPECT_EQ(arch.error().where.field, "layer_types");
  EXPECT_THAT(arch.error().message, HasSubstr("linear_attention"));

  std::string qwen = ReadTestdata("qwen3-30b-a3b.json");
  qwen.replace(qwen.find("\"mlp_only_layers\": []"), 21, "\"mlp_only_layers\": [3]");
  auto q = ImportHfConfig(qwen, "q.json");
  ASSERT_FALSE(q);
  EXPECT_EQ(q.error().where.field, "mlp_only_layers");

  auto impossible = ImportHfConfig(R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64,
      "num_hidden_layers": 2, "num_attention_heads": 6, "num_key_value_heads": 4,
      "vocab_size": 100, "intermediate_size": 128, "max_position_embeddings": 512})",
                                   "i.json");
  ASSERT_FALSE(impossible);
  EXPECT_THAT(impossible.error().message, HasSubstr("multiple of kv_heads"));
}

}  // namespace
}  // namespace aiinfra::model
