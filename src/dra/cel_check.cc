// The checker follows cel-go's rules where the subset needs them: dyn is assignable to and from
// everything; `==` needs the same type on both sides (or dyn, or null); `<` and friends compare
// numbers of mixed kinds (cel-go's cross-type numeric comparisons, on in Kubernetes), strings,
// bytes and bools; arithmetic needs one numeric kind.
#include "dra/cel_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <string>
#include <utility>
#include <vector>

#include "dra/cel_lexer.h"
#include "dra/cel_value.h"

namespace aiinfra::dra::cel {

const Type& Type::Elem() const {
  static const Type kDynType;
  return value ? *value : kDynType;
}
const Type& Type::Key() const {
  static const Type kDynType;
  return key ? *key : kDynType;
}

std::string Type::Name() const {
  switch (kind) {
    case kDyn:
      return "dyn";
    case kNull:
      return "null_type";
    case kBool:
      return "bool";
    case kInt:
      return "int";
    case kUint:
      return "uint";
    case kDouble:
      return "double";
    case kString:
      return "string";
    case kBytes:
      return "bytes";
    case kList:
      return "list(" + Elem().Name() + ")";
    case kMap:
      return "map(" + Key().Name() + ", " + Elem().Name() + ")";
    case kQuantity:
      return "Quantity";
    case kSemver:
      return "Semver";
    case kDevice:
      return "Device";
  }
  return "dyn";
}

bool Type::operator==(const Type& other) const {
  if (kind != other.kind) return false;
  if (kind == kList) return Elem() == other.Elem();
  if (kind == kMap) return Key() == other.Key() && Elem() == other.Elem();
  return true;
}

bool Compatible(const Type& a, const Type& b) {
  if (a.kind == Type::kDyn || b.kind == Type::kDyn) return true;
  if (a.kind != b.kind) return false;
  if (a.kind == Type::kList) return Compatible(a.Elem(), b.Elem());
  if (a.kind == Type::kMap) return Compatible(a.Key(), b.Key()) && Compatible(a.Elem(), b.Elem());
  return true;
}

const Type* DeviceFieldType(std::string_view field, const CheckOptions& options) {
  static const Type kDriver = Type::Of(Type::kString);
  static const Type kAttributes =
      Type::Map(Type::Of(Type::kString), Type::Map(Type::Of(Type::kString), Type::Of(Type::kDyn)));
  static const Type kCapacity = Type::Map(
      Type::Of(Type::kString), Type::Map(Type::Of(Type::kString), Type::Of(Type::kQuantity)));
  static const Type kBool = Type::Of(Type::kBool);
  if (field == "driver") return &kDriver;
  if (field == "attributes") return &kAttributes;
  if (field == "capacity") return &kCapacity;
  if (field == "allowMultipleAllocations" && options.allow_multiple_allocations_field) {
    return &kBool;
  }
  return nullptr;
}

namespace {

constexpr uint64_t kAssumedRangeSize = 100;
constexpr uint64_t kCostCap = uint64_t{1} << 40;  // for ranges whose size is not known statically

bool IsNumeric(Type::Kind k) { return k == Type::kInt || k == Type::kUint || k == Type::kDouble; }

// The common type of values of types a and b (dyn when they differ).
Type Join(const Type& a, const Type& b) { return a == b ? a : Type::Of(Type::kDyn); }

class Checker {
 public:
  explicit Checker(const CheckOptions& options) : options_(options) {}

  // Estimates saturate far below overflow (nested comprehensions multiply).
  Result<uint64_t> Visit(Expr& e) {
    AIINFRA_TRY(uint64_t cost, VisitUnclamped(e));
    return std::min<uint64_t>(cost, kCostCap);
  }

