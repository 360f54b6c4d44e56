// RequestSpec: one request as the workload hands it to the simulator, the load generator or a
// trace writer. A plain value; all times in seconds, all lengths in tokens.
#pragma once

#include <cstdint>
#include <vector>

namespace aiinfra::workload {

// The most tokens any one count of a workload may name or draw: a length distribution's values
// and bounds, a system prompt, a session's max_context, a trace row's input or output tokens.
// The longest model contexts are about 1e7 tokens (2025), so 1e9 leaves a hundredfold margin for
// any real workload, while it keeps what the workload builds from counts small: sums of a few
// counts stay exact in double and int64, and a prompt's prefix hashes (8 bytes per block:
// 500 MB at 1e9 tokens in 16-token blocks) can be allocated, where the former cap of 4e18
// tokens asked for exabytes. Parsers reject larger counts, naming the field; draws are clamped.
inline constexpr int64_t kMaxTokens = 1'000'000'000;

struct RequestSpec {
  // Unique within a run, in the order the workload yields requests (0, 1, 2, ...).
  uint64_t id = 0;
  // Seconds from the start of the run.
  double arrival = 0;
  // Index of the request's class (tenant) in the WorkloadSpec's classes.
  int class_index = 0;
  // Prompt tokens (system prompt + conversation so far + new user tokens) and tokens to
  // generate; both >= 1. The generator keeps a session's later turns within kMaxTokens in all;
  // a first turn is at most a system prompt and a user count of kMaxTokens each (sessions.h).
  int64_t input_tokens = 1;
  int64_t output_tokens = 1;
  // The conversation this request belongs to and its 0-based turn in it. A single-turn request
  // is a session of its own (turn 0).
  uint64_t session_id = 0;
  int turn = 0;
  // Prefix-cache identity of the prompt: one hash per full block of `hash_block_tokens` tokens,
  // chained (a block's hash identifies the whole prefix up to its end), so two prompts share a
  // cacheable prefix exactly as far as their leading hashes agree. Empty when unknown (CSV
  // traces carry no prefix information).
  std::vector<uint64_t> prefix_hashes;
  int hash_block_tokens = 0;

  bool operator==(const RequestSpec&) const = default;
};

}  // namespace aiinfra::workload
