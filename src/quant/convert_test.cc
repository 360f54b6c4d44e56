#include "quant/convert.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "quant/float_formats.h"
#include "quant/report.h"
#include "quant/safetensors_writer.h"
#include "quant/synth.h"
#include "quant/weights.h"

namespace aiinfra::quant {
namespace {

using ::testing::HasSubstr;

std::string Temp(const std::string& name) { return ::testing::TempDir() + "/convert_" + name; }

// A small model (hidden 256, MLP 768, 2 layers) written once per test binary.
const std::string& Model() {
  static const std::string path = [] {
    const std::string p = Temp("model.safetensors");
    RealEnv env;
    SynthSpec spec;
    auto r = WriteSyntheticModel(env, p, spec);
    EXPECT_TRUE(r) << r.error().message;
    return p;
  }();
  return path;
}

std::map<std::string, TensorPlan> ByName(const ConvertResult& r) {
  std::map<std::string, TensorPlan> m;
  for (const TensorPlan& t : r.tensors) m[t.name] = t;
  return m;
}

TEST(ConvertTest, QuantizesTheMatricesAndKeepsWhatPractitionersKeep) {
  RealEnv env;
  const std::string out = Temp("q4k.gguf");
  ConvertOptions o;
  o.to = Format::kQ4_K;
  auto r = Convert(env, Model(), out, o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->container, Container::kGguf);
  auto t = ByName(*r);
  EXPECT_EQ(t["model.layers.0.self_attn.q_proj.weight"].to, "q4_k");
  EXPECT_EQ(t["model.layers.1.mlp.down_proj.weight"].to, "q4_k");
  EXPECT_EQ(t["model.embed_tokens.weight"].to, "bf16");
  EXPECT_THAT(t["model.embed_tokens.weight"].why, HasSubstr("embedding"));
  EXPECT_EQ(t["lm_head.weight"].to, "bf16");
  EXPECT_EQ(t["model.norm.weight"].to, "bf16");
  EXPECT_TRUE(r->warnings.empty());
  // The file reads back: same names and shapes, the quantized ones as q4_k at 4.5 bits.
  auto f = WeightFile::Open(out);
  ASSERT_TRUE(f) << f.error().message;
  const WeightTensor* q = f->Find("model.layers.0.self_attn.q_proj.weight");
  ASSERT_NE(q, nullptr);
  EXPECT_EQ(q->shape, (std::vector<int64_t>{256, 256}));
  EXPECT_EQ(q->stored, "q4_k");
  EXPECT_DOUBLE_EQ(8.0 * static_cast<double>(q->bytes) / static_cast<double>(q->elements),
                   BitsPerWeight(Format::kQ4_K));
  // Keep rules come first; without the defaults the embedding is quantized too.
  o.keep = {*ParseKeepRule("down_proj=q8_0")};
  o.default_keep = false;
  auto plan = PlanConversion(Model(), out, o);
  ASSERT_TRUE(plan);
  t = ByName(*plan);
  EXPECT_EQ(t["model.layers.0.mlp.down_proj.weight"].to, "q8_0");
  EXPECT_EQ(t["model.embed_tokens.weight"].to, "q4_k");
}

TEST(ConvertTest, SafetensorsOutputsReadBackWithTheirScales) {
  RealEnv env;
  for (Format f :
       {Format::kFP8_E4M3, Format::kNVFP4, Format::kMXFP4, Format::kINT4, Format::kINT8}) {
    const std::string out = Temp(std::string(FormatName(f)) + ".safetensors");
    ConvertOptions o;
    o.to = f;
    if (f == Format::kINT4) o.int_spec = IntSpec{.group = 64, .asymmetric = true};
    auto r = Convert(env, Model(), out, o);
    ASSERT_TRUE(r) << FormatName(f) << ": " << r.error().message;
    auto file = WeightFile::Open(out);
    ASSERT_TRUE(file) << file.error().message;
    const WeightTensor* w = file->Find("model.layers.1.mlp.up_proj.weight");
    ASSERT_NE(w, nullptr) << FormatName(f);
    EXPECT_EQ(w->stored, FormatName(f));
    EXPECT_EQ(w->shape, (std::vector<int64_t>{768, 256}));
    EXPECT_GE(w->parts.size(), 2u);  // codes and scales folded into one tensor
    // The report reads both files and finds each format's expected precision.
    auto rep = Report(Model(), out);
    ASSERT_TRUE(rep) << rep.error().message;
    bool found = false;
    for (const FormatSummary& s : rep->formats) {
      if (s.format != FormatName(f)) continue;
      found = true;
      EXPECT_GT(s.stats.snr_db(), f == Format::kMXFP4 ? 12 : 15) << FormatName(f);
      EXPECT_GT(s.stats.cosine(), 0.97) << FormatName(f);
    }
    EXPECT_TRUE(found) << FormatName(f);
  }
}

// The report's figures are the definitions: checked on a file whose error is known exactly.
TEST(ConvertTest, ReportFiguresFollowTheirDefinitions) {
  RealEnv env;
  const std::string a = Temp("ref.safetensors"), b = Temp("noisy.safetensors");
  std::vector<float> x(64), y(64);
  for (int i = 0; i < 64; ++i) {
    x[i] = (i % 2 ? 1.0f : -1.0f) * (1 + i / 64.0f);
    y[i] = x[i] + (i == 5 ? 0.5f : 0.0f);
  }
  x[63] = 100;  // one value 6 sigma out, in the reference only
  y[63] = 100;
  for (const auto& [path, values] : {std::pair{a, x}, std::pair{b, y}}) {
    auto w = SafetensorsWriter::Create(env, path, {{"t", StDtype::kF32, {8, 8}}});
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->Append({reinterpret_cast<const uint8_t*>(values.data()), 256}));
    ASSERT_TRUE(w->Commit());
  }
  auto r = Report(a, b);
  ASSERT_TRUE(r) << r.error().message;
  ASSERT_EQ(r->tensors.size(), 1u);
  const ErrorStats& s = r->tensors[0].stats;
  double ss = 0, dot = 0, yy = 0;
  for (int i = 0; i < 64; ++i) {
    ss += double(x[i]) * x[i];
    yy += double(y[i]) * y[i];
    dot += double(x[i]) * y[i];
  }
  EXPECT_DOUBLE_EQ(s.rmse(), std::sqrt(0.25 / 64));
  EXPECT_NEAR(s.snr_db(), 10 * std::log10(ss / 0.25), 1e-9);
  EXPECT_EQ(s.max_abs_err, 0.5);
  EXPECT_NEAR(s.cosine(), dot / std::sqrt(ss * yy), 1e-12);
  EXPECT_DOUBLE_EQ(s.outlier_share(), 1.0 / 64);
}

TEST(ConvertTest, NanFailsTheFormatsThatCannotHoldItAndLeavesNoFile) {
  RealEnv env;
  const std::string in = Temp("nan.safetensors");
  std::vector<uint16_t> v(4 * 64, F32ToBF16(0.01f));
  v[70] = F32ToBF16(NAN);
  {
    auto w = SafetensorsWriter::Create(env, in, {{"layer.weight", StDtype::kBF16, {4, 64}}});
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->Append({reinterpret_cast<const uint8_t*>(v.data()), v.size() * 2}));
    ASSERT_TRUE(w->Commit());
  }
  const std::string out = Temp("nan-out.gguf");
  ConvertOptions o;
  o.to = Format::kQ8_0;
  auto r = Convert(env, in, out, o);
  ASSERT_FALSE(r);
  EXPECT_THAT(r.error().message, HasSubstr("'layer.weight'"));
  EXPECT_THAT(r.error().message, HasSubstr("element 70"));
  EXPECT_THAT(r.error().message, HasSubstr("--keep"));
  EXPECT_FALSE(std::filesystem::exists(out));
  // FP8 defines NaN: kept, with a warning.
  o.to = Format::kFP8_E4M3;
  auto fp8 = Convert(env, in, Temp("nan-out.safetensors"), o);
  ASSERT_TRUE(fp8) << fp8.error().message;
  ASSERT_EQ(fp8->warnings.size(), 1u);
  EXPECT_THAT(fp8->warnings[0], HasSubstr("1 NaN"));
}

