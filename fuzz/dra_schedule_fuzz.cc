// Fuzz target for the allocation path: manifests read with validation, then dra::Scheduler
// places every pending pod and dra::ExplainClaims explains every pending claim, with all
// allocator features on (so counters, capacity, taints, binding conditions are reached).
//
// Checked: never a crash; a placed pod's claims are all allocated and reserved for it, and each
// allocation's nodeSelector (if any) matches the pod's node; no device is held by two claims
// that the scheduler allocated, or by one it allocated and one the input did, unless a result is
// admin access or shared (shareID); every explanation has a summary, and every node that does
// not fit the claim gives a reason.
// Inputs are capped so that one run stays fast (the allocator's search is exponential by
// nature; its time limits are not what this target is about).
#include <cstddef>
#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <string_view>

#include "dra/explain.h"
#include "dra/features.h"
#include "dra/manifest.h"
#include "dra/scheduler.h"
#include "fuzz_check.h"

namespace {

using namespace aiinfra::dra;

constexpr std::string_view kTarget = "dra_schedule_fuzz";
constexpr size_t kMaxInput = 16 * 1024;
constexpr size_t kMaxObjects = 24;

[[noreturn]] void Finding(const std::string& what, std::string_view input) {
  aiinfra::fuzz::Finding(kTarget, what, input);
}

Features AllFeatures() {
  Features f;
  f.admin_access = f.prioritized_list = f.partitionable_devices = f.device_taints = true;
  f.consumable_capacity = f.device_binding_and_status = true;
  return f;
}

std::string Key(const ResourceClaim& c) { return c.metadata.ns + "/" + c.metadata.name; }

void CheckPlacements(const Scheduler& s, const std::vector<Placement>& placements,
                     const std::set<std::string>& preallocated, std::string_view input) {
  std::map<std::string, const ResourceClaim*> claims;
  for (const ResourceClaim* c : s.Claims()) claims[c->metadata.ns + "/" + c->metadata.name] = c;
  for (const Placement& p : placements) {
    if (!p.scheduled()) {
      if (p.message.empty()) Finding("an unscheduled pod without a message", input);
      continue;
    }
    const Node* node = s.cluster().FindNode(p.node);
    if (!node) Finding("a pod placed on a node that does not exist: " + p.node, input);
    for (const std::string& key : p.claims) {
      const ResourceClaim* c = claims.at(key);
      if (!c->status.allocation) Finding("a placed pod's claim is not allocated: " + key, input);
      const auto& selector = c->status.allocation->node_selector;
      if (selector && !selector->Matches(*node)) {
        Finding("claim " + key + " is used on a node its allocation excludes", input);
      }
      bool reserved = false;
      for (const auto& r : c->status.reserved_for) reserved |= r.name == p.pod_name;
      if (!reserved) Finding("claim " + key + " is not reserved for its pod", input);
    }
  }
  // Devices held exclusively: first by the claims the input allocated (the input may even give
  // one device to two of them; that is its business), then by those the scheduler allocated,
  // which must not take a held device.
  std::map<std::string, std::string> holder;  // device -> claim
  auto exclusive = [](const ResourceClaim& c) {
    std::vector<std::string> ids;
    for (const auto& r : c.status.allocation->devices.results) {
      if (r.admin_access.value_or(false) || r.share_id) continue;
      ids.push_back(r.driver + "/" + r.pool + "/" + r.device);
    }
    return ids;
  };
  for (const ResourceClaim* c : s.Claims()) {
    if (!c->status.allocation || !preallocated.contains(Key(*c))) continue;
    for (const std::string& id : exclusive(*c)) holder.emplace(id, Key(*c));
  }
  for (const ResourceClaim* c : s.Claims()) {
    if (!c->status.allocation || preallocated.contains(Key(*c))) continue;
    for (const std::string& id : exclusive(*c)) {
      auto [it, fresh] = holder.emplace(id, Key(*c));
      if (!fresh) Finding("device " + id + " held by " + it->second + " and " + Key(*c), input);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size > kMaxInput) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto objects = ReadManifests({ManifestFile{"fuzz.yaml", std::string(input)}});
  if (!objects) return 0;  // the reader's own target checks its errors
  const size_t count = objects->device_classes.size() + objects->resource_slices.size() +
                       objects->resource_claims.size() + objects->resource_claim_templates.size() +
                       objects->nodes.size() + objects->pods.size();
  if (count > kMaxObjects) return 0;

  std::vector<const Node*> nodes;
  for (const Node& n : objects->nodes) nodes.push_back(&n);
  for (const ClaimExplanation& e : ExplainClaims(*objects, AllFeatures(), nodes)) {
    if (e.Summary().empty()) Finding("an explanation without a summary", input);
    for (const NodeExplanation& n : e.nodes) {
      if (n.verdict != Verdict::kFits && n.reasons.empty()) {
        Finding("node " + n.node + " does not fit claim " + e.name + " and gives no reason", input);
      }
    }
  }

  std::set<std::string> preallocated;
  for (const ResourceClaim& c : objects->resource_claims) {
    if (c.status.allocation) preallocated.insert(Key(c));
  }
  SchedulerOptions options;
  options.features = AllFeatures();
  auto scheduler = Scheduler::Create(std::move(*objects), options);
  if (!scheduler) {
    aiinfra::fuzz::CheckError(kTarget, "Scheduler::Create", scheduler.error(),
                              {aiinfra::ErrorCode::kInvalidInput}, input);
    return 0;
  }
  std::vector<Placement> placements = scheduler->ScheduleAll();
  CheckPlacements(*scheduler, placements, preallocated, input);
  return 0;
}
