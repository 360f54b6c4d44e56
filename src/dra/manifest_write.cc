// Writing claims, slices, classes and nodes as `kubectl get -o yaml` prints them: upstream's JSON
// field names, keys in the order kubectl prints them (sorted, as encoding/json sorts maps after
// the JSON-to-YAML round trip), empty optional fields left out as `omitempty` leaves them out.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cctype>
#include <regex>

#include "common/text.h"
#include "dra/manifest.h"
#include "dra/manifest_reader.h"

namespace aiinfra::dra {
namespace {

// A string that a YAML 1.1 or 1.2 reader would take for a number, a bool or null is quoted, as
// sigs.k8s.io/yaml quotes it (resourceVersion "48211" stays a string).
bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  const std::string lower = ToLowerAscii(s);
  for (const char* word : {"true", "false", "yes", "no", "on", "off", "y", "n", "null", "~"}) {
    if (lower == word) return true;
  }
  static const std::regex kNumber(
      R"([-+]?(\.inf|\.nan)|[-+]?0x[0-9a-f_]+|[-+]?0o?[0-7_]+|[-+]?[0-9][0-9_]*(:[0-5]?[0-9])+(\.[0-9_]*)?|[-+]?([0-9][0-9_]*)?\.?[0-9_]*(e[-+]?[0-9]+)?)");
  // Timestamps, which YAML 1.1 readers turn into dates (kubectl quotes creationTimestamp).
  static const std::regex kTimestamp(R"([0-9]{4}-[0-9]{1,2}-[0-9]{1,2}([t ].*)?)");
  if (std::regex_match(lower, kTimestamp)) return true;
  return std::regex_match(lower, kNumber) &&
         std::any_of(lower.begin(), lower.end(), [](char c) { return c >= '0' && c <= '9'; });
}

void Str(YAML::Emitter& out, const std::string& s) {
  if (NeedsQuotes(s)) out << YAML::DoubleQuoted;
  out << s;
}

void KeyStr(YAML::Emitter& out, const char* key, const std::string& value) {
  out << YAML::Key << key << YAML::Value;
  Str(out, value);
}

void KeyStrOmitEmpty(YAML::Emitter& out, const char* key, const std::string& value) {
  if (!value.empty()) KeyStr(out, key, value);
}

void KeyStrings(YAML::Emitter& out, const char* key, const std::vector<std::string>& values) {
  if (values.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginSeq;
  for (const auto& v : values) Str(out, v);
  out << YAML::EndSeq;
}

void StringMap(YAML::Emitter& out, const char* key, const std::map<std::string, std::string>& m) {
  if (m.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : m) {
    out << YAML::Key;
    Str(out, k);
    out << YAML::Value;
    Str(out, v);
  }
  out << YAML::EndMap;
}

void QuantityMap(YAML::Emitter& out, const char* key, const std::map<std::string, Quantity>& m) {
  if (m.empty()) return;
  out << YAML::Key << key << YAML::Value << YAML::BeginMap;
  for (const auto& [k, v] : m) {
    out << YAML::Key << k << YAML::Value;
    Str(out, v.ToString());
  }
  out << YAML::EndMap;
}

void Meta(YAML::Emitter& out, const ObjectMeta& m) {
  out << YAML::Key << "metadata" << YAML::Value << YAML::BeginMap;
  StringMap(out, "annotations", m.annotations);
  KeyStrOmitEmpty(out, "creationTimestamp", m.creation_timestamp);
  if (m.generation != 0) out << YAML::Key << "generation" << YAML::Value << m.generation;
  StringMap(out, "labels", m.labels);
  KeyStr(out, "name", m.name);
  KeyStrOmitEmpty(out, "namespace", m.ns);
  KeyStrOmitEmpty(out, "resourceVersion", m.resource_version);
  KeyStrOmitEmpty(out, "uid", m.uid);
  out << YAML::EndMap;
}

void Opaque(YAML::Emitter& out, const std::optional<OpaqueDeviceConfiguration>& o) {
  if (!o) return;
  out << YAML::Key << "opaque" << YAML::Value << YAML::BeginMap;
  KeyStr(out, "driver", o->driver);
  if (!o->parameters.empty()) {
    out << YAML::Key << "parameters" << YAML::Value;
    YAML::Node params;
    try {
      params = YAML::Load(o->parameters);
    } catch (const YAML::Exception&) {
      params = YAML::Node(YAML::NodeType::Map);
    }
    long nodes = 1 << 20;
    if (!internal::EmitYamlValue(out, params, 64, nodes)) out << YAML::Null;
  }
  out << YAML::EndMap;
}

void Selectors(YAML::Emitter& out, const std::vector<DeviceSelector>& selectors) {
  if (selectors.empty()) return;
  out << YAML::Key << "selectors" << YAML::Value << YAML::BeginSeq;
  for (const auto& s : selectors) {
    out << YAML::BeginMap;
    if (s.cel) {
      out << YAML::Key << "cel" << YAML::Value << YAML::BeginMap;
      KeyStr(out, "expression", *s.cel);
      out << YAML::EndMap;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

void Tolerations(YAML::Emitter& out, const std::vector<DeviceToleration>& tolerations) {
  if (tolerations.empty()) return;
  out << YAML::Key << "tolerations" << YAML::Value << YAML::BeginSeq;
  for (const auto& t : tolerations) {
    out << YAML::BeginMap;
    KeyStrOmitEmpty(out, "effect", t.effect);
    KeyStrOmitEmpty(out, "key", t.key);
    KeyStrOmitEmpty(out, "operator", t.op);
    if (t.toleration_seconds) {
      out << YAML::Key << "tolerationSeconds" << YAML::Value << *t.toleration_seconds;
    }
    KeyStrOmitEmpty(out, "value", t.value);
    out << YAML::EndMap;
  }
  out << YAML::EndSeq;
}

// The fields of a request slot, sorted; `name` and `adminAccess` slot in where they sort.
void Slot(YAML::Emitter& out, const DeviceRequestSlot& s, const std::optional<bool>& admin_access,
          const std::string* name) {
  if (admin_access) out << YAML::Key << "adminAccess" << YAML::Value << *admin_access;
  KeyStrOmitEmpty(out, "allocationMode", s.allocation_mode);
  if (s.capacity) {
    out << YAML::Key << "capacity" << YAML::Value << YAML::BeginMap;
    QuantityMap(out, "requests", s.capacity->requests);
    out << YAML::EndMap;
  }
  if (s.count != 0) out << YAML::Key << "count" << YAML::Value << s.count;
  KeyStr(out, "deviceClassName", s.device_class_name);
  if (name) KeyStr(out, "name", *name);
  Selectors(out, s.selectors);
  Tolerations(out, s.tolerations);
}

void NodeSelectorValue(YAML::Emitter& out, const NodeSelector& selector) {
  out << YAML::BeginMap << YAML::Key << "nodeSelectorTerms" << YAML::Value << YAML::BeginSeq;
  for (const auto& term : selector.node_selector_terms) {
    out << YAML::BeginMap;
    for (const auto* list : {&term.match_expressions, &term.match_fields}) {
      if (list->empty()) continue;
      out << YAML::Key << (list == &term.match_expressions ? "matchExpressions" : "matchFields")
          << YAML::Value << YAML::BeginSeq;
      for (const auto& r : *list) {
        out << YAML::BeginMap;
        KeyStr(out, "key", r.key);
        KeyStr(out, "operator", r.op);
        KeyStrings(out, "values", r.values);
        out << YAML::EndMap;
      }
      out << YAML::EndSeq;
    }
    out << YAML::EndMap;
  }
  out << YAML::EndSeq << YAML::EndMap;
}

void Allocation(YAML::Emitter& out, const AllocationResult& a) {
  out << YAML::BeginMap;
  if (a.allocation_timestamp) KeyStr(out, "allocationTimestamp", *a.allocation_timestamp);
  out << YAML::Key << "devices" << YAML::Value;
  if (a.devices.config.empty() && a.devices.results.empty()) out << YAML::Flow;
  out << YAML::BeginMap;
  if (!a.devices.config.empty()) {
    out << YAML::Key << "config" << YAML::Value << YAML::BeginSeq;
    for (const auto& c : a.devices.config) {
      out << YAML::BeginMap;
      Opaque(out, c.opaque);
      KeyStrings(out, "requests", c.requests);
      KeyStr(out, "source", c.source);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!a.devices.results.empty()) {
    out << YAML::Key << "results" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : a.devices.results) {
      out << YAML::BeginMap;
      if (r.admin_access) out << YAML::Key << "adminAccess" << YAML::Value << *r.admin_access;
      KeyStrings(out, "bindingConditions", r.binding_conditions);
      KeyStrings(out, "bindingFailureConditions", r.binding_failure_conditions);
      QuantityMap(out, "consumedCapacity", r.consumed_capacity);
      KeyStr(out, "device", r.device);
      KeyStr(out, "driver", r.driver);
      KeyStr(out, "pool", r.pool);
      KeyStr(out, "request", r.request);
      if (r.share_id) KeyStr(out, "shareID", *r.share_id);
      Tolerations(out, r.tolerations);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  if (a.node_selector) {
    out << YAML::Key << "nodeSelector" << YAML::Value;
    NodeSelectorValue(out, *a.node_selector);
  }
  out << YAML::EndMap;
}

void ClaimSpec(YAML::Emitter& out, const ResourceClaimSpec& spec) {
  const DeviceClaim& d = spec.devices;
  out << YAML::BeginMap << YAML::Key << "devices" << YAML::Value;
  if (d.config.empty() && d.constraints.empty() && d.requests.empty()) out << YAML::Flow;
  out << YAML::BeginMap;
  if (!d.config.empty()) {
    out << YAML::Key << "config" << YAML::Value << YAML::BeginSeq;
    for (const auto& c : d.config) {
      out << YAML::BeginMap;
      Opaque(out, c.opaque);
      KeyStrings(out, "requests", c.requests);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!d.constraints.empty()) {
    out << YAML::Key << "constraints" << YAML::Value << YAML::BeginSeq;
    for (const auto& c : d.constraints) {
      out << YAML::BeginMap;
      if (c.distinct_attribute) KeyStr(out, "distinctAttribute", *c.distinct_attribute);
      if (c.match_attribute) KeyStr(out, "matchAttribute", *c.match_attribute);
      KeyStrings(out, "requests", c.requests);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (!d.requests.empty()) {
    out << YAML::Key << "requests" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : d.requests) {
      out << YAML::BeginMap;
      if (r.exactly) {
        out << YAML::Key << "exactly" << YAML::Value << YAML::BeginMap;
        Slot(out, *r.exactly, r.exactly->admin_access, nullptr);
        out << YAML::EndMap;
      }
      if (!r.first_available.empty()) {
        out << YAML::Key << "firstAvailable" << YAML::Value << YAML::BeginSeq;
        for (const auto& sub : r.first_available) {
          out << YAML::BeginMap;
          Slot(out, sub, std::nullopt, &sub.name);
          out << YAML::EndMap;
        }
        out << YAML::EndSeq;
      }
      KeyStr(out, "name", r.name);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap << YAML::EndMap;
}

// ---- ResourceSlice, DeviceClass ----------------------------------------------------------------

void AttributeValueOf(YAML::Emitter& out, const AttributeValue& v) {
  out << YAML::BeginMap;
  switch (v.kind) {
    case AttributeValue::Kind::kBool:
      out << YAML::Key << "bool" << YAML::Value << v.bool_value;
      break;
    case AttributeValue::Kind::kInt:
      out << YAML::Key << "int" << YAML::Value << v.int_value;
      break;
    case AttributeValue::Kind::kString:
      KeyStr(out, "string", v.string_value);
      break;
    case AttributeValue::Kind::kVersion:
      KeyStr(out, "version", v.string_value);
      break;
    case AttributeValue::Kind::kUnset:  // an attribute naming no value prints as {}
      break;
  }
  out << YAML::EndMap;
}

void CounterMap(YAML::Emitter& out, const std::map<std::string, Counter>& counters) {
  out << YAML::Key << "counters" << YAML::Value << YAML::BeginMap;
  for (const auto& [name, c] : counters) {
    out << YAML::Key << name << YAML::Value << YAML::BeginMap;
    KeyStr(out, "value", c.value.ToString());
    out << YAML::EndMap;
  }
  out << YAML::EndMap;
}

void Capacity(YAML::Emitter& out, const DeviceCapacity& c) {
  out << YAML::BeginMap;
  if (c.request_policy) {
    const CapacityRequestPolicy& p = *c.request_policy;
    out << YAML::Key << "requestPolicy" << YAML::Value << YAML::BeginMap;
    if (p.default_value) KeyStr(out, "default", p.default_value->ToString());
    if (p.valid_range) {
      out << YAML::Key << "validRange" << YAML::Value << YAML::BeginMap;
      if (p.valid_range->max) KeyStr(out, "max", p.valid_range->max->ToString());
      KeyStr(out, "min", p.valid_range->min.ToString());
      if (p.valid_range->step) KeyStr(out, "step", p.valid_range->step->ToString());
      out << YAML::EndMap;
    }
    if (!p.valid_values.empty()) {
      out << YAML::Key << "validValues" << YAML::Value << YAML::BeginSeq;
      for (const Quantity& q : p.valid_values) Str(out, q.ToString());
      out << YAML::EndSeq;
    }
    out << YAML::EndMap;
  }
  KeyStr(out, "value", c.value.ToString());
  out << YAML::EndMap;
}

void DeviceOf(YAML::Emitter& out, const Device& d) {
  out << YAML::BeginMap;
  if (d.all_nodes) out << YAML::Key << "allNodes" << YAML::Value << *d.all_nodes;
  if (d.allow_multiple_allocations) {
    out << YAML::Key << "allowMultipleAllocations" << YAML::Value << *d.allow_multiple_allocations;
  }
  if (!d.attributes.empty()) {
    out << YAML::Key << "attributes" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, v] : d.attributes) {
      out << YAML::Key << name << YAML::Value;
      AttributeValueOf(out, v);
    }
    out << YAML::EndMap;
  }
  KeyStrings(out, "bindingConditions", d.binding_conditions);
  KeyStrings(out, "bindingFailureConditions", d.binding_failure_conditions);
  if (d.binds_to_node) out << YAML::Key << "bindsToNode" << YAML::Value << *d.binds_to_node;
  if (!d.capacity.empty()) {
    out << YAML::Key << "capacity" << YAML::Value << YAML::BeginMap;
    for (const auto& [name, c] : d.capacity) {
      out << YAML::Key << name << YAML::Value;
      Capacity(out, c);
    }
    out << YAML::EndMap;
  }
  if (!d.consumes_counters.empty()) {
    out << YAML::Key << "consumesCounters" << YAML::Value << YAML::BeginSeq;
    for (const auto& c : d.consumes_counters) {
      out << YAML::BeginMap;
      KeyStr(out, "counterSet", c.counter_set);
      CounterMap(out, c.counters);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  KeyStr(out, "name", d.name);
  if (d.node_name) KeyStr(out, "nodeName", *d.node_name);
  if (d.node_selector) {
    out << YAML::Key << "nodeSelector" << YAML::Value;
    NodeSelectorValue(out, *d.node_selector);
  }
  if (!d.taints.empty()) {
    out << YAML::Key << "taints" << YAML::Value << YAML::BeginSeq;
    for (const auto& t : d.taints) {
      out << YAML::BeginMap;
      KeyStr(out, "effect", t.effect);
      KeyStr(out, "key", t.key);
      if (t.time_added) KeyStr(out, "timeAdded", *t.time_added);
      KeyStrOmitEmpty(out, "value", t.value);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

void SliceSpec(YAML::Emitter& out, const ResourceSliceSpec& s) {
  out << YAML::BeginMap;
  if (s.all_nodes) out << YAML::Key << "allNodes" << YAML::Value << *s.all_nodes;
  if (!s.devices.empty()) {
    out << YAML::Key << "devices" << YAML::Value << YAML::BeginSeq;
    for (const Device& d : s.devices) DeviceOf(out, d);
    out << YAML::EndSeq;
  }
  KeyStr(out, "driver", s.driver);
  if (s.node_name) KeyStr(out, "nodeName", *s.node_name);
  if (s.node_selector) {
    out << YAML::Key << "nodeSelector" << YAML::Value;
    NodeSelectorValue(out, *s.node_selector);
  }
  if (s.per_device_node_selection) {
    out << YAML::Key << "perDeviceNodeSelection" << YAML::Value << *s.per_device_node_selection;
  }
  out << YAML::Key << "pool" << YAML::Value << YAML::BeginMap;
  out << YAML::Key << "generation" << YAML::Value << s.pool.generation;
  KeyStr(out, "name", s.pool.name);
  out << YAML::Key << "resourceSliceCount" << YAML::Value << s.pool.resource_slice_count;
  out << YAML::EndMap;
  if (!s.shared_counters.empty()) {
    out << YAML::Key << "sharedCounters" << YAML::Value << YAML::BeginSeq;
    for (const CounterSet& set : s.shared_counters) {
      out << YAML::BeginMap;
      CounterMap(out, set.counters);
      KeyStr(out, "name", set.name);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
}

}  // namespace

std::string ToYaml(const ResourceClaim& claim) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  KeyStr(out, "apiVersion", "resource.k8s.io/v1");
  KeyStr(out, "kind", "ResourceClaim");
  Meta(out, claim.metadata);
  out << YAML::Key << "spec" << YAML::Value;
  ClaimSpec(out, claim.spec);
  out << YAML::Key << "status" << YAML::Value;
  if (!claim.status.allocation && claim.status.reserved_for.empty()) out << YAML::Flow;
  out << YAML::BeginMap;
  if (claim.status.allocation) {
    out << YAML::Key << "allocation" << YAML::Value;
    Allocation(out, *claim.status.allocation);
  }
  if (!claim.status.reserved_for.empty()) {
    out << YAML::Key << "reservedFor" << YAML::Value << YAML::BeginSeq;
    for (const auto& r : claim.status.reserved_for) {
      out << YAML::BeginMap;
      KeyStrOmitEmpty(out, "apiGroup", r.api_group);
      KeyStr(out, "name", r.name);
      KeyStr(out, "resource", r.resource);
      KeyStr(out, "uid", r.uid);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string ToYaml(const AllocationResult& allocation) {
  YAML::Emitter out;
  Allocation(out, allocation);
  return std::string(out.c_str()) + "\n";
}

}  // namespace aiinfra::dra

namespace aiinfra::dra {

std::string ToYaml(const ResourceSlice& slice) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  KeyStr(out, "apiVersion", "resource.k8s.io/v1");
  KeyStr(out, "kind", "ResourceSlice");
  Meta(out, slice.metadata);
  out << YAML::Key << "spec" << YAML::Value;
  SliceSpec(out, slice.spec);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string ToYaml(const DeviceClass& device_class) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  KeyStr(out, "apiVersion", "resource.k8s.io/v1");
  KeyStr(out, "kind", "DeviceClass");
  Meta(out, device_class.metadata);
  const DeviceClassSpec& spec = device_class.spec;
  out << YAML::Key << "spec" << YAML::Value;
  if (spec.config.empty() && spec.selectors.empty() && !spec.extended_resource_name) {
    out << YAML::Flow;
  }
  out << YAML::BeginMap;
  if (!spec.config.empty()) {
    out << YAML::Key << "config" << YAML::Value << YAML::BeginSeq;
    for (const auto& c : spec.config) {
      out << YAML::BeginMap;
      Opaque(out, c.opaque);
      out << YAML::EndMap;
    }
    out << YAML::EndSeq;
  }
  if (spec.extended_resource_name) {
    KeyStr(out, "extendedResourceName", *spec.extended_resource_name);
  }
  Selectors(out, spec.selectors);
  out << YAML::EndMap;
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

std::string ToYaml(const Node& node) {
  YAML::Emitter out;
  out << YAML::BeginMap;
  KeyStr(out, "apiVersion", "v1");
  KeyStr(out, "kind", "Node");
  Meta(out, node.metadata);
  out << YAML::EndMap;
  return std::string(out.c_str()) + "\n";
}

}  // namespace aiinfra::dra
