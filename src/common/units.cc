#include "common/units.h"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <optional>
#include <span>
#include <string>
#include <system_error>

namespace aiinfra {
namespace {

struct Unit {
  std::string_view suffix;
  double scale;  // SI base units per one of this unit
};

constexpr double kKi = 1024.0;
constexpr double kMi = kKi * 1024.0;
constexpr double kGi = kMi * 1024.0;
constexpr double kTi = kGi * 1024.0;
constexpr double kPi = kTi * 1024.0;
constexpr double kEi = kPi * 1024.0;

// What one kind of quantity accepts. `units` are the suffixes that parse; `expected` is what the
// error message offers (canonical spellings only, aliases such as "KB" are accepted silently).
struct Kind {
  std::string_view name;  // as in "cannot parse ... as <name>"
  std::span<const Unit> units;
  std::string_view expected;
  bool bare_allowed;  // whether a number without a unit means scale 1
};

constexpr Unit kByteUnits[] = {
    {"B", 1},     {"kB", 1e3},  {"KB", 1e3},  {"MB", 1e6},  {"GB", 1e9},
    {"TB", 1e12}, {"PB", 1e15}, {"EB", 1e18}, {"KiB", kKi}, {"MiB", kMi},
    {"GiB", kGi}, {"TiB", kTi}, {"PiB", kPi}, {"EiB", kEi},
};

// Every byte and bit prefix, each with "/s" and "ps": "GB/s", "GBps", "Gb/s", "Gbps".
constexpr Unit kRateUnits[] = {
    {"B/s", 1},         {"Bps", 1},         {"kB/s", 1e3},      {"kBps", 1e3},
    {"KB/s", 1e3},      {"KBps", 1e3},      {"MB/s", 1e6},      {"MBps", 1e6},
    {"GB/s", 1e9},      {"GBps", 1e9},      {"TB/s", 1e12},     {"TBps", 1e12},
    {"PB/s", 1e15},     {"PBps", 1e15},     {"EB/s", 1e18},     {"EBps", 1e18},
    {"KiB/s", kKi},     {"MiB/s", kMi},     {"GiB/s", kGi},     {"TiB/s", kTi},
    {"PiB/s", kPi},     {"EiB/s", kEi},     {"b/s", 1 / 8.0},   {"bps", 1 / 8.0},
    {"kb/s", 1e3 / 8},  {"kbps", 1e3 / 8},  {"Kb/s", 1e3 / 8},  {"Kbps", 1e3 / 8},
    {"Mb/s", 1e6 / 8},  {"Mbps", 1e6 / 8},  {"Gb/s", 1e9 / 8},  {"Gbps", 1e9 / 8},
    {"Tb/s", 1e12 / 8}, {"Tbps", 1e12 / 8}, {"Pb/s", 1e15 / 8}, {"Pbps", 1e15 / 8},
    {"Eb/s", 1e18 / 8}, {"Ebps", 1e18 / 8}, {"Kib/s", kKi / 8}, {"Mib/s", kMi / 8},
    {"Gib/s", kGi / 8}, {"Tib/s", kTi / 8}, {"Pib/s", kPi / 8}, {"Eib/s", kEi / 8},
};

constexpr Unit kDurationUnits[] = {
    {"ns", 1e-9},        {"us", 1e-6}, {"\xC2\xB5s", 1e-6},  // U+00B5 MICRO SIGN
    {"\xCE\xBCs", 1e-6},                                     // U+03BC GREEK SMALL LETTER MU
    {"ms", 1e-3},        {"s", 1},     {"min", 60},         {"h", 3600},
};

constexpr Unit kFlopsUnits[] = {
    {"FLOPS", 1},      {"FLOP/s", 1},     {"OPS", 1},        {"OP/s", 1},      {"kFLOPS", 1e3},
    {"kFLOP/s", 1e3},  {"kOPS", 1e3},     {"kOP/s", 1e3},    {"MFLOPS", 1e6},  {"MFLOP/s", 1e6},
    {"MOPS", 1e6},     {"MOP/s", 1e6},    {"GFLOPS", 1e9},   {"GFLOP/s", 1e9}, {"GOPS", 1e9},
    {"GOP/s", 1e9},    {"TFLOPS", 1e12},  {"TFLOP/s", 1e12}, {"TOPS", 1e12},   {"TOP/s", 1e12},
    {"PFLOPS", 1e15},  {"PFLOP/s", 1e15}, {"POPS", 1e15},    {"POP/s", 1e15},  {"EFLOPS", 1e18},
    {"EFLOP/s", 1e18}, {"EOPS", 1e18},    {"EOP/s", 1e18},
};

constexpr Unit kPowerUnits[] = {{"W", 1}, {"kW", 1e3}, {"MW", 1e6}, {"GW", 1e9}};

constexpr Unit kCountUnits[] = {{"k", 1e3},  {"M", 1e6},  {"G", 1e9},
                                {"T", 1e12}, {"P", 1e15}, {"E", 1e18}};

constexpr Kind kBytes{
    "bytes", kByteUnits,
    "a number followed by B, kB, MB, GB, TB, PB, EB, KiB, MiB, GiB, TiB, PiB, EiB", true};
constexpr Kind kRate{
    "a data rate", kRateUnits,
    "a number followed by B/s, kB/s, MB/s, GB/s, TB/s, PB/s, EB/s, KiB/s, MiB/s, "
    "GiB/s, TiB/s, PiB/s, EiB/s (bytes) or b/s, kb/s, Mb/s, Gb/s, Tb/s, Pb/s, Eb/s (bits); "
    "\"ps\" may replace \"/s\" (GBps, Gbps)",
    false};
constexpr Kind kDuration{"a duration", kDurationUnits,
                         "a number followed by ns, us, \xC2\xB5s, ms, s, min, h", false};
constexpr Kind kFlops{"FLOP/s", kFlopsUnits,
                      "a number, optionally followed by FLOPS, FLOP/s or OPS with an optional "
                      "prefix k, M, G, T, P, E (e.g. TFLOPS, TFLOP/s, TOPS)",
                      true};
constexpr Kind kPower{"power", kPowerUnits, "a number followed by W, kW, MW, GW", true};
constexpr Kind kCount{"a number", kCountUnits, "a number, optionally followed by k, M, G, T, P, E",
                      true};

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::unexpected<Error> ParseError(std::string_view text, const Kind& kind, std::string_view why) {
  std::string message = fmt::format("cannot parse \"{}\" as {}: ", text, kind.name);
  if (!why.empty()) message += fmt::format("{}; ", why);
  message += fmt::format("expected {}", kind.expected);
  return Fail(ErrorCode::kInvalidInput, std::move(message));
}

// Length of the longest prefix of `s` that is a decimal number: digits, an optional fraction and
// an optional exponent. Scanned by hand so that "inf", "nan", hex floats and signs never reach
// from_chars, and so that the "E" in "2EB" stays a prefix rather than a dangling exponent.
size_t ScanNumber(std::string_view s) {
  size_t i = 0;
  size_t digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return 0;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && IsDigit(s[j])) {
      while (j < s.size() && IsDigit(s[j])) ++j;
      i = j;
    }
  }
  return i;
}

