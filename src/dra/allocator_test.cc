// Cases for the rules of specs/dra.md section 2 that the example cases of section 3 do not cover.
// The example cases themselves are data: testdata/cases/, run by allocator_cases_test.cc.
#include "dra/allocator.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace aiinfra::dra {
namespace {

// ---- Builders (the shorthand of specs/dra.md section 3) ----

Node MakeNode(const std::string& name = "node-1",
              std::map<std::string, std::string> labels = {{"region", "region-1"},
                                                           {"planet", "earth"}}) {
  Node n;
  n.metadata.name = name;
  n.metadata.labels = std::move(labels);
  return n;
}

DeviceClass Class(const std::string& name, const std::string& driver) {
  DeviceClass c;
  c.metadata.name = name;
  DeviceSelector s;
  s.cel = "device.driver == \"" + driver + "\"";
  c.spec.selectors.push_back(s);
  return c;
}

Device Dev(const std::string& name, std::map<std::string, AttributeValue> attributes = {},
           std::map<std::string, std::string> capacity = {}) {
  Device d;
  d.name = name;
  d.attributes = std::move(attributes);
  for (const auto& [k, v] : capacity) d.capacity[k].value = *Quantity::Parse(v);
  return d;
}

AttributeValue Str(const std::string& s) {
  AttributeValue v;
  v.kind = AttributeValue::Kind::kString;
  v.string_value = s;
  return v;
}

ResourceSlice Slice(const std::string& name, const std::string& driver, const std::string& pool,
                    std::vector<Device> devices, int64_t generation = 1, int64_t count = 1,
                    std::optional<std::string> node = "node-1") {
  ResourceSlice s;
  s.metadata.name = name;
  s.spec.driver = driver;
  s.spec.pool = {pool, generation, count};
  s.spec.node_name = std::move(node);
  s.spec.devices = std::move(devices);
  return s;
}

DeviceRequest Req(const std::string& name, const std::string& cls, int64_t count,
                  std::vector<std::string> selectors = {}) {
  DeviceRequest r;
  r.name = name;
  r.exactly.emplace();
  r.exactly->device_class_name = cls;
  r.exactly->count = count;
  for (const std::string& s : selectors) r.exactly->selectors.push_back(DeviceSelector{s, {}});
  return r;
}

ResourceClaim Claim(const std::string& name, std::vector<DeviceRequest> requests) {
  ResourceClaim c;
  c.metadata.name = name;
  c.metadata.ns = "default";
  c.spec.devices.requests = std::move(requests);
  return c;
}

struct Case {
  Features features;
  Node node = MakeNode();
  std::vector<DeviceClass> classes = {Class("class-a", "driver-a"), Class("class-b", "driver-b")};
  std::vector<ResourceSlice> slices;
  std::vector<ResourceClaim> claims;
  AllocatedState allocated;

  Result<AllocationOutput> Run() const {
    AllocatorInput in;
    in.features = features;
    in.classes = &classes;
    in.slices = &slices;
    in.allocated = allocated;
    std::vector<const ResourceClaim*> pointers;
    for (const ResourceClaim& c : claims) pointers.push_back(&c);
    return Allocate(in, node, pointers);
  }
};

// "req-0 -> driver-a/pool-1/device-1" per result, sorted (upstream compares as a multiset).
std::vector<std::string> Results(const AllocationResult& r) {
  std::vector<std::string> out;
  for (const auto& d : r.devices.results) {
    out.push_back(d.request + " -> " + d.driver + "/" + d.pool + "/" + d.device);
  }
  std::sort(out.begin(), out.end());
  return out;
}

using V = std::vector<std::string>;

AllocationOutput Ok(const Case& c) {
  auto r = c.Run();
  EXPECT_TRUE(r) << (r ? "" : r.error().message);
  return r ? *r : AllocationOutput{};
}

void ExpectUnsat(const Case& c) {
  auto r = c.Run();
  ASSERT_TRUE(r) << r.error().message;
  EXPECT_EQ(r->outcome, AllocationOutcome::kUnsatisfiable);
}

void ExpectFatal(const Case& c, const std::string& text) {
  auto r = c.Run();
  ASSERT_FALSE(r) << "expected the error " << text;
  EXPECT_NE(r.error().message.find(text), std::string::npos) << r.error().message;
}

// ---- Rules of section 2 beyond the examples ----

TEST(AllocatorTest, MatchAttributeKeepsGpusAndNicsOnOnePcieRoot) {
  Case c;
  c.classes.push_back(Class("nic", "dra.net"));
  auto gpu = [](const std::string& n, const std::string& root) {
    return Dev(n, {{"resource.kubernetes.io/pcieRoot", Str(root)}});
  };
  c.slices = {Slice("gpus", "driver-a", "node-1", {gpu("gpu-0", "pci0"), gpu("gpu-1", "pci1")}),
              Slice("nics", "dra.net", "node-1", {gpu("eth0", "pci1")})};
  ResourceClaim claim = Claim("claim-0", {Req("gpu", "class-a", 1), Req("nic", "nic", 1)});
  DeviceConstraint k;
  k.match_attribute = "resource.kubernetes.io/pcieRoot";
  claim.spec.devices.constraints.push_back(k);
  c.claims = {claim};
  // gpu-0 comes first but no NIC shares its root: the search backtracks to gpu-1.
  EXPECT_EQ(Results(Ok(c).results.at(0)),
            (V{"gpu -> driver-a/node-1/gpu-1", "nic -> dra.net/node-1/eth0"}));
}

TEST(AllocatorTest, SelectorErrorsAreFatalOnlyForDevicesTheSearchReaches) {
  Case c;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1"), Dev("device-2")})};
  // device-1 has no "model": the lookup fails, but only when the search reaches device-1.
  c.slices[0].spec.devices[1].attributes["model"] = Str("x");
  c.claims = {Claim(
      "claim-0", {Req("req-0", "class-a", 1, {"device.attributes[\"driver-a\"].model == \"x\""})})};
  ExpectFatal(c, "no such key: model");
  c.allocated.devices.insert({"driver-a", "pool-1", "device-1"});  // never evaluated now
  EXPECT_EQ(Results(Ok(c).results.at(0)), V{"req-0 -> driver-a/pool-1/device-2"});
}

TEST(AllocatorTest, TaintsNeedTolerationsWhenTheFeatureIsOn) {
  Case c;
  c.features.device_taints = true;
  Device d = Dev("device-1");
  d.taints.push_back({"maintenance", "soon", "NoSchedule", {}});
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {d})};
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  ExpectUnsat(c);
  c.claims[0].spec.devices.requests[0].exactly->tolerations.push_back(
      {"maintenance", "Exists", "", "", {}});
  auto out = Ok(c);
  ASSERT_EQ(out.outcome, AllocationOutcome::kAllocated);
  EXPECT_EQ(out.results[0].devices.results[0].tolerations.size(), 1u);
  c.features.device_taints = false;
  c.claims[0].spec.devices.requests[0].exactly->tolerations.clear();
  EXPECT_EQ(Ok(c).outcome, AllocationOutcome::kAllocated);
}

