#include "common/units.h"

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "gtest/gtest.h"

namespace aiinfra {
namespace {

// Parses and expects success; a failure prints the error message.
double Ok(const Result<double>& r) {
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().message);
  return r ? *r : std::nan("");
}

constexpr double kKi = 1024.0;
constexpr double kGi = kKi * kKi * kKi;

TEST(ParseBytesTest, EverySuffix) {
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("512")), 512);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("512B")), 512);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("2kB")), 2000);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("2KB")), 2000);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("3MB")), 3e6);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("80GB")), 80e9);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("4TB")), 4e12);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("5PB")), 5e15);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("2EB")), 2e18);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("4KiB")), 4 * kKi);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("3MiB")), 3 * kKi * kKi);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("1.5GiB")), 1.5 * kGi);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("2TiB")), 2 * kGi * kKi);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("2PiB")), 2 * kGi * kKi * kKi);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("1EiB")), kGi * kGi);
}

TEST(ParseBytesTest, NumberForms) {
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("1.5e3MB")), 1.5e9);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("1E3B")), 1000);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("80 GB")), 80e9);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("  80GB\t")), 80e9);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes(".5kB")), 500);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("5.kB")), 5000);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("1e-3kB")), 1);
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("0")), 0);
  // "E" after a number is the exa prefix when no exponent digits follow.
  EXPECT_DOUBLE_EQ(Ok(ParseBytes("3EB")), 3e18);
}

TEST(ParseBytesTest, ErrorQuotesTextAndListsUnits) {
  auto r = ParseBytes("80 GX");
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_EQ(r.error().message,
            "cannot parse \"80 GX\" as bytes: expected a number followed by B, kB, MB, GB, TB, PB, "
            "EB, KiB, MiB, GiB, TiB, PiB, EiB");
}

TEST(ParseBytesTest, Refusals) {
  for (const char* text : {"",      "   ",   "-1GB",    "-0",     "nan",   "NaN GB",      "inf",
                           "infGB", "1e400", "1e300EB", "GB",     "80GBx", "80 GB extra", "80gb",
                           "80Gb",  "0x10",  "1..5GB",  "1.5.GB", "e3",    "80 G B",      "++1"}) {
    auto r = ParseBytes(text);
    ASSERT_FALSE(r.has_value()) << "accepted \"" << text << "\" as " << *r;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find(std::string("\"") + text + "\""), std::string::npos)
        << r.error().message;
    EXPECT_NE(r.error().message.find("GiB"), std::string::npos) << r.error().message;
  }
}

TEST(ParseBytesTest, ErrorSaysWhy) {
  EXPECT_NE(ParseBytes("").error().message.find("empty"), std::string::npos);
  EXPECT_NE(ParseBytes("-5GB").error().message.find("negative"), std::string::npos);
  EXPECT_NE(ParseBytes("1e400").error().message.find("out of range"), std::string::npos);
}

TEST(ParseRateTest, BitsAndBytes) {
  EXPECT_DOUBLE_EQ(Ok(ParseRate("400Gb/s")), 50e9);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("400Gbps")), 50e9);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("900GB/s")), 900e9);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("900GBps")), 900e9);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("1.5GiB/s")), 1.5 * kGi);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("8b/s")), 1);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("8bps")), 1);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("1B/s")), 1);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("16kb/s")), 2000);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("2kB/s")), 2000);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("100Mbps")), 12.5e6);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("3MB/s")), 3e6);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("1.8TB/s")), 1.8e12);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("8Tb/s")), 1e12);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("1PB/s")), 1e15);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("1EB/s")), 1e18);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("4KiB/s")), 4 * kKi);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("8Gib/s")), kGi);
  EXPECT_DOUBLE_EQ(Ok(ParseRate("400 Gb/s")), 50e9);
}

