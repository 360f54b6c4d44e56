// Benchmarks of the quantization toolkit (src/quant, issue 7, item 5).
//
// BM_Quantize/FORMAT: one core encoding a 1024 x 4096 float32 tensor (16 MiB) through the
//   format's codec (quant::TensorCodec, the path `quant convert` takes), with the CPU's best
//   instruction set and with the scalar reference (SetIsa(kScalar)), in MB/s of float32 input.
//   Targets: q8_0 and fp8_e4m3 >= 1,000 MB/s, q4_k >= 200 MB/s, per core.
// BM_Numpy: bench/quant_numpy.py (Debian's python3-numpy) quantizes the same tensor in q8_0,
//   q4_0, fp8_e4m3 and q4_k, vectorized over blocks as a numpy user writes it; the summary gives
//   the speed ratio aiinfra / numpy and whether numpy's bytes equal aiinfra's (q8_0, q4_0 and
//   fp8 follow the same reference arithmetic). Skipped, saying so, without python3-numpy.
// BM_ConvertRss: `quant generate` writes a 2 GiB bf16 model (hidden 2048, MLP 5632, vocab
//   32,000) into a temporary directory, then a child process converts it to q4_k GGUF; its peak
//   resident set (ru_maxrss) against the target of 256 MiB and against the file's size (what
//   reading it whole would take). The files are removed after.
//
// Run alone: build/bench/quant_bench (`make bench-quant`; `make bench` runs it too);
// --benchmark_filter=Quantize for the codecs only.
#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "common/env.h"
#include "quant/codec.h"
#include "quant/convert.h"
#include "quant/simd.h"
#include "quant/synth.h"

