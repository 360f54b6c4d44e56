// A tree-walking evaluator. Errors are Result errors; `&&` and `||` absorb an error from one
// side when the other decides the result (CEL's commutative logic), and so do all() and
// exists() across iterations. The cost-limit error is never absorbed.
#include "dra/cel_eval.h"

#include <fmt/format.h>

#include <array>
#include <cmath>
#include <limits>
#include <optional>
#include <span>
#include <string>
#include <utility>
#include <vector>

namespace aiinfra::dra::cel {
namespace {

uint64_t Tenth(size_t bytes) { return bytes / 10; }

constexpr size_t kMaxArgs = 4;

std::string KeyText(const Value& v) {
  switch (v.kind) {
    case Type::kString:
      return v.s;
    case Type::kInt:
      return std::to_string(v.i);
    case Type::kUint:
      return std::to_string(v.u) + "u";
    case Type::kBool:
      return v.b ? "true" : "false";
    case Type::kDouble:
      return FormatDouble(v.d);
    default:
      return KindName(v.kind);
  }
}

std::unexpected<Error> NoOverload(std::string_view fn, std::initializer_list<const Value*> args) {
  std::string list;
  for (const Value* a : args) list += (list.empty() ? "" : ", ") + KindName(a->kind);
  return RuntimeError(fmt::format("no such overload: {}({})", fn, list));
}

// Maps are small (a device's domains and ids); lookups scan them, and the evaluator charges a
// tenth of a unit per entry scanned.
const Value* Lookup(const MapData& map, const Value& key, uint64_t* scanned = nullptr) {
  for (const auto& [k, v] : map.entries) {
    if (scanned != nullptr) ++*scanned;
    if (Equal(k, key)) return &v;
  }
  return nullptr;
}

class Evaluator {
 public:
  Evaluator(const Value& device, Context& ctx) : device_(device), ctx_(ctx) {}

  Result<Value> Eval(const Expr& e) {
    AIINFRA_CHECK_OK(ctx_.Charge(1));
    switch (e.kind) {
      case Expr::kNull:
        return Value::Null();
      case Expr::kBool:
        return Value::Bool(e.bool_value);
      case Expr::kInt:
        return Value::Int(e.int_value);
      case Expr::kUint:
        return Value::Uint(e.uint_value);
      case Expr::kDouble:
        return Value::Double(e.double_value);
      case Expr::kString:
        return Value::String(e.name);
      case Expr::kBytes:
        return Value::Bytes(e.name);
      case Expr::kIdent:
        for (size_t i = scopes_.size(); i-- > 0;) {
          if (scopes_[i].first == e.name) return scopes_[i].second;
        }
        if (e.name == "device") return device_;
        return RuntimeError(fmt::format("no such attribute: {}", e.name));
      case Expr::kSelect:
      case Expr::kHas:
        return Select(e);
      case Expr::kIndex:
        return Index(e);
      case Expr::kList: {
        List items;
        items.reserve(e.args.size());
        for (const ExprPtr& a : e.args) {
          AIINFRA_TRY(Value v, Eval(*a));
          items.push_back(std::move(v));
        }
        return Value::ListOf(std::move(items));
      }
      case Expr::kMap:
        return MakeMap(e);
      case Expr::kComprehension:
        return Comprehension(e);
      case Expr::kBind: {
        AIINFRA_TRY(Value init, Eval(*e.args[0]));
        scopes_.emplace_back(e.name, std::move(init));
        Result<Value> body = Eval(*e.args[1]);
        scopes_.pop_back();
        return body;
      }
      case Expr::kCall:
        return Call(e);
    }
    return RuntimeError("unknown expression");
  }

 private:
  Result<Value> Select(const Expr& e) {
    AIINFRA_TRY(Value operand, Eval(*e.args[0]));
    if (operand.kind != Type::kMap) {
      return RuntimeError(
          fmt::format("type '{}' does not support field selection", KindName(operand.kind)));
    }
    uint64_t scanned = 0;
    const Value* found = Lookup(*operand.map, Value::String(e.name), &scanned);
    AIINFRA_CHECK_OK(ctx_.Charge(scanned / 10));
    if (e.kind == Expr::kHas) return Value::Bool(found != nullptr);
    if (found != nullptr) return *found;
    if (operand.map->missing_is_empty_map) return Value::MapOf({});
    return RuntimeError("no such key: " + e.name);
  }