Result<double> ParseQuantity(std::string_view text, const Kind& kind) {
  std::string_view s = Trim(text);
  if (s.empty()) return ParseError(text, kind, "the text is empty");
  if (s.front() == '-') return ParseError(text, kind, "negative values are not allowed");
  if (s.front() == '+') s.remove_prefix(1);
  size_t n = ScanNumber(s);
  if (n == 0) return ParseError(text, kind, "");
  double value = 0;
  // from_chars is locale-independent, unlike strtod, so "1.5" means the same everywhere.
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + n, value, std::chars_format::general);
  if (ec == std::errc::result_out_of_range) {
    // from_chars leaves `value` untouched here, so overflow and underflow look alike; neither is a
    // quantity anyone means.
    return ParseError(text, kind, "the number is out of range");
  }
  if (ec != std::errc() || ptr != s.data() + n) {
    return ParseError(text, kind, "");
  }
  std::string_view suffix = Trim(s.substr(n));
  double scale = 0;
  if (suffix.empty()) {
    if (!kind.bare_allowed) return ParseError(text, kind, "a bare number is ambiguous");
    scale = 1;
  } else {
    auto it = std::find_if(kind.units.begin(), kind.units.end(),
                           [&](const Unit& u) { return u.suffix == suffix; });
    if (it == kind.units.end()) return ParseError(text, kind, "");
    scale = it->scale;
  }
  double result = value * scale;
  if (!std::isfinite(result)) return ParseError(text, kind, "the number is out of range");
  return result;
}

