#include "quant/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace aiinfra::quant {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// A file: the 8-byte little-endian length of `json`, `json`, then `data`.
std::vector<uint8_t> File(const std::string& json, const std::string& data = "") {
  std::vector<uint8_t> out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(uint64_t{json.size()} >> (8 * i)));
  out.insert(out.end(), json.begin(), json.end());
  out.insert(out.end(), data.begin(), data.end());
  return out;
}

std::vector<uint8_t> WithLength(uint64_t n, const std::string& rest) {
  std::vector<uint8_t> out;
  for (int i = 0; i < 8; ++i) out.push_back(static_cast<uint8_t>(n >> (8 * i)));
  out.insert(out.end(), rest.begin(), rest.end());
  return out;
}

// The error of parsing `file`, checked to be kInvalidInput at "m.safetensors".
std::string ErrorOf(const std::vector<uint8_t>& file) {
  auto r = ParseSafetensors(file, "m.safetensors");
  if (r) return "(parsed)";
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(r.error().where.file, "m.safetensors");
  EXPECT_FALSE(r.error().message.empty());
  return r.error().message;
}

std::string Tensor(const std::string& name, const std::string& dtype, const std::string& shape,
                   uint64_t begin, uint64_t end) {
  return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape +
         ",\"data_offsets\":[" + std::to_string(begin) + "," + std::to_string(end) + "]}";
}

TEST(StDtypeTest, NamesBitsAndParsing) {
  ASSERT_EQ(AllStDtypes().size(), 22u);
  for (StDtype d : AllStDtypes()) {
    auto parsed = ParseStDtype(StDtypeName(d));
    ASSERT_TRUE(parsed) << StDtypeName(d);
    EXPECT_EQ(*parsed, d);
  }
  EXPECT_EQ(StDtypeName(StDtype::kF8E4M3Fnuz), "F8_E4M3FNUZ");
  EXPECT_EQ(StDtypeBits(StDtype::kBool), 8);
  EXPECT_EQ(StDtypeBits(StDtype::kBF16), 16);
  EXPECT_EQ(StDtypeBits(StDtype::kC64), 64);
  EXPECT_EQ(StDtypeBits(StDtype::kF6E3M2), 6);
  EXPECT_EQ(StDtypeBits(StDtype::kF4), 4);
  EXPECT_EQ(StDtypeAlignment(StDtype::kF64), 8);
  EXPECT_EQ(StDtypeAlignment(StDtype::kF16), 2);
  EXPECT_EQ(StDtypeAlignment(StDtype::kF4), 1);

  auto bad = ParseStDtype("f32");  // names are case-sensitive
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(bad.error().message, AllOf(HasSubstr("\"f32\""), HasSubstr("BF16"),
                                         HasSubstr("F8_E5M2FNUZ"), HasSubstr("F4")));
}

// One F16 tensor of two elements and one metadata pair, worked out by hand:
// {"__metadata__":{"k":"v"},"a":{"dtype":"F16","shape":[2],"data_offsets":[0,4]}} is
// 26 + 4 + 15 + 12 + 20 + 2 = 79 bytes, padded with one space to 80 = 0x50; then 1.0 and 2.0 as
// F16 (0x3C00, 0x4000), little-endian.
const char kGoldenJson[] =
    "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,4]}"
    "} ";

TEST(SafetensorsParseTest, GoldenFile) {
  std::string bytes("\x50\0\0\0\0\0\0\0", 8);
  bytes += kGoldenJson;
  bytes += std::string("\x00\x3C\x00\x40", 4);
  const std::vector<uint8_t> golden(bytes.begin(), bytes.end());
  ASSERT_EQ(golden.size(), 92u);

  auto h = ParseSafetensors(golden, "golden.safetensors");
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->header_bytes, 80u);
  EXPECT_EQ(h->data_start, 88u);
  EXPECT_EQ(h->data_bytes, 4u);
  EXPECT_EQ(h->metadata, (std::map<std::string, std::string>{{"k", "v"}}));
  ASSERT_EQ(h->tensors.size(), 1u);
  const StTensor& a = h->tensors[0];
  EXPECT_EQ(a.name, "a");
  EXPECT_EQ(a.dtype, StDtype::kF16);
  EXPECT_EQ(a.shape, std::vector<int64_t>{2});
  EXPECT_EQ(a.begin, 0u);
  EXPECT_EQ(a.end, 4u);
  EXPECT_EQ(a.elements(), 2);
  EXPECT_EQ(h->Find("a"), &a);
  EXPECT_EQ(h->Find("b"), nullptr);
}

