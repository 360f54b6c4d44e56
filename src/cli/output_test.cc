#include "cli/output.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <sstream>

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

// A small nested result, with strings that YAML would misread unless quoted.
Json Sample() {
  return Json{{"system", "gb200-nvl72"},
              {"chips", 72},
              {"hbm_tb", 13.5},
              {"liquid", true},
              {"note", nullptr},
              {"tricky", {"a: b", "yes", "", "-x", "1.0", "plain text"}},
              {"links", {{{"name", "nvlink"}, {"gbps", 1800}}, {{"name", "ib"}, {"gbps", 400}}}},
              {"empty", Json::object()}};
}

std::string Print(const Output& output, OutputFormat format) {
  std::ostringstream out;
  PrintOutput(output, format, out);
  return out.str();
}

TEST(Output, ParsesFormatNames) {
  EXPECT_EQ(*ParseOutputFormat("table"), OutputFormat::kTable);
  EXPECT_EQ(*ParseOutputFormat("json"), OutputFormat::kJson);
  EXPECT_EQ(*ParseOutputFormat("yaml"), OutputFormat::kYaml);
  auto bad = ParseOutputFormat("xml");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kUsage);
  EXPECT_STREQ(OutputFormatName(OutputFormat::kYaml), "yaml");
}

TEST(Output, JsonIsDataDumpedWithTwoSpaces) {
  Output output{.data = {{"a", 1}, {"b", {"x", "y"}}}};
  EXPECT_EQ(Print(output, OutputFormat::kJson),
            "{\n  \"a\": 1,\n  \"b\": [\n    \"x\",\n    \"y\"\n  ]\n}\n");
}

TEST(Output, YamlGolden) {
  EXPECT_EQ(Print({.data = Sample()}, OutputFormat::kYaml),
            "system: gb200-nvl72\n"
            "chips: 72\n"
            "hbm_tb: 13.5\n"
            "liquid: true\n"
            "note: null\n"
            "tricky:\n"
            "  - \"a: b\"\n"
            "  - \"yes\"\n"
            "  - \"\"\n"
            "  - \"-x\"\n"
            "  - \"1.0\"\n"
            "  - plain text\n"
            "links:\n"
            "  - name: nvlink\n"
            "    gbps: 1800\n"
            "  - name: ib\n"
            "    gbps: 400\n"
            "empty: {}\n");
}

TEST(Output, YamlScalarsAndNesting) {
  EXPECT_EQ(ToYaml(Json("yes")), "\"yes\"\n");
  EXPECT_EQ(ToYaml(Json(nullptr)), "null\n");
  EXPECT_EQ(ToYaml(Json::array()), "[]\n");
  EXPECT_EQ(ToYaml(Json(1e20)), "1.0e+20\n");
  EXPECT_EQ(ToYaml(Json(std::nan(""))), ".nan\n");
  EXPECT_EQ(ToYaml(Json(-INFINITY)), "-.inf\n");
  EXPECT_EQ(ToYaml(Json{{1, 2}, {3}}), "- - 1\n  - 2\n- - 3\n");
  EXPECT_EQ(ToYaml(Json{{"yes", {{"k: v", Json::array()}}}}), "\"yes\":\n  \"k: v\": []\n");
}

TEST(Output, YamlQuotesOnlyWhatNeedsIt) {
  for (const char* plain :
       {"plain text", "gb200-nvl72", "a:b", "it's", "café", "x-1", "H100", "1.5 GiB", "a#b"}) {
    EXPECT_EQ(YamlString(plain), plain);
  }
  for (const char* quoted :
       {"",      "yes",   "No",         "ON",          "off",   "y",    "n",    "true",
        "False", "null",  "~",          "1",           "1.0",   "-1",   "1e3",  "0x1F",
        "1_000", "1:30",  "2024-01-01", ".inf",        ".NaN",  "a: b", "x #y", "key:",
        "-x",    "- x",   "? x",        "#c",          "&a",    "*a",   "!t",   "|",
        ">",     "'q",    "\"q",        "%p",          "@a",    "`b",   "[x]",  "{x}",
        ",",     " lead", "trail ",     "multi\nline", "tab\t", "<<",   "="}) {
    std::string yaml = YamlString(quoted);
    EXPECT_EQ(yaml.front(), '"') << quoted;
    EXPECT_EQ(yaml.back(), '"') << quoted;
  }
  EXPECT_EQ(YamlString("multi\nline \"q\" \\"), "\"multi\\nline \\\"q\\\" \\\\\"");
  EXPECT_EQ(YamlString("del\x7f"), "\"del\\u007f\"");
}

