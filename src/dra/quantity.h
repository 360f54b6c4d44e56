// Kubernetes resource.Quantity: "1Gi", "500m", "40e9", "1.5" — parsed exactly and compared
// exactly, as k8s.io/apimachinery/pkg/api/resource does (a fixed-point decimal with binary SI,
// decimal SI and decimal-exponent suffixes), with its canonical string form.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aiinfra::dra {

class Quantity {
 public:
  Quantity() = default;  // zero

  // kInvalidInput "quantities must match the regular expression ..." (as the API server says)
  // for anything resource.ParseQuantity rejects.
  static Result<Quantity> Parse(std::string_view text);
  static Quantity FromInt(int64_t value);

  // -1, 0, 1. Exact (no floating point).
  int Compare(const Quantity& other) const;
  bool operator==(const Quantity& other) const { return Compare(other) == 0; }
  bool operator<(const Quantity& other) const { return Compare(other) < 0; }

  Quantity Add(const Quantity& other) const;
  Quantity Sub(const Quantity& other) const;
  int Sign() const;
  bool IsInteger() const;             // no fractional part
  Result<int64_t> AsInteger() const;  // kInvalidInput when fractional or out of int64
  double AsApproximateFloat() const;

  // The canonical form Kubernetes prints (keeps the suffix family of the parsed text: "1Gi",
  // "500m", "1k").
  std::string ToString() const;

 private:
  // value = mantissa x 10^exponent (decimal) — fractions below 10^-9 round up as upstream's
  // nano-scale does; `binary` remembers a binary-SI format for printing.
  __int128 mantissa_ = 0;
  int exponent_ = 0;
  enum class Format { kDecimalSI, kBinarySI, kDecimalExponent } format_ = Format::kDecimalSI;
  // The parsed text when upstream would keep it as the printed form (it was canonical already,
  // or written with a sign, leading zeros or "E3": upstream prints it back as written).
  std::string text_;

  void Normalize();                   // strips trailing decimal zeros of the mantissa
  int CompareMagnitudeToOne() const;  // |value| against 1
};

}  // namespace aiinfra::dra
