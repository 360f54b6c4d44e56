// The constraint and overlap part of Diagnose (explain_internal.h).
#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <numeric>
#include <set>

#include "dra/device_rules.h"
#include "dra/explain_internal.h"
#include "dra/values.h"

namespace aiinfra::dra::explain_internal {
namespace {

// "request 'a'", "requests 'a' and 'b'", "requests 'a', 'b' and 'c'".
std::string RequestsPhrase(const std::vector<std::string>& names) {
  std::string out = names.size() == 1 ? "request " : "requests ";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += i + 1 == names.size() ? " and " : ", ";
    out += "'" + names[i] + "'";
  }
  return out;
}

std::string ValueText(const AttributeValue& v) {
  switch (v.kind) {
    case AttributeValue::Kind::kInt:
      return std::to_string(v.int_value);
    case AttributeValue::Kind::kBool:
      return v.bool_value ? "true" : "false";
    case AttributeValue::Kind::kString:
    case AttributeValue::Kind::kVersion:
      return v.string_value;
    case AttributeValue::Kind::kUnset:
      break;
  }
  return "(unset)";
}

// Equal keys for equal values: the constraints compare kind and value (spec 2.6).
std::string ValueKey(const AttributeValue& v) {
  return std::to_string(static_cast<int>(v.kind)) + ":" + ValueText(v);
}

// Whether constraint `k` applies to request `r` (spec 2.6: by request or by req/sub).
bool Applies(const DeviceConstraint& k, const RequestUsable& r) {
  if (k.requests.empty()) return true;
  return std::any_of(k.requests.begin(), k.requests.end(),
                     [&](const std::string& n) { return n == r.request || n == r.name; });
}

// One constraint's subjects and their usable devices grouped by the attribute's value.
struct Grouping {
  std::vector<const RequestUsable*> subjects;
  std::vector<std::string> names;
  int64_t need = 0;
  int64_t offer = 0;                                     // what the subjects offer alone
  std::vector<std::map<std::string, int64_t>> by_value;  // per subject: value key -> devices
  std::vector<int64_t> missing;                          // per subject: devices lacking it
  std::vector<std::string> order;                        // value keys, first seen first
  std::map<std::string, std::string> text;               // value key -> as printed

  // Devices of subject `s` that value `key` offers, up to what it needs.
  int64_t Offer(const std::string& key, size_t s) const {
    auto it = by_value[s].find(key);
    return std::min(it == by_value[s].end() ? 0 : it->second, subjects[s]->need);
  }
};

Grouping Group(const DeviceConstraint& k, const std::string& attr,
               const std::vector<RequestUsable>& requests) {
  Grouping g;
  for (const RequestUsable& r : requests) {
    if (Applies(k, r)) g.subjects.push_back(&r);
  }
  g.by_value.resize(g.subjects.size());
  g.missing.resize(g.subjects.size());
  for (size_t s = 0; s < g.subjects.size(); ++s) {
    g.need += g.subjects[s]->need;
    g.offer += g.subjects[s]->offer;
    g.names.push_back(g.subjects[s]->name);
    for (const UsableDevice& d : g.subjects[s]->usable) {
      const AttributeValue* v = LookupAttribute(*d.device, *d.driver, attr);
      if (!v) {
        ++g.missing[s];
        continue;
      }
      const std::string key = ValueKey(*v);
      if (!g.text.contains(key)) {
        g.order.push_back(key);
        g.text[key] = ValueText(*v);
      }
      ++g.by_value[s][key];
    }
  }
  return g;
}

}  // namespace

