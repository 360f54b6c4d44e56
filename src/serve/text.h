// What `aiinfra serve` says and how it counts (issue 6, item 3): a documented approximate
// tokenizer, and deterministic text to stream.
//
// Tokenizer. A simulated model has no vocabulary, so prompts are counted by a rule close to
// what BPE tokenizers give English text (OpenAI's rule of thumb: about 4 characters, or 3/4 of
// a word, a token):
//   - a run of ASCII letters is ceil(length / 6) tokens: common words are one token, long
//     ones split ("internationalization" is 4);
//   - a run of digits is ceil(length / 3) tokens, as cl100k-style vocabularies split numbers;
//   - each other visible ASCII character (punctuation, symbols) is 1 token;
//   - each non-ASCII character (a UTF-8 sequence) is 1 token, as CJK text roughly is;
//   - whitespace is free (BPE vocabularies fold a leading space into the next word).
// So "Hello, world!" counts 4 (Hello , world !). It is an estimate: clients that need exact
// counts read the usage the server reports, which uses the same rule for input and counts
// output tokens exactly (one per generated piece).
//
// Text. TextSource yields one piece per generated token: words from a fixed list of common
// English words of at most 6 letters (one token each by the rule), with a space before each but the
// first, sentences of 8 to 20 words starting with a capital and ending with a period, drawn from a
// seeded generator, so the same seed gives the same text. Echo mode repeats the prompt's own pieces
// (words and symbols as the tokenizer splits them) in order, cycling when the answer is longer than
// the prompt.
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

namespace aiinfra::serve {

// The approximate token count of `text` (see above).
int64_t ApproxTokenCount(std::string_view text);
// The pieces the rule counts, in order, each with the whitespace before it ("Hello", ",",
// " world", "!"); a long run of letters or digits is one piece here.
std::vector<std::string> ApproxTokens(std::string_view text);

// Prefix-cache block hashes of a prompt, as the engine's KvCache matches them: the text's
// tokens by the rule above (a piece of k tokens is k tokens hashed with their index in it),
// hashed as a chain so that the hash of block b covers every token up to its end; one hash per
// full block of `block_size` tokens. Two prompts that share their first n blocks of text share
// their first n hashes.
std::vector<uint64_t> BlockHashes(std::string_view text, int block_size);

class TextSource {
 public:
  // Generated text seeded by `seed`.
  explicit TextSource(uint64_t seed);
  // Echo mode: the prompt's pieces again (a prompt with none echoes generated text).
  static TextSource Echo(std::string_view prompt, uint64_t seed);

  // The next token's text.
  std::string Next();

 private:
  std::mt19937_64 rng_;
  std::vector<std::string> echo_;
  size_t echo_next_ = 0;
  int sentence_left_ = 0;  // words until the period
  bool first_ = true;
};

}  // namespace aiinfra::serve
