// ExplainClaims, the claim summaries and the text report (explain.h).
#include <fmt/format.h>

#include <deque>
#include <map>
#include <optional>

#include "dra/explain.h"
#include "dra/explain_internal.h"
#include "dra/pools.h"
#include "dra/scheduler.h"
#include "dra/selector_cache.h"

namespace aiinfra::dra {
namespace {

using explain_internal::Count;

std::string Key(const std::string& ns, const std::string& name) { return ns + "/" + name; }

// What a group of nodes shares in the text report: the verdict and every reason.
std::string GroupKey(const NodeExplanation& n) {
  std::string key = VerdictName(n.verdict);
  if (n.verdict == Verdict::kFits) return key;
  for (const std::string& r : n.reasons) key += "\n" + r;
  return key;
}

}  // namespace

int ClaimExplanation::FitCount() const {
  int n = 0;
  for (const NodeExplanation& node : nodes) n += node.verdict == Verdict::kFits;
  return n;
}

bool ClaimExplanation::HasError() const {
  if (!problem.empty()) return true;
  for (const NodeExplanation& node : nodes) {
    if (node.verdict == Verdict::kError) return true;
  }
  return false;
}

const NodeExplanation* ClaimExplanation::BestNode() const {
  const NodeExplanation* best = nullptr;
  for (const NodeExplanation& n : nodes) {
    if (n.verdict == Verdict::kFits) return &n;
    if (n.verdict == Verdict::kError) continue;
    // Closest first: the fewest devices short, then the most offered.
    if (!best || n.needed - n.offered < best->needed - best->offered ||
        (n.needed - n.offered == best->needed - best->offered && n.offered > best->offered)) {
      best = &n;
    }
  }
  return best;
}

std::string ClaimExplanation::Summary() const {
  if (!problem.empty()) return problem;
  const int total = static_cast<int>(nodes.size());
  if (total == 0) return "no nodes to place it on";
  const std::string of_nodes = Count(total, "node", "nodes");
  int errors = 0;
  const NodeExplanation* first_error = nullptr;
  for (const NodeExplanation& n : nodes) {
    if (n.verdict != Verdict::kError) continue;
    ++errors;
    if (!first_error) first_error = &n;
  }
  if (first_error) {
    const std::string message = first_error->reasons.empty() ? "" : first_error->reasons.front();
    if (errors == total) return "the allocator fails with an error: " + message;
    return fmt::format("the allocator fails with an error on {} of {} (first: {}): {}", errors,
                       of_nodes, first_error->node, message);
  }
  const int fits = FitCount();
  if (fits > 0) {
    return fmt::format("fits on {} of {} (first: {})", fits, of_nodes, BestNode()->node);
  }
  const NodeExplanation* best = BestNode();
  const std::string which = total == 1 ? best->node : fmt::format("the best node, {},", best->node);
  if (best->offered >= best->needed) {
    return fmt::format("fits on none of {}; {} has all {} it needs, but not together", of_nodes,
                       which, Count(best->needed, "device", "devices"));
  }
  return fmt::format("fits on none of {}; {} offers {} of the {} it needs", of_nodes, which,
                     best->offered, Count(best->needed, "device", "devices"));
}

std::vector<ClaimExplanation> ExplainClaims(const Objects& objects, const Features& features,
                                            const std::vector<const Node*>& nodes) {
  AllocatorInput in;
  in.features = features;
  in.classes = &objects.device_classes;
  in.slices = &objects.resource_slices;
  in.allocated = AllocatedStateOf(objects.resource_claims);
  const SliceIndex index(objects.resource_slices);
  SelectorCache selectors;
  in.index = &index;
  in.selectors = &selectors;

  std::vector<ClaimExplanation> out;
  std::vector<const ResourceClaim*> claims;  // parallel to `out`; nullptr with a problem
  std::map<std::string, size_t> listed;      // ns/name -> index in `out`
  std::deque<ResourceClaim> generated;       // stable addresses
  auto add = [&](const ResourceClaim* claim, const std::string& ns, const std::string& name) {
    listed[Key(ns, name)] = out.size();
    out.push_back(ClaimExplanation{.ns = ns, .name = name});
    claims.push_back(claim);
    return &out.back();
  };
  for (const ResourceClaim& c : objects.resource_claims) {
    if (!c.status.allocation) add(&c, c.metadata.ns, c.metadata.name);
  }
  for (const Pod& pod : objects.pods) {
    if (!pod.node_name.empty()) continue;
    const std::string& ns = pod.metadata.ns;
    for (const PodResourceClaim& pc : pod.resource_claims) {
      std::string name;
      if (pc.resource_claim_name) {
        name = *pc.resource_claim_name;
      } else if (pc.resource_claim_template_name) {
        name = GeneratedClaimName(ns, pod.metadata.name, pc.name);
      } else {
        continue;  // neither: the API server refuses it; nothing to allocate
      }
      ClaimExplanation* entry = nullptr;
      if (auto it = listed.find(Key(ns, name)); it != listed.end()) {
        entry = &out[it->second];
      } else if (const ResourceClaim* existing = objects.FindResourceClaim(ns, name)) {
        if (existing->status.allocation) continue;  // allocated: holds its devices
      } else if (pc.resource_claim_name) {
        entry = add(nullptr, ns, name);
        entry->problem =
            fmt::format("resourceclaim {} (pod claim {}) not found", Key(ns, name), pc.name);
      } else {
        const ResourceClaimTemplate* tmpl = nullptr;
        for (const ResourceClaimTemplate& t : objects.resource_claim_templates) {
          if (t.metadata.ns == ns && t.metadata.name == *pc.resource_claim_template_name) {
            tmpl = &t;
          }
        }
        if (!tmpl) {
          entry = add(nullptr, ns, name);
          entry->problem = fmt::format("resourceclaimtemplate {} (pod claim {}) not found",
                                       Key(ns, *pc.resource_claim_template_name), pc.name);
        } else {
          ResourceClaim& c = generated.emplace_back();
          c.metadata.name = name;
          c.metadata.ns = ns;
          c.spec = tmpl->spec;
          c.where = tmpl->where;
          entry = add(&c, ns, name);
        }
      }
      if (entry && entry->pod.empty()) {
        entry->pod = Key(ns, pod.metadata.name);
        entry->pod_claim = pc.name;
      }
    }
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (!claims[i]) continue;
    for (const Node* node : nodes) out[i].nodes.push_back(Diagnose(in, *node, *claims[i]));
  }
  return out;
}

std::string NodeList(const std::vector<std::string>& names) {
  if (names.empty()) return "";
  if (names.size() > 3) {
    return fmt::format("{}, {} and {} more", names[0], names[1], names.size() - 2);
  }
  std::string out = names[0];
  for (size_t i = 1; i < names.size(); ++i) {
    out += (i + 1 == names.size() ? " and " : ", ") + names[i];
  }
  return out;
}

std::string FormatExplanations(const std::vector<ClaimExplanation>& claims) {
  std::string out;
  for (const ClaimExplanation& c : claims) {
    if (!out.empty()) out += "\n";
    out += "claim " + Key(c.ns, c.name);
    if (!c.pod.empty()) out += fmt::format(" (pod {}, claim {})", c.pod, c.pod_claim);
    out += ": " + c.Summary() + "\n";
    // Groups of nodes with the same verdict and reasons, in order of their first node.
    std::vector<std::string> keys;
    std::map<std::string, std::vector<const NodeExplanation*>> groups;
    for (const NodeExplanation& n : c.nodes) {
      const std::string key = GroupKey(n);
      auto& group = groups[key];
      if (group.empty()) keys.push_back(key);
      group.push_back(&n);
    }
    for (const std::string& key : keys) {
      const std::vector<const NodeExplanation*>& group = groups[key];
      std::vector<std::string> names;
      for (const NodeExplanation* n : group) names.push_back(n->node);
      const NodeExplanation& first = *group.front();
      std::vector<std::string> lines = first.reasons;
      if (first.verdict == Verdict::kFits) {
        lines = {"fits"};
      } else if (first.verdict == Verdict::kError) {
        for (std::string& l : lines) l = "error: " + l;
      }
      if (lines.size() == 1) {
        out += fmt::format("  {}: {}\n", NodeList(names), lines.front());
        continue;
      }
      out += fmt::format("  {}:\n", NodeList(names));
      for (const std::string& l : lines) out += "    " + l + "\n";
    }
  }
  return out;
}

}  // namespace aiinfra::dra
