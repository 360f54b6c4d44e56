#include "sim/hpa.h"

#include <gtest/gtest.h>

namespace aiinfra::sim {
namespace {

HpaConfig Bounds(int min, int max) {
  HpaConfig c;
  c.min_replicas = min;
  c.max_replicas = max;
  return c;
}

// A synthetic metric series through the default behaviour, each step worked out by hand from
// the controller's rules (see hpa.h).
TEST(HpaTest, DefaultBehaviourStepByStep) {
  Hpa hpa(Bounds(1, 10));
  // t=0: ratio 5 on 1 ready -> 5; rate limit max(100% of 1 -> 2, +4 -> 5) = 5.
  HpaDecision d = hpa.Decide(0, 1, 1, 0, {{5, 1}});
  EXPECT_EQ(d.recommended, 5);
  EXPECT_EQ(d.stabilized, 5);
  EXPECT_EQ(d.desired, 5);
  // t=15: 4 replicas still starting count as 0: 5 x 1 / (1 x 5) = 1.0, within tolerance.
  d = hpa.Decide(15, 5, 1, 4, {{5, 1}});
  EXPECT_EQ(d.recommended, 5);
  EXPECT_EQ(d.desired, 5);
  // t=30: ratio 3 on 5 ready -> 15; the +4 of t=0 left the 15 s period (0 > 15 is false), so
  // the period starts at 5: max(10, 9) = 10, and max_replicas is 10.
  d = hpa.Decide(30, 5, 5, 0, {{3, 1}});
  EXPECT_EQ(d.recommended, 15);
  EXPECT_EQ(d.stabilized, 15);
  EXPECT_EQ(d.desired, 10);
  // t=45: ratio 0.5 on 10 -> 5, but the 300 s scale-down window remembers 15: stays at 10.
  d = hpa.Decide(45, 10, 10, 0, {{0.5, 1}});
  EXPECT_EQ(d.recommended, 5);
  EXPECT_EQ(d.stabilized, 10);
  EXPECT_EQ(d.desired, 10);
  // t=340: the window (after t=40) holds only t=45's 5: down to 5; 100% per 15 s allows it.
  d = hpa.Decide(340, 10, 10, 0, {{0.5, 1}});
  EXPECT_EQ(d.stabilized, 5);
  EXPECT_EQ(d.desired, 5);
}

TEST(HpaTest, ToleranceIsTenPercentEitherWay) {
  Hpa hpa(Bounds(1, 100));
  EXPECT_EQ(hpa.Decide(0, 10, 10, 0, {{1.09, 1}}).desired, 10);
  EXPECT_EQ(hpa.Decide(15, 10, 10, 0, {{1.11, 1}}).desired, 12);  // ceil(11.1)
  Hpa down(Bounds(1, 100));
  EXPECT_EQ(down.Decide(0, 10, 10, 0, {{0.91, 1}}).recommended, 10);
  EXPECT_EQ(down.Decide(15, 10, 10, 0, {{0.89, 1}}).recommended, 9);  // ceil(8.9)
}

TEST(HpaTest, TheLargestMetricWins) {
  Hpa hpa(Bounds(1, 100));
  HpaDecision d = hpa.Decide(0, 4, 4, 0, {{2, 1}, {30, 10}, {0.5, 1}});
  EXPECT_EQ(d.recommended, 12);  // ceil(3 x 4)
}

TEST(HpaTest, StartingReplicasHoldBackAScaleUpUnlessStillShort) {
  Hpa hpa(Bounds(1, 100));
  // 4 ready at 3x the target, 4 starting: 3 x 4 / 8 = 1.5 -> ceil(1.5 x 8) = 12.
  EXPECT_EQ(hpa.Decide(0, 8, 4, 4, {{3, 1}}).recommended, 12);
  // 4 ready at 1.5x, 4 starting: 0.75 says scale down: nothing changes.
  EXPECT_EQ(hpa.Decide(15, 8, 4, 4, {{1.5, 1}}).recommended, 8);
}

TEST(HpaTest, RatePoliciesCountFromThePeriodStart) {
  HpaConfig c = Bounds(1, 100);
  c.scale_up = {0, HpaRules::Select::kMax, {{HpaPolicy::Type::kPods, 2, 60}}};
  Hpa hpa(c);
  EXPECT_EQ(hpa.Decide(0, 2, 2, 0, {{10, 1}}).desired, 4);   // +2
  EXPECT_EQ(hpa.Decide(15, 4, 4, 0, {{10, 1}}).desired, 4);  // 2 added within 60 s: none
  EXPECT_EQ(hpa.Decide(61, 4, 4, 0, {{10, 1}}).desired, 6);  // the period moved on
  HpaConfig m = Bounds(1, 100);
  m.scale_up = {0,
                HpaRules::Select::kMin,
                {{HpaPolicy::Type::kPods, 5, 15}, {HpaPolicy::Type::kPercent, 50, 15}}};
  Hpa min_change(m);
  EXPECT_EQ(min_change.Decide(0, 4, 4, 0, {{10, 1}}).desired, 6);  // min(4 + 5, ceil(4 x 1.5))
  HpaConfig off = Bounds(1, 100);
  off.scale_down.select = HpaRules::Select::kDisabled;
  off.scale_down.stabilization_window = 0;
  Hpa disabled(off);
  EXPECT_EQ(disabled.Decide(0, 8, 8, 0, {{0.1, 1}}).desired, 8);
}

TEST(HpaTest, ScaleDownPercentTruncatesAndRespectsMin) {
  HpaConfig c = Bounds(2, 100);
  c.scale_down = {0, HpaRules::Select::kMax, {{HpaPolicy::Type::kPercent, 30, 60}}};
  Hpa hpa(c);
  // 10 -> wants 1; 30% of 10 removable: int(10 x 0.7) = 7.
  EXPECT_EQ(hpa.Decide(0, 10, 10, 0, {{0.1, 1}}).desired, 7);
  // Within the period the start is still 10: 7 stays.
  EXPECT_EQ(hpa.Decide(15, 7, 7, 0, {{0.1, 1}}).desired, 7);
  // Later: int(7 x 0.7) = 4; then int(4 x 0.7) = 2 = min; never below min.
  EXPECT_EQ(hpa.Decide(61, 7, 7, 0, {{0.1, 1}}).desired, 4);
  EXPECT_EQ(hpa.Decide(122, 4, 4, 0, {{0.01, 1}}).desired, 2);
  EXPECT_EQ(hpa.Decide(183, 2, 2, 0, {{0.01, 1}}).desired, 2);
}

TEST(HpaTest, OutOfBoundsCountsAreBroughtInside) {
  Hpa hpa(Bounds(2, 5));
  EXPECT_EQ(hpa.Decide(0, 9, 9, 0, {{1, 1}}).desired, 5);
  EXPECT_EQ(hpa.Decide(15, 1, 1, 0, {{1, 1}}).desired, 2);
}

TEST(HpaTest, ExternalTotalsAgainstAnAverageValueTarget) {
  Hpa hpa(Bounds(1, 100));
  const HpaMetricType total = HpaMetricType::kTotal;
  // 100 in total over a target of 10 a replica: ceil(100 / 10), whatever is ready.
  EXPECT_EQ(hpa.Decide(0, 4, 1, 3, {{100, 10, total}}).recommended, 10);
  // The tolerance compares total / (target x current): 42 / 40 is within 10%.
  EXPECT_EQ(hpa.Decide(15, 4, 4, 0, {{42, 10, total}}).recommended, 4);
  EXPECT_EQ(hpa.Decide(30, 4, 4, 0, {{15, 10, total}}).recommended, 2);
}

TEST(HpaTest, ValueTargetsScaleTheReadyCountWithoutTheStartingRule) {
  Hpa hpa(Bounds(1, 100));
  const HpaMetricType value = HpaMetricType::kValue;
  // p90 TTFT 2 s against 1 s, 3 of 4 ready: ceil(2 x 3).
  EXPECT_EQ(hpa.Decide(0, 4, 3, 1, {{2, 1, value}}).recommended, 6);
  // 1.2 against 1 with 2 of 4 ready: ceil(1.2 x 2) = 3, below the current 4. A Pods metric
  // counts the starting replicas as using nothing (1.2 x 2 / 4 = 0.6 says scale down) and then
  // keeps the current count.
  EXPECT_EQ(hpa.Decide(15, 4, 2, 2, {{1.2, 1, value}}).recommended, 3);
  EXPECT_EQ(hpa.Decide(30, 4, 2, 2, {{1.2, 1}}).recommended, 4);
  EXPECT_EQ(hpa.Decide(45, 4, 4, 0, {{1.05, 1, value}}).recommended, 4);  // tolerance
}

}  // namespace
}  // namespace aiinfra::sim