  Result<Value> Index(const Expr& e) {
    AIINFRA_TRY(Value target, Eval(*e.args[0]));
    AIINFRA_TRY(Value index, Eval(*e.args[1]));
    if (target.kind == Type::kList) {
      int64_t i = 0;
      if (index.kind == Type::kInt) {
        i = index.i;
      } else if (index.kind == Type::kUint && index.u <= INT64_MAX) {
        i = static_cast<int64_t>(index.u);
      } else if (index.kind == Type::kDouble && index.d == std::trunc(index.d) &&
                 std::fabs(index.d) < 9e18) {
        i = static_cast<int64_t>(index.d);
      } else {
        return NoOverload("_[_]", {&target, &index});
      }
      const int64_t size = static_cast<int64_t>(target.list->size());
      if (i < 0 || i >= size) {
        return RuntimeError(
            fmt::format("index '{}' out of range in list size '{}'", i, target.list->size()));
      }
      return (*target.list)[static_cast<size_t>(i)];
    }
    if (target.kind == Type::kMap) {
      uint64_t scanned = 0;
      const Value* v = Lookup(*target.map, index, &scanned);
      AIINFRA_CHECK_OK(ctx_.Charge(scanned / 10));
      if (v != nullptr) return *v;
      if (target.map->missing_is_empty_map) return Value::MapOf({});
      return RuntimeError("no such key: " + KeyText(index));
    }
    return NoOverload("_[_]", {&target, &index});
  }

  Result<Value> MakeMap(const Expr& e) {
    MapData map;
    for (size_t i = 0; i < e.args.size(); i += 2) {
      AIINFRA_TRY(Value k, Eval(*e.args[i]));
      AIINFRA_TRY(Value v, Eval(*e.args[i + 1]));
      if (k.kind != Type::kString && k.kind != Type::kInt && k.kind != Type::kUint &&
          k.kind != Type::kBool) {
        return RuntimeError(fmt::format("unsupported key type: {}", KindName(k.kind)));
      }
      uint64_t scanned = 0;
      const bool repeated = Lookup(map, k, &scanned) != nullptr;
      AIINFRA_CHECK_OK(ctx_.Charge(scanned / 10));
      if (repeated) {
        return RuntimeError(fmt::format("Failed with repeated key: {}", KeyText(k)));
      }
      AIINFRA_CHECK_OK(ctx_.Charge(1));
      map.entries.emplace_back(std::move(k), std::move(v));
    }
    return Value::MapOf(std::move(map));
  }

  Result<Value> Comprehension(const Expr& e) {
    AIINFRA_TRY(Value range, Eval(*e.args[0]));
    std::shared_ptr<const List> items = range.list;  // iterated in place: no copy
    if (range.kind == Type::kMap) {
      AIINFRA_CHECK_OK(ctx_.Charge(range.map->entries.size() / 10));
      List keys;
      for (const auto& entry : range.map->entries) keys.push_back(entry.first);
      items = std::make_shared<const List>(std::move(keys));
    } else if (range.kind != Type::kList) {
      return RuntimeError(fmt::format("expression of type '{}' cannot be range of a comprehension",
                                      KindName(range.kind)));
    }
    scopes_.emplace_back(e.iter, Value());
    Result<Value> result = Loop(e, *items);
    scopes_.pop_back();
    return result;
  }

  // Evaluates a predicate to bool; a non-bool is an error.
  Result<bool> Predicate(const Expr& e) {
    AIINFRA_TRY(Value v, Eval(e));
    if (v.kind != Type::kBool) {
      return RuntimeError(fmt::format("no such overload: predicate of type {}", KindName(v.kind)));
    }
    return v.b;
  }

  Result<Value> Loop(const Expr& e, const List& items) {
    const Expr::Macro macro = e.macro;
    std::optional<Error> deferred;  // all/exists: an error that a later decisive result beats
    int64_t count = 0;
    List out;
    for (const Value& item : items) {
      AIINFRA_CHECK_OK(ctx_.Charge(1));
      scopes_.back().second = item;
      switch (macro) {
        case Expr::Macro::kAll:
        case Expr::Macro::kExists: {
          Result<bool> r = Predicate(*e.args[1]);
          if (ctx_.exceeded()) return RuntimeError(kCostLimitMessage);
          if (!r) {
            if (!deferred) deferred = std::move(r).error();
          } else if (*r == (macro == Expr::Macro::kExists)) {
            return Value::Bool(*r);
          }
          break;
        }
        case Expr::Macro::kExistsOne: {
          AIINFRA_TRY(bool r, Predicate(*e.args[1]));
          count += r ? 1 : 0;
          break;
        }
        case Expr::Macro::kFilter: {
          AIINFRA_TRY(bool r, Predicate(*e.args[1]));
          if (r) out.push_back(item);
          break;
        }
        case Expr::Macro::kMap: {
          if (e.args.size() == 3) {
            AIINFRA_TRY(bool keep, Predicate(*e.args[1]));
            if (!keep) break;
          }
          AIINFRA_TRY(Value v, Eval(*e.args.back()));
          out.push_back(std::move(v));
          break;
        }
      }
    }
    switch (macro) {
      case Expr::Macro::kAll:
      case Expr::Macro::kExists:
        if (deferred) return std::unexpected<Error>(std::move(*deferred));
        return Value::Bool(macro == Expr::Macro::kAll);
      case Expr::Macro::kExistsOne:
        return Value::Bool(count == 1);
      default:
        return Value::ListOf(std::move(out));
    }
  }

