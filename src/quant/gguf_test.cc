#include "quant/gguf.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace aiinfra::quant {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// Builds GGUF bytes by hand, field by field.
struct Bytes {
  std::string s;
  Bytes& U8(uint8_t v) { return Le(v, 1); }
  Bytes& U32(uint32_t v) { return Le(v, 4); }
  Bytes& U64(uint64_t v) { return Le(v, 8); }
  Bytes& Le(uint64_t v, int n) {
    for (int i = 0; i < n; ++i) s += static_cast<char>(v >> (8 * i));
    return *this;
  }
  Bytes& Str(std::string_view v) {
    U64(v.size());
    s += v;
    return *this;
  }
  Bytes& Raw(std::string_view v) {
    s += v;
    return *this;
  }
  Bytes& PadTo(size_t alignment) {
    s.resize((s.size() + alignment - 1) / alignment * alignment, '\0');
    return *this;
  }
  // magic, version, counts
  static Bytes Header(uint64_t tensors, uint64_t kvs, uint32_t version = 3) {
    Bytes b;
    b.Raw("GGUF").U32(version).U64(tensors).U64(kvs);
    return b;
  }
  // A tensor info.
  Bytes& Tensor(std::string_view name, std::vector<uint64_t> dims, uint32_t type, uint64_t offset) {
    Str(name).U32(static_cast<uint32_t>(dims.size()));
    for (uint64_t d : dims) U64(d);
    return U32(type).U64(offset);
  }
  std::vector<uint8_t> v() const { return {s.begin(), s.end()}; }
};

std::string ErrorOf(const Bytes& b) {
  auto r = ParseGguf(b.v(), "m.gguf");
  if (r) return "(parsed)";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(r.error().where.file, "m.gguf");
  EXPECT_FALSE(r.error().message.empty());
  return r.error().message;
}

TEST(GgmlTypeTest, TableOfSpec13) {
  struct Row {
    uint32_t id;
    const char* name;
    int elements, bytes;
  };
  const Row rows[] = {
      {0, "f32", 1, 4},       {1, "f16", 1, 2},       {2, "q4_0", 32, 18},
      {3, "q4_1", 32, 20},    {6, "q5_0", 32, 22},    {7, "q5_1", 32, 24},
      {8, "q8_0", 32, 34},    {9, "q8_1", 32, 36},    {10, "q2_k", 256, 84},
      {11, "q3_k", 256, 110}, {12, "q4_k", 256, 144}, {13, "q5_k", 256, 176},
      {14, "q6_k", 256, 210}, {15, "q8_k", 256, 292}, {24, "i8", 1, 1},
      {25, "i16", 1, 2},      {26, "i32", 1, 4},      {27, "i64", 1, 8},
      {28, "f64", 1, 8},      {30, "bf16", 1, 2},     {34, "tq1_0", 256, 54},
      {35, "tq2_0", 256, 66}, {39, "mxfp4", 32, 17},  {40, "nvfp4", 64, 36},
      {41, "q1_0", 128, 18},  {42, "q2_0", 64, 18},
  };
  for (const Row& r : rows) {
    const GgmlTypeInfo* t = FindGgmlType(r.id);
    ASSERT_NE(t, nullptr) << r.id;
    EXPECT_STREQ(t->name, r.name);
    EXPECT_EQ(t->block_elements, r.elements) << r.name;
    EXPECT_EQ(t->block_bytes, r.bytes) << r.name;
    EXPECT_TRUE(t->supported());
    EXPECT_EQ(GgmlTypeByName(r.name).value(), r.id);
  }
  for (uint32_t id : {16u, 17u, 18u, 19u, 20u, 21u, 22u, 23u, 29u}) {
    const GgmlTypeInfo* t = FindGgmlType(id);
    ASSERT_NE(t, nullptr) << id;
    EXPECT_FALSE(t->supported()) << t->name;
  }
  for (uint32_t id : {4u, 5u, 31u, 32u, 33u, 36u, 37u, 38u, 43u, 1000u}) {
    EXPECT_EQ(FindGgmlType(id), nullptr) << id;
  }
  EXPECT_EQ(AllGgmlTypes().size(), 35u);
  EXPECT_EQ(GgmlTypeByName("Q4_K").value(), 12u);
  EXPECT_EQ(GgmlTypeByName("iq2_xxs").value(), 16u);
  auto bad = GgmlTypeByName("q4_2");
  ASSERT_FALSE(bad);
  EXPECT_THAT(bad.error().message, AllOf(HasSubstr("\"q4_2\""), HasSubstr("mxfp4")));
}

