#include "quant/simd.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "quant/float_formats.h"
#include "quant/ggml_blocks.h"
#include "quant/kquants.h"
#include "quant/simd_test_inputs.h"

// Every dispatched function against its scalar reference, bit for bit, on every ISA the CPU has
// (tests of a missing ISA are skipped, naming it). Names start with "Simd"; the exhaustive sweeps
// carry "Slow" (ctest label slow).

namespace aiinfra::quant {
namespace {

using simd_inputs::Dist;
using simd_inputs::Draw;

// ---------------------------------------------------------------------------------------------
// Inputs.

constexpr Dist kDists[] = {Dist::kGaussian, Dist::kHeavy, Dist::kOutliers,
                           Dist::kTiny,     Dist::kHuge,  Dist::kGrid};

// NaNs (quiet, signalling, negative, payloads), infinities, zeros, extremes, subnormal floats.
std::vector<float> Specials() {
  const uint32_t bits[] = {0x7FC00000, 0xFFC00000, 0x7F800001, 0xFF800001, 0x7FBFFFFF, 0x7FC00001,
                           0x7FA5A5A5, 0xFFFFFFFF, 0x7F802000, 0x7F800000, 0xFF800000, 0x00000000,
                           0x80000000, 0x7F7FFFFF, 0xFF7FFFFF, 0x00800000, 0x80800000, 0x00000001,
                           0x80000001, 0x007FFFFF, 0x3F800000, 0xBF800000};
  std::vector<float> x;
  for (uint32_t b : bits) x.push_back(std::bit_cast<float>(b));
  return x;
}

// Patterns whose upper 20 bits take all 2^20 values, each with low bits 0 (exact ties of every
// format here), 1, 0x800, 0xFFF and a random value: the rounding bit and sticky bits of FP8,
// F16 and BF16 all vary.
std::vector<float> UpperBitPatterns() {
  std::mt19937 rng(7);
  const uint32_t lows[] = {0, 1, 0x800, 0xFFF};
  std::vector<float> x;
  x.reserve((1u << 20) * 5);
  for (uint32_t hi = 0; hi < (1u << 20); ++hi) {
    for (uint32_t lo : lows) x.push_back(std::bit_cast<float>(hi << 12 | lo));
    x.push_back(std::bit_cast<float>(hi << 12 | static_cast<uint32_t>(rng() & 0xFFF)));
  }
  return x;
}

// ---------------------------------------------------------------------------------------------
// Comparison.

template <typename T>
uint64_t Bits(T v) {
  if constexpr (sizeof(T) == 4) {
    return std::bit_cast<uint32_t>(v);
  } else if constexpr (sizeof(T) == 2) {
    return std::bit_cast<uint16_t>(v);
  } else {
    return std::bit_cast<uint8_t>(v);
  }
}

// Equal bit patterns; otherwise the first difference and how many there are. `what` names the
// input of an element (its bits, its block).
template <typename T, typename Describe>
testing::AssertionResult SameBits(const std::vector<T>& got, const std::vector<T>& want,
                                  Describe what) {
  if (got.size() != want.size()) return testing::AssertionFailure() << "sizes differ";
  size_t first = got.size(), count = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (Bits(got[i]) != Bits(want[i])) {
      if (count++ == 0) first = i;
    }
  }
  if (count == 0) return testing::AssertionSuccess();
  char buf[96];
  std::snprintf(buf, sizeof buf, "got 0x%llx, want 0x%llx",
                static_cast<unsigned long long>(Bits(got[first])),
                static_cast<unsigned long long>(Bits(want[first])));
  return testing::AssertionFailure() << count << " of " << got.size() << " differ; first at "
                                     << first << " (" << what(first) << "): " << buf;
}

std::string FloatBits(float v) {
  char buf[48];
  std::snprintf(buf, sizeof buf, "input 0x%08x = %g", std::bit_cast<uint32_t>(v), v);
  return buf;
}

// ---------------------------------------------------------------------------------------------
// The functions under test, and their references.

std::vector<uint8_t> Fp8(const std::vector<float>& x, float scale, bool e5m2, bool ref = false) {
  std::vector<uint8_t> out(x.size());
  (ref ? EncodeFp8RowRef : EncodeFp8Row)(x.data(), static_cast<int64_t>(x.size()), scale, e5m2,
                                         out.data());
  return out;
}

std::vector<uint16_t> Half(const std::vector<float>& x, bool bf16, bool ref = false) {
  std::vector<uint16_t> out(x.size());
  if (!ref) {
    (bf16 ? F32ToBF16Row : F32ToF16Row)(x.data(), static_cast<int64_t>(x.size()), out.data());
  } else {
    for (size_t i = 0; i < x.size(); ++i) out[i] = bf16 ? F32ToBF16(x[i]) : F32ToF16(x[i]);
  }
  return out;
}

std::vector<float> Widen(const std::vector<uint16_t>& h, bool bf16, bool ref = false) {
  std::vector<float> y(h.size());
  if (!ref) {
    (bf16 ? BF16ToF32Row : F16ToF32Row)(h.data(), static_cast<int64_t>(h.size()), y.data());
  } else {
    for (size_t i = 0; i < h.size(); ++i) y[i] = bf16 ? BF16ToF32(h[i]) : F16ToF32(h[i]);
  }
  return y;
}

std::vector<uint8_t> Q8(const std::vector<float>& x, bool ref = false) {
  std::vector<uint8_t> out(x.size() / kQK * kQ8_0Bytes);
  (ref ? QuantizeQ8_0Ref : QuantizeQ8_0)(x.data(), static_cast<int64_t>(x.size()), out.data());
  return out;
}

std::vector<uint8_t> Q4K(const std::vector<float>& x, bool ref = false) {
  std::vector<uint8_t> out(x.size() / kQK_K * kQ4KBlockBytes);
  (ref ? QuantizeQ4KRef : QuantizeQ4K)(x.data(), static_cast<int64_t>(x.size()), out.data());
  return out;
}

// ---------------------------------------------------------------------------------------------
// One instance per ISA; the ISA is set for the test and restored after it.

class SimdIsaTest : public simd_inputs::IsaFixture {};

TEST_P(SimdIsaTest, Fp8RandomRows) {
  std::mt19937_64 rng(1);
  size_t total = 0;
  for (Dist dist : kDists) {
    for (float scale : {1.0f, 0.37f, 3e-3f, 2.5e4f}) {
      // Lengths around the vector widths, then a long row; the scale is a tensor's amax / max.
      for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{15}, size_t{16}, size_t{17},
                       size_t{31}, size_t{33}, size_t{63}, size_t{100}, size_t{40001}}) {
        const std::vector<float> x = Draw(dist, n, scale, rng);
        float amax = 0;
        for (float v : x) amax = std::max(amax, std::fabs(v));
        for (bool e5m2 : {false, true}) {
          for (float s : {1.0f, amax > 0 ? amax / (e5m2 ? kE5M2Max : kE4M3Max) : 1.0f}) {
            EXPECT_TRUE(SameBits(Fp8(x, s, e5m2), Fp8(x, s, e5m2, true),
                                 [&](size_t i) { return FloatBits(x[i]); }))
                << "e5m2 " << e5m2 << ", dist " << static_cast<int>(dist) << ", n " << n
                << ", scale " << s;
            total += n;
          }
        }
      }
    }
  }
  EXPECT_GE(total, 1'000'000u);
}

