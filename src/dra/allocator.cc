#include "dra/allocator.h"

#include <fmt/format.h>

#include <algorithm>
#include <memory>
#include <optional>

#include "dra/cel.h"
#include "dra/device_rules.h"
#include "dra/pools.h"

namespace aiinfra::dra {
namespace {

constexpr size_t kMaxDevicesPerClaim = 32;

struct Candidate {
  int pool = 0;
  const ResourceSlice* slice = nullptr;
  const Device* device = nullptr;
  DeviceId id;
  bool allocated = false;                  // held by an already-allocated claim
  mutable std::unique_ptr<CelDevice> cel;  // built on first selector evaluation
};

// One way to satisfy a request: the request itself (exactly) or one of its subrequests.
struct Alternative {
  int index = 0;        // for the selectable cache
  std::string name;     // "req" or "req/sub": the result's `request`
  std::string request;  // "req"
  const DeviceRequestSlot* slot = nullptr;
  const DeviceClass* device_class = nullptr;
  bool admin = false;
  bool all = false;
  size_t count = 0;  // devices it needs (All: the precomputed list's size)
  std::vector<int> all_devices;
};

struct RequestPlan {
  std::string name;
  std::vector<Alternative> alternatives;
};

struct ClaimPlan {
  const ResourceClaim* claim = nullptr;
  std::vector<RequestPlan> requests;
};

struct Pick {
  int candidate = 0;
  const Alternative* alternative = nullptr;
  bool shared = false;  // allowMultipleAllocations under ConsumableCapacity: not marked in use
  std::map<std::string, Quantity> consumption;                           // capacity, by name
  std::map<std::string, std::map<std::string, Quantity>> counter_delta;  // set -> counter
};

std::string ClaimName(const ResourceClaim& c) { return c.metadata.name; }

Error Fatal(std::string message) { return Error{ErrorCode::kInvalidInput, std::move(message), {}}; }

class Allocator {
 public:
  Allocator(const AllocatorInput& in, const std::vector<DeviceClass>& classes,
            const SliceIndex& index, SelectorCache& selectors, const Node& node)
      : in_(in), classes_(classes), selectors_(selectors), node_(node) {
    pools_ = GatherPools(index, node, in.features);
    for (size_t p = 0; p < pools_.size(); ++p) {
      if (!pools_[p].usable()) continue;
      for (const ResourceSlice* s : pools_[p].device_slices) {
        for (const Device& d : s->spec.devices) {
          Candidate c;
          c.pool = static_cast<int>(p);
          c.slice = s;
          c.device = &d;
          c.id = DeviceId{pools_[p].driver, pools_[p].name, d.name};
          c.allocated = in.allocated.devices.contains(c.id);
          any_shared_ |=
              in.features.consumable_capacity && d.allow_multiple_allocations.value_or(false);
          candidates_.push_back(std::move(c));
        }
      }
      ComputeAvailableCounters(p);
    }
    used_.assign(candidates_.size(), 0);
    share_count_.assign(candidates_.size(), 0);
    taken_.resize(candidates_.size());
  }

  Result<AllocationOutput> Run(const std::vector<const ResourceClaim*>& claims) {
    for (const ResourceClaim* c : claims) AIINFRA_CHECK_OK(Plan(*c));
    selectable_.assign(candidates_.size() * static_cast<size_t>(alternatives_), 0);
    // All-mode lists are computed up front (spec 2.7).
    for (ClaimPlan& cp : plans_) {
      for (RequestPlan& rp : cp.requests) {
        for (Alternative& a : rp.alternatives) {
          if (a.all) AIINFRA_CHECK_OK(PrepareAll(*cp.claim, a));
        }
      }
    }
    ComputeSlotBounds();
    AllocationOutput out;
    picks_.assign(plans_.size(), {});
    const bool found = SearchClaim(0);
    if (fatal_) return std::unexpected(*fatal_);
    if (!found) {
      bool invalid = std::any_of(pools_.begin(), pools_.end(),
                                 [](const GatheredPool& p) { return p.invalid; });
      out.outcome = invalid ? AllocationOutcome::kNodeError : AllocationOutcome::kUnsatisfiable;
      if (invalid) out.node_error = "invalid resource pools were encountered";
      return out;
    }
    out.outcome = AllocationOutcome::kAllocated;
    for (size_t c = 0; c < plans_.size(); ++c) {
      AIINFRA_TRY(AllocationResult r, BuildResult(plans_[c], picks_[c]));
      out.results.push_back(std::move(r));
    }
    return out;
  }