TEST(ParseRateTest, Refusals) {
  auto bare = ParseRate("400");
  ASSERT_FALSE(bare.has_value());
  EXPECT_EQ(bare.error().code, ErrorCode::kInvalidInput);
  EXPECT_NE(bare.error().message.find("\"400\""), std::string::npos);
  EXPECT_NE(bare.error().message.find("ambiguous"), std::string::npos);
  EXPECT_NE(bare.error().message.find("Gb/s"), std::string::npos);
  for (const char* text : {"400GB", "400G/s", "-1GB/s", "", "nanGB/s", "400gb/s", "400GB/sec"}) {
    auto r = ParseRate(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_NE(r.error().message.find(std::string("\"") + text + "\""), std::string::npos);
    EXPECT_NE(r.error().message.find("GB/s"), std::string::npos);
  }
}

TEST(ParseDurationTest, EverySuffix) {
  EXPECT_DOUBLE_EQ(Ok(ParseDuration("10ns")), 10e-9);
  EXPECT_DOUBLE_EQ(Ok(ParseDuration("250us")), 250e-6);
  EXPECT_DOUBLE_EQ(Ok(ParseDuration("250\xC2\xB5s")), 250e-6);  // micro sign
  EXPECT_DOUBLE_EQ(Ok(ParseDuration("250\xCE\xBCs")), 250e-6);  // Greek mu
  EXPECT_DOUBLE_EQ(Ok(ParseDuration("20ms")), 0.02);
  EXPECT_DOUBLE_EQ(Ok(ParseDuration("1.5s")), 1.5);
  EXPECT_DOUBLE_EQ(Ok(ParseDuration("2min")), 120);
  EXPECT_DOUBLE_EQ(Ok(ParseDuration("1h")), 3600);
  EXPECT_DOUBLE_EQ(Ok(ParseDuration(" 20 ms ")), 0.02);
}

TEST(ParseDurationTest, Refusals) {
  auto bare = ParseDuration("20");
  ASSERT_FALSE(bare.has_value());
  EXPECT_EQ(bare.error().message,
            "cannot parse \"20\" as a duration: a bare number is ambiguous; expected a number "
            "followed by ns, us, \xC2\xB5s, ms, s, min, h");
  for (const char* text : {"20Ms", "20S", "20 sec", "-1s", "1m", "infs", ""}) {
    auto r = ParseDuration(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find(std::string("\"") + text + "\""), std::string::npos);
    EXPECT_NE(r.error().message.find("ms, s, min, h"), std::string::npos);
  }
}

TEST(ParseFlopsTest, EverySpelling) {
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("989TFLOPS")), 989e12);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("989.4 TFLOP/s")), 989.4e12);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("2.5PFLOPS")), 2.5e15);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("1979TOPS")), 1979e12);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("1.2e15FLOPS")), 1.2e15);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("1.2e15")), 1.2e15);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("5kFLOPS")), 5e3);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("5MFLOP/s")), 5e6);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("5GFLOPS")), 5e9);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("1EFLOPS")), 1e18);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("7POPS")), 7e15);
  EXPECT_DOUBLE_EQ(Ok(ParseFlops("7 TOP/s")), 7e12);
}

TEST(ParseFlopsTest, Refusals) {
  for (const char* text : {"989TFLOP", "989 tflops", "989TF", "-1TFLOPS", "TFLOPS", "1e309"}) {
    auto r = ParseFlops(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find(std::string("\"") + text + "\""), std::string::npos);
    EXPECT_NE(r.error().message.find("TFLOP/s"), std::string::npos);
  }
}

TEST(ParsePowerTest, EverySuffix) {
  EXPECT_DOUBLE_EQ(Ok(ParsePower("700W")), 700);
  EXPECT_DOUBLE_EQ(Ok(ParsePower("700")), 700);
  EXPECT_DOUBLE_EQ(Ok(ParsePower("1.2kW")), 1200);
  EXPECT_DOUBLE_EQ(Ok(ParsePower("120 kW")), 120e3);
  EXPECT_DOUBLE_EQ(Ok(ParsePower("1MW")), 1e6);
  EXPECT_DOUBLE_EQ(Ok(ParsePower("2GW")), 2e9);
}

TEST(ParsePowerTest, Refusals) {
  for (const char* text : {"1.2KW", "1.2kw", "1mW", "-5W", "W", "5 W W"}) {
    auto r = ParsePower(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find(std::string("\"") + text + "\""), std::string::npos);
    EXPECT_NE(r.error().message.find("W, kW, MW, GW"), std::string::npos);
  }
}

