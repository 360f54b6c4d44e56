// CEL for DRA device selectors: the expression language of `selectors[].cel.expression` in
// DeviceClasses and ResourceClaims, with the environment k8s.io/dynamic-resource-allocation/cel
// builds (specs/dra.md 2.15): one variable, `device`, with `driver`, `attributes`, `capacity`
// (and `allowMultipleAllocations` under ConsumableCapacity); standard CEL, the Kubernetes
// strings extension, regex (RE2), lists, cel.bind, and the quantity and semver libraries.
//
// The lexer, parser, checker and evaluator are our own (cel_lexer, cel_parser, cel_check,
// cel_eval, cel_functions); they implement the subset selectors use, not all of CEL (no
// timestamps/durations, protobuf messages, optionals or two-variable comprehensions).
//
// Cost model (runtime limit 1,000,000 units per evaluation, as upstream's): 1 unit per
// evaluated node (literal, variable, selection, index, operator, call, macro) and 1 per
// comprehension iteration, plus work in proportion to size: a map literal 1 per entry; map
// lookups (field selection, index, `in`, duplicate-key checks, iterating keys) a tenth per entry
// scanned; `==`/`!=` a tenth per element compared and per string byte; `in` on a list 1 per
// element compared; list concatenation 1 per element of the result; string and bytes
// concatenation and ordering a tenth per byte; the string functions a tenth per byte read or
// written (split and join also 1 per piece); matches() a tenth per subject byte plus 1 per
// pattern byte. The static estimate (CelProgram::estimated_cost) counts nodes, 10 per function
// call, and assumes 100 elements for ranges of unknown size; it is informational, not enforced.
//
// Thread safety: a CelProgram is immutable; Evaluate may run concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/result.h"
#include "dra/values.h"

namespace aiinfra::dra {

namespace cel {
struct Expr;
}

struct CelOptions {
  bool consumable_capacity = false;  // declares device.allowMultipleAllocations
  uint64_t cost_limit = 1'000'000;   // runtime cost limit per evaluation
};

// What a selector sees of one device. Attributes and capacity are keyed domain -> id.
struct CelDevice {
  std::string driver;
  AttributeMap attributes;
  CapacityMap capacity;
  bool allow_multiple_allocations = false;
};

inline constexpr size_t kCelMaxExpressionLength = 10 * 1024;

class CelProgram {
 public:
  // true/false; kInvalidInput with upstream's message for a runtime error: "no such key: <id>",
  // "unsupported attribute value", "operation cancelled: actual cost limit exceeded", a
  // non-bool result, integer overflow, division by zero, a bad regex, an unparsable quantity or
  // semver, a version attribute that is not strict SemVer 2.0.0. Never throws.
  Result<bool> Evaluate(const CelDevice& device) const;
  // As Evaluate, also giving the cost the evaluation used (even when it failed).
  Result<bool> Evaluate(const CelDevice& device, uint64_t* actual_cost) const;

  const std::string& expression() const { return expression_; }
  uint64_t estimated_cost() const { return estimated_cost_; }

 private:
  friend Result<CelProgram> CompileSelector(std::string_view, const CelOptions&);
  std::string expression_;
  std::shared_ptr<const cel::Expr> root_;
  CelOptions options_;
  uint64_t estimated_cost_ = 0;
};

// Parses and checks a selector. kInvalidInput "CEL compile error at column N: ..." (column
// 1-based, in characters; Error::where has line and column) for a syntax error, an unknown
// variable, function or field, argument types no overload accepts, a statically non-bool
// result, nesting deeper than 250, or an expression over 10 Ki characters.
Result<CelProgram> CompileSelector(std::string_view expression, const CelOptions& options);

}  // namespace aiinfra::dra
