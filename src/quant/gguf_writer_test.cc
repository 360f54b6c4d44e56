#include "quant/gguf_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <bit>
#include <cstdint>
#include <filesystem>
#include <limits>
#include <string>
#include <vector>

#include "quant/gguf.h"

namespace aiinfra::quant {
namespace {

using ::testing::HasSubstr;

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// Writes `metadata` and `tensors` (data: each tensor's bytes, a pattern from its index) into
// env's memory; returns the file.
std::string Write(FakeEnv& env, std::vector<GgufKV> metadata, std::vector<GgufTensorSpec> tensors,
                  uint32_t alignment = 32, size_t piece = 0) {
  auto w = GgufWriter::Create(env, "w.gguf", std::move(metadata), std::move(tensors), alignment);
  EXPECT_TRUE(w) << w.error().ToString();
  if (!w) return "";
  std::string data;
  for (size_t i = 0; i < w->tensors().size(); ++i) {
    for (uint64_t b = 0; b < w->tensors()[i].bytes; ++b) data += static_cast<char>(i * 31 + b);
  }
  EXPECT_EQ(data.size(), w->data_bytes());
  if (piece == 0) piece = data.size() + 1;
  for (size_t at = 0; at < data.size(); at += piece) {
    EXPECT_TRUE(w->Append(Span(data.substr(at, piece))));
  }
  EXPECT_TRUE(w->Commit());
  return env.files()["w.gguf"];
}

TEST(GgufWriterTest, GoldenFile) {
  // The hand-worked file of gguf_test.cc's GoldenFile.
  FakeEnv env;
  auto w = GgufWriter::Create(env, "g.gguf", {{"general.architecture", GgufValue::String("x")}},
                              {{"t", {2}, 0}});
  ASSERT_TRUE(w) << w.error().ToString();
  EXPECT_EQ(w->data_start(), 128u);
  ASSERT_TRUE(w->Append(Span(std::string("\x00\x00\x80\x3F\x00\x00\x00\xC0", 8))));
  ASSERT_TRUE(w->Commit());
  std::string expected = "GGUF";
  expected += std::string(
      "\x03\0\0\0"
      "\x01\0\0\0\0\0\0\0"
      "\x01\0\0\0\0\0\0\0",
      20);
  expected += std::string("\x14\0\0\0\0\0\0\0", 8) + "general.architecture";
  expected += std::string(
                  "\x08\0\0\0"
                  "\x01\0\0\0\0\0\0\0",
                  12) +
              "x";
  expected += std::string("\x01\0\0\0\0\0\0\0", 8) + "t";
  expected += std::string(
      "\x01\0\0\0"
      "\x02\0\0\0\0\0\0\0"
      "\0\0\0\0"
      "\0\0\0\0\0\0\0\0",
      24);
  expected += std::string(30, '\0');
  expected += std::string("\x00\x00\x80\x3F\x00\x00\x00\xC0", 8) + std::string(24, '\0');
  EXPECT_EQ(env.files()["g.gguf"], expected);
}

TEST(GgufWriterTest, EncodesValues) {
  EXPECT_EQ(EncodeGgufValue(GgufValue::Int16(-2)), std::string("\xFE\xFF", 2));
  EXPECT_EQ(EncodeGgufValue(GgufValue::String("ab")), std::string("\x02\0\0\0\0\0\0\0ab", 10));
  const std::vector<uint16_t> v = {1, 2};
  EXPECT_EQ(EncodeGgufValue(GgufValue::Numbers<uint16_t>(v)), std::string("\x02\0\0\0"
                                                                          "\x02\0\0\0\0\0\0\0"
                                                                          "\x01\0\x02\0",
                                                                          16));
  EXPECT_EQ(EncodeGgufValue(GgufValue::Arrays({GgufValue::Strings({"a"})})),
            std::string("\x09\0\0\0"
                        "\x01\0\0\0\0\0\0\0"
                        "\x08\0\0\0"
                        "\x01\0\0\0\0\0\0\0"
                        "\x01\0\0\0\0\0\0\0a",
                        33));
}

TEST(GgufWriterTest, RoundTripsEveryValueType) {
  const float nan_payload = std::bit_cast<float>(uint32_t{0x7FA00001});  // a signalling NaN
  const std::vector<uint8_t> u8 = {0, 255};
  const std::vector<int8_t> i8 = {-128, 127};
  const std::vector<uint16_t> u16 = {0, 65535};
  const std::vector<int16_t> i16 = {-32768, 32767};
  const std::vector<uint32_t> u32 = {0, 0xFFFFFFFF};
  const std::vector<int32_t> i32 = {INT32_MIN, INT32_MAX};
  const std::vector<float> f32 = {-0.0f, nan_payload, std::numeric_limits<float>::infinity()};
  const std::vector<bool> bools = {true, false, true};
  const std::vector<uint64_t> u64 = {UINT64_MAX};
  const std::vector<int64_t> i64 = {INT64_MIN};
  const std::vector<double> f64 = {1e-308, -2.5};
  std::vector<GgufKV> metadata = {
      {"general.architecture", GgufValue::String("llama")},
      {"u8", GgufValue::Uint8(200)},
      {"i8", GgufValue::Int8(-100)},
      {"u16", GgufValue::Uint16(60000)},
      {"i16", GgufValue::Int16(-30000)},
      {"u32", GgufValue::Uint32(4000000000u)},
      {"i32", GgufValue::Int32(-2000000000)},
      {"f32", GgufValue::Float32(nan_payload)},
      {"bool", GgufValue::Bool(true)},
      {"string", GgufValue::String(std::string("nul\0 and \xff bytes", 15))},
      {"u64", GgufValue::Uint64(UINT64_MAX)},
      {"i64", GgufValue::Int64(INT64_MIN)},
      {"f64", GgufValue::Float64(-0.0)},
      {"a.u8", GgufValue::Numbers<uint8_t>(u8)},
      {"a.i8", GgufValue::Numbers<int8_t>(i8)},
      {"a.u16", GgufValue::Numbers<uint16_t>(u16)},
      {"a.i16", GgufValue::Numbers<int16_t>(i16)},
      {"a.u32", GgufValue::Numbers<uint32_t>(u32)},
      {"a.i32", GgufValue::Numbers<int32_t>(i32)},
      {"a.f32", GgufValue::Numbers<float>(f32)},
      {"a.u64", GgufValue::Numbers<uint64_t>(u64)},
      {"a.i64", GgufValue::Numbers<int64_t>(i64)},
      {"a.f64", GgufValue::Numbers<double>(f64)},
      {"a.string", GgufValue::Strings({"", "tok", std::string(1000, 'z')})},
      {"a.empty", GgufValue::Numbers<float>({})},
      {"a.nested",
       GgufValue::Arrays({GgufValue::Strings({"x"}), GgufValue::Numbers<int64_t>(i64),
                          GgufValue::Arrays({GgufValue::Arrays({})}), GgufValue::Arrays({})})},
  };
  {
    std::vector<GgufValue> b;
    for (bool x : bools) b.push_back(GgufValue::Bool(x));
    metadata.push_back({"a.bool", GgufValue::ArrayOf(GgufType::kBool, b)});
  }
  FakeEnv env;
  const std::string file = Write(env, metadata, {});
  auto h = ParseGguf(Span(file), "w.gguf");
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->metadata, metadata);
  EXPECT_EQ(h->Find("f32")->bits, 0x7FA00001u);          // a signalling NaN, bit for bit
  EXPECT_EQ(h->Find("a.f32")->at(1).bits, 0x7FA00001u);  // bit for bit
  EXPECT_EQ(h->Find("a.bool")->at(0).AsBool(), true);
  EXPECT_EQ(h->Find("a.i16")->at(0).AsInt(), -32768);
  EXPECT_EQ(h->Find("a.nested")->arrays[2].arrays[0].size(), 0u);
}

TEST(GgufWriterTest, EverySupportedBlockType) {
  std::vector<GgufTensorSpec> specs;
  for (const GgmlTypeInfo& t : AllGgmlTypes()) {
    if (!t.supported()) continue;
    specs.push_back({t.name, {2 * static_cast<uint64_t>(t.block_elements), 3}, t.id});
  }
  FakeEnv env;
  const std::string file = Write(env, {}, specs, 32, /*piece=*/13);
  auto h = ParseGguf(Span(file), "w.gguf");
  ASSERT_TRUE(h) << h.error().ToString();
  ASSERT_EQ(h->tensors.size(), specs.size());
  for (size_t i = 0; i < specs.size(); ++i) {
    const GgufTensorInfo& t = h->tensors[i];
    SCOPED_TRACE(t.name);
    EXPECT_EQ(t.type, specs[i].type);
    EXPECT_EQ(t.dims, specs[i].dims);
    EXPECT_EQ(t.bytes, 6u * FindGgmlType(t.type)->block_bytes);
    EXPECT_EQ(t.offset % 32, 0u);
    EXPECT_EQ(static_cast<uint8_t>(file[h->data_start + t.offset + 1]),
              static_cast<uint8_t>(i * 31 + 1));
  }
}

TEST(GgufWriterTest, AlignmentPadding) {
  FakeEnv env;
  const std::vector<GgufTensorSpec> specs = {
      {"a", {3}, 0}, {"empty", {0, 4}, 0}, {"b", {5}, 1}, {"c", {32}, 8}};
  const std::string file =
      Write(env, {{"general.architecture", GgufValue::String("x")}}, specs, 64, /*piece=*/1);
  auto h = ParseGguf(Span(file), "w.gguf");
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->alignment, 64u);
  ASSERT_EQ(h->metadata.size(), 2u);  // general.alignment added after the given keys
  EXPECT_EQ(h->metadata[1], (GgufKV{"general.alignment", GgufValue::Uint32(64)}));
  EXPECT_EQ(h->data_start % 64, 0u);
  const std::vector<uint64_t> offsets = {0, 64, 64, 128};
  for (size_t i = 0; i < specs.size(); ++i) EXPECT_EQ(h->tensors[i].offset, offsets[i]);
  // Zeros between the tensors and after the last one (34 bytes of Q8_0, padded to 64).
  EXPECT_EQ(file.size(), h->data_start + 128 + 64);
  EXPECT_EQ(file.substr(h->data_start + 12, 52), std::string(52, '\0'));
  EXPECT_EQ(file.substr(h->data_start + 64 + 10, 54), std::string(54, '\0'));
  EXPECT_EQ(file.substr(h->data_start + 128 + 34), std::string(30, '\0'));
  // Written in one piece, the file is the same.
  FakeEnv env2;
  EXPECT_EQ(Write(env2, {{"general.architecture", GgufValue::String("x")}}, specs, 64), file);

