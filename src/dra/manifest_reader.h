// Internal to manifest.cc and manifest_resource.cc: the reader of one manifest set, its field
// helpers and one method per object shape. Not part of the module's interface.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "common/yaml.h"
#include "dra/manifest.h"
#include "dra/objects.h"

namespace aiinfra::dra::internal {

// Limits of k8s.io/api/resource/v1 (1.35).
inline constexpr std::size_t kMaxSelectors = 32;
inline constexpr std::size_t kMaxConfigs = 32;
inline constexpr std::size_t kMaxRequests = 32;
inline constexpr std::size_t kMaxConstraints = 32;
inline constexpr std::size_t kMaxSubRequests = 8;
inline constexpr std::size_t kMaxTolerations = 16;
inline constexpr std::size_t kMaxTaints = 16;
inline constexpr std::size_t kMaxDevices = 128;
inline constexpr std::size_t kMaxDevicesWithTaintsOrConsumedCounters = 64;
inline constexpr std::size_t kMaxAttributesAndCapacities = 32;
inline constexpr std::size_t kMaxAttributeValueLength = 64;
inline constexpr std::size_t kMaxCounterSets = 8;
inline constexpr std::size_t kMaxCountersPerSet = 32;
inline constexpr std::size_t kMaxConsumesCounters = 2;
inline constexpr std::size_t kMaxBindingConditions = 4;
inline constexpr std::size_t kMaxValidValues = 10;
inline constexpr std::size_t kMaxResults = 32;
inline constexpr std::size_t kMaxAllocationConfigs = 64;
inline constexpr std::size_t kMaxReservedFor = 256;
inline constexpr std::size_t kMaxCelLength = 10 * 1024;
inline constexpr std::size_t kMaxParametersSize = 10 * 1024;

inline std::string Quote(const std::string& s) { return "\"" + s + "\""; }

// The child of a mapping node at `key` (an undefined node when absent), with its path.
inline YamlNode Child(const YamlNode& map, const std::string& key) {
  return YamlNode{map.node[key], map.file, map.path.empty() ? key : map.path + "." + key};
}

class ManifestReader {
 public:
  explicit ManifestReader(ReadOptions options) : validate_(options.validate) {}

  // One YAML document (or a list item), appended to `out`. `api_version`/`kind` are the
  // defaults of a typed list's items ("" outside one).
  Status ReadDocument(const YamlNode& doc, Objects& out, const std::string& api_version = "",
                      const std::string& kind = "", int depth = 0);

  // ---- field helpers ------------------------------------------------------------------------
  bool validate() const { return validate_; }
  // A mapping; counts against the node budget that bounds work on alias-expanded input.
  Result<YamlMap> Map(const YamlNode& node);
  // A list; with validation, at most `max_items` entries (0: no limit), named `what` in the error.
  Result<std::vector<YamlNode>> List(const YamlNode& node, std::size_t max_items = 0);
  // Entries of a mapping (key text, value node at "path.key"), in document order.
  Result<std::vector<std::pair<std::string, YamlNode>>> Entries(const YamlNode& node,
                                                                std::size_t max_items = 0);
  Result<std::string> String(const YamlNode& node);
  Result<int64_t> Int(const YamlNode& node);
  Result<bool> Bool(const YamlNode& node);
  Result<Quantity> Qty(const YamlNode& node);
  Result<std::vector<std::string>> Strings(const YamlNode& node, std::size_t max_items = 0);
  Result<std::map<std::string, std::string>> StringMap(const YamlNode& node);
  // The string at `key`, "" when absent; with validation, absent is an error when `required`.
  Result<std::string> StringField(YamlMap& map, std::string_view key, bool required);
  std::optional<YamlNode> Optional(YamlMap& map, std::string_view key) { return map.Optional(key); }
  // With validation, `problem` (a message from names.h) becomes an error at `node`.
  Status Check(const YamlNode& node, const std::optional<std::string>& problem) const;
  // An error at `node` when validating; nothing otherwise.
  Status Invalid(const YamlNode& node, std::string message) const;

  // ---- shapes -------------------------------------------------------------------------------
  Result<ObjectMeta> ReadMeta(const YamlNode& node, bool namespaced);
  Result<NodeSelector> ReadNodeSelector(const YamlNode& node, bool one_term);
  Result<DeviceClass> ReadDeviceClass(YamlMap& doc);
  Result<ResourceSlice> ReadResourceSlice(YamlMap& doc);
  Result<ResourceClaim> ReadResourceClaim(YamlMap& doc);
  Result<ResourceClaimTemplate> ReadResourceClaimTemplate(YamlMap& doc);
  Result<Node> ReadNode(YamlMap& doc);
  Result<Pod> ReadPod(YamlMap& doc);
  Result<Namespace> ReadNamespace(YamlMap& doc);

  Result<ResourceClaimSpec> ReadClaimSpec(const YamlNode& node);
  Result<AllocationResult> ReadAllocation(const YamlNode& node);

 private:
  Result<std::vector<DeviceSelector>> ReadSelectors(const YamlNode& node);
  Result<OpaqueDeviceConfiguration> ReadOpaque(const YamlNode& node);
  Result<std::string> ReadParameters(const YamlNode& node);
  Result<Device> ReadDevice(const YamlNode& node, const std::string& driver,
                            bool per_device_node_selection);
  Result<std::map<std::string, Counter>> ReadCounters(const YamlNode& node);
  Result<DeviceCapacity> ReadCapacity(const YamlNode& node);
  Result<DeviceTaint> ReadTaint(const YamlNode& node);
  Result<DeviceToleration> ReadToleration(const YamlNode& node);
  Status ReadSlot(YamlMap& map, DeviceRequestSlot& slot);
  Result<DeviceRequest> ReadRequest(const YamlNode& node);
  Result<DeviceRequestAllocationResult> ReadResult(const YamlNode& node);
  Result<std::vector<std::string>> ReadRequestRefs(const YamlNode& node,
                                                   const std::vector<DeviceRequest>& requests);
  Result<Container> ReadContainer(const YamlNode& node);

  bool validate_;
  // Mappings and list items left to read: bounds the walk when YAML aliases repeat a subtree
  // exponentially, while a 5,000-node cluster (about 2.6 million items) still reads.
  long budget_ = 10000000;
};

// Emits a YAML value (mapping, list, scalar) as block YAML, at most `max_depth` deep and
// `max_nodes` nodes in all; false when the value is bigger.
bool EmitYamlValue(YAML::Emitter& out, const YAML::Node& node, int max_depth, long& max_nodes);

}  // namespace aiinfra::dra::internal