 private:
  // ---- Validation (spec 2.3) ----

  Status Plan(const ResourceClaim& claim) {
    ClaimPlan cp;
    cp.claim = &claim;
    const std::string cname = ClaimName(claim);
    size_t lower_bound = 0;
    for (const DeviceRequest& req : claim.spec.devices.requests) {
      const std::string where = fmt::format("claim {}, request {}", cname, req.name);
      RequestPlan rp;
      rp.name = req.name;
      if (!req.first_available.empty() && !in_.features.prioritized_list) {
        return Fail(Fatal(where + ": has subrequests, but the DRAPrioritizedList feature is "
                                  "disabled"));
      }
      bool capacity = req.exactly && req.exactly->capacity.has_value();
      for (const DeviceSubRequest& s : req.first_available) capacity |= s.capacity.has_value();
      if (capacity && !in_.features.consumable_capacity) {
        return Fail(Fatal(where + ": has capacity requests, but the DRAConsumableCapacity "
                                  "feature is disabled"));
      }
      auto add = [&](const DeviceRequestSlot& slot, const std::string& name, bool admin) -> Status {
        for (const DeviceSelector& sel : slot.selectors) {
          if (!sel.cel) {
            return Fail(Fatal(where + ": CEL expression empty (unsupported selector type?)"));
          }
        }
        if (slot.device_class_name.empty()) {
          return Fail(Fatal(where + ": missing device class name (unsupported request type?)"));
        }
        Alternative a;
        a.index = alternatives_++;
        a.name = name;
        a.request = req.name;
        a.slot = &slot;
        a.admin = admin;
        for (const DeviceClass& dc : classes_) {
          if (dc.metadata.name == slot.device_class_name) a.device_class = &dc;
        }
        if (!a.device_class) {
          return Fail(Fatal(where + ": could not retrieve device class " + slot.device_class_name));
        }
        for (const DeviceSelector& sel : a.device_class->spec.selectors) {
          if (!sel.cel) {
            return Fail(Fatal("class " + slot.device_class_name +
                              ": CEL expression empty (unsupported selector type?)"));
          }
        }
        if (slot.allocation_mode == kAllocationModeExactCount) {
          a.count = static_cast<size_t>(std::max<int64_t>(slot.count, 0));
        } else if (slot.allocation_mode == kAllocationModeAll) {
          a.all = true;
        } else {
          return Fail(Fatal(where + ": unsupported count mode " + slot.allocation_mode));
        }
        rp.alternatives.push_back(std::move(a));
        return {};
      };
      if (req.exactly) {
        if (req.exactly->admin_access.has_value() && !in_.features.admin_access) {
          return Fail(Fatal(where + ": admin access is requested, but the feature is disabled"));
        }
        AIINFRA_CHECK_OK(add(*req.exactly, req.name, req.exactly->admin_access.value_or(false)));
      } else if (!req.first_available.empty()) {
        for (const DeviceSubRequest& s : req.first_available) {
          AIINFRA_CHECK_OK(add(s, req.name + "/" + s.name, false));
        }
      } else {
        return Fail(Fatal(where + ": unsupported request type"));
      }
      size_t least = SIZE_MAX;
      for (const Alternative& a : rp.alternatives) least = std::min(least, a.all ? 0 : a.count);
      lower_bound += least;
      cp.requests.push_back(std::move(rp));
    }
    if (lower_bound > kMaxDevicesPerClaim) {
      return Fail(
          Fatal(fmt::format("claim {}: number of requested devices {} exceeds the claim "
                            "limit of {}",
                            cname, lower_bound, kMaxDevicesPerClaim)));
    }
    const auto& constraints = claim.spec.devices.constraints;
    for (size_t i = 0; i < constraints.size(); ++i) {
      const DeviceConstraint& k = constraints[i];
      bool distinct = k.distinct_attribute && in_.features.consumable_capacity;
      if (!k.match_attribute && !distinct) {
        return Fail(
            Fatal(fmt::format("claim {}, constraint #{}: empty constraint (unsupported "
                              "constraint type?)",
                              cname, i)));
      }
    }
    plans_.push_back(std::move(cp));
    return {};
  }