namespace aiinfra::bench {
namespace {

using quant::Format;

constexpr int64_t kRows = 1024, kCols = 4096;
constexpr double kTargetFast = 1000e6;  // bytes/s: q8_0, fp8_e4m3
constexpr double kTargetQ4K = 200e6;
constexpr double kTargetRss = 256.0 * (1 << 20);
constexpr double kModelBytes = 2.0 * (1 << 30);

// Weights as a trained model's look: Gaussian with heavy-tailed outliers.
const std::vector<float>& Tensor() {
  static const std::vector<float> x = [] {
    std::vector<float> v(static_cast<size_t>(kRows * kCols));
    std::mt19937_64 rng(42);
    std::normal_distribution<float> normal(0, 0.02f);
    std::student_t_distribution<float> heavy(4);
    for (size_t i = 0; i < v.size(); ++i) v[i] = i % 97 == 0 ? 0.014f * heavy(rng) : normal(rng);
    return v;
  }();
  return x;
}

quant::Container ContainerOf(Format f) {
  return quant::Info(f).safetensors ? quant::Container::kSafetensors : quant::Container::kGguf;
}

// Seconds to encode the tensor's codes once (part 0: what dominates every format).
double EncodeSeconds(Format f, std::vector<uint8_t>* keep = nullptr) {
  auto codec = quant::TensorCodec::Make(f, {kRows, kCols}, ContainerOf(f));
  if (!codec) return 0;
  static const float amax = [] {
    quant::ValueScan scan;
    scan.Add(Tensor().data(), static_cast<int64_t>(Tensor().size()), 0);
    return scan.amax;
  }();
  codec->set_amax(amax);  // what convert's first pass finds
  const quant::Part& part = codec->parts()[0];
  std::vector<uint8_t> out(part.bytes);
  const auto t0 = std::chrono::steady_clock::now();
  codec->EncodeRows(0, Tensor().data(), 0, kRows, out.data());
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  benchmark::DoNotOptimize(out.data());
  if (keep) *keep = std::move(out);
  return s;
}

struct Speed {
  double best = 0, scalar = 0;  // bytes/s of float32 input
};
std::map<Format, Speed> g_speed;
const Format kFormats[] = {Format::kQ8_0,  Format::kFP8_E4M3, Format::kQ4_K, Format::kQ4_0,
                           Format::kQ4_1,  Format::kQ5_0,     Format::kQ6_K, Format::kFP8_E5M2,
                           Format::kMXFP4, Format::kNVFP4,    Format::kINT8, Format::kINT4,
                           Format::kBF16,  Format::kF16};

double BestOf(Format f, int runs) {
  double best = 1e300;
  for (int i = 0; i < runs; ++i) best = std::min(best, EncodeSeconds(f));
  return static_cast<double>(kRows * kCols * 4) / best;
}

void BM_Quantize(benchmark::State& state) {
  const Format f = kFormats[state.range(0)];
  state.SetLabel(quant::FormatName(f));
  for (auto _ : state) {
    Speed s;
    quant::SetIsa(quant::CpuIsa());
    s.best = BestOf(f, 3);
    quant::SetIsa(quant::Isa::kScalar);
    s.scalar = BestOf(f, f == Format::kQ4_K || f == Format::kQ6_K ? 1 : 3);
    quant::SetIsa(quant::CpuIsa());
    g_speed[f] = s;
    state.counters["MB_per_s"] = s.best / 1e6;
    state.counters["scalar_MB_per_s"] = s.scalar / 1e6;
  }
}
BENCHMARK(BM_Quantize)
    ->DenseRange(0, std::size(kFormats) - 1)
    ->Iterations(1)
    ->Unit(benchmark::kMillisecond);

struct NumpyFigures {
  std::string skipped, version;
  std::map<std::string, double> mb_per_s;
  std::map<std::string, std::optional<bool>> equal;
};
std::optional<NumpyFigures> g_numpy;

std::string FindNumpyPython() {
  for (const char* python : {"python3", "/usr/bin/python3"}) {
    if (std::system(fmt::format("{} -c 'import numpy' >/dev/null 2>&1", python).c_str()) == 0) {
      return python;
    }
  }
  return "";
}

void BM_Numpy(benchmark::State& state) {
  for (auto _ : state) {
    NumpyFigures n;
    const std::string python = FindNumpyPython();
    if (python.empty()) {
      n.skipped = "skipped: install python3-numpy (scripts/setup.sh does)";
      g_numpy = n;
      state.SkipWithError("python3-numpy missing");
      return;
    }
    const auto dir =
        std::filesystem::temp_directory_path() / fmt::format("quant_bench_{}", getpid());
    std::filesystem::create_directories(dir);
    const std::string input = (dir / "x.f32").string();
    std::ofstream(input, std::ios::binary)
        .write(reinterpret_cast<const char*>(Tensor().data()),
               static_cast<std::streamsize>(Tensor().size() * 4));
    std::string expect;
    for (Format f : {Format::kQ8_0, Format::kQ4_0, Format::kFP8_E4M3}) {
      std::vector<uint8_t> bytes;
      EncodeSeconds(f, &bytes);
      const std::string path = (dir / quant::FormatName(f)).string();
      std::ofstream(path, std::ios::binary)
          .write(reinterpret_cast<const char*>(bytes.data()),
                 static_cast<std::streamsize>(bytes.size()));
      expect += fmt::format(" {}={}", quant::FormatName(f), path);
    }
    const std::string command = fmt::format("{} {}/bench/quant_numpy.py {} {}{}", python,
                                            AIINFRA_SOURCE_DIR, input, Tensor().size(), expect);
    std::FILE* pipe = popen(command.c_str(), "r");
    std::string out;
    char buf[4096];
    while (pipe && std::fgets(buf, sizeof buf, pipe)) out += buf;
    const int status = pipe ? pclose(pipe) : -1;
    std::filesystem::remove_all(dir);
    const auto j = nlohmann::json::parse(out, nullptr, false);
    if (status != 0 || !j.is_object()) {
      n.skipped = fmt::format("skipped: bench/quant_numpy.py failed (status {}): {}", status, out);
      g_numpy = n;
      state.SkipWithError("numpy baseline failed");
      return;
    }
    n.version = fmt::format("Python {}, numpy {}", j.value("python", "?"), j.value("numpy", "?"));
    for (const auto& [name, v] : j["formats"].items()) {
      n.mb_per_s[name] = v.value("mb_per_s", 0.0);
      if (v.contains("equals_aiinfra")) n.equal[name] = v["equals_aiinfra"].get<bool>();
    }
    g_numpy = n;
  }
}
BENCHMARK(BM_Numpy)->Iterations(1)->Unit(benchmark::kSecond);

struct RssFigures {
  std::string error;
  uint64_t file_bytes = 0, out_bytes = 0;
  double peak_rss = 0, generate_s = 0, convert_s = 0;
};
std::optional<RssFigures> g_rss;

void BM_ConvertRss(benchmark::State& state) {
  for (auto _ : state) {
    RssFigures r;
    const auto dir = std::filesystem::temp_directory_path() / fmt::format("quant_rss_{}", getpid());
    std::filesystem::create_directories(dir);
    const std::string in = (dir / "model.safetensors").string();
    const std::string out = (dir / "model-q4_k.gguf").string();
    quant::SynthSpec spec;
    spec.hidden = 2048;
    spec.intermediate = 5632;
    spec.vocab = 32000;
    spec.heads = 32;
    spec.kv_heads = 4;
    spec.layers = quant::LayersForBytes(spec, static_cast<uint64_t>(kModelBytes));
    RealEnv env;
    auto t0 = std::chrono::steady_clock::now();
    auto written = quant::WriteSyntheticModel(env, in, spec);
    r.generate_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!written) {
      r.error = written.error().ToString();
    } else {
      r.file_bytes = std::filesystem::file_size(in);
      t0 = std::chrono::steady_clock::now();
      const pid_t child = fork();
      if (child == 0) {
        quant::ConvertOptions o;
        o.to = Format::kQ4_K;
        RealEnv child_env;
        auto c = quant::Convert(child_env, in, out, o);
        _exit(c ? 0 : 1);
      }
      int status = 0;
      rusage usage{};
      wait4(child, &status, 0, &usage);
      r.convert_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      r.peak_rss = static_cast<double>(usage.ru_maxrss) * 1024;  // KiB on Linux
      if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        r.error = "the conversion failed";
      } else {
        r.out_bytes = std::filesystem::file_size(out);
      }
    }
    std::filesystem::remove_all(dir);
    g_rss = r;
    state.counters["peak_rss_MiB"] = r.peak_rss / (1 << 20);
  }
}
BENCHMARK(BM_ConvertRss)->Iterations(1)->Unit(benchmark::kSecond);

