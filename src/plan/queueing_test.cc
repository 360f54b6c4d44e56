#include "plan/queueing.h"

#include <gtest/gtest.h>

#include <cmath>

namespace aiinfra::plan {
namespace {

TEST(QueueingTest, ErlangCMatchesClosedForms) {
  // M/M/1: the wait probability is the utilisation.
  EXPECT_NEAR(ErlangC(1, 0.7), 0.7, 1e-12);
  // M/M/2 with a = 1: C = a^2/(2!(1-a/2)) / (1 + a + a^2/(2!(1-a/2))) = 1/3.
  EXPECT_NEAR(ErlangC(2, 1.0), 1.0 / 3, 1e-12);
  EXPECT_EQ(ErlangC(4, 5), 1);
  EXPECT_EQ(ErlangC(4, 0), 0);
  // Large pools at moderate load almost never queue.
  EXPECT_LT(ErlangC(1000, 800), 1e-6);
}

TEST(QueueingTest, WaitQuantileOfMM1) {
  // M/M/1, rho = 0.8, service 1 s: P(W > t) = 0.8 e^{-0.2 t}; p90: t = ln(8)/0.2.
  EXPECT_NEAR(WaitQuantile(1, 1.0, 0.8, 0.9), std::log(8.0) / 0.2, 1e-9);
  // Below the quantile: no wait.
  EXPECT_EQ(WaitQuantile(1, 1.0, 0.05, 0.9), 0);
  EXPECT_TRUE(std::isinf(WaitQuantile(2, 1.0, 3, 0.9)));
  // More servers, same load per server: shorter waits.
  EXPECT_LT(WaitQuantile(16, 1.0, 12.8, 0.99), WaitQuantile(1, 1.0, 0.8, 0.99));
}

}  // namespace
}  // namespace aiinfra::plan
