// The function table: the standard CEL functions the selectors use, the Kubernetes strings
// extension (cel-go ext/strings semantics: indices count code points), type conversions, and
// the Kubernetes quantity and semver libraries.
//
// Cost: each call costs 1 (charged by the evaluator) plus, here, a tenth of a unit per byte a
// string function reads or writes (at least the bytes of its receiver).
#include <fmt/format.h>
#include <re2/re2.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>

#include "common/text.h"
#include "dra/cel_lexer.h"
#include "dra/cel_value.h"

namespace aiinfra::dra::cel {

namespace {

using Args = std::span<const Value>;
using V = Value;

uint64_t Tenth(size_t bytes) { return bytes / 10; }

Result<V> Size(Context& ctx, Args a) {
  const V& x = a[0];
  switch (x.kind) {
    case Type::kString:
      AIINFRA_CHECK_OK(ctx.Charge(Tenth(x.s.size())));
      return V::Int(static_cast<int64_t>(DecodeUtf8(x.s).size()));
    case Type::kBytes:
      return V::Int(static_cast<int64_t>(x.s.size()));
    case Type::kList:
      return V::Int(static_cast<int64_t>(x.list->size()));
    case Type::kMap:
      return V::Int(static_cast<int64_t>(x.map->entries.size()));
    default:
      return RuntimeError("no such overload: size(" + KindName(x.kind) + ")");
  }
}

Result<V> Contains(Context& ctx, Args a) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(a[0].s.size() + a[1].s.size())));
  return V::Bool(a[0].s.find(a[1].s) != std::string::npos);
}
Result<V> StartsWith(Context& ctx, Args a) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(a[1].s.size())));
  return V::Bool(a[0].s.starts_with(a[1].s));
}
Result<V> EndsWith(Context& ctx, Args a) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(a[1].s.size())));
  return V::Bool(a[0].s.ends_with(a[1].s));
}

Result<V> Matches(Context& ctx, Args a) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(a[0].s.size()) + a[1].s.size()));
  RE2::Options options;
  options.set_log_errors(false);
  const RE2 re(a[1].s, options);
  if (!re.ok()) return RuntimeError("error parsing regexp: " + re.error());
  return V::Bool(RE2::PartialMatch(a[0].s, re));
}

Result<V> LowerAscii(Context& ctx, Args a) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(a[0].s.size())));
  return V::String(ToLowerAscii(a[0].s));
}
Result<V> UpperAscii(Context& ctx, Args a) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(a[0].s.size())));
  std::string s = a[0].s;
  for (char& c : s) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return V::String(std::move(s));
}

bool IsUnicodeSpace(char32_t c) {
  return c == ' ' || (c >= '\t' && c <= '\r') || c == 0x85 || c == 0xA0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F ||
         c == 0x3000;
}
Result<V> Trim(Context& ctx, Args a) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(a[0].s.size())));
  const std::u32string s = DecodeUtf8(a[0].s);
  size_t lo = 0, hi = s.size();
  while (lo < hi && IsUnicodeSpace(s[lo])) ++lo;
  while (hi > lo && IsUnicodeSpace(s[hi - 1])) --hi;
  return V::String(EncodeUtf8(std::u32string_view(s).substr(lo, hi - lo)));
}

