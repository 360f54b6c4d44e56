// Manifest reading of ResourceClaim (with status.allocation) and ResourceClaimTemplate, with the
// API server's validation (specs/dra.md section 1) when ReadOptions::validate is on.
#include <map>
#include <set>

#include "dra/manifest_reader.h"
#include "dra/names.h"

namespace aiinfra::dra::internal {

Result<DeviceToleration> ManifestReader::ReadToleration(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, Map(node));
  DeviceToleration t;
  AIINFRA_TRY(t.key, StringField(m, "key", false));
  AIINFRA_TRY(std::string op, StringField(m, "operator", false));
  if (!op.empty()) t.op = op;  // defaulted to Equal
  AIINFRA_TRY(t.value, StringField(m, "value", false));
  AIINFRA_TRY(t.effect, StringField(m, "effect", false));
  if (auto n = m.Optional("tolerationSeconds")) {
    AIINFRA_TRY(t.toleration_seconds, Int(*n));
  }
  AIINFRA_CHECK_OK(m.Finish());
  if (validate_) {
    if (!t.key.empty()) AIINFRA_CHECK_OK(Check(Child(node, "key"), CheckLabelKey(t.key)));
    const YamlNode op_at = m.Has("operator") ? Child(node, "operator") : node;
    if (t.op == "Exists") {
      if (!t.value.empty()) {
        AIINFRA_CHECK_OK(Invalid(Child(node, "value"), "must be empty when operator is Exists"));
      }
    } else if (t.op == "Equal") {
      if (t.key.empty()) AIINFRA_CHECK_OK(Invalid(op_at, "must be Exists when key is empty"));
      if (!t.value.empty()) {
        AIINFRA_CHECK_OK(Check(Child(node, "value"), CheckLabelValue(t.value)));
      }
    } else {
      AIINFRA_CHECK_OK(
          Invalid(op_at, "unsupported toleration operator " + Quote(t.op) + " (Equal, Exists)"));
    }
    if (!t.effect.empty() && t.effect != "NoSchedule" && t.effect != "NoExecute") {
      AIINFRA_CHECK_OK(Invalid(Child(node, "effect"), "unsupported toleration effect " +
                                                          Quote(t.effect) +
                                                          " (NoSchedule, NoExecute or empty)"));
    }
  }
  return t;
}

Status ManifestReader::ReadSlot(YamlMap& m, DeviceRequestSlot& slot) {
  const YamlNode& self = m.self();
  AIINFRA_TRY(slot.device_class_name, StringField(m, "deviceClassName", true));
  if (auto n = m.Optional("deviceClassName")) {
    AIINFRA_CHECK_OK(Check(*n, CheckDnsSubdomain(slot.device_class_name)));
  }
  if (auto n = m.Optional("selectors")) {
    AIINFRA_TRY(slot.selectors, ReadSelectors(*n));
  }
  std::string mode;
  AIINFRA_TRY(mode, StringField(m, "allocationMode", false));
  slot.allocation_mode = mode.empty() ? kAllocationModeExactCount : mode;
  slot.count = 0;
  std::optional<YamlNode> count_node = m.Optional("count");
  if (count_node) {
    AIINFRA_TRY(slot.count, Int(*count_node));
  }
  if (slot.allocation_mode == kAllocationModeExactCount) {
    if (slot.count == 0) slot.count = 1;  // upstream defaults an unset (zero) count
    if (slot.count < 0) AIINFRA_CHECK_OK(Invalid(*count_node, "must be greater than 0"));
  } else if (slot.allocation_mode == kAllocationModeAll) {
    if (slot.count != 0) {
      AIINFRA_CHECK_OK(Invalid(*count_node, "must not be set when allocationMode is All"));
    }
  }
  // Any other mode is kept for the allocator to reject (specs/dra.md T24 "future-mode").
  if (auto n = m.Optional("tolerations")) {
    AIINFRA_TRY(auto items, List(*n, kMaxTolerations));
    for (const YamlNode& item : items) {
      AIINFRA_TRY(DeviceToleration t, ReadToleration(item));
      slot.tolerations.push_back(std::move(t));
    }
  }
  if (auto n = m.Optional("capacity")) {
    AIINFRA_TRY(YamlMap cm, Map(*n));
    CapacityRequirements cap;
    if (auto r = cm.Optional("requests")) {
      AIINFRA_TRY(auto entries, Entries(*r));
      for (auto& [name, value] : entries) {
        AIINFRA_CHECK_OK(Check(value, CheckQualifiedName(name)));
        AIINFRA_TRY(cap.requests[name], Qty(value));
      }
    }
    AIINFRA_CHECK_OK(cm.Finish());
    slot.capacity = std::move(cap);
  }
  (void)self;
  return {};
}