  // The key, given and consistent, is kept where it is; the default alignment adds nothing.
  FakeEnv env3;
  const std::string kept = Write(env3, {{"general.alignment", GgufValue::Uint32(16)}}, {}, 16);
  EXPECT_EQ(ParseGguf(Span(kept), "k")->metadata.size(), 1u);
  FakeEnv env4;
  EXPECT_TRUE(ParseGguf(Span(Write(env4, {}, {})), "d")->metadata.empty());
}

TEST(GgufWriterTest, RefusesInvalidInput) {
  FakeEnv env;
  const auto error = [&](std::vector<GgufKV> metadata, std::vector<GgufTensorSpec> tensors,
                         uint32_t alignment = 32) {
    auto w =
        GgufWriter::Create(env, "bad.gguf", std::move(metadata), std::move(tensors), alignment);
    if (w) return std::string("(created)");
    EXPECT_EQ(w.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(w.error().where.file, "bad.gguf");
    return w.error().message;
  };
  EXPECT_THAT(error({}, {}, 24), HasSubstr("alignment 24 must be a power of two >= 8"));
  EXPECT_THAT(error({}, {}, 4), HasSubstr("power of two"));
  EXPECT_THAT(error({{"general.alignment", GgufValue::Uint32(64)}}, {}, 32),
              HasSubstr("must be the UINT32 32"));
  EXPECT_THAT(error({{"general.alignment", GgufValue::Uint64(32)}}, {}, 32),
              HasSubstr("must be the UINT32 32"));
  EXPECT_THAT(error({{"k", GgufValue::Uint8(1)}, {"k", GgufValue::Uint8(2)}}, {}),
              HasSubstr("key \"k\" is given twice"));
  EXPECT_THAT(error({{std::string(65536, 'k'), GgufValue::Uint8(1)}}, {}),
              HasSubstr("over GGUF's limit of 65535"));
  GgufValue wide = GgufValue::Uint8(1);
  wide.bits = 256;
  EXPECT_THAT(error({{"k", wide}}, {}), HasSubstr("key \"k\": UINT8 value bits 0x100"));
  GgufValue bool2 = GgufValue::Bool(true);
  bool2.bits = 2;
  EXPECT_THAT(error({{"k", bool2}}, {}), HasSubstr("BOOL value other than 0 or 1"));
  GgufValue odd = GgufValue::Numbers<uint32_t>(std::vector<uint32_t>{1});
  odd.packed.push_back(0);
  EXPECT_THAT(error({{"k", odd}}, {}), HasSubstr("not a whole number of elements"));
  EXPECT_THAT(error({{"k", GgufValue::Arrays({GgufValue::Uint8(1)})}}, {}),
              HasSubstr("an ARRAY array holds a UINT8 element"));
  GgufValue deep = GgufValue::Numbers<uint8_t>(std::vector<uint8_t>{1});
  for (int i = 0; i < 8; ++i) deep = GgufValue::Arrays({deep});
  EXPECT_THAT(error({{"k", deep}}, {}), HasSubstr("key \"k\": arrays nest deeper than 8"));
  GgufValue bad_type;
  bad_type.type = static_cast<GgufType>(13);
  EXPECT_THAT(error({{"k", bad_type}}, {}), HasSubstr("value type 13 is not a GGUF type"));
  GgufValue mixed = GgufValue::String("s");
  mixed.strings = {"t"};
  EXPECT_THAT(error({{"k", mixed}}, {}), HasSubstr("STRING value with other members set"));

  EXPECT_THAT(error({}, {{std::string(64, 'n'), {1}, 0}}),
              HasSubstr("the name is 64 bytes long; ggml loads names of at most 63"));
  EXPECT_THAT(error({}, {{"t", {1}, 0}, {"t", {1}, 0}}), HasSubstr("tensor \"t\" is given twice"));
  EXPECT_THAT(error({}, {{"t", {}, 0}}), HasSubstr("tensor \"t\": 0 dims"));
  EXPECT_THAT(error({}, {{"t", {1, 1, 1, 1, 1}, 0}}), HasSubstr("tensor \"t\": 5 dims"));
  EXPECT_THAT(error({}, {{"t", {256}, 19}}), HasSubstr("tensor \"t\": ggml type 19 (iq1_s)"));
  EXPECT_THAT(error({}, {{"t", {32}, 5}}),
              HasSubstr("tensor \"t\": ggml type 5 (q4_3) was removed"));
  EXPECT_THAT(error({}, {{"t", {48}, 8}}), HasSubstr("tensor \"t\": ne[0] = 48"));
  EXPECT_TRUE(env.files().empty());
}

TEST(GgufWriterTest, AppendCommitAndNothingLeftBehind) {
  const std::string dir = ::testing::TempDir() + "gguf_writer_test_commit";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string path = dir + "/m.gguf";
  RealEnv env;
  {
    auto w = GgufWriter::Create(env, path, {}, {{"a", {2}, 0}, {"b", {4}, 24}});
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->Append(Span("12345678ab")));
    auto early = w->Commit();
    ASSERT_FALSE(early);
    EXPECT_THAT(early.error().message,
                HasSubstr("tensor \"b\" has 2 of its 4 bytes (10 of 12 bytes appended in all)"));
    auto too_much = w->Append(Span("cde"));
    ASSERT_FALSE(too_much);
    EXPECT_THAT(too_much.error().message, HasSubstr("3 more bytes appended after 10 of 12"));
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir));
  {
    auto w = GgufWriter::Create(env, path, {}, {{"a", {2}, 0}, {"b", {4}, 24}});
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->Append(Span("12345678abcd")));
    ASSERT_TRUE(w->Commit());
    EXPECT_FALSE(w->Commit());
  }
  auto f = GgufFile::Open(path);
  ASSERT_TRUE(f) << f.error().ToString();
  auto b = f->Data(*f->header().FindTensor("b"));
  EXPECT_EQ(std::string(b.begin(), b.end()), "abcd");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace aiinfra::quant
