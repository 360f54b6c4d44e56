// resource.Quantity, following k8s.io/apimachinery/pkg/api/resource (quantity.go, suffix.go,
// amount.go): the same hand-written scanner (parseQuantityString), the same suffix table, the
// int64 fast path that keeps the caller's text when it is already canonical, the slow path that
// rounds magnitudes up to 1n and caps them at 2^63-1, and CanonicalizeBytes for printing.
#include "dra/quantity.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace aiinfra::dra {
namespace {

using i128 = __int128;

constexpr int kNano = -9;
constexpr int kMaxInt64Factors = 18;
const i128 kMaxAllowed = std::numeric_limits<int64_t>::max();

std::string FormatError() {
  return "quantities must match the regular expression "
         "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'";
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string ToDecimal(i128 v) {
  if (v == 0) return "0";
  const bool negative = v < 0;
  unsigned __int128 u = negative ? -static_cast<unsigned __int128>(v) : v;
  std::string out;
  while (u > 0) {
    out.insert(out.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
    u /= 10;
  }
  if (negative) out.insert(out.begin(), '-');
  return out;
}

// 10^n for 0 <= n <= 38, or 0 when it does not fit.
i128 Pow10(int n) {
  if (n < 0 || n > 38) return 0;
  i128 p = 1;
  for (int i = 0; i < n; ++i) p *= 10;
  return p;
}

bool MulOverflows(i128 a, i128 b, i128* out) { return __builtin_mul_overflow(a, b, out); }

struct Scanned {
  bool positive = true;
  std::string num, denom, suffix;
};

// parseQuantityString: sign, leading zeros, digits, '.', digits, suffix letters, an optional
// sign and digits. Like upstream it accepts "-", "." and "5." (all numerically fine).
bool Scan(std::string_view s, Scanned* out) {
  size_t pos = 0;
  const size_t end = s.size();
  if (pos < end && (s[0] == '-' || s[0] == '+')) {
    out->positive = s[0] == '+';
    ++pos;
  }
  while (pos < end && s[pos] == '0') ++pos;
  if (pos >= end) {
    out->num = "0";
    return true;
  }
  size_t start = pos;
  while (pos < end && IsDigit(s[pos])) ++pos;
  out->num = std::string(s.substr(start, pos - start));
  if (out->num.empty()) out->num = "0";
  if (pos < end && s[pos] == '.') {
    ++pos;
    start = pos;
    while (pos < end && IsDigit(s[pos])) ++pos;
    out->denom = std::string(s.substr(start, pos - start));
  }
  const size_t suffix_start = pos;
  while (pos < end && std::string_view("eEinumkKMGTP").find(s[pos]) != std::string_view::npos) {
    ++pos;
  }
  if (pos < end && (s[pos] == '-' || s[pos] == '+')) ++pos;
  while (pos < end && IsDigit(s[pos])) ++pos;
  if (pos < end) return false;
  out->suffix = std::string(s.substr(suffix_start));
  return true;
}

enum class Base { kTen, kTwo };

struct Suffix {
  Base base;
  int exponent;
  int format;  // 0 decimal SI, 1 binary SI, 2 decimal exponent
};

bool Interpret(std::string_view suffix, Suffix* out) {
  static constexpr std::pair<std::string_view, int> kDecimal[] = {
      {"n", -9}, {"u", -6}, {"m", -3}, {"", 0},   {"k", 3},
      {"M", 6},  {"G", 9},  {"T", 12}, {"P", 15}, {"E", 18}};
  static constexpr std::pair<std::string_view, int> kBinary[] = {
      {"Ki", 10}, {"Mi", 20}, {"Gi", 30}, {"Ti", 40}, {"Pi", 50}, {"Ei", 60}};
  for (const auto& [name, e] : kDecimal) {
    if (suffix == name) {
      *out = {Base::kTen, e, 0};
      return true;
    }
  }
  for (const auto& [name, e] : kBinary) {
    if (suffix == name) {
      *out = {Base::kTwo, e, 1};
      return true;
    }
  }
  if (suffix.size() > 1 && (suffix[0] == 'e' || suffix[0] == 'E')) {
    // strconv.ParseInt(suffix[1:], 10, 64), then int32(...) (which wraps, as upstream).
    std::string_view digits = suffix.substr(1);
    bool negative = false;
    if (!digits.empty() && (digits[0] == '+' || digits[0] == '-')) {
      negative = digits[0] == '-';
      digits.remove_prefix(1);
    }
    if (digits.empty()) return false;
    unsigned __int128 v = 0;
    for (char c : digits) {
      if (!IsDigit(c)) return false;
      v = v * 10 + static_cast<unsigned>(c - '0');
      if (v > static_cast<unsigned __int128>(1) << 63) return false;
    }
    if (!negative && v > static_cast<unsigned __int128>(std::numeric_limits<int64_t>::max())) {
      return false;
    }
    const int64_t parsed =
        negative ? static_cast<int64_t>(-static_cast<i128>(v)) : static_cast<int64_t>(v);
    *out = {Base::kTen, static_cast<int32_t>(static_cast<uint32_t>(parsed)), 2};
    return true;
  }
  return false;
}

// Number of decimal digits of |v| (v != 0).
int DigitCount(i128 v) {
  unsigned __int128 u = v < 0 ? -static_cast<unsigned __int128>(v) : v;
  int n = 0;
  while (u > 0) {
    u /= 10;
    ++n;
  }
  return n;
}

}  // namespace

Quantity Quantity::FromInt(int64_t value) {
  Quantity q;
  q.mantissa_ = value;
  q.Normalize();
  return q;
}

void Quantity::Normalize() {
  if (mantissa_ == 0) {
    exponent_ = 0;
    return;
  }
  while (mantissa_ % 10 == 0 && exponent_ < std::numeric_limits<int>::max()) {
    mantissa_ /= 10;
    ++exponent_;
  }
}

Result<Quantity> Quantity::Parse(std::string_view text) {
  if (text.empty()) return Fail(ErrorCode::kInvalidInput, FormatError());
  Quantity q;
  if (text == "0") {
    q.text_ = "0";
    return q;
  }
  Scanned scanned;
  Suffix suffix;
  if (!Scan(text, &scanned) || !Interpret(scanned.suffix, &suffix)) {
    return Fail(ErrorCode::kInvalidInput, FormatError());
  }
  q.format_ = suffix.format == 0   ? Format::kDecimalSI
              : suffix.format == 1 ? Format::kBinarySI
                                   : Format::kDecimalExponent;
  const std::string& num = scanned.num;
  const std::string& denom = scanned.denom;
  const int sign = scanned.positive ? 1 : -1;

  // The int64 fast path, for its side effect only: upstream keeps the caller's text as the
  // printed form when it is canonical already ("1k", "+1Ki", "1E3" stay as written).
  int precision = -1;
  int scale = 0;
  int64_t multiplier = 1;
  if (suffix.base == Base::kTen) {
    scale = suffix.exponent;
    precision = kMaxInt64Factors - static_cast<int>(num.size() + denom.size());
  } else if (suffix.exponent >= 0 && denom.empty()) {
    multiplier = int64_t{1} << suffix.exponent;
    precision = 15 - static_cast<int>(num.size()) -
                static_cast<int>(static_cast<float>(suffix.exponent) * 3 / 10) - 1;
  }
  if (precision >= 0) {
    scale -= static_cast<int>(denom.size());
    if (scale >= kNano) {
      const std::string shifted = num + denom;
      // precision >= 0 means at most 18 digits: this fits an int64.
      const int64_t value = std::strtoll(shifted.c_str(), nullptr, 10);
      i128 product = static_cast<i128>(value) * multiplier;
      if (product <= kMaxAllowed) {
        q.mantissa_ = sign * product;
        q.exponent_ = scale;
        q.Normalize();
        const bool canonical =
            suffix.base == Base::kTwo
                ? (suffix.exponent % 10 == 0 && (value & 0x07) != 0)
                : (scale % 3 == 0 && !shifted.ends_with("000") && shifted[0] != '0');
        if (canonical) q.text_ = std::string(text);
        return q;
      }
    }
  }

  // The inf.Dec path: exact value, then round the magnitude up to a multiple of 1n and cap it.
  std::string digits = num + denom;
  long exponent = -static_cast<long>(denom.size());
  digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size() - 1));
  while (digits.size() > 1 && digits.back() == '0') {
    digits.pop_back();
    ++exponent;
  }
  if (digits == "0") {
    q = Quantity();
    q.format_ = Format::kDecimalSI;
    if (suffix.format == 2) q.format_ = Format::kDecimalExponent;
    if (suffix.format == 1) q.format_ = Format::kBinarySI;
    return q;
  }
  i128 binary = 1;
  if (suffix.base == Base::kTen) {
    exponent += suffix.exponent;
  } else {
    binary = static_cast<i128>(1) << suffix.exponent;
  }
  // magnitude = digits x binary x 10^exponent. Round up at 10^-9.
  if (exponent < kNano) {
    const size_t drop = static_cast<size_t>(kNano - exponent);
    // With a binary factor, digits x 2^k x 10^exponent: only ".5Ki"-like inputs reach here with
    // a short fraction, so multiply first when it fits.
    if (suffix.base == Base::kTwo && digits.size() <= 19) {
      i128 m = static_cast<i128>(std::strtoull(digits.c_str(), nullptr, 10)) * binary;
      std::string s = ToDecimal(m);
      digits = s;
      binary = 1;
    }
    if (drop >= digits.size()) {
      digits = "1";
    } else {
      std::string kept = digits.substr(0, digits.size() - drop);
      const bool rest_nonzero =
          digits.find_first_not_of('0', digits.size() - drop) != std::string::npos;
      if (rest_nonzero) {
        // Increment the kept digits by one.
        int i = static_cast<int>(kept.size()) - 1;
        while (i >= 0 && kept[i] == '9') kept[i--] = '0';
        if (i < 0) {
          kept.insert(kept.begin(), '1');
        } else {
          ++kept[i];
        }
      }
      digits = kept;
    }
    exponent = kNano;
  }
  // Cap at 2^63-1: anything with more than 19 integral digits is above it.
  const long integral_digits = static_cast<long>(digits.size()) + exponent;
  bool capped = integral_digits > 19 + 1;  // leaves room for the binary factor check below
  i128 mantissa = 0;
  if (!capped) {
    if (digits.size() > 37) {
      capped = true;
    } else {
      for (char c : digits) mantissa = mantissa * 10 + (c - '0');
      if (MulOverflows(mantissa, binary, &mantissa)) capped = true;
    }
  }
  if (!capped) {
    // Compare mantissa x 10^exponent with 2^63-1.
    if (exponent >= 0) {
      i128 scaled;
      const i128 p = Pow10(static_cast<int>(exponent));
      capped = p == 0 || MulOverflows(mantissa, p, &scaled) || scaled > kMaxAllowed;
    } else {
      const i128 p = Pow10(static_cast<int>(-exponent));
      i128 bound;
      capped = !MulOverflows(kMaxAllowed, p, &bound) && mantissa > bound;
    }
  }
  if (capped) {
    q.mantissa_ = kMaxAllowed;
    q.exponent_ = 0;
  } else {
    q.mantissa_ = mantissa;
    q.exponent_ = static_cast<int>(exponent);
  }
  q.mantissa_ *= sign;
  q.Normalize();
  if (q.format_ == Format::kBinarySI && q.CompareMagnitudeToOne() < 0) {
    q.format_ = Format::kDecimalSI;
  }
  return q;
}