TEST(GgmlTypeTest, TensorBytes) {
  EXPECT_EQ(GgmlTensorBytes(0, std::vector<uint64_t>{3, 5}).value(), 60u);
  EXPECT_EQ(GgmlTensorBytes(12, std::vector<uint64_t>{512, 3}).value(), 2u * 3 * 144);
  EXPECT_EQ(GgmlTensorBytes(39, std::vector<uint64_t>{64}).value(), 2u * 17);
  EXPECT_EQ(GgmlTensorBytes(40, std::vector<uint64_t>{128, 2, 1, 3}).value(), 2u * 6 * 36);
  EXPECT_EQ(GgmlTensorBytes(41, std::vector<uint64_t>{128, 0}).value(), 0u);
  EXPECT_THAT(GgmlTensorBytes(2, std::vector<uint64_t>{33}).error().message,
              HasSubstr("ne[0] = 33 is not a multiple of q4_0's block of 32"));
  EXPECT_THAT(GgmlTensorBytes(0, std::vector<uint64_t>{1ull << 32, 1ull << 32}).error().message,
              HasSubstr("overflows"));
  EXPECT_THAT(GgmlTensorBytes(4, std::vector<uint64_t>{32}).error().message,
              HasSubstr("(q4_2) was removed"));
  EXPECT_THAT(GgmlTensorBytes(99, std::vector<uint64_t>{32}).error().message,
              HasSubstr("unknown ggml type id 99"));
  EXPECT_THAT(GgmlTensorBytes(20, std::vector<uint64_t>{32}).error().message,
              HasSubstr("(iq4_nl) is known but not supported"));
}

TEST(GgufValueTest, Accessors) {
  EXPECT_EQ(GgufValue::Int8(-3).AsInt(), -3);
  EXPECT_EQ(GgufValue::Int8(-3).AsUint(), std::nullopt);
  EXPECT_EQ(GgufValue::Int16(-300).AsInt(), -300);
  EXPECT_EQ(GgufValue::Int32(-70000).AsInt(), -70000);
  EXPECT_EQ(GgufValue::Int64(INT64_MIN).AsInt(), INT64_MIN);
  EXPECT_EQ(GgufValue::Uint64(UINT64_MAX).AsUint(), UINT64_MAX);
  EXPECT_EQ(GgufValue::Uint64(UINT64_MAX).AsInt(), std::nullopt);
  EXPECT_EQ(GgufValue::Uint32(7).AsInt(), 7);
  EXPECT_EQ(GgufValue::Float32(0.5f).AsDouble(), 0.5);
  EXPECT_EQ(GgufValue::Float64(-1e300).AsDouble(), -1e300);
  EXPECT_EQ(GgufValue::Float32(0.5f).AsInt(), std::nullopt);
  EXPECT_EQ(GgufValue::Bool(true).AsBool(), true);
  EXPECT_EQ(GgufValue::Uint8(1).AsBool(), std::nullopt);
  EXPECT_EQ(*GgufValue::String("x").AsString(), "x");
  EXPECT_EQ(GgufValue::Uint8(1).AsString(), nullptr);

  const std::vector<int16_t> shorts = {-1, 2, -300};
  const GgufValue a = GgufValue::Numbers<int16_t>(shorts);
  EXPECT_EQ(a.array_type, GgufType::kInt16);
  EXPECT_EQ(a.packed.size(), 6u);
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a.at(2), GgufValue::Int16(-300));
  const GgufValue s = GgufValue::Strings({"a", "bc"});
  EXPECT_EQ(s.at(1), GgufValue::String("bc"));
  const GgufValue nested = GgufValue::Arrays({a, s});
  EXPECT_EQ(nested.size(), 2u);
  EXPECT_EQ(nested.at(1), s);
  const GgufValue u8 = GgufValue::Uint8(9);
  EXPECT_EQ(GgufValue::ArrayOf(GgufType::kUint8, std::span(&u8, 1)).packed,
            std::vector<uint8_t>{9});
  EXPECT_EQ(GgufTypeName(GgufType::kFloat64), "FLOAT64");
  EXPECT_EQ(GgufTypeSize(GgufType::kString), 0);
}

