// Oracle test: on small random instances a brute-force search over every assignment must agree
// with the allocator on satisfiability, and every allocation must satisfy its own rules (right
// class, no device twice, allocated devices untouched, matchAttribute constraints hold).
#include <gtest/gtest.h>

#include <functional>
#include <random>

#include "dra/allocator.h"

namespace aiinfra::dra {
namespace {

struct Instance {
  std::vector<DeviceClass> classes;
  std::vector<ResourceSlice> slices;
  std::vector<ResourceClaim> claims;
  AllocatedState allocated;
};

AttributeValue Int(int64_t v) {
  AttributeValue a;
  a.kind = AttributeValue::Kind::kInt;
  a.int_value = v;
  return a;
}

Instance Random(std::mt19937_64& rng) {
  auto pick = [&](int n) { return static_cast<int>(rng() % n); };
  Instance in;
  for (const char* d : {"driver-a", "driver-b"}) {
    DeviceClass c;
    c.metadata.name = std::string("class-") + d[7];
    c.spec.selectors.push_back(DeviceSelector{std::string("device.driver == \"") + d + "\"", {}});
    in.classes.push_back(c);
  }
  const int slices = 1 + pick(3);
  for (int s = 0; s < slices; ++s) {
    ResourceSlice sl;
    sl.metadata.name = "slice-" + std::to_string(s);
    sl.spec.driver = pick(2) ? "driver-a" : "driver-b";
    sl.spec.pool = {"pool-" + std::to_string(s), 1, 1};
    sl.spec.node_name = "node-1";
    const int devices = pick(4);
    for (int d = 0; d < devices; ++d) {
      Device dev;
      dev.name = "device-" + std::to_string(d);
      dev.attributes["numa"] = Int(pick(2));
      if (pick(4) == 0) {
        in.allocated.devices.insert({sl.spec.driver, sl.spec.pool.name, dev.name});
      }
      sl.spec.devices.push_back(dev);
    }
    in.slices.push_back(sl);
  }
  const int claims = 1 + pick(2);
  for (int c = 0; c < claims; ++c) {
    ResourceClaim claim;
    claim.metadata.name = "claim-" + std::to_string(c);
    const int requests = 1 + pick(2);
    for (int r = 0; r < requests; ++r) {
      DeviceRequest req;
      req.name = "req-" + std::to_string(r);
      req.exactly.emplace();
      req.exactly->device_class_name = pick(2) ? "class-a" : "class-b";
      req.exactly->count = 1 + pick(2);
      claim.spec.devices.requests.push_back(req);
    }
    if (pick(2)) {
      DeviceConstraint k;
      k.match_attribute = "driver-a/numa";  // only driver-a devices carry it under that name
      if (pick(2)) k.requests = {"req-0"};
      claim.spec.devices.constraints.push_back(k);
    }
    in.claims.push_back(claim);
  }
  return in;
}

struct Flat {
  DeviceId id;
  const Device* device;
};

// Attribute as constraints see it (the domain's, or the driver's unqualified one).
const AttributeValue* Attr(const Flat& f, const std::string& name) {
  if (auto it = f.device->attributes.find(name); it != f.device->attributes.end()) {
    return &it->second;
  }
  const size_t slash = name.find('/');
  if (name.substr(0, slash) != f.id.driver) return nullptr;
  auto it = f.device->attributes.find(name.substr(slash + 1));
  return it == f.device->attributes.end() ? nullptr : &it->second;
}

bool ConstraintsHold(const ResourceClaim& claim,
                     const std::vector<std::pair<std::string, Flat>>& picks) {
  for (const DeviceConstraint& k : claim.spec.devices.constraints) {
    const AttributeValue* first = nullptr;
    for (const auto& [request, f] : picks) {
      if (!k.requests.empty() &&
          std::find(k.requests.begin(), k.requests.end(), request) == k.requests.end()) {
        continue;
      }
      const AttributeValue* v = Attr(f, *k.match_attribute);
      if (!v) return false;
      if (!first) first = v;
      if (!(*first == *v)) return false;
    }
  }
  return true;
}

// Tries every assignment of distinct free devices to the slots.
bool BruteForce(const Instance& in) {
  std::vector<Flat> devices;
  for (const ResourceSlice& s : in.slices) {
    for (const Device& d : s.spec.devices) {
      devices.push_back({DeviceId{s.spec.driver, s.spec.pool.name, d.name}, &d});
    }
  }
  struct Slot {
    size_t claim;
    std::string request;
    std::string driver;
  };
  std::vector<Slot> slots;
  for (size_t c = 0; c < in.claims.size(); ++c) {
    for (const DeviceRequest& r : in.claims[c].spec.devices.requests) {
      for (int64_t i = 0; i < r.exactly->count; ++i) {
        slots.push_back(
            {c, r.name, r.exactly->device_class_name == "class-a" ? "driver-a" : "driver-b"});
      }
    }
  }
  std::vector<int> chosen(slots.size(), -1);
  std::vector<bool> used(devices.size(), false);
  std::function<bool(size_t)> go = [&](size_t s) -> bool {
    if (s == slots.size()) {
      for (size_t c = 0; c < in.claims.size(); ++c) {
        std::vector<std::pair<std::string, Flat>> picks;
        for (size_t k = 0; k < slots.size(); ++k) {
          if (slots[k].claim == c) picks.push_back({slots[k].request, devices[chosen[k]]});
        }
        if (!ConstraintsHold(in.claims[c], picks)) return false;
      }
      return true;
    }
    for (size_t d = 0; d < devices.size(); ++d) {
      if (used[d] || devices[d].id.driver != slots[s].driver) continue;
      if (in.allocated.devices.contains(devices[d].id)) continue;
      used[d] = true;
      chosen[s] = static_cast<int>(d);
      if (go(s + 1)) return true;
      used[d] = false;
    }
    return false;
  };
  return go(0);
}

TEST(AllocatorOracleTest, AgreesWithBruteForceOnRandomInstances) {
  std::mt19937_64 rng(2026);
  Node node;
  node.metadata.name = "node-1";
  int satisfiable = 0;
  for (int trial = 0; trial < 400; ++trial) {
    Instance in = Random(rng);
    AllocatorInput input;
    input.classes = &in.classes;
    input.slices = &in.slices;
    input.allocated = in.allocated;
    std::vector<const ResourceClaim*> claims;
    for (const ResourceClaim& c : in.claims) claims.push_back(&c);
    auto out = Allocate(input, node, claims);
    ASSERT_TRUE(out) << out.error().message;
    const bool expected = BruteForce(in);
    ASSERT_EQ(out->outcome == AllocationOutcome::kAllocated, expected) << "trial " << trial;
    if (!expected) continue;
    ++satisfiable;
    std::set<DeviceId> taken;
    for (size_t c = 0; c < in.claims.size(); ++c) {
      std::vector<std::pair<std::string, Flat>> picks;
      for (const auto& r : out->results[c].devices.results) {
        DeviceId id{r.driver, r.pool, r.device};
        EXPECT_TRUE(taken.insert(id).second) << "device twice: " << id.ToString();
        EXPECT_FALSE(in.allocated.devices.contains(id)) << id.ToString();
        const Device* dev = nullptr;
        for (const ResourceSlice& s : in.slices) {
          for (const Device& d : s.spec.devices) {
            if (s.spec.driver == r.driver && s.spec.pool.name == r.pool && d.name == r.device) {
              dev = &d;
            }
          }
        }
        ASSERT_NE(dev, nullptr);
        picks.push_back({r.request, Flat{id, dev}});
      }
      EXPECT_TRUE(ConstraintsHold(in.claims[c], picks)) << "trial " << trial;
    }
  }
  // The generator must produce both outcomes, or the test proves little.
  EXPECT_GT(satisfiable, 40);
  EXPECT_LT(satisfiable, 360);
}

}  // namespace
}  // namespace aiinfra::dra