int Quantity::CompareMagnitudeToOne() const {
  if (mantissa_ == 0) return -1;
  const int adjusted = DigitCount(mantissa_) + exponent_;  // 10^(adjusted-1) <= |v| < 10^adjusted
  if (adjusted <= 0) return -1;
  if (adjusted > 1) return 1;
  return (mantissa_ == 1 || mantissa_ == -1) && exponent_ == 0 ? 0 : 1;
}

int Quantity::Sign() const { return mantissa_ > 0 ? 1 : mantissa_ < 0 ? -1 : 0; }

int Quantity::Compare(const Quantity& other) const {
  const int sa = Sign(), sb = other.Sign();
  if (sa != sb) return sa < sb ? -1 : 1;
  if (sa == 0) return 0;
  // Same sign: compare magnitudes exactly through their digit strings (both normalized: no
  // trailing zeros), so that any exponent difference works.
  std::string da = ToDecimal(mantissa_), db = ToDecimal(other.mantissa_);
  if (sa < 0) {
    da.erase(0, 1);
    db.erase(0, 1);
  }
  const long ea = static_cast<long>(da.size()) + exponent_;
  const long eb = static_cast<long>(db.size()) + other.exponent_;
  int magnitude = 0;
  if (ea != eb) {
    magnitude = ea < eb ? -1 : 1;
  } else {
    const int c = da.compare(db);
    magnitude = c < 0 ? -1 : c > 0 ? 1 : 0;
  }
  return sa * magnitude;
}