TEST(ConvertTest, BlocksThatDoNotFitFallBackAndIntegersAreCopied) {
  RealEnv env;
  const std::string in = Temp("odd.safetensors");
  std::vector<uint8_t> data(3 * 100 * 2 + 16 * 8, 0);
  {
    auto w = SafetensorsWriter::Create(
        env, in, {{"odd.weight", StDtype::kBF16, {3, 100}}, {"positions", StDtype::kI64, {16}}});
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->Append(data));
    ASSERT_TRUE(w->Commit());
  }
  ConvertOptions o;
  o.to = Format::kQ4_0;
  auto r = Convert(env, in, Temp("odd.gguf"), o);
  ASSERT_TRUE(r) << r.error().message;
  auto t = ByName(*r);
  EXPECT_EQ(t["odd.weight"].to, "bf16");
  EXPECT_THAT(t["odd.weight"].why, HasSubstr("100"));
  EXPECT_EQ(t["positions"].to, "copy");
  ASSERT_EQ(r->warnings.size(), 1u);
  auto back = WeightFile::Open(Temp("odd.gguf"));
  ASSERT_TRUE(back);
  EXPECT_EQ(back->Find("positions")->stored, "i64");
}

TEST(ConvertTest, GgufInGgufOutKeepsMetadataAndRoundTrips) {
  RealEnv env;
  const std::string f16 = Temp("model-f16.gguf"), q8 = Temp("model-q8.gguf");
  ConvertOptions o;
  o.to = Format::kF16;
  o.default_keep = false;
  ASSERT_TRUE(Convert(env, Model(), f16, o));
  o.to = Format::kQ8_0;
  o.arch = "llama";
  auto r = Convert(env, f16, q8, o);
  ASSERT_TRUE(r) << r.error().message;
  auto file = WeightFile::Open(q8);
  ASSERT_TRUE(file);
  bool arch = false, qv = false;
  for (const GgufKV& kv : file->gguf_metadata()) {
    if (kv.key == "general.architecture") arch = *kv.value.AsString() == "llama";
    if (kv.key == "general.quantization_version") qv = kv.value.AsUint() == 2u;
  }
  EXPECT_TRUE(arch);
  EXPECT_TRUE(qv);
  auto rep = Report(Model(), q8);
  ASSERT_TRUE(rep);
  EXPECT_GT(rep->total.stats.snr_db(), 35);  // q8_0 on top of f16
}

