// Manifest reading of DeviceClass and ResourceSlice (and the selectors and opaque configuration
// that classes and claims share), with the API server's validation (specs/dra.md section 1)
// when ReadOptions::validate is on.
#include <map>
#include <set>

#include "dra/manifest_reader.h"
#include "dra/names.h"

namespace aiinfra::dra::internal {

Result<std::string> ManifestReader::ReadParameters(const YamlNode& node) {
  if (!node.IsMap()) return Fail(node.Err("parameters must be an object"));
  YAML::Emitter out;
  long nodes = 4096;
  if (!EmitYamlValue(out, node.node, 32, nodes) || !out.good()) {
    return Fail(node.Err("parameters are too large or too deeply nested"));
  }
  std::string text = out.c_str();
  if (validate_ && text.size() > kMaxParametersSize) {
    return Fail(node.Err("parameters must not be larger than 10Ki (" + std::to_string(text.size()) +
                         " bytes)"));
  }
  return text;
}

Result<OpaqueDeviceConfiguration> ManifestReader::ReadOpaque(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, Map(node));
  OpaqueDeviceConfiguration opaque;
  AIINFRA_TRY(opaque.driver, StringField(m, "driver", true));
  if (auto n = m.Optional("driver")) AIINFRA_CHECK_OK(Check(*n, CheckDriverName(opaque.driver)));
  if (validate_) AIINFRA_CHECK_OK(m.Required("parameters"));
  if (auto n = m.Optional("parameters")) {
    AIINFRA_TRY(opaque.parameters, ReadParameters(*n));
  }
  AIINFRA_CHECK_OK(m.Finish());
  return opaque;
}

Result<std::vector<DeviceSelector>> ManifestReader::ReadSelectors(const YamlNode& node) {
  AIINFRA_TRY(auto items, List(node, kMaxSelectors));
  std::vector<DeviceSelector> selectors;
  for (const YamlNode& item : items) {
    AIINFRA_TRY(YamlMap m, Map(item));
    DeviceSelector selector;
    selector.where = item.Where();
    auto cel = m.Optional("cel");
    AIINFRA_CHECK_OK(m.Finish());
    if (cel) {
      AIINFRA_TRY(YamlMap cm, Map(*cel));
      AIINFRA_TRY(std::string expression, StringField(cm, "expression", true));
      AIINFRA_CHECK_OK(cm.Finish());
      if (validate_) {
        AIINFRA_TRY(YamlNode at, cm.Required("expression"));
        if (expression.empty()) AIINFRA_CHECK_OK(Invalid(at, "must not be empty"));
        if (expression.size() > kMaxCelLength) {
          AIINFRA_CHECK_OK(Invalid(at, "must be at most 10Ki characters"));
        }
      }
      selector.cel = std::move(expression);
    } else {
      AIINFRA_CHECK_OK(Invalid(item, "exactly one of cel is required"));
    }
    selectors.push_back(std::move(selector));
  }
  return selectors;
}

Result<DeviceClass> ManifestReader::ReadDeviceClass(YamlMap& doc) {
  DeviceClass dc;
  dc.where = doc.self().Where();
  AIINFRA_TRY(YamlNode meta, doc.Required("metadata"));
  AIINFRA_TRY(dc.metadata, ReadMeta(meta, false));
  AIINFRA_TRY(YamlNode spec_node, doc.Required("spec"));
  AIINFRA_TRY(YamlMap spec, Map(spec_node));
  if (auto n = spec.Optional("selectors")) {
    AIINFRA_TRY(dc.spec.selectors, ReadSelectors(*n));
  }
  if (auto n = spec.Optional("config")) {
    AIINFRA_TRY(auto items, List(*n, kMaxConfigs));
    for (const YamlNode& item : items) {
      AIINFRA_TRY(YamlMap cm, Map(item));
      DeviceClassConfiguration config;
      auto o = cm.Optional("opaque");
      AIINFRA_CHECK_OK(cm.Finish());
      if (o) {
        AIINFRA_TRY(config.opaque, ReadOpaque(*o));
      } else {
        AIINFRA_CHECK_OK(Invalid(item, "exactly one of opaque is required"));
      }
      dc.spec.config.push_back(std::move(config));
    }
  }
  if (auto n = spec.Optional("extendedResourceName")) {
    AIINFRA_TRY(dc.spec.extended_resource_name, String(*n));
    AIINFRA_CHECK_OK(Check(*n, CheckLabelKey(*dc.spec.extended_resource_name)));
  }
  AIINFRA_CHECK_OK(spec.Finish());
  return dc;
}

