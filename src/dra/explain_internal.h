// Internal to explain*.cc: the analysis of constraints and of requests competing for devices,
// over the usable devices each request found (explain.cc counts them).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "dra/objects.h"

namespace aiinfra::dra::explain_internal {

struct UsableDevice {
  const Device* device = nullptr;       // identity: the device in the input slices
  const std::string* driver = nullptr;  // its pool's driver
  bool shared = false;                  // allowMultipleAllocations under ConsumableCapacity
};

// One request's chosen alternative (the request itself or a subrequest).
struct RequestUsable {
  std::string request;               // the request's name
  std::string name;                  // "req" or "req/sub"
  int64_t need = 0;                  // devices it needs
  int64_t offer = 0;                 // how many of those its usable devices serve
  std::vector<UsableDevice> usable;  // in search order
};

// "3 devices", "1 device".
std::string Count(int64_t n, const char* one, const char* many);

// Appends a sentence per constraint (matchAttribute, distinctAttribute) that the usable devices
// cannot satisfy, and lowers `offered` (which starts at the sum of the requests' offers) to what
// the best attribute value offers. Meant for requests that each fit alone; otherwise the
// sentences are beside the point but the lowered offer still holds.
void ConstraintReasons(const std::vector<DeviceConstraint>& constraints,
                       const std::vector<RequestUsable>& requests,
                       std::vector<std::string>& reasons, int64_t& offered);

// Appends a sentence per group of requests that draw on the same devices and together need
// more than there are; lowers `offered` to the devices there are.
void OverlapReasons(const std::vector<RequestUsable>& requests, std::vector<std::string>& reasons,
                    int64_t& offered);

}  // namespace aiinfra::dra::explain_internal
