#include "serve/text.h"

#include <gtest/gtest.h>

namespace aiinfra::serve {
namespace {

TEST(TextTest, CountsByTheDocumentedRule) {
  EXPECT_EQ(ApproxTokenCount(""), 0);
  EXPECT_EQ(ApproxTokenCount("   \n"), 0);
  EXPECT_EQ(ApproxTokenCount("Hello, world!"), 4);  // Hello , world !
  EXPECT_EQ(ApproxTokenCount("a"), 1);
  EXPECT_EQ(ApproxTokenCount("abcdef"), 1);
  EXPECT_EQ(ApproxTokenCount("abcdefg"), 2);                   // ceil(7 / 6)
  EXPECT_EQ(ApproxTokenCount("internationalization"), 4);      // 20 letters
  EXPECT_EQ(ApproxTokenCount("1234567"), 3);                   // 123 456 7
  EXPECT_EQ(ApproxTokenCount("GPT-4o costs $2.50"), 9);        // GPT - 4 o costs $ 2 . 50
  EXPECT_EQ(ApproxTokenCount("\xe4\xbd\xa0\xe5\xa5\xbd"), 2);  // two CJK characters
  EXPECT_EQ(ApproxTokenCount("caf\xc3\xa9"), 2);               // caf + the é
  EXPECT_EQ(ApproxTokenCount("\xe4\xbd"), 1);                  // a cut sequence: one piece
  // About 4 characters a token on ordinary English.
  const std::string english =
      "The quick brown fox jumps over the lazy dog while the scheduler batches requests.";
  EXPECT_NEAR(static_cast<double>(english.size()) / ApproxTokenCount(english), 4, 1.0);
}

TEST(TextTest, PiecesCarryTheirLeadingWhitespaceAndJoinBack) {
  const std::string text = "Hello, world!  How are\tyou?";
  const std::vector<std::string> pieces = ApproxTokens(text);
  EXPECT_EQ(pieces,
            (std::vector<std::string>{"Hello", ",", " world", "!", "  How", " are", "\tyou", "?"}));
  std::string joined;
  for (const std::string& p : pieces) joined += p;
  EXPECT_EQ(joined, text);
}

TEST(TextTest, GeneratedTextIsSeededSentences) {
  TextSource a(7), b(7), c(8);
  std::string ta, tb, tc;
  for (int i = 0; i < 200; ++i) {
    ta += a.Next();
    tb += b.Next();
    tc += c.Next();
  }
  EXPECT_EQ(ta, tb);
  EXPECT_NE(ta, tc);
  EXPECT_NE(ta.front(), ' ');
  EXPECT_TRUE(ta.front() >= 'A' && ta.front() <= 'Z') << ta;
  EXPECT_NE(ta.find(". "), std::string::npos);
  // One piece per token: the rule counts each generated word as one token, and a period as
  // one more.
  TextSource d(3);
  int64_t counted = 0, periods = 0;
  for (int i = 0; i < 100; ++i) {
    const std::string piece = d.Next();
    counted += ApproxTokenCount(piece);
    periods += piece.back() == '.';
  }
  EXPECT_GT(periods, 4);
  EXPECT_EQ(counted, 100 + periods);
}

TEST(TextTest, EchoRepeatsThePromptsPiecesInACycle) {
  TextSource e = TextSource::Echo("Say hi!", 1);
  std::string out;
  for (int i = 0; i < 5; ++i) out += e.Next();
  EXPECT_EQ(out, "Say hi!Say hi");
  TextSource empty = TextSource::Echo("  ", 1);
  EXPECT_FALSE(empty.Next().empty());  // nothing to echo: generated text
}

TEST(TextTest, BlockHashesAreSharedByASharedPrefix) {
  const std::string shared =
      "You are a careful assistant. Answer in one short paragraph and cite the source. ";
  const std::string a = shared + "What is the time to first token of a batch?";
  const std::string b = shared + "Why does the queue grow when the cache is full?";
  // 14 words, 3 of them (careful, assistant, paragraph) 2 tokens, and 2 periods.
  ASSERT_EQ(ApproxTokenCount(shared), 19);
  const auto ha = BlockHashes(a, 4), hb = BlockHashes(b, 4);
  EXPECT_EQ(ha.size(), static_cast<size_t>(ApproxTokenCount(a) / 4));
  ASSERT_GE(hb.size(), 5u);
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(ha[i], hb[i]) << i;  // 16 shared tokens
  EXPECT_NE(ha[4], hb[4]);  // block 5: tokens 17-19 shared, token 20 the first that differs
  EXPECT_TRUE(BlockHashes("short", 16).empty());
  EXPECT_EQ(BlockHashes(a, 4), ha);  // deterministic
}

}  // namespace
}  // namespace aiinfra::serve