Result<std::map<std::string, Counter>> ManifestReader::ReadCounters(const YamlNode& node) {
  AIINFRA_TRY(auto entries, Entries(node, kMaxCountersPerSet));
  if (entries.empty()) AIINFRA_CHECK_OK(Invalid(node, "must have at least one counter"));
  std::map<std::string, Counter> counters;
  for (auto& [name, value] : entries) {
    AIINFRA_CHECK_OK(Check(value, CheckDnsLabel(name)));
    AIINFRA_TRY(YamlMap m, Map(value));
    AIINFRA_TRY(YamlNode v, m.Required("value"));
    AIINFRA_TRY(Quantity q, Qty(v));
    AIINFRA_CHECK_OK(m.Finish());
    counters[name] = Counter{q};
  }
  return counters;
}

Result<DeviceCapacity> ManifestReader::ReadCapacity(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, Map(node));
  DeviceCapacity cap;
  AIINFRA_TRY(YamlNode v, m.Required("value"));
  AIINFRA_TRY(cap.value, Qty(v));
  if (auto p = m.Optional("requestPolicy")) {
    AIINFRA_TRY(YamlMap pm, Map(*p));
    CapacityRequestPolicy policy;
    if (auto d = pm.Optional("default")) {
      AIINFRA_TRY(policy.default_value, Qty(*d));
    }
    if (auto vv = pm.Optional("validValues")) {
      AIINFRA_TRY(auto items, List(*vv, kMaxValidValues));
      for (const YamlNode& item : items) {
        AIINFRA_TRY(Quantity q, Qty(item));
        if (!policy.valid_values.empty() && !(policy.valid_values.back() < q)) {
          AIINFRA_CHECK_OK(Invalid(item, "validValues must be sorted in ascending order"));
        }
        policy.valid_values.push_back(q);
      }
    }
    if (auto r = pm.Optional("validRange")) {
      AIINFRA_TRY(YamlMap rm, Map(*r));
      CapacityRequestPolicyRange range;
      AIINFRA_TRY(YamlNode min, rm.Required("min"));
      AIINFRA_TRY(range.min, Qty(min));
      if (auto x = rm.Optional("max")) {
        AIINFRA_TRY(range.max, Qty(*x));
        if (*range.max < range.min) AIINFRA_CHECK_OK(Invalid(*x, "must not be less than min"));
      }
      if (auto x = rm.Optional("step")) {
        AIINFRA_TRY(range.step, Qty(*x));
        if (range.step->Sign() <= 0) AIINFRA_CHECK_OK(Invalid(*x, "must be positive"));
      }
      AIINFRA_CHECK_OK(rm.Finish());
      policy.valid_range = range;
      if (!policy.valid_values.empty()) {
        AIINFRA_CHECK_OK(Invalid(*p, "at most one of validValues and validRange may be set"));
      }
    }
    AIINFRA_CHECK_OK(pm.Finish());
    if (policy.default_value && cap.value < *policy.default_value) {
      AIINFRA_CHECK_OK(Invalid(*p, "default must not exceed the capacity value"));
    }
    cap.request_policy = std::move(policy);
  }
  AIINFRA_CHECK_OK(m.Finish());
  return cap;
}

Result<DeviceTaint> ManifestReader::ReadTaint(const YamlNode& node) {
  AIINFRA_TRY(YamlMap m, Map(node));
  DeviceTaint taint;
  AIINFRA_TRY(taint.key, StringField(m, "key", true));
  AIINFRA_TRY(taint.value, StringField(m, "value", false));
  AIINFRA_TRY(taint.effect, StringField(m, "effect", true));
  if (auto n = m.Optional("timeAdded")) {
    AIINFRA_TRY(taint.time_added, String(*n));
  }
  if (validate_) {
    AIINFRA_CHECK_OK(Check(Child(node, "key"), CheckLabelKey(taint.key)));
    if (!taint.value.empty()) {
      AIINFRA_CHECK_OK(Check(Child(node, "value"), CheckLabelValue(taint.value)));
    }
    if (taint.effect != "NoSchedule" && taint.effect != "NoExecute" && taint.effect != "None") {
      AIINFRA_CHECK_OK(Invalid(
          Child(node, "effect"),
          "unsupported taint effect " + Quote(taint.effect) + " (NoSchedule, NoExecute, None)"));
    }
  }
  AIINFRA_CHECK_OK(m.Finish());
  return taint;
}