const char* Verdict(bool ok) { return ok ? "PASS" : "MISS"; }

void PrintSummary() {
  fmt::print("\nQuantization toolkit (src/quant), summary; instruction set {}\n",
             quant::IsaName(quant::CpuIsa()));
  if (!g_speed.empty()) {
    fmt::print("(a) encoding a {} x {} float32 tensor on one core, MB/s of float32 input\n", kRows,
               kCols);
    fmt::print("    {:<10}{:>12}{:>12}{:>10}   target\n", "format", quant::IsaName(quant::CpuIsa()),
               "scalar", "ratio");
    for (Format f : kFormats) {
      auto it = g_speed.find(f);
      if (it == g_speed.end()) continue;
      const Speed& s = it->second;
      std::string target;
      if (f == Format::kQ8_0 || f == Format::kFP8_E4M3) {
        target = fmt::format(">= 1000  {}", Verdict(s.best >= kTargetFast));
      } else if (f == Format::kQ4_K) {
        target = fmt::format(">= 200  {}", Verdict(s.best >= kTargetQ4K));
      }
      fmt::print("    {:<10}{:>12.0f}{:>12.0f}{:>9.2f}x   {}\n", quant::FormatName(f), s.best / 1e6,
                 s.scalar / 1e6, s.best / s.scalar, target);
    }
  }
  if (g_numpy) {
    const NumpyFigures& n = *g_numpy;
    fmt::print("(b) the same tensor in numpy (bench/quant_numpy.py)\n");
    if (!n.skipped.empty()) {
      fmt::print("    {}\n", n.skipped);
    } else {
      fmt::print("    {}\n    {:<10}{:>12}{:>12}{:>16}   bytes equal\n", n.version, "format",
                 "aiinfra", "numpy", "aiinfra/numpy");
      for (const auto& [name, mbs] : n.mb_per_s) {
        auto f = quant::ParseFormat(name);
        // Measured here when BM_Quantize was filtered out.
        const double ours = !f                  ? 0
                            : g_speed.count(*f) ? g_speed[*f].best / 1e6
                                                : BestOf(*f, 3) / 1e6;
        const auto eq = n.equal.count(name) ? n.equal.at(name) : std::nullopt;
        fmt::print("    {:<10}{:>12.0f}{:>12.1f}{:>15.1f}x   {}\n", name, ours, mbs,
                   mbs > 0 && ours > 0 ? ours / mbs : 0,
                   eq ? (*eq ? "yes" : "NO") : "(timed only)");
      }
    }
  }
  if (g_rss) {
    const RssFigures& r = *g_rss;
    fmt::print(
        "(c) converting a {:.2f} GiB bf16 safetensors model to q4_k GGUF in a child process\n",
        static_cast<double>(r.file_bytes) / (1 << 30));
    if (!r.error.empty()) {
      fmt::print("    failed: {}\n", r.error);
    } else {
      fmt::print(
          "    peak RSS {:.1f} MiB ({:.1f}% of the input file)   target < 256 MiB  {}\n"
          "    generated in {:.1f} s; converted in {:.1f} s ({:.0f} MB/s of input) to {:.2f} GiB\n",
          r.peak_rss / (1 << 20), 100 * r.peak_rss / static_cast<double>(r.file_bytes),
          Verdict(r.peak_rss < kTargetRss), r.generate_s, r.convert_s,
          static_cast<double>(r.file_bytes) / r.convert_s / 1e6,
          static_cast<double>(r.out_bytes) / (1 << 30));
    }
  }
}

}  // namespace
}  // namespace aiinfra::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  aiinfra::bench::PrintSummary();
  return 0;
}