TEST(SafetensorsParseTest, AcceptsWhatTheFormatAllows) {
  // No tensors at all.
  EXPECT_TRUE(ParseSafetensors(File("{}"), "m"));
  // Trailing spaces (the writer's padding) and other JSON whitespace.
  EXPECT_TRUE(ParseSafetensors(File("{}      "), "m"));
  EXPECT_TRUE(ParseSafetensors(File("{}\n"), "m"));
  // A null __metadata__ is no metadata, as in the reference parser.
  EXPECT_TRUE(ParseSafetensors(File("{\"__metadata__\":null}"), "m"));
  // A scalar (rank 0: one element), empty tensors sharing an offset, sorted by offset.
  auto h = ParseSafetensors(
      File("{" + Tensor("s", "F32", "[]", 0, 4) + "," + Tensor("e1", "F32", "[0]", 4, 4) + "," +
               Tensor("e2", "BF16", "[3,0,5]", 4, 4) + "," + Tensor("f", "F4", "[2,3]", 4, 7) +
               "," + Tensor("g", "F6_E2M3", "[4]", 7, 10) + "}",
           std::string(10, 'x')),
      "m");
  ASSERT_TRUE(h) << h.error().ToString();
  ASSERT_EQ(h->tensors.size(), 5u);
  EXPECT_EQ(h->tensors[0].name, "s");
  EXPECT_EQ(h->tensors[0].elements(), 1);
  EXPECT_EQ(h->tensors[1].name, "e1");
  EXPECT_EQ(h->tensors[2].name, "e2");
  EXPECT_EQ(h->tensors[2].elements(), 0);
  EXPECT_EQ(h->tensors[3].name, "f");
  EXPECT_EQ(h->tensors[4].name, "g");
}

TEST(SafetensorsParseTest, RefusesBrokenFraming) {
  EXPECT_THAT(ErrorOf({1, 2, 3}), HasSubstr("fewer than the 8"));
  EXPECT_THAT(ErrorOf(WithLength(100, "{}")), HasSubstr("runs past the end of the file"));
  EXPECT_THAT(ErrorOf(WithLength(100'000'001, "{}")), HasSubstr("over the limit of 100000000"));
  EXPECT_THAT(ErrorOf(WithLength(0, "")), HasSubstr("does not start with '{'"));
  EXPECT_THAT(ErrorOf(File("[]")), HasSubstr("does not start with '{'"));
  EXPECT_THAT(ErrorOf(File(" {}")), HasSubstr("does not start with '{'"));
}

