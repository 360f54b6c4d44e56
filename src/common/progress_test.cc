#include "common/progress.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <string>

#include "gtest/gtest.h"

namespace aiinfra {
namespace {

// Everything written to `f` so far.
std::string Contents(std::FILE* f) {
  std::fflush(f);
  std::rewind(f);
  std::string out;
  char buffer[256];
  size_t n;
  while ((n = std::fread(buffer, 1, sizeof(buffer), f)) > 0) out.append(buffer, n);
  return out;
}

std::string Bar(int filled) { return std::string(filled, '#') + std::string(30 - filled, ' '); }

TEST(ProgressBarTest, RenderAtZeroHalfAndFull) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressBar bar("label", 10, f);
  EXPECT_EQ(bar.Render(0), "label [" + Bar(0) + "]   0% 0/10");
  EXPECT_EQ(bar.Render(5), "label [" + Bar(15) + "]  50% 5/10");
  EXPECT_EQ(bar.Render(10), "label [" + Bar(30) + "] 100% 10/10");
  std::fclose(f);
}

TEST(ProgressBarTest, RenderClampsAndFloors) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressBar bar("x", 10, f);
  EXPECT_EQ(bar.Render(-3), "x [" + Bar(0) + "]   0% 0/10");
  EXPECT_EQ(bar.Render(42), "x [" + Bar(30) + "] 100% 10/10");
  // 9.99 of 10 is not yet done: the bar must not claim 100%.
  EXPECT_EQ(bar.Render(9.99), "x [" + Bar(29) + "]  99% 10.0/10");
  EXPECT_EQ(bar.Render(1), "x [" + Bar(3) + "]  10% 1/10");
  std::fclose(f);
}

TEST(ProgressBarTest, RenderEdgeCases) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressBar empty_total("", 0, f);
  EXPECT_EQ(empty_total.Render(0), "[" + Bar(30) + "] 100% 0/0");
  ProgressBar bar("n", 4, f);
  EXPECT_EQ(bar.Render(std::nan("")), "n [" + Bar(0) + "]   0% 0/4");
  std::string rendered = bar.Render(2);
  EXPECT_EQ(rendered.find('\r'), std::string::npos);
  EXPECT_EQ(rendered.find('\n'), std::string::npos);
  std::fclose(f);
}

TEST(ProgressBarTest, RenderWithEtaAtTheRateSoFar) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  ProgressBar bar("sim", 600, f);
  // 60 of 600 in 2 s: 540 left at 30/s is 18 s.
  EXPECT_EQ(bar.Render(60, 2), bar.Render(60) + " ETA 18s");
  EXPECT_EQ(bar.Render(6, 2), bar.Render(6) + " ETA 3m18s");   // 198 s
  EXPECT_EQ(bar.Render(1, 10), bar.Render(1) + " ETA 1h39m");  // 5990 s
  EXPECT_EQ(bar.Render(0, 5), bar.Render(0));                  // no rate yet
  EXPECT_EQ(bar.Render(600, 5), bar.Render(600));              // done
  EXPECT_EQ(bar.Render(60, 0), bar.Render(60));
  std::fclose(f);
}

TEST(ProgressBarTest, DisabledBarWritesNothing) {
  std::FILE* f = std::tmpfile();  // a regular file, not a terminal
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("work", 100, f);
    EXPECT_FALSE(bar.enabled());
    for (int i = 0; i <= 100; ++i) bar.Update(i);
    bar.Add(5);
    bar.Finish();
  }  // the destructor must not write either
  EXPECT_EQ(Contents(f), "");
  std::fclose(f);
}

TEST(ProgressBarTest, ForcedBarWritesFinalLineOnceOnFinish) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  {
    ProgressBar bar("work", 10, f, /*force=*/true);
    EXPECT_TRUE(bar.enabled());
    for (int i = 0; i < 10; ++i) bar.Add(1);
    bar.Finish();
    bar.Finish();
    bar.Update(3);  // after Finish nothing more is drawn
  }
  std::string out = Contents(f);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  std::string final_line = "\r" + std::string("work [") + Bar(30) + "] 100% 10/10\n";
  ASSERT_GE(out.size(), final_line.size());
  EXPECT_EQ(out.substr(out.size() - final_line.size()), final_line);
  // The first Update draws at once; every draw starts with '\r'.
  EXPECT_EQ(out.front(), '\r');
  std::fclose(f);
}

TEST(ProgressBarTest, UpdatesAreRateLimited) {
  std::FILE* f = std::tmpfile();
  ASSERT_NE(f, nullptr);
  auto start = std::chrono::steady_clock::now();
  {
    ProgressBar bar("fast", 1000, f, /*force=*/true);
    for (int i = 1; i <= 1000; ++i) bar.Update(i);
  }  // the destructor finishes with the final state
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // One draw per started 0.1 s plus the final one, however slow the machine (sanitizers, say).
  long max_draws = 2 + static_cast<long>(elapsed / 0.1);
  std::string out = Contents(f);
  EXPECT_LE(std::count(out.begin(), out.end(), '\r'), max_draws) << out;
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1);
  EXPECT_NE(out.find("] 100% 1000/1000\n"), std::string::npos) << out;
}

}  // namespace
}  // namespace aiinfra