TEST_P(SimdIsaTest, Fp8TiesAndSpecials) {
  // Midpoints between consecutive codes (exact in float), the codes themselves and their
  // neighbours one float away, in both signs.
  for (bool e5m2 : {false, true}) {
    std::vector<float> x = Specials();
    for (int c = 0; c < 0x7F; ++c) {
      const float a =
          e5m2 ? E5M2ToF32(static_cast<uint8_t>(c)) : E4M3ToF32(static_cast<uint8_t>(c));
      const float b =
          e5m2 ? E5M2ToF32(static_cast<uint8_t>(c + 1)) : E4M3ToF32(static_cast<uint8_t>(c + 1));
      if (!std::isfinite(a)) continue;
      for (float v : {a, (a + b) / 2, std::nextafter(a, 0.0f), std::nextafter(a, INFINITY)}) {
        x.push_back(v);
        x.push_back(-v);
      }
    }
    for (float v : {464.0f, 480.0f, 57344.0f, 61440.0f, 65536.0f, 1e30f}) {
      x.push_back(v);
      x.push_back(-v);
    }
    for (float s : {1.0f, 0.5f, 3.0f, 1e-30f, 0.0f, INFINITY, NAN}) {
      EXPECT_TRUE(SameBits(Fp8(x, s, e5m2), Fp8(x, s, e5m2, true),
                           [&](size_t i) { return FloatBits(x[i]); }))
          << "e5m2 " << e5m2 << ", scale " << s;
    }
  }
}

