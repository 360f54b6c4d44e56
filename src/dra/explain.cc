// Diagnose: one claim on one node (explain.h). ExplainClaims and the text report are in
// explain_report.cc.
#include "dra/explain.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <memory>
#include <optional>
#include <set>

#include "dra/cel.h"
#include "dra/device_rules.h"
#include "dra/explain_internal.h"
#include "dra/pools.h"
#include "dra/selector_cache.h"
#include "dra/values.h"

namespace aiinfra::dra {
namespace explain_internal {

std::string Count(int64_t n, const char* one, const char* many) {
  return fmt::format("{} {}", n, n == 1 ? one : many);
}

}  // namespace explain_internal

namespace {

using explain_internal::ConstraintReasons;
using explain_internal::Count;
using explain_internal::OverlapReasons;
using explain_internal::RequestUsable;

using CounterMap = std::map<std::string, std::map<std::string, Quantity>>;

struct Candidate {
  size_t pool = 0;
  const ResourceSlice* slice = nullptr;
  const Device* device = nullptr;
  DeviceId id;
  std::unique_ptr<CelDevice> cel;  // built on first selector evaluation
};

// One way to satisfy a request: the request itself (exactly) or one of its subrequests.
struct Alternative {
  std::string request;  // the parent request's name
  const DeviceRequestSlot* slot = nullptr;
  const DeviceClass* device_class = nullptr;
  bool admin = false;
  RequestCounts counts;
  std::vector<size_t> usable;  // candidates, in search order
};

struct RequestAnalysis {
  std::string name;
  bool prioritized = false;  // firstAvailable
  std::vector<Alternative> alternatives;
  size_t chosen = 0;  // the first alternative with enough usable devices, else the closest
  bool fits = false;
  int64_t need = 0, offer = 0;  // of the chosen alternative, for NodeExplanation::offered
};

enum class Outcome { kYes, kNo, kError };

std::string TaintText(const DeviceTaint& t) {
  return t.key + (t.value.empty() ? "" : "=" + t.value) + ":" + t.effect;
}

// The sentence for a request that does not find enough usable devices on the node.
std::string RequestReason(const RequestCounts& c) {
  std::string head;
  if (!c.all) {
    head = fmt::format("request '{}' needs {} of class {}", c.request,
                       Count(c.needed, "device", "devices"), c.device_class);
  } else if (c.needed > 0) {
    head = fmt::format("request '{}' needs all {} of class {} it selects", c.request,
                       Count(c.needed, "device", "devices"), c.device_class);
  } else {
    head = fmt::format("request '{}' needs all devices of class {} it selects, at least one",
                       c.request, c.device_class);
  }
  // "1 makes", "2 make": each bucket is a count and what those devices do or lack.
  auto phrase = [](int64_t n, const char* one, const char* many) {
    return fmt::format("{} {}", n, n == 1 ? one : many);
  };
  const std::string errors = c.selector_errors ? phrase(c.selector_errors, "makes", "make") +
                                                     fmt::format(" a selector fail ({})", c.error)
                                               : "";
  if (c.matching == 0) {
    return head + ": no device on the node matches the class" +
           (errors.empty() ? "" : "; " + errors);
  }
  std::vector<std::string> parts{phrase(c.matching, "matches the class", "match the class")};
  auto add = [&](int64_t n, const char* one, const char* many) {
    if (n > 0) parts.push_back(phrase(n, one, many));
  };
  add(c.allocated, "already allocated", "already allocated");
  add(c.rejected, "rejected by the request's selectors", "rejected by the request's selectors");
  if (!errors.empty()) parts.push_back(errors);
  add(c.binding, "waits on binding conditions (DeviceBindingAndStatus is off)",
      "wait on binding conditions (DeviceBindingAndStatus is off)");
  add(c.no_capacity, "lacks the requested capacity", "lack the requested capacity");
  add(c.counters_off, "consumes counters (PartitionableDevices is off)",
      "consume counters (PartitionableDevices is off)");
  add(c.no_counters, "without enough counters left in its pool",
      "without enough counters left in their pool");
  if (c.tainted > 0) {
    std::string taints;
    for (const std::string& t : c.taints) taints += (taints.empty() ? "" : ", ") + t;
    parts.push_back(fmt::format("{} with an untolerated taint ({})", c.tainted, taints));
  }
  parts.push_back(c.usable == 0 ? "none usable" : fmt::format("{} usable", c.usable));
  std::string body;
  for (const std::string& p : parts) body += (body.empty() ? "" : ", ") + p;
  return head + ": " + body;
}

class Diagnoser {
 public:
  Diagnoser(const AllocatorInput& in, const SliceIndex& index, SelectorCache& cache,
            const Node& node, const ResourceClaim& claim)
      : in_(in), index_(index), cache_(cache), claim_(claim) {
    pools_ = GatherPools(index, node, in.features);
    for (size_t p = 0; p < pools_.size(); ++p) {
      if (!pools_[p].usable()) continue;
      for (const ResourceSlice* s : pools_[p].device_slices) {
        const bool per_device = s->spec.per_device_node_selection.value_or(false);
        for (const Device& d : s->spec.devices) {
          // A device of a per-device slice that targets another node is not on this node.
          if (per_device && !DeviceTargetsNode(d, node)) continue;
          Candidate c;
          c.pool = p;
          c.slice = s;
          c.device = &d;
          c.id = DeviceId{pools_[p].driver, pools_[p].name, d.name};
          candidates_.push_back(std::move(c));
        }
      }
      available_[p] = AvailableCounters(pools_[p]);
    }
  }

