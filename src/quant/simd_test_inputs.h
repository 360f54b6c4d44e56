// What the SIMD tests (simd_test.cc, simd_blocks_test.cc) share: values of several distributions
// and magnitudes from a seeded generator, to compare SIMD paths against their scalar references
// on, and a fixture that runs a test with each instruction set (skipped where the CPU lacks it).
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <random>
#include <vector>

#include "quant/simd.h"

namespace aiinfra::quant::simd_inputs {

// n values of `dist` at magnitude `scale` (kTiny, kHuge and kSubnormal ignore it: they span the
// FP8/F16 subnormal ranges, the saturating and overflowing ones, and the edges of float's range).
enum class Dist { kGaussian, kHeavy, kOutliers, kTiny, kHuge, kGrid, kSubnormal };

inline std::vector<float> Draw(Dist dist, size_t n, float scale, std::mt19937_64& rng) {
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::student_t_distribution<float> student(1.5f);
  std::uniform_real_distribution<float> unit(0.0f, 1.0f);
  std::vector<float> x(n);
  for (size_t i = 0; i < n; ++i) {
    const float sign = unit(rng) < 0.5f ? -1.0f : 1.0f;
    switch (dist) {
      case Dist::kGaussian:
        x[i] = gauss(rng) * scale;
        break;
      case Dist::kHeavy:
        x[i] = std::clamp(student(rng), -1e4f, 1e4f) * scale;
        break;
      case Dist::kOutliers:  // channels 3, 77 and 100 of every 128 are 50x larger
        x[i] = gauss(rng) * scale * (i % 128 == 3 || i % 128 == 77 || i % 128 == 100 ? 50 : 1);
        break;
      case Dist::kTiny:
        x[i] = sign * std::ldexp(1.0f + unit(rng), -static_cast<int>(5 + unit(rng) * 40));
        break;
      case Dist::kHuge:
        x[i] = sign * std::ldexp(1.0f + unit(rng), static_cast<int>(5 + unit(rng) * 122));
        break;
      case Dist::kGrid:  // halves of small integers: many exact ties after scaling
        x[i] = static_cast<float>(static_cast<int>(gauss(rng) * 8)) * 0.5f * scale;
        break;
      case Dist::kSubnormal:  // scales and reciprocals at the edges of float's range
        x[i] = sign * std::ldexp(1.0f + unit(rng), -static_cast<int>(120 + unit(rng) * 29));
        break;
    }
  }
  return x;
}

// Parameterized by the instruction set: sets it for the test, restores the previous one after.
class IsaFixture : public ::testing::TestWithParam<Isa> {
 protected:
  void SetUp() override {
    if (CpuIsa() < GetParam()) {
      GTEST_SKIP() << "this CPU lacks " << IsaName(GetParam()) << " (has " << IsaName(CpuIsa())
                   << ")";
    }
    saved_ = ActiveIsa();
    SetIsa(GetParam());
    ASSERT_EQ(ActiveIsa(), GetParam());
  }
  void TearDown() override { SetIsa(saved_); }

 private:
  Isa saved_ = Isa::kScalar;
};

}  // namespace aiinfra::quant::simd_inputs