// One string pair and one F32 tensor of two elements, worked out by hand.
Bytes Golden() {
  Bytes b;
  b.Raw("GGUF")                        // 0: magic
      .Raw({"\x03\0\0\0", 4})          // 4: version 3
      .Raw({"\x01\0\0\0\0\0\0\0", 8})  // 8: 1 tensor
      .Raw({"\x01\0\0\0\0\0\0\0", 8})  // 16: 1 pair
      .Raw({"\x14\0\0\0\0\0\0\0", 8})  // 24: key of 20 bytes
      .Raw("general.architecture")     // 32
      .Raw({"\x08\0\0\0", 4})          // 52: STRING
      .Raw({"\x01\0\0\0\0\0\0\0", 8})  // 56: 1 byte
      .Raw("x")                        // 64
      .Raw({"\x01\0\0\0\0\0\0\0", 8})  // 65: name of 1 byte
      .Raw("t")                        // 73
      .Raw({"\x01\0\0\0", 4})          // 74: 1 dim
      .Raw({"\x02\0\0\0\0\0\0\0", 8})  // 78: ne[0] = 2
      .Raw({"\0\0\0\0", 4})            // 86: F32
      .Raw({"\0\0\0\0\0\0\0\0", 8})    // 90: offset 0
      .Raw(std::string(30, '\0'))      // 98: pad to 128
      .Raw({"\x00\x00\x80\x3F", 4})    // 128: 1.0f
      .Raw({"\x00\x00\x00\xC0", 4})    // 132: -2.0f
      .Raw(std::string(24, '\0'));     // 136: pad to 160
  return b;
}

TEST(GgufParseTest, GoldenFile) {
  const Bytes b = Golden();
  ASSERT_EQ(b.s.size(), 160u);
  auto h = ParseGguf(b.v(), "golden.gguf");
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->version, 3u);
  EXPECT_EQ(h->alignment, 32u);
  EXPECT_EQ(h->data_start, 128u);
  ASSERT_EQ(h->metadata.size(), 1u);
  EXPECT_EQ(h->metadata[0].key, "general.architecture");
  EXPECT_EQ(h->metadata[0].value, GgufValue::String("x"));
  EXPECT_EQ(*h->Find("general.architecture")->AsString(), "x");
  ASSERT_EQ(h->tensors.size(), 1u);
  const GgufTensorInfo& t = h->tensors[0];
  EXPECT_EQ(t.name, "t");
  EXPECT_EQ(t.dims, std::vector<uint64_t>{2});
  EXPECT_EQ(t.type, 0u);
  EXPECT_EQ(t.offset, 0u);
  EXPECT_EQ(t.bytes, 8u);
  EXPECT_EQ(t.elements(), 2);
  EXPECT_EQ(h->FindTensor("t"), &t);
}