  Status PrepareAll(const ResourceClaim& claim, Alternative& a) {
    const std::string where = fmt::format("claim {}, request {}", ClaimName(claim), a.request);
    for (const GatheredPool& p : pools_) {
      if (p.incomplete) {
        return Fail(Fatal(where + ": asks for all devices, but resource pool " + p.Id() +
                          " is currently being updated"));
      }
      if (p.invalid) {
        return Fail(Fatal(where + ": asks for all devices, but resource pool " + p.Id() +
                          " is currently invalid"));
      }
    }
    for (size_t i = 0; i < candidates_.size(); ++i) {
      bool ok = Selectable(static_cast<int>(i), a);
      if (fatal_) return std::unexpected(*fatal_);
      if (!ok) continue;
      if (in_.features.consumable_capacity &&
          !CapacityConsumption(*candidates_[i].device, candidates_[i].id.driver, *a.slot)) {
        continue;  // left out silently
      }
      a.all_devices.push_back(static_cast<int>(i));
    }
    a.count = a.all_devices.size();
    return {};
  }

  // ---- Eligibility (spec 2.4) ----

  const CelDevice& CelView(const Candidate& c) {
    if (!c.cel) c.cel = std::make_unique<CelDevice>(CelDeviceOf(*c.device, c.id.driver));
    return *c.cel;
  }

  // Runs one selector; a compile or runtime error is fatal (spec 2.4: CEL errors).
  bool RunSelector(const std::string& owner, size_t index, const std::string& expression,
                   const Candidate& c) {
    CelOptions options;
    options.consumable_capacity = in_.features.consumable_capacity;
    const Result<CelProgram>& program = selectors_.Compile(expression, options);
    if (!program) {
      fatal_ = Fatal(fmt::format("{}: selector #{}: {}", owner, index, program.error().message));
      return false;
    }
    const Result<bool>& r =
        selectors_.Evaluate(*program, *c.device, [&]() -> const CelDevice& { return CelView(c); });
    if (!r) {
      fatal_ = Fatal(
          fmt::format("{}: selector #{}: CEL runtime error: {}", owner, index, r.error().message));
      return false;
    }
    return *r;
  }

  bool Selectable(int candidate, const Alternative& a) {
    uint8_t& cached = selectable_[static_cast<size_t>(candidate) * alternatives_ + a.index];
    if (cached) return cached == 1;
    const Candidate& c = candidates_[candidate];
    bool ok = true;
    if (!in_.features.device_binding_and_status && !c.device->binding_conditions.empty()) {
      ok = false;
    }
    const auto& class_selectors = a.device_class->spec.selectors;
    for (size_t i = 0; ok && i < class_selectors.size(); ++i) {
      ok = RunSelector("class " + a.device_class->metadata.name, i, *class_selectors[i].cel, c);
    }
    for (size_t i = 0; ok && i < a.slot->selectors.size(); ++i) {
      ok = RunSelector("request " + a.name, i, *a.slot->selectors[i].cel, c);
    }
    if (ok && c.slice->spec.per_device_node_selection.value_or(false)) {
      ok = DeviceTargetsNode(*c.device, node_);
    }
    if (fatal_) return false;  // not cached: the error aborts the call
    cached = ok ? 1 : 2;
    return ok;
  }

