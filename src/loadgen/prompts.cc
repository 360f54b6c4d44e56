#include "loadgen/prompts.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/units.h"
#include "common/yaml.h"
#include "loadgen/exchange.h"
#include "workload/request.h"
#include "workload/sampling.h"

namespace aiinfra::loadgen {
namespace {

// Streams of the per-request engines, so lengths, groups and texts are independent draws.
constexpr uint64_t kLengthStream = 0x6c656e67746873ULL;  // "lengths"
constexpr uint64_t kTextStream = 0x74657874ULL;          // "text"
constexpr uint64_t kPrefixStream = 0x707265666978ULL;    // "prefix"

workload::Rng RequestRng(uint64_t seed, uint64_t stream, uint64_t n) {
  return workload::Rng(workload::DeriveSeed(workload::DeriveSeed(seed, stream), n));
}

}  // namespace

PromptSpec::PromptSpec()
    : input(workload::Distribution::Fixed(256).value()),
      output(workload::Distribution::Fixed(128).value()) {}

Result<PromptMaker> PromptMaker::Create(const PromptSpec& spec, uint64_t seed) {
  if (spec.prefix_tokens < 0 || spec.prefix_tokens > workload::kMaxTokens) {
    return Fail(ErrorCode::kUsage, fmt::format("--prefix-tokens must be in 0..{}, got {}",
                                               workload::kMaxTokens, spec.prefix_tokens));
  }
  if (spec.prefix_groups < 1) {
    return Fail(ErrorCode::kUsage,
                fmt::format("--prefix-groups must be >= 1, got {}", spec.prefix_groups));
  }
  PromptMaker m;
  m.spec_ = spec;
  m.seed_ = seed;
  if (spec.prefix_tokens > 0) {
    for (int g = 0; g < spec.prefix_groups; ++g) {
      m.prefixes_.push_back(SyntheticPrompt(
          spec.prefix_tokens, workload::DeriveSeed(workload::DeriveSeed(seed, kPrefixStream),
                                                   static_cast<uint64_t>(g))));
    }
  }
  return m;
}

PromptDraw PromptMaker::Draw(uint64_t n) const {
  workload::Rng rng = RequestRng(seed_, kLengthStream, n);
  PromptDraw d;
  d.input = spec_.input.SampleCount(rng);
  d.output = spec_.output.SampleCount(rng);
  if (!prefixes_.empty()) {
    d.prefix_group = static_cast<int>(rng() % static_cast<uint64_t>(prefixes_.size()));
  }
  return d;
}

std::string PromptMaker::TurnText(uint64_t n, int64_t words) const {
  return SyntheticPrompt(words, workload::DeriveSeed(workload::DeriveSeed(seed_, kTextStream), n));
}

std::string PromptMaker::Text(uint64_t n, const PromptDraw& draw) const {
  std::string own = TurnText(n, draw.input);
  if (draw.prefix_group < 0) return own;
  return Prefix(draw.prefix_group) + " " + own;
}

Result<std::string> FromBlocks(const std::vector<uint64_t>& hashes, int block_tokens, int64_t input,
                               uint64_t seed) {
  if (block_tokens < 1) {
    return Fail(ErrorCode::kUsage, fmt::format("block size must be >= 1, got {}", block_tokens));
  }
  std::string text;
  int64_t left = input;
  // A last, partial block is the first words of the full block's text (same engine, fewer
  // draws), so it matches the leading words of any longer prompt with the same id.
  for (size_t i = 0; i < hashes.size() && left > 0; ++i) {
    const int64_t words = std::min<int64_t>(left, block_tokens);
    if (!text.empty()) text += ' ';
    text += SyntheticPrompt(words, workload::Mix64(hashes[i]));
    left -= words;
  }
  if (left > 0) {
    if (!text.empty()) text += ' ';
    text += SyntheticPrompt(left, seed);
  }
  return text;
}

Result<std::pair<double, double>> ParseRange(std::string_view flag, std::string_view text) {
  const size_t colon = text.find(':');
  if (colon != std::string_view::npos) {
    auto lo = ParseNumber(text.substr(0, colon));
    auto hi = ParseNumber(text.substr(colon + 1));
    if (lo && hi && *lo >= 1 && *hi >= *lo && *hi <= static_cast<double>(workload::kMaxTokens)) {
      return std::pair{*lo, *hi};
    }
  }
  return Fail(ErrorCode::kUsage,
              fmt::format("--{}: expected LO:HI token counts with 1 <= LO <= HI <= 1e9 (e.g. "
                          "128:2048), got '{}'",
                          flag, text));
}

Result<workload::Distribution> LengthDistribution(std::string_view option, std::string_view value,
                                                  std::string_view kind, std::optional<double> cv,
                                                  std::optional<std::pair<double, double>> range) {
  const std::string tokens = fmt::format("--{}-tokens", option);
  const std::string dist = fmt::format("--{}-dist", option);
  const auto usage = [](Error e) {
    e.code = ErrorCode::kUsage;
    return Fail(std::move(e));
  };
  auto mean = ParseNumber(value);
  if (!mean) {
    // A whole distribution in YAML.
    if (kind != "fixed" && !kind.empty()) {
      return Fail(ErrorCode::kUsage, fmt::format("{} gives a whole distribution; drop {} (or "
                                                 "give {} a number)",
                                                 tokens, dist, tokens));
    }
    auto node = ParseYaml(value, tokens);
    if (!node) return usage(node.error());
    auto d = workload::ParseCountDistribution(*node, "");
    if (!d) return usage(d.error());
    return *d;
  }
  if (!(*mean >= 1) || *mean > static_cast<double>(workload::kMaxTokens)) {
    return Fail(ErrorCode::kUsage, fmt::format("{} must be a number of tokens in 1..1e9 or a "
                                               "distribution, got '{}'",
                                               tokens, value));
  }
  const auto need_cv = [&]() -> Result<double> {
    if (!cv || !(*cv > 0) || !std::isfinite(*cv)) {
      return Fail(ErrorCode::kUsage,
                  fmt::format("{} {} needs --{}-cv > 0 (the spread: standard deviation / mean)",
                              dist, kind, option));
    }
    return *cv;
  };
  Result<workload::Distribution> d = workload::Distribution::Fixed(*mean);
  if (kind == "uniform") {
    if (!range) {
      return Fail(ErrorCode::kUsage,
                  fmt::format("{} uniform needs --{}-range LO:HI (its bounds)", dist, option));
    }
    d = workload::Distribution::Uniform(range->first, range->second);
  } else if (kind == "normal") {
    AIINFRA_TRY(double c, need_cv());
    d = workload::Distribution::Normal(*mean, c * *mean);
  } else if (kind == "lognormal") {
    AIINFRA_TRY(double c, need_cv());
    d = workload::Distribution::LognormalFromMean(*mean, std::sqrt(std::log1p(c * c)));
  } else if (kind == "exponential") {
    d = workload::Distribution::Exponential(*mean);
  } else if (kind != "fixed" && !kind.empty()) {
    return Fail(ErrorCode::kUsage,
                fmt::format("{}: unknown kind '{}'; use fixed, uniform, normal, lognormal or "
                            "exponential, or give {} a YAML distribution",
                            dist, kind, tokens));
  }
  if (!d) return usage(d.error());
  if (range && kind != "uniform") {
    if (Status s = d->SetClamp(range->first, range->second); !s) return usage(s.error());
  }
  return *d;
}

}  // namespace aiinfra::loadgen
