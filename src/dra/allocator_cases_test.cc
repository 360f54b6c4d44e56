// The example cases of specs/dra.md section 3 as data: every `<name>.yaml` under
// src/dra/testdata/cases/ (real manifests plus a header) is allocated and the outcome compared
// with `<name>.expected.yaml`. The file format is described in src/dra/README.md ("Tests").
//
// AIINFRA_UPDATE_CASES=1 rewrites the expected files with what the allocator produces now
// (keeping their leading comment lines); check every rewritten file against the spec by hand,
// the expected files are the spec, not a snapshot.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "dra/allocator.h"
#include "dra/features.h"
#include "dra/manifest.h"

namespace aiinfra::dra {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kExpectedSuffix = ".expected.yaml";

// AIINFRA_UPDATE_CASES=1: rewrite the expected files instead of comparing.
bool UpdateCases() {
  const char* update = std::getenv("AIINFRA_UPDATE_CASES");
  return update != nullptr && std::string_view(update) == "1";
}

fs::path CasesDir() { return fs::path(AIINFRA_SOURCE_DIR) / "src/dra/testdata/cases"; }

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

std::string ReadText(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// The names of the cases: every `*.yaml` of the folder that is not an expected file, without
// the extension, sorted.
std::vector<std::string> CaseNames() {
  std::vector<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(CasesDir(), ec)) {
    const std::string file = entry.path().filename().string();
    if (!entry.is_regular_file() || !EndsWith(file, ".yaml") || EndsWith(file, kExpectedSuffix)) {
      continue;
    }
    names.push_back(file.substr(0, file.size() - std::string_view(".yaml").size()));
  }
  std::sort(names.begin(), names.end());
  return names;
}

// The leading run of lines that start with '#', and the rest of the text.
std::pair<std::string, std::string> SplitComments(const std::string& text) {
  size_t pos = 0;
  while (pos < text.size() && text[pos] == '#') {
    size_t end = text.find('\n', pos);
    pos = end == std::string::npos ? text.size() : end + 1;
  }
  return {text.substr(0, pos), text.substr(pos)};
}

struct CaseHeader {
  Features features;
  std::string node;
  bool validate = true;
};

// `# features: A,B|none`, `# node: NAME` and `# validate: false` among the leading comments;
// other comment lines (title, upstream name, the spec's expectation) are for readers.
Result<CaseHeader> ParseHeader(const std::string& text) {
  CaseHeader h;
  bool has_features = false;
  std::istringstream lines(SplitComments(text).first);
  std::string line;
  while (std::getline(lines, line)) {
    auto value_of = [&](std::string_view key) -> std::optional<std::string> {
      const std::string prefix = "# " + std::string(key) + ": ";
      if (line.rfind(prefix, 0) != 0) return std::nullopt;
      return line.substr(prefix.size());
    };
    if (auto v = value_of("features")) {
      AIINFRA_TRY(h.features, ParseFeatures(*v));
      has_features = true;
    } else if (auto v = value_of("node")) {
      h.node = *v;
    } else if (auto v = value_of("validate")) {
      if (*v != "true" && *v != "false") {
        return Fail(ErrorCode::kInvalidInput, "validate: give true or false, not " + *v);
      }
      h.validate = *v == "true";
    }
  }
  if (!has_features) return Fail(ErrorCode::kInvalidInput, "the header lacks '# features: '");
  if (h.node.empty()) return Fail(ErrorCode::kInvalidInput, "the header lacks '# node: '");
  return h;
}

// The outcome as the expected files hold it: the allocated claims as kubectl prints them
// (multi-document), `unsatisfiable`, `node-error: <text>` or `error: <text>`.
std::string Render(const Result<AllocationOutput>& out,
                   const std::vector<const ResourceClaim*>& pending) {
  if (!out) return "error: " + out.error().message + "\n";
  switch (out->outcome) {
    case AllocationOutcome::kUnsatisfiable:
      return "unsatisfiable\n";
    case AllocationOutcome::kNodeError:
      return "node-error: " + out->node_error + "\n";
    case AllocationOutcome::kAllocated:
      break;
  }
  std::string text;
  for (size_t i = 0; i < pending.size(); ++i) {
    ResourceClaim claim = *pending[i];
    claim.status.allocation = out->results.at(i);
    text += (i == 0 ? "" : "---\n") + ToYaml(claim);
  }
  return text;
}

// Reads the case's manifests, allocates its pending claims on its node and renders the outcome;
// a case that cannot be run is an error of the test itself.
Result<std::string> RunCase(const std::string& name) {
  const fs::path path = CasesDir() / (name + ".yaml");
  const std::string text = ReadText(path);
  AIINFRA_TRY(CaseHeader header, ParseHeader(text));
  AIINFRA_TRY(Objects objects, ReadManifests({ManifestFile{path.filename().string(), text}},
                                             ReadOptions{.validate = header.validate}));
  const Node* node = objects.FindNode(header.node);
  if (!node) return Fail(ErrorCode::kInvalidInput, "no Node manifest named " + header.node);
  AllocatorInput in;
  in.features = header.features;
  in.classes = &objects.device_classes;
  in.slices = &objects.resource_slices;
  in.allocated = AllocatedStateOf(objects.resource_claims);
  std::vector<const ResourceClaim*> pending;
  for (const ResourceClaim& c : objects.resource_claims) {
    if (!c.status.allocation) pending.push_back(&c);
  }
  return Render(Allocate(in, *node, pending), pending);
}

class AllocatorCaseTest : public ::testing::TestWithParam<std::string> {};

TEST_P(AllocatorCaseTest, MatchesExpectedFile) {
  const std::string& name = GetParam();
  Result<std::string> actual = RunCase(name);
  ASSERT_TRUE(actual) << name << ".yaml: " << actual.error().ToString();
  const fs::path expected_path = CasesDir() / (name + std::string(kExpectedSuffix));
  const bool exists = fs::exists(expected_path);
  const auto [comments, expected] = SplitComments(exists ? ReadText(expected_path) : "");
  if (UpdateCases()) {
    if (!exists || expected != *actual) {
      std::ofstream(expected_path, std::ios::binary) << comments << *actual;
      GTEST_SKIP() << "rewrote " << expected_path << ": check it against the spec by hand";
    }
    return;
  }
  ASSERT_TRUE(exists) << expected_path << " is missing; the allocator produces:\n" << *actual;
  if (expected != *actual) {
    ADD_FAILURE() << name << ": the allocation differs from " << expected_path.filename()
                  << "\n---- expected ----\n"
                  << expected << "---- actual ----\n"
                  << *actual << "----";
  }
}

// "T06a-incomplete-pool" -> "T06a_incomplete_pool" (gtest names allow [A-Za-z0-9_] only).
std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string s = info.param;
  std::replace_if(
      s.begin(), s.end(), [](char c) { return !std::isalnum(static_cast<unsigned char>(c)); }, '_');
  return s;
}

INSTANTIATE_TEST_SUITE_P(Spec, AllocatorCaseTest, ::testing::ValuesIn(CaseNames()), ParamName);

TEST(AllocatorCaseFilesTest, EveryCaseHasAnExpectedFileAndEveryExpectedFileACase) {
  const std::vector<std::string> names = CaseNames();
  EXPECT_GE(names.size(), 38u) << "cases missing from " << CasesDir();
  for (const auto& entry : fs::directory_iterator(CasesDir())) {
    const std::string file = entry.path().filename().string();
    if (EndsWith(file, kExpectedSuffix)) {
      const std::string name = file.substr(0, file.size() - kExpectedSuffix.size());
      EXPECT_TRUE(std::binary_search(names.begin(), names.end(), name))
          << file << " has no " << name << ".yaml";
    } else {
      EXPECT_TRUE(EndsWith(file, ".yaml")) << "unexpected file " << file;
    }
  }
  if (UpdateCases()) return;
  for (const std::string& name : names) {
    EXPECT_TRUE(fs::exists(CasesDir() / (name + std::string(kExpectedSuffix))))
        << name << ".yaml has no expected file";
  }
}

}  // namespace
}  // namespace aiinfra::dra