TEST_P(SimdIsaTest, Fp8UpperBitPatterns) {
  const std::vector<float> x = UpperBitPatterns();
  for (bool e5m2 : {false, true}) {
    for (float s : {1.0f, 3.0f}) {
      EXPECT_TRUE(SameBits(Fp8(x, s, e5m2), Fp8(x, s, e5m2, true),
                           [&](size_t i) { return FloatBits(x[i]); }))
          << "e5m2 " << e5m2 << ", scale " << s;
    }
  }
}

TEST_P(SimdIsaTest, HalfEncodeRandomRows) {
  std::mt19937_64 rng(2);
  size_t total = 0;
  for (Dist dist : kDists) {
    for (float scale : {1.0f, 1e-6f, 3e4f}) {
      for (size_t n : {size_t{0}, size_t{1}, size_t{7}, size_t{9}, size_t{15}, size_t{17},
                       size_t{33}, size_t{100}, size_t{60001}}) {
        std::vector<float> x = Draw(dist, n, scale, rng);
        for (bool bf16 : {false, true}) {
          EXPECT_TRUE(SameBits(Half(x, bf16), Half(x, bf16, true),
                               [&](size_t i) { return FloatBits(x[i]); }))
              << "bf16 " << bf16 << ", dist " << static_cast<int>(dist) << ", n " << n;
          total += n;
        }
      }
    }
  }
  EXPECT_GE(total, 1'000'000u);
}

TEST_P(SimdIsaTest, HalfEncodeTiesSpecialsAndUpperBits) {
  std::vector<float> x = Specials();
  for (uint32_t h = 0; h < 0x7C00; ++h) {  // F16 midpoints, codes and neighbours
    const float a = F16ToF32(static_cast<uint16_t>(h));
    const float b = F16ToF32(static_cast<uint16_t>(h + 1));
    for (float v : {a, (a + b) / 2, std::nextafter(a, 0.0f), std::nextafter(a, INFINITY)}) {
      x.push_back(v);
      x.push_back(-v);
    }
  }
  for (float v : {65504.0f, 65519.996f, 65520.0f, 65536.0f}) x.push_back(v);
  const std::vector<float> upper = UpperBitPatterns();
  x.insert(x.end(), upper.begin(), upper.end());
  for (bool bf16 : {false, true}) {
    EXPECT_TRUE(
        SameBits(Half(x, bf16), Half(x, bf16, true), [&](size_t i) { return FloatBits(x[i]); }))
        << "bf16 " << bf16;
  }
}

TEST_P(SimdIsaTest, HalfDecodeAllCodesAndLengths) {
  std::vector<uint16_t> all(1 << 16);
  for (uint32_t h = 0; h < all.size(); ++h) all[h] = static_cast<uint16_t>(h);
  std::mt19937_64 rng(3);
  std::vector<uint16_t> random(1'000'003);
  for (uint16_t& h : random) h = static_cast<uint16_t>(rng());
  for (bool bf16 : {false, true}) {
    EXPECT_TRUE(SameBits(Widen(all, bf16), Widen(all, bf16, true),
                         [&](size_t i) { return "code " + std::to_string(all[i]); }))
        << "bf16 " << bf16;
    for (size_t n : {0, 1, 7, 8, 9, 15, 16, 17, 31, 1'000'003}) {
      const std::vector<uint16_t> h(random.begin(), random.begin() + static_cast<ptrdiff_t>(n));
      EXPECT_TRUE(SameBits(Widen(h, bf16), Widen(h, bf16, true),
                           [&](size_t i) { return "code " + std::to_string(h[i]); }))
          << "bf16 " << bf16 << ", n " << n;
    }
  }
}