Result<DeviceRequest> ManifestReader::ReadRequest(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, Map(node));
  DeviceRequest r;
  r.where = node.Where();
  AIINFRA_TRY(r.name, StringField(m, "name", true));
  if (auto n = m.Optional("name")) AIINFRA_CHECK_OK(Check(*n, CheckDnsLabel(r.name)));
  auto exactly = m.Optional("exactly");
  auto first = m.Optional("firstAvailable");
  if (exactly) {
    AIINFRA_TRY(YamlMap em, Map(*exactly));
    ExactDeviceRequest e;
    AIINFRA_CHECK_OK(ReadSlot(em, e));
    if (auto n = em.Optional("adminAccess")) {
      AIINFRA_TRY(e.admin_access, Bool(*n));
    }
    AIINFRA_CHECK_OK(em.Finish());
    r.exactly = std::move(e);
  }
  if (first) {
    AIINFRA_TRY(auto items, List(*first, kMaxSubRequests));
    if (items.empty()) AIINFRA_CHECK_OK(Invalid(*first, "must have at least one subrequest"));
    std::map<std::string, int> names;
    for (const YamlNode& item : items) {
      AIINFRA_TRY(YamlMap sm, Map(item));
      DeviceSubRequest sub;
      sub.where = item.Where();
      AIINFRA_TRY(sub.name, StringField(sm, "name", true));
      if (auto n = sm.Optional("name")) {
        AIINFRA_CHECK_OK(Check(*n, CheckDnsLabel(sub.name)));
        if (validate_ && !names.emplace(sub.name, 0).second) {
          return Fail(n->Err("duplicate subrequest name " + Quote(sub.name)));
        }
      }
      AIINFRA_CHECK_OK(ReadSlot(sm, sub));
      AIINFRA_CHECK_OK(sm.Finish());
      r.first_available.push_back(std::move(sub));
    }
  }
  AIINFRA_CHECK_OK(m.Finish());
  if (exactly.has_value() == first.has_value()) {
    AIINFRA_CHECK_OK(Invalid(node, "exactly one of exactly and firstAvailable is required"));
  }
  return r;
}

Result<std::vector<std::string>> ManifestReader::ReadRequestRefs(
    const YamlNode& node, const std::vector<DeviceRequest>& requests) {
  AIINFRA_TRY(std::vector<std::string> refs, Strings(node, kMaxRequests));
  if (!validate_) return refs;
  std::set<std::string> seen;
  for (std::size_t i = 0; i < refs.size(); ++i) {
    YamlNode at{node.node[i], node.file, node.path + "[" + std::to_string(i) + "]"};
    const std::string& ref = refs[i];
    if (!seen.insert(ref).second) return Fail(at.Err("duplicate request " + Quote(ref)));
    const std::size_t slash = ref.find('/');
    const std::string parent = ref.substr(0, slash);
    bool found = false;
    for (const DeviceRequest& r : requests) {
      if (r.name != parent) continue;
      if (slash == std::string::npos) {
        found = true;
      } else {
        const std::string sub = ref.substr(slash + 1);
        for (const auto& s : r.first_available) found = found || s.name == sub;
      }
    }
    if (!found) {
      return Fail(
          at.Err("must be the name of a request in the claim or of one of its "
                 "subrequests (\"request/subrequest\"): " +
                 Quote(ref)));
    }
  }
  return refs;
}

