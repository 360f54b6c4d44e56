// What a load test's requests say (issue 6, item 4): the lengths drawn from the workload
// library's distributions (workload/lengths.h), the synthetic text of each prompt, and shared
// prefixes that make a server's prefix cache hit, all fixed by the seed.
//
// Draws are per request: request n's lengths and text come from engines seeded by (seed, n), so
// they do not depend on the order in which answers come back (closed loop) or on other options.
//
// Shared prefixes, as vLLM's random dataset's --random-prefix-len: a prompt is the prefix of its
// group (prefix_tokens words, the same text for every request of the group) followed by its own
// input (the drawn input length), so its length is prefix_tokens + input. Groups are drawn
// uniformly per request. Every word is one token in the usual BPE vocabularies (SyntheticPrompt),
// so a prefix of N words is a shared prefix of about N tokens.
//
// Trace prompts (FromBlocks): a Mooncake trace names its prompts' 512-token blocks by hash ids,
// equal ids meaning equal content; the text of block i is seeded by its id, so prompts that
// share leading ids share their leading text, exactly as the trace's prefix cache saw them.
//
// Immutable after construction; Prompt* are const and thread-compatible.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/result.h"
#include "workload/lengths.h"

namespace aiinfra::loadgen {

struct PromptSpec {
  workload::Distribution input;   // tokens (words) of a request's own text; fixed 256 by default
  workload::Distribution output;  // tokens to generate (max_tokens); fixed 128 by default
  int64_t prefix_tokens = 0;      // shared prefix length; 0: none
  int prefix_groups = 1;          // distinct prefixes, >= 1
  PromptSpec();
};

// One request's draws.
struct PromptDraw {
  int64_t input = 0;      // own words, without the prefix
  int64_t output = 0;     // max_tokens
  int prefix_group = -1;  // -1 without prefixes
};

class PromptMaker {
 public:
  // kUsage for prefix_tokens < 0 or > kMaxTokens, or prefix_groups < 1.
  static Result<PromptMaker> Create(const PromptSpec& spec, uint64_t seed);

  // The lengths and prefix group of request n.
  PromptDraw Draw(uint64_t n) const;
  // Request n's text: its group's prefix (if any), then `draw.input` words of its own.
  std::string Text(uint64_t n, const PromptDraw& draw) const;
  // A later turn's user message: `words` words of its own (no prefix), seeded by (seed, n).
  std::string TurnText(uint64_t n, int64_t words) const;
  // The prefix text of group g (0 <= g < prefix_groups).
  const std::string& Prefix(int group) const { return prefixes_[static_cast<size_t>(group)]; }

  const PromptSpec& spec() const { return spec_; }

 private:
  PromptMaker() = default;
  PromptSpec spec_;
  uint64_t seed_ = 1;
  std::vector<std::string> prefixes_;
};

// A length distribution from the command line's options (`option` names them in errors, e.g.
// "input"): `value` is a number (the mean; for "fixed" the value) or a whole distribution in
// the scenario files' YAML form ("{kind: lognormal, median: 300, sigma: 1, max: 8192}",
// workload/lengths.h), which excludes `kind`. Kinds with a number: fixed (default), uniform
// (its bounds are `range`, required), normal (stddev = cv x mean), lognormal (mean and
// sigma = sqrt(ln(1 + cv^2)), so its coefficient of variation is cv), exponential (mean); `range`
// clamps the others. kUsage naming --<option>-tokens, --<option>-dist, --<option>-cv or
// --<option>-range and what to change.
Result<workload::Distribution> LengthDistribution(std::string_view option, std::string_view value,
                                                  std::string_view kind, std::optional<double> cv,
                                                  std::optional<std::pair<double, double>> range);

// "LO:HI" (e.g. "128:2048") as a range of token counts; kUsage naming `flag` otherwise.
Result<std::pair<double, double>> ParseRange(std::string_view flag, std::string_view text);

// A prompt of `input` words whose block i (of `block_tokens` words) is seeded by hashes[i]; words
// beyond the blocks (more input than hashes cover) are seeded by `seed`. kUsage for
// block_tokens < 1.
Result<std::string> FromBlocks(const std::vector<uint64_t>& hashes, int block_tokens, int64_t input,
                               uint64_t seed);

}  // namespace aiinfra::loadgen
