// The `model` commands run in-process against the embedded catalog.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <sstream>

#include "cli/app.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;
using ::testing::HasSubstr;

const CommandTable& Table() {
  static const CommandTable table = [] {
    CommandTable t;
    t.AddGroup({}, "test");
    RegisterModelCommands(t);
    RegisterBuiltinCommands(t);
    return t;
  }();
  return table;
}

struct Ran {
  int code;
  std::string out;
  std::string err;
};

Ran RunArgs(std::vector<std::string> args) {
  std::ostringstream out, err;
  RealEnv env;
  const int code = Run(Table(), args, out, err, env);
  return {code, out.str(), err.str()};
}

TEST(ModelCommandsTest, ExamplesParse) {
  auto checked = CheckExamples(Table());
  EXPECT_TRUE(checked) << checked.error().message;
}

TEST(ModelCommandsTest, ListTable) {
  Ran r = RunArgs({"model", "list"});
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* id : {"llama-2-70b", "llama-3.1-405b", "qwen3-235b-a22b", "mixtral-8x7b",
                         "deepseek-v3", "gpt-oss-120b", "kimi-k2"}) {
    EXPECT_THAT(r.out, HasSubstr(id));
  }
  EXPECT_THAT(r.out, HasSubstr("gqa+sliding"));
  EXPECT_THAT(r.out, HasSubstr("mla"));
  EXPECT_THAT(r.out, HasSubstr("8.03B"));
}

TEST(ModelCommandsTest, ListJson) {
  Ran r = RunArgs({"model", "list", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = Json::parse(r.out);
  ASSERT_EQ(j["models"].size(), 13u);
  for (const Json& m : j["models"]) {
    EXPECT_GT(m["total_params"].get<double>(), 0) << m["id"];
    EXPECT_LE(m["active_params"].get<double>(), m["total_params"].get<double>()) << m["id"];
    if (m["id"] == "llama-3.1-8b") {
      EXPECT_DOUBLE_EQ(m["total_params"].get<double>(), 8030261248);
      EXPECT_DOUBLE_EQ(m["bf16_weight_bytes"].get<double>(), 16060522496);
      EXPECT_EQ(m["kind"], "dense");
      EXPECT_EQ(m["attention"], "gqa");
    }
  }
}

TEST(ModelCommandsTest, ShowJsonByAlias) {
  Ran r = RunArgs({"model", "show", "deepseek-r1", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["id"], "deepseek-v3");
  EXPECT_EQ(j["kind"], "moe");
  EXPECT_EQ(j["architecture"]["attention"]["kind"], "mla");
  EXPECT_DOUBLE_EQ(j["parameters"]["total"].get<double>(), 671026419200);
  EXPECT_NEAR(j["parameters"]["published_total"]["error_pct"].get<double>(), 0.0039, 1e-3);
  EXPECT_EQ(j["weights"].size(), 16u);  // one row per dtype of model/dtype.h
  EXPECT_DOUBLE_EQ(j["kv_cache"]["by_dtype"]["bf16"]["per_token"].get<double>(), 70272);
  EXPECT_DOUBLE_EQ(j["kv_cache"]["by_dtype"]["fp8"]["per_token"].get<double>(), 35136);
  EXPECT_NEAR(j["moe"]["expected_distinct_experts"].get<double>(), 222.44, 0.01);
  EXPECT_FALSE(j.contains("explain"));
}

TEST(ModelCommandsTest, ShowTableAndExplain) {
  Ran r = RunArgs({"model", "show", "deepseek-v3", "--explain"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_THAT(r.out, HasSubstr("Parameters"));
  EXPECT_THAT(r.out, HasSubstr("q4_k_m"));
  EXPECT_THAT(r.out, HasSubstr("== KV cache =="));
  EXPECT_THAT(r.out, HasSubstr("What multi-head attention would cache instead"));
  EXPECT_THAT(r.out, HasSubstr("256 x (1 - (1 - 8/256)^64)"));
  EXPECT_THAT(r.out, HasSubstr("  formula: "));

  Ran j = RunArgs({"model", "show", "gpt-oss-20b", "--explain", "-o", "json"});
  ASSERT_EQ(j.code, 0) << j.err;
  const Json data = Json::parse(j.out);
  ASSERT_TRUE(data["explain"].is_array());
  EXPECT_GT(data["explain"].size(), 20u);
  EXPECT_EQ(data["explain"][0]["section"], "Parameters");
}

TEST(ModelCommandsTest, PlanOptions) {
  Ran r = RunArgs({"model", "show", "gpt-oss-120b", "--weights", "bf16", "--keep",
                   "routed_experts=mxfp4", "--kv", "fp8", "--context", "32768", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["plan"]["describe"], "bf16 (routed_experts=mxfp4)");
  EXPECT_EQ(j["plan"]["by_class"]["routed_experts"]["dtype"], "mxfp4");
  EXPECT_DOUBLE_EQ(j["kv_cache"]["context"].get<double>(), 32768);
  // 18 full layers x 32768 tokens + 18 sliding layers x 128, at 2 x 8 x 64 bytes (fp8).
  EXPECT_DOUBLE_EQ(j["kv_cache"]["by_dtype"]["fp8"]["at_context"].get<double>(),
                   1024.0 * (18 * 32768 + 18 * 128));
}

TEST(ModelCommandsTest, ShowConfigJson) {
  const std::string path = std::string(AIINFRA_SOURCE_DIR) + "/src/model/testdata/qwen3-32b.json";
  Ran r = RunArgs({"model", "show", path, "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  const Json j = Json::parse(r.out);
  EXPECT_EQ(j["id"], "qwen3-32b");
  EXPECT_EQ(j["file"], path);
  EXPECT_EQ(j["hf_architecture"], "Qwen3ForCausalLM");
  EXPECT_TRUE(j["parameters"]["published_total"].is_null());
}

TEST(ModelCommandsTest, Errors) {
  Ran unknown = RunArgs({"model", "show", "deepseek-v4"});
  EXPECT_EQ(unknown.code, 3);
  EXPECT_THAT(unknown.err, HasSubstr("did you mean deepseek-v3"));
  EXPECT_THAT(unknown.err, HasSubstr("aiinfra model list"));

  Ran missing = RunArgs({"model", "show", "/nonexistent/config.json"});
  EXPECT_EQ(missing.code, 3);

  Ran weights = RunArgs({"model", "show", "llama-3.1-8b", "--weights", "fp5"});
  EXPECT_EQ(weights.code, 2);
  EXPECT_THAT(weights.err, HasSubstr("--weights"));
  Ran keep = RunArgs({"model", "show", "llama-3.1-8b", "--keep", "experts=bf16"});
  EXPECT_EQ(keep.code, 2);
  EXPECT_THAT(keep.err, HasSubstr("routed_experts"));
  Ran kv = RunArgs({"model", "show", "llama-3.1-8b", "--kv", "q4_k_m"});
  EXPECT_EQ(kv.code, 2);
  Ran context = RunArgs({"model", "show", "llama-3.1-8b", "--context", "0"});
  EXPECT_EQ(context.code, 2);
}

}  // namespace
}  // namespace aiinfra::cli
