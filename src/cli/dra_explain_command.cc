// `aiinfra dra explain`: why each pending ResourceClaim of the input can or cannot be allocated,
// node by node, in a user's terms (dra/explain.h).
#include <fmt/format.h>

#include "cli/app.h"
#include "cli/dra_inputs.h"
#include "dra/explain.h"
#include "dra/features.h"
#include "dra/manifest.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

Json CountsJson(const dra::RequestCounts& c) {
  Json j{{"request", c.request},
         {"device_class", c.device_class},
         {"all", c.all},
         {"needed", c.needed},
         {"matching", c.matching},
         {"allocated", c.allocated},
         {"rejected", c.rejected},
         {"selector_errors", c.selector_errors},
         {"binding", c.binding},
         {"no_capacity", c.no_capacity},
         {"counters_off", c.counters_off},
         {"no_counters", c.no_counters},
         {"tainted", c.tainted},
         {"usable", c.usable}};
  if (!c.taints.empty()) j["taints"] = c.taints;
  if (!c.error.empty()) j["error"] = c.error;
  return j;
}

Json NodeJson(const dra::NodeExplanation& n) {
  Json j{{"node", n.node},
         {"verdict", dra::VerdictName(n.verdict)},
         {"offered", n.offered},
         {"needed", n.needed},
         {"reasons", n.reasons}};
  if (n.verdict == dra::Verdict::kFits) {
    Json devices = Json::array();
    for (const dra::DeviceChoice& d : n.devices) {
      devices.push_back(Json{{"request", d.request}, {"device", d.device}});
    }
    j["devices"] = devices;
  }
  if (!n.requests.empty()) {
    Json requests = Json::array();
    for (const dra::RequestCounts& c : n.requests) requests.push_back(CountsJson(c));
    j["requests"] = requests;
  }
  return j;
}

Json ClaimJson(const dra::ClaimExplanation& c) {
  const char* status = !c.problem.empty() ? "unresolved"
                       : c.HasError()     ? "error"
                       : c.FitCount() > 0 ? "fits"
                                          : "unsatisfiable";
  Json j{{"namespace", c.ns}, {"name", c.name}};
  if (!c.pod.empty()) {
    j["pod"] = c.pod;
    j["pod_claim"] = c.pod_claim;
  }
  j["status"] = status;
  j["summary"] = c.Summary();
  j["fits_on"] = c.FitCount();
  j["nodes_total"] = c.nodes.size();
  if (const dra::NodeExplanation* best = c.BestNode()) j["best_node"] = best->node;
  Json nodes = Json::array();
  for (const dra::NodeExplanation& n : c.nodes) nodes.push_back(NodeJson(n));
  j["nodes"] = nodes;
  return j;
}

Result<Output> DraExplain(Invocation& inv) {
  AIINFRA_TRY(dra::Features features, DraFeatures(inv));
  AIINFRA_TRY(dra::Objects objects, ReadDraManifests(inv));
  std::vector<const dra::Node*> nodes;
  dra::Node named;
  if (inv.Has("node")) {
    AIINFRA_TRY(named, NamedNode(objects, inv.Get("node")));
    nodes.push_back(&named);
  } else {
    for (const dra::Node& n : objects.nodes) nodes.push_back(&n);
    if (nodes.empty()) {
      return Fail(ErrorCode::kInvalidInput,
                  "no Node objects were given; add the nodes (kubectl get nodes -o yaml, or "
                  "aiinfra dra slices) or name one with --node");
    }
  }
  const std::vector<dra::ClaimExplanation> claims = dra::ExplainClaims(objects, features, nodes);

  Json list = Json::array();
  for (const dra::ClaimExplanation& c : claims) list.push_back(ClaimJson(c));
  Output o{.data = Json{{"features", features.Names()}, {"claims", list}}};
  const std::string text = claims.empty() ? "no pending claims\n" : dra::FormatExplanations(claims);
  o.table = [text](std::ostream& os) { os << text; };

  // A claim that fits nowhere still gets its report: printed, then the failure (exit 4, or 3
  // when the allocator fails with an error).
  std::vector<std::string> failed, broken;
  for (const dra::ClaimExplanation& c : claims) {
    const std::string name = c.ns + "/" + c.name;
    if (c.HasError()) {
      broken.push_back(name);
    } else if (c.FitCount() == 0) {
      failed.push_back(name);
    }
  }
  auto join = [](const std::vector<std::string>& names) {
    std::string out;
    for (const std::string& n : names) out += (out.empty() ? "" : ", ") + n;
    return out;
  };
  if (!broken.empty()) {
    o.failure = Error{ErrorCode::kInvalidInput,
                      fmt::format("{} cannot be allocated: the allocator fails with an error "
                                  "(see above)",
                                  join(broken)),
                      {}};
  } else if (!failed.empty()) {
    o.failure =
        Error{ErrorCode::kNoResult,
              fmt::format("{} {} on no node", join(failed), failed.size() == 1 ? "fits" : "fit"),
              {}};
  }
  return o;
}

}  // namespace

void RegisterDraExplainCommand(CommandTable& table) {
  table.Add({
      .path = {"dra", "explain"},
      .summary = "Explain, node by node, why pending ResourceClaims can or cannot be allocated",
      .description =
          "Takes every pending claim of the input (claims without status.allocation, and the "
          "claims of pods without spec.nodeName, those from a ResourceClaimTemplate generated "
          "as the ResourceClaim controller names them) and runs the allocator on each node for "
          "each claim alone, against the devices the allocated claims hold. Where a claim does "
          "not fit, it says why in a user's terms: per request the devices on the node that "
          "match the class, how many of them are already allocated, rejected by the request's "
          "selectors, tainted, without capacity or counters, and how many are usable; pools "
          "being updated or invalid; for matchAttribute the best attribute value and what it "
          "offers; for distinctAttribute the distinct values there are.\n\n"
          "Text output gives each claim a summary (fits on K of N nodes, or the best node and "
          "how many of the devices it needs it offers) and groups the nodes with identical "
          "reasons; -o json|yaml give claims, nodes, reasons and the counts per request. Exit "
          "0 when every claim fits on some node, 4 when one fits on none (the report is still "
          "printed), 3 on invalid input (including the allocator's fatal errors). --features "
          "as for `dra allocate`.",
      .options = {{.name = "node", .value_name = "NAME", .help = "only this node"},
                  DraFeaturesOption(),
                  DraFileOption("manifests (repeat -f for several files)")},
      .examples = {"aiinfra dra explain -f cluster.yaml -f claims.yaml",
                   "aiinfra dra explain --node node-3 -f all.yaml -o json"},
      .handler = DraExplain,
  });
}

}  // namespace aiinfra::cli