Result<ResourceClaimSpec> ManifestReader::ReadClaimSpec(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, Map(node));
  ResourceClaimSpec spec;
  if (auto devices_node = m.Optional("devices")) {
    AIINFRA_TRY(YamlMap dm, Map(*devices_node));
    DeviceClaim& dc = spec.devices;
    if (auto n = dm.Optional("requests")) {
      AIINFRA_TRY(auto items, List(*n, kMaxRequests));
      std::map<std::string, int> names;
      for (const YamlNode& item : items) {
        AIINFRA_TRY(DeviceRequest r, ReadRequest(item));
        if (validate_ && !names.emplace(r.name, 0).second) {
          return Fail(Child(item, "name").Err("duplicate request name " + Quote(r.name)));
        }
        dc.requests.push_back(std::move(r));
      }
    }
    if (auto n = dm.Optional("constraints")) {
      AIINFRA_TRY(auto items, List(*n, kMaxConstraints));
      for (const YamlNode& item : items) {
        AIINFRA_TRY(YamlMap cm, Map(item));
        DeviceConstraint c;
        c.where = item.Where();
        if (auto r = cm.Optional("requests")) {
          AIINFRA_TRY(c.requests, ReadRequestRefs(*r, dc.requests));
        }
        for (const char* field : {"matchAttribute", "distinctAttribute"}) {
          if (auto a = cm.Optional(field)) {
            AIINFRA_TRY(std::string name, String(*a));
            AIINFRA_CHECK_OK(Check(*a, CheckFullyQualifiedName(name)));
            (field == std::string_view("matchAttribute") ? c.match_attribute
                                                         : c.distinct_attribute) = name;
          }
        }
        AIINFRA_CHECK_OK(cm.Finish());
        if (c.match_attribute.has_value() == c.distinct_attribute.has_value()) {
          AIINFRA_CHECK_OK(
              Invalid(item, "exactly one of matchAttribute and distinctAttribute is required"));
        }
        dc.constraints.push_back(std::move(c));
      }
    }
    if (auto n = dm.Optional("config")) {
      AIINFRA_TRY(auto items, List(*n, kMaxConfigs));
      for (const YamlNode& item : items) {
        AIINFRA_TRY(YamlMap cm, Map(item));
        DeviceClaimConfiguration c;
        if (auto r = cm.Optional("requests")) {
          AIINFRA_TRY(c.requests, ReadRequestRefs(*r, dc.requests));
        }
        auto o = cm.Optional("opaque");
        AIINFRA_CHECK_OK(cm.Finish());
        if (o) {
          AIINFRA_TRY(c.opaque, ReadOpaque(*o));
        } else {
          AIINFRA_CHECK_OK(Invalid(item, "exactly one of opaque is required"));
        }
        dc.config.push_back(std::move(c));
      }
    }
    AIINFRA_CHECK_OK(dm.Finish());
  }
  AIINFRA_CHECK_OK(m.Finish());
  return spec;
}

Result<DeviceRequestAllocationResult> ManifestReader::ReadResult(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, Map(node));
  DeviceRequestAllocationResult r;
  AIINFRA_TRY(r.request, StringField(m, "request", true));
  AIINFRA_TRY(r.driver, StringField(m, "driver", true));
  AIINFRA_TRY(r.pool, StringField(m, "pool", true));
  AIINFRA_TRY(r.device, StringField(m, "device", true));
  if (validate_) {
    AIINFRA_CHECK_OK(Check(Child(node, "driver"), CheckDriverName(r.driver)));
    AIINFRA_CHECK_OK(Check(Child(node, "pool"), CheckPoolName(r.pool)));
    AIINFRA_CHECK_OK(Check(Child(node, "device"), CheckDnsLabel(r.device)));
  }
  if (auto n = m.Optional("adminAccess")) {
    AIINFRA_TRY(r.admin_access, Bool(*n));
  }
  if (auto n = m.Optional("tolerations")) {
    AIINFRA_TRY(auto items, List(*n, kMaxTolerations));
    for (const YamlNode& item : items) {
      AIINFRA_TRY(DeviceToleration t, ReadToleration(item));
      r.tolerations.push_back(std::move(t));
    }
  }
  if (auto n = m.Optional("bindingConditions")) {
    AIINFRA_TRY(r.binding_conditions, Strings(*n, kMaxBindingConditions));
  }
  if (auto n = m.Optional("bindingFailureConditions")) {
    AIINFRA_TRY(r.binding_failure_conditions, Strings(*n, kMaxBindingConditions));
  }
  if (auto n = m.Optional("shareID")) {
    AIINFRA_TRY(r.share_id, String(*n));
  }
  if (auto n = m.Optional("consumedCapacity")) {
    AIINFRA_TRY(auto entries, Entries(*n));
    for (auto& [name, value] : entries) {
      AIINFRA_CHECK_OK(Check(value, CheckQualifiedName(name)));
      AIINFRA_TRY(r.consumed_capacity[name], Qty(value));
    }
  }
  AIINFRA_CHECK_OK(m.Finish());
  return r;
}