// Formats `m` with up to `digits` significant digits, trailing zeros trimmed.
std::string FormatMantissa(double m, int digits) {
  if (m == 0) return "0";
  // Out of the range fixed notation reads well in (tiny values below the smallest prefix, huge
  // ones above the largest), fall back to an exponent, which every Parse* accepts.
  if (m < 1e-3 || m >= 1e21) return fmt::format("{:.{}g}", m, digits);
  int magnitude = static_cast<int>(std::floor(std::log10(m)));
  int decimals = std::max(0, digits - 1 - magnitude);
  std::string s = fmt::format("{:.{}f}", m, decimals);
  if (s.find('.') != std::string::npos) {
    while (s.back() == '0') s.pop_back();
    if (s.back() == '.') s.pop_back();
  }
  return s;
}

// Whether Parse* reads the number `mantissa` followed by a unit of `scale` as a finite value.
bool ParsesFinite(const std::string& mantissa, double scale) {
  double m = 0;
  auto [ptr, ec] = std::from_chars(mantissa.data(), mantissa.data() + mantissa.size(), m);
  return ec == std::errc() && ptr == mantissa.data() + mantissa.size() && std::isfinite(m * scale);
}

// "1.798e+290" made one unit smaller in its last digit: "1.797e+290".
std::string DecrementLastDigit(std::string sci) {
  for (std::size_t i = sci.find('e'); i-- > 0;) {
    if (sci[i] == '.') continue;
    if (sci[i] > '0') {
      --sci[i];
      break;
    }
    sci[i] = '9';
  }
  return sci;
}

// `m`, a mantissa of a unit of `scale`, printed as FormatMantissa does, such that Parse* reads it
// back. Near the largest double, rounding to nearest can carry the text past what a double holds
// ("2e+290EB" for 1.8e308 bytes), which Parse* refuses as out of range; such a mantissa is
// rounded down instead, which stays within the printed precision.
std::string FormatMantissaIn(double m, double scale, int digits) {
  std::string text = FormatMantissa(m, digits);
  if (ParsesFinite(text, scale)) return text;
  std::string sci = fmt::format("{:.{}e}", m, digits - 1);
  for (int i = 0; i < 3 && !ParsesFinite(sci, scale); ++i) sci = DecrementLastDigit(sci);
  double down = 0;
  std::from_chars(sci.data(), sci.data() + sci.size(), down);
  text = FormatMantissa(down, digits);  // "9.99e+290" rather than "0.999e+291" or "9.990e+290"
  return ParsesFinite(text, scale) ? text : sci;
}

// `m` rounded to `digits` significant digits, the way the printed text will round it.
double RoundSignificant(double m, int digits) {
  std::string text = fmt::format("{:.{}e}", m, digits - 1);
  double rounded = m;
  std::from_chars(text.data(), text.data() + text.size(), rounded);
  return rounded;
}

// `prefixes` are ordered by ascending scale. Picks the largest one whose mantissa, once rounded
// for printing, is >= 1, so 999.96 with 4 digits prints as "1k...", not "1000...". Rounding the
// mantissa rather than the value matters for IEC, where the two differ.
std::string FormatWith(double value, std::span<const Unit> prefixes, int digits) {
  digits = std::clamp(digits, 1, 17);
  if (std::isnan(value)) return fmt::format("nan{}", prefixes.front().suffix);
  std::string sign = std::signbit(value) && value != 0 ? "-" : "";
  double v = std::fabs(value);
  if (std::isinf(v)) return fmt::format("{}inf{}", sign, prefixes.front().suffix);
  if (v == 0) {
    // Zero has no natural prefix; the base unit reads best ("0s", not "0ns"). Bit rates have no
    // unit of scale 1 (their scales are in bytes/s); their base unit, b/s, comes first.
    auto base =
        std::find_if(prefixes.begin(), prefixes.end(), [](const Unit& u) { return u.scale == 1; });
    if (base == prefixes.end()) base = prefixes.begin();
    return fmt::format("0{}", base->suffix);
  }
  const Unit* chosen = &prefixes.front();
  for (auto it = prefixes.rbegin(); it != prefixes.rend(); ++it) {
    if (RoundSignificant(v / it->scale, digits) >= 1) {
      chosen = &*it;
      break;
    }
  }
  return sign + FormatMantissaIn(v / chosen->scale, chosen->scale, digits) +
         std::string(chosen->suffix);
}