TEST(ConvertTest, CompareRanksFormatsByError) {
  ConvertOptions o;
  auto rows = Compare(Model(), {Format::kQ4_0, Format::kQ8_0, Format::kNVFP4, Format::kQ6_K}, o);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 4u);
  EXPECT_EQ((*rows)[0].format, Format::kQ8_0);
  EXPECT_EQ((*rows)[1].format, Format::kQ6_K);
  for (size_t i = 1; i < rows->size(); ++i) {
    EXPECT_GE((*rows)[i - 1].stats.snr_db(), (*rows)[i].stats.snr_db());
  }
  // In memory, compare finds what convert then report find.
  RealEnv env;
  o.to = Format::kQ6_K;
  ASSERT_TRUE(Convert(env, Model(), Temp("q6k.gguf"), o));
  auto rep = Report(Model(), Temp("q6k.gguf"));
  ASSERT_TRUE(rep);
  for (const FormatSummary& s : rep->formats) {
    if (s.format == "q6_k") {
      EXPECT_NEAR(s.stats.snr_db(), (*rows)[1].stats.snr_db(), 1e-6);
    }
  }
}

TEST(ConvertTest, SyntheticModelsAreFixedBySeedAndSized) {
  RealEnv env;
  SynthSpec spec;
  spec.layers = 1;
  ASSERT_TRUE(WriteSyntheticModel(env, Temp("s1.safetensors"), spec));
  ASSERT_TRUE(WriteSyntheticModel(env, Temp("s2.safetensors"), spec));
  std::ifstream a(Temp("s1.safetensors"), std::ios::binary),
      b(Temp("s2.safetensors"), std::ios::binary);
  const std::string sa((std::istreambuf_iterator<char>(a)), {}),
      sb((std::istreambuf_iterator<char>(b)), {});
  EXPECT_EQ(sa, sb);
  spec.seed = 2;
  ASSERT_TRUE(WriteSyntheticModel(env, Temp("s3.safetensors"), spec));
  std::ifstream c(Temp("s3.safetensors"), std::ios::binary);
  const std::string sc((std::istreambuf_iterator<char>(c)), {});
  EXPECT_NE(sa, sc);
  const int64_t layers = LayersForBytes(spec, 64ull << 20);
  spec.layers = layers;
  auto written = WriteSyntheticModel(env, Temp("s4.safetensors"), spec);
  ASSERT_TRUE(written);
  EXPECT_GE(static_cast<double>(*written), 64.0 * (1 << 20));
  EXPECT_LT(static_cast<double>(*written), 1.1 * 64 * (1 << 20));
  // The MLP weights are heavy-tailed with outlier channels in down_proj: the report counts them.
  auto rep = Report(Temp("s1.safetensors"), Temp("s1.safetensors"));
  ASSERT_TRUE(rep);
  for (const TensorReport& t : rep->tensors) {
    if (t.name.ends_with("down_proj.weight")) {
      EXPECT_GT(t.stats.outlier_share(), 0.001) << t.name;
    }
    if (t.name.ends_with("q_proj.weight")) {
      EXPECT_LT(t.stats.outlier_share(), 0.0001) << t.name;
    }
    EXPECT_FALSE(std::isfinite(t.stats.snr_db()));  // identical: no error at all
  }
}

