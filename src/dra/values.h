// The typed values devices publish: attributes (int, bool, string, version) and capacities
// (quantities), keyed by qualified names. Shared by the object model, CEL and the allocator.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include "dra/quantity.h"

namespace aiinfra::dra {

struct AttributeValue {
  enum class Kind { kUnset, kInt, kBool, kString, kVersion };
  Kind kind = Kind::kUnset;  // kUnset: the attribute names no value (a runtime error in CEL)
  int64_t int_value = 0;
  bool bool_value = false;
  std::string string_value;  // kString, and kVersion's semver text

  bool operator==(const AttributeValue&) const = default;
};

// Attributes and capacities as CEL sees them: domain -> (identifier -> value). Unqualified names
// belong to the device's driver domain.
using AttributeMap = std::map<std::string, std::map<std::string, AttributeValue>>;
using CapacityMap = std::map<std::string, std::map<std::string, Quantity>>;

// "gpu.example.com/model" -> {"gpu.example.com", "model"}; "model" -> {driver, "model"}.
std::pair<std::string, std::string> SplitQualifiedName(const std::string& name,
                                                       const std::string& driver);

}  // namespace aiinfra::dra
