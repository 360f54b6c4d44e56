// Fuzz target for the unit parsers of common/units.h.
//
// The input, as raw bytes, goes to every Parse* function. A failure must be kInvalidInput with a
// message; a success must be a finite, non-negative number, and must survive printing: each
// matching Format* (SI and IEC bytes, byte and bit rates), at several precisions, must print
// text that the same Parse* reads back to the same value within the printed precision. units.h
// promises that, so a violation is a bug and aborts.
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"
#include "common/units.h"
#include "fuzz_check.h"

namespace {

using aiinfra::ErrorCode;
using aiinfra::Result;

// Significant digits the round trip is checked at: the minimum, the default, the maximum and a
// few between.
constexpr std::array<int, 5> kDigits = {1, 3, 4, 7, 17};

constexpr std::string_view kTarget = "units_fuzz";

// Text printed with `digits` significant digits is off by at most half a unit in its last place,
// which is 0.5 * 10^(1 - digits) of the value at most; allow a whole unit, plus a few rounding
// errors of the double arithmetic (prefix division and multiplication). Subnormal values carry
// fewer significant bits than they print, hence the absolute slack of a few smallest doubles.
bool WithinPrintedPrecision(double expected, double actual, int digits) {
  const double relative = std::pow(10.0, 1 - digits) + 8 * std::numeric_limits<double>::epsilon();
  const double absolute = 16 * std::numeric_limits<double>::denorm_min();
  return std::fabs(actual - expected) <= relative * std::fabs(expected) + absolute;
}

// Checks one parse result; returns the value when there is one.
std::optional<double> CheckParsed(const char* parser, std::string_view input,
                                  const Result<double>& r) {
  if (!r) {
    aiinfra::fuzz::CheckError(kTarget, parser, r.error(), {ErrorCode::kInvalidInput}, input);
    return std::nullopt;
  }
  if (!std::isfinite(*r) || *r < 0) {
    aiinfra::fuzz::Finding(
        kTarget,
        std::string(parser) + " returned a non-finite or negative value: " + std::to_string(*r),
        input);
  }
  return *r;
}

template <typename Parse, typename Format>
void CheckRoundTrip(const char* parser, const char* printer, std::string_view input, double value,
                    Parse parse, Format format) {
  for (int digits : kDigits) {
    const std::string printed = format(value, digits);
    const Result<double> again = parse(printed);
    char detail[1024];
    if (!again) {
      std::snprintf(detail, sizeof detail,
                    "round trip: %s(%.17g, %d) printed \"%s\", which %s rejects: %s", printer,
                    value, digits, printed.c_str(), parser, again.error().message.c_str());
      aiinfra::fuzz::Finding(kTarget, detail, input);
    }
    if (!WithinPrintedPrecision(value, *again, digits)) {
      std::snprintf(detail, sizeof detail,
                    "round trip: %s(%.17g, %d) printed \"%s\", which %s reads as %.17g", printer,
                    value, digits, printed.c_str(), parser, *again);
      aiinfra::fuzz::Finding(kTarget, detail, input);
    }
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace aiinfra;
  const std::string_view input(reinterpret_cast<const char*>(data), size);

  if (std::optional<double> v = CheckParsed("ParseBytes", input, ParseBytes(input))) {
    CheckRoundTrip("ParseBytes", "FormatBytes(SI)", input, *v, ParseBytes,
                   [](double x, int d) { return FormatBytes(x, ByteBase::kSI, d); });
    CheckRoundTrip("ParseBytes", "FormatBytes(IEC)", input, *v, ParseBytes,
                   [](double x, int d) { return FormatBytes(x, ByteBase::kIEC, d); });
  }
  if (std::optional<double> v = CheckParsed("ParseRate", input, ParseRate(input))) {
    CheckRoundTrip("ParseRate", "FormatRate(bytes)", input, *v, ParseRate,
                   [](double x, int d) { return FormatRate(x, /*as_bits=*/false, d); });
    CheckRoundTrip("ParseRate", "FormatRate(bits)", input, *v, ParseRate,
                   [](double x, int d) { return FormatRate(x, /*as_bits=*/true, d); });
  }
  if (std::optional<double> v = CheckParsed("ParseDuration", input, ParseDuration(input))) {
    CheckRoundTrip("ParseDuration", "FormatDuration", input, *v, ParseDuration,
                   [](double x, int d) { return FormatDuration(x, d); });
  }
  if (std::optional<double> v = CheckParsed("ParseFlops", input, ParseFlops(input))) {
    CheckRoundTrip("ParseFlops", "FormatFlops", input, *v, ParseFlops,
                   [](double x, int d) { return FormatFlops(x, d); });
  }
  if (std::optional<double> v = CheckParsed("ParsePower", input, ParsePower(input))) {
    CheckRoundTrip("ParsePower", "FormatPower", input, *v, ParsePower,
                   [](double x, int d) { return FormatPower(x, d); });
  }
  if (std::optional<double> v = CheckParsed("ParseNumber", input, ParseNumber(input))) {
    CheckRoundTrip("ParseNumber", "FormatCount", input, *v, ParseNumber,
                   [](double x, int d) { return FormatCount(x, d); });
  }
  return 0;
}