TEST(AllocatorTest, AdminAccessSharesADeviceButKeepsItTakenForOthers) {
  Case c;
  c.features.admin_access = true;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1"), Dev("device-2")})};
  DeviceRequest admin = Req("req-0", "class-a", 1);
  admin.exactly->admin_access = true;
  // claim-0 takes device-1; the admin claim may take it too; claim-2 must then use device-2,
  // and device-1 stays taken for it even though the admin pick was rolled back and retried.
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)}), Claim("claim-1", {admin}),
              Claim("claim-2", {Req("req-0", "class-a", 1)})};
  auto out = Ok(c);
  ASSERT_EQ(out.outcome, AllocationOutcome::kAllocated);
  EXPECT_EQ(Results(out.results[0]), V{"req-0 -> driver-a/pool-1/device-1"});
  EXPECT_EQ(Results(out.results[1]), V{"req-0 -> driver-a/pool-1/device-1"});
  EXPECT_EQ(Results(out.results[2]), V{"req-0 -> driver-a/pool-1/device-2"});
  // Backtracking over the admin claim must not free device-1 for others while claim-0 holds
  // it: claim-2 wants exactly device-1, so there is no solution.
  Case held = c;
  held.slices[0].spec.devices[0].attributes["first"] = Str("yes");
  const char* first = "\"first\" in device.attributes[\"driver-a\"]";
  held.claims = {Claim("claim-0", {Req("req-0", "class-a", 1, {first})}), Claim("claim-1", {admin}),
                 Claim("claim-2", {Req("req-0", "class-a", 1, {first})})};
  ExpectUnsat(held);
}

TEST(AllocatorTest, ClaimsLargerThan32DevicesAreRejected) {
  Case c;
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 33)})};
  ExpectFatal(c, "number of requested devices 33 exceeds the claim limit of 32");
}

TEST(AllocatorTest, AllocatedStateSkipsAdminAndSharedResults) {
  ResourceClaim held = Claim("held", {});
  AllocationResult a;
  a.devices.results.push_back({"r", "d", "p", "exclusive", {}, {}, {}, {}, {}, {}});
  a.devices.results.push_back({"r", "d", "p", "admin", true, {}, {}, {}, {}, {}});
  DeviceRequestAllocationResult shared{"r", "d", "p", "shared", {}, {}, {}, {}, "id", {}};
  shared.consumed_capacity["memory"] = *Quantity::Parse("1Gi");
  a.devices.results.push_back(shared);
  held.status.allocation = a;
  AllocatedState s = AllocatedStateOf({held});
  EXPECT_EQ(s.devices, (std::unordered_set<DeviceId, DeviceIdHash>{{"d", "p", "exclusive"}}));
  EXPECT_EQ(s.shared_capacity.at({"d", "p", "shared"}).at("memory"), *Quantity::Parse("1Gi"));
}

}  // namespace
}  // namespace aiinfra::dra
