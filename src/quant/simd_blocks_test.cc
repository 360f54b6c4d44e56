// The SIMD block quantizers of simd_avx2_blocks.cc / simd_avx512_blocks.cc (Q4_0, Q4_1, Q5_0,
// Q6_K, INT8/INT4 rows, MXFP4, NVFP4) against their scalar references, bit for bit, on every ISA
// the CPU has (a missing ISA is skipped, naming it). simd_test.cc covers the other dispatched
// codecs.

#include <gtest/gtest.h>

#include <algorithm>
#include <bit>
#include <cfloat>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "quant/ggml_blocks.h"
#include "quant/int_quant.h"
#include "quant/kquants.h"
#include "quant/microscale.h"
#include "quant/simd.h"
#include "quant/simd_test_inputs.h"

namespace aiinfra::quant {
namespace {

using simd_inputs::Dist;
using simd_inputs::Draw;

constexpr Dist kDists[] = {Dist::kGaussian, Dist::kHeavy, Dist::kOutliers, Dist::kTiny,
                           Dist::kHuge,     Dist::kGrid,  Dist::kSubnormal};

// Structured blocks of `len`: equal-magnitude extremes of both signs in random places (and
// orders), signed zeros, all-zero blocks, exact grid values.
std::vector<float> Structured(size_t blocks, int len, std::mt19937_64& rng) {
  std::vector<float> x;
  std::uniform_int_distribution<int> pick(0, 9), pos(0, len - 1), grid(-16, 16);
  const float mags[] = {8.0f, 16.0f, 6.0f, 4.0f, 1.0f, 0.5f, 448.0f, 1e-3f};
  for (size_t b = 0; b < blocks; ++b) {
    const int kind = pick(rng);
    const float m = mags[b % 8];
    std::vector<float> v(len);
    for (int j = 0; j < len; ++j) {
      switch (kind) {
        case 0:  // signed zeros only
          v[j] = (rng() & 1) ? 0.0f : -0.0f;
          break;
        case 1:  // zeros and one tiny value
          v[j] = (rng() & 1) ? 0.0f : -0.0f;
          break;
        default:  // grid values in [-m, m] at sixteenths of m, ties after scaling
          v[j] = static_cast<float>(grid(rng)) / 16.0f * m;
      }
    }
    if (kind == 1) v[pos(rng)] = 1e-6f;
    if (kind >= 2) {  // the extreme magnitude, both signs, several times
      for (int k = 0; k < 3; ++k) v[pos(rng)] = (rng() & 1) ? m : -m;
    }
    x.insert(x.end(), v.begin(), v.end());
  }
  return x;
}

template <typename Describe>
testing::AssertionResult SameBytes(const std::vector<uint8_t>& got,
                                   const std::vector<uint8_t>& want, Describe what) {
  if (got.size() != want.size()) return testing::AssertionFailure() << "sizes differ";
  size_t first = got.size(), count = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    if (got[i] != want[i] && count++ == 0) first = i;
  }
  if (count == 0) return testing::AssertionSuccess();
  char buf[64];
  std::snprintf(buf, sizeof buf, "got 0x%02x, want 0x%02x", got[first], want[first]);
  return testing::AssertionFailure() << count << " of " << got.size() << " bytes differ; first at "
                                     << first << " (" << what(first) << "): " << buf;
}

using BlockFn = void (*)(const float*, int64_t, uint8_t*);
struct BlockCodec {
  const char* name;
  BlockFn simd, ref;
  int elems, bytes;
};
const BlockCodec kBlockCodecs[] = {
    {"q4_0", QuantizeQ4_0, QuantizeQ4_0Ref, kQK, kQ4_0Bytes},
    {"q4_1", QuantizeQ4_1, QuantizeQ4_1Ref, kQK, kQ4_1Bytes},
    {"q5_0", QuantizeQ5_0, QuantizeQ5_0Ref, kQK, kQ5_0Bytes},
    {"mxfp4_ggml", QuantizeMxfp4Ggml, QuantizeMxfp4GgmlRef, kMxBlock, kMxfp4GgmlBytes},
    {"nvfp4_ggml", QuantizeNvfp4Ggml, QuantizeNvfp4GgmlRef, kNvfp4GgmlBlock, kNvfp4GgmlBytes},
    {"q6_k", QuantizeQ6K, QuantizeQ6KRef, kQK_K, kQ6KBlockBytes},
};

// Compares a codec on x (its length a multiple of the codec's block).
testing::AssertionResult CheckBlocks(const BlockCodec& c, const std::vector<float>& x) {
  const int64_t n = static_cast<int64_t>(x.size()) / c.elems * c.elems;
  std::vector<uint8_t> got(n / c.elems * c.bytes, 0xAA), want(got.size(), 0x55);
  c.simd(x.data(), n, got.data());
  c.ref(x.data(), n, want.data());
  return SameBytes(got, want, [&](size_t i) {
    return std::string(c.name) + " block " + std::to_string(i / c.bytes);
  });
}

// The safetensors layouts: codes and scales of MXFP4 and NVFP4 (tensor scale `ts`).
testing::AssertionResult CheckMicro(const std::vector<float>& x, bool nv, float ts) {
  const int block = nv ? kNvBlock : kMxBlock;
  const int64_t n = static_cast<int64_t>(x.size()) / block * block;
  std::vector<uint8_t> got(n / 2 + n / block, 0xAA), want(got.size(), 0x55);
  if (nv) {
    QuantizeNvfp4(x.data(), n, ts, got.data(), got.data() + n / 2);
    QuantizeNvfp4Ref(x.data(), n, ts, want.data(), want.data() + n / 2);
  } else {
    QuantizeMxfp4(x.data(), n, got.data(), got.data() + n / 2);
    QuantizeMxfp4Ref(x.data(), n, want.data(), want.data() + n / 2);
  }
  return SameBytes(got, want, [&](size_t i) {
    return i < static_cast<size_t>(n / 2) ? "code byte of block " + std::to_string(2 * i / block)
                                          : "scale " + std::to_string(i - n / 2);
  });
}

float TensorScaleOf(const std::vector<float>& x) {
  float amax = 0;
  for (float v : x) {
    if (std::isfinite(v)) amax = std::max(amax, std::fabs(v));
  }
  return NvTensorScale(amax);
}

class SimdBlocksTest : public simd_inputs::IsaFixture {};

// Finite inputs over all distributions, with odd numbers of blocks; >= 1M values per codec.
TEST_P(SimdBlocksTest, BlockCodecsRandom) {
  std::mt19937_64 rng(11);
  for (const BlockCodec& c : kBlockCodecs) {
    size_t total = 0;
    for (Dist dist : kDists) {
      for (float scale : {1.0f, 3e-3f, 1e-20f, 1e20f}) {
        for (size_t blocks : {1, 3, 601}) {
          // + 256: odd numbers of Q6_K super-blocks too.
          const std::vector<float> x = Draw(dist, blocks * 64 + 256, scale, rng);
          EXPECT_TRUE(CheckBlocks(c, x)) << "dist " << int(dist) << ", scale " << scale;
          total += x.size();
        }
      }
    }
    EXPECT_GE(total, 1'000'000u) << c.name;
  }
}

TEST_P(SimdBlocksTest, BlockCodecsStructured) {
  std::mt19937_64 rng(12);
  for (const BlockCodec& c : kBlockCodecs) {
    EXPECT_TRUE(CheckBlocks(c, Structured(2001, kQK, rng)));
    EXPECT_TRUE(CheckBlocks(c, Structured(1001, 64, rng)));
  }
}

// Safetensors MXFP4/NVFP4: random blocks (NaN and Inf sprinkled in some: the block gets the
// NaN scale), structured blocks, and the E2M1 midpoints with scale 1 (MXFP4 blocks holding 4,
// NVFP4 blocks holding 6 with tensor scale 1), ±64 ulps around each, signed.
TEST_P(SimdBlocksTest, MicroscaleSafetensors) {
  std::mt19937_64 rng(13);
  size_t total = 0;
  for (Dist dist : kDists) {
    for (float scale : {1.0f, 3e-3f, 1e20f}) {
      std::vector<float> x = Draw(dist, 1001 * 32, scale, rng);
      for (size_t i = 0; i < x.size(); i += 997) x[i] = (i / 997) % 3 == 0 ? NAN : -INFINITY;
      for (bool nv : {false, true}) {
        EXPECT_TRUE(CheckMicro(x, nv, TensorScaleOf(x))) << "dist " << int(dist) << " nv " << nv;
        EXPECT_TRUE(CheckMicro(x, nv, 1.0f));
        total += 2 * x.size();
      }
    }
  }
  EXPECT_GE(total, 1'000'000u);
  std::vector<float> ties;
  for (float t : {0.0f, 0.25f, 0.5f, 0.75f, 1.0f, 1.25f, 1.5f, 1.75f, 2.0f, 2.5f, 3.0f, 3.5f, 4.0f,
                  5.0f, 6.0f}) {
    float up = t, down = t;
    for (int u = 0; u <= 64; ++u) {
      for (float v : {up, down, -up, -down}) ties.push_back(v);
      up = std::nextafter(up, INFINITY);
      down = std::nextafter(down, 0.0f);
    }
  }
  for (bool nv : {false, true}) {
    const int block = nv ? kNvBlock : kMxBlock;
    std::vector<float> x;
    for (float v : ties) {
      if (x.size() % block == 0) x.push_back(nv ? 6.0f : 4.0f);
      x.push_back(std::clamp(v, -6.0f, 6.0f));
    }
    while (x.size() % block != 0) x.push_back(-0.0f);
    EXPECT_TRUE(CheckMicro(x, nv, 1.0f));
    EXPECT_TRUE(CheckMicro(Structured(1001, 32, rng), nv, 1.0f));
    EXPECT_TRUE(CheckMicro(Structured(1001, 32, rng), nv, 1e-3f));
  }
  // ggml's layouts on the same ties (finite input).
  for (const BlockCodec& c : kBlockCodecs) {
    std::vector<float> x;
    for (float v : ties) {
      if (x.size() % 16 == 0) x.push_back(c.elems == kNvfp4GgmlBlock ? 6.0f : 4.0f);
      x.push_back(std::clamp(v, -6.0f, 6.0f));
    }
    while (x.size() % 64 != 0) x.push_back(0.0f);
    EXPECT_TRUE(CheckBlocks(c, x)) << c.name;
  }
}

// INT8 / INT4 rows: every combination of bits, symmetry and group (per channel, odd groups,
// groups that are not multiples of the vector widths), over all distributions.
TEST_P(SimdBlocksTest, IntRows) {
  std::mt19937_64 rng(14);
  size_t total = 0;
  for (int bits : {8, 4}) {
    for (bool asym : {false, true}) {
      for (int64_t group : {0, 1, 7, 32, 33, 128}) {
        for (Dist dist : kDists) {
          const int64_t cols = group == 0 ? 16411 : group * (group < 32 ? 401 : 125);
          IntSpec spec{bits, group, asym};
          const int64_t groups = group == 0 ? 1 : cols / group;
          std::vector<float> x = Draw(dist, static_cast<size_t>(cols), 0.7f, rng);
          if (dist == Dist::kGrid) {
            for (int64_t i = 0; i < cols; i += 5) x[i] = (i % 2) ? 0.0f : -0.0f;
          }
          const int64_t code_bytes = bits == 8 ? cols : (cols + 1) / 2;
          std::vector<uint8_t> got(code_bytes + groups, 0xAA), want(got.size(), 0x55);
          std::vector<float> gs(groups, -1), ws(groups, -2);
          QuantizeIntRow(x.data(), cols, spec, got.data(), gs.data(), got.data() + code_bytes);
          QuantizeIntRowRef(x.data(), cols, spec, want.data(), ws.data(), want.data() + code_bytes);
          if (!asym) {
            std::fill(got.begin() + code_bytes, got.end(), 0);
            std::fill(want.begin() + code_bytes, want.end(), 0);
          }
          EXPECT_TRUE(SameBytes(got, want, [&](size_t i) { return "byte " + std::to_string(i); }))
              << "bits " << bits << " asym " << asym << " group " << group << " dist " << int(dist);
          for (int64_t g = 0; g < groups; ++g) {
            ASSERT_EQ(std::bit_cast<uint32_t>(gs[g]), std::bit_cast<uint32_t>(ws[g])) << g;
          }
          total += x.size();
        }
      }
    }
  }
  EXPECT_GE(total, 1'000'000u);
}

// E2M1 by midpoint compares against F32ToE2M1 on every float of magnitude in [1/8, 8) (below
// 1/8 every code is a signed 0 either way), both signs: MXFP4 blocks holding 4 (scale 2^0, so
// the codes are those of the values themselves) and 31 swept values.
TEST_P(SimdBlocksTest, SlowMxfp4E2M1Sweep) {
  if (GetParam() == Isa::kScalar) GTEST_SKIP() << "the scalar path is the reference";
  const uint32_t lo = std::bit_cast<uint32_t>(0.125f), hi = std::bit_cast<uint32_t>(8.0f);
  std::vector<float> x;
  x.reserve(1 << 21);
  const auto flush = [&] {
    while (x.size() % kMxBlock != 0) x.push_back(0.0f);
    ASSERT_TRUE(CheckMicro(x, false, 1.0f));
    x.clear();
  };
  for (uint32_t sign : {0u, 0x80000000u}) {
    for (uint32_t b = lo; b < hi; ++b) {
      if (x.size() % kMxBlock == 0) x.push_back(4.0f);
      x.push_back(std::bit_cast<float>(b | sign));
      if (x.size() >= (1u << 21)) flush();
    }
  }
  flush();
}

INSTANTIATE_TEST_SUITE_P(Simd, SimdBlocksTest,
                         testing::Values(Isa::kScalar, Isa::kAvx2, Isa::kAvx512),
                         [](const testing::TestParamInfo<Isa>& info) {
                           return std::string(IsaName(info.param));
                         });

}  // namespace
}  // namespace aiinfra::quant
