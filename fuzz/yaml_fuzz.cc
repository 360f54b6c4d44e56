// Fuzz target for common/yaml.h: ParseYamlDocuments and ParseYaml on the input, then every
// reader of YamlNode and YamlMap on what was parsed.
//
// Checked: nothing throws; errors are kInvalidInput with a message; ParseYaml agrees with
// ParseYamlDocuments (it succeeds exactly when there is one non-null document); a scalar reads as
// a scalar and nothing else does, a list as a list, a mapping as a mapping; an absent key is not
// found; Finish() fails on a non-empty mapping nobody read and, once every key listed by Keys()
// has been read, succeeds unless a key is a list or a mapping. The walk is bounded in depth and
// in nodes, because anchors and aliases can make a small document a large (even cyclic) graph.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"
#include "common/yaml.h"
#include "fuzz_check.h"

namespace {

using aiinfra::ErrorCode;
using aiinfra::YamlMap;
using aiinfra::YamlNode;

constexpr std::string_view kTarget = "yaml_fuzz";
constexpr int kMaxDepth = 24;
constexpr int kMaxNodes = 4000;
constexpr std::size_t kMaxKeysPerMap = 64;

struct Walker {
  std::string_view input;
  int nodes_left = kMaxNodes;

  void Error(std::string_view stage, const aiinfra::Error& error) {
    aiinfra::fuzz::CheckError(kTarget, stage, error, {ErrorCode::kInvalidInput}, input);
  }
  [[noreturn]] void Finding(const std::string& what) {
    aiinfra::fuzz::Finding(kTarget, what, input);
  }

  void Walk(const YamlNode& node, int depth) {
    if (depth > kMaxDepth || --nodes_left < 0) return;
    (void)node.Where();

    auto scalar = node.Scalar();
    if (node.IsScalar() != scalar.has_value()) Finding("Scalar() disagrees with IsScalar()");
    if (scalar) {
      if (auto number = node.Number(); !number) Error("Number()", number.error());
      if (auto flag = node.Bool(); !flag) Error("Bool()", flag.error());
    } else {
      Error("Scalar()", scalar.error());
    }

    auto items = node.Items();
    if (node.IsSequence() != items.has_value()) Finding("Items() disagrees with IsSequence()");
    if (items) {
      for (const YamlNode& item : *items) Walk(item, depth + 1);
    } else {
      Error("Items()", items.error());
    }

    auto map = YamlMap::From(node);
    if (node.IsMap() != map.has_value()) Finding("YamlMap::From() disagrees with IsMap()");
    if (!map) {
      Error("YamlMap::From()", map.error());
      return;
    }
    WalkMap(*map, depth);
  }

  void WalkMap(YamlMap& map, int depth) {
    const std::vector<std::string> keys = map.Keys();
    // Keys() leaves out keys that are lists or mappings; Finish() always reports those.
    std::size_t pairs = 0;
    std::size_t unnamed = 0;
    for (const auto& kv : map.self().node) {
      ++pairs;
      if (kv.first.IsSequence() || kv.first.IsMap()) ++unnamed;
    }
    if (keys.size() + unnamed != pairs) Finding("Keys() disagrees with the mapping's pairs");
    const bool unnamed_key = unnamed > 0;

    // Nothing read yet: a non-empty mapping has an unknown field.
    if (auto unread = map.Finish(); (pairs == 0) != unread.has_value()) {
      Finding("Finish() before any read: " +
              (unread ? std::string("succeeded on a non-empty mapping")
                      : "failed on an empty mapping: " + unread.error().message));
    } else if (!unread) {
      Error("Finish()", unread.error());
    }

    // A key the mapping does not have (the fuzzer soon learns any fixed one and writes it in).
    std::string absent = "\x01no such key\x02";
    while (std::find(keys.begin(), keys.end(), absent) != keys.end()) absent += '+';
    if (map.Has(absent)) Finding("Has() found an absent key");
    if (auto missing = map.Required(absent); missing) {
      Finding("Required() found an absent key");
    } else {
      Error("Required(absent)", missing.error());
    }
    if (map.Optional(absent)) Finding("Optional() found an absent key");

    // Every reader on the first keys; only Required on the rest, since each lookup is linear.
    std::size_t visited = 0;
    for (const std::string& key : keys) {
      const bool first = visited++ < kMaxKeysPerMap;
      if (first) {
        if (!map.Has(key) && map.Optional(key)) Finding("Optional() found a key Has() denies");
        (void)map.OptionalString(key, "fallback");
        if (auto text = map.RequiredString(key); !text) Error("RequiredString()", text.error());
        if (auto number = map.RequiredNumber(key); !number) {
          Error("RequiredNumber()", number.error());
        }
      }
      auto child = map.Required(key);
      if (!child) {
        Error("Required()", child.error());
      } else if (first) {
        Walk(*child, depth + 1);
      }
    }
    // Every key Keys() listed has been read: only a key that is not a name is left to report.
    if (auto done = map.Finish(); done.has_value() == unnamed_key) {
      Finding("Finish() after reading every key: " +
              (done ? std::string("succeeded despite a key that is a list or a mapping")
                    : "failed: " + done.error().message));
    } else if (!done) {
      Error("Finish()", done.error());
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string text(reinterpret_cast<const char*>(data), size);
  const std::string file = "fuzz.yaml";

  auto docs = aiinfra::ParseYamlDocuments(text, file);
  auto one = aiinfra::ParseYaml(text, file);
  if (!docs) {
    aiinfra::fuzz::CheckError(kTarget, "ParseYamlDocuments", docs.error(),
                              {ErrorCode::kInvalidInput}, text);
    if (one)
      aiinfra::fuzz::Finding(kTarget, "ParseYaml accepted what ParseYamlDocuments refused", text);
    return 0;
  }
  const bool single = docs->size() == 1 && !(*docs)[0].IsNull();
  if (one.has_value() != single) {
    aiinfra::fuzz::Finding(kTarget,
                           "ParseYaml disagrees with ParseYamlDocuments (" +
                               std::to_string(docs->size()) + " documents)",
                           text);
  }
  if (!one)
    aiinfra::fuzz::CheckError(kTarget, "ParseYaml", one.error(), {ErrorCode::kInvalidInput}, text);

  Walker walker{text};
  for (const YamlNode& doc : *docs) walker.Walk(doc, 0);
  return 0;
}
