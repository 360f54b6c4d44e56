// The example cases of specs/dra.md section 3 (named after their T numbers), and cases for the
// rules of section 2 they do not cover.
#include "dra/allocator.h"

#include <gtest/gtest.h>

#include <algorithm>

namespace aiinfra::dra {
namespace {

// ---- Builders for the section's shorthand ----

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

DeviceRequest All(const std::string& name, const std::string& cls) {
  DeviceRequest r = Req(name, cls, 0);
  r.exactly->allocation_mode = kAllocationModeAll;
  return r;
}

DeviceRequest FirstAvailable(const std::string& name,
                             std::vector<std::pair<std::string, int64_t>> subs) {
  DeviceRequest r;
  r.name = name;
  for (size_t i = 0; i < subs.size(); ++i) {
    DeviceSubRequest s;
    s.name = "subReq-" + std::to_string(i);
    s.device_class_name = subs[i].first;
    s.count = subs[i].second;
    r.first_available.push_back(s);
  }
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

bool PinnedTo(const AllocationResult& r, const std::string& node) {
  if (!r.node_selector || r.node_selector->node_selector_terms.size() != 1) return false;
  const NodeSelectorTerm& t = r.node_selector->node_selector_terms[0];
  return t.match_expressions.empty() && t.match_fields.size() == 1 &&
         t.match_fields[0].key == "metadata.name" && t.match_fields[0].op == "In" &&
         t.match_fields[0].values == std::vector<std::string>{node};
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

// ---- Section 3 ----

TEST(AllocatorTest, T01Simple) {
  Case c;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")})};
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  auto out = Ok(c);
  ASSERT_EQ(out.outcome, AllocationOutcome::kAllocated);
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_EQ(Results(out.results[0]), V{"req-0 -> driver-a/pool-1/device-1"});
  EXPECT_TRUE(PinnedTo(out.results[0], "node-1"));
}

TEST(AllocatorTest, T02OtherNode) {
  Case c;
  c.node = MakeNode("node-2", {{"region", "region-2"}});
  c.slices = {Slice("slice-1", "driver-b", "pool-1", {Dev("device-1")}, 1, 1, "node-1"),
              Slice("slice-2", "driver-a", "pool-2", {Dev("device-1")}, 1, 1, "node-2")};
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  auto out = Ok(c);
  EXPECT_EQ(Results(out.results.at(0)), V{"req-0 -> driver-a/pool-2/device-1"});
  EXPECT_TRUE(PinnedTo(out.results[0], "node-2"));
}

const char* kAtLeast1Gi = "device.capacity[\"driver-a\"].memory.compareTo(quantity(\"1Gi\")) >= 0";
const char* kAtLeast2Gi = "device.capacity[\"driver-a\"].memory.compareTo(quantity(\"2Gi\")) >= 0";

TEST(AllocatorTest, T03BacktrackingAcrossRequests) {
  Case c;
  c.slices = {
      Slice("slice-1", "driver-a", "pool-1",
            {Dev("device-2", {}, {{"memory", "2Gi"}}), Dev("device-1", {}, {{"memory", "1Gi"}})})};
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1, {kAtLeast1Gi}),
                                Req("req-1", "class-a", 1, {kAtLeast2Gi})})};
  auto out = Ok(c);
  EXPECT_EQ(Results(out.results.at(0)),
            (V{"req-0 -> driver-a/pool-1/device-1", "req-1 -> driver-a/pool-1/device-2"}));
}

TEST(AllocatorTest, T04BacktrackingAcrossClaims) {
  Case c;
  c.slices = {
      Slice("slice-1", "driver-a", "pool-1",
            {Dev("device-2", {}, {{"memory", "2Gi"}}), Dev("device-1", {}, {{"memory", "1Gi"}})})};
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1, {kAtLeast1Gi})}),
              Claim("claim-1", {Req("req-1", "class-a", 1, {kAtLeast2Gi})})};
  auto out = Ok(c);
  EXPECT_EQ(Results(out.results.at(0)), V{"req-0 -> driver-a/pool-1/device-1"});
  EXPECT_EQ(Results(out.results.at(1)), V{"req-1 -> driver-a/pool-1/device-2"});
}

TEST(AllocatorTest, T05NewerGenerationWinsInEitherOrder) {
  for (bool reversed : {false, true}) {
    Case c;
    c.slices = {Slice("slice-a", "driver-a", "pool-1", {Dev("device-1")}, 1, 1),
                Slice("slice-b", "driver-a", "pool-1", {Dev("device-2")}, 2, 1)};
    if (reversed) std::reverse(c.slices.begin(), c.slices.end());
    c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
    EXPECT_EQ(Results(Ok(c).results.at(0)), V{"req-0 -> driver-a/pool-1/device-2"});
  }
}

TEST(AllocatorTest, T06IncompleteAndObsoletePoolsAreNeverUsed) {
  Case a;
  a.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")}, 1, 2)};
  a.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  ExpectUnsat(a);
  Case b = a;
  b.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")}, 1, 2),
              Slice("slice-2", "driver-a", "pool-1", {Dev("device-2")}, 2, 2)};
  ExpectUnsat(b);
  Case c = a;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")}, 1, 2, "node-1"),
              Slice("slice-2", "driver-a", "pool-1", {Dev("device-2")}, 2, 2, "node-2")};
  ExpectUnsat(c);
}