  bool Shared(const Candidate& c) const {
    return in_.features.consumable_capacity && c.device->allow_multiple_allocations.value_or(false);
  }

  // Tries to take `candidate` for `a` in claim `claim`; on success records the pick.
  // `constraint_failed` tells an All-mode caller why a device was refused.
  bool TryTake(size_t claim, const Alternative& a, int candidate, bool* constraint_failed) {
    const Candidate& c = candidates_[candidate];
    const GatheredPool& pool = pools_[c.pool];
    if (!pool.usable()) return false;
    std::vector<Pick>& claim_picks = picks_[claim];
    // In use (step 2).
    if (a.admin) {
      for (const Pick& p : claim_picks) {
        if (p.candidate == candidate) return false;
      }
    } else if (!Shared(c) && (c.allocated || used_[candidate] > 0)) {
      return false;
    }
    if (!a.all && !Selectable(candidate, a)) return false;  // All lists are selectable already
    if (fatal_) return false;
    Pick pick;
    pick.candidate = candidate;
    pick.alternative = &a;
    pick.shared = Shared(c);
    // Capacity (step 4).
    if (in_.features.consumable_capacity) {
      auto consumption = CapacityConsumption(*c.device, c.id.driver, *a.slot);
      if (!consumption) return false;
      for (const auto& [name, q] : *consumption) {
        Quantity total = q.Add(taken_[candidate][name]);
        if (auto s = in_.allocated.shared_capacity.find(c.id);
            s != in_.allocated.shared_capacity.end()) {
          if (auto e = s->second.find(name); e != s->second.end()) total = total.Add(e->second);
        }
        if (c.device->capacity.at(name).value < total) return false;
      }
      pick.consumption = std::move(*consumption);
    }
    // Counters (steps 5-6).
    if (!c.device->consumes_counters.empty()) {
      if (!in_.features.partitionable_devices) return false;
      if (!pick.shared || share_count_[candidate] == 0) {
        for (const DeviceCounterConsumption& dc : c.device->consumes_counters) {
          for (const auto& [name, counter] : dc.counters) {
            pick.counter_delta[dc.counter_set][name] = counter.value;
          }
        }
        auto& consumed = consumed_[c.pool];
        for (const auto& [set, counters] : pick.counter_delta) {
          for (const auto& [name, q] : counters) {
            Quantity after = consumed[set][name].Add(q);
            if (available_[c.pool][set][name] < after) return false;
          }
        }
        // Any counter of the pool already over-committed blocks the device too.
        for (const auto& [set, counters] : available_[c.pool]) {
          for (const auto& [name, avail] : counters) {
            Quantity after = consumed[set][name];
            if (auto d = pick.counter_delta.find(set); d != pick.counter_delta.end()) {
              if (auto e = d->second.find(name); e != d->second.end()) after = after.Add(e->second);
            }
            if (avail < after) return false;
          }
        }
      }
    }
    // Taints (step 7).
    if (in_.features.device_taints) {
      for (const DeviceTaint& t : c.device->taints) {
        if (t.effect != "NoSchedule" && t.effect != "NoExecute") continue;
        if (!Tolerated(t, a.slot->tolerations)) return false;
      }
    }
    // Constraints (step 8).
    if (!ConstraintsAccept(claim, a, c)) {
      if (constraint_failed) *constraint_failed = true;
      return false;
    }
    // Take it.
    if (!pick.shared && used_[candidate]++ == 0 && !c.allocated) --free_;
    ++share_count_[candidate];
    for (const auto& [name, q] : pick.consumption) {
      taken_[candidate][name] = taken_[candidate][name].Add(q);
    }
    for (const auto& [set, counters] : pick.counter_delta) {
      for (const auto& [name, q] : counters) {
        consumed_[c.pool][set][name] = consumed_[c.pool][set][name].Add(q);
      }
    }
    claim_picks.push_back(std::move(pick));
    return true;
  }