TEST(ParseNumberTest, PlainAndPrefixed) {
  EXPECT_DOUBLE_EQ(Ok(ParseNumber("8")), 8);
  EXPECT_DOUBLE_EQ(Ok(ParseNumber("1e3")), 1000);
  EXPECT_DOUBLE_EQ(Ok(ParseNumber("16.38k")), 16380);
  EXPECT_DOUBLE_EQ(Ok(ParseNumber("2M")), 2e6);
  for (const char* text : {"-8", "nan", "inf", "", "8x", "8 apples", "1e999"}) {
    auto r = ParseNumber(text);
    ASSERT_FALSE(r.has_value()) << text;
    EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
    EXPECT_NE(r.error().message.find(std::string("\"") + text + "\""), std::string::npos);
  }
}

TEST(FormatTest, Goldens) {
  EXPECT_EQ(FormatBytes(80e9), "80GB");
  EXPECT_EQ(FormatBytes(1.5 * kGi, ByteBase::kIEC), "1.5GiB");
  EXPECT_EQ(FormatBytes(512), "512B");
  EXPECT_EQ(FormatBytes(0), "0B");
  EXPECT_EQ(FormatBytes(0, ByteBase::kIEC), "0B");
  EXPECT_EQ(FormatBytes(1000, ByteBase::kIEC), "1000B");
  EXPECT_EQ(FormatBytes(1024, ByteBase::kIEC), "1KiB");
  EXPECT_EQ(FormatBytes(141e9), "141GB");
  EXPECT_EQ(FormatBytes(123456789), "123.5MB");
  EXPECT_EQ(FormatBytes(2e18), "2EB");
  EXPECT_EQ(FormatBytes(3e21), "3000EB");
  EXPECT_EQ(FormatBytes(0.5), "0.5B");
  EXPECT_EQ(FormatRate(50e9, /*as_bits=*/true), "400Gb/s");
  EXPECT_EQ(FormatRate(900e9), "900GB/s");
  EXPECT_EQ(FormatRate(0), "0B/s");
  EXPECT_EQ(FormatRate(0, true), "0b/s");
  EXPECT_EQ(FormatDuration(0.02), "20ms");
  EXPECT_EQ(FormatDuration(250e-6), "250us");
  EXPECT_EQ(FormatDuration(10e-9), "10ns");
  EXPECT_EQ(FormatDuration(1.5), "1.5s");
  EXPECT_EQ(FormatDuration(3600), "3600s");
  EXPECT_EQ(FormatDuration(0), "0s");
  EXPECT_EQ(FormatFlops(989.4e12), "989.4TFLOPS");
  EXPECT_EQ(FormatFlops(989.44e12), "989.4TFLOPS");
  EXPECT_EQ(FormatFlops(2.5e15), "2.5PFLOPS");
  EXPECT_EQ(FormatPower(700), "700W");
  EXPECT_EQ(FormatPower(1200), "1.2kW");
  EXPECT_EQ(FormatPower(120e3), "120kW");
  EXPECT_EQ(FormatCount(8), "8");
  EXPECT_EQ(FormatCount(16384), "16.38k");
  EXPECT_EQ(FormatCount(0), "0");
}

TEST(FormatTest, DigitsAndRounding) {
  EXPECT_EQ(FormatBytes(1.23456e9, ByteBase::kSI, 2), "1.2GB");
  EXPECT_EQ(FormatBytes(1.23456e9, ByteBase::kSI, 6), "1.23456GB");
  EXPECT_EQ(FormatBytes(1.23456e9, ByteBase::kSI, 1), "1GB");
  // Rounding that carries into the next prefix moves to it rather than printing "1000kB".
  EXPECT_EQ(FormatBytes(999960), "1MB");
  EXPECT_EQ(FormatBytes(999940), "999.9kB");
  EXPECT_EQ(FormatDuration(0.99996), "1s");
  EXPECT_EQ(FormatCount(999.99), "1k");
  // A float that is not exactly representable prints without noise.
  EXPECT_EQ(FormatDuration(0.1 + 0.2), "300ms");
  EXPECT_EQ(FormatBytes(-2e9), "-2GB");
}

// Parse(Format(x)) == x within the printed precision, for every kind, across 27 decades.
struct Codec {
  const char* name;
  std::function<std::string(double, int)> format;
  std::function<Result<double>(std::string_view)> parse;
};