// Go's strings.SplitN.
Result<V> SplitN(Context& ctx, const std::string& s, const std::string& sep, int64_t n) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(s.size())));
  List out;
  if (n == 0) return V::ListOf(std::move(out));
  if (sep.empty()) {
    const std::u32string cps = DecodeUtf8(s);
    for (size_t i = 0; i < cps.size(); ++i) {
      if (n > 0 && static_cast<int64_t>(out.size()) == n - 1) {
        out.push_back(V::String(EncodeUtf8(std::u32string_view(cps).substr(i))));
        break;
      }
      out.push_back(V::String(EncodeUtf8(std::u32string_view(cps).substr(i, 1))));
    }
    AIINFRA_CHECK_OK(ctx.Charge(out.size()));
    return V::ListOf(std::move(out));
  }
  size_t start = 0;
  while (n < 0 || static_cast<int64_t>(out.size()) < n - 1) {
    const size_t at = s.find(sep, start);
    if (at == std::string::npos) break;
    out.push_back(V::String(s.substr(start, at - start)));
    start = at + sep.size();
  }
  out.push_back(V::String(s.substr(start)));
  AIINFRA_CHECK_OK(ctx.Charge(out.size()));
  return V::ListOf(std::move(out));
}
Result<V> Split(Context& ctx, Args a) { return SplitN(ctx, a[0].s, a[1].s, -1); }
Result<V> Split3(Context& ctx, Args a) { return SplitN(ctx, a[0].s, a[1].s, a[2].i); }

Result<V> JoinWith(Context& ctx, const List& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) {
    if (items[i].kind != Type::kString) {
      return RuntimeError("join: list element is " + KindName(items[i].kind) + ", not string");
    }
    if (i > 0) out += sep;
    out += items[i].s;
    AIINFRA_CHECK_OK(ctx.Charge(1 + Tenth(items[i].s.size() + sep.size())));
  }
  return V::String(std::move(out));
}
Result<V> Join(Context& ctx, Args a) { return JoinWith(ctx, *a[0].list, ""); }
Result<V> Join2(Context& ctx, Args a) { return JoinWith(ctx, *a[0].list, a[1].s); }

// Go's strings.Replace.
Result<V> ReplaceN(Context& ctx, const std::string& s, const std::string& from,
                   const std::string& to, int64_t n) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(s.size())));
  std::string out;
  if (from.empty()) {
    const std::u32string cps = DecodeUtf8(s);
    int64_t done = 0;
    for (size_t i = 0; i <= cps.size(); ++i) {
      if (n < 0 || done < n) {
        out += to;
        ++done;
      }
      if (i < cps.size()) AppendUtf8(cps[i], &out);
      AIINFRA_CHECK_OK(ctx.Charge(Tenth(to.size())));
    }
    return V::String(std::move(out));
  }
  size_t start = 0;
  int64_t done = 0;
  while (n < 0 || done < n) {
    const size_t at = s.find(from, start);
    if (at == std::string::npos) break;
    out.append(s, start, at - start);
    out += to;
    start = at + from.size();
    ++done;
    AIINFRA_CHECK_OK(ctx.Charge(Tenth(to.size())));
  }
  out.append(s, start, std::string::npos);
  return V::String(std::move(out));
}
Result<V> Replace(Context& ctx, Args a) { return ReplaceN(ctx, a[0].s, a[1].s, a[2].s, -1); }
Result<V> Replace4(Context& ctx, Args a) { return ReplaceN(ctx, a[0].s, a[1].s, a[2].s, a[3].i); }

Result<V> Substring(Context& ctx, const std::string& s, int64_t start, std::optional<int64_t> end) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(s.size())));
  const std::u32string cps = DecodeUtf8(s);
  const int64_t len = static_cast<int64_t>(cps.size());
  if (start < 0 || start > len) return RuntimeError(fmt::format("index out of range: {}", start));
  const int64_t stop = end.value_or(len);
  if (stop < 0 || stop > len) return RuntimeError(fmt::format("index out of range: {}", stop));
  if (start > stop) {
    return RuntimeError(fmt::format("invalid substring range. start: {}, end: {}", start, stop));
  }
  return V::String(EncodeUtf8(std::u32string_view(cps).substr(start, stop - start)));
}
Result<V> Substring2(Context& ctx, Args a) { return Substring(ctx, a[0].s, a[1].i, std::nullopt); }
Result<V> Substring3(Context& ctx, Args a) { return Substring(ctx, a[0].s, a[1].i, a[2].i); }