  Result<uint64_t> VisitUnclamped(Expr& e) {
    switch (e.kind) {
      case Expr::kNull:
        e.type = Type::Of(Type::kNull);
        return 1;
      case Expr::kBool:
        e.type = Type::Of(Type::kBool);
        return 1;
      case Expr::kInt:
        e.type = Type::Of(Type::kInt);
        return 1;
      case Expr::kUint:
        e.type = Type::Of(Type::kUint);
        return 1;
      case Expr::kDouble:
        e.type = Type::Of(Type::kDouble);
        return 1;
      case Expr::kString:
        e.type = Type::Of(Type::kString);
        return 1;
      case Expr::kBytes:
        e.type = Type::Of(Type::kBytes);
        return 1;
      case Expr::kIdent: {
        for (size_t i = scopes_.size(); i-- > 0;) {
          if (scopes_[i].first == e.name) {
            e.type = scopes_[i].second;
            return 1;
          }
        }
        if (e.name == "device") {
          e.type = Type::Of(Type::kDevice);
          return 1;
        }
        return Fail(Err(e, fmt::format("undeclared reference to '{}' (in container '')", e.name)));
      }
      case Expr::kSelect:
      case Expr::kHas: {
        AIINFRA_TRY(uint64_t cost, Visit(*e.args[0]));
        AIINFRA_TRY(Type t, FieldType(e, e.args[0]->type));
        e.type = e.kind == Expr::kHas ? Type::Of(Type::kBool) : t;
        return cost + 1;
      }
      case Expr::kIndex:
        return Index(e);
      case Expr::kList: {
        uint64_t cost = 1;
        Type elem;
        for (size_t i = 0; i < e.args.size(); ++i) {
          AIINFRA_TRY(uint64_t c, Visit(*e.args[i]));
          cost += c;
          elem = i == 0 ? e.args[i]->type : Join(elem, e.args[i]->type);
        }
        e.type = Type::List(e.args.empty() ? Type::Of(Type::kDyn) : elem);
        return cost;
      }
      case Expr::kMap: {
        uint64_t cost = 1;
        Type key, value;
        for (size_t i = 0; i < e.args.size(); i += 2) {
          AIINFRA_TRY(uint64_t ck, Visit(*e.args[i]));
          AIINFRA_TRY(uint64_t cv, Visit(*e.args[i + 1]));
          cost += ck + cv;
          const Type::Kind k = e.args[i]->type.kind;
          if (k != Type::kDyn && k != Type::kInt && k != Type::kUint && k != Type::kBool &&
              k != Type::kString) {
            return Fail(Err(*e.args[i],
                            fmt::format("unsupported map key type: {}", e.args[i]->type.Name())));
          }
          key = i == 0 ? e.args[i]->type : Join(key, e.args[i]->type);
          value = i == 0 ? e.args[i + 1]->type : Join(value, e.args[i + 1]->type);
        }
        e.type = e.args.empty() ? Type::Map(Type::Of(Type::kDyn), Type::Of(Type::kDyn))
                                : Type::Map(key, value);
        return cost;
      }
      case Expr::kComprehension:
        return Comprehension(e);
      case Expr::kBind: {
        AIINFRA_TRY(uint64_t ci, Visit(*e.args[0]));
        scopes_.emplace_back(e.name, e.args[0]->type);
        AIINFRA_TRY(uint64_t cb, Visit(*e.args[1]));
        scopes_.pop_back();
        e.type = e.args[1]->type;
        return ci + cb + 1;
      }
      case Expr::kCall:
        return Call(e);
    }
    return 1;
  }

 private:
  Error Err(const Expr& e, const std::string& message) const {
    return CompileError(e.line, e.column, message);
  }

  std::string Signature(const Expr& e) const {
    std::vector<std::string> names;
    for (size_t i = e.member ? 1 : 0; i < e.args.size(); ++i) {
      names.push_back(e.args[i]->type.Name());
    }
    std::string list = "(" + fmt::format("{}", fmt::join(names, ", ")) + ")";
    return e.member ? e.args[0]->type.Name() + "." + list : list;
  }
  Error NoOverload(const Expr& e) const {
    std::string name = e.name;
    if (name == "@in") name = "@in";
    return Err(
        e, fmt::format("found no matching overload for '{}' applied to '{}'", name, Signature(e)));
  }

  Result<Type> FieldType(const Expr& e, const Type& operand) {
    switch (operand.kind) {
      case Type::kDevice: {
        const Type* t = DeviceFieldType(e.name, options_);
        if (t == nullptr) return Fail(Err(e, fmt::format("undefined field '{}'", e.name)));
        return *t;
      }
      case Type::kMap:
        if (!Compatible(operand.Key(), Type::Of(Type::kString))) {
          return Fail(
              Err(e, fmt::format("type '{}' does not support field selection", operand.Name())));
        }
        return operand.Elem();
      case Type::kDyn:
        return Type::Of(Type::kDyn);
      default:
        return Fail(
            Err(e, fmt::format("type '{}' does not support field selection", operand.Name())));
    }
  }