Result<Device> ManifestReader::ReadDevice(const YamlNode& node, const std::string& driver,
                                          bool per_device_node_selection) {
  AIINFRA_TRY(YamlMap m, Map(node));
  Device d;
  d.where = node.Where();
  AIINFRA_TRY(d.name, StringField(m, "name", true));
  if (auto n = m.Optional("name")) AIINFRA_CHECK_OK(Check(*n, CheckDnsLabel(d.name)));

  // Attribute and capacity names, with unqualified ones in the driver's domain: one name may not
  // appear twice ("model" and "<driver>/model").
  std::map<std::string, std::string> qualified;
  auto check_name = [&](const std::string& name, const YamlNode& at) -> Status {
    AIINFRA_CHECK_OK(Check(at, CheckQualifiedName(name)));
    const std::string full = name.find('/') == std::string::npos ? driver + "/" + name : name;
    auto [it, inserted] = qualified.emplace(full, name);
    if (!inserted && validate_) {
      return Fail(at.Err("duplicate attribute or capacity name " + Quote(full) + " (also " +
                         Quote(it->second) + ")"));
    }
    return {};
  };
  std::size_t names = 0;
  if (auto n = m.Optional("attributes")) {
    AIINFRA_TRY(auto entries, Entries(*n));
    names += entries.size();
    for (auto& [name, value] : entries) {
      AIINFRA_CHECK_OK(check_name(name, value));
      AIINFRA_TRY(YamlMap am, Map(value));
      AttributeValue attr;
      int set = 0;
      if (auto v = am.Optional("int")) {
        AIINFRA_TRY(attr.int_value, Int(*v));
        attr.kind = AttributeValue::Kind::kInt;
        ++set;
      }
      if (auto v = am.Optional("bool")) {
        AIINFRA_TRY(attr.bool_value, Bool(*v));
        attr.kind = AttributeValue::Kind::kBool;
        ++set;
      }
      if (auto v = am.Optional("string")) {
        AIINFRA_TRY(attr.string_value, String(*v));
        attr.kind = AttributeValue::Kind::kString;
        ++set;
        if (attr.string_value.size() > kMaxAttributeValueLength) {
          AIINFRA_CHECK_OK(Invalid(*v, "must be at most 64 characters"));
        }
      }
      if (auto v = am.Optional("version")) {
        AIINFRA_TRY(attr.string_value, String(*v));
        attr.kind = AttributeValue::Kind::kVersion;
        ++set;
        if (attr.string_value.size() > kMaxAttributeValueLength) {
          AIINFRA_CHECK_OK(Invalid(*v, "must be at most 64 characters"));
        }
        AIINFRA_CHECK_OK(Check(*v, CheckSemver(attr.string_value)));
      }
      AIINFRA_CHECK_OK(am.Finish());
      if (set != 1) {
        // Two values cannot be represented; none is an API error that CEL would see as unset.
        if (set > 1)
          return Fail(value.Err("exactly one of int, bool, string, version is required"));
        AIINFRA_CHECK_OK(Invalid(value, "exactly one of int, bool, string, version is required"));
      }
      d.attributes[name] = std::move(attr);
    }
  }
  if (auto n = m.Optional("capacity")) {
    AIINFRA_TRY(auto entries, Entries(*n));
    names += entries.size();
    for (auto& [name, value] : entries) {
      AIINFRA_CHECK_OK(check_name(name, value));
      AIINFRA_TRY(d.capacity[name], ReadCapacity(value));
    }
  }
  if (names > kMaxAttributesAndCapacities) {
    AIINFRA_CHECK_OK(Invalid(node,
                             "attributes and capacity together must have at most 32 "
                             "entries (has " +
                                 std::to_string(names) + ")"));
  }
  if (auto n = m.Optional("consumesCounters")) {
    AIINFRA_TRY(auto items, List(*n, kMaxConsumesCounters));
    std::set<std::string> sets;
    for (const YamlNode& item : items) {
      AIINFRA_TRY(YamlMap cm, Map(item));
      DeviceCounterConsumption c;
      AIINFRA_TRY(c.counter_set, StringField(cm, "counterSet", true));
      if (validate_) {
        AIINFRA_CHECK_OK(Check(Child(item, "counterSet"), CheckDnsLabel(c.counter_set)));
        if (!sets.insert(c.counter_set).second) {
          return Fail(
              Child(item, "counterSet").Err("duplicate counter set " + Quote(c.counter_set)));
        }
      }
      AIINFRA_TRY(YamlNode counters, cm.Required("counters"));
      AIINFRA_TRY(c.counters, ReadCounters(counters));
      AIINFRA_CHECK_OK(cm.Finish());
      d.consumes_counters.push_back(std::move(c));
    }
  }
  int selections = 0;
  if (auto n = m.Optional("nodeName")) {
    AIINFRA_TRY(d.node_name, String(*n));
    AIINFRA_CHECK_OK(Check(*n, CheckDnsSubdomain(*d.node_name)));
    ++selections;
  }
  if (auto n = m.Optional("nodeSelector")) {
    AIINFRA_TRY(d.node_selector, ReadNodeSelector(*n, true));
    ++selections;
  }
  if (auto n = m.Optional("allNodes")) {
    AIINFRA_TRY(d.all_nodes, Bool(*n));
    if (*d.all_nodes) ++selections;
  }
  if (selections > 0 && !per_device_node_selection) {
    AIINFRA_CHECK_OK(Invalid(node,
                             "nodeName, nodeSelector and allNodes of a device need "
                             "spec.perDeviceNodeSelection: true"));
  }
  if (selections > 1) {
    AIINFRA_CHECK_OK(Invalid(node, "at most one of nodeName, nodeSelector, allNodes may be set"));
  }
  if (auto n = m.Optional("taints")) {
    AIINFRA_TRY(auto items, List(*n, kMaxTaints));
    for (const YamlNode& item : items) {
      AIINFRA_TRY(DeviceTaint t, ReadTaint(item));
      d.taints.push_back(std::move(t));
    }
  }
  if (auto n = m.Optional("bindsToNode")) {
    AIINFRA_TRY(d.binds_to_node, Bool(*n));
  }
  if (auto n = m.Optional("bindingConditions")) {
    AIINFRA_TRY(d.binding_conditions, Strings(*n, kMaxBindingConditions));
  }
  if (auto n = m.Optional("bindingFailureConditions")) {
    AIINFRA_TRY(d.binding_failure_conditions, Strings(*n, kMaxBindingConditions));
  }
  for (const char* field : {"bindingConditions", "bindingFailureConditions"}) {
    const auto& list = field == std::string_view("bindingConditions")
                           ? d.binding_conditions
                           : d.binding_failure_conditions;
    for (std::size_t i = 0; i < list.size(); ++i) {
      YamlNode at = Child(node, field);
      at = YamlNode{at.node[i], at.file, at.path + "[" + std::to_string(i) + "]"};
      AIINFRA_CHECK_OK(Check(at, CheckLabelKey(list[i])));
    }
  }
  if (d.binding_conditions.empty() != d.binding_failure_conditions.empty()) {
    AIINFRA_CHECK_OK(Invalid(node,
                             "bindingConditions and bindingFailureConditions must be set "
                             "together"));
  }
  if (auto n = m.Optional("allowMultipleAllocations")) {
    AIINFRA_TRY(d.allow_multiple_allocations, Bool(*n));
  }
  if (!d.allow_multiple_allocations.value_or(false)) {
    for (const auto& [name, cap] : d.capacity) {
      if (cap.request_policy) {
        AIINFRA_CHECK_OK(Invalid(Child(Child(node, "capacity"), name),
                                 "requestPolicy needs allowMultipleAllocations: true"));
      }
    }
  }
  AIINFRA_CHECK_OK(m.Finish());
  return d;
}