Result<V> CharAt(Context& ctx, Args a) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(a[0].s.size())));
  const std::u32string cps = DecodeUtf8(a[0].s);
  const int64_t i = a[1].i;
  if (i < 0 || i > static_cast<int64_t>(cps.size())) {
    return RuntimeError(fmt::format("index out of range: {}", i));
  }
  if (i == static_cast<int64_t>(cps.size())) return V::String("");
  return V::String(EncodeUtf8(std::u32string_view(cps).substr(i, 1)));
}

Result<V> IndexOf(Context& ctx, const std::string& str, const std::string& sub,
                  std::optional<int64_t> offset, bool last) {
  AIINFRA_CHECK_OK(ctx.Charge(Tenth(str.size() + sub.size())));
  const std::u32string s = DecodeUtf8(str), t = DecodeUtf8(sub);
  const int64_t len = static_cast<int64_t>(s.size());
  if (t.empty()) return V::Int(offset.value_or(last ? len : 0));
  int64_t off = offset.value_or(last ? len - 1 : 0);
  if (offset && (off < 0 || off >= len)) {
    return RuntimeError(fmt::format("index out of range: {}", off));
  }
  const int64_t tl = static_cast<int64_t>(t.size());
  if (!last) {
    const size_t at = s.find(t, static_cast<size_t>(off));
    return V::Int(at == std::u32string::npos ? -1 : static_cast<int64_t>(at));
  }
  if (tl > len) return V::Int(-1);
  off = std::min(off, len - tl);
  for (int64_t i = off; i >= 0; --i) {
    if (s.compare(static_cast<size_t>(i), t.size(), t) == 0) return V::Int(i);
  }
  return V::Int(-1);
}
Result<V> IndexOf2(Context& ctx, Args a) {
  return IndexOf(ctx, a[0].s, a[1].s, std::nullopt, false);
}
Result<V> IndexOf3(Context& ctx, Args a) { return IndexOf(ctx, a[0].s, a[1].s, a[2].i, false); }
Result<V> LastIndexOf2(Context& ctx, Args a) {
  return IndexOf(ctx, a[0].s, a[1].s, std::nullopt, true);
}
Result<V> LastIndexOf3(Context& ctx, Args a) { return IndexOf(ctx, a[0].s, a[1].s, a[2].i, true); }

// ---- conversions ----

const char* kRange = "range error converting value";

Result<V> IntOf(Context&, Args a) {
  const V& x = a[0];
  switch (x.kind) {
    case Type::kInt:
      return x;
    case Type::kUint:
      if (x.u > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        return RuntimeError(fmt::format("{} {} to int", kRange, x.u));
      }
      return V::Int(static_cast<int64_t>(x.u));
    case Type::kDouble:
      if (!(x.d > -9223372036854775809.0 && x.d < 9223372036854775808.0)) {
        return RuntimeError(fmt::format("{} {} to int", kRange, x.d));
      }
      return V::Int(static_cast<int64_t>(x.d));
    case Type::kString: {
      int64_t v = 0;
      const char* b = x.s.data();
      const char* e = b + x.s.size();
      if (b != e && *b == '+') ++b;
      const auto [p, ec] = std::from_chars(b, e, v);
      if (ec != std::errc() || p != e || b == e) {
        return RuntimeError(fmt::format("cannot convert string \"{}\" to int", x.s));
      }
      return V::Int(v);
    }
    default:
      return RuntimeError("no such overload: int(" + KindName(x.kind) + ")");
  }
}