  Result<uint64_t> Index(Expr& e) {
    AIINFRA_TRY(uint64_t c0, Visit(*e.args[0]));
    AIINFRA_TRY(uint64_t c1, Visit(*e.args[1]));
    const Type& target = e.args[0]->type;
    const Type& index = e.args[1]->type;
    if (target.kind == Type::kList &&
        (index.kind == Type::kInt || index.kind == Type::kUint || index.kind == Type::kDyn)) {
      e.type = target.Elem();
    } else if (target.kind == Type::kMap && Compatible(target.Key(), index)) {
      e.type = target.Elem();
    } else if (target.kind == Type::kDyn) {
      e.type = Type::Of(Type::kDyn);
    } else {
      return Fail(Err(e, fmt::format("found no matching overload for '_[_]' applied to '({}, {})'",
                                     target.Name(), index.Name())));
    }
    return c0 + c1 + 1;
  }

  Result<uint64_t> Comprehension(Expr& e) {
    AIINFRA_TRY(uint64_t range_cost, Visit(*e.args[0]));
    const Type& range = e.args[0]->type;
    Type iter;
    if (range.kind == Type::kList) {
      iter = range.Elem();
    } else if (range.kind == Type::kMap) {
      iter = range.Key();
    } else if (range.kind != Type::kDyn) {
      return Fail(
          Err(*e.args[0], fmt::format("expression of type '{}' cannot be range of a comprehension "
                                      "(must be list, map, or dynamic)",
                                      range.Name())));
    }
    uint64_t size = kAssumedRangeSize;
    if (e.args[0]->kind == Expr::kList) size = e.args[0]->args.size();
    if (e.args[0]->kind == Expr::kMap) size = e.args[0]->args.size() / 2;
    scopes_.emplace_back(e.iter, iter);
    uint64_t body = 0;
    for (size_t i = 1; i < e.args.size(); ++i) {
      AIINFRA_TRY(uint64_t c, Visit(*e.args[i]));
      body += c;
      const bool is_predicate = e.macro != Expr::Macro::kMap || (e.args.size() == 3 && i == 1);
      if (is_predicate && !Compatible(e.args[i]->type, Type::Of(Type::kBool))) {
        scopes_.pop_back();
        return Fail(Err(*e.args[i], fmt::format("found no matching overload for the predicate: "
                                                "expected bool, got {}",
                                                e.args[i]->type.Name())));
      }
    }
    scopes_.pop_back();
    switch (e.macro) {
      case Expr::Macro::kMap:
        e.type = Type::List(e.args.back()->type);
        break;
      case Expr::Macro::kFilter:
        e.type = Type::List(iter);
        break;
      default:
        e.type = Type::Of(Type::kBool);
        break;
    }
    return range_cost + size * (body + 1) + 1;
  }

  Result<uint64_t> Call(Expr& e) {
    uint64_t cost = 1;
    for (ExprPtr& a : e.args) {
      AIINFRA_TRY(uint64_t c, Visit(*a));
      cost += c;
    }
    AIINFRA_CHECK_OK(CallType(e));
    // Functions over strings and lists cost in proportion to their size at run time; assume a
    // small one here.
    if (!e.name.starts_with('_') && e.name != "!_" && e.name != "-_") cost += 10;
    return cost;
  }