  void Release(size_t claim) {
    Pick pick = std::move(picks_[claim].back());
    picks_[claim].pop_back();
    const Candidate& c = candidates_[pick.candidate];
    if (!pick.shared && --used_[pick.candidate] == 0 && !c.allocated) ++free_;
    --share_count_[pick.candidate];
    for (const auto& [name, q] : pick.consumption) {
      taken_[pick.candidate][name] = taken_[pick.candidate][name].Sub(q);
    }
    for (const auto& [set, counters] : pick.counter_delta) {
      for (const auto& [name, q] : counters) {
        consumed_[c.pool][set][name] = consumed_[c.pool][set][name].Sub(q);
      }
    }
  }

  static bool Applies(const DeviceConstraint& k, const Alternative& a) {
    if (k.requests.empty()) return true;
    return std::any_of(k.requests.begin(), k.requests.end(),
                       [&](const std::string& r) { return r == a.request || r == a.name; });
  }

  bool ConstraintsAccept(size_t claim, const Alternative& a, const Candidate& c) {
    for (const DeviceConstraint& k : plans_[claim].claim->spec.devices.constraints) {
      if (!Applies(k, a)) continue;
      const bool match = k.match_attribute.has_value();
      const std::string& name = match ? *k.match_attribute : *k.distinct_attribute;
      const AttributeValue* mine = LookupAttribute(*c.device, c.id.driver, name);
      if (!mine) return false;
      for (const Pick& p : picks_[claim]) {
        if (!Applies(k, *p.alternative)) continue;
        const Candidate& other = candidates_[p.candidate];
        const AttributeValue* theirs = LookupAttribute(*other.device, other.id.driver, name);
        if (!theirs) return false;
        if (match && !(*theirs == *mine)) return false;
        if (!match && *theirs == *mine) return false;
      }
    }
    return true;
  }

  // ---- Search (spec 2.5) ----

  bool SearchClaim(size_t claim) {
    if (claim == plans_.size()) return true;
    return SearchRequest(claim, 0);
  }

  bool SearchRequest(size_t claim, size_t request) {
    if (fatal_) return false;
    if (request == plans_[claim].requests.size()) return SearchClaim(claim + 1);
    // Early exit (spec section 4): every slot still to fill takes a device nobody holds, so
    // fewer free devices than slots cannot succeed. Without it a claim of 8 GPU+NIC pairs on a
    // node with 7 free GPUs tries all 7! orders of the GPUs before failing.
    if (!any_shared_ && free_ < slots_after_[claim][request]) return false;
    for (const Alternative& a : plans_[claim].requests[request].alternatives) {
      if (a.all && a.all_devices.empty()) continue;  // nothing matches: unsatisfiable
      if (picks_[claim].size() + a.count > kMaxDevicesPerClaim) continue;
      if (FillSlot(claim, request, a, 0, 0)) return true;
      if (fatal_) return false;
    }
    return false;
  }

  bool FillSlot(size_t claim, size_t request, const Alternative& a, size_t slot, size_t start) {
    if (slot == a.count) return SearchRequest(claim, request + 1);
    if (a.all) {
      const int candidate = a.all_devices[slot];
      bool constraint_failed = false;
      if (!TryTake(claim, a, candidate, &constraint_failed)) {
        if (constraint_failed && !fatal_) {
          fatal_ = Fatal(fmt::format(
              "claim {}, request {}: cannot add device {} because a claim constraint would not "
              "be satisfied",
              ClaimName(*plans_[claim].claim), a.name, candidates_[candidate].id.ToString()));
        }
        return false;
      }
      if (FillSlot(claim, request, a, slot + 1, 0)) return true;
      Release(claim);
      return false;
    }
    // Combinations: the next slot of this request resumes after this slot's device.
    for (size_t i = start; i < candidates_.size(); ++i) {
      if (!TryTake(claim, a, static_cast<int>(i), nullptr)) {
        if (fatal_) return false;
        continue;
      }
      if (FillSlot(claim, request, a, slot + 1, i + 1)) return true;
      Release(claim);
      if (fatal_) return false;
    }
    return false;
  }