constexpr Unit kBytePrefixesSI[] = {{"B", 1},     {"kB", 1e3},  {"MB", 1e6}, {"GB", 1e9},
                                    {"TB", 1e12}, {"PB", 1e15}, {"EB", 1e18}};
constexpr Unit kBytePrefixesIEC[] = {{"B", 1},     {"KiB", kKi}, {"MiB", kMi}, {"GiB", kGi},
                                     {"TiB", kTi}, {"PiB", kPi}, {"EiB", kEi}};
constexpr Unit kByteRatePrefixes[] = {{"B/s", 1},     {"kB/s", 1e3},  {"MB/s", 1e6}, {"GB/s", 1e9},
                                      {"TB/s", 1e12}, {"PB/s", 1e15}, {"EB/s", 1e18}};
// Scales in bytes/s, as in kRateUnits, so that a rate near the largest double prints without
// first overflowing in a conversion to bits.
constexpr Unit kBitRatePrefixes[] = {{"b/s", 1 / 8.0},  {"kb/s", 1e3 / 8},  {"Mb/s", 1e6 / 8},
                                     {"Gb/s", 1e9 / 8}, {"Tb/s", 1e12 / 8}, {"Pb/s", 1e15 / 8},
                                     {"Eb/s", 1e18 / 8}};
constexpr Unit kDurationPrefixes[] = {{"ns", 1e-9}, {"us", 1e-6}, {"ms", 1e-3}, {"s", 1}};
constexpr Unit kFlopsPrefixes[] = {{"FLOPS", 1},    {"kFLOPS", 1e3},  {"MFLOPS", 1e6},
                                   {"GFLOPS", 1e9}, {"TFLOPS", 1e12}, {"PFLOPS", 1e15},
                                   {"EFLOPS", 1e18}};
constexpr Unit kCountPrefixes[] = {{"", 1},     {"k", 1e3},  {"M", 1e6}, {"G", 1e9},
                                   {"T", 1e12}, {"P", 1e15}, {"E", 1e18}};

}  // namespace

Result<double> ParseBytes(std::string_view text) { return ParseQuantity(text, kBytes); }
Result<double> ParseRate(std::string_view text) { return ParseQuantity(text, kRate); }
Result<double> ParseDuration(std::string_view text) { return ParseQuantity(text, kDuration); }
Result<double> ParseFlops(std::string_view text) { return ParseQuantity(text, kFlops); }
Result<double> ParsePower(std::string_view text) { return ParseQuantity(text, kPower); }
Result<double> ParseNumber(std::string_view text) { return ParseQuantity(text, kCount); }

std::string FormatBytes(double bytes, ByteBase base, int digits) {
  return FormatWith(bytes, base == ByteBase::kIEC ? kBytePrefixesIEC : kBytePrefixesSI, digits);
}

std::string FormatRate(double bytes_per_s, bool as_bits, int digits) {
  if (as_bits) return FormatWith(bytes_per_s, kBitRatePrefixes, digits);
  return FormatWith(bytes_per_s, kByteRatePrefixes, digits);
}

std::string FormatDuration(double seconds, int digits) {
  return FormatWith(seconds, kDurationPrefixes, digits);
}

std::string FormatFlops(double flops, int digits) {
  return FormatWith(flops, kFlopsPrefixes, digits);
}

std::string FormatPower(double watts, int digits) { return FormatWith(watts, kPowerUnits, digits); }

std::string FormatCount(double count, int digits) {
  return FormatWith(count, kCountPrefixes, digits);
}

}  // namespace aiinfra