Result<ResourceSlice> ManifestReader::ReadResourceSlice(YamlMap& doc) {
  ResourceSlice slice;
  slice.where = doc.self().Where();
  AIINFRA_TRY(YamlNode meta, doc.Required("metadata"));
  AIINFRA_TRY(slice.metadata, ReadMeta(meta, false));
  AIINFRA_TRY(YamlNode spec_node, doc.Required("spec"));
  AIINFRA_TRY(YamlMap spec, Map(spec_node));
  ResourceSliceSpec& s = slice.spec;
  AIINFRA_TRY(YamlNode driver, spec.Required("driver"));
  AIINFRA_TRY(s.driver, String(driver));
  AIINFRA_CHECK_OK(Check(driver, CheckDriverName(s.driver)));

  AIINFRA_TRY(YamlNode pool_node, spec.Required("pool"));
  AIINFRA_TRY(YamlMap pool, Map(pool_node));
  AIINFRA_TRY(YamlNode pool_name, pool.Required("name"));
  AIINFRA_TRY(s.pool.name, String(pool_name));
  AIINFRA_CHECK_OK(Check(pool_name, CheckPoolName(s.pool.name)));
  if (validate_) AIINFRA_CHECK_OK(pool.Required("generation"));
  if (auto n = pool.Optional("generation")) {
    AIINFRA_TRY(s.pool.generation, Int(*n));
    if (s.pool.generation < 0) AIINFRA_CHECK_OK(Invalid(*n, "must not be negative"));
  }
  if (validate_) AIINFRA_CHECK_OK(pool.Required("resourceSliceCount"));
  if (auto n = pool.Optional("resourceSliceCount")) {
    AIINFRA_TRY(s.pool.resource_slice_count, Int(*n));
    if (s.pool.resource_slice_count <= 0) {
      AIINFRA_CHECK_OK(Invalid(*n, "must be greater than 0"));
    }
  }
  AIINFRA_CHECK_OK(pool.Finish());

  int selections = 0;
  if (auto n = spec.Optional("nodeName")) {
    AIINFRA_TRY(s.node_name, String(*n));
    AIINFRA_CHECK_OK(Check(*n, CheckDnsSubdomain(*s.node_name)));
    ++selections;
  }
  if (auto n = spec.Optional("nodeSelector")) {
    AIINFRA_TRY(s.node_selector, ReadNodeSelector(*n, true));
    ++selections;
  }
  if (auto n = spec.Optional("allNodes")) {
    AIINFRA_TRY(s.all_nodes, Bool(*n));
    if (*s.all_nodes) ++selections;
  }
  if (auto n = spec.Optional("perDeviceNodeSelection")) {
    AIINFRA_TRY(s.per_device_node_selection, Bool(*n));
    if (*s.per_device_node_selection) ++selections;
  }
  if (selections != 1) {
    AIINFRA_CHECK_OK(Invalid(spec_node,
                             "exactly one of nodeName, nodeSelector, allNodes, "
                             "perDeviceNodeSelection is required (" +
                                 std::to_string(selections) + " set)"));
  }

  if (auto n = spec.Optional("devices")) {
    AIINFRA_TRY(auto items, List(*n));
    std::map<std::string, YamlNode> names;
    std::size_t limited = 0;
    for (const YamlNode& item : items) {
      AIINFRA_TRY(Device d,
                  ReadDevice(item, s.driver, s.per_device_node_selection.value_or(false)));
      if (!d.taints.empty() || !d.consumes_counters.empty()) ++limited;
      if (validate_) {
        YamlNode at = Child(item, "name");
        auto [it, inserted] = names.emplace(d.name, at);
        if (!inserted) {
          return Fail(at.Err("duplicate device name " + Quote(d.name) + " (also " +
                             it->second.path + " at line " +
                             std::to_string(it->second.Where().line) + ")"));
        }
      }
      s.devices.push_back(std::move(d));
    }
    const std::size_t max = limited > 0 ? kMaxDevicesWithTaintsOrConsumedCounters : kMaxDevices;
    if (s.devices.size() > max) {
      AIINFRA_CHECK_OK(Invalid(*n, "must have at most " + std::to_string(max) + " devices" +
                                       (limited > 0 ? " when devices have taints or consume "
                                                      "counters"
                                                    : "") +
                                       " (has " + std::to_string(s.devices.size()) + ")"));
    }
  }
  if (auto n = spec.Optional("sharedCounters")) {
    AIINFRA_TRY(auto items, List(*n, kMaxCounterSets));
    std::set<std::string> names;
    for (const YamlNode& item : items) {
      AIINFRA_TRY(YamlMap cm, Map(item));
      CounterSet set;
      AIINFRA_TRY(set.name, StringField(cm, "name", true));
      if (validate_) {
        AIINFRA_CHECK_OK(Check(Child(item, "name"), CheckDnsLabel(set.name)));
        if (!names.insert(set.name).second) {
          return Fail(Child(item, "name").Err("duplicate counter set name " + Quote(set.name)));
        }
      }
      AIINFRA_TRY(YamlNode counters, cm.Required("counters"));
      AIINFRA_TRY(set.counters, ReadCounters(counters));
      AIINFRA_CHECK_OK(cm.Finish());
      s.shared_counters.push_back(std::move(set));
    }
    if (!s.devices.empty()) {
      AIINFRA_CHECK_OK(Invalid(*n, "a slice may have devices or sharedCounters, not both"));
    }
  }
  AIINFRA_CHECK_OK(spec.Finish());
  return slice;
}

}  // namespace aiinfra::dra::internal