  // Fills the reasons, counts and offer of an unsatisfiable node.
  void Run(NodeExplanation& out) {
    Plan();
    std::vector<std::string> reasons = PoolReasons();
    bool all_fit = true;
    for (RequestAnalysis& r : requests_) {
      for (Alternative& a : r.alternatives) {
        CountAlternative(a);
        out.requests.push_back(a.counts);
      }
      Choose(r);
      out.needed += r.need;
      out.offered += r.offer;
      all_fit &= r.fits;
      if (r.fits) continue;
      if (r.prioritized) {
        reasons.push_back(fmt::format("request '{}': none of its {} subrequests fits", r.name,
                                      r.alternatives.size()));
      }
      for (const Alternative& a : r.alternatives) reasons.push_back(RequestReason(a.counts));
    }
    const std::vector<RequestUsable> usable = Usable();
    if (all_fit) {
      const size_t before = reasons.size();
      ConstraintReasons(claim_.spec.devices.constraints, usable, reasons, out.offered);
      if (reasons.size() == before) OverlapReasons(usable, reasons, out.offered);
      if (reasons.size() == before) reasons.push_back(NotTogether());
    } else {
      // The requests that fall short are the reason; the constraints only bound the offer
      // (three usable GPUs on two PCIe roots offer two to a claim that needs one root).
      std::vector<std::string> unused;
      ConstraintReasons(claim_.spec.devices.constraints, usable, unused, out.offered);
    }
    out.reasons = std::move(reasons);
  }

 private:
  // The claim's requests and their alternatives. Allocate has already validated the claim
  // (classes exist, selectors have CEL, modes are known), so no error is expected here.
  void Plan() {
    for (const DeviceRequest& req : claim_.spec.devices.requests) {
      RequestAnalysis r;
      r.name = req.name;
      auto add = [&](const DeviceRequestSlot& slot, const std::string& name, bool admin) {
        Alternative a;
        a.request = req.name;
        a.slot = &slot;
        a.admin = admin;
        a.device_class = FindClass(slot.device_class_name);
        a.counts.request = name;
        a.counts.device_class = slot.device_class_name;
        a.counts.all = slot.allocation_mode == kAllocationModeAll;
        if (!a.counts.all) a.counts.needed = std::max<int64_t>(slot.count, 0);
        r.alternatives.push_back(std::move(a));
      };
      if (req.exactly) {
        add(*req.exactly, req.name, req.exactly->admin_access.value_or(false));
      } else {
        r.prioritized = true;
        for (const DeviceSubRequest& s : req.first_available) {
          add(s, req.name + "/" + s.name, false);
        }
      }
      requests_.push_back(std::move(r));
    }
  }

  const DeviceClass* FindClass(const std::string& name) const {
    if (!in_.classes) return nullptr;
    for (const DeviceClass& dc : *in_.classes) {
      if (dc.metadata.name == name) return &dc;
    }
    return nullptr;
  }

  const CelDevice& CelView(Candidate& c) {
    if (!c.cel) c.cel = std::make_unique<CelDevice>(CelDeviceOf(*c.device, c.id.driver));
    return *c.cel;
  }