Quantity Quantity::Add(const Quantity& other) const {
  Quantity result = *this;
  result.text_.clear();
  if (mantissa_ == 0) result.format_ = other.format_;
  if (other.mantissa_ == 0) return result;
  if (mantissa_ == 0) {
    result.mantissa_ = other.mantissa_;
    result.exponent_ = other.exponent_;
    return result;
  }
  // Align to the smaller exponent. When that does not fit 128 bits the operands differ by more
  // than ~10^20 in scale and the smaller one is dropped (documented limitation).
  const Quantity& hi = exponent_ >= other.exponent_ ? *this : other;
  const Quantity& lo = exponent_ >= other.exponent_ ? other : *this;
  const i128 p = Pow10(hi.exponent_ - lo.exponent_);
  i128 scaled, sum;
  if (p == 0 || MulOverflows(hi.mantissa_, p, &scaled) ||
      __builtin_add_overflow(scaled, lo.mantissa_, &sum)) {
    result.mantissa_ = hi.mantissa_;
    result.exponent_ = hi.exponent_;
    return result;
  }
  result.mantissa_ = sum;
  result.exponent_ = lo.exponent_;
  result.Normalize();
  return result;
}

Quantity Quantity::Sub(const Quantity& other) const {
  Quantity negated = other;
  negated.mantissa_ = -negated.mantissa_;
  return Add(negated);
}

