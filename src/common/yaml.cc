#include "common/yaml.h"

#include <fmt/format.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/mark.h>
#include <yaml-cpp/parser.h>

#include <cmath>
#include <cstdlib>
#include <sstream>

#include "common/text.h"
#include "common/units.h"

namespace aiinfra {
namespace {

std::string ChildPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

// The text of a mapping key, or nullopt for a key that is itself a list or a mapping
// ("[a, b]: 1"), which no field name matches and on which as<std::string>() throws.
std::optional<std::string> KeyText(const YAML::Node& key) {
  if (key.IsSequence() || key.IsMap()) return std::nullopt;
  return key.as<std::string>();  // a scalar, or "null" for a null key
}

// Remembers where the last document started; ignores everything else.
class DocumentStarts : public YAML::EventHandler {
 public:
  YAML::Mark last;

  void OnDocumentStart(const YAML::Mark& mark) override { last = mark; }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}
};

// yaml-cpp 0.7's LoadAll never returns when a document starts with a token its parser does not
// consume, such as a "," at the top level ("," or "--- ,"): each turn of its loop adds another
// null document until memory runs out (https://github.com/jbeder/yaml-cpp/issues/1040, fixed
// upstream after 0.8.0). This first pass over the parser's events stops there instead: such a
// document starts where the one before it started. Throws what the parser throws.
Status CheckDocumentsAdvance(const std::string& text, const std::string& file) {
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentStarts starts;
  int previous = -1;
  while (parser.HandleNextDocument(starts)) {
    const YAML::Mark& at = starts.last;
    if (at.pos <= previous) {
      const bool inside = at.pos >= 0 && static_cast<std::size_t>(at.pos) < text.size();
      const char c = inside ? text[at.pos] : ' ';
      const std::string what = c >= 0x21 && c <= 0x7e ? "\"" + std::string(1, c) + "\"" : "token";
      return Fail(ErrorCode::kInvalidInput, "YAML syntax error: unexpected " + what,
                  Location{file, at.line + 1, at.column + 1, ""});
    }
    previous = at.pos;
  }
  return {};
}

}  // namespace

Location YamlNode::Where() const {
  Location loc;
  loc.file = file;
  loc.field = path;
  if (node) {
    const YAML::Mark mark = node.Mark();
    // yaml-cpp marks are 0-based; a null mark (-1) stays "unknown".
    if (mark.line >= 0) loc.line = mark.line + 1;
    if (mark.column >= 0) loc.column = mark.column + 1;
  }
  return loc;
}

Error YamlNode::Err(std::string message) const {
  return Error{ErrorCode::kInvalidInput, std::move(message), Where()};
}

Result<std::string> YamlNode::Scalar() const {
  if (!IsScalar()) return Fail(Err("expected a single value (a scalar)"));
  return node.Scalar();
}

Result<double> YamlNode::Number() const {
  AIINFRA_TRY(std::string text, Scalar());
  auto value = ParseNumber(text);
  if (!value) return Fail(Err("expected a number, got \"" + text + "\""));
  return *value;
}

Result<bool> YamlNode::Bool() const {
  AIINFRA_TRY(std::string text, Scalar());
  if (text == "true") return true;
  if (text == "false") return false;
  return Fail(Err("expected true or false, got \"" + text + "\""));
}

Result<double> YamlNode::Duration() const {
  AIINFRA_TRY(std::string text, Scalar());
  auto seconds = ParseDuration(text);
  if (!seconds) return Fail(Err(seconds.error().message));
  return *seconds;
}

Result<int> YamlNode::Count(int min, int max) const {
  AIINFRA_TRY(double v, Number());
  if (v != std::floor(v) || v < min || v > max) {
    return Fail(Err(fmt::format("expected a whole number from {} to {}", min, max)));
  }
  return static_cast<int>(v);
}

Result<std::vector<YamlNode>> YamlNode::Items() const {
  if (!IsSequence()) return Fail(Err("expected a list"));
  std::vector<YamlNode> items;
  items.reserve(node.size());
  for (std::size_t i = 0; i < node.size(); ++i) {
    items.push_back(YamlNode{node[i], file, path + "[" + std::to_string(i) + "]"});
  }
  return items;
}

Result<std::vector<YamlNode>> ParseYamlDocuments(std::string_view text, const std::string& file) {
  std::vector<YamlNode> docs;
  try {
    const std::string input(text);
    AIINFRA_CHECK_OK(CheckDocumentsAdvance(input, file));
    for (YAML::Node& doc : YAML::LoadAll(input)) {
      docs.push_back(YamlNode{doc, file, ""});
    }
  } catch (const YAML::Exception& e) {
    Location loc;
    loc.file = file;
    if (e.mark.line >= 0) loc.line = e.mark.line + 1;
    if (e.mark.column >= 0) loc.column = e.mark.column + 1;
    return Fail(ErrorCode::kInvalidInput, "YAML syntax error: " + e.msg, loc);
  }
  return docs;
}

Result<YamlNode> ParseYaml(std::string_view text, const std::string& file) {
  AIINFRA_TRY(auto docs, ParseYamlDocuments(text, file));
  if (docs.empty() || docs[0].IsNull()) {
    return Fail(ErrorCode::kInvalidInput, "the document is empty", Location{file, 1, 0, ""});
  }
  if (docs.size() > 1) {
    return Fail(ErrorCode::kInvalidInput,
                "expected one YAML document, found " + std::to_string(docs.size()),
                Location{file, 0, 0, ""});
  }
  return docs[0];
}