  // All `selectors` on `c`, in order, stopping at the first false; an error is worded as the
  // allocator words it ("class X: selector #0: CEL runtime error: ...").
  Outcome Select(const std::string& owner, const std::vector<DeviceSelector>& selectors,
                 Candidate& c, std::string* error) {
    CelOptions options;
    options.consumable_capacity = in_.features.consumable_capacity;
    for (size_t i = 0; i < selectors.size(); ++i) {
      if (!selectors[i].cel) {
        *error = owner + ": CEL expression empty (unsupported selector type?)";
        return Outcome::kError;
      }
      const Result<CelProgram>& program = cache_.Compile(*selectors[i].cel, options);
      if (!program) {
        *error = fmt::format("{}: selector #{}: {}", owner, i, program.error().message);
        return Outcome::kError;
      }
      const Result<bool>& r =
          cache_.Evaluate(*program, *c.device, [&]() -> const CelDevice& { return CelView(c); });
      if (!r) {
        *error =
            fmt::format("{}: selector #{}: CEL runtime error: {}", owner, i, r.error().message);
        return Outcome::kError;
      }
      if (!*r) return Outcome::kNo;
    }
    return Outcome::kYes;
  }

  bool Shared(const Candidate& c) const {
    return in_.features.consumable_capacity && c.device->allow_multiple_allocations.value_or(false);
  }

  // Spec 2.9: the pool's counters less what allocated devices of the pool consume.
  CounterMap AvailableCounters(const GatheredPool& pool) const {
    CounterMap available = pool.counters;
    auto subtract = [&](const ResourceSlice* s) {
      for (const Device& d : s->spec.devices) {
        if (!in_.allocated.devices.contains(DeviceId{pool.driver, pool.name, d.name})) continue;
        for (const DeviceCounterConsumption& dc : d.consumes_counters) {
          for (const auto& [name, counter] : dc.counters) {
            available[dc.counter_set][name] = available[dc.counter_set][name].Sub(counter.value);
          }
        }
      }
    };
    for (const ResourceSlice* s : pool.device_slices) subtract(s);
    for (const ResourceSlice* s : pool.other_device_slices) subtract(s);
    return available;
  }

  // Whether the device's counters fit what is left of its pool's, on their own. As in the
  // allocator, a pool already over-committed on any counter blocks all its consuming devices.
  bool CountersFit(const Candidate& c) const {
    auto pool = available_.find(c.pool);
    if (pool == available_.end()) return false;
    CounterMap delta;
    for (const DeviceCounterConsumption& dc : c.device->consumes_counters) {
      for (const auto& [name, counter] : dc.counters) delta[dc.counter_set][name] = counter.value;
    }
    auto available = [&](const std::string& set, const std::string& name) {
      auto s = pool->second.find(set);
      if (s == pool->second.end()) return Quantity();
      auto c = s->second.find(name);
      return c == s->second.end() ? Quantity() : c->second;
    };
    for (const auto& [set, counters] : delta) {
      for (const auto& [name, q] : counters) {
        if (available(set, name) < q) return false;
      }
    }
    for (const auto& [set, counters] : pool->second) {
      for (const auto& [name, avail] : counters) {
        Quantity need;
        if (auto d = delta.find(set); d != delta.end()) {
          if (auto e = d->second.find(name); e != d->second.end()) need = e->second;
        }
        if (avail < need) return false;
      }
    }
    return true;
  }

  // Spec 2.10 for the claim alone: the consumption fits what shared allocations left.
  bool CapacityFits(const Candidate& c, const std::map<std::string, Quantity>& consumption) const {
    auto shared = in_.allocated.shared_capacity.find(c.id);
    for (const auto& [name, q] : consumption) {
      Quantity total = q;
      if (shared != in_.allocated.shared_capacity.end()) {
        if (auto e = shared->second.find(name); e != shared->second.end()) {
          total = total.Add(e->second);
        }
      }
      if (c.device->capacity.at(name).value < total) return false;
    }
    return true;
  }