// Q8_0 needs finite input; blocks whose amax is below ~1e-35 are left out, as the reference
// (like ggml's) then multiplies by an infinite 1/d and converts the result to int8, which is
// undefined.
TEST_P(SimdIsaTest, Q8_0RandomBlocks) {
  std::mt19937_64 rng(4);
  size_t total = 0;
  for (Dist dist : kDists) {
    for (float scale : {1.0f, 1e-20f, 1e20f}) {
      for (size_t blocks : {1, 3, 1000, 12000}) {
        std::vector<float> x = Draw(dist, blocks * kQK, scale, rng);
        for (size_t b = 0; b < blocks; ++b) {
          float amax = 0;
          for (int j = 0; j < kQK; ++j) amax = std::max(amax, std::fabs(x[b * kQK + j]));
          if (amax < 1e-30f) x[b * kQK] = 1e-30f;
        }
        EXPECT_TRUE(SameBits(Q8(x), Q8(x, true),
                             [&](size_t i) { return "block " + std::to_string(i / kQ8_0Bytes); }))
            << "dist " << static_cast<int>(dist) << ", scale " << scale;
        total += x.size();
      }
    }
  }
  EXPECT_GE(total, 1'000'000u);
}

// With 127 in a block, d = 1 and 1/d = 1: the codes are roundf of the other elements themselves.
// Here: every half-integer tie, ±0, and the floats up to 64 ulps either side of each tie.
TEST_P(SimdIsaTest, Q8_0RoundingTies) {
  std::vector<float> values = {0.0f, -0.0f, 0.49999997f, -0.49999997f, 0.5f, -0.5f};
  for (int k = 0; k < 127; ++k) {
    float up = static_cast<float>(k) + 0.5f, down = up;
    for (int u = 0; u <= 64;
         ++u, up = std::nextafter(up, INFINITY), down = std::nextafter(down, 0.0f)) {
      for (float v : {up, down, -up, -down}) values.push_back(v);
    }
  }
  std::vector<float> x;
  for (size_t i = 0; i < values.size(); ++i) {
    if (x.size() % kQK == 0) x.push_back(i % 2 ? 127.0f : -127.0f);
    x.push_back(values[i]);
  }
  while (x.size() % kQK != 0) x.push_back(0.5f);
  EXPECT_TRUE(SameBits(Q8(x), Q8(x, true),
                       [&](size_t i) { return "block " + std::to_string(i / kQ8_0Bytes); }));
}

// Q4_K needs finite input. Odd numbers of super-blocks exercise AVX-512's pairing.
TEST_P(SimdIsaTest, Q4KRandomBlocks) {
  std::mt19937_64 rng(5);
  size_t total = 0;
  for (Dist dist : kDists) {
    if (dist == Dist::kHuge) continue;  // 2^127: sums of squares overflow (defined, useless)
    for (float scale : {1.0f, 1e-3f, 1e5f}) {
      for (size_t blocks : {1, 2, 3, 5, 17, 250}) {
        const std::vector<float> x = Draw(dist, blocks * kQK_K, scale, rng);
        EXPECT_TRUE(
            SameBits(Q4K(x), Q4K(x, true),
                     [&](size_t i) { return "block " + std::to_string(i / kQ4KBlockBytes); }))
            << "dist " << static_cast<int>(dist) << ", scale " << scale << ", blocks " << blocks;
        total += x.size();
      }
    }
  }
  EXPECT_GE(total, 1'000'000u);
}

// Super-blocks with the reference's special paths: flat and zero sub-blocks (max == min),
// all-positive ones (min clamped to 0), ±0 mixes, tiny values (fp16 super-scales underflow),
// large ones, ramps and exact grids (ties in every rounding), one outlier.
TEST_P(SimdIsaTest, Q4KStructuredBlocks) {
  std::mt19937_64 rng(6);
  std::normal_distribution<float> gauss(0.0f, 1.0f);
  std::vector<float> x;
  for (int kind = 0; kind < 14; ++kind) {
    for (int rep = 0; rep < 9; ++rep) {
      for (int i = 0; i < kQK_K; ++i) {
        const int sub = i / 32;
        const float g = gauss(rng);
        float v = 0;
        switch (kind) {
          case 0:
            v = static_cast<float>(i - 128) / 32.0f;
            break;
          case 1:
            v = 0.75f;
            break;
          case 2:
            v = -1.5f;
            break;
          case 3:
            v = (i + rep) % 3 == 0 ? -0.0f : 0.0f;
            break;
          case 4:
            v = i == 77 + rep ? 24.0f : g * 0.25f;
            break;
          case 5:
            v = std::fabs(g) + 1.0f;
            break;
          case 6:
            v = g * std::ldexp(1.0f, -20 - 4 * rep);
            break;
          case 7:
            v = g * std::ldexp(1.0f, -2 * sub);
            break;
          case 8:
            v = sub == rep % 8 ? 0.0f : g;
            break;
          case 9:
            v = sub % 2 ? 1.0f : g;
            break;
          case 10:
            v = static_cast<float>(static_cast<int>(g * 8)) / 2.0f;
            break;
          case 11:
            v = static_cast<float>(i % 16) * 0.25f - (rep % 2 ? 0.0f : 1.0f);
            break;
          case 12:
            v = g * 1e6f;
            break;
          default:
            v = g * (i % 32 == rep ? 100.0f : 1.0f);
            break;
        }
        x.push_back(v);
      }
    }
  }
  EXPECT_TRUE(SameBits(Q4K(x), Q4K(x, true), [&](size_t i) {
    return "block " + std::to_string(i / kQ4KBlockBytes) + " kind " +
           std::to_string(i / kQ4KBlockBytes / 9);
  }));
}

