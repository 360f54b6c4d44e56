#include "quant/float_formats.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

namespace aiinfra::quant {
namespace {

// A small binary float format: `man_bits` stored mantissa bits, exponent bias `bias`, largest
// finite magnitude `max` (the formats here reserve different top codes, so the maximum is given,
// not derived).
struct Mini {
  int man_bits;
  int bias;
  double max;
};

constexpr Mini kE4M3{3, 7, 448.0};
constexpr Mini kE5M2{2, 15, 57344.0};
constexpr Mini kE2M1{1, 1, 6.0};

// The code of `a` (finite, >= 0) in `m`, rounded to nearest even and saturated at m.max: the
// exponent field above the mantissa field, no sign. Exact: every step is a scaling by a power of
// two or a rounding of a double that holds the float exactly. A value below m.max never rounds
// past it (the code above m.max is NaN or Inf in each format here, so m.max ends a binade's
// representable values), so clamping first is the whole of saturation.
uint32_t EncodeMagnitude(double a, const Mini& m) {
  a = std::min(a, m.max);
  const int min_exp = 1 - m.bias;  // exponent of the smallest normal
  int e = 0;
  std::frexp(a, &e);  // a = f * 2^e, f in [0.5, 1): the leading bit is 2^(e-1)
  int exp = e - 1;
  if (a == 0 || exp < min_exp) exp = min_exp;  // subnormal: the quantum of the smallest binade
  const double quantum = std::ldexp(1.0, exp - m.man_bits);
  const double q = std::nearbyint(a / quantum);  // ties to even (the default rounding mode)
  // q counts quanta of 2^(exp - man_bits); rounding may carry into the next binade.
  const auto units = static_cast<uint64_t>(q);
  const uint64_t implicit = uint64_t{1} << m.man_bits;
  if (exp == min_exp && units < implicit) return static_cast<uint32_t>(units);  // subnormal
  uint64_t mant = units;
  int field = exp + m.bias;
  while (mant >= 2 * implicit) {  // carried: one binade up
    mant >>= 1;
    ++field;
  }
  return static_cast<uint32_t>((static_cast<uint64_t>(field) << m.man_bits) | (mant - implicit));
}

double DecodeMagnitude(uint32_t code, const Mini& m) {
  const uint32_t field = code >> m.man_bits;
  const uint32_t mant = code & ((1u << m.man_bits) - 1);
  if (field == 0) return std::ldexp(static_cast<double>(mant), 1 - m.bias - m.man_bits);
  return std::ldexp(static_cast<double>((1u << m.man_bits) | mant),
                    static_cast<int>(field) - m.bias - m.man_bits);
}

template <typename Fn>
std::array<float, 256> Table(Fn decode) {
  std::array<float, 256> t{};
  for (int c = 0; c < 256; ++c) t[c] = decode(static_cast<uint8_t>(c));
  return t;
}

}  // namespace

uint16_t F32ToF16(float x) {
  const uint32_t f = std::bit_cast<uint32_t>(x);
  const uint32_t sign = (f >> 16) & 0x8000u;
  const uint32_t a = f & 0x7FFFFFFFu;
  if (a >= 0x7F800000u) {  // Inf, or NaN kept quiet with its top payload bits
    return static_cast<uint16_t>(sign | 0x7C00u |
                                 (a > 0x7F800000u ? 0x200u | ((a >> 13) & 0x3FFu) : 0u));
  }
  if (a >= 0x477FF000u) return static_cast<uint16_t>(sign | 0x7C00u);  // >= 65520: rounds to Inf
  if (a < 0x38800000u) {  // below 2^-14: a subnormal of 2^-24 quanta (or the smallest normal)
    const float v = std::bit_cast<float>(a) * 16777216.0f;  // exact: a power-of-two scaling
    return static_cast<uint16_t>(sign | static_cast<uint32_t>(std::nearbyint(v)));
  }
  // Normal: rebias the exponent and round the 13 dropped mantissa bits to nearest even.
  const uint32_t rounded = a + 0xFFFu + ((a >> 13) & 1u);
  return static_cast<uint16_t>(sign | ((rounded - (112u << 23)) >> 13));
}

float F16ToF32(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t field = (h >> 10) & 0x1Fu;
  const uint32_t mant = h & 0x3FFu;
  if (field == 0x1F) return std::bit_cast<float>(sign | 0x7F800000u | (mant << 13));
  if (field == 0) {
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  return std::bit_cast<float>(sign | ((field + 112u) << 23) | (mant << 13));
}

uint16_t F32ToBF16(float x) {
  const uint32_t f = std::bit_cast<uint32_t>(x);
  if ((f & 0x7FFFFFFFu) > 0x7F800000u) return static_cast<uint16_t>((f >> 16) | 0x40u);  // quiet
  return static_cast<uint16_t>((f + 0x7FFFu + ((f >> 16) & 1u)) >> 16);
}

float BF16ToF32(uint16_t b) { return std::bit_cast<float>(static_cast<uint32_t>(b) << 16); }

uint8_t F32ToE4M3(float x) {
  const uint8_t sign = std::signbit(x) ? 0x80 : 0;
  if (std::isnan(x)) return static_cast<uint8_t>(sign | 0x7F);
  const double a = std::isinf(x) ? kE4M3.max : std::fabs(static_cast<double>(x));
  return static_cast<uint8_t>(sign | EncodeMagnitude(a, kE4M3));
}

float E4M3ToF32(uint8_t code) {
  static const std::array<float, 256> kTable = Table([](uint8_t c) {
    const uint32_t mag = c & 0x7Fu;
    const float v = mag == 0x7F ? NAN : static_cast<float>(DecodeMagnitude(mag, kE4M3));
    return (c & 0x80) ? -v : v;
  });
  return kTable[code];
}

uint8_t F32ToE5M2(float x) {
  const uint8_t sign = std::signbit(x) ? 0x80 : 0;
  if (std::isnan(x)) return static_cast<uint8_t>(sign | 0x7F);
  const double a = std::isinf(x) ? kE5M2.max : std::fabs(static_cast<double>(x));
  return static_cast<uint8_t>(sign | EncodeMagnitude(a, kE5M2));
}

float E5M2ToF32(uint8_t code) {
  static const std::array<float, 256> kTable = Table([](uint8_t c) {
    const uint32_t mag = c & 0x7Fu;
    float v = 0;
    if (mag == 0x7C) {
      v = INFINITY;
    } else if (mag > 0x7C) {
      v = NAN;
    } else {
      v = static_cast<float>(DecodeMagnitude(mag, kE5M2));
    }
    return (c & 0x80) ? -v : v;
  });
  return kTable[code];
}

uint8_t F32ToE2M1(float x) {
  if (std::isnan(x)) return 0;
  const uint8_t sign = std::signbit(x) ? 0x8 : 0;
  const double a = std::isinf(x) ? kE2M1.max : std::fabs(static_cast<double>(x));
  return static_cast<uint8_t>(sign | EncodeMagnitude(a, kE2M1));
}

float E2M1ToF32(uint8_t code) {
  static constexpr float kValues[16] = {0,    0.5f,  1,  1.5f,  2,  3,  4,  6,
                                        -0.f, -0.5f, -1, -1.5f, -2, -3, -4, -6};
  return kValues[code & 15];
}

float E8M0ToF32(uint8_t e) {
  if (e == 0xFF) return NAN;
  return std::ldexp(1.0f, static_cast<int>(e) - 127);
}

uint8_t F32ToUE4M3(float x) {
  if (!(x > 0)) return 0;  // negatives, zero and NaN
  const double a = std::isinf(x) ? kE4M3.max : static_cast<double>(x);
  return static_cast<uint8_t>(EncodeMagnitude(a, kE4M3));
}

float UE4M3ToF32(uint8_t code) {
  const uint32_t mag = code & 0x7Fu;
  if (mag == 0x7F) return 0;
  return static_cast<float>(DecodeMagnitude(mag, kE4M3));
}

}  // namespace aiinfra::quant