TEST(SafetensorsParseTest, RefusesMalformedJson) {
  EXPECT_THAT(ErrorOf(File("{\"a\":}")), HasSubstr("not valid JSON (file byte 13)"));
  EXPECT_THAT(ErrorOf(File("{\"a\":1,}")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ErrorOf(File("{} // c")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ErrorOf(File(std::string("{}\0\0", 4))), HasSubstr("not valid JSON"));
  EXPECT_THAT(ErrorOf(File("{\"a\xff\":1}")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ErrorOf(File("{\"__metadata__\":{\"k\":1e400}}")), HasSubstr("not valid JSON"));
  EXPECT_THAT(ErrorOf(File("{}{}")), HasSubstr("not valid JSON"));
}

TEST(SafetensorsParseTest, RefusesDuplicateKeys) {
  const std::string a = Tensor("a", "U8", "[1]", 0, 1);
  EXPECT_THAT(ErrorOf(File("{" + a + "," + a + "}", "x")),
              HasSubstr("key \"a\" appears twice in the header"));
  EXPECT_THAT(ErrorOf(File("{\"a\":{\"dtype\":\"U8\",\"dtype\":\"I8\",\"shape\":[1],"
                           "\"data_offsets\":[0,1]}}",
                           "x")),
              HasSubstr("tensor \"a\": key \"dtype\" appears twice"));
  EXPECT_THAT(ErrorOf(File("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}")),
              HasSubstr("\"__metadata__\": key \"k\" appears twice"));
  EXPECT_THAT(ErrorOf(File("{\"__metadata__\":{},\"__metadata__\":{}}")),
              HasSubstr("key \"__metadata__\" appears twice"));
}

TEST(SafetensorsParseTest, RefusesBadMetadata) {
  EXPECT_THAT(ErrorOf(File("{\"__metadata__\":{\"format\":\"pt\",\"n\":1}}")),
              AllOf(HasSubstr("\"n\" holds an integer"), HasSubstr("must be strings")));
  EXPECT_THAT(ErrorOf(File("{\"__metadata__\":{\"k\":{\"x\":\"y\"}}}")),
              HasSubstr("\"k\" holds an object"));
  EXPECT_THAT(ErrorOf(File("{\"__metadata__\":[\"a\"]}")),
              HasSubstr("must be an object mapping strings to strings, found an array"));
}

TEST(SafetensorsParseTest, RefusesBadTensorEntries) {
  EXPECT_THAT(ErrorOf(File("{\"w\":[1]}")), HasSubstr("tensor \"w\": expected an object"));
  EXPECT_THAT(ErrorOf(File("{\"w\":{\"dtype\":\"U8\",\"shape\":[1]}}", "x")),
              HasSubstr("tensor \"w\": missing \"data_offsets\""));
  EXPECT_THAT(ErrorOf(File("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1],"
                           "\"extra\":1}}",
                           "x")),
              HasSubstr("tensor \"w\": unknown field \"extra\""));
  // Unknown dtype: the message lists the valid ones.
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "F17", "[1]", 0, 4) + "}", "xxxx")),
              AllOf(HasSubstr("tensor \"w\": unknown dtype \"F17\""), HasSubstr("BF16")));
  EXPECT_THAT(ErrorOf(File("{\"w\":{\"dtype\":32,\"shape\":[1],\"data_offsets\":[0,4]}}")),
              HasSubstr("tensor \"w\": dtype must be a string"));
  // Shapes.
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "U8", "[-1]", 0, 0) + "}")),
              HasSubstr("tensor \"w\": shape [-1] must hold non-negative integers"));
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "U8", "[1.0]", 0, 1) + "}", "x")),
              HasSubstr("tensor \"w\": shape [1.0] must hold non-negative integers"));
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "U8", "4", 0, 4) + "}", "xxxx")),
              HasSubstr("tensor \"w\": shape must be an array"));
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "U8", "[9223372036854775808]", 0, 0) + "}")),
              HasSubstr("below 2^63"));
  // Element count and size overflows.
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "U8", "[4294967296,4294967296]", 0, 0) + "}")),
              HasSubstr("tensor \"w\": shape [4294967296,4294967296] has more than 2^63"));
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "U64", "[4611686018427387904]", 0, 0) + "}")),
              HasSubstr("tensor \"w\": 4611686018427387904 elements of U64 do not fit"));
  // Offsets.
  EXPECT_THAT(ErrorOf(File("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0]}}")),
              HasSubstr("tensor \"w\": data_offsets must be [BEGIN, END]"));
  EXPECT_THAT(ErrorOf(File("{\"w\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,\"1\"]}}")),
              HasSubstr("tensor \"w\": data_offsets must be [BEGIN, END]"));
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "U8", "[1]", 5, 4) + "}")),
              HasSubstr("tensor \"w\": data_offsets [5, 4] end before they begin"));
}

TEST(SafetensorsParseTest, RefusesWrongByteSizes) {
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "F32", "[2]", 0, 4) + "}", "xxxx")),
              HasSubstr("tensor \"w\": data_offsets [0, 4] hold 4 bytes, but F32 with shape [2] "
                        "takes 8 bytes"));
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "F4", "[3]", 0, 2) + "}", "xx")),
              HasSubstr("tensor \"w\": 3 elements of F4 (4 bits each) are not a whole number of "
                        "bytes"));
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "F6_E3M2", "[2]", 0, 2) + "}", "xx")),
              HasSubstr("not a whole number of bytes"));
}