Result<AllocationResult> ManifestReader::ReadAllocation(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, Map(node));
  AllocationResult a;
  if (auto devices_node = m.Optional("devices")) {
    AIINFRA_TRY(YamlMap dm, Map(*devices_node));
    if (auto n = dm.Optional("results")) {
      AIINFRA_TRY(auto items, List(*n, kMaxResults));
      for (const YamlNode& item : items) {
        AIINFRA_TRY(auto r, ReadResult(item));
        a.devices.results.push_back(std::move(r));
      }
    }
    if (auto n = dm.Optional("config")) {
      AIINFRA_TRY(auto items, List(*n, kMaxAllocationConfigs));
      for (const YamlNode& item : items) {
        AIINFRA_TRY(YamlMap cm, Map(item));
        DeviceAllocationConfiguration c;
        AIINFRA_TRY(c.source, StringField(cm, "source", true));
        if (validate_ && c.source != kConfigSourceFromClass && c.source != kConfigSourceFromClaim) {
          return Fail(
              Child(item, "source")
                  .Err("unsupported source " + Quote(c.source) + " (FromClass, FromClaim)"));
        }
        if (auto r = cm.Optional("requests")) {
          AIINFRA_TRY(c.requests, Strings(*r, kMaxRequests));
        }
        auto o = cm.Optional("opaque");
        AIINFRA_CHECK_OK(cm.Finish());
        if (o) {
          AIINFRA_TRY(c.opaque, ReadOpaque(*o));
        } else {
          AIINFRA_CHECK_OK(Invalid(item, "exactly one of opaque is required"));
        }
        a.devices.config.push_back(std::move(c));
      }
    }
    AIINFRA_CHECK_OK(dm.Finish());
  }
  if (auto n = m.Optional("nodeSelector")) {
    AIINFRA_TRY(a.node_selector, ReadNodeSelector(*n, false));
  }
  if (auto n = m.Optional("allocationTimestamp")) {
    AIINFRA_TRY(a.allocation_timestamp, String(*n));
  }
  AIINFRA_CHECK_OK(m.Finish());
  return a;
}

Result<ResourceClaim> ManifestReader::ReadResourceClaim(YamlMap& doc) {
  ResourceClaim claim;
  claim.where = doc.self().Where();
  AIINFRA_TRY(YamlNode meta, doc.Required("metadata"));
  AIINFRA_TRY(claim.metadata, ReadMeta(meta, true));
  AIINFRA_TRY(YamlNode spec, doc.Required("spec"));
  AIINFRA_TRY(claim.spec, ReadClaimSpec(spec));
  if (auto status_node = doc.Optional("status")) {
    AIINFRA_TRY(YamlMap sm, Map(*status_node));
    if (auto n = sm.Optional("allocation")) {
      AIINFRA_TRY(claim.status.allocation, ReadAllocation(*n));
    }
    if (auto n = sm.Optional("reservedFor")) {
      AIINFRA_TRY(auto items, List(*n, kMaxReservedFor));
      for (const YamlNode& item : items) {
        AIINFRA_TRY(YamlMap rm, Map(item));
        ResourceClaimConsumerReference ref;
        AIINFRA_TRY(ref.api_group, StringField(rm, "apiGroup", false));
        AIINFRA_TRY(ref.resource, StringField(rm, "resource", true));
        AIINFRA_TRY(ref.name, StringField(rm, "name", true));
        AIINFRA_TRY(ref.uid, StringField(rm, "uid", true));
        AIINFRA_CHECK_OK(rm.Finish());
        claim.status.reserved_for.push_back(std::move(ref));
      }
    }
    (void)sm.Optional("devices");  // drivers' per-device status: not used by allocation
    AIINFRA_CHECK_OK(sm.Finish());
  }
  return claim;
}

Result<ResourceClaimTemplate> ManifestReader::ReadResourceClaimTemplate(YamlMap& doc) {
  ResourceClaimTemplate t;
  t.where = doc.self().Where();
  AIINFRA_TRY(YamlNode meta, doc.Required("metadata"));
  AIINFRA_TRY(t.metadata, ReadMeta(meta, true));
  AIINFRA_TRY(YamlNode spec_node, doc.Required("spec"));
  AIINFRA_TRY(YamlMap spec, Map(spec_node));
  if (auto n = spec.Optional("metadata")) {
    AIINFRA_TRY(YamlMap mm, Map(*n));
    if (auto l = mm.Optional("labels")) {
      AIINFRA_TRY(t.claim_labels, StringMap(*l));
    }
    if (auto a = mm.Optional("annotations")) {
      AIINFRA_TRY(t.claim_annotations, StringMap(*a));
    }
    (void)mm.Optional("creationTimestamp");  // kubectl prints "creationTimestamp: null"
    AIINFRA_CHECK_OK(mm.Finish());
  }
  AIINFRA_TRY(YamlNode claim_spec, spec.Required("spec"));
  AIINFRA_TRY(t.spec, ReadClaimSpec(claim_spec));
  AIINFRA_CHECK_OK(spec.Finish());
  return t;
}

}  // namespace aiinfra::dra::internal