void ConstraintReasons(const std::vector<DeviceConstraint>& constraints,
                       const std::vector<RequestUsable>& requests,
                       std::vector<std::string>& reasons, int64_t& offered) {
  const int64_t everything = offered;
  for (const DeviceConstraint& k : constraints) {
    const bool match = k.match_attribute.has_value();
    if (!match && !k.distinct_attribute) continue;
    const std::string& attr = match ? *k.match_attribute : *k.distinct_attribute;
    const Grouping g = Group(k, attr, requests);
    if (g.subjects.empty()) continue;
    const int64_t rest = everything - g.offer;  // what the requests outside it offer
    const std::string who = RequestsPhrase(g.names);
    const char* verb = g.names.size() == 1 ? "needs" : "need";
    // Devices without the attribute can never satisfy the constraint; worth a line of its own
    // when they are why the best value falls short.
    auto lacking = [&] {
      for (size_t s = 0; s < g.subjects.size(); ++s) {
        if (g.missing[s] == 0) continue;
        reasons.push_back(fmt::format("{} of request '{}' {} {}",
                                      Count(g.missing[s], "usable device", "usable devices"),
                                      g.names[s], g.missing[s] == 1 ? "lacks" : "lack", attr));
      }
    };
    if (!match) {
      const int64_t distinct = static_cast<int64_t>(g.order.size());
      if (distinct >= g.need) continue;
      reasons.push_back(fmt::format("{} {} {} with distinct {}; the usable devices have {}", who,
                                    verb, g.need, attr,
                                    Count(distinct, "distinct value", "distinct values")));
      lacking();
      offered = std::min(offered, rest + distinct);
      continue;
    }
    if (g.order.empty()) {
      reasons.push_back(
          fmt::format("{} {} {} sharing {}; no usable device has it", who, verb, g.need, attr));
      offered = std::min(offered, rest);
      continue;
    }
    // The value whose devices come closest to serving every subject (the first on a tie).
    std::string best;
    int64_t best_offer = -1;
    for (const std::string& key : g.order) {
      int64_t sum = 0;
      for (size_t s = 0; s < g.subjects.size(); ++s) sum += g.Offer(key, s);
      if (sum > best_offer) {
        best = key;
        best_offer = sum;
      }
    }
    if (best_offer >= g.need) continue;  // holds on its own
    // Name the requests the best value leaves short; the others are what they must share with.
    std::vector<std::string> short_names, other_names;
    int64_t short_need = 0, short_offer = 0;
    for (size_t s = 0; s < g.subjects.size(); ++s) {
      if (g.Offer(best, s) < g.subjects[s]->need) {
        short_names.push_back(g.names[s]);
        short_need += g.subjects[s]->need;
        short_offer += g.Offer(best, s);
      } else {
        other_names.push_back(g.names[s]);
      }
    }
    reasons.push_back(fmt::format(
        "{} {} {} sharing {}{}; the best {} ({}) offers {}", RequestsPhrase(short_names),
        short_names.size() == 1 ? "needs" : "need", short_need, attr,
        other_names.empty() ? "" : " with " + RequestsPhrase(other_names),
        SplitQualifiedName(attr, "").second, g.text.at(best), short_offer));
    lacking();
    offered = std::min(offered, rest + best_offer);
  }
}

void OverlapReasons(const std::vector<RequestUsable>& requests, std::vector<std::string>& reasons,
                    int64_t& offered) {
  // Requests are grouped when their usable devices intersect (a device serves one request of
  // the claim, spec 2.5). Shared devices may serve several, so groups with one are left out.
  const size_t n = requests.size();
  std::vector<size_t> root(n);
  std::iota(root.begin(), root.end(), 0);
  auto find = [&](size_t r) {
    while (root[r] != r) r = root[r] = root[root[r]];
    return r;
  };
  std::map<const Device*, size_t> first_user;
  std::set<size_t> with_shared;
  for (size_t r = 0; r < n; ++r) {
    for (const UsableDevice& d : requests[r].usable) {
      if (d.shared) with_shared.insert(r);
      auto [it, fresh] = first_user.emplace(d.device, r);
      if (!fresh) root[find(r)] = find(it->second);
    }
  }
  const int64_t everything = offered;
  for (size_t g = 0; g < n; ++g) {
    if (find(g) != g) continue;
    std::vector<std::string> names;
    std::set<const Device*> devices;
    int64_t need = 0;
    bool shared = false;
    for (size_t r = 0; r < n; ++r) {
      if (find(r) != g) continue;
      names.push_back(requests[r].name);
      for (const UsableDevice& d : requests[r].usable) devices.insert(d.device);
      need += requests[r].need;
      shared |= with_shared.contains(r);
    }
    const int64_t have = static_cast<int64_t>(devices.size());
    if (names.size() < 2 || shared || have >= need) continue;
    reasons.push_back(fmt::format(
        "each request fits alone but not together: {} need {} devices and only {} usable {} them",
        RequestsPhrase(names), need, have, have == 1 ? "device serves" : "devices serve"));
    offered = std::min(offered, everything - need + have);
  }
}

}  // namespace aiinfra::dra::explain_internal