TEST(SafetensorsParseTest, RefusesBadCoverage) {
  // Out of range: a tensor past the end of the buffer (a truncated file).
  EXPECT_THAT(ErrorOf(File("{" + Tensor("w", "F32", "[2]", 0, 8) + "}", "xxxx")),
              HasSubstr("tensor \"w\": data_offsets [0, 8] end past the byte buffer, which has "
                        "4 bytes"));
  // Overlap.
  EXPECT_THAT(ErrorOf(File("{" + Tensor("a", "F32", "[1]", 0, 4) + "," +
                               Tensor("b", "F32", "[1]", 2, 6) + "}",
                           "xxxxxx")),
              HasSubstr("tensors \"a\" [0, 4) and \"b\" [2, 6) overlap"));
  EXPECT_THAT(ErrorOf(File("{" + Tensor("a", "F32", "[1]", 0, 4) + "," +
                               Tensor("b", "F32", "[1]", 0, 4) + "}",
                           "xxxx")),
              HasSubstr("overlap"));
  // An empty tensor inside another one overlaps it too.
  EXPECT_THAT(ErrorOf(File("{" + Tensor("a", "F32", "[1]", 0, 4) + "," +
                               Tensor("e", "F32", "[0]", 2, 2) + "}",
                           "xxxx")),
              HasSubstr("tensors \"a\" [0, 4) and \"e\" [2, 2) overlap"));
  // Gaps: between two tensors, before the first one.
  EXPECT_THAT(ErrorOf(File("{" + Tensor("a", "F32", "[1]", 0, 4) + "," +
                               Tensor("b", "F32", "[1]", 8, 12) + "}",
                           std::string(12, 'x'))),
              HasSubstr("bytes [4, 8) of the buffer belong to no tensor: a gap between tensor "
                        "\"a\" and tensor \"b\""));
  EXPECT_THAT(ErrorOf(File("{" + Tensor("a", "F32", "[1]", 4, 8) + "}", std::string(8, 'x'))),
              HasSubstr("bytes [0, 4) of the buffer belong to no tensor: a gap before tensor "
                        "\"a\""));
  // Trailing garbage: bytes after the last tensor (the whole-file check).
  EXPECT_THAT(ErrorOf(File("{" + Tensor("a", "F32", "[1]", 0, 4) + "}", "xxxxGARBAGE")),
              HasSubstr("7 bytes follow the last tensor (\"a\")"));
  EXPECT_THAT(ErrorOf(File("{}", "x")), HasSubstr("1 bytes follow the last tensor"));
}

TEST(SafetensorsFileTest, OpensMapsAndReleases) {
  const std::string path = ::testing::TempDir() + "safetensors_file_test.safetensors";
  const std::vector<uint8_t> bytes = File(
      "{" + Tensor("a", "U8", "[3]", 0, 3) + "," + Tensor("b", "U8", "[2]", 3, 5) + "}", "abcde");
  {
    std::ofstream out(path, std::ios::binary);
    out.write(reinterpret_cast<const char*>(bytes.data()),
              static_cast<std::streamsize>(bytes.size()));
  }
  auto f = SafetensorsFile::Open(path);
  ASSERT_TRUE(f) << f.error().ToString();
  EXPECT_EQ(f->path(), path);
  const StTensor& b = *f->header().Find("b");
  auto data = f->Data(b);
  EXPECT_EQ(std::string(data.begin(), data.end()), "de");
  f->Release(b);
  data = f->Data(b);  // still readable after Release
  EXPECT_EQ(std::string(data.begin(), data.end()), "de");
  std::filesystem::remove(path);

  auto missing = SafetensorsFile::Open(path);
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);

  {
    std::ofstream out(path, std::ios::binary);
    out << "not a safetensors file";
  }
  auto broken = SafetensorsFile::Open(path);
  ASSERT_FALSE(broken);
  EXPECT_EQ(broken.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(broken.error().where.file, path);
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace aiinfra::quant
