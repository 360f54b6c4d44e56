#include "workload/sampling.h"

#include <cmath>
#include <numbers>

namespace aiinfra::workload {

uint64_t Mix64(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

uint64_t DeriveSeed(uint64_t seed, uint64_t stream) {
  // Mixing twice keeps (seed, stream) and (seed + 1, stream - 1) far apart.
  return Mix64(Mix64(seed) ^ Mix64(stream + 0x5851f42d4c957f2dULL));
}

double Uniform01(Rng& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

double UniformOpen01(Rng& rng) { return (static_cast<double>(rng() >> 11) + 0.5) * 0x1.0p-53; }

double Exponential(Rng& rng, double rate) { return -std::log(UniformOpen01(rng)) / rate; }

double StandardNormal(Rng& rng) {
  const double u1 = UniformOpen01(rng);
  const double u2 = Uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double Gamma(Rng& rng, double shape, double scale) {
  if (shape < 1.0) {
    // U^(1/k) underflows to 0 for very small k; the log form keeps the sample positive as long
    // as the product is representable.
    const double g = Gamma(rng, shape + 1.0, 1.0);
    return g * std::exp(std::log(UniformOpen01(rng)) / shape) * scale;
  }
  const double d = shape - 1.0 / 3.0;
  const double c = 1.0 / std::sqrt(9.0 * d);
  while (true) {
    double x;
    double v;
    do {
      x = StandardNormal(rng);
      v = 1.0 + c * x;
    } while (v <= 0.0);
    v = v * v * v;
    const double u = UniformOpen01(rng);
    if (u < 1.0 - 0.0331 * x * x * x * x) return d * v * scale;
    if (std::log(u) < 0.5 * x * x + d * (1.0 - v + std::log(v))) return d * v * scale;
  }
}

}  // namespace aiinfra::workload
