// Human quantities at the edges: parsing and printing of bytes, rates, durations, FLOP/s, power.
//
// Inside aiinfra every quantity is a double in SI base units: bytes, bytes per second, seconds,
// FLOP per second, watts. These functions convert from and to the strings people write.
//
// Conventions (exact on purpose, since GB vs GiB and bits vs bytes are classic mistakes):
// - SI prefixes k M G T P E are powers of 1000; IEC prefixes Ki Mi Gi Ti Pi Ei are powers of 1024.
// - "B" is bytes and "b" is bits: "400Gb/s" is 50e9 bytes/s; "900GB/s" is 900e9 bytes/s.
// - A number may have a decimal point and an exponent ("1.5e3MB"); a space between number and
//   unit is allowed ("80 GB"); leading/trailing spaces are ignored. Negative values are refused
//   (no quantity here can be negative).
// - Unit letters are case-sensitive where case carries meaning (B vs b, m vs M); the words
//   FLOPS/FLOP/s/TOPS/ms/us are accepted as written below.
// All parse functions return kInvalidInput with a message that quotes the text and lists the
// accepted units.
#pragma once

#include <string>
#include <string_view>

#include "common/result.h"

namespace aiinfra {

// Bytes: "80GB" (80e9), "1.5GiB" (1.5*2^30), "512" or "512B" (bytes), "4KiB", "2kB"/"2KB" (2000).
Result<double> ParseBytes(std::string_view text);

// Data rate in bytes per second: "400Gb/s", "400Gbps" (bits: 50e9 B/s); "900GB/s", "900GBps"
// (bytes); IEC allowed: "1.5GiB/s". A bare number is refused (ambiguous).
Result<double> ParseRate(std::string_view text);

// Duration in seconds: "20ms", "1.5s", "250us", "250µs", "10ns", "2min", "1h". A bare number is
// refused (ambiguous).
Result<double> ParseDuration(std::string_view text);

// Compute rate in FLOP/s (or OP/s for integer types): "989TFLOPS", "989.4 TFLOP/s",
// "2.5PFLOPS", "1979TOPS", "1.2e15FLOPS". A bare number is taken as FLOP/s.
Result<double> ParseFlops(std::string_view text);

// Power in watts: "700W", "1.2kW", "120 kW", "1MW".
Result<double> ParsePower(std::string_view text);

// Plain count: "8", "1e3". Must be a finite non-negative number.
Result<double> ParseNumber(std::string_view text);

enum class ByteBase { kSI, kIEC };

// Printing. Values pick the largest prefix that keeps the mantissa >= 1 and are printed with up
// to `digits` significant digits, trailing zeros trimmed, no space: "80GB", "1.5GiB", "400Gb/s",
// "20ms", "989.4TFLOPS", "1.2kW". Zero prints as "0B", "0s", etc. Each Format* output parses back
// with the matching Parse* to the same value within the printed precision (a value so close to
// the largest double that rounding up would carry it past it is rounded down instead).
std::string FormatBytes(double bytes, ByteBase base = ByteBase::kSI, int digits = 4);
// bytes_per_s printed as bytes ("900GB/s") or, when as_bits, as bits ("400Gb/s").
std::string FormatRate(double bytes_per_s, bool as_bits = false, int digits = 4);
std::string FormatDuration(double seconds, int digits = 4);  // ns, us, ms, s (no min/h)
std::string FormatFlops(double flops, int digits = 4);       // "989.4TFLOPS"
std::string FormatPower(double watts, int digits = 4);       // "700W", "1.2kW"
// A count with an SI prefix where it helps: 8 -> "8", 16384 -> "16.38k".
std::string FormatCount(double count, int digits = 4);

}  // namespace aiinfra