bool Quantity::IsInteger() const { return mantissa_ == 0 || exponent_ >= 0; }

Result<int64_t> Quantity::AsInteger() const {
  if (!IsInteger()) {
    return Fail(ErrorCode::kInvalidInput, "cannot convert value to integer");
  }
  i128 v = mantissa_;
  if (v != 0) {
    const i128 p = Pow10(exponent_);
    if (p == 0 || MulOverflows(v, p, &v)) {
      return Fail(ErrorCode::kInvalidInput, "cannot convert value to integer");
    }
  }
  if (v > std::numeric_limits<int64_t>::max() || v < std::numeric_limits<int64_t>::min()) {
    return Fail(ErrorCode::kInvalidInput, "cannot convert value to integer");
  }
  return static_cast<int64_t>(v);
}

double Quantity::AsApproximateFloat() const {
  if (mantissa_ == 0) return 0;
  // strtod rounds the exact decimal correctly; inf for huge exponents, as math.Pow10 gives.
  const std::string text = ToDecimal(mantissa_) + "e" + std::to_string(exponent_);
  return std::strtod(text.c_str(), nullptr);
}

std::string Quantity::ToString() const {
  if (!text_.empty()) return text_;
  if (mantissa_ == 0) return "0";
  Format format = format_;
  if (format == Format::kBinarySI) {
    // Between -1024 and 1024, or not integral: printed as decimal SI to avoid rounding.
    const int adjusted = DigitCount(mantissa_) + exponent_;
    bool small = adjusted <= 3;
    if (adjusted == 4 && exponent_ >= 0) {
      const i128 v = mantissa_ * Pow10(exponent_);
      small = v > -1024 && v < 1024;
    }
    if (small || !IsInteger()) format = Format::kDecimalSI;
  }
  i128 v = 0;
  if (format == Format::kBinarySI &&
      (Pow10(exponent_) == 0 || MulOverflows(mantissa_, Pow10(exponent_), &v))) {
    format = Format::kDecimalSI;  // only sums far beyond 2^63 get here
  }
  if (format == Format::kBinarySI) {
    const bool negative = v < 0;
    if (negative) v = -v;
    int times = 0;
    while (v >= 1024 && v % 1024 == 0 && times < 6) {
      v /= 1024;
      ++times;
    }
    static constexpr const char* kBinary[] = {"", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei"};
    return (negative ? "-" : "") + ToDecimal(v) + kBinary[times];
  }
  // Decimal: the exponent goes down to a multiple of three, the mantissa up.
  long e = exponent_;
  long r = e % 3;
  if (r < 0) r += 3;
  std::string number = ToDecimal(mantissa_) + std::string(static_cast<size_t>(r), '0');
  e -= r;
  if (format == Format::kDecimalExponent) {
    return e == 0 ? number : number + "e" + std::to_string(e);
  }
  switch (e) {
    case -9:
      return number + "n";
    case -6:
      return number + "u";
    case -3:
      return number + "m";
    case 0:
      return number;
    case 3:
      return number + "k";
    case 6:
      return number + "M";
    case 9:
      return number + "G";
    case 12:
      return number + "T";
    case 15:
      return number + "P";
    case 18:
      return number + "E";
    default:
      // Beyond "E" (only "1000E"-like text reaches here): upstream has no suffix for it and
      // prints the bare mantissa, which misstates the value; we print an exponent instead.
      return number + "e" + std::to_string(e);
  }
}

}  // namespace aiinfra::dra
