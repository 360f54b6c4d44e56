// Values of the CEL subset: constructors, equality, ordering and Go's float printing.
#include "dra/cel_value.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>

namespace aiinfra::dra::cel {

Value Value::Bool(bool v) {
  Value x;
  x.kind = Type::kBool;
  x.b = v;
  return x;
}
Value Value::Int(int64_t v) {
  Value x;
  x.kind = Type::kInt;
  x.i = v;
  return x;
}
Value Value::Uint(uint64_t v) {
  Value x;
  x.kind = Type::kUint;
  x.u = v;
  return x;
}
Value Value::Double(double v) {
  Value x;
  x.kind = Type::kDouble;
  x.d = v;
  return x;
}
Value Value::String(std::string v) {
  Value x;
  x.kind = Type::kString;
  x.s = std::move(v);
  return x;
}
Value Value::Bytes(std::string v) {
  Value x;
  x.kind = Type::kBytes;
  x.s = std::move(v);
  return x;
}
Value Value::ListOf(List items) {
  Value x;
  x.kind = Type::kList;
  x.list = std::make_shared<const List>(std::move(items));
  return x;
}
Value Value::MapOf(MapData data) {
  Value x;
  x.kind = Type::kMap;
  x.map = std::make_shared<const MapData>(std::move(data));
  return x;
}
Value Value::Of(Quantity q) {
  Value x;
  x.kind = Type::kQuantity;
  x.quantity = std::make_shared<const Quantity>(std::move(q));
  return x;
}
Value Value::Of(Semver v) {
  Value x;
  x.kind = Type::kSemver;
  x.semver = std::make_shared<const Semver>(std::move(v));
  return x;
}

std::string KindName(Type::Kind kind) { return Type::Of(kind).Name(); }

std::unexpected<Error> RuntimeError(std::string message) {
  return Fail(ErrorCode::kInvalidInput, std::move(message));
}

namespace {

bool IsNumber(const Value& v) {
  return v.kind == Type::kInt || v.kind == Type::kUint || v.kind == Type::kDouble;
}

// Compares numbers of any of the three kinds exactly; nullopt when a NaN is involved.
int CompareNumbers(const Value& a, const Value& b, bool* unordered) {
  *unordered = false;
  const auto as_i128 = [](const Value& v) -> __int128 {
    return v.kind == Type::kInt ? __int128{v.i} : __int128{v.u};
  };
  if (a.kind != Type::kDouble && b.kind != Type::kDouble) {
    const __int128 x = as_i128(a), y = as_i128(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  const double x = a.kind == Type::kDouble ? a.d : static_cast<double>(as_i128(a));
  const double y = b.kind == Type::kDouble ? b.d : static_cast<double>(as_i128(b));
  if (std::isnan(x) || std::isnan(y)) {
    *unordered = true;
    return 0;
  }
  return x < y ? -1 : x > y ? 1 : 0;
}

}  // namespace

bool Equal(const Value& a, const Value& b, uint64_t* work) {
  if (work != nullptr) ++*work;
  if (IsNumber(a) && IsNumber(b)) {
    bool unordered = false;
    return CompareNumbers(a, b, &unordered) == 0 && !unordered;
  }
  if (a.kind != b.kind) return false;
  switch (a.kind) {
    case Type::kNull:
      return true;
    case Type::kBool:
      return a.b == b.b;
    case Type::kString:
    case Type::kBytes:
      return a.s == b.s;
    case Type::kQuantity:
      return a.quantity->Compare(*b.quantity) == 0;
    case Type::kSemver:
      return a.semver->Compare(*b.semver) == 0;
    case Type::kList:
      if (a.list->size() != b.list->size()) return false;
      for (size_t i = 0; i < a.list->size(); ++i) {
        if (!Equal((*a.list)[i], (*b.list)[i], work)) return false;
      }
      return true;
    case Type::kMap: {
      if (a.map->entries.size() != b.map->entries.size()) return false;
      for (const auto& [k, v] : a.map->entries) {
        bool found = false;
        for (const auto& [k2, v2] : b.map->entries) {
          if (Equal(k, k2, work)) {
            if (!Equal(v, v2, work)) return false;
            found = true;
            break;
          }
        }
        if (!found) return false;
      }
      return true;
    }
    default:
      return false;
  }
}

int CompareValues(const Value& a, const Value& b, bool* unordered) {
  *unordered = false;
  if (IsNumber(a) && IsNumber(b)) return CompareNumbers(a, b, unordered);
  switch (a.kind) {
    case Type::kBool:
      return a.b == b.b ? 0 : a.b ? 1 : -1;
    case Type::kString:
    case Type::kBytes: {
      const int c = a.s.compare(b.s);  // byte order = code point order for UTF-8
      return c < 0 ? -1 : c > 0 ? 1 : 0;
    }
    default:
      *unordered = true;
      return 0;
  }
}

// Go's strconv.FormatFloat(d, 'g', -1, 64), which CEL's string(double) prints.
std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "+Inf" : "-Inf";
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, r.ptr);  // "-1.2345e+06"
  const bool negative = sci[0] == '-';
  if (negative) sci.erase(0, 1);
  const size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  const int exp = std::atoi(sci.c_str() + e + 1);
  std::string out;
  if (exp < -4 || exp >= 6) {  // shortest 'g' decides with precision 6
    out = digits.substr(0, 1);
    if (digits.size() > 1) out += "." + digits.substr(1);
    out += fmt::format("e{}{:02d}", exp < 0 ? '-' : '+', std::abs(exp));
  } else if (exp < 0) {
    out = "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  } else if (exp + 1 >= static_cast<int>(digits.size())) {
    out = digits + std::string(static_cast<size_t>(exp + 1 - digits.size()), '0');
  } else {
    out = digits.substr(0, exp + 1) + "." + digits.substr(exp + 1);
  }
  return negative ? "-" + out : out;
}

}  // namespace aiinfra::dra::cel