Result<V> UintOf(Context&, Args a) {
  const V& x = a[0];
  switch (x.kind) {
    case Type::kUint:
      return x;
    case Type::kInt:
      if (x.i < 0) return RuntimeError(fmt::format("{} {} to uint", kRange, x.i));
      return V::Uint(static_cast<uint64_t>(x.i));
    case Type::kDouble:
      if (!(x.d > -1.0 && x.d < 18446744073709551616.0)) {
        return RuntimeError(fmt::format("{} {} to uint", kRange, x.d));
      }
      return V::Uint(static_cast<uint64_t>(x.d));
    case Type::kString: {
      uint64_t v = 0;
      const char* b = x.s.data();
      const char* e = b + x.s.size();
      if (b != e && *b == '+') ++b;
      const auto [p, ec] = std::from_chars(b, e, v);
      if (ec != std::errc() || p != e || b == e) {
        return RuntimeError(fmt::format("cannot convert string \"{}\" to uint", x.s));
      }
      return V::Uint(v);
    }
    default:
      return RuntimeError("no such overload: uint(" + KindName(x.kind) + ")");
  }
}

Result<V> DoubleOf(Context&, Args a) {
  const V& x = a[0];
  switch (x.kind) {
    case Type::kDouble:
      return x;
    case Type::kInt:
      return V::Double(static_cast<double>(x.i));
    case Type::kUint:
      return V::Double(static_cast<double>(x.u));
    case Type::kString: {
      const std::string& s = x.s;
      if (s.empty() || std::isspace(static_cast<unsigned char>(s[0])) ||
          s.find('\0') != std::string::npos) {
        return RuntimeError(fmt::format("cannot convert string \"{}\" to double", s));
      }
      char* end = nullptr;
      const double v = std::strtod(s.c_str(), &end);
      if (end != s.c_str() + s.size()) {
        return RuntimeError(fmt::format("cannot convert string \"{}\" to double", s));
      }
      return V::Double(v);
    }
    default:
      return RuntimeError("no such overload: double(" + KindName(x.kind) + ")");
  }
}

Result<V> StringOf(Context&, Args a) {
  const V& x = a[0];
  switch (x.kind) {
    case Type::kString:
      return x;
    case Type::kInt:
      return V::String(std::to_string(x.i));
    case Type::kUint:
      return V::String(std::to_string(x.u));
    case Type::kDouble:
      return V::String(FormatDouble(x.d));
    case Type::kBool:
      return V::String(x.b ? "true" : "false");
    case Type::kBytes:
      if (!ValidUtf8(x.s)) return RuntimeError("invalid UTF-8 in bytes, cannot convert to string");
      return V::String(x.s);
    default:
      return RuntimeError("no such overload: string(" + KindName(x.kind) + ")");
  }
}
Result<V> BytesOf(Context&, Args a) { return V::Bytes(a[0].s); }
Result<V> DynOf(Context&, Args a) { return a[0]; }

// ---- Kubernetes quantity library ----

Result<V> QuantityOf(Context&, Args a) {
  AIINFRA_TRY(Quantity q, Quantity::Parse(a[0].s));
  return V::Of(std::move(q));
}
Result<V> IsQuantity(Context&, Args a) { return V::Bool(Quantity::Parse(a[0].s).has_value()); }
Result<V> QCompareTo(Context&, Args a) { return V::Int(a[0].quantity->Compare(*a[1].quantity)); }
Result<V> QGreater(Context&, Args a) { return V::Bool(a[0].quantity->Compare(*a[1].quantity) > 0); }
Result<V> QLess(Context&, Args a) { return V::Bool(a[0].quantity->Compare(*a[1].quantity) < 0); }
Result<V> QAdd(Context&, Args a) { return V::Of(a[0].quantity->Add(*a[1].quantity)); }
Result<V> QAddInt(Context&, Args a) { return V::Of(a[0].quantity->Add(Quantity::FromInt(a[1].i))); }
Result<V> QSub(Context&, Args a) { return V::Of(a[0].quantity->Sub(*a[1].quantity)); }
Result<V> QSubInt(Context&, Args a) { return V::Of(a[0].quantity->Sub(Quantity::FromInt(a[1].i))); }
Result<V> QAsInteger(Context&, Args a) {
  AIINFRA_TRY(int64_t v, a[0].quantity->AsInteger());
  return V::Int(v);
}
Result<V> QAsFloat(Context&, Args a) { return V::Double(a[0].quantity->AsApproximateFloat()); }
Result<V> QSign(Context&, Args a) { return V::Int(a[0].quantity->Sign()); }
Result<V> QIsInteger(Context&, Args a) { return V::Bool(a[0].quantity->AsInteger().has_value()); }