TEST(GgufParseTest, AcceptsVersion2AndTrailingBytes) {
  Bytes b = Bytes::Header(1, 0, 2);
  b.Tensor("t", {4}, 24, 0).PadTo(32).Raw("abcd").Raw("trailing");
  auto h = ParseGguf(b.v(), "v2.gguf");
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->version, 2u);
  // No tensors: the file may end right after the header.
  EXPECT_TRUE(ParseGguf(Bytes::Header(0, 0).v(), "empty.gguf"));
  // Tensors in any order, with gaps, and empty ones anywhere.
  Bytes c = Bytes::Header(3, 0);
  c.Tensor("b", {8}, 0, 64).Tensor("a", {8}, 0, 0).Tensor("e", {0, 5}, 0, 32).PadTo(32);
  c.Raw(std::string(96, 'x'));
  EXPECT_TRUE(ParseGguf(c.v(), "m")) << ErrorOf(c);
}

TEST(GgufParseTest, RefusesWrongMagicAndVersion) {
  EXPECT_THAT(ErrorOf(Bytes().Raw("GGU")), HasSubstr("not a GGUF file"));
  EXPECT_THAT(ErrorOf(Bytes().Raw("GGML").U32(3)), HasSubstr("not a GGUF file"));
  EXPECT_THAT(ErrorOf(Bytes().Raw("GGUF")), HasSubstr("the version at byte 4 needs 4 bytes"));
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 0, 1)), HasSubstr("GGUF version 1"));
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 0, 4)), HasSubstr("unsupported GGUF version 4"));
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 0, 0x03000000)),
              AllOf(HasSubstr("big-endian"), HasSubstr("only little-endian")));
  EXPECT_THAT(ErrorOf(Bytes().Raw("GGUF").U32(3).U64(0)),
              HasSubstr("the metadata count at byte 16 needs 8 bytes"));
}

TEST(GgufParseTest, RefusesAbsurdCountsBeforeAllocating) {
  EXPECT_THAT(ErrorOf(Bytes::Header(1ull << 60, 0)),
              HasSubstr("claims 0 metadata pairs and 1152921504606846976 tensors"));
  EXPECT_THAT(ErrorOf(Bytes::Header(0, UINT64_MAX)), HasSubstr("more than the 0 bytes"));
  // A pair needs 13 bytes at least: one pair in 12 bytes is a lie.
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Raw(std::string(12, '\0'))), HasSubstr("claims 1"));
  // Array lengths too.
  Bytes b = Bytes::Header(0, 1);
  b.Str("tokenizer.ggml.scores").U32(9).U32(6).U64(1ull << 40).Raw("xxxx");
  EXPECT_THAT(ErrorOf(b), AllOf(HasSubstr("key \"tokenizer.ggml.scores\""),
                                HasSubstr("claims 1099511627776 FLOAT32 elements")));
  Bytes s = Bytes::Header(0, 1);
  s.Str("k").U32(9).U32(8).U64(3).Str("a").Raw("xxxxxxx");
  EXPECT_THAT(ErrorOf(s), HasSubstr("claims 3 STRING elements"));
}