// Non-finite input gives unspecified blocks (kquants.h), but no undefined behaviour (the
// sanitizer build runs this), and the other super-blocks of the call are unaffected.
TEST_P(SimdIsaTest, Q4KNonFiniteStaysLocal) {
  std::mt19937_64 rng(8);
  std::vector<float> x = Draw(Dist::kGaussian, 6 * kQK_K, 1.0f, rng);
  x[1 * kQK_K + 5] = NAN;
  x[3 * kQK_K + 40] = INFINITY;
  x[4 * kQK_K + 200] = -INFINITY;
  const std::vector<uint8_t> got = Q4K(x), want = Q4K(x, true);
  for (int b : {0, 2, 5}) {
    EXPECT_TRUE(std::equal(got.begin() + b * kQ4KBlockBytes, got.begin() + (b + 1) * kQ4KBlockBytes,
                           want.begin() + b * kQ4KBlockBytes))
        << "block " << b;
  }
}

// ---------------------------------------------------------------------------------------------
// Exhaustive sweeps (label slow).

// All 2^32 floats through EncodeFp8Row with scale 1 (the division is then exact). The reference
// is too slow to run 2^32 times, but it rounds monotonically in |x|: its codes are given by the
// 126 magnitudes where the code steps up, found by bisection on the reference itself (and
// checked with its neighbours), plus the sign and NaN rules of float_formats.h.
TEST_P(SimdIsaTest, SlowFp8AllFloats) {
  for (bool e5m2 : {false, true}) {
    auto ref = [&](uint32_t bits) {
      return e5m2 ? F32ToE5M2(std::bit_cast<float>(bits)) : F32ToE4M3(std::bit_cast<float>(bits));
    };
    // steps[c] = the smallest magnitude pattern whose code is >= c, for c = 1 .. top.
    const int top = ref(0x7F800000);
    std::vector<uint32_t> steps(static_cast<size_t>(top) + 1, 0);
    for (int c = 1; c <= top; ++c) {
      uint32_t lo = 0, hi = 0x7F800000;
      while (lo < hi) {
        const uint32_t mid = lo + (hi - lo) / 2;
        if (ref(mid) >= c) {
          hi = mid;
        } else {
          lo = mid + 1;
        }
      }
      steps[static_cast<size_t>(c)] = lo;
      ASSERT_EQ(ref(lo), c);
      ASSERT_LT(ref(lo - 1), c);
    }
    // Magnitudes ascend within each sign half, so the expected code is a cursor into steps.
    constexpr size_t kChunk = 1 << 22;
    std::vector<float> x(kChunk);
    std::vector<uint8_t> out(kChunk);
    int code = 0;
    for (uint64_t start = 0; start < (uint64_t{1} << 32); start += kChunk) {
      if (start == (uint64_t{1} << 31)) code = 0;
      for (size_t i = 0; i < kChunk; ++i) {
        x[i] = std::bit_cast<float>(static_cast<uint32_t>(start + i));
      }
      EncodeFp8Row(x.data(), kChunk, 1.0f, e5m2, out.data());
      for (size_t i = 0; i < kChunk; ++i) {
        const uint32_t bits = static_cast<uint32_t>(start + i);
        const uint32_t mag = bits & 0x7FFFFFFFu;
        while (code < top && steps[static_cast<size_t>(code) + 1] <= mag) ++code;
        const uint8_t want =
            static_cast<uint8_t>((mag > 0x7F800000u ? 0x7F : code) | (bits >> 31 << 7));
        if (out[i] != want) {
          FAIL() << "e5m2 " << e5m2 << ": " << FloatBits(x[i]) << " gives " << int{out[i]}
                 << ", reference " << int{want} << " (direct " << int{ref(bits)} << ")";
        }
      }
    }
  }
}