  // ---- Results (spec 2.13, 2.14) ----

  Result<AllocationResult> BuildResult(const ClaimPlan& cp, const std::vector<Pick>& picks) {
    AllocationResult r;
    for (const Pick& p : picks) {
      const Candidate& c = candidates_[p.candidate];
      DeviceRequestAllocationResult d;
      d.request = p.alternative->name;
      d.driver = c.id.driver;
      d.pool = c.id.pool;
      d.device = c.id.device;
      if (p.alternative->admin) d.admin_access = true;
      d.tolerations = p.alternative->slot->tolerations;
      if (in_.features.device_binding_and_status) {
        d.binding_conditions = c.device->binding_conditions;
        d.binding_failure_conditions = c.device->binding_failure_conditions;
      }
      if (p.shared) {
        d.share_id = NextShareId();
        d.consumed_capacity = p.consumption;
      }
      r.devices.results.push_back(std::move(d));
    }
    AIINFRA_TRY(r.node_selector, NodeSelectorOf(picks));
    // Class configs, once per class, naming every request that used it; then claim configs.
    std::vector<std::pair<const DeviceClass*, size_t>> class_entries;  // class, first entry
    std::vector<std::string> chosen;  // the alternative chosen per request
    for (const RequestPlan& rp : cp.requests) {
      const Alternative* used = nullptr;
      for (const Pick& p : picks) {
        if (p.alternative->request == rp.name) used = p.alternative;
      }
      if (!used) {
        // A request that got no device (All with nothing, or count 0): its first alternative.
        if (rp.alternatives.empty()) continue;
        used = &rp.alternatives.front();
      }
      chosen.push_back(used->name);
      auto it = std::find_if(class_entries.begin(), class_entries.end(),
                             [&](const auto& e) { return e.first == used->device_class; });
      if (it == class_entries.end()) {
        class_entries.push_back({used->device_class, r.devices.config.size()});
        for (const DeviceClassConfiguration& cfg : used->device_class->spec.config) {
          r.devices.config.push_back({kConfigSourceFromClass, {used->name}, cfg.opaque});
        }
      } else {
        for (size_t i = 0; i < used->device_class->spec.config.size(); ++i) {
          r.devices.config[it->second + i].requests.push_back(used->name);
        }
      }
    }
    for (const DeviceClaimConfiguration& cfg : cp.claim->spec.devices.config) {
      bool include = cfg.requests.empty();
      for (const std::string& name : cfg.requests) {
        for (const RequestPlan& rp : cp.requests) include |= name == rp.name;
        include |= std::find(chosen.begin(), chosen.end(), name) != chosen.end();
      }
      if (include) r.devices.config.push_back({kConfigSourceFromClaim, cfg.requests, cfg.opaque});
    }
    return r;
  }

  Result<std::optional<NodeSelector>> NodeSelectorOf(const std::vector<Pick>& picks) {
    std::vector<PlacedDevice> placed;
    for (const Pick& p : picks) {
      const Candidate& c = candidates_[p.candidate];
      placed.push_back({c.slice, c.device, c.id.ToString()});
    }
    return AllocationNodeSelector(placed, node_);
  }

  // ---- Counters (spec 2.9) ----

  void ComputeAvailableCounters(size_t p) {
    auto& available = available_[static_cast<int>(p)];
    available = pools_[p].counters;
    auto subtract = [&](const ResourceSlice* s) {
      for (const Device& d : s->spec.devices) {
        if (!in_.allocated.devices.contains(DeviceId{pools_[p].driver, pools_[p].name, d.name})) {
          continue;
        }
        for (const DeviceCounterConsumption& dc : d.consumes_counters) {
          for (const auto& [name, counter] : dc.counters) {
            available[dc.counter_set][name] = available[dc.counter_set][name].Sub(counter.value);
          }
        }
      }
    };
    for (const ResourceSlice* s : pools_[p].device_slices) subtract(s);
    for (const ResourceSlice* s : pools_[p].other_device_slices) subtract(s);
  }