TEST(GgufParseTest, RefusesBadKeysAndValues) {
  // A string past the end of the file.
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).U64(100).Raw(std::string(8, 'k'))),
              AllOf(HasSubstr("metadata pair 0: the key at byte 32 needs 100 bytes"),
                    HasSubstr("truncated")));
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str("k").U32(8).U64(50).Raw("short")),
              HasSubstr("key \"k\": the string value at byte 45 needs 50 bytes"));
  // Key length limit.
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str(std::string(65536, 'k')).U32(0).U8(1)),
              HasSubstr("is 65536 bytes long, over GGUF's limit of 65535"));
  EXPECT_TRUE(ParseGguf(Bytes::Header(0, 1).Str(std::string(65535, 'k')).U32(0).U8(1).v(), "m"));
  // Duplicate keys.
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 2).Str("a.b").U32(0).U8(1).Str("a.b").U32(0).U8(2)),
              HasSubstr("key \"a.b\" appears twice"));
  // Value types.
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str("k").U32(13).U64(0)),
              HasSubstr("key \"k\": the value type at byte 33 is 13, not a GGUF value type"));
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str("k").U32(9).U32(77).U64(0)),
              HasSubstr("key \"k\": the array's element type at byte 37 is 77"));
  // Bools.
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str("flag").U32(7).U8(2)),
              HasSubstr("key \"flag\": BOOL value 2 at byte 40: only 0 and 1 are valid"));
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str("flags").U32(9).U32(7).U64(3).U8(1).U8(0).U8(5)),
              HasSubstr("key \"flags\": BOOL array element 2 at byte 55 is 5"));
  // Nesting depth: 8 levels of arrays are fine, 9 are not.
  const auto nested = [](int levels) {
    Bytes b = Bytes::Header(0, 1);
    b.Str("deep").U32(9);
    for (int i = 1; i < levels; ++i) b.U32(9).U64(1);
    b.U32(0).U64(1).U8(7);
    return b;
  };
  auto ok = ParseGguf(nested(8).v(), "m");
  ASSERT_TRUE(ok) << ok.error().ToString();
  EXPECT_EQ(ok->metadata[0]
                .value.arrays[0]
                .arrays[0]
                .arrays[0]
                .arrays[0]
                .arrays[0]
                .arrays[0]
                .arrays[0]
                .packed,
            std::vector<uint8_t>{7});
  EXPECT_THAT(ErrorOf(nested(9)), HasSubstr("key \"deep\": arrays nest deeper than 8 levels"));
  // Odd bytes in keys are shown escaped.
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str("a\n\xff").U32(7).U8(9)),
              HasSubstr("key \"a\\x0a\\xff\""));
}

TEST(GgufParseTest, RefusesBadAlignment) {
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str("general.alignment").U32(10).U64(64)),
              HasSubstr("key \"general.alignment\": must be a UINT32, found UINT64"));
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str("general.alignment").U32(4).U32(12)),
              HasSubstr("12 is not a non-zero multiple of 8"));
  EXPECT_THAT(ErrorOf(Bytes::Header(0, 1).Str("general.alignment").U32(4).U32(0)),
              HasSubstr("0 is not a non-zero multiple of 8"));
  // 24 is a multiple of 8 (the spec's rule), though not a power of two.
  Bytes b = Bytes::Header(1, 1);
  b.Str("general.alignment").U32(4).U32(24).Tensor("t", {2}, 0, 24).PadTo(24);
  b.Raw(std::string(32, 'x'));
  auto h = ParseGguf(b.v(), "m");
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->alignment, 24u);
  EXPECT_EQ(h->data_start % 24, 0u);
}

