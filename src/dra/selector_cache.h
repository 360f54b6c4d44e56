// Selector work shared across Allocate calls: compiled CEL programs by expression, and each
// program's outcome on each device. kube-scheduler keeps the same kind of cache (compiled
// expressions per class and claim); a scheduling run that evaluates thousands of nodes per pod
// would otherwise compile and evaluate the same selectors on the same devices again and again.
//
// An outcome depends only on the program and the device (CEL sees driver, attributes, capacity
// and allowMultipleAllocations, nothing node- or state-dependent), so the cache is exact as long
// as the devices it has seen stay where they are: keys are the Device's address. Use one cache
// per set of ResourceSlices that is not modified while the cache lives. Runtime errors are cached
// as errors: a device that failed once fails again, as it would upstream.
//
// Not thread-safe.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "common/result.h"
#include "dra/cel.h"
#include "dra/objects.h"

namespace aiinfra::dra {

class SelectorCache {
 public:
  // The program for `expression` compiled with `options`, or its compile error.
  const Result<CelProgram>& Compile(const std::string& expression, const CelOptions& options);

  // `program` evaluated on `device`; `view` builds what CEL sees of the device on a miss.
  const Result<bool>& Evaluate(const CelProgram& program, const Device& device,
                               const std::function<const CelDevice&()>& view);

  size_t outcomes() const { return outcomes_.size(); }

 private:
  struct PairHash {
    size_t operator()(const std::pair<const void*, const void*>& p) const {
      return std::hash<const void*>()(p.first) * 31 + std::hash<const void*>()(p.second);
    }
  };
  std::map<std::tuple<std::string, bool, uint64_t>, Result<CelProgram>> programs_;
  std::unordered_map<std::pair<const void*, const void*>, Result<bool>, PairHash> outcomes_;
};

}  // namespace aiinfra::dra
