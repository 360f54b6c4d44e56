#include "serve/text.h"

#include <algorithm>
#include <array>

#include "common/text.h"
#include "workload/sampling.h"

namespace aiinfra::serve {
namespace {

bool IsLetter(unsigned char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(unsigned char c) { return c >= '0' && c <= '9'; }
bool IsSpace(unsigned char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Length of the UTF-8 sequence starting with `lead` (1 for a stray continuation byte).
size_t Utf8Length(unsigned char lead) {
  if (lead >= 0xF0) return 4;
  if (lead >= 0xE0) return 3;
  if (lead >= 0xC0) return 2;
  return 1;
}

// Calls f(piece_start, piece_end, tokens) for each counted piece of `text`, the piece
// including the whitespace before it.
template <typename F>
void Split(std::string_view text, F&& f) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    while (i < text.size() && IsSpace(static_cast<unsigned char>(text[i]))) ++i;
    if (i == text.size()) break;  // trailing whitespace: free
    const auto c = static_cast<unsigned char>(text[i]);
    if (IsLetter(c) || IsDigit(c)) {
      // Letters in runs of up to 6 a token, digits up to 3 (as cl100k-style vocabularies
      // split numbers).
      const bool letters = IsLetter(c);
      size_t end = i;
      while (end < text.size() && (letters ? IsLetter(static_cast<unsigned char>(text[end]))
                                           : IsDigit(static_cast<unsigned char>(text[end])))) {
        ++end;
      }
      const size_t per = letters ? 6 : 3;
      f(start, end, static_cast<int64_t>((end - i + per - 1) / per));
      i = end;
    } else {
      const size_t end = std::min(text.size(), i + (c < 0x80 ? 1 : Utf8Length(c)));
      f(start, end, 1);
      i = end;
    }
  }
}

// Common words of at most 6 letters: one token each by the rule.
constexpr std::array<std::string_view, 48> kWords = {
    "the",   "model",  "serves", "tokens", "of",     "a",     "call",  "and",   "each",   "step",
    "batch", "cache",  "is",     "in",     "memory", "with",  "time",  "to",    "first",  "token",
    "per",   "output", "for",    "users",  "on",     "GPUs",  "that",  "input", "decode", "delay",
    "while", "load",   "grows",  "as",     "more",   "queue", "waits", "node",  "scales", "out",
    "under", "flow",   "when",   "blocks", "are",    "free",  "again", "fast"};

}  // namespace

int64_t ApproxTokenCount(std::string_view text) {
  int64_t n = 0;
  Split(text, [&](size_t, size_t, int64_t tokens) { n += tokens; });
  return n;
}

std::vector<std::string> ApproxTokens(std::string_view text) {
  std::vector<std::string> out;
  Split(text, [&](size_t start, size_t end, int64_t) {
    out.emplace_back(text.substr(start, end - start));
  });
  return out;
}

TextSource::TextSource(uint64_t seed) : rng_(seed) {}

TextSource TextSource::Echo(std::string_view prompt, uint64_t seed) {
  TextSource s(seed);
  s.echo_ = ApproxTokens(prompt);
  return s;
}

std::string TextSource::Next() {
  if (!echo_.empty()) {
    std::string piece = echo_[echo_next_];
    echo_next_ = (echo_next_ + 1) % echo_.size();
    return piece;
  }
  const bool sentence_start = sentence_left_ == 0;
  if (sentence_start) sentence_left_ = 8 + static_cast<int>(rng_() % 13);
  std::string piece = first_ ? "" : " ";
  first_ = false;
  const size_t at = piece.size();
  piece += kWords[rng_() % kWords.size()];
  if (sentence_start && piece[at] >= 'a' && piece[at] <= 'z')
    piece[at] = static_cast<char>(piece[at] - 'a' + 'A');
  if (--sentence_left_ == 0) piece += '.';
  return piece;
}

std::vector<uint64_t> BlockHashes(std::string_view text, int block_size) {
  std::vector<uint64_t> out;
  if (block_size <= 0) return out;
  uint64_t chain = 0;
  int in_block = 0;
  Split(text, [&](size_t start, size_t end, int64_t tokens) {
    const uint64_t piece = Fnv1a64(text.substr(start, end - start));
    for (int64_t j = 0; j < tokens; ++j) {
      chain = workload::DeriveSeed(chain, piece + static_cast<uint64_t>(j));
      if (++in_block == block_size) {
        out.push_back(chain);
        in_block = 0;
      }
    }
  });
  return out;
}

}  // namespace aiinfra::serve