  Status CallType(Expr& e) {
    const auto arg = [&](size_t i) -> const Type& { return e.args[i]->type; };
    const Type kBoolType = Type::Of(Type::kBool);
    const std::string& fn = e.name;
    if (fn == "_&&_" || fn == "_||_" || fn == "!_") {
      for (size_t i = 0; i < e.args.size(); ++i) {
        if (!Compatible(arg(i), kBoolType)) return Fail(NoOverload(e));
      }
      e.type = kBoolType;
      return {};
    }
    if (fn == "-_") {
      const Type::Kind k = arg(0).kind;
      if (k != Type::kInt && k != Type::kDouble && k != Type::kDyn) return Fail(NoOverload(e));
      e.type = arg(0);
      return {};
    }
    if (fn == "_?_:_") {
      if (!Compatible(arg(0), kBoolType)) return Fail(NoOverload(e));
      if (!Compatible(arg(1), arg(2)) && arg(1).kind != Type::kNull && arg(2).kind != Type::kNull) {
        return Fail(NoOverload(e));
      }
      e.type = Join(arg(1), arg(2));
      return {};
    }
    if (fn == "_==_" || fn == "_!=_") {
      if (!Compatible(arg(0), arg(1)) && arg(0).kind != Type::kNull && arg(1).kind != Type::kNull) {
        return Fail(NoOverload(e));
      }
      e.type = kBoolType;
      return {};
    }
    if (fn == "_<_" || fn == "_<=_" || fn == "_>_" || fn == "_>=_") {
      const Type::Kind a = arg(0).kind, b = arg(1).kind;
      const auto orderable = [](Type::Kind k) {
        return IsNumeric(k) || k == Type::kString || k == Type::kBytes || k == Type::kBool ||
               k == Type::kDyn;
      };
      const bool ok =
          orderable(a) && orderable(b) &&
          (a == Type::kDyn || b == Type::kDyn || a == b || (IsNumeric(a) && IsNumeric(b)));
      if (!ok) return Fail(NoOverload(e));
      e.type = kBoolType;
      return {};
    }
    if (fn == "_+_" || fn == "_-_" || fn == "_*_" || fn == "_/_" || fn == "_%_") {
      const Type::Kind a = arg(0).kind, b = arg(1).kind;
      std::vector<Type::Kind> allowed = {Type::kInt, Type::kUint};
      if (fn != "_%_") allowed.push_back(Type::kDouble);
      if (fn == "_+_") {
        allowed.insert(allowed.end(), {Type::kString, Type::kBytes, Type::kList});
      }
      const auto ok = [&](Type::Kind k) {
        return k == Type::kDyn || std::find(allowed.begin(), allowed.end(), k) != allowed.end();
      };
      if (!ok(a) || !ok(b) || (a != b && a != Type::kDyn && b != Type::kDyn)) {
        return Fail(NoOverload(e));
      }
      if (a == Type::kList && b == Type::kList) {
        e.type = Type::List(Join(arg(0).Elem(), arg(1).Elem()));
      } else {
        e.type = a == Type::kDyn ? arg(1) : arg(0);
        if (e.type.kind == Type::kList && a != b) e.type = Type::List(Type::Of(Type::kDyn));
      }
      return {};
    }
    if (fn == "@in") {
      const Type& c = arg(1);
      const bool ok = c.kind == Type::kDyn ||
                      (c.kind == Type::kList && Compatible(arg(0), c.Elem())) ||
                      (c.kind == Type::kMap && Compatible(arg(0), c.Key()));
      if (!ok) return Fail(NoOverload(e));
      e.type = kBoolType;
      return {};
    }
    // A library function.
    if (!FunctionExists(fn)) {
      return Fail(Err(e, fmt::format("undeclared reference to '{}' (in container '')", fn)));
    }
    const std::vector<Overload>& table = Functions();
    bool first = true;
    for (size_t i = 0; i < table.size(); ++i) {
      const Overload& o = table[i];
      if (o.name != fn || o.member != e.member || o.params.size() != e.args.size()) continue;
      bool match = true;
      for (size_t p = 0; p < o.params.size() && match; ++p) {
        const Type::Kind want = o.params[p], have = arg(p).kind;
        match = want == Type::kDyn || have == Type::kDyn || want == have;
        // join() takes a list of strings.
        if (match && want == Type::kList && fn == "join") {
          match = Compatible(arg(p).Elem(), Type::Of(Type::kString));
        }
      }
      if (!match) continue;
      e.type = first ? o.result : Join(e.type, o.result);
      e.overload = first ? static_cast<int>(i) : -1;  // informational: the evaluator dispatches
      first = false;
    }
    if (first) return Fail(NoOverload(e));
    // dyn() hides the type of its argument; everything else has its overload's type.
    return {};
  }

  const CheckOptions& options_;
  std::vector<std::pair<std::string, Type>> scopes_;
};

}  // namespace

Status Check(Expr& root, const CheckOptions& options, uint64_t* estimated_cost) {
  Checker checker(options);
  AIINFRA_TRY(uint64_t cost, checker.Visit(root));
  *estimated_cost = cost;
  return {};
}

}  // namespace aiinfra::dra::cel
