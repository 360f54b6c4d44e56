// Multi-turn sessions and the prefix block hashes that make their shared prefixes visible to a
// prefix cache.
//
// The model of a prompt: a class's requests all start with the same system prompt
// (`system_tokens`, possibly 0); a session then appends, turn after turn, the user's new tokens
// and the model's answer. Turn k's prompt is therefore
//   system prompt + (user_0 + answer_0) + ... + (user_{k-1} + answer_{k-1}) + user_k,
// so its first tokens are exactly the previous turn's prompt and answer: the shared prefix grows.
//
// Hashes: the token stream of a session is cut into blocks of `block_tokens`; block i's hash
// chains the hash of block i-1 with a tag: the class's tag for blocks wholly inside the system
// prompt (so every session of the class shares them), the session's tag for the rest (a block
// straddling the end of the system prompt belongs to the session). A prompt of n tokens carries
// the hashes of its floor(n / block_tokens) full blocks, so the same session always yields the
// same leading hashes, and different sessions of a class share exactly the system blocks.
//
// Thread safety: PrefixHasher is immutable after construction; SessionState is a plain value.
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "common/result.h"
#include "common/yaml.h"
#include "workload/lengths.h"
#include "workload/request.h"
#include "workload/sampling.h"

namespace aiinfra::workload {

struct SessionSpec {
  Distribution turns;       // turns per session (a count >= 1)
  Distribution think_time;  // seconds between a turn and the next
  // New user tokens of turns after the first; unset: the class's input distribution.
  std::optional<Distribution> new_tokens;
  // A session ends early rather than send a later turn whose prompt + answer is longer than
  // this (0: kMaxTokens, which bounds every session: prompts cannot grow without end).
  int64_t max_context = 0;
};

// YAML: {turns: <count dist>, think_time: <duration dist>, new_tokens: <count dist>,
// max_context: N}. `turns` and `think_time` are required; max_context is 1..kMaxTokens.
Result<SessionSpec> ParseSessionSpec(const YamlNode& node, const std::string& base_dir);

// The hashes of one class's prompts. Caches the system prompt's block hashes.
class PrefixHasher {
 public:
  // `block_tokens` >= 1. `class_tag` should differ between classes and runs (derive it from the
  // run's seed and the class index).
  PrefixHasher(uint64_t class_tag, int64_t system_tokens, int block_tokens);

  // The hashes of a prompt of `prompt_tokens` tokens of the session tagged `session_tag`.
  std::vector<uint64_t> Hashes(uint64_t session_tag, int64_t prompt_tokens) const;

  int64_t system_tokens() const { return system_tokens_; }
  int block_tokens() const { return block_tokens_; }

 private:
  int64_t system_tokens_;
  int block_tokens_;
  std::vector<uint64_t> system_hashes_;
};

// One conversation in progress.
struct SessionState {
  uint64_t session_id = 0;
  uint64_t tag = 0;  // SessionTag(seed, session_id): its blocks' hash tag
  int class_index = 0;
  int turns = 1;            // planned turns
  int turn = 0;             // the next turn to send
  int64_t context = 0;      // tokens of system prompt + all turns so far (prompts and answers)
  double next_arrival = 0;  // when the next turn is due (open loop)

  bool Done() const { return turn >= turns; }
};

// Starts a session: context = the system prompt.
SessionState StartSession(uint64_t session_id, uint64_t tag, int class_index, int turns,
                          const PrefixHasher& hasher);

// The next turn of `session` with `user_tokens` new tokens and `output_tokens` to generate,
// arriving at `arrival`; advances the session (its context grows by both). `id` is the request
// id. If a later turn's prompt + answer would pass `max_context` (0: kMaxTokens), the session is
// ended instead and nullopt returned (the first turn is always sent).
std::optional<RequestSpec> NextTurn(SessionState& session, uint64_t id, double arrival,
                                    int64_t user_tokens, int64_t output_tokens,
                                    const PrefixHasher& hasher, int64_t max_context = 0);

// The tag of a session for PrefixHasher, distinct per (run seed, session id).
uint64_t SessionTag(uint64_t seed, uint64_t session_id);
// The tag of a class, distinct per (run seed, class index).
uint64_t ClassTag(uint64_t seed, int class_index);

}  // namespace aiinfra::workload