TEST(AllocatorTest, T07MultiNodePoolIsCompleteAcrossNodes) {
  Case c;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")}, 1, 2, "node-2"),
              Slice("slice-2", "driver-a", "pool-1", {Dev("device-2")}, 1, 2, "node-1")};
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  auto out = Ok(c);
  EXPECT_EQ(Results(out.results.at(0)), V{"req-0 -> driver-a/pool-1/device-2"});
  EXPECT_TRUE(PinnedTo(out.results[0], "node-1"));
  c.claims = {Claim("claim-0", {All("req-0", "class-a")})};
  EXPECT_EQ(Results(Ok(c).results.at(0)), V{"req-0 -> driver-a/pool-1/device-2"});
}

TEST(AllocatorTest, T08InvalidPool) {
  Case c;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")}, 1, 2),
              Slice("slice-2", "driver-a", "pool-1", {Dev("device-1")}, 1, 2),
              Slice("slice-3", "driver-a", "pool-2", {Dev("device-2")}, 1, 1)};
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  EXPECT_EQ(Results(Ok(c).results.at(0)), V{"req-0 -> driver-a/pool-2/device-2"});
  Case allocated = c;
  allocated.allocated.devices.insert({"driver-a", "pool-2", "device-2"});
  auto out = Ok(allocated);
  EXPECT_EQ(out.outcome, AllocationOutcome::kNodeError);
  EXPECT_EQ(out.node_error, "invalid resource pools were encountered");
  Case only = c;
  only.slices.pop_back();
  EXPECT_EQ(Ok(only).outcome, AllocationOutcome::kNodeError);
}

TEST(AllocatorTest, T09AllMode) {
  Case c;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")}),
              Slice("slice-1", "driver-a", "pool-2", {Dev("device-1")})};
  c.claims = {Claim("claim-0", {All("req-0", "class-a")})};
  EXPECT_EQ(Results(Ok(c).results.at(0)),
            (V{"req-0 -> driver-a/pool-1/device-1", "req-0 -> driver-a/pool-2/device-1"}));
  Case some = c;
  some.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1"), Dev("device-2")})};
  some.allocated.devices.insert({"driver-a", "pool-1", "device-1"});
  ExpectUnsat(some);
  Case empty = c;
  empty.slices = {Slice("slice-1", "driver-a", "pool-1", {})};
  ExpectUnsat(empty);
}

TEST(AllocatorTest, T10AllModeWithAdminAccess) {
  Case c;
  c.features.admin_access = true;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1"), Dev("device-2")})};
  c.allocated.devices.insert({"driver-a", "pool-1", "device-1"});
  DeviceRequest r = All("req-0", "class-a");
  r.exactly->admin_access = true;
  c.claims = {Claim("claim-0", {r})};
  auto out = Ok(c);
  ASSERT_EQ(out.results.at(0).devices.results.size(), 2u);
  for (const auto& d : out.results[0].devices.results) EXPECT_EQ(d.admin_access, true);
}

TEST(AllocatorTest, T11AllModeOnAnIncompletePoolIsFatal) {
  Case c;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")}, 1, 2)};
  c.claims = {Claim("claim-0", {All("req-0", "class-a")})};
  ExpectFatal(c,
              "claim claim-0, request req-0: asks for all devices, but resource pool "
              "driver-a/pool-1 is currently being updated");
}

TEST(AllocatorTest, T12AllModePlusAnotherClaim) {
  Case c;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")}),
              Slice("slice-1", "driver-b", "pool-1", {Dev("device-1")})};
  c.claims = {Claim("claim-0", {All("req-0", "class-a")}),
              Claim("claim-1", {Req("req-0", "class-b", 1)})};
  auto out = Ok(c);
  EXPECT_EQ(Results(out.results.at(0)), V{"req-0 -> driver-a/pool-1/device-1"});
  EXPECT_EQ(Results(out.results.at(1)), V{"req-0 -> driver-b/pool-1/device-1"});
  for (bool all_first : {false, true}) {
    Case b;
    b.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")})};
    b.claims = {Claim("claim-1", {Req("req-0", "class-a", 1)}),
                Claim("claim-0", {All("req-0", "class-a")})};
    if (all_first) std::swap(b.claims[0], b.claims[1]);
    ExpectUnsat(b);
  }
}