// Every string YamlString emits must read back as that same string, never a bool, number or
// null; checked with yaml-cpp: a quoted scalar has the non-specific tag "!".
TEST(Output, YamlStringsReadBackAsTheSameStrings) {
  Json strings = Json::array();
  for (const char* s :
       {"",       "yes",         "NO",        "On",    "null",       "Null", "~",    "1",
        "1.0",    "-1",          "+1",        ".5",    "1e3",        "0x1F", "0o17", "1_000",
        "1:30",   "2024-01-01",  ".inf",      "-.inf", ".nan",       "a: b", "x #y", "key:",
        "-x",     "- x",         "? x",       "#c",    "&a",         "*a",   "!t",   "|",
        ">",      "'q",          "\"q",       "%p",    "@a",         "[x]",  "{x}",  " lead",
        "trail ", "multi\nline", "tab\there", "<<",    "plain text", "a:b",  "it's", "café",
        "\\back", "ctrl\x01"}) {
    strings.push_back(s);
  }
  YAML::Node doc = YAML::Load(ToYaml(Json{{"list", strings}}));
  ASSERT_TRUE(doc["list"].IsSequence());
  ASSERT_EQ(doc["list"].size(), strings.size());
  for (std::size_t i = 0; i < strings.size(); ++i) {
    const std::string expected = strings[i].get<std::string>();
    const YAML::Node node = doc["list"][i];
    EXPECT_EQ(node.as<std::string>(), expected) << i;
    // Plain scalars ("?") must not be something a resolver would turn into non-strings.
    if (node.Tag() == "?") {
      EXPECT_EQ(YamlString(expected), expected);
    }
  }
}

TEST(Output, YamlDocumentReadsBackAsTheSameJson) {
  YAML::Node doc = YAML::Load(ToYaml(Sample()));
  EXPECT_EQ(doc["system"].as<std::string>(), "gb200-nvl72");
  EXPECT_EQ(doc["chips"].as<int>(), 72);
  EXPECT_DOUBLE_EQ(doc["hbm_tb"].as<double>(), 13.5);
  EXPECT_TRUE(doc["liquid"].as<bool>());
  EXPECT_TRUE(doc["note"].IsNull());
  EXPECT_EQ(doc["tricky"][0].as<std::string>(), "a: b");
  EXPECT_EQ(doc["tricky"][2].as<std::string>(), "");
  EXPECT_EQ(doc["links"][1]["gbps"].as<int>(), 400);
  EXPECT_TRUE(doc["empty"].IsMap());
  EXPECT_EQ(doc["empty"].size(), 0u);
}

TEST(Output, GenericTableGolden) {
  EXPECT_EQ(Print({.data = Sample()}, OutputFormat::kTable),
            "system:  gb200-nvl72\n"
            "chips:   72\n"
            "hbm_tb:  13.5\n"
            "liquid:  true\n"
            "note:    -\n"
            "tricky:\n"
            "  a: b\n"
            "  yes\n"
            "  \n"
            "  -x\n"
            "  1.0\n"
            "  plain text\n"
            "links:\n"
            "  name    gbps\n"
            "  ------  ----\n"
            "  nvlink  1800\n"
            "  ib       400\n"
            "empty:   {}\n");
}

TEST(Output, GenericTableOfRecordsUsesUnionOfKeys) {
  Json records = {{{"system", "gb200"}, {"chips", 72}, {"tflops", 2500.0 / 3}},
                  {{"system", "h100"}, {"chips", 8}, {"extra", {1, 2}}}};
  EXPECT_EQ(RenderGenericTable(records),
            "system  chips   tflops  extra\n"
            "------  -----  -------  -----\n"
            "gb200      72  833.333\n"
            "h100        8           [1,2]\n");
  EXPECT_EQ(RenderGenericTable(Json("one\ntwo")), "one two\n");
}

TEST(Output, TableFunctionWinsForTableOnly) {
  Output output{.data = {{"a", 1}}, .table = [](std::ostream& out) { out << "custom\n"; }};
  EXPECT_EQ(Print(output, OutputFormat::kTable), "custom\n");
  EXPECT_EQ(Print(output, OutputFormat::kJson), "{\n  \"a\": 1\n}\n");
  EXPECT_EQ(Print(output, OutputFormat::kYaml), "a: 1\n");
}

TEST(Output, NullDataRunsTheTableFunctionWhateverTheFormat) {
  Output streamed{.table = [](std::ostream& out) { out << "streamed\n"; }};
  EXPECT_EQ(Print(streamed, OutputFormat::kJson), "streamed\n");
  EXPECT_EQ(Print(streamed, OutputFormat::kTable), "streamed\n");
  EXPECT_EQ(Print(Output{}, OutputFormat::kYaml), "");
}

TEST(Output, CellText) {
  EXPECT_EQ(CellText(Json(nullptr)), "-");
  EXPECT_EQ(CellText(Json("s")), "s");
  EXPECT_EQ(CellText(Json(0.1 + 0.2)), "0.3");
  EXPECT_EQ(CellText(Json(1234567.0)), "1.23457e+06");
  EXPECT_EQ(CellText(Json(-3)), "-3");
  EXPECT_EQ(CellText(Json{{"k", 1}}), "{\"k\":1}");
}

}  // namespace
}  // namespace aiinfra::cli
