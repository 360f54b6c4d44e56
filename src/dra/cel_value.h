// Run-time values of the CEL subset, the evaluation context that meters cost, and the function
// table (overloads with their static signatures and implementations) shared by the checker and
// the evaluator.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "dra/cel_ast.h"
#include "dra/quantity.h"
#include "dra/semver.h"

namespace aiinfra::dra::cel {

struct Value;
using List = std::vector<Value>;
struct MapData {
  std::vector<std::pair<Value, Value>> entries;
  // device.attributes and device.capacity: a missing key (an unknown domain) reads as {}.
  bool missing_is_empty_map = false;
};

struct Value {
  Type::Kind kind = Type::kNull;  // never kDyn; the device is a kMap of its fields
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;
  double d = 0;
  std::string s;  // kString (UTF-8), kBytes
  std::shared_ptr<const List> list;
  std::shared_ptr<const MapData> map;
  std::shared_ptr<const Quantity> quantity;
  std::shared_ptr<const Semver> semver;

  static Value Null() { return Value{}; }
  static Value Bool(bool v);
  static Value Int(int64_t v);
  static Value Uint(uint64_t v);
  static Value Double(double v);
  static Value String(std::string v);
  static Value Bytes(std::string v);
  static Value ListOf(List items);
  static Value MapOf(MapData data);
  static Value Of(Quantity q);
  static Value Of(Semver v);
};

// "int", "string", "list", "map", "Quantity", ...
std::string KindName(Type::Kind kind);

// CEL equality: heterogeneous numbers compare by value; lists and maps element-wise; values of
// different types are unequal.
// `work`, when given, grows by one per element compared (for metering).
bool Equal(const Value& a, const Value& b, uint64_t* work = nullptr);

// Ordering of numbers (exact across int, uint and double), strings, bytes and bools; sets
// *unordered for NaN and for kinds without an order.
int CompareValues(const Value& a, const Value& b, bool* unordered);

// Go's strconv.FormatFloat(d, 'g', -1, 64), as CEL's string(double) prints.
std::string FormatDouble(double d);

// The run-time errors (all kInvalidInput).
std::unexpected<Error> RuntimeError(std::string message);

inline constexpr uint64_t kRuntimeCostLimit = 1'000'000;
inline constexpr const char* kCostLimitMessage = "operation cancelled: actual cost limit exceeded";

// Meters the cost of one evaluation. Once over the limit every Charge fails, so evaluation
// unwinds; the evaluator reports the limit error whatever else failed on the way.
class Context {
 public:
  explicit Context(uint64_t limit) : limit_(limit) {}
  Status Charge(uint64_t units) {
    cost_ += units;
    if (cost_ > limit_) {
      exceeded_ = true;
      return RuntimeError(kCostLimitMessage);
    }
    return {};
  }
  bool exceeded() const { return exceeded_; }
  uint64_t cost() const { return cost_; }

 private:
  uint64_t limit_;
  uint64_t cost_ = 0;
  bool exceeded_ = false;
};

// One overload of a function or method. `params` holds the receiver first for methods; kDyn
// accepts anything and kList any list.
struct Overload {
  std::string_view name;
  bool member;
  std::vector<Type::Kind> params;
  Type result;
  Result<Value> (*impl)(Context& ctx, std::span<const Value> args);
};

const std::vector<Overload>& Functions();
bool FunctionExists(std::string_view name);

}  // namespace aiinfra::dra::cel
