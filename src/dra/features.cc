#include "dra/features.h"

#include <fmt/format.h>

#include "common/text.h"

namespace aiinfra::dra {
namespace {

// Flag name and member, in upstream's order.
struct Entry {
  const char* name;
  bool Features::*flag;
};
constexpr Entry kEntries[] = {
    {"AdminAccess", &Features::admin_access},
    {"PrioritizedList", &Features::prioritized_list},
    {"PartitionableDevices", &Features::partitionable_devices},
    {"DeviceTaints", &Features::device_taints},
    {"ConsumableCapacity", &Features::consumable_capacity},
    {"DeviceBindingAndStatus", &Features::device_binding_and_status},
};

}  // namespace

Features Features::Kubernetes135Defaults() {
  Features f;
  f.admin_access = true;
  f.prioritized_list = true;
  return f;
}

Features Features::All() {
  Features f;
  for (const Entry& e : kEntries) f.*e.flag = true;
  return f;
}

std::vector<std::string> Features::Names() const {
  std::vector<std::string> out;
  for (const Entry& e : kEntries) {
    if (this->*e.flag) out.emplace_back(e.name);
  }
  return out;
}

const std::vector<std::string>& FeatureNames() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> n;
    for (const Entry& e : kEntries) n.emplace_back(e.name);
    return n;
  }();
  return names;
}

Result<Features> ParseFeatures(std::string_view text) {
  Features f;
  std::vector<std::string> items = SplitList(text);
  if (items.size() == 1 && items[0] == "none") return f;
  if (items.empty()) {
    return Fail(ErrorCode::kUsage, "--features: give feature names separated by commas, or none");
  }
  for (const std::string& item : items) {
    const Entry* found = nullptr;
    for (const Entry& e : kEntries) {
      if (item == e.name) found = &e;
    }
    if (!found) {
      std::string known;
      for (const Entry& e : kEntries) known += (known.empty() ? "" : ", ") + std::string(e.name);
      return Fail(ErrorCode::kUsage,
                  fmt::format("--features: unknown feature '{}' (known: {}; or none)", item,
                              known));
    }
    f.*found->flag = true;
  }
  return f;
}

}  // namespace aiinfra::dra