std::vector<Codec> AllCodecs() {
  return {
      {"bytes SI", [](double x, int d) { return FormatBytes(x, ByteBase::kSI, d); }, ParseBytes},
      {"bytes IEC", [](double x, int d) { return FormatBytes(x, ByteBase::kIEC, d); }, ParseBytes},
      {"rate bytes", [](double x, int d) { return FormatRate(x, false, d); }, ParseRate},
      {"rate bits", [](double x, int d) { return FormatRate(x, true, d); }, ParseRate},
      {"duration", [](double x, int d) { return FormatDuration(x, d); }, ParseDuration},
      {"flops", [](double x, int d) { return FormatFlops(x, d); }, ParseFlops},
      {"power", [](double x, int d) { return FormatPower(x, d); }, ParsePower},
      {"count", [](double x, int d) { return FormatCount(x, d); }, ParseNumber},
  };
}

void CheckRoundTrip(int digits, double tolerance) {
  std::mt19937_64 rng(20240601);
  std::uniform_real_distribution<double> log10_dist(-9, 18);
  for (const Codec& codec : AllCodecs()) {
    for (int i = 0; i < 3000; ++i) {
      double x = std::pow(10.0, log10_dist(rng));
      std::string text = codec.format(x, digits);
      auto parsed = codec.parse(text);
      ASSERT_TRUE(parsed.has_value()) << codec.name << ": " << parsed.error().message;
      EXPECT_LE(std::fabs(*parsed - x), tolerance * x)
          << codec.name << ": " << x << " -> \"" << text << "\" -> " << *parsed;
    }
    for (double x : {0.0, 1.0, 999.5, 1000.0, 1023.5, 1024.0, 1e-9, 1e18}) {
      std::string text = codec.format(x, digits);
      auto parsed = codec.parse(text);
      ASSERT_TRUE(parsed.has_value()) << codec.name << ": " << parsed.error().message;
      EXPECT_LE(std::fabs(*parsed - x), tolerance * x) << codec.name << ": " << text;
    }
  }
}

TEST(UnitsRoundTripTest, TwelveDigitsWithinOnePartPerBillion) { CheckRoundTrip(12, 1e-9); }

TEST(UnitsRoundTripTest, FourDigitsWithinPrintedPrecision) { CheckRoundTrip(4, 5.0001e-4); }

// Found by fuzz/units_fuzz: rounding up near the largest double printed text that parses back
// out of range ("2e+290EB"), and bit rates overflowed in the conversion to bits ("infb/s").
TEST(UnitsRoundTripTest, LargestValuesStayParseable) {
  const double max = std::numeric_limits<double>::max();
  for (const Codec& codec : AllCodecs()) {
    for (int digits : {1, 2, 4, 17}) {
      for (double x : {max, std::nextafter(max, 0.0), 1e308}) {
        std::string text = codec.format(x, digits);
        auto parsed = codec.parse(text);
        ASSERT_TRUE(parsed.has_value()) << codec.name << ": " << parsed.error().message;
        // One unit in the last printed digit, plus the doubles' own rounding at 17 digits.
        const double tolerance =
            std::pow(10.0, 1 - digits) + 4 * std::numeric_limits<double>::epsilon();
        EXPECT_LE(std::fabs(*parsed - x), tolerance * x) << codec.name << ": " << text;
      }
    }
  }
  EXPECT_EQ(FormatBytes(max, ByteBase::kSI, 1), "1e+290EB");
  EXPECT_EQ(FormatBytes(max), "1.797e+290EB");
  EXPECT_EQ(FormatRate(1e308, /*as_bits=*/true), "8e+290Eb/s");
}

TEST(UnitsRoundTripTest, MantissaStaysInRange) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> log10_dist(0, 18);
  for (int i = 0; i < 2000; ++i) {
    double x = std::pow(10.0, log10_dist(rng));
    std::string si = FormatBytes(x);
    double mantissa = std::stod(si);
    EXPECT_GE(mantissa, 1) << si;
    EXPECT_LT(mantissa, 1000) << si;
    std::string iec = FormatBytes(x, ByteBase::kIEC);
    mantissa = std::stod(iec);
    EXPECT_GE(mantissa, 1) << iec;
    EXPECT_LT(mantissa, 1024) << iec;
  }
}

}  // namespace
}  // namespace aiinfra
