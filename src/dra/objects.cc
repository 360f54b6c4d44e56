#include "dra/objects.h"

#include <algorithm>
#include <charconv>

namespace aiinfra::dra {
namespace {

std::optional<int64_t> ParseInt64(const std::string& text) {
  int64_t value = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end || text.empty()) return std::nullopt;
  return value;
}

bool Contains(const std::vector<std::string>& values, const std::string& v) {
  return std::find(values.begin(), values.end(), v) != values.end();
}

// One requirement against a value that may be absent (label not set).
bool RequirementMatches(const NodeSelectorRequirement& r, const std::string* value) {
  if (r.op == "In") return value != nullptr && Contains(r.values, *value);
  if (r.op == "NotIn") return value == nullptr || !Contains(r.values, *value);
  if (r.op == "Exists") return value != nullptr;
  if (r.op == "DoesNotExist") return value == nullptr;
  if (r.op == "Gt" || r.op == "Lt") {
    // Upstream: exactly one integer value; the label must parse as an integer too.
    if (value == nullptr || r.values.size() != 1) return false;
    auto have = ParseInt64(*value);
    auto want = ParseInt64(r.values[0]);
    if (!have || !want) return false;
    return r.op == "Gt" ? *have > *want : *have < *want;
  }
  return false;
}

}  // namespace

bool NodeSelectorTerm::Matches(const Node& node) const {
  if (match_expressions.empty() && match_fields.empty()) return false;
  for (const auto& r : match_expressions) {
    auto it = node.metadata.labels.find(r.key);
    if (!RequirementMatches(r, it == node.metadata.labels.end() ? nullptr : &it->second)) {
      return false;
    }
  }
  for (const auto& r : match_fields) {
    // Node fields selectable by node affinity: metadata.name only.
    if (r.key != "metadata.name") return false;
    if (!RequirementMatches(r, &node.metadata.name)) return false;
  }
  return true;
}

bool NodeSelector::Matches(const Node& node) const {
  return std::any_of(node_selector_terms.begin(), node_selector_terms.end(),
                     [&](const NodeSelectorTerm& t) { return t.Matches(node); });
}

bool Namespace::AllowsAdminAccess() const {
  auto it = metadata.labels.find(kAdminAccessLabel);
  return it != metadata.labels.end() && it->second == "true";
}

const DeviceClass* Objects::FindDeviceClass(const std::string& name) const {
  for (const auto& c : device_classes) {
    if (c.metadata.name == name) return &c;
  }
  return nullptr;
}

const Node* Objects::FindNode(const std::string& name) const {
  for (const auto& n : nodes) {
    if (n.metadata.name == name) return &n;
  }
  return nullptr;
}

const Namespace* Objects::FindNamespace(const std::string& name) const {
  for (const auto& n : namespaces) {
    if (n.metadata.name == name) return &n;
  }
  return nullptr;
}

const ResourceClaim* Objects::FindResourceClaim(const std::string& ns,
                                                const std::string& name) const {
  for (const auto& c : resource_claims) {
    if (c.metadata.ns == ns && c.metadata.name == name) return &c;
  }
  return nullptr;
}

}  // namespace aiinfra::dra