  // slots_after_[c][r]: the fewest free devices requests r.. of claim c and all later claims
  // need (an admin-access request may use devices others hold: it needs none).
  void ComputeSlotBounds() {
    free_ = 0;
    for (const Candidate& c : candidates_) free_ += c.allocated ? 0 : 1;
    slots_after_.assign(plans_.size(), {});
    size_t later = 0;
    for (size_t c = plans_.size(); c-- > 0;) {
      const auto& requests = plans_[c].requests;
      slots_after_[c].assign(requests.size() + 1, later);
      for (size_t r = requests.size(); r-- > 0;) {
        size_t least = SIZE_MAX;
        for (const Alternative& a : requests[r].alternatives) {
          least = std::min(least, a.admin ? 0 : a.count);
        }
        if (least == SIZE_MAX) least = 0;
        slots_after_[c][r] = slots_after_[c][r + 1] + least;
      }
      later = slots_after_[c][0];
    }
  }

  std::string NextShareId() { return ShareId(in_.share_seed, share_ids_++); }

  const AllocatorInput& in_;
  const std::vector<DeviceClass>& classes_;
  SelectorCache& selectors_;
  const Node& node_;
  std::vector<GatheredPool> pools_;
  std::vector<Candidate> candidates_;
  std::vector<ClaimPlan> plans_;
  int alternatives_ = 0;
  std::vector<uint8_t> selectable_;  // 0 unknown, 1 yes, 2 no; [candidate x alternative]
  std::optional<Error> fatal_;
  std::vector<std::vector<Pick>> picks_;  // per claim, in pick order
  // Picks holding each device in the partial solution: an admin-access pick may share a device
  // another claim took, so a count, not a set.
  std::vector<int> used_;                               // per candidate
  std::vector<int> share_count_;                        // per candidate
  std::vector<std::map<std::string, Quantity>> taken_;  // per candidate: capacity consumed
  bool any_shared_ = false;
  size_t free_ = 0;  // candidates neither allocated nor picked
  std::vector<std::vector<size_t>>
      slots_after_;  // a candidate may serve several slots: the slot bound is off
  std::map<int, std::map<std::string, std::map<std::string, Quantity>>> available_, consumed_;
  uint64_t share_ids_ = 0;
};

}  // namespace

void HoldAllocation(const AllocationResult& allocation, AllocatedState& state) {
  for (const DeviceRequestAllocationResult& r : allocation.devices.results) {
    if (r.admin_access.value_or(false)) continue;
    DeviceId id{r.driver, r.pool, r.device};
    if (r.share_id) {
      auto& sum = state.shared_capacity[id];
      for (const auto& [name, q] : r.consumed_capacity) sum[name] = sum[name].Add(q);
      continue;
    }
    state.devices.insert(std::move(id));
  }
}

AllocatedState AllocatedStateOf(const std::vector<ResourceClaim>& claims) {
  AllocatedState state;
  for (const ResourceClaim& c : claims) {
    if (c.status.allocation) HoldAllocation(*c.status.allocation, state);
  }
  return state;
}

Result<AllocationOutput> Allocate(const AllocatorInput& input, const Node& node,
                                  const std::vector<const ResourceClaim*>& claims) {
  static const std::vector<DeviceClass> kNoClasses;
  static const std::vector<ResourceSlice> kNoSlices;
  const std::vector<DeviceClass>& classes = input.classes ? *input.classes : kNoClasses;
  const std::vector<ResourceSlice>& slices = input.slices ? *input.slices : kNoSlices;
  std::optional<SliceIndex> own_index;
  if (!input.index) own_index.emplace(slices);
  std::optional<SelectorCache> own_selectors;
  if (!input.selectors) own_selectors.emplace();
  Allocator allocator(input, classes, input.index ? *input.index : *own_index,
                      input.selectors ? *input.selectors : *own_selectors, node);
  return allocator.Run(claims);
}

}  // namespace aiinfra::dra