  // CEL's commutative && and ||: a decisive operand (false for &&, true for ||) wins over an
  // error on the other side, in either order.
  Result<Value> Logical(const Expr& e, bool is_and) {
    const bool decisive = !is_and;
    Result<Value> left = Eval(*e.args[0]);
    if (ctx_.exceeded()) return RuntimeError(kCostLimitMessage);
    if (left && left->kind == Type::kBool && left->b == decisive) return *left;
    Result<Value> right = Eval(*e.args[1]);
    if (ctx_.exceeded()) return RuntimeError(kCostLimitMessage);
    if (right && right->kind == Type::kBool && right->b == decisive) return *right;
    const std::string_view fn = is_and ? "_&&_" : "_||_";
    if (!left) return left;
    if (left->kind != Type::kBool) return NoOverload(fn, {&*left});
    if (!right) return right;
    if (right->kind != Type::kBool) return NoOverload(fn, {&*right});
    return Value::Bool(!decisive);
  }

  Result<Value> Call(const Expr& e) {
    const std::string& fn = e.name;
    if (fn == "_&&_") return Logical(e, true);
    if (fn == "_||_") return Logical(e, false);
    if (fn == "_?_:_") {
      AIINFRA_TRY(Value cond, Eval(*e.args[0]));
      if (cond.kind != Type::kBool) return NoOverload("_?_:_", {&cond});
      return Eval(*e.args[cond.b ? 1 : 2]);
    }
    // At most four arguments (the checker resolved an overload, and none takes more).
    if (e.args.size() > kMaxArgs) return RuntimeError("too many arguments");
    std::array<Value, kMaxArgs> storage;
    for (size_t i = 0; i < e.args.size(); ++i) {
      AIINFRA_TRY(storage[i], Eval(*e.args[i]));
    }
    const std::span<const Value> args(storage.data(), e.args.size());
    if (e.overload == kOperator) return Operator(fn, args);
    for (const Overload& o : Functions()) {
      if (o.name != fn || o.member != e.member || o.params.size() != args.size()) continue;
      bool match = true;
      for (size_t p = 0; p < args.size() && match; ++p) {
        match = o.params[p] == Type::kDyn || o.params[p] == args[p].kind;
      }
      if (match) return o.impl(ctx_, args);
    }
    std::string list;
    for (const Value& a : args) list += (list.empty() ? "" : ", ") + KindName(a.kind);
    return RuntimeError(fmt::format("no such overload: {}({})", fn, list));
  }