TEST(GgufParseTest, RefusesBadTensorInfos) {
  const auto one = [](std::string_view name, std::vector<uint64_t> dims, uint32_t type,
                      uint64_t offset = 0) {
    Bytes b = Bytes::Header(1, 0);
    b.Tensor(name, std::move(dims), type, offset).PadTo(32).Raw(std::string(4096, 'x'));
    return b;
  };
  EXPECT_THAT(ErrorOf(one(std::string(65, 'n'), {1}, 0)),
              HasSubstr("tensor info 0: the tensor name at byte 24 (\"nnnn"));
  EXPECT_THAT(ErrorOf(one(std::string(65, 'n'), {1}, 0)),
              HasSubstr("is 65 bytes long, over GGUF's limit of 64"));
  EXPECT_TRUE(ParseGguf(one(std::string(64, 'n'), {1}, 0).v(), "m"));
  EXPECT_THAT(ErrorOf(one("w", {}, 0)), HasSubstr("tensor \"w\": n_dims is 0"));
  EXPECT_THAT(ErrorOf(one("w", {1, 1, 1, 1, 1}, 0)), HasSubstr("tensor \"w\": n_dims is 5"));
  EXPECT_THAT(ErrorOf(one("w", {32}, 4)),
              HasSubstr("tensor \"w\": ggml type 4 (q4_2) was removed from ggml"));
  EXPECT_THAT(ErrorOf(one("w", {32}, 36)), HasSubstr("tensor \"w\": ggml type 36 (iq4_nl_4_4)"));
  EXPECT_THAT(ErrorOf(one("w", {32}, 43)), HasSubstr("tensor \"w\": unknown ggml type id 43"));
  EXPECT_THAT(ErrorOf(one("w", {256}, 16)),
              HasSubstr("tensor \"w\": ggml type 16 (iq2_xxs) is known but not supported"));
  EXPECT_THAT(ErrorOf(one("w", {1ull << 32, 1ull << 31}, 0)),
              HasSubstr("tensor \"w\": the element count overflows int64"));
  EXPECT_THAT(ErrorOf(one("w", {1ull << 63}, 0)), HasSubstr("tensor \"w\": dimension"));
  EXPECT_THAT(ErrorOf(one("w", {1ull << 61}, 0)),
              HasSubstr("tensor \"w\": the tensor's size overflows int64"));
  EXPECT_THAT(ErrorOf(one("w", {100, 2}, 12)),
              HasSubstr("tensor \"w\": ne[0] = 100 is not a multiple of q4_k's block of 256"));
  EXPECT_THAT(ErrorOf(one("w", {2}, 0, 16)),
              HasSubstr("tensor \"w\": offset 16 is not a multiple of the alignment 32"));
  EXPECT_THAT(ErrorOf(one("w", {2048}, 0)),
              HasSubstr("tensor \"w\": its 8192 bytes at offset 0 of the data section run past "
                        "the end of the file"));
  EXPECT_THAT(ErrorOf(one("w", {2}, 0, 1ull << 63)), HasSubstr("run past the end"));
  // Truncated in the middle of an info.
  EXPECT_THAT(ErrorOf(Bytes::Header(1, 0).Str("w").U32(4).U64(4).U64(4).U64(4)),
              HasSubstr("tensor \"w\": a dimension at byte 61 needs 8 bytes"));
}

TEST(GgufParseTest, RefusesOverlapsDuplicatesAndMissingData) {
  Bytes overlap = Bytes::Header(2, 0);
  overlap.Tensor("a", {16}, 0, 0).Tensor("b", {8}, 0, 32).PadTo(32).Raw(std::string(64, 'x'));
  EXPECT_THAT(ErrorOf(overlap),
              HasSubstr("tensors \"a\" [0, 64) and \"b\" [32, 64) overlap in the data section"));
  Bytes same = Bytes::Header(2, 0);
  same.Tensor("a", {8}, 0, 0).Tensor("b", {8}, 0, 0).PadTo(32).Raw(std::string(32, 'x'));
  EXPECT_THAT(ErrorOf(same), HasSubstr("overlap"));
  Bytes dup = Bytes::Header(2, 0);
  dup.Tensor("a", {8}, 0, 0).Tensor("a", {8}, 0, 32).PadTo(32).Raw(std::string(64, 'x'));
  EXPECT_THAT(ErrorOf(dup), HasSubstr("tensor \"a\" appears twice"));
  // The infos end, but the padding before the data section is cut off.
  Bytes cut = Bytes::Header(1, 0);
  cut.Tensor("a", {0}, 0, 0);
  EXPECT_THAT(ErrorOf(cut), HasSubstr("the data section would start at byte 64, past the end"));
}

TEST(GgufFileTest, OpensMapsAndReleases) {
  const std::string path = ::testing::TempDir() + "gguf_file_test.gguf";
  const Bytes b = Golden();
  {
    std::ofstream out(path, std::ios::binary);
    out << b.s;
  }
  auto f = GgufFile::Open(path);
  ASSERT_TRUE(f) << f.error().ToString();
  EXPECT_EQ(f->path(), path);
  const GgufTensorInfo& t = f->header().tensors[0];
  auto data = f->Data(t);
  ASSERT_EQ(data.size(), 8u);
  float x[2];
  std::memcpy(x, data.data(), 8);
  EXPECT_EQ(x[0], 1.0f);
  EXPECT_EQ(x[1], -2.0f);
  f->Release(t);
  std::filesystem::remove(path);
  auto missing = GgufFile::Open(path);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

}  // namespace
}  // namespace aiinfra::quant