  // Puts every device on the node into one bucket for `a` (RequestCounts).
  void CountAlternative(Alternative& a) {
    RequestCounts& n = a.counts;
    if (!a.device_class) return;
    const std::string class_owner = "class " + a.device_class->metadata.name;
    const std::string request_owner = "request " + n.request;
    int64_t listed = 0;  // All: the devices it selects
    for (size_t i = 0; i < candidates_.size(); ++i) {
      Candidate& c = candidates_[i];
      std::string error;
      auto failed = [&] {
        ++n.selector_errors;
        if (n.error.empty()) n.error = error;
      };
      const Outcome cls = Select(class_owner, a.device_class->spec.selectors, c, &error);
      if (cls == Outcome::kError) {
        failed();
        continue;
      }
      if (cls == Outcome::kNo) continue;
      ++n.matching;
      // All mode lists every selected device, allocated or not (spec 2.7), so its request
      // selectors come first; otherwise the allocator's order: in use, then selectors.
      std::optional<Outcome> req;
      if (n.all) req = Select(request_owner, a.slot->selectors, c, &error);
      if (req == Outcome::kError) {
        failed();
        continue;
      }
      if (req == Outcome::kNo) {
        ++n.rejected;
        continue;
      }
      const bool binding_hidden =
          !in_.features.device_binding_and_status && !c.device->binding_conditions.empty();
      std::optional<std::map<std::string, Quantity>> consumption;
      if (in_.features.consumable_capacity) {
        consumption = CapacityConsumption(*c.device, c.id.driver, *a.slot);
      }
      if (n.all && !binding_hidden && (!in_.features.consumable_capacity || consumption)) {
        ++listed;
      }
      if (!a.admin && !Shared(c) && in_.allocated.devices.contains(c.id)) {
        ++n.allocated;
        continue;
      }
      if (!req) req = Select(request_owner, a.slot->selectors, c, &error);
      if (req == Outcome::kError) {
        failed();
        continue;
      }
      if (req == Outcome::kNo) {
        ++n.rejected;
        continue;
      }
      if (binding_hidden) {
        ++n.binding;
        continue;
      }
      if (in_.features.consumable_capacity && (!consumption || !CapacityFits(c, *consumption))) {
        ++n.no_capacity;
        continue;
      }
      if (!c.device->consumes_counters.empty()) {
        if (!in_.features.partitionable_devices) {
          ++n.counters_off;
          continue;
        }
        if (!CountersFit(c)) {
          ++n.no_counters;
          continue;
        }
      }
      if (in_.features.device_taints && !TaintsTolerated(c, a, n)) {
        ++n.tainted;
        continue;
      }
      ++n.usable;
      a.usable.push_back(i);
    }
    if (n.all) n.needed = listed;
  }

  bool TaintsTolerated(const Candidate& c, const Alternative& a, RequestCounts& n) {
    bool ok = true;
    for (const DeviceTaint& t : c.device->taints) {
      if (t.effect != "NoSchedule" && t.effect != "NoExecute") continue;
      if (Tolerated(t, a.slot->tolerations)) continue;
      ok = false;
      const std::string text = TaintText(t);
      if (std::find(n.taints.begin(), n.taints.end(), text) == n.taints.end()) {
        n.taints.push_back(text);
      }
    }
    return ok;
  }

  // The alternative constraints are checked with: the first that fits alone, as the
  // allocator tries them in order; else the one closest to fitting (smallest shortfall).
  static void Choose(RequestAnalysis& r) {
    auto need = [](const Alternative& a) { return std::max<int64_t>(a.counts.needed, 1); };
    auto offer = [&](const Alternative& a) { return std::min(a.counts.usable, need(a)); };
    for (size_t i = 0; i < r.alternatives.size(); ++i) {
      const Alternative& a = r.alternatives[i];
      if (a.counts.enough()) {
        r.chosen = i;
        r.fits = true;
        break;
      }
      const Alternative& best = r.alternatives[r.chosen];
      if (need(a) - offer(a) < need(best) - offer(best)) r.chosen = i;
    }
    const Alternative& a = r.alternatives[r.chosen];
    r.need = r.fits ? a.counts.needed : need(a);
    r.offer = r.fits ? a.counts.needed : offer(a);
  }

  // Incomplete and invalid pools that may hold devices the claim's classes match: their
  // devices are not candidates (spec 2.2), which a user cannot see from the counts alone.
  std::vector<std::string> PoolReasons() {
    std::vector<std::string> out;
    for (size_t p = 0; p < pools_.size(); ++p) {
      const GatheredPool& pool = pools_[p];
      if (pool.usable()) continue;
      std::vector<const ResourceSlice*> published;
      for (const ResourceSlice* s : index_.PoolSlices(pool.driver, pool.name)) {
        if (s->spec.pool.generation == pool.generation) published.push_back(s);
      }
      if (!MayMatter(pool, pool.incomplete ? published : pool.device_slices)) continue;
      if (pool.incomplete) {
        const int64_t count =
            published.empty() ? 0 : published.front()->spec.pool.resource_slice_count;
        out.push_back(fmt::format("pool {} is being updated: {} of {} published", pool.Id(),
                                  published.size(), Count(count, "slice", "slices")));
      } else {
        out.push_back(fmt::format("pool {} is invalid: {}", pool.Id(), pool.invalid_reason));
      }
    }
    return out;
  }

