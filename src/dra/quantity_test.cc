#include "dra/quantity.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "dra/values.h"

namespace aiinfra::dra {
namespace {

Quantity Q(std::string_view text) {
  Result<Quantity> q = Quantity::Parse(text);
  EXPECT_TRUE(q.has_value()) << text;
  return q.value_or(Quantity());
}

// Canonical forms as k8s.io/apimachinery prints them.
TEST(QuantityTest, CanonicalStrings) {
  const std::pair<const char*, const char*> cases[] = {
      {"0", "0"},           {"1Gi", "1Gi"},
      {"1.5Gi", "1536Mi"},  {"1024Mi", "1Gi"},
      {"1000Mi", "1000Mi"}, {"0.5Gi", "512Mi"},
      {"1.5Ki", "1536"},    {"0.3Ki", "307200m"},
      {"1Ei", "1Ei"},       {"-1Ki", "-1Ki"},
      {"-1.5Ki", "-1536"},  {"500m", "500m"},
      {"0.5", "500m"},      {"1.5", "1500m"},
      {"1000", "1k"},       {"1024", "1024"},
      {"1k", "1k"},         {"100M", "100M"},
      {"1000M", "1G"},      {"0.001", "1m"},
      {"1n", "1n"},         {"1u", "1u"},
      {"1e3", "1e3"},       {"12e6", "12e6"},
      {"1.5e3", "1500"},    {"10e3", "10e3"},
      {"100", "100"},       {"-5", "-5"},
      {".5", "500m"},       {"5.0", "5"},
      {"01000", "1k"},      {"9223372036854775807", "9223372036854775807"},
  };
  for (const auto& [in, out] : cases) EXPECT_EQ(Q(in).ToString(), out) << in;
}

TEST(QuantityTest, SubNanoValuesRoundUpAwayFromZero) {
  EXPECT_EQ(Q("0.1n").ToString(), "1n");
  EXPECT_EQ(Q("1.1n").ToString(), "2n");
  EXPECT_EQ(Q("-1.1n").ToString(), "-2n");
  EXPECT_EQ(Q("0.0000000001").ToString(), "1n");
  EXPECT_EQ(Q("1e-100").ToString(), "1e-9");
  EXPECT_EQ(Q("1.000000000000001").ToString(), "1000000001n");
  EXPECT_EQ(Q("0.0000000001Ki").ToString(), "103n");  // 1.024e-7 -> 103n
  EXPECT_EQ(Q("0.0n").ToString(), "0");
}

TEST(QuantityTest, LargeValuesAreCappedOnlyOnTheSlowPath) {
  EXPECT_EQ(Q("9223372036854775808").ToString(), "9223372036854775807");
  EXPECT_EQ(Q("8Ei").ToString(), "9223372036854775807");
  EXPECT_EQ(Q("-8Ei").ToString(), "-9223372036854775807");
  // The int64 fast path keeps a large exponent exactly, as upstream's int64Amount does.
  EXPECT_EQ(Q("1e99").ToString(), "1e99");
  EXPECT_EQ(Q("1e100").ToString(), "10e99");
  EXPECT_EQ(Q("1e100").Compare(Q("8Ei")), 1);
}

TEST(QuantityTest, LongDigitStrings) {
  EXPECT_EQ(Q("0." + std::string(30, '0') + "1").ToString(), "1n");
  EXPECT_EQ(Q("1" + std::string(30, '0')).ToString(), "9223372036854775807");
  EXPECT_EQ(Q(std::string(5000, '0') + "1k").Compare(Quantity::FromInt(1000)), 0);
  EXPECT_EQ(Q("1." + std::string(5000, '0')).ToString(), "1");
}

TEST(QuantityTest, KeepsTextUpstreamKeeps) {
  // Canonical-looking input is printed as written (upstream caches the string).
  EXPECT_EQ(Q("+1k").ToString(), "+1k");
  EXPECT_EQ(Q("1E3").ToString(), "1E3");
  EXPECT_EQ(Q("5.").ToString(), "5.");
  EXPECT_EQ(Q("007").ToString(), "007");
  // But not when it is not in canonical form.
  EXPECT_EQ(Q("+1000").ToString(), "1k");
  EXPECT_EQ(Q("8Ki").ToString(), "8Ki");
  EXPECT_EQ(Q("1024Ki").ToString(), "1Mi");
}

TEST(QuantityTest, UpstreamScannerQuirks) {
  EXPECT_EQ(Q("-").Sign(), 0);
  EXPECT_EQ(Q(".").Sign(), 0);
  EXPECT_EQ(Q("+.").Sign(), 0);
}

TEST(QuantityTest, RejectsWhatParseQuantityRejects) {
  for (const char* bad : {"",       " 1",    "1 ",    "1.1.M", "1+1.0M",
                          "0.1mi",  "0.1am", "aoeu",  ".5i",   "1i",
                          "-3.01i", "1e",    "1E+",   "1Ki5",  "1KiB",
                          "1b",     "1.0.0", "1e1.5", "--1",   "1e99999999999999999999",
                          "1Mi-",   "x1"}) {
    Result<Quantity> q = Quantity::Parse(bad);
    ASSERT_FALSE(q.has_value()) << bad;
    EXPECT_EQ(q.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(q.error().message.find("quantities must match the regular expression"),
              std::string::npos);
  }
}

TEST(QuantityTest, ComparesExactly) {
  EXPECT_EQ(Q("1Gi").Compare(Q("1073741824")), 0);
  EXPECT_EQ(Q("1G").Compare(Q("1Gi")), -1);
  EXPECT_EQ(Q("500m").Compare(Q("0.5")), 0);
  EXPECT_EQ(Q("-1").Compare(Q("0")), -1);
  EXPECT_EQ(Q("1n").Compare(Q("0")), 1);
  EXPECT_EQ(Q("-1n").Compare(Q("-2n")), 1);
  EXPECT_EQ(Q("9223372036854775807000m").Compare(Q("9223372036854775807")), 0);
  EXPECT_EQ(Q("9223372036854775806999999999n").Compare(Q("9223372036854775807")), -1);
  EXPECT_EQ(Q("40Gi").Compare(Q("80Gi")), -1);
  EXPECT_TRUE(Q("1k") == Q("1000"));
  EXPECT_TRUE(Q("999") < Q("1k"));
  EXPECT_EQ(Q("1e100").Compare(Q("1e99")), 1);
  EXPECT_EQ(Q("-1e100").Compare(Q("-1e99")), -1);
  EXPECT_EQ(Q("1.000000001").Compare(Q("1")), 1);
}

TEST(QuantityTest, Arithmetic) {
  EXPECT_EQ(Q("1Gi").Add(Q("512Mi")).ToString(), "1536Mi");
  EXPECT_EQ(Q("1").Add(Q("500m")).ToString(), "1500m");
  EXPECT_EQ(Q("1").Sub(Q("2")).ToString(), "-1");
  EXPECT_EQ(Q("1k").Sub(Q("1k")).ToString(), "0");
  // A zero receiver takes the other operand's format, as upstream's Add.
  EXPECT_EQ(Quantity().Add(Q("1Ki")).ToString(), "1Ki");
  EXPECT_EQ(Q("1Ki").Add(Quantity::FromInt(1024)).ToString(), "2Ki");
  EXPECT_EQ(Q("9223372036854775807").Add(Q("9223372036854775807")).ToString(),
            "18446744073709551614");
  EXPECT_EQ(Quantity::FromInt(-7).ToString(), "-7");
  EXPECT_EQ(Quantity::FromInt(std::numeric_limits<int64_t>::min()).ToString(),
            "-9223372036854775808");
}

TEST(QuantityTest, SignIntegerFloat) {
  EXPECT_EQ(Q("-5m").Sign(), -1);
  EXPECT_EQ(Q("0").Sign(), 0);
  EXPECT_EQ(Q("5Gi").Sign(), 1);
  EXPECT_TRUE(Q("1k").IsInteger());
  EXPECT_FALSE(Q("1.5").IsInteger());
  EXPECT_EQ(Q("1k").AsInteger().value(), 1000);
  EXPECT_EQ(Q("-8Ei").AsInteger().value(), -9223372036854775807);
  EXPECT_FALSE(Q("1.5").AsInteger().has_value());
  EXPECT_FALSE(Q("1e100").AsInteger().has_value());
  EXPECT_EQ(Q("1e100").AsInteger().error().code, ErrorCode::kInvalidInput);
  EXPECT_DOUBLE_EQ(Q("1.5Gi").AsApproximateFloat(), 1610612736.0);
  EXPECT_DOUBLE_EQ(Q("500m").AsApproximateFloat(), 0.5);
  EXPECT_DOUBLE_EQ(Q("1e100").AsApproximateFloat(), 1e100);
  EXPECT_TRUE(std::isinf(Q("1e400").AsApproximateFloat()));
  EXPECT_DOUBLE_EQ(Quantity().AsApproximateFloat(), 0.0);
}

TEST(ValuesTest, SplitQualifiedName) {
  EXPECT_EQ(SplitQualifiedName("gpu.example.com/model", "drv"),
            (std::pair<std::string, std::string>{"gpu.example.com", "model"}));
  EXPECT_EQ(SplitQualifiedName("model", "drv.example.com"),
            (std::pair<std::string, std::string>{"drv.example.com", "model"}));
  EXPECT_EQ(SplitQualifiedName("a/b/c", "d"), (std::pair<std::string, std::string>{"a", "b/c"}));
}

}  // namespace
}  // namespace aiinfra::dra
