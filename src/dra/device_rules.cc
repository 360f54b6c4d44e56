#include "dra/device_rules.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <set>

namespace aiinfra::dra {

// "domain/id" on a device of `driver`: the qualified attribute, or the unqualified one when the
// domain is the driver's (spec 2.6).
const AttributeValue* LookupAttribute(const Device& d, const std::string& driver,
                                      const std::string& name) {
  if (auto it = d.attributes.find(name); it != d.attributes.end()) return &it->second;
  const size_t slash = name.find('/');
  if (slash == std::string::npos) return nullptr;
  if (name.substr(0, slash) != driver) return nullptr;
  auto it = d.attributes.find(name.substr(slash + 1));
  return it == d.attributes.end() ? nullptr : &it->second;
}

bool Tolerated(const DeviceTaint& taint, const std::vector<DeviceToleration>& tolerations) {
  for (const DeviceToleration& t : tolerations) {
    if (!t.effect.empty() && t.effect != taint.effect) continue;
    if (!t.key.empty() && t.key != taint.key) continue;
    if (t.op == "Exists" || ((t.op == "Equal" || t.op.empty()) && t.value == taint.value)) {
      return true;
    }
  }
  return false;
}

// Capacity consumption of one request on one device (spec 2.10), or nullopt when the device
// cannot serve it (a requested capacity it lacks, or a request-policy violation).
std::optional<std::map<std::string, Quantity>> CapacityConsumption(const Device& d,
                                                                   const std::string& driver,
                                                                   const DeviceRequestSlot& slot) {
  std::map<std::string, Quantity> requested;
  if (slot.capacity) {
    for (const auto& [name, q] : slot.capacity->requests) {
      auto [domain, id] = SplitQualifiedName(name, driver);
      requested[domain + "/" + id] = q;
    }
  }
  std::map<std::string, Quantity> out;
  size_t matched = 0;
  for (const auto& [name, cap] : d.capacity) {
    auto [domain, id] = SplitQualifiedName(name, driver);
    auto it = requested.find(domain + "/" + id);
    const CapacityRequestPolicy* policy = cap.request_policy ? &*cap.request_policy : nullptr;
    Quantity c;
    if (it == requested.end()) {
      c = policy && policy->default_value ? *policy->default_value : cap.value;
    } else {
      ++matched;
      const Quantity r = it->second;
      c = r;
      if (policy && policy->valid_range) {
        const CapacityRequestPolicyRange& range = *policy->valid_range;
        if (r < range.min) {
          c = range.min;
        } else if (range.step) {
          auto over = r.Sub(range.min).AsInteger();
          auto step = range.step->AsInteger();
          auto min = range.min.AsInteger();
          if (over && step && min && *step > 0) {
            c = Quantity::FromInt(*min + (*over + *step - 1) / *step * *step);
          } else {
            double s = range.step->AsApproximateFloat();
            double k = std::ceil(r.Sub(range.min).AsApproximateFloat() / s);
            c = range.min.Add(Quantity::FromInt(static_cast<int64_t>(k * s)));
          }
        }
      } else if (policy && !policy->valid_values.empty()) {
        for (const Quantity& v : policy->valid_values) {
          if (!(v < r)) {
            c = v;
            break;
          }
        }
      }
    }
    if (policy && !(policy->default_value && c == *policy->default_value)) {
      if (policy->valid_range) {
        const CapacityRequestPolicyRange& range = *policy->valid_range;
        if (range.max && *range.max < c) return std::nullopt;
        if (range.step) {
          auto over = c.Sub(range.min).AsInteger();
          auto step = range.step->AsInteger();
          if (over && step && *step > 0 && *over % *step != 0) return std::nullopt;
        }
      } else if (!policy->valid_values.empty() &&
                 std::none_of(policy->valid_values.begin(), policy->valid_values.end(),
                              [&](const Quantity& v) { return v == c; })) {
        return std::nullopt;
      }
    }
    out[name] = c;
  }
  if (matched != requested.size()) return std::nullopt;  // asks for a capacity D lacks
  return out;
}

std::string ShareId(uint64_t seed, uint64_t n) {
  auto mix = [](uint64_t x) {  // splitmix64
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
  };
  const uint64_t a = mix(seed + 2 * n), b = mix(seed + 2 * n + 1);
  return fmt::format("{:08x}-{:04x}-4{:03x}-{:04x}-{:012x}", a >> 32, (a >> 16) & 0xffff, a & 0xfff,
                     ((b >> 48) & 0x3fff) | 0x8000, b & 0xffffffffffffull);
}

Result<std::optional<NodeSelector>> AllocationNodeSelector(const std::vector<PlacedDevice>& devices,
                                                           const Node& node) {
  NodeSelectorTerm merged;
  auto merge = [](std::vector<NodeSelectorRequirement>& into,
                  const std::vector<NodeSelectorRequirement>& from) {
    for (const NodeSelectorRequirement& req : from) {
      auto same = [&](const NodeSelectorRequirement& o) {
        if (o.key != req.key || o.op != req.op) return false;
        std::set<std::string> a(o.values.begin(), o.values.end());
        std::set<std::string> b(req.values.begin(), req.values.end());
        return a == b;
      };
      if (std::none_of(into.begin(), into.end(), same)) into.push_back(req);
    }
  };
  for (const PlacedDevice& d : devices) {
    const ResourceSliceSpec& s = d.slice->spec;
    const bool per_device = s.per_device_node_selection.value_or(false);
    const std::optional<std::string>& name = per_device ? d.device->node_name : s.node_name;
    if (name || d.device->binds_to_node.value_or(false)) {
      NodeSelector pinned;
      pinned.node_selector_terms.push_back(
          NodeSelectorTerm{{}, {{"metadata.name", "In", {node.name()}}}});
      return std::optional<NodeSelector>(pinned);
    }
    const std::optional<NodeSelector>& sel = per_device ? d.device->node_selector : s.node_selector;
    if (!sel) continue;
    if (sel->node_selector_terms.size() != 1) {
      return Fail(ErrorCode::kInvalidInput,
                  fmt::format("device {}: a node selector with {} terms cannot be merged into the "
                              "allocation's node selector",
                              d.id, sel->node_selector_terms.size()));
    }
    merge(merged.match_expressions, sel->node_selector_terms[0].match_expressions);
    merge(merged.match_fields, sel->node_selector_terms[0].match_fields);
  }
  if (merged.match_expressions.empty() && merged.match_fields.empty()) {
    return std::optional<NodeSelector>();
  }
  NodeSelector out;
  out.node_selector_terms.push_back(std::move(merged));
  return std::optional<NodeSelector>(std::move(out));
}

CelDevice CelDeviceOf(const Device& device, const std::string& driver) {
  CelDevice view;
  view.driver = driver;
  for (const auto& [name, value] : device.attributes) {
    auto [domain, id] = SplitQualifiedName(name, driver);
    view.attributes[domain][id] = value;
  }
  for (const auto& [name, cap] : device.capacity) {
    auto [domain, id] = SplitQualifiedName(name, driver);
    view.capacity[domain][id] = cap.value;
  }
  view.allow_multiple_allocations = device.allow_multiple_allocations.value_or(false);
  return view;
}

}  // namespace aiinfra::dra