TEST(AllocatorTest, T16NetworkAttachedDevicesMergeTheirNodeSelectors) {
  auto selector = [](bool fields, const std::string& key, const std::string& value) {
    NodeSelector s;
    NodeSelectorTerm t;
    (fields ? t.match_fields : t.match_expressions).push_back({key, "In", {value}});
    s.node_selector_terms.push_back(t);
    return s;
  };
  auto network = [](ResourceSlice s, std::optional<NodeSelector> sel, bool all) {
    s.spec.node_name.reset();
    s.spec.node_selector = std::move(sel);
    if (all) s.spec.all_nodes = true;
    return s;
  };
  Case c;
  c.slices = {
      network(Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")}),
              selector(false, "region", "region-1"), false),
      network(Slice("slice-1", "driver-a", "pool-2", {Dev("device-1")}), std::nullopt, true),
      network(Slice("slice-1", "driver-a", "pool-3", {Dev("device-1")}),
              selector(false, "planet", "earth"), false),
      network(Slice("slice-1", "driver-a", "pool-4", {Dev("device-1")}),
              selector(true, "metadata.name", "node-1"), false)};
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 4)})};
  auto out = Ok(c);
  ASSERT_EQ(out.results.at(0).devices.results.size(), 4u);
  const auto& sel = out.results[0].node_selector;
  ASSERT_TRUE(sel);
  ASSERT_EQ(sel->node_selector_terms.size(), 1u);
  EXPECT_EQ(sel->node_selector_terms[0].match_expressions.size(), 2u);
  EXPECT_EQ(sel->node_selector_terms[0].match_fields.size(), 1u);

  Case b;
  b.slices = {c.slices[0]};
  b.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  auto one = Ok(b);
  ASSERT_TRUE(one.results.at(0).node_selector);
  EXPECT_EQ(one.results[0].node_selector->node_selector_terms[0].match_expressions[0].key,
            "region");
  Case other = b;
  other.node = MakeNode("node-2", {{"region", "region-2"}});
  ExpectUnsat(other);
  Case local = b;
  local.slices.push_back(Slice("slice-1", "driver-a", "pool-2", {Dev("device-1")}));
  local.claims = {Claim("claim-0", {Req("req-0", "class-a", 2)})};
  EXPECT_TRUE(PinnedTo(Ok(local).results.at(0), "node-1"));
}

TEST(AllocatorTest, T17PrioritizedList) {
  Case c;
  c.features.prioritized_list = true;
  c.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")})};
  c.claims = {Claim("claim-0", {FirstAvailable("req-0", {{"class-b", 1}, {"class-a", 1}})})};
  EXPECT_EQ(Results(Ok(c).results.at(0)), V{"req-0/subReq-1 -> driver-a/pool-1/device-1"});
  Case none = c;
  none.slices.push_back(Slice("slice-1", "driver-b", "pool-1", {Dev("device-1")}));
  none.claims = {Claim("claim-0", {FirstAvailable("req-0", {{"class-b", 2}, {"class-a", 2}})})};
  ExpectUnsat(none);
  Case off = c;
  off.features = Features::None();
  off.claims = {Claim("claim-0", {FirstAvailable("req-0", {{"class-a", 1}})})};
  ExpectFatal(off,
              "claim claim-0, request req-0: has subrequests, but the DRAPrioritizedList "
              "feature is disabled");
}

TEST(AllocatorTest, T24InvalidInputErrors) {
  Case base;
  base.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")})};
  Case a = base;
  a.claims = {Claim("claim-0", {Req("req-0", "unknown-class", 1)})};
  ExpectFatal(a, "could not retrieve device class unknown-class");
  Case b = base;
  b.claims = {Claim("claim-0", {Req("req-0", "", 1)})};
  ExpectFatal(b,
              "claim claim-0, request req-0: missing device class name (unsupported request "
              "type?)");
  Case c = base;
  c.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  c.claims[0].spec.devices.requests[0].exactly->selectors.push_back(DeviceSelector{});
  ExpectFatal(c, "CEL expression empty (unsupported selector type?)");
  Case d = base;
  d.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  d.claims[0].spec.devices.requests[0].exactly->allocation_mode = "future-mode";
  ExpectFatal(d, "unsupported count mode future-mode");
  Case e = base;
  e.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  e.claims[0].spec.devices.constraints.push_back(DeviceConstraint{});
  ExpectFatal(e, "empty constraint (unsupported constraint type?)");
}

TEST(AllocatorTest, T38EmptyInputs) {
  Case none;
  auto out = Ok(none);
  EXPECT_EQ(out.outcome, AllocationOutcome::kAllocated);
  EXPECT_TRUE(out.results.empty());
  Case no_slices;
  no_slices.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)})};
  ExpectUnsat(no_slices);
  Case no_requests;
  no_requests.claims = {Claim("claim-0", {})};
  out = Ok(no_requests);
  ASSERT_EQ(out.results.size(), 1u);
  EXPECT_TRUE(out.results[0].devices.results.empty());
  EXPECT_FALSE(out.results[0].node_selector);
  Case two;
  two.slices = {Slice("slice-1", "driver-a", "pool-1", {Dev("device-1")})};
  two.claims = {Claim("claim-0", {Req("req-0", "class-a", 1)}),
                Claim("claim-1", {Req("req-0", "class-a", 1)})};
  ExpectUnsat(two);
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
  EXPECT_EQ(s.devices, (std::set<DeviceId>{{"d", "p", "exclusive"}}));
  EXPECT_EQ(s.shared_capacity.at({"d", "p", "shared"}).at("memory"), *Quantity::Parse("1Gi"));
}

}  // namespace
}  // namespace aiinfra::dra