// All 2^32 floats through F32ToF16Row and F32ToBF16Row against the (fast) element references.
TEST_P(SimdIsaTest, SlowHalfAllFloats) {
  if (GetParam() == Isa::kScalar) GTEST_SKIP() << "the scalar rows are the reference loops";
  constexpr size_t kChunk = 1 << 22;
  std::vector<float> x(kChunk);
  std::vector<uint16_t> out(kChunk);
  for (bool bf16 : {false, true}) {
    for (uint64_t start = 0; start < (uint64_t{1} << 32); start += kChunk) {
      for (size_t i = 0; i < kChunk; ++i)
        x[i] = std::bit_cast<float>(static_cast<uint32_t>(start + i));
      (bf16 ? F32ToBF16Row : F32ToF16Row)(x.data(), kChunk, out.data());
      for (size_t i = 0; i < kChunk; ++i) {
        const uint16_t want = bf16 ? F32ToBF16(x[i]) : F32ToF16(x[i]);
        if (out[i] != want)
          FAIL() << "bf16 " << bf16 << ": " << FloatBits(x[i]) << " gives " << out[i]
                 << ", reference " << want;
      }
    }
  }
}

// Q8_0's rounding on every float t with |t| <= 127: blocks holding 127 (so d = 1 and 1/d = 1)
// and 31 consecutive floats each; the codes must be roundf(t).
TEST_P(SimdIsaTest, SlowQ8_0Round) {
  if (GetParam() == Isa::kScalar) GTEST_SKIP() << "the scalar path is the reference";
  constexpr uint32_t kLast = 0x42FE0000;  // 127.0f
  constexpr size_t kBlocks = 1 << 16;
  std::vector<float> x(kBlocks * kQK);
  std::vector<uint8_t> out(kBlocks * kQ8_0Bytes);
  for (uint32_t sign : {0u, 0x80000000u}) {
    uint32_t next = 0;
    while (next <= kLast) {
      for (size_t b = 0; b < kBlocks; ++b) {
        x[b * kQK] = 127.0f;
        for (int j = 1; j < kQK; ++j)
          x[b * kQK + j] = std::bit_cast<float>(sign | std::min(next++, kLast));
      }
      QuantizeQ8_0(x.data(), static_cast<int64_t>(x.size()), out.data());
      for (size_t b = 0; b < kBlocks; ++b) {
        ASSERT_EQ(out[b * kQ8_0Bytes], 0x00);  // d = fp16 1.0 = 0x3C00
        ASSERT_EQ(out[b * kQ8_0Bytes + 1], 0x3C);
        for (int j = 1; j < kQK; ++j) {
          const float t = x[b * kQK + j];
          const auto want = static_cast<int8_t>(std::round(t));
          if (static_cast<int8_t>(out[b * kQ8_0Bytes + 2 + j]) != want)
            FAIL() << FloatBits(t) << " gives "
                   << int{static_cast<int8_t>(out[b * kQ8_0Bytes + 2 + j])};
        }
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Simd, SimdIsaTest, testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const testing::TestParamInfo<Isa>& info) {
                           return std::string(IsaName(info.param));
                         });

TEST(SimdTest, IsaControl) {
  const Isa saved = ActiveIsa();
  EXPECT_LE(ActiveIsa(), CpuIsa());
  SetIsa(Isa::kScalar);
  EXPECT_EQ(ActiveIsa(), Isa::kScalar);
  SetIsa(Isa::kAvx512);  // clamped to what the CPU has
  EXPECT_EQ(ActiveIsa(), CpuIsa());
  EXPECT_EQ(IsaName(Isa::kScalar), "scalar");
  EXPECT_EQ(IsaName(Isa::kAvx2), "avx2");
  EXPECT_EQ(IsaName(Isa::kAvx512), "avx512");
  SetIsa(saved);
}

}  // namespace
}  // namespace aiinfra::quant
