#include "model/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "model/footprint.h"

namespace aiinfra::model {
namespace {

using ::testing::HasSubstr;

const ModelCatalog& Builtin() {
  static const ModelCatalog catalog = [] {
    auto loaded = ModelCatalog::Load(DataSource());
    if (!loaded) ADD_FAILURE() << loaded.error().ToString();
    return loaded ? *loaded : ModelCatalog();
  }();
  return catalog;
}

TEST(ModelCatalogTest, LoadsEveryBuiltin) {
  std::set<std::string> ids;
  for (const Architecture& arch : Builtin().models()) ids.insert(arch.id);
  const std::set<std::string> expected = {
      "llama-2-70b", "llama-3.1-8b",  "llama-3.1-70b",   "llama-3.1-405b", "llama-3.3-70b",
      "qwen3-32b",   "qwen3-30b-a3b", "qwen3-235b-a22b", "mixtral-8x7b",   "deepseek-v3",
      "gpt-oss-20b", "gpt-oss-120b",  "kimi-k2"};
  EXPECT_EQ(ids, expected);
}

TEST(ModelCatalogTest, FindsByIdOrAliasIgnoringCase) {
  auto r1 = Builtin().Find("DeepSeek-R1");
  ASSERT_TRUE(r1) << r1.error().ToString();
  EXPECT_EQ((*r1)->id, "deepseek-v3");
  EXPECT_EQ((*Builtin().Find("LLAMA-3.1-8B"))->hidden, 4096);
}

TEST(ModelCatalogTest, UnknownNameSuggests) {
  auto r = Builtin().Find("llama-3.1-7b");
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().code, ErrorCode::kNotFound);
  EXPECT_THAT(r.error().message, HasSubstr("did you mean llama-3.1-70b, llama-3.1-8b"));
  EXPECT_THAT(r.error().message, HasSubstr("aiinfra model list"));
}

// Whether `computed` agrees with a published figure: within 1%, or, where the publisher wrote
// fewer digits than 1% needs ("37B", "3.3B", "1T"), equal to `computed` rounded or truncated to
// the digits written. The figure's text is its YAML value ("3.3e9").
bool MatchesPublished(double computed, const hw::Figure& figure, std::string* why) {
  const double p = figure.value;
  if (std::abs(computed - p) <= 0.01 * p) return true;
  const std::string& text = figure.text;
  const auto e = text.find_first_of("eE");
  const std::string mantissa = text.substr(0, e);
  const int exponent = e == std::string::npos ? 0 : std::stoi(text.substr(e + 1));
  const auto dot = mantissa.find('.');
  const int decimals = dot == std::string::npos ? 0 : int(mantissa.size() - dot - 1);
  const double unit = std::pow(10.0, exponent - decimals);  // of the last digit written
  *why = "off by " + std::to_string(100 * (computed / p - 1)) + "% and outside [" +
         FormatParams(p - unit / 2) + ", " + FormatParams(p + unit) + ")";
  return computed >= p - unit / 2 && computed < p + unit;
}

class PublishedCountsTest : public ::testing::TestWithParam<std::string> {};

TEST_P(PublishedCountsTest, ComputedMatchesPublished) {
  auto found = Builtin().Find(GetParam());
  ASSERT_TRUE(found);
  const Architecture& arch = **found;
  const ParameterCounts counts = CountParameters(arch);
  ASSERT_TRUE(arch.published_total_params) << arch.id;
  EXPECT_THAT(arch.published_total_params->source, ::testing::StartsWith("https://"));
  std::string why;
  EXPECT_TRUE(MatchesPublished(counts.total, *arch.published_total_params, &why))
      << arch.id << " total: computed " << FormatParams(counts.total) << ", published "
      << arch.published_total_params->text << ": " << why;
  if (arch.is_moe()) {
    ASSERT_TRUE(arch.published_active_params) << arch.id << " is MoE: publish its active count";
    const double active = ActiveAsPublished(arch, counts);
    EXPECT_TRUE(MatchesPublished(active, *arch.published_active_params, &why))
        << arch.id << " active: computed " << FormatParams(active) << ", published "
        << arch.published_active_params->text << ": " << why;
  } else {
    EXPECT_DOUBLE_EQ(counts.active, counts.total);
  }
}

std::vector<std::string> BuiltinIds() {
  std::vector<std::string> ids;
  for (const Architecture& arch : Builtin().models()) ids.push_back(arch.id);
  return ids;
}

INSTANTIATE_TEST_SUITE_P(EveryBuiltin, PublishedCountsTest, ::testing::ValuesIn(BuiltinIds()),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name) c = std::isalnum(c) ? c : '_';
                           return name;
                         });

