#include "workload/sessions.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace aiinfra::workload {
namespace {

// Order matters (a chain, not a set), and neither input alone determines the result.
uint64_t Chain(uint64_t previous, uint64_t tag) { return Mix64(previous ^ Mix64(tag)); }

constexpr uint64_t kClassStream = 0x73797374656d0000ULL;    // "system"
constexpr uint64_t kSessionStream = 0x73657373696f6e00ULL;  // "session"

}  // namespace

Result<SessionSpec> ParseSessionSpec(const YamlNode& node, const std::string& base_dir) {
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  SessionSpec spec;
  AIINFRA_TRY(YamlNode turns, map.Required("turns"));
  AIINFRA_TRY(spec.turns, ParseCountDistribution(turns, base_dir));
  AIINFRA_TRY(YamlNode think, map.Required("think_time"));
  AIINFRA_TRY(spec.think_time, ParseDurationDistribution(think));
  if (auto tokens = map.Optional("new_tokens")) {
    AIINFRA_TRY(spec.new_tokens, ParseCountDistribution(*tokens, base_dir));
  }
  if (auto max = map.Optional("max_context")) {
    AIINFRA_TRY(double v, max->Number());
    if (v < 1 || v != std::floor(v)) {
      return Fail(max->Err("max_context must be a whole number of tokens >= 1"));
    }
    if (v > static_cast<double>(kMaxTokens)) {
      return Fail(max->Err(fmt::format(
          "max_context {} is above the limit of {} tokens (a hundred times the longest model "
          "context); write a number <= 1e9, or leave it out (then 1e9 applies)",
          v, kMaxTokens)));
    }
    spec.max_context = static_cast<int64_t>(v);
  }
  AIINFRA_CHECK_OK(map.Finish());
  return spec;
}

PrefixHasher::PrefixHasher(uint64_t class_tag, int64_t system_tokens, int block_tokens)
    : system_tokens_(std::max<int64_t>(system_tokens, 0)), block_tokens_(block_tokens) {
  const int64_t blocks = system_tokens_ / block_tokens_;
  system_hashes_.reserve(blocks);
  uint64_t h = 0;
  for (int64_t i = 0; i < blocks; ++i) system_hashes_.push_back(h = Chain(h, class_tag));
}

std::vector<uint64_t> PrefixHasher::Hashes(uint64_t session_tag, int64_t prompt_tokens) const {
  const int64_t blocks = std::max<int64_t>(prompt_tokens, 0) / block_tokens_;
  std::vector<uint64_t> hashes;
  hashes.reserve(blocks);
  const int64_t shared = std::min<int64_t>(blocks, system_hashes_.size());
  hashes.assign(system_hashes_.begin(), system_hashes_.begin() + shared);
  uint64_t h = shared > 0 ? hashes.back() : 0;
  for (int64_t i = shared; i < blocks; ++i) hashes.push_back(h = Chain(h, session_tag));
  return hashes;
}

SessionState StartSession(uint64_t session_id, uint64_t tag, int class_index, int turns,
                          const PrefixHasher& hasher) {
  SessionState s;
  s.session_id = session_id;
  s.tag = tag;
  s.class_index = class_index;
  s.turns = std::max(turns, 1);
  s.context = hasher.system_tokens();
  return s;
}

std::optional<RequestSpec> NextTurn(SessionState& session, uint64_t id, double arrival,
                                    int64_t user_tokens, int64_t output_tokens,
                                    const PrefixHasher& hasher, int64_t max_context) {
  const int64_t prompt = session.context + std::max<int64_t>(user_tokens, 1);
  // Without a limit of its own, a session of many turns would grow its prompt (and the prompt's
  // hashes) without bound.
  const int64_t limit = max_context > 0 ? max_context : kMaxTokens;
  if (session.turn > 0 && prompt + std::max<int64_t>(output_tokens, 1) > limit) {
    session.turn = session.turns;
    return std::nullopt;
  }
  RequestSpec r;
  r.id = id;
  r.arrival = arrival;
  r.class_index = session.class_index;
  r.input_tokens = prompt;
  r.output_tokens = std::max<int64_t>(output_tokens, 1);
  r.session_id = session.session_id;
  r.turn = session.turn;
  r.prefix_hashes = hasher.Hashes(session.tag, prompt);
  r.hash_block_tokens = hasher.block_tokens();
  session.context = prompt + r.output_tokens;
  ++session.turn;
  return r;
}

uint64_t SessionTag(uint64_t seed, uint64_t session_id) {
  return DeriveSeed(seed ^ kSessionStream, session_id);
}

uint64_t ClassTag(uint64_t seed, int class_index) {
  return DeriveSeed(seed ^ kClassStream, static_cast<uint64_t>(class_index));
}

}  // namespace aiinfra::workload
