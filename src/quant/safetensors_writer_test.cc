#include "quant/safetensors_writer.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

#include "quant/safetensors.h"

namespace aiinfra::quant {
namespace {

using ::testing::HasSubstr;

std::span<const uint8_t> Span(const std::string& s) {
  return {reinterpret_cast<const uint8_t*>(s.data()), s.size()};
}

// A fresh, empty folder under the test temp dir.
std::string Folder(const std::string& name) {
  const std::string dir = ::testing::TempDir() + "safetensors_writer_test_" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::vector<std::string> Listing(const std::string& dir) {
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

TEST(SafetensorsWriterTest, GoldenFile) {
  // The same bytes as the hand-worked file of safetensors_test.cc's GoldenFile.
  FakeEnv env;
  auto w =
      SafetensorsWriter::Create(env, "g.safetensors", {{"a", StDtype::kF16, {2}}}, {{"k", "v"}});
  ASSERT_TRUE(w) << w.error().ToString();
  ASSERT_TRUE(w->Append(Span(std::string("\x00\x3C\x00\x40", 4))));
  ASSERT_TRUE(w->Commit());
  std::string expected("\x50\0\0\0\0\0\0\0", 8);
  expected +=
      "{\"__metadata__\":{\"k\":\"v\"},\"a\":{\"dtype\":\"F16\",\"shape\":[2],\"data_offsets\":[0,"
      "4]}} ";
  expected += std::string("\x00\x3C\x00\x40", 4);
  EXPECT_EQ(env.files()["g.safetensors"], expected);
}

TEST(SafetensorsWriterTest, OrdersByAlignmentThenName) {
  FakeEnv env;
  auto w = SafetensorsWriter::Create(env, "o.safetensors",
                                     {{"z8", StDtype::kU8, {1}},
                                      {"f4", StDtype::kF4, {2}},
                                      {"b16", StDtype::kBF16, {1}},
                                      {"a16", StDtype::kF16, {1}},
                                      {"c64", StDtype::kC64, {1}},
                                      {"f32", StDtype::kF32, {1}},
                                      {"a8", StDtype::kF8E4M3, {1}},
                                      {"i64", StDtype::kI64, {1}}});
  ASSERT_TRUE(w) << w.error().ToString();
  std::vector<std::string> order;
  for (const StTensorSpec& t : w->order()) order.push_back(t.name);
  EXPECT_EQ(order, (std::vector<std::string>{"c64", "i64", "f32", "a16", "b16", "a8", "f4", "z8"}));
  EXPECT_EQ(w->data_bytes(), 8u + 8 + 4 + 2 + 2 + 1 + 1 + 1);
}

// Every dtype, odd shapes, scalars, empty tensors and metadata, written in awkward pieces to a
// real file and read back through the mapped reader.
TEST(SafetensorsWriterTest, RoundTripsEveryDtypeThroughARealFile) {
  const std::string dir = Folder("roundtrip");
  const std::string path = dir + "/m.safetensors";
  std::vector<StTensorSpec> specs;
  for (StDtype d : AllStDtypes()) {
    const std::string name(StDtypeName(d));
    // Sub-byte dtypes need element counts that fill whole bytes: 4 for F6, an even one for F4.
    const int bits = StDtypeBits(d);
    specs.push_back({name + ".odd", d,
                     bits == 6   ? std::vector<int64_t>{3, 4}
                     : bits == 4 ? std::vector<int64_t>{3, 1, 2}
                                 : std::vector<int64_t>{3, 5, 7}});
    specs.push_back({name + ".empty", d, {4, 0, 9}});
    if (bits % 8 == 0) specs.push_back({name + ".scalar", d, {}});
  }
  const std::map<std::string, std::string> metadata = {
      {"format", "pt"}, {"note", "ünïcødé \"quoted\"\n"}, {"", "empty key"}};
  RealEnv env;
  auto w = SafetensorsWriter::Create(env, path, specs, metadata);
  ASSERT_TRUE(w) << w.error().ToString();
  // Each tensor's bytes: its name repeated, cut to size.
  std::string data;
  std::map<std::string, std::string> expected;
  for (const StTensorSpec& s : w->order()) {
    const uint64_t n = *StTensorBytes(s);
    std::string bytes;
    while (bytes.size() < n) bytes += s.name;
    bytes.resize(n);
    expected[s.name] = bytes;
    data += bytes;
  }
  ASSERT_EQ(data.size(), w->data_bytes());
  for (size_t at = 0; at < data.size(); at += 7) {
    ASSERT_TRUE(w->Append(Span(data.substr(at, 7))));
  }
  ASSERT_TRUE(w->Commit());

  auto f = SafetensorsFile::Open(path);
  ASSERT_TRUE(f) << f.error().ToString();
  const StHeader& h = f->header();
  EXPECT_EQ(h.metadata, metadata);
  EXPECT_EQ(h.data_start % 8, 0u);
  ASSERT_EQ(h.tensors.size(), specs.size());
  for (size_t i = 0; i < h.tensors.size(); ++i) {
    const StTensor& t = h.tensors[i];
    SCOPED_TRACE(t.name);
    // Parsed order (by offset) is the writer's order, except that empty tensors at the same
    // offset sort by name: compare by name.
    const auto spec = std::find_if(specs.begin(), specs.end(),
                                   [&](const StTensorSpec& s) { return s.name == t.name; });
    ASSERT_NE(spec, specs.end());
    EXPECT_EQ(t.dtype, spec->dtype);
    EXPECT_EQ(t.shape, spec->shape);
    auto bytes = f->Data(t);
    EXPECT_EQ(std::string(bytes.begin(), bytes.end()), expected[t.name]);
    // Every tensor starts at a multiple of its dtype's alignment in the file.
    EXPECT_EQ((h.data_start + t.begin) % StDtypeAlignment(t.dtype), 0u);
    f->Release(t);
  }
  std::filesystem::remove_all(dir);
}

TEST(SafetensorsWriterTest, NoTensors) {
  FakeEnv env;
  auto w = SafetensorsWriter::Create(env, "e.safetensors", {});
  ASSERT_TRUE(w);
  ASSERT_TRUE(w->Commit());
  const std::string& file = env.files()["e.safetensors"];
  EXPECT_EQ(file, std::string("\x08\0\0\0\0\0\0\0{}      ", 16));
  auto h = ParseSafetensors(Span(file), "e");
  ASSERT_TRUE(h);
  EXPECT_TRUE(h->tensors.empty());
}

TEST(SafetensorsWriterTest, RefusesInvalidSpecs) {
  FakeEnv env;
  const auto error = [&](std::vector<StTensorSpec> specs,
                         std::map<std::string, std::string> metadata = {}) {
    auto w = SafetensorsWriter::Create(env, "bad.safetensors", std::move(specs), metadata);
    if (w) return std::string("(created)");
    EXPECT_EQ(w.error().code, ErrorCode::kInvalidInput);
    EXPECT_EQ(w.error().where.file, "bad.safetensors");
    return w.error().message;
  };
  EXPECT_THAT(error({{"a", StDtype::kF32, {1}}, {"a", StDtype::kF16, {1}}}),
              HasSubstr("tensor \"a\" is given twice"));
  EXPECT_THAT(error({{"__metadata__", StDtype::kF32, {1}}}), HasSubstr("reserved"));
  EXPECT_THAT(error({{"w", StDtype::kF32, {2, -1}}}),
              HasSubstr("tensor \"w\": dimension -1 is negative"));
  EXPECT_THAT(error({{"w", StDtype::kF4, {3}}}),
              HasSubstr("tensor \"w\": 3 elements of F4 are not a whole number of bytes"));
  EXPECT_THAT(error({{"w", StDtype::kU64, {int64_t{1} << 62}}}),
              HasSubstr("tensor \"w\": the shape has too many elements"));
  EXPECT_THAT(error({{"w", StDtype::kU8, {int64_t{1} << 62, 4}}}), HasSubstr("too many elements"));
  EXPECT_THAT(error({{"w\xff", StDtype::kU8, {1}}}), HasSubstr("not valid UTF-8"));
  EXPECT_THAT(error({{"w", static_cast<StDtype>(99), {1}}}), HasSubstr("invalid dtype"));
  EXPECT_THAT(error({}, {{"k", "\xc3"}}), HasSubstr("metadata \"k\""));
  EXPECT_TRUE(env.files().empty());
}

TEST(SafetensorsWriterTest, AppendAndCommitKeepTheCount) {
  FakeEnv env;
  auto w = SafetensorsWriter::Create(env, "c.safetensors",
                                     {{"a", StDtype::kF32, {2}}, {"b", StDtype::kU8, {3}}});
  ASSERT_TRUE(w);
  EXPECT_EQ(w->data_bytes(), 11u);
  ASSERT_TRUE(w->Append(Span("0123456789")));
  auto too_much = w->Append(Span("ab"));
  ASSERT_FALSE(too_much);
  EXPECT_THAT(too_much.error().message, HasSubstr("2 more bytes appended after 10 of 11"));
  auto early = w->Commit();
  ASSERT_FALSE(early);
  EXPECT_THAT(early.error().message, HasSubstr("only 10 of the tensors' 11 bytes"));
  EXPECT_TRUE(env.files().empty());
  ASSERT_TRUE(w->Append(Span("a")));  // the refused piece wrote nothing
  ASSERT_TRUE(w->Commit());
  EXPECT_FALSE(w->Append(Span("")));
  EXPECT_FALSE(w->Commit());
  auto h = ParseSafetensors(Span(env.files()["c.safetensors"]), "c");
  ASSERT_TRUE(h) << h.error().ToString();
  EXPECT_EQ(h->data_bytes, 11u);
}

TEST(SafetensorsWriterTest, LeavesNothingBehindWithoutCommit) {
  const std::string dir = Folder("uncommitted");
  const std::string path = dir + "/m.safetensors";
  RealEnv env;
  {
    auto w = SafetensorsWriter::Create(env, path, {{"a", StDtype::kU8, {4}}});
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->Append(Span("ab")));
    EXPECT_FALSE(w->Commit());
    EXPECT_FALSE(std::filesystem::exists(path));
  }  // destroyed uncommitted: the temporary file goes too
  EXPECT_TRUE(Listing(dir).empty());
  {
    auto w = SafetensorsWriter::Create(env, path, {{"a", StDtype::kU8, {4}}});
    ASSERT_TRUE(w);
    ASSERT_TRUE(w->Append(Span("abcd")));
    ASSERT_TRUE(w->Commit());
  }
  EXPECT_EQ(Listing(dir), std::vector<std::string>{"m.safetensors"});
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace aiinfra::quant
