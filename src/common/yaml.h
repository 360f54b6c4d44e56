// YAML loading whose every error names file, line and field.
//
// yaml-cpp parses; this layer adds the discipline the catalogs and scenarios need: a mapping is
// read through a YamlMap, which knows the document's file name and the dotted path of the node,
// turns type and unit errors into Errors located at the offending node, and, at Finish(),
// reports any key nobody read (a misspelt field is an error, not silently ignored).
#pragma once

#include <yaml-cpp/yaml.h>

#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aiinfra {

// A parsed YAML node with the file it came from and its dotted path ("scale_up.tiers[0].chips").
struct YamlNode {
  YAML::Node node;
  std::string file;
  std::string path;

  // Location of this node (1-based line and column) for errors.
  Location Where() const;
  // An Error of kInvalidInput located at this node.
  Error Err(std::string message) const;
  // "value" of a scalar, or the error "expected a scalar".
  Result<std::string> Scalar() const;
  Result<double> Number() const;  // a finite number
  Result<bool> Bool() const;      // true/false
  // A duration with its unit ("30s", "5min", "250ms"; common/units.h), in seconds.
  Result<double> Duration() const;
  // A whole number in [min, max]; the error says the range.
  Result<int> Count(int min, int max) const;
  bool IsNull() const { return !node || node.IsNull(); }
  bool IsScalar() const { return node && node.IsScalar(); }
  bool IsMap() const { return node && node.IsMap(); }
  bool IsSequence() const { return node && node.IsSequence(); }
  // Items of a sequence, each with its path "path[i]". Error if not a sequence.
  Result<std::vector<YamlNode>> Items() const;
};

// Parses every document in `text`. Syntax errors become kInvalidInput at file:line:column.
Result<std::vector<YamlNode>> ParseYamlDocuments(std::string_view text, const std::string& file);
// Parses exactly one document (an empty text is an error).
Result<YamlNode> ParseYaml(std::string_view text, const std::string& file);

// `text` (one YAML document) with the value at a dotted path replaced, as `--set key=value`
// does: "deployment.replicas" = "4", "workload.classes.0.weight" = "2" (a number indexes a
// list), "router" = "{policy: random}" (the value is read as YAML). Missing mappings on the way
// are created; a list index must exist. kInvalidInput naming the path and what was found.
Result<std::string> SetYamlPath(std::string_view text, const std::string& file,
                                const std::string& path, const std::string& value);

// A mapping being read field by field. Not thread-safe; cheap to copy.
class YamlMap {
 public:
  // Error if `node` is not a mapping.
  static Result<YamlMap> From(const YamlNode& node);

  bool Has(std::string_view key) const;
  // The child at `key`; marks it read. Required: error "missing required field" at the map.
  Result<YamlNode> Required(std::string_view key);
  // The child at `key` if present and not null; marks it read.
  std::optional<YamlNode> Optional(std::string_view key);

  Result<std::string> RequiredString(std::string_view key);
  Result<double> RequiredNumber(std::string_view key);
  std::string OptionalString(std::string_view key, std::string fallback = "");

  // Error naming the first key that was not read, with the list of accepted keys, or the first
  // key that is a list or a mapping rather than a name.
  Status Finish() const;

  const YamlNode& self() const { return self_; }
  // The keys, in document order; a key that is itself a list or a mapping is left out (no field
  // name matches it, and Finish() reports it).
  std::vector<std::string> Keys() const;

 private:
  explicit YamlMap(YamlNode self) : self_(std::move(self)) {}
  YamlNode self_;
  std::set<std::string, std::less<>> read_;
};

}  // namespace aiinfra