// ---- Kubernetes semver library ----

Result<V> SemverOf(Context&, Args a) {
  const bool normalize = a.size() > 1 && a[1].b;
  auto v = normalize ? Semver::ParseNormalized(a[0].s) : Semver::Parse(a[0].s);
  if (!v) return RuntimeError("invalid semver \"" + a[0].s + "\": " + v.error().message);
  return V::Of(std::move(*v));
}
Result<V> IsSemver(Context&, Args a) {
  const bool normalize = a.size() > 1 && a[1].b;
  return V::Bool((normalize ? Semver::ParseNormalized(a[0].s) : Semver::Parse(a[0].s)).has_value());
}
Result<V> SMajor(Context&, Args a) { return V::Int(static_cast<int64_t>(a[0].semver->major)); }
Result<V> SMinor(Context&, Args a) { return V::Int(static_cast<int64_t>(a[0].semver->minor)); }
Result<V> SPatch(Context&, Args a) { return V::Int(static_cast<int64_t>(a[0].semver->patch)); }
Result<V> SCompareTo(Context&, Args a) { return V::Int(a[0].semver->Compare(*a[1].semver)); }
Result<V> SGreater(Context&, Args a) { return V::Bool(a[0].semver->Compare(*a[1].semver) > 0); }
Result<V> SLess(Context&, Args a) { return V::Bool(a[0].semver->Compare(*a[1].semver) < 0); }

using K = Type::Kind;

