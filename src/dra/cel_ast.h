// The CEL subset of DRA selectors: abstract syntax tree and static types, shared by the parser
// (cel_parser), the checker (cel_check) and the evaluator (cel_eval). Internal to dra/cel.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace aiinfra::dra::cel {

// A static type. kDyn is "not known until run time" and matches every other type.
struct Type {
  enum Kind {
    kDyn,
    kNull,
    kBool,
    kInt,
    kUint,
    kDouble,
    kString,
    kBytes,
    kList,
    kMap,
    kQuantity,
    kSemver,
    kDevice,
  };
  Kind kind = kDyn;
  std::shared_ptr<const Type> key;    // kMap
  std::shared_ptr<const Type> value;  // kList element, kMap value

  static Type Of(Kind k) { return Type{k, nullptr, nullptr}; }
  static Type List(Type elem) {
    return Type{kList, nullptr, std::make_shared<const Type>(std::move(elem))};
  }
  static Type Map(Type k, Type v) {
    return Type{kMap, std::make_shared<const Type>(std::move(k)),
                std::make_shared<const Type>(std::move(v))};
  }
  const Type& Elem() const;  // list element / map value, dyn when absent
  const Type& Key() const;
  // "int", "list(string)", "map(string, dyn)", "Quantity", "Semver".
  std::string Name() const;
  bool operator==(const Type& other) const;
};

// Assignability with dyn as a wildcard at every level.
bool Compatible(const Type& a, const Type& b);

// Expr::overload of the operators (_+_, _==_, @in, !_, -_, ...).
inline constexpr int kOperator = -2;

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  enum Kind {
    kNull,
    kBool,
    kInt,
    kUint,
    kDouble,
    kString,
    kBytes,
    kIdent,          // name
    kSelect,         // args[0].name
    kHas,            // has(args[0].name)
    kIndex,          // args[0][args[1]]
    kCall,           // name(args...) or, with member, args[0].name(args[1...])
    kList,           // [args...]
    kMap,            // {args[0]: args[1], ...}
    kComprehension,  // see Macro
    kBind,           // cel.bind(name, args[0], args[1])
  };
  // The comprehension macros: args[0] is the range; iter is the variable (iter2 for the
  // three-argument map's second); all/exists/exists_one/filter: args[1] the predicate; map:
  // args[1] the transform, or args[1] filter and args[2] the transform.
  enum class Macro { kAll, kExists, kExistsOne, kMap, kFilter };

  Kind kind = kNull;
  int line = 1;
  int column = 0;  // 1-based, in code points: where errors about this node point
  bool member = false;
  bool bool_value = false;
  int64_t int_value = 0;
  uint64_t uint_value = 0;
  double double_value = 0;
  std::string name;  // ident, field, function, string/bytes literal, bind variable
  Macro macro = Macro::kAll;
  std::string iter;
  std::vector<ExprPtr> args;
  int depth = 1;  // height of this subtree

  // Set by the checker.
  Type type;
  int overload = -1;  // kCall: index into the function table when unique, kOperator, or -1
};

}  // namespace aiinfra::dra::cel
