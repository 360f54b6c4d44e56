#include "plan/yaml_out.h"

#include <yaml-cpp/yaml.h>

#include <cmath>
#include <limits>

#include "gtest/gtest.h"

namespace aiinfra::plan {
namespace {

TEST(YamlOutTest, StringsThatLookLikeOtherTypesAreQuoted) {
  for (const char* s :
       {"",    "8",    "5.5", "-1",   ".5",   "0x1F", "1e3", "true",  "False", "yes",  "NO",
        "on",  "off",  "y",   "N",    "null", "~",    "a b", "a: b",  "x#y",   "key:", "{x}",
        "[x]", "*ref", "&a",  "!tag", "%p",   "@at",  "'q'", "\"q\"", "$(VAR)"}) {
    EXPECT_TRUE(YamlNeedsQuotes(s)) << s;
  }
  for (const char* s :
       {"http", "vllm:num_requests_waiting", "app.kubernetes.io/name", "/health", "apps/v1",
        "gpu.nvidia.com", "--port", "meta-llama/Llama-3.1-8B", "_x", "a=b", "ExactCount", "-x"}) {
    EXPECT_FALSE(YamlNeedsQuotes(s)) << s;
  }
  for (const char* s : {"-", "-1", "-.inf", "- x", "--"}) EXPECT_TRUE(YamlNeedsQuotes(s)) << s;
}

TEST(YamlOutTest, ScalarsKeepTheirTypeThroughYamlCpp) {
  YamlOut doc;
  doc["int"] = 8;
  doc["string8"] = "8";
  doc["bool"] = true;
  doc["stringTrue"] = "true";
  doc["double"] = 2.5;
  doc["plain"] = "vllm:num_requests_waiting";
  doc["null"] = YamlOut();
  doc["args"] = YamlOut::Strings({"--tensor-parallel-size", "4", "{\"a\":\"b\"}"});
  const std::string text = doc.Emit();
  YAML::Node n = YAML::Load(text);
  // yaml-cpp marks a quoted scalar with the non-specific tag "!", a plain one with "?".
  EXPECT_EQ(n["int"].Tag(), "?");
  EXPECT_EQ(n["int"].as<int>(), 8);
  EXPECT_EQ(n["string8"].Tag(), "!");
  EXPECT_EQ(n["string8"].as<std::string>(), "8");
  EXPECT_EQ(n["bool"].Tag(), "?");
  EXPECT_TRUE(n["bool"].as<bool>());
  EXPECT_EQ(n["stringTrue"].Tag(), "!");
  EXPECT_DOUBLE_EQ(n["double"].as<double>(), 2.5);
  EXPECT_EQ(n["plain"].Tag(), "?");
  EXPECT_EQ(n["plain"].as<std::string>(), "vllm:num_requests_waiting");
  EXPECT_TRUE(n["null"].IsNull());
  ASSERT_TRUE(n["args"].IsSequence());
  EXPECT_EQ(n["args"][1].Tag(), "!");
  EXPECT_EQ(n["args"][2].as<std::string>(), "{\"a\":\"b\"}");
  EXPECT_EQ(text.back(), '\n');
}

TEST(YamlOutTest, MappingsKeepInsertionOrderAndReuseKeys) {
  YamlOut doc;
  doc["zeta"] = 1;
  doc["alpha"]["inner"] = "x";
  doc["alpha"]["second"] = "y";
  doc["zeta"] = 2;  // replaces, keeps its place
  const std::string text = doc.Emit();
  EXPECT_LT(text.find("zeta"), text.find("alpha"));
  YAML::Node n = YAML::Load(text);
  EXPECT_EQ(n["zeta"].as<int>(), 2);
  EXPECT_EQ(n["alpha"]["second"].as<std::string>(), "y");
  EXPECT_EQ(n.size(), 2u);
}

TEST(YamlOutTest, NonFiniteDoublesAreYamlSpecials) {
  YamlOut doc;
  doc["inf"] = std::numeric_limits<double>::infinity();
  doc["nan"] = std::nan("");
  YAML::Node n = YAML::Load(doc.Emit());
  EXPECT_TRUE(std::isinf(n["inf"].as<double>()));
  EXPECT_TRUE(std::isnan(n["nan"].as<double>()));
}

TEST(YamlOutTest, EmptyCollectionsAreFlow) {
  YamlOut doc;
  doc["m"] = YamlOut::Map();
  doc["s"] = YamlOut::Seq();
  YAML::Node n = YAML::Load(doc.Emit());
  EXPECT_TRUE(n["m"].IsMap());
  EXPECT_EQ(n["m"].size(), 0u);
  EXPECT_TRUE(n["s"].IsSequence());
  EXPECT_EQ(n["s"].size(), 0u);
}

}  // namespace
}  // namespace aiinfra::plan