Result<YamlMap> YamlMap::From(const YamlNode& node) {
  if (!node.IsMap()) return Fail(node.Err("expected a mapping of fields"));
  return YamlMap(node);
}

bool YamlMap::Has(std::string_view key) const {
  return static_cast<bool>(self_.node[std::string(key)]);
}

Result<YamlNode> YamlMap::Required(std::string_view key) {
  read_.insert(std::string(key));
  YAML::Node child = self_.node[std::string(key)];
  if (!child || child.IsNull()) {
    Error err = self_.Err("missing required field \"" + std::string(key) + "\"");
    err.where.field = ChildPath(self_.path, key);
    return Fail(std::move(err));
  }
  return YamlNode{child, self_.file, ChildPath(self_.path, key)};
}

std::optional<YamlNode> YamlMap::Optional(std::string_view key) {
  read_.insert(std::string(key));
  YAML::Node child = self_.node[std::string(key)];
  if (!child || child.IsNull()) return std::nullopt;
  return YamlNode{child, self_.file, ChildPath(self_.path, key)};
}

Result<std::string> YamlMap::RequiredString(std::string_view key) {
  AIINFRA_TRY(YamlNode node, Required(key));
  return node.Scalar();
}

Result<double> YamlMap::RequiredNumber(std::string_view key) {
  AIINFRA_TRY(YamlNode node, Required(key));
  return node.Number();
}

std::string YamlMap::OptionalString(std::string_view key, std::string fallback) {
  auto node = Optional(key);
  if (!node || !node->IsScalar()) return fallback;
  return node->node.Scalar();
}

std::vector<std::string> YamlMap::Keys() const {
  std::vector<std::string> keys;
  for (const auto& kv : self_.node) {
    if (auto key = KeyText(kv.first)) keys.push_back(std::move(*key));
  }
  return keys;
}

Status YamlMap::Finish() const {
  for (const auto& kv : self_.node) {
    const std::optional<std::string> text = KeyText(kv.first);
    if (!text) {
      YamlNode at{kv.first, self_.file, self_.path};
      return Fail(at.Err("a field name must be a single value, not a list or a mapping"));
    }
    const std::string& key = *text;
    if (read_.contains(key)) continue;
    std::string accepted;
    for (const auto& k : read_) accepted += (accepted.empty() ? "" : ", ") + k;
    YamlNode at{kv.first, self_.file, ChildPath(self_.path, key)};
    return Fail(at.Err("unknown field \"" + key + "\" (accepted here: " + accepted + ")"));
  }
  return {};
}

Result<std::string> SetYamlPath(std::string_view text, const std::string& file,
                                const std::string& path, const std::string& value) {
  AIINFRA_TRY(YamlNode doc, ParseYaml(text, file));
  YAML::Node root = YAML::Clone(doc.node);
  std::vector<std::string> keys = SplitList(path, '.');
  if (keys.empty()) return Fail(ErrorCode::kUsage, "--set: empty key in '" + path + "'");
  YAML::Node parsed;
  try {
    parsed = YAML::Load(value);
  } catch (const YAML::Exception& e) {
    return Fail(ErrorCode::kUsage, "--set " + path + ": the value is not YAML: " + e.msg);
  }
  // Walk by reassignment: yaml-cpp nodes are handles, so `node = node[key]` would overwrite.
  std::vector<YAML::Node> chain{root};
  for (size_t i = 0; i + 1 < keys.size(); ++i) {
    YAML::Node cur = chain.back();
    const std::string& k = keys[i];
    if (cur.IsSequence()) {
      size_t index = 0;
      if (k.empty() || k.find_first_not_of("0123456789") != std::string::npos ||
          (index = std::stoul(k)) >= cur.size()) {
        return Fail(ErrorCode::kUsage, fmt::format("--set {}: '{}' is not an index of the list "
                                                   "there ({} items)",
                                                   path, k, cur.size()));
      }
      chain.push_back(cur[index]);
    } else if (cur.IsMap() || cur.IsNull()) {
      if (!cur[k] || cur[k].IsNull()) cur[k] = YAML::Node(YAML::NodeType::Map);
      chain.push_back(cur[k]);
    } else {
      return Fail(ErrorCode::kUsage,
                  fmt::format("--set {}: '{}' is a scalar, not a mapping or list", path,
                              keys[i > 0 ? i - 1 : 0]));
    }
  }
  YAML::Node last = chain.back();
  const std::string& k = keys.back();
  if (last.IsSequence()) {
    if (k.empty() || k.find_first_not_of("0123456789") != std::string::npos ||
        std::stoul(k) >= last.size()) {
      return Fail(ErrorCode::kUsage,
                  fmt::format("--set {}: '{}' is not an index of the list there", path, k));
    }
    last[std::stoul(k)] = parsed;
  } else if (last.IsMap() || last.IsNull()) {
    last[k] = parsed;
  } else {
    return Fail(ErrorCode::kUsage,
                fmt::format("--set {}: the parent of '{}' is a scalar", path, k));
  }
  YAML::Emitter out;
  out << root;
  return std::string(out.c_str()) + "\n";
}

}  // namespace aiinfra