  // Whether a class of the claim matches a device of `slices`; a selector error or a pool
  // without published devices counts as a match (we cannot tell).
  bool MayMatter(const GatheredPool& pool, const std::vector<const ResourceSlice*>& slices) {
    std::set<const DeviceClass*> classes;
    for (const RequestAnalysis& r : requests_) {
      for (const Alternative& a : r.alternatives) {
        if (a.device_class) classes.insert(a.device_class);
      }
    }
    bool any_device = false;
    for (const ResourceSlice* s : slices) {
      for (const Device& d : s->spec.devices) {
        any_device = true;
        Candidate c;
        c.slice = s;
        c.device = &d;
        c.id = DeviceId{pool.driver, pool.name, d.name};
        for (const DeviceClass* dc : classes) {
          std::string error;
          if (Select("class", dc->spec.selectors, c, &error) != Outcome::kNo) return true;
        }
      }
    }
    return !any_device;
  }

  // What is left to say when every request fits alone, every constraint holds on its own and
  // no two requests compete for too few devices: the devices do not combine, and what they
  // share that the counts cannot show (counters of a pool, capacity of a shared device).
  std::string NotTogether() const {
    bool counters = false, shared = false;
    for (const RequestAnalysis& r : requests_) {
      for (size_t i : r.alternatives[r.chosen].usable) {
        counters |= !candidates_[i].device->consumes_counters.empty();
        shared |= Shared(candidates_[i]);
      }
    }
    std::string out = requests_.size() > 1 ? "each request fits alone but not together"
                                           : "the usable devices fit one by one but not together";
    if (counters) out += "; they consume the same counters of their pool";
    if (shared) out += "; shared devices split their capacity";
    return out;
  }

  // The chosen alternatives' usable devices, for the constraint and overlap analysis.
  std::vector<RequestUsable> Usable() const {
    std::vector<RequestUsable> out;
    for (const RequestAnalysis& r : requests_) {
      const Alternative& a = r.alternatives[r.chosen];
      RequestUsable u{a.request, a.counts.request, r.need, r.offer, {}};
      for (size_t i : a.usable) {
        const Candidate& c = candidates_[i];
        u.usable.push_back({c.device, &c.id.driver, Shared(c)});
      }
      out.push_back(std::move(u));
    }
    return out;
  }

  const AllocatorInput& in_;
  const SliceIndex& index_;
  SelectorCache& cache_;
  const ResourceClaim& claim_;
  std::vector<GatheredPool> pools_;
  std::vector<Candidate> candidates_;
  std::map<size_t, CounterMap> available_;
  std::vector<RequestAnalysis> requests_;
};

}  // namespace

const char* VerdictName(Verdict verdict) {
  switch (verdict) {
    case Verdict::kFits:
      return "fits";
    case Verdict::kUnsatisfiable:
      return "unsatisfiable";
    case Verdict::kError:
      return "error";
  }
  return "error";
}

NodeExplanation Diagnose(const AllocatorInput& input, const Node& node,
                         const ResourceClaim& claim) {
  NodeExplanation out;
  out.node = node.name();
  // The allocator and the analysis share one index and one selector cache, so that every
  // selector is compiled and evaluated once per device.
  static const std::vector<ResourceSlice> kNoSlices;
  std::optional<AllocatorInput> own;
  std::optional<SliceIndex> own_index;
  std::optional<SelectorCache> own_cache;
  const AllocatorInput* in = &input;
  if (!input.index || !input.selectors) {
    own.emplace(input);
    if (!own->index) own->index = &own_index.emplace(input.slices ? *input.slices : kNoSlices);
    if (!own->selectors) own->selectors = &own_cache.emplace();
    in = &*own;
  }
  Result<AllocationOutput> result = Allocate(*in, node, {&claim});
  if (!result) {
    out.verdict = Verdict::kError;
    out.reasons.push_back(result.error().message);
    return out;
  }
  if (result->outcome == AllocationOutcome::kAllocated) {
    out.verdict = Verdict::kFits;
    for (const DeviceRequestAllocationResult& d : result->results.front().devices.results) {
      out.devices.push_back({d.request, d.driver + "/" + d.pool + "/" + d.device});
    }
    out.needed = out.offered = static_cast<int64_t>(out.devices.size());
    return out;
  }
  out.verdict = Verdict::kUnsatisfiable;
  Diagnoser(*in, *in->index, *in->selectors, node, claim).Run(out);
  return out;
}

}  // namespace aiinfra::dra