TEST(ConvertTest, BadInputsAreNamed) {
  RealEnv env;
  EXPECT_EQ(Convert(env, Temp("missing.safetensors"), Temp("x.gguf"), {}).error().code,
            ErrorCode::kNotFound);
  const std::string junk = Temp("junk.safetensors");
  std::ofstream(junk) << "not a weight file";
  auto r = Convert(env, junk, Temp("x.gguf"), {});
  ASSERT_FALSE(r);
  EXPECT_EQ(r.error().where.file, junk);
  EXPECT_FALSE(ParseKeepRule("embed"));
  EXPECT_FALSE(ParseKeepRule("embed=q3"));
  EXPECT_THAT(ParseKeepRule("(=bf16").error().message, HasSubstr("regular expression"));
}

TEST(ConvertTest, EmptyTensorsAreCopiedAndBadQuantMetadataIsNamed) {
  RealEnv env;
  const std::string in = Temp("empty.safetensors");
  std::vector<float> w(64, 0.5f);
  {
    auto wr = SafetensorsWriter::Create(
        env, in, {{"empty", StDtype::kBF16, {0, 4}}, {"w", StDtype::kF32, {2, 32}}});
    ASSERT_TRUE(wr);
    ASSERT_TRUE(wr->Append({reinterpret_cast<const uint8_t*>(w.data()), 256}));
    ASSERT_TRUE(wr->Commit());
  }
  ConvertOptions o;
  o.to = Format::kQ8_0;
  auto r = Convert(env, in, Temp("empty.gguf"), o);
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(ByName(*r)["empty"].to, "copy");
  auto back = WeightFile::Open(Temp("empty.gguf"));
  ASSERT_TRUE(back) << back.error().message;
  EXPECT_EQ(back->Find("empty")->shape, (std::vector<int64_t>{0, 4}));
  // A quant entry whose parts do not fit it, are missing, or whose shape is not numbers, names
  // the tensor.
  struct Case {
    const char* value;
    StDtype dtype;
    const char* want;
  };
  for (const Case& c : {Case{"nvfp4 2x32", StDtype::kF32, "part 'w' is F32 2x32, expected U8 2x16"},
                        Case{"fp8_e4m3 2x32", StDtype::kF8E4M3, "its part 'w_scale' is missing"},
                        Case{"q8_0 2xZ", StDtype::kF32, "not a count"},
                        Case{"int4 2x32 group=-1", StDtype::kF32, "not a count"}}) {
    const std::string bad = Temp("badmeta.safetensors");
    auto wr = SafetensorsWriter::Create(env, bad, {{"w", c.dtype, {2, 32}}},
                                        {{"aiinfra.quant.w", c.value}});
    ASSERT_TRUE(wr);
    const size_t bytes = c.dtype == StDtype::kF32 ? 256 : 64;
    ASSERT_TRUE(wr->Append({reinterpret_cast<const uint8_t*>(w.data()), bytes}));
    ASSERT_TRUE(wr->Commit());
    auto f = WeightFile::Open(bad);
    ASSERT_FALSE(f) << c.value;
    EXPECT_THAT(f.error().message, HasSubstr(c.want)) << c.value;
    EXPECT_EQ(f.error().where.file, bad);
  }
}

}  // namespace
}  // namespace aiinfra::quant
