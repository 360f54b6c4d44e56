#include "dra/pools.h"

#include <algorithm>
#include <set>

namespace aiinfra::dra {
namespace {

bool HasBindingConditions(const ResourceSlice& s) {
  return std::any_of(s.spec.devices.begin(), s.spec.devices.end(),
                     [](const Device& d) { return !d.binding_conditions.empty(); });
}

// Whether the slice targets `node` (spec 2.2 step 2); counter-only slices always do.
bool Relevant(const ResourceSlice& s, const Node& node) {
  const ResourceSliceSpec& spec = s.spec;
  if (!spec.shared_counters.empty()) return true;
  if (spec.node_name) return *spec.node_name == node.name();
  if (spec.all_nodes.value_or(false)) return true;
  if (spec.node_selector) return spec.node_selector->Matches(node);
  if (spec.per_device_node_selection.value_or(false)) {
    return std::any_of(spec.devices.begin(), spec.devices.end(),
                       [&](const Device& d) { return DeviceTargetsNode(d, node); });
  }
  return false;  // no node selection: an unknown future mode
}

struct Key {
  std::string driver, pool;
  auto operator<=>(const Key&) const = default;
};

}  // namespace

bool DeviceTargetsNode(const Device& d, const Node& node) {
  if (d.node_name) return *d.node_name == node.name();
  if (d.all_nodes.value_or(false)) return true;
  if (d.node_selector) return d.node_selector->Matches(node);
  return false;
}

SliceIndex::SliceIndex(const std::vector<ResourceSlice>& slices) : size_(slices.size()) {
  for (const ResourceSlice& s : slices) {
    if (s.spec.node_name) {
      by_node_[*s.spec.node_name].push_back(&s);
    } else {
      unbound_.push_back(&s);
    }
    by_pool_[{s.spec.driver, s.spec.pool.name}].push_back(&s);
  }
}

std::vector<const ResourceSlice*> SliceIndex::MaybeRelevant(const Node& node) const {
  std::vector<const ResourceSlice*> out;
  if (auto it = by_node_.find(node.name()); it != by_node_.end()) out = it->second;
  out.insert(out.end(), unbound_.begin(), unbound_.end());
  return out;
}

const std::vector<const ResourceSlice*>& SliceIndex::PoolSlices(const std::string& driver,
                                                                const std::string& pool) const {
  static const std::vector<const ResourceSlice*> kNone;
  auto it = by_pool_.find({driver, pool});
  return it == by_pool_.end() ? kNone : it->second;
}

std::vector<GatheredPool> GatherPools(const std::vector<ResourceSlice>& slices, const Node& node,
                                      const Features& features) {
  return GatherPools(SliceIndex(slices), node, features);
}

std::vector<GatheredPool> GatherPools(const SliceIndex& index, const Node& node,
                                      const Features& features) {
  // Steps 1-3: the relevant slices of each pool at the pool's newest relevant generation.
  std::map<Key, std::vector<const ResourceSlice*>> collected;
  for (const ResourceSlice* slice : index.MaybeRelevant(node)) {
    const ResourceSlice& s = *slice;
    const bool partitionable =
        s.spec.per_device_node_selection.has_value() || !s.spec.shared_counters.empty();
    if (partitionable && !features.partitionable_devices) continue;
    if (!Relevant(s, node)) continue;
    auto& pool = collected[Key{s.spec.driver, s.spec.pool.name}];
    if (!pool.empty()) {
      const int64_t current = pool.front()->spec.pool.generation;
      if (s.spec.pool.generation < current) continue;
      if (s.spec.pool.generation > current) pool.clear();
    }
    pool.push_back(&s);
  }

  std::vector<GatheredPool> out;
  for (auto& [key, relevant] : collected) {
    GatheredPool p;
    p.driver = key.driver;
    p.name = key.pool;
    p.generation = relevant.front()->spec.pool.generation;
    const int64_t count = relevant.front()->spec.pool.resource_slice_count;
    // Steps 4-5: complete on this node, or complete across nodes, or obsolete, or incomplete.
    std::vector<const ResourceSlice*> same_generation;
    bool newer = false;
    for (const ResourceSlice* s : index.PoolSlices(key.driver, key.pool)) {
      if (s->spec.pool.generation > p.generation) newer = true;
      if (s->spec.pool.generation == p.generation) same_generation.push_back(s);
    }
    if (static_cast<int64_t>(relevant.size()) != count) {
      if (newer) continue;  // obsolete: dropped entirely
      if (static_cast<int64_t>(same_generation.size()) != count) {
        p.incomplete = true;
        out.push_back(std::move(p));
        continue;
      }
    }
    // Step 6: device slices and counter slices; duplicate names make the pool invalid.
    std::set<const ResourceSlice*> relevant_set(relevant.begin(), relevant.end());
    for (const ResourceSlice* s : relevant) {
      if (!s->spec.shared_counters.empty()) {
        for (const CounterSet& set : s->spec.shared_counters) {
          if (p.counters.contains(set.name)) {
            p.invalid = true;
            p.invalid_reason = "duplicate counter set name " + set.name;
          }
          auto& counters = p.counters[set.name];
          for (const auto& [name, counter] : set.counters) counters[name] = counter.value;
        }
      } else {
        p.device_slices.push_back(s);
      }
    }
    if (features.partitionable_devices) {
      for (const ResourceSlice* s : same_generation) {
        if (!relevant_set.contains(s) && s->spec.shared_counters.empty()) {
          p.other_device_slices.push_back(s);
        }
      }
    }
    std::set<std::string> names;
    for (const ResourceSlice* s : p.device_slices) {
      for (const Device& d : s->spec.devices) {
        if (!names.insert(d.name).second) {
          p.invalid = true;
          p.invalid_reason = "duplicate device name " + d.name;
        }
        if (!d.binding_conditions.empty()) p.has_binding_conditions = true;
      }
    }
    if (features.partitionable_devices) {
      auto check = [&](const ResourceSlice* s) {
        for (const Device& d : s->spec.devices) {
          for (const DeviceCounterConsumption& c : d.consumes_counters) {
            auto set = p.counters.find(c.counter_set);
            if (set == p.counters.end()) {
              p.invalid = true;
              p.invalid_reason =
                  "device " + d.name + " consumes unknown counter set " + c.counter_set;
              continue;
            }
            for (const auto& [name, _] : c.counters) {
              if (!set->second.contains(name)) {
                p.invalid = true;
                p.invalid_reason = "device " + d.name + " consumes unknown counter " + name +
                                   " of " + c.counter_set;
              }
            }
          }
        }
      };
      for (const ResourceSlice* s : p.device_slices) check(s);
      for (const ResourceSlice* s : p.other_device_slices) check(s);
    }
    // 1.36: slices by name, those with binding conditions last.
    std::stable_sort(p.device_slices.begin(), p.device_slices.end(),
                     [](const ResourceSlice* a, const ResourceSlice* b) {
                       bool ba = HasBindingConditions(*a), bb = HasBindingConditions(*b);
                       if (ba != bb) return !ba;
                       return a->metadata.name < b->metadata.name;
                     });
    out.push_back(std::move(p));
  }
  // Pools in (driver, pool) order (the map's), those with binding conditions last.
  std::stable_partition(out.begin(), out.end(),
                        [](const GatheredPool& p) { return !p.has_binding_conditions; });
  return out;
}

}  // namespace aiinfra::dra