  Result<Value> Operator(const std::string& fn, std::span<const Value> args) {
    const Value& a = args[0];
    if (fn == "!_") {
      if (a.kind != Type::kBool) return NoOverload(fn, {&a});
      return Value::Bool(!a.b);
    }
    if (fn == "-_") {
      if (a.kind == Type::kInt) {
        if (a.i == std::numeric_limits<int64_t>::min()) return RuntimeError("integer overflow");
        return Value::Int(-a.i);
      }
      if (a.kind == Type::kDouble) return Value::Double(-a.d);
      return NoOverload(fn, {&a});
    }
    const Value& b = args[1];
    if (fn == "_==_" || fn == "_!=_") {
      uint64_t work = 0;
      const bool equal = Equal(a, b, &work);
      AIINFRA_CHECK_OK(ctx_.Charge(Tenth(a.s.size()) + work / 10));
      return Value::Bool(equal == (fn == "_==_"));
    }
    if (fn == "_<_" || fn == "_<=_" || fn == "_>_" || fn == "_>=_") {
      const bool numbers =
          (a.kind == Type::kInt || a.kind == Type::kUint || a.kind == Type::kDouble) &&
          (b.kind == Type::kInt || b.kind == Type::kUint || b.kind == Type::kDouble);
      if (!numbers && a.kind != b.kind) return NoOverload(fn, {&a, &b});
      bool unordered = false;
      const int c = CompareValues(a, b, &unordered);
      if (unordered) {
        if (numbers) return Value::Bool(false);  // NaN
        return NoOverload(fn, {&a, &b});
      }
      AIINFRA_CHECK_OK(ctx_.Charge(Tenth(std::min(a.s.size(), b.s.size()))));
      const bool r = fn == "_<_" ? c < 0 : fn == "_<=_" ? c <= 0 : fn == "_>_" ? c > 0 : c >= 0;
      return Value::Bool(r);
    }
    if (fn == "@in") {
      if (b.kind == Type::kList) {
        uint64_t work = 0;
        bool found = false;
        for (const Value& item : *b.list) {
          if (Equal(a, item, &work)) {
            found = true;
            break;
          }
        }
        AIINFRA_CHECK_OK(ctx_.Charge(work));
        return Value::Bool(found);
      }
      if (b.kind == Type::kMap) {
        uint64_t scanned = 0;
        const bool found = Lookup(*b.map, a, &scanned) != nullptr;
        AIINFRA_CHECK_OK(ctx_.Charge(scanned / 10));
        return Value::Bool(found);
      }
      return NoOverload("@in", {&a, &b});
    }
    return Arithmetic(fn, a, b);
  }

  Result<Value> Arithmetic(const std::string& fn, const Value& a, const Value& b) {
    if (a.kind != b.kind) return NoOverload(fn, {&a, &b});
    const char op = fn[1];
    switch (a.kind) {
      case Type::kInt: {
        int64_t r = 0;
        bool overflow = false;
        switch (op) {
          case '+':
            overflow = __builtin_add_overflow(a.i, b.i, &r);
            break;
          case '-':
            overflow = __builtin_sub_overflow(a.i, b.i, &r);
            break;
          case '*':
            overflow = __builtin_mul_overflow(a.i, b.i, &r);
            break;
          case '/':
          case '%':
            if (b.i == 0) return RuntimeError(op == '/' ? "division by zero" : "modulus by zero");
            overflow = a.i == std::numeric_limits<int64_t>::min() && b.i == -1;
            if (!overflow) r = op == '/' ? a.i / b.i : a.i % b.i;
            break;
        }
        if (overflow) return RuntimeError("integer overflow");
        return Value::Int(r);
      }
      case Type::kUint: {
        uint64_t r = 0;
        bool overflow = false;
        switch (op) {
          case '+':
            overflow = __builtin_add_overflow(a.u, b.u, &r);
            break;
          case '-':
            overflow = __builtin_sub_overflow(a.u, b.u, &r);
            break;
          case '*':
            overflow = __builtin_mul_overflow(a.u, b.u, &r);
            break;
          case '/':
          case '%':
            if (b.u == 0) return RuntimeError(op == '/' ? "division by zero" : "modulus by zero");
            r = op == '/' ? a.u / b.u : a.u % b.u;
            break;
        }
        if (overflow) return RuntimeError("unsigned integer overflow");
        return Value::Uint(r);
      }
      case Type::kDouble:
        switch (op) {
          case '+':
            return Value::Double(a.d + b.d);
          case '-':
            return Value::Double(a.d - b.d);
          case '*':
            return Value::Double(a.d * b.d);
          case '/':
            return Value::Double(a.d / b.d);
          default:
            break;
        }
        break;
      case Type::kString:
      case Type::kBytes:
        if (op == '+') {
          AIINFRA_CHECK_OK(ctx_.Charge(Tenth(a.s.size() + b.s.size())));
          return a.kind == Type::kString ? Value::String(a.s + b.s) : Value::Bytes(a.s + b.s);
        }
        break;
      case Type::kList:
        if (op == '+') {
          AIINFRA_CHECK_OK(ctx_.Charge(a.list->size() + b.list->size()));
          List items = *a.list;
          items.insert(items.end(), b.list->begin(), b.list->end());
          return Value::ListOf(std::move(items));
        }
        break;
      default:
        break;
    }
    return NoOverload(fn, {&a, &b});
  }

  const Value& device_;
  Context& ctx_;
  std::vector<std::pair<std::string, Value>> scopes_;
};

}  // namespace

Result<Value> Evaluate(const Expr& root, const Value& device, Context& ctx) {
  Evaluator evaluator(device, ctx);
  Result<Value> result = evaluator.Eval(root);
  if (ctx.exceeded()) return RuntimeError(kCostLimitMessage);
  return result;
}

}  // namespace aiinfra::dra::cel