std::vector<Overload> MakeFunctions() {
  const Type tb = Type::Of(K::kBool), ti = Type::Of(K::kInt), ts = Type::Of(K::kString);
  const Type tu = Type::Of(K::kUint), td = Type::Of(K::kDouble), tq = Type::Of(K::kQuantity);
  const Type tv = Type::Of(K::kSemver), tbytes = Type::Of(K::kBytes);
  const Type tdyn = Type::Of(K::kDyn), tls = Type::List(ts);
  std::vector<Overload> f;
  for (bool member : {false, true}) {
    for (K k : {K::kString, K::kBytes, K::kList, K::kMap})
      f.push_back({"size", member, {k}, ti, Size});
  }
  f.push_back({"contains", true, {K::kString, K::kString}, tb, Contains});
  f.push_back({"startsWith", true, {K::kString, K::kString}, tb, StartsWith});
  f.push_back({"endsWith", true, {K::kString, K::kString}, tb, EndsWith});
  f.push_back({"matches", true, {K::kString, K::kString}, tb, Matches});
  f.push_back({"matches", false, {K::kString, K::kString}, tb, Matches});
  f.push_back({"lowerAscii", true, {K::kString}, ts, LowerAscii});
  f.push_back({"upperAscii", true, {K::kString}, ts, UpperAscii});
  f.push_back({"trim", true, {K::kString}, ts, Trim});
  f.push_back({"split", true, {K::kString, K::kString}, tls, Split});
  f.push_back({"split", true, {K::kString, K::kString, K::kInt}, tls, Split3});
  f.push_back({"join", true, {K::kList}, ts, Join});
  f.push_back({"join", true, {K::kList, K::kString}, ts, Join2});
  f.push_back({"replace", true, {K::kString, K::kString, K::kString}, ts, Replace});
  f.push_back({"replace", true, {K::kString, K::kString, K::kString, K::kInt}, ts, Replace4});
  f.push_back({"substring", true, {K::kString, K::kInt}, ts, Substring2});
  f.push_back({"substring", true, {K::kString, K::kInt, K::kInt}, ts, Substring3});
  f.push_back({"charAt", true, {K::kString, K::kInt}, ts, CharAt});
  f.push_back({"indexOf", true, {K::kString, K::kString}, ti, IndexOf2});
  f.push_back({"indexOf", true, {K::kString, K::kString, K::kInt}, ti, IndexOf3});
  f.push_back({"lastIndexOf", true, {K::kString, K::kString}, ti, LastIndexOf2});
  f.push_back({"lastIndexOf", true, {K::kString, K::kString, K::kInt}, ti, LastIndexOf3});
  for (K k : {K::kInt, K::kUint, K::kDouble, K::kString}) {
    f.push_back({"int", false, {k}, ti, IntOf});
    f.push_back({"uint", false, {k}, tu, UintOf});
    f.push_back({"double", false, {k}, td, DoubleOf});
  }
  for (K k : {K::kString, K::kInt, K::kUint, K::kDouble, K::kBool, K::kBytes}) {
    f.push_back({"string", false, {k}, ts, StringOf});
  }
  f.push_back({"bytes", false, {K::kString}, tbytes, BytesOf});
  f.push_back({"bytes", false, {K::kBytes}, tbytes, DynOf});
  f.push_back({"dyn", false, {K::kDyn}, tdyn, DynOf});
  f.push_back({"quantity", false, {K::kString}, tq, QuantityOf});
  f.push_back({"isQuantity", false, {K::kString}, tb, IsQuantity});
  f.push_back({"compareTo", true, {K::kQuantity, K::kQuantity}, ti, QCompareTo});
  f.push_back({"isGreaterThan", true, {K::kQuantity, K::kQuantity}, tb, QGreater});
  f.push_back({"isLessThan", true, {K::kQuantity, K::kQuantity}, tb, QLess});
  f.push_back({"add", true, {K::kQuantity, K::kQuantity}, tq, QAdd});
  f.push_back({"add", true, {K::kQuantity, K::kInt}, tq, QAddInt});
  f.push_back({"sub", true, {K::kQuantity, K::kQuantity}, tq, QSub});
  f.push_back({"sub", true, {K::kQuantity, K::kInt}, tq, QSubInt});
  f.push_back({"asInteger", true, {K::kQuantity}, ti, QAsInteger});
  f.push_back({"asApproximateFloat", true, {K::kQuantity}, td, QAsFloat});
  f.push_back({"sign", true, {K::kQuantity}, ti, QSign});
  f.push_back({"isInteger", true, {K::kQuantity}, tb, QIsInteger});
  f.push_back({"semver", false, {K::kString}, tv, SemverOf});
  f.push_back({"semver", false, {K::kString, K::kBool}, tv, SemverOf});
  f.push_back({"isSemver", false, {K::kString}, tb, IsSemver});
  f.push_back({"isSemver", false, {K::kString, K::kBool}, tb, IsSemver});
  f.push_back({"major", true, {K::kSemver}, ti, SMajor});
  f.push_back({"minor", true, {K::kSemver}, ti, SMinor});
  f.push_back({"patch", true, {K::kSemver}, ti, SPatch});
  f.push_back({"compareTo", true, {K::kSemver, K::kSemver}, ti, SCompareTo});
  f.push_back({"isGreaterThan", true, {K::kSemver, K::kSemver}, tb, SGreater});
  f.push_back({"isLessThan", true, {K::kSemver, K::kSemver}, tb, SLess});
  return f;
}

}  // namespace

const std::vector<Overload>& Functions() {
  static const std::vector<Overload> kFunctions = MakeFunctions();
  return kFunctions;
}

bool FunctionExists(std::string_view name) {
  for (const Overload& o : Functions()) {
    if (o.name == name) return true;
  }
  return false;
}

}  // namespace aiinfra::dra::cel