TEST(ModelCatalogTest, MatchesPublishedRule) {
  std::string why;
  hw::Figure f{.value = 3.3e9, .text = "3.3e9"};
  EXPECT_TRUE(MatchesPublished(3.31e9, f, &why));   // within 1%
  EXPECT_TRUE(MatchesPublished(3.36e9, f, &why));   // truncated to 3.3
  EXPECT_FALSE(MatchesPublished(3.41e9, f, &why));  // would be 3.4
  EXPECT_FALSE(MatchesPublished(3.24e9, f, &why));  // would be 3.2
  hw::Figure g{.value = 116.83e9, .text = "116.83e9"};
  EXPECT_FALSE(MatchesPublished(119e9, g, &why));
}

DataFile File(const std::string& id, const std::string& yaml) {
  return {"models/" + id + ".yaml", id + ".yaml", yaml};
}

std::string MiniYaml(const std::string& id, const std::string& extra = "") {
  return "id: " + id +
         "\nname: M\nfamily: t\nhf_architecture: X\nsource: https://e.org\nhidden: 8\nlayers: "
         "1\nvocab: 10\nffn: 8\ntied_embeddings: false\nmax_context: 16\nattention: {heads: 2, "
         "kv_heads: 2, head_dim: 4}\npublished_total_params: {value: 500, source: "
         "https://e.org}\n" +
         extra;
}

TEST(ModelCatalogTest, FromFilesChecksIdsAndAliases) {
  auto ok = ModelCatalog::FromFiles({File("a", MiniYaml("a")), File("b", MiniYaml("b"))});
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->models().size(), 2u);

  auto renamed = ModelCatalog::FromFiles({File("a", MiniYaml("b"))});
  ASSERT_FALSE(renamed);
  EXPECT_THAT(renamed.error().message, HasSubstr("differs from the file name"));
  EXPECT_EQ(renamed.error().where.line, 1);

  auto dup = ModelCatalog::FromFiles(
      {File("a", MiniYaml("a")), File("b", MiniYaml("b", "aliases: [a]\n"))});
  ASSERT_FALSE(dup);
  EXPECT_THAT(dup.error().message, HasSubstr("already the id or an alias of \"a\""));
  EXPECT_EQ(dup.error().where.file, "b.yaml");
  EXPECT_EQ(dup.error().where.field, "aliases");
}

TEST(ModelCatalogTest, ResolvesNamesAndConfigFiles) {
  FakeEnv env;
  env.files()["snap/config.json"] =
      R"({"architectures": ["LlamaForCausalLM"], "hidden_size": 64, "num_hidden_layers": 2,
          "num_attention_heads": 4, "vocab_size": 100, "intermediate_size": 128,
          "max_position_embeddings": 512})";
  env.files()["snap"] = "";  // the directory exists
  auto by_name = ResolveModel(Builtin(), "deepseek-r1", env);
  ASSERT_TRUE(by_name);
  EXPECT_EQ(by_name->id, "deepseek-v3");
  auto by_dir = ResolveModel(Builtin(), "snap", env);
  ASSERT_TRUE(by_dir) << by_dir.error().ToString();
  EXPECT_EQ(by_dir->id, "snap");
  EXPECT_EQ(by_dir->file, "snap/config.json");
  auto by_file = ResolveModel(Builtin(), "snap/config.json", env);
  ASSERT_TRUE(by_file);
  EXPECT_EQ(by_file->hidden, 64);
  auto missing = ResolveModel(Builtin(), "nope/config.json", env);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  auto unknown = ResolveModel(Builtin(), "mixtral-8x8b", env);
  ASSERT_FALSE(unknown);
  EXPECT_THAT(unknown.error().message, HasSubstr("did you mean mixtral-8x7b"));
}

}  // namespace
}  // namespace aiinfra::model
