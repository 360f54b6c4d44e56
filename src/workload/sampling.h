// Random primitives of the workload module: seed derivation and the few variates the arrival
// processes and length distributions need.
//
// Why not <random>'s distributions: the standard fixes std::mt19937_64's output but leaves
// std::exponential_distribution, std::normal_distribution and std::gamma_distribution to each
// library, so the same seed would give different workloads under libstdc++ and libc++. These
// functions use only the engine's raw 64-bit output, so a workload is fixed by its seed alone.
//
// Thread safety: none; an engine belongs to one thread.
#pragma once

#include <cstdint>
#include <random>

namespace aiinfra::workload {

// The engine everything here draws from; Env::Rng() hands out the same type.
using Rng = std::mt19937_64;

// The SplitMix64 finaliser: a bijection on 64-bit words that mixes every input bit into every
// output bit. Used for seeds and for prefix block hashes.
uint64_t Mix64(uint64_t x);

// A seed for an independent stream `stream` of a run seeded with `seed`: adding a class or a
// process to a workload leaves the other streams' numbers unchanged.
uint64_t DeriveSeed(uint64_t seed, uint64_t stream);

// Uniform on [0, 1), 53 random bits.
double Uniform01(Rng& rng);
// Uniform on (0, 1): never 0, so log() of it is finite.
double UniformOpen01(Rng& rng);
// Exponential with the given rate (> 0): mean 1/rate.
double Exponential(Rng& rng, double rate);
// Standard normal (Box-Muller; one draw per call, no cached second value so a copy of the
// engine is the whole state).
double StandardNormal(Rng& rng);
// Gamma with shape k > 0 and scale theta > 0 (mean k*theta), Marsaglia-Tsang; for k < 1 the
// boost Gamma(k) = Gamma(k+1) * U^(1/k).
double Gamma(Rng& rng, double shape, double scale);

}  // namespace aiinfra::workload
