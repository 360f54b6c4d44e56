#include "common/yaml.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace aiinfra {
namespace {

using ::testing::HasSubstr;

TEST(YamlTest, SyntaxErrorNamesFileLineAndColumn) {
  auto doc = ParseYaml("a: 1\nb: [1, 2\nc: 3\n", "x.yaml");
  ASSERT_FALSE(doc);
  EXPECT_EQ(doc.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(doc.error().where.file, "x.yaml");
  EXPECT_GT(doc.error().where.line, 1);
  EXPECT_GT(doc.error().where.column, 0);
  EXPECT_THAT(doc.error().ToString(), HasSubstr("x.yaml:"));
}

TEST(YamlTest, EmptyAndMultipleDocumentsAreRefused) {
  EXPECT_THAT(ParseYaml("", "e.yaml").error().message, HasSubstr("empty"));
  EXPECT_THAT(ParseYaml("a: 1\n---\nb: 2\n", "m.yaml").error().message,
              HasSubstr("one YAML document"));
  auto docs = ParseYamlDocuments("a: 1\n---\nb: 2\n", "m.yaml");
  ASSERT_TRUE(docs);
  EXPECT_EQ(docs->size(), 2u);
}

TEST(YamlTest, MapReadsFieldsAndRejectsUnknownOnes) {
  auto doc = ParseYaml("name: box\ncount: 8\nflag: true\nextra: 1\n", "f.yaml");
  ASSERT_TRUE(doc);
  auto map = YamlMap::From(*doc);
  ASSERT_TRUE(map);
  EXPECT_EQ(map->RequiredString("name").value(), "box");
  EXPECT_EQ(map->RequiredNumber("count").value(), 8);
  EXPECT_TRUE(map->Optional("flag")->Bool().value());
  EXPECT_FALSE(map->Optional("absent").has_value());
  auto finish = map->Finish();
  ASSERT_FALSE(finish);
  EXPECT_EQ(finish.error().where.line, 4);
  EXPECT_EQ(finish.error().where.field, "extra");
  EXPECT_THAT(finish.error().message, HasSubstr("unknown field \"extra\""));
  EXPECT_THAT(finish.error().message, HasSubstr("accepted here"));
}

TEST(YamlTest, MissingAndMistypedFieldsNameTheirPath) {
  auto doc = ParseYaml("outer:\n  inner:\n    n: eight\n  list: [1, 2]\n", "p.yaml");
  ASSERT_TRUE(doc);
  auto top = YamlMap::From(*doc).value();
  auto outer = YamlMap::From(top.Required("outer").value()).value();
  auto inner = YamlMap::From(outer.Required("inner").value()).value();
  auto n = inner.RequiredNumber("n");
  ASSERT_FALSE(n);
  EXPECT_EQ(n.error().where.field, "outer.inner.n");
  EXPECT_EQ(n.error().where.line, 3);
  EXPECT_THAT(n.error().message, HasSubstr("expected a number"));
  auto missing = inner.Required("m");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().where.field, "outer.inner.m");
  auto items = outer.Required("list").value().Items();
  ASSERT_TRUE(items);
  ASSERT_EQ(items->size(), 2u);
  EXPECT_EQ((*items)[1].path, "outer.list[1]");
  EXPECT_FALSE(YamlMap::From((*items)[0]));  // a scalar is not a mapping
  EXPECT_FALSE(inner.Required("n").value().Bool());
}

}  // namespace
}  // namespace aiinfra

namespace aiinfra {
namespace {

TEST(SetYamlPathTest, ReplacesCreatesAndIndexes) {
  const std::string doc = "a: 1\nb: {c: 2}\nlist: [{w: 1}, {w: 2}]\n";
  auto set = [&](const std::string& path, const std::string& value) {
    auto out = SetYamlPath(doc, "s.yaml", path, value);
    EXPECT_TRUE(out) << out.error().message;
    return out ? ParseYaml(*out, "out.yaml").value() : YamlNode{};
  };
  EXPECT_EQ(set("a", "5").node["a"].as<int>(), 5);
  EXPECT_EQ(set("b.c", "7").node["b"]["c"].as<int>(), 7);
  EXPECT_EQ(set("b.d.e", "x").node["b"]["d"]["e"].as<std::string>(), "x");  // created
  EXPECT_EQ(set("list.1.w", "9").node["list"][1]["w"].as<int>(), 9);
  EXPECT_EQ(set("b", "{policy: random}").node["b"]["policy"].as<std::string>(), "random");
  auto bad = SetYamlPath(doc, "s.yaml", "list.5.w", "1");
  ASSERT_FALSE(bad);
  EXPECT_NE(bad.error().message.find("'5' is not an index"), std::string::npos);
  auto scalar = SetYamlPath(doc, "s.yaml", "a.b", "1");
  ASSERT_FALSE(scalar);
  EXPECT_NE(scalar.error().message.find("scalar"), std::string::npos);
  EXPECT_FALSE(SetYamlPath(doc, "s.yaml", "a", "{unclosed"));
}

}  // namespace
}  // namespace aiinfra
