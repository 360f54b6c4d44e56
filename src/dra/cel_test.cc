#include "dra/cel.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "dra/values.h"

namespace aiinfra::dra {
namespace {

using ::testing::HasSubstr;

AttributeValue Str(std::string s) {
  AttributeValue v;
  v.kind = AttributeValue::Kind::kString;
  v.string_value = std::move(s);
  return v;
}
AttributeValue Int(int64_t i) {
  AttributeValue v;
  v.kind = AttributeValue::Kind::kInt;
  v.int_value = i;
  return v;
}
AttributeValue Bool(bool b) {
  AttributeValue v;
  v.kind = AttributeValue::Kind::kBool;
  v.bool_value = b;
  return v;
}
AttributeValue Version(std::string s) {
  AttributeValue v;
  v.kind = AttributeValue::Kind::kVersion;
  v.string_value = std::move(s);
  return v;
}

CelDevice Gpu() {
  CelDevice d;
  d.driver = "gpu.nvidia.com";
  d.attributes["gpu.nvidia.com"]["productName"] = Str("NVIDIA H100 80GB HBM3");
  d.attributes["gpu.nvidia.com"]["driverVersion"] = Version("550.54.15");
  d.attributes["gpu.nvidia.com"]["index"] = Int(3);
  d.attributes["gpu.nvidia.com"]["mig"] = Bool(false);
  d.attributes["dra.example.com"]["numa"] = Int(1);
  d.capacity["gpu.nvidia.com"]["memory"] = Quantity::Parse("80Gi").value();
  return d;
}

Result<bool> EvalSelector(std::string_view expr, const CelDevice& device = Gpu(),
                          CelOptions opts = {}) {
  AIINFRA_TRY(CelProgram program, CompileSelector(expr, opts));
  return program.Evaluate(device);
}

void ExpectTrue(std::string_view expr, const CelDevice& device = Gpu()) {
  Result<bool> r = EvalSelector(expr, device);
  ASSERT_TRUE(r.has_value()) << expr << ": " << r.error().message;
  EXPECT_TRUE(*r) << expr;
}
void ExpectFalse(std::string_view expr) {
  Result<bool> r = EvalSelector(expr);
  ASSERT_TRUE(r.has_value()) << expr << ": " << r.error().message;
  EXPECT_FALSE(*r) << expr;
}
// A runtime error whose message contains `what`.
void ExpectRuntimeError(std::string_view expr, std::string_view what,
                        const CelDevice& device = Gpu()) {
  Result<CelProgram> program = CompileSelector(expr, {});
  ASSERT_TRUE(program.has_value()) << expr << ": " << program.error().message;
  Result<bool> r = program->Evaluate(device);
  ASSERT_FALSE(r.has_value()) << expr << " gave " << *r;
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(r.error().message, HasSubstr(std::string(what))) << expr;
}
// A compile error at `column` whose message contains `what`.
void ExpectCompileError(std::string_view expr, int column, std::string_view what,
                        CelOptions opts = {}) {
  Result<CelProgram> program = CompileSelector(expr, opts);
  ASSERT_FALSE(program.has_value()) << expr;
  EXPECT_EQ(program.error().code, ErrorCode::kInvalidInput);
  EXPECT_THAT(program.error().message,
              HasSubstr("CEL compile error at column " + std::to_string(column) + ": "))
      << expr << ": " << program.error().message;
  EXPECT_THAT(program.error().message, HasSubstr(std::string(what))) << expr;
  EXPECT_EQ(program.error().where.column, column);
}

TEST(CelTest, SpecSelectors) {
  ExpectTrue(R"(device.driver == "gpu.nvidia.com")");
  ExpectFalse(R"(device.driver == "gpu.example.com")");
  ExpectTrue(R"(device.attributes["gpu.nvidia.com"].productName.startsWith("NVIDIA H100"))");
  ExpectTrue(R"(device.capacity["gpu.nvidia.com"].memory.compareTo(quantity("40Gi")) >= 0)");
  ExpectTrue(R"("numa" in device.attributes["dra.example.com"])");
  ExpectFalse(R"("numa" in device.attributes["gpu.nvidia.com"])");
  ExpectTrue(
      R"(device.attributes["gpu.nvidia.com"].driverVersion.isGreaterThan(semver("550.0.0")))");
  ExpectTrue(R"(device.attributes["gpu.nvidia.com"].index == 3)");
  ExpectTrue(R"(!device.attributes["gpu.nvidia.com"].mig)");
}

// The CEL table of specs/dra.md section 3 (from upstream's cel/compile_test.go), row by row.
// Attribute and capacity names are given as a slice writes them: unqualified names belong to the
// driver's domain (dra.example.com).
TEST(CelTest, SpecTable) {
  enum class Want { kTrue, kFalse, kCompileError, kRuntimeError };
  struct Row {
    std::string expression;
    std::map<std::string, AttributeValue> attributes;
    std::map<std::string, std::string> capacity;
    Want want;
    std::string error = "";
    bool consumable_capacity = false;
  };
  std::string nested = "int(\"0\") == 0";
  for (int i = 7; i >= 1; --i) {
    nested = "[1, 2, 3, 4, 5, 6, 7, 8, 9, 10].all(x" + std::to_string(i) + ", " + nested + ")";
  }
  const std::vector<Row> rows = {
      {"1", {}, {}, Want::kCompileError, "must evaluate to bool"},
      {R"(device.attributes["no-such-domain"].noSuchAttr.isGreaterThan(quantity("0")))",
       {},
       {},
       Want::kRuntimeError,
       "no such key: noSuchAttr"},
      {R"("no-such-domain" in device.attributes)", {}, {}, Want::kFalse},
      {R"(device.driver == "dra.example.com")", {}, {}, Want::kTrue},
      {R"(device.attributes["dra.example.com"].name)", {{"name", Bool(true)}}, {}, Want::kTrue},
      {R"(device.attributes["other.example.com"].name)",
       {{"other.example.com/name", Bool(true)}},
       {},
       Want::kTrue},
      {R"(device.attributes["dra.example.com"].name.isGreaterThan(semver("0.0.1")))",
       {{"name", Version("1.0.0")}},
       {},
       Want::kTrue},
      {R"(device.attributes["dra.example.com"].name.isGreaterThan(semver("v0.0.1", true)))"
       R"( && isSemver("v1.0.0", true))",
       {{"name", Version("1.0.0")}},
       {},
       Want::kTrue},
      {R"(device.capacity["dra.example.com"].name.isGreaterThan(quantity("1Ki")))",
       {},
       {{"name", "1Mi"}},
       Want::kTrue},
      {R"(!("name" in device.capacity["dra.example.com"]) ||)"
       R"( device.capacity["dra.example.com"].name.isGreaterThan(quantity("1Ki")))",
       {},
       {},
       Want::kTrue},
      {R"(cel.bind(dra, device.attributes["dra.example.com"], dra.name))",
       {{"name", Bool(true)}},
       {},
       Want::kTrue},
      {nested, {}, {}, Want::kRuntimeError, "actual cost limit exceeded"},
      {"device.allowMultipleAllocations == false", {}, {}, Want::kTrue, "", true},
  };
  for (const Row& row : rows) {
    SCOPED_TRACE(row.expression);
    CelDevice device;
    device.driver = "dra.example.com";
    for (const auto& [name, value] : row.attributes) {
      auto [domain, id] = SplitQualifiedName(name, device.driver);
      device.attributes[domain][id] = value;
    }
    for (const auto& [name, value] : row.capacity) {
      auto [domain, id] = SplitQualifiedName(name, device.driver);
      device.capacity[domain][id] = Quantity::Parse(value).value();
    }
    CelOptions options;
    options.consumable_capacity = row.consumable_capacity;
    Result<CelProgram> program = CompileSelector(row.expression, options);
    if (row.want == Want::kCompileError) {
      ASSERT_FALSE(program.has_value());
      EXPECT_THAT(program.error().message, HasSubstr(row.error));
      continue;
    }
    ASSERT_TRUE(program.has_value()) << program.error().message;
    Result<bool> r = program->Evaluate(device);
    if (row.want == Want::kRuntimeError) {
      ASSERT_FALSE(r.has_value()) << "gave " << *r;
      EXPECT_THAT(r.error().message, HasSubstr(row.error));
      continue;
    }
    ASSERT_TRUE(r.has_value()) << r.error().message;
    EXPECT_EQ(*r, row.want == Want::kTrue);
  }
}

TEST(CelTest, Literals) {
  ExpectTrue("1 == 1");
  ExpectTrue("0x10 == 16");
  ExpectTrue("1u == 1u && 0xFFu == 255u");
  ExpectTrue("1.5 == 1.5 && 1e3 == 1000.0 && .5 == 0.5 && 2E-1 == 0.2");
  ExpectTrue("-9223372036854775808 < 0");
  ExpectTrue("9223372036854775807 > 0");
  ExpectTrue(
      R"("a\tb" == 'a\u0009b' && "\x41" == "A" && "\101" == "A" && "\U0001F600".size() == 1)");
  ExpectTrue(R"(r"a\tb".size() == 4 && R'\d' == "\\d")");
  ExpectTrue(R"("""multi
line""".contains("\n") && '''x'''.size() == 1)");
  ExpectTrue(R"(b"abc".size() == 3 && b"\xff".size() == 1 && b"a" + b"b" == b"ab")");
  ExpectTrue("null == null && true != false");
  ExpectTrue("[1, 2, 3].size() == 3 && {'a': 1, 'b': 2}['b'] == 2 && [] == [] && {} == {}");
  ExpectTrue("[1, 2,].size() == 2");  // trailing comma
  ExpectTrue("size({1: 'x', 2u: 'y', true: 'z'}) == 3");
  ExpectTrue("// a comment\n true");
  ExpectTrue(R"("é".size() == 1 && "héllo".substring(1, 2) == "é")");
}

TEST(CelTest, Arithmetic) {
  ExpectTrue("1 + 2 * 3 == 7 && (1 + 2) * 3 == 9 && 7 / 2 == 3 && 7 % 3 == 1 && -7 / 2 == -3");
  ExpectTrue("-7 % 3 == -1 && 5u - 3u == 2u && 2.5 * 2.0 == 5.0 && 1.0 / 0.0 > 1e308");
  ExpectTrue(R"("ab" + "cd" == "abcd" && [1] + [2] == [1, 2])");
  ExpectTrue("--1 == 1 && !!true");
  ExpectRuntimeError("9223372036854775807 + 1 > 0", "integer overflow");
  ExpectRuntimeError("-9223372036854775808 - 1 < 0", "integer overflow");
  ExpectRuntimeError("9223372036854775807 * 2 > 0", "integer overflow");
  ExpectRuntimeError("-9223372036854775808 / -1 < 0", "integer overflow");
  ExpectRuntimeError("-9223372036854775808 % -1 < 0", "integer overflow");
  ExpectRuntimeError("-(-9223372036854775808) > 0", "integer overflow");
  ExpectRuntimeError("0u - 1u > 0u", "unsigned integer overflow");
  ExpectRuntimeError("18446744073709551615u + 1u > 0u", "unsigned integer overflow");
  ExpectRuntimeError("1 / 0 == 1", "division by zero");
  ExpectRuntimeError("1 % 0 == 1", "modulus by zero");
  ExpectRuntimeError("1u / 0u == 1u", "division by zero");
}

TEST(CelTest, Comparisons) {
  ExpectTrue("1 < 2 && 2 <= 2 && 3 > 2 && 3 >= 3 && 1 != 2");
  ExpectTrue("1 < 1.5 && 2u > 1 && 1 == dyn(1.0) && dyn(1u) == 1");  // cross-type numerics
  ExpectTrue(R"("a" < "b" && "abc" > "ab" && b"a" < b"b" && false < true)");
  ExpectTrue("[1, 2] == [1, 2] && [1, 2] != [2, 1] && {'a': [1]} == {'a': [1]}");
  ExpectFalse("0.0 / 0.0 == 0.0 / 0.0");  // NaN
  ExpectFalse("0.0 / 0.0 < 1.0");
  ExpectTrue("9223372036854775807 < 9223372036854775808u");
  ExpectTrue("-1 < 18446744073709551615u");
  ExpectTrue("dyn('a') != dyn(1)");
  ExpectRuntimeError("dyn('a') < dyn(1)", "no such overload");
}

TEST(CelTest, LogicShortCircuitAndCommutativeErrors) {
  ExpectFalse("false && (1 / 0 == 1)");
  ExpectFalse("(1 / 0 == 1) && false");
  ExpectTrue("true || (1 / 0 == 1)");
  ExpectTrue("(1 / 0 == 1) || true");
  ExpectRuntimeError("(1 / 0 == 1) || false", "division by zero");
  ExpectRuntimeError("true && (1 / 0 == 1)", "division by zero");
  ExpectRuntimeError("false || (1 / 0 == 1)", "division by zero");
  ExpectTrue(R"(device.attributes["x"].missing == 1 || true)");
  ExpectFalse(R"(device.attributes["gpu.nvidia.com"].missing && false)");
  ExpectRuntimeError("dyn(1) || false", "no such overload");
  ExpectTrue("dyn(1) || true");
  ExpectTrue("true ? true : 1 / 0 == 1");
  ExpectFalse("false ? 1 / 0 == 1 : false");
  ExpectTrue("(1 > 2 ? 'a' : 'b') == 'b'");
  ExpectRuntimeError("dyn(1) ? true : false", "no such overload");
}

TEST(CelTest, InOperator) {
  ExpectTrue("2 in [1, 2, 3] && !(4 in [1, 2, 3]) && 'a' in {'a': 1} && !('b' in {'a': 1})");
  ExpectTrue("dyn(2.0) in [1, 2, 3]");  // heterogeneous equality at run time
  ExpectCompileError("2.0 in [1, 2, 3]", 5, "'@in' applied to '(double, list(int))'");
  ExpectTrue(R"("productName" in device.attributes["gpu.nvidia.com"])");
  ExpectTrue(R"(!("numa" in device.attributes["unknown.example.com"]))");
}

TEST(CelTest, DeviceEnvironment) {
  // An unknown domain is an empty map; a missing id is an error.
  ExpectTrue(R"(device.attributes["unknown.example.com"].size() == 0)");
  ExpectTrue(R"(device.capacity["unknown.example.com"] == {})");
  ExpectRuntimeError(R"(device.attributes["gpu.nvidia.com"].model == "x")", "no such key: model");
  ExpectRuntimeError(R"(device.attributes["gpu.nvidia.com"]["model"] == "x")",
                     "no such key: model");
  ExpectRuntimeError(R"(device.capacity["gpu.nvidia.com"].cores.isInteger())",
                     "no such key: cores");
  ExpectTrue(R"(has(device.attributes["gpu.nvidia.com"].productName))");
  ExpectFalse(R"(has(device.attributes["gpu.nvidia.com"].model))");
  ExpectFalse(R"(has(device.attributes.unknownDomain.model))");
  ExpectTrue(R"(has(device.driver))");
  ExpectTrue(R"(device.attributes["gpu.nvidia.com"].productName.matches("^NVIDIA H[0-9]+"))");
  ExpectTrue(R"(device.attributes.exists(d, d == "dra.example.com"))");
  ExpectTrue(R"(device.capacity["gpu.nvidia.com"].memory.isGreaterThan(quantity("40Gi")))");
  ExpectTrue(R"(device.capacity["gpu.nvidia.com"].memory == quantity("80Gi"))");
  ExpectTrue(R"(device.capacity["gpu.nvidia.com"].memory.asInteger() == 85899345920)");
  ExpectTrue(R"(device.attributes["gpu.nvidia.com"].driverVersion.major() == 550)");
  ExpectTrue(R"(device.attributes["gpu.nvidia.com"].driverVersion == semver("550.54.15"))");
}

TEST(CelTest, AttributeConversionErrors) {
  CelDevice d = Gpu();
  d.attributes["gpu.nvidia.com"]["broken"] = AttributeValue();  // kUnset
  ExpectRuntimeError("true", "unsupported attribute value", d);
  d = Gpu();
  d.attributes["gpu.nvidia.com"]["v"] = Version("1.2");
  ExpectRuntimeError(R"(device.driver != "")", "parse semantic version", d);
  d.attributes["gpu.nvidia.com"]["v"] = Version("1.02.3");
  ExpectRuntimeError("true", "leading zeroes", d);
  d.attributes["gpu.nvidia.com"]["v"] = Version("1.2.3-rc.1+build.5");
  ExpectTrue(R"(device.attributes["gpu.nvidia.com"].v.isLessThan(semver("1.2.3")))", d);
}

TEST(CelTest, AllowMultipleAllocationsNeedsConsumableCapacity) {
  ExpectCompileError("device.allowMultipleAllocations", 7,
                     "undefined field 'allowMultipleAllocations'");
  CelOptions opts;
  opts.consumable_capacity = true;
  CelDevice d = Gpu();
  d.allow_multiple_allocations = true;
  Result<bool> r = EvalSelector("device.allowMultipleAllocations", d, opts);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(*r);
  r = EvalSelector("device.allowMultipleAllocations", Gpu(), opts);
  ASSERT_TRUE(r.has_value());
  EXPECT_FALSE(*r);
}

TEST(CelTest, StringFunctions) {
  ExpectTrue(R"("hello".size() == 5 && size("héllo") == 5 && "hello".contains("ell"))");
  ExpectTrue(R"("hello".startsWith("he") && "hello".endsWith("lo") && !"hello".endsWith("x"))");
  ExpectTrue(R"("abc".matches("b") && !"abc".matches("^b") && matches("abc", "a.c"))");
  ExpectTrue(R"("MiXeD é".lowerAscii() == "mixed é" && "MiXeD é".upperAscii() == "MIXED é")");
  ExpectTrue(R"("a,b,c".split(",") == ["a", "b", "c"] && "a,b,c".split(",", 2) == ["a", "b,c"])");
  ExpectTrue(
      R"("abc".split("") == ["a", "b", "c"] && "a".split(",", 0) == [] && "".split(",") == [""])");
  ExpectTrue(R"(["a", "b"].join() == "ab" && ["a", "b"].join("-") == "a-b" && [].join("-") == "")");
  ExpectTrue(R"("aaa".replace("a", "b") == "bbb" && "aaa".replace("a", "b", 2) == "bba")");
  ExpectTrue(R"("ab".replace("", "-") == "-a-b-")");
  ExpectTrue(R"("tacocat".substring(4) == "cat" && "tacocat".substring(0, 4) == "taco")");
  ExpectTrue(R"("  \t trim \n ".trim() == "trim")");
  ExpectTrue(R"("hello mellow".indexOf("ello") == 1 && "hello mellow".indexOf("ello", 2) == 7)");
  ExpectTrue(
      R"("hello".indexOf("") == 0 && "hello".indexOf("x") == -1 && "héllo".indexOf("l") == 2)");
  ExpectTrue(R"("hello mellow".lastIndexOf("ello") == 7 && "hello".lastIndexOf("") == 5)");
  ExpectTrue(R"("hello".charAt(1) == "e" && "hello".charAt(5) == "")");
  ExpectRuntimeError(R"("tacocat".substring(40) == "")", "index out of range: 40");
  ExpectRuntimeError(R"("tacocat".substring(-1) == "")", "index out of range: -1");
  ExpectRuntimeError(R"("tacocat".substring(4, 3) == "")",
                     "invalid substring range. start: 4, end: 3");
  ExpectRuntimeError(R"("hello".indexOf("l", 10) == 1)", "index out of range: 10");
  ExpectRuntimeError(R"("hello".charAt(6) == "")", "index out of range: 6");
  ExpectRuntimeError(R"("abc".matches("(") )", "error parsing regexp");
  ExpectRuntimeError(R"(dyn([1]).join() == "")", "not string");
}

TEST(CelTest, Conversions) {
  ExpectTrue(R"(int("42") == 42 && int(3.9) == 3 && int(-3.9) == -3 && int(5u) == 5)");
  ExpectTrue(R"(uint("42") == 42u && uint(42) == 42u && uint(3.5) == 3u)");
  ExpectTrue(R"(double("1.5") == 1.5 && double(2) == 2.0 && double(3u) == 3.0)");
  ExpectTrue(R"(string(42) == "42" && string(4u) == "4" && string(true) == "true")");
  ExpectTrue(R"(string(1.5) == "1.5" && string(1e6) == "1e+06" && string(100000.0) == "100000")");
  ExpectTrue(R"(string(0.0001) == "0.0001" && string(0.00001) == "1e-05" && string(-2.0) == "-2")");
  ExpectTrue(R"(string(b"abc") == "abc" && bytes("abc") == b"abc" && string("x") == "x")");
  ExpectRuntimeError(R"(int("x") == 1)", "cannot convert");
  ExpectRuntimeError(R"(int(1e19) == 1)", "range error");
  ExpectRuntimeError(R"(int(18446744073709551615u) == 1)", "range error");
  ExpectRuntimeError(R"(uint(-1) == 1u)", "range error");
  ExpectRuntimeError(R"(double("") == 1.0)", "cannot convert");
  ExpectRuntimeError(R"(string(b"\xff") == "")", "invalid UTF-8");
}

TEST(CelTest, QuantityLibrary) {
  ExpectTrue(R"(isQuantity("1Gi") && !isQuantity("1GB") && quantity("1Gi") == quantity("1024Mi"))");
  ExpectTrue(
      R"(quantity("1Gi").compareTo(quantity("1G")) == 1 && quantity("1").compareTo(quantity("1000m")) == 0)");
  ExpectTrue(
      R"(quantity("1").isLessThan(quantity("2")) && !quantity("1").isGreaterThan(quantity("2")))");
  ExpectTrue(
      R"(quantity("1Gi").add(quantity("1Gi")) == quantity("2Gi") && quantity("1").add(2) == quantity("3"))");
  ExpectTrue(
      R"(quantity("1Gi").sub(quantity("512Mi")) == quantity("512Mi") && quantity("1").sub(2).sign() == -1)");
  ExpectTrue(
      R"(quantity("1.5").asApproximateFloat() == 1.5 && quantity("500m").isInteger() == false)");
  ExpectTrue(
      R"(quantity("1k").isInteger() && quantity("1k").asInteger() == 1000 && quantity("0").sign() == 0)");
  ExpectRuntimeError(R"(quantity("1GB") == quantity("1G"))",
                     "quantities must match the regular expression");
  ExpectRuntimeError(R"(quantity("1.5").asInteger() == 1)", "cannot convert value to integer");
}

TEST(CelTest, SemverLibrary) {
  ExpectTrue(
      R"(isSemver("1.2.3") && !isSemver("v1.2.3") && isSemver("v1.2", true) && !isSemver("1.2"))");
  ExpectTrue(
      R"(semver("v1.2", true) == semver("1.2.0") && semver("1.02.3", true) == semver("1.2.3"))");
  ExpectTrue(
      R"(semver("1.2.3").major() == 1 && semver("1.2.3").minor() == 2 && semver("1.2.3").patch() == 3)");
  ExpectTrue(
      R"(semver("1.2.3").compareTo(semver("1.2.4")) == -1 && semver("2.0.0").compareTo(semver("1.9.9")) == 1)");
  ExpectTrue(R"(semver("1.0.0-alpha").isLessThan(semver("1.0.0-alpha.1")))");
  ExpectTrue(R"(semver("1.0.0-alpha.1").isLessThan(semver("1.0.0-alpha.beta")))");
  ExpectTrue(R"(semver("1.0.0-beta.2").isLessThan(semver("1.0.0-beta.11")))");
  ExpectTrue(R"(semver("1.0.0-rc.1").isLessThan(semver("1.0.0")))");
  ExpectTrue(R"(semver("1.0.0+build.1") == semver("1.0.0+build.2"))");
  ExpectTrue(R"(semver("1.2.3").isGreaterThan(semver("1.2.3-rc.1")))");
  ExpectRuntimeError(R"(semver("1.2") == semver("1.2.0"))", "No Major.Minor.Patch");
  ExpectRuntimeError(R"(semver("01.2.3").major() == 1)", "leading zeroes");
  ExpectRuntimeError(R"(semver("1.2.3-").major() == 1)", "Prerelease is empty");
  ExpectRuntimeError(R"(semver("1.2.3-a_b").major() == 1)", "Invalid character");
}

TEST(CelTest, Macros) {
  ExpectTrue("[1, 2, 3].all(x, x > 0) && ![1, 2, 3].all(x, x > 1) && [].all(x, false)");
  ExpectTrue("[1, 2, 3].exists(x, x == 2) && ![1, 2, 3].exists(x, x == 5) && ![].exists(x, true)");
  ExpectTrue("[1, 2, 3].exists_one(x, x > 2) && ![1, 2, 3].exists_one(x, x > 1)");
  ExpectTrue("[1, 2, 3].map(x, x * 2) == [2, 4, 6] && [1, 2, 3].map(x, x > 1, x * 10) == [20, 30]");
  ExpectTrue("[1, 2, 3].filter(x, x % 2 == 1) == [1, 3]");
  ExpectTrue("{'a': 1, 'b': 2}.all(k, k in ['a', 'b']) && {'a': 1}.map(k, k + k) == ['aa']");
  ExpectTrue("[[1, 2], [3]].all(l, l.all(x, x > 0))");
  ExpectTrue("cel.bind(x, 2, x * x == 4) && cel.bind(s, 'ab', s + s == 'abab')");
  ExpectTrue("cel.bind(x, 1, cel.bind(x, 2, x) == 2)");  // shadowing
  ExpectTrue("[1, 2].exists(device, device == 2) && device.driver != ''");
  // all/exists absorb an error when another element decides.
  ExpectFalse("[0, 1].all(x, 1 / x > 5)");
  ExpectTrue("[0, 1].exists(x, 1 / x == 1)");
  ExpectRuntimeError("[0, 1].all(x, 1 / x > 0)", "division by zero");
  ExpectRuntimeError("[0, 1].exists_one(x, 1 / x == 1)", "division by zero");
  ExpectRuntimeError("[0, 1].map(x, 1 / x) == []", "division by zero");
  ExpectRuntimeError("dyn(1).all(x, true)", "cannot be range");
}

TEST(CelTest, IndexErrors) {
  ExpectRuntimeError("[1, 2][2] == 1", "index '2' out of range in list size '2'");
  ExpectRuntimeError("[1, 2][-1] == 1", "out of range");
  ExpectRuntimeError("{'a': 1}['b'] == 1", "no such key: b");
  ExpectRuntimeError("{'a': 1}.b == 1", "no such key: b");
  ExpectTrue("[1, 2][1u] == 2 && {1: 'x'}[1] == 'x' && {1: 'x'}[dyn(1u)] == 'x'");
  ExpectCompileError("{1: 'x'}[1u] == 'x'", 9, "'_[_]' applied to '(map(int, string), uint)'");
  ExpectRuntimeError("{1: 1, 1: 2}.size() == 1", "repeated key");
  ExpectRuntimeError("dyn(1).x == 1", "does not support field selection");
  ExpectRuntimeError("dyn(1)[0] == 1", "no such overload");
}

TEST(CelTest, CompileErrorsNameTheColumn) {
  ExpectCompileError("device.driver == undefined", 18, "undeclared reference to 'undefined'");
  ExpectCompileError("foo(1) == 1", 4, "undeclared reference to 'foo'");
  ExpectCompileError("device.drivr == 'x'", 7, "undefined field 'drivr'");
  ExpectCompileError("1 + 'a' == 2", 3,
                     "found no matching overload for '_+_' applied to '(int, string)'");
  ExpectCompileError("device.driver.startsWith(1)", 25,
                     "found no matching overload for 'startsWith'");
  ExpectCompileError("device.driver == 1", 15, "_==_");
  ExpectCompileError("1", 1, "must evaluate to bool");
  ExpectCompileError("'abc'", 1, "must evaluate to bool, not string");
  ExpectCompileError("device.driver", 1, "must evaluate to bool");
  ExpectCompileError("device.driver ==", 17, "unexpected end of expression");
  ExpectCompileError("(true", 6, "expected ')'");
  ExpectCompileError("true && #", 9, "unexpected character '#'");
  ExpectCompileError("'abc", 1, "unterminated string");
  ExpectCompileError(R"("\q" == "")", 2, "invalid escape");
  ExpectCompileError("9223372036854775808 > 0", 1, "integer literal out of range");
  ExpectCompileError("18446744073709551616u > 0u", 1, "integer literal out of range");
  ExpectCompileError("true && if", 9, "reserved identifier 'if'");
  ExpectCompileError("[1].all(1, true)", 9, "argument must be a simple name");
  ExpectCompileError("has(device)", 4, "invalid argument to has() macro");
  ExpectCompileError("1.all(x, true)", 1, "cannot be range of a comprehension");
  ExpectCompileError("[1].all(x, x)", 12, "predicate");
  ExpectCompileError("quantity(1) == quantity('1')", 9,
                     "found no matching overload for 'quantity'");
  ExpectCompileError("device.capacity['a'].b < 1", 24, "_<_");
  ExpectCompileError("{[1]: 2}.size() == 1", 2, "unsupported map key type");
  ExpectCompileError("é == 1", 1, "unexpected character");
  ExpectCompileError("'é' == x", 8, "undeclared reference to 'x'");  // columns count characters
  ExpectCompileError("device.a.?b", 10, "optional");
}

TEST(CelTest, CompileErrorOnLaterLine) {
  Result<CelProgram> p = CompileSelector("true &&\n  nope", {});
  ASSERT_FALSE(p.has_value());
  EXPECT_THAT(p.error().message,
              HasSubstr("CEL compile error at line 2, column 3: undeclared reference to 'nope'"));
  EXPECT_EQ(p.error().where.line, 2);
  EXPECT_EQ(p.error().where.column, 3);
}

TEST(CelTest, ExpressionLengthLimit) {
  std::string ok = "true";
  while (ok.size() + 8 <= kCelMaxExpressionLength) ok += " && true";
  EXPECT_TRUE(CompileSelector(ok, {}).has_value());
  std::string too_long = "true" + std::string(kCelMaxExpressionLength, ' ');
  Result<CelProgram> p = CompileSelector(too_long, {});
  ASSERT_FALSE(p.has_value());
  EXPECT_THAT(p.error().message, HasSubstr("expression too long"));
}

TEST(CelTest, NestingLimit) {
  std::string deep = std::string(300, '(') + "true" + std::string(300, ')');
  Result<CelProgram> p = CompileSelector(deep, {});
  ASSERT_FALSE(p.has_value());
  EXPECT_THAT(p.error().message, HasSubstr("nested too deeply"));
  std::string chain = "1";
  for (int i = 0; i < 400; ++i) chain += " + 1";
  p = CompileSelector(chain + " > 0", {});
  ASSERT_FALSE(p.has_value());
  EXPECT_THAT(p.error().message, HasSubstr("nested too deeply"));
  std::string negations(300, '!');
  EXPECT_FALSE(CompileSelector(negations + "true", {}).has_value());
  // Long && / || chains are balanced, so they stay shallow.
  std::string ors = "false";
  for (int i = 0; i < 1000; ++i) ors += " || false";
  Result<bool> r = EvalSelector(ors + " || true");
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_TRUE(*r);
  std::string nested = std::string(100, '(') + "true" + std::string(100, ')');
  EXPECT_TRUE(EvalSelector(nested).value_or(false));
}

TEST(CelTest, RuntimeCostLimit) {
  // 2^20 iterations over nested comprehensions.
  const std::string heavy =
      "cel.bind(l, [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,26,27,"
      "28,29,30,31], l.all(a, l.all(b, l.all(c, l.all(d, a + b + c + d >= 0)))))";
  ExpectRuntimeError(heavy, "actual cost limit exceeded");
  Result<CelProgram> p = CompileSelector(heavy, {});
  ASSERT_TRUE(p.has_value());
  uint64_t cost = 0;
  Result<bool> r = p->Evaluate(Gpu(), &cost);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "operation cancelled: actual cost limit exceeded");
  EXPECT_GT(cost, 1'000'000u);
  EXPECT_GT(p->estimated_cost(), 1'000'000u);
  // The limit error is not absorbed by || or exists().
  ExpectRuntimeError(heavy + " || true", "actual cost limit exceeded");
  ExpectRuntimeError("[1].exists(x, " + heavy + ") || true", "actual cost limit exceeded");
  // String growth is metered too.
  ExpectRuntimeError(
      "cel.bind(a, 'xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx', "
      "cel.bind(b, a + a + a + a + a + a + a + a + a + a, cel.bind(c, b + b + b + b + b + b + b "
      "+ b + b + b, cel.bind(d, c + c + c + c + c + c + c + c + c + c, cel.bind(e, d + d + d + "
      "d + d + d + d + d + d + d, cel.bind(f, e + e + e + e + e + e + e + e + e + e, "
      "f.size() > 0))))))",
      "actual cost limit exceeded");
  // A cheap expression stays far below it.
  p = CompileSelector(R"(device.driver == "gpu.nvidia.com")", {});
  ASSERT_TRUE(p.has_value());
  r = p->Evaluate(Gpu(), &cost);
  ASSERT_TRUE(r.has_value());
  EXPECT_LT(cost, 10u);
  // A custom limit.
  CelOptions tight;
  tight.cost_limit = 5;
  EXPECT_FALSE(EvalSelector("[1, 2, 3, 4, 5, 6].all(x, x > 0)", Gpu(), tight).has_value());
}

TEST(CelTest, DynResultMustBeBool) {
  ExpectRuntimeError(R"(device.attributes["gpu.nvidia.com"].index)",
                     "could not be converted to bool");
  ExpectTrue(R"(device.attributes["gpu.nvidia.com"].mig == false)");
}

TEST(CelTest, ProgramIsReusable) {
  Result<CelProgram> p = CompileSelector(R"(device.attributes["gpu.nvidia.com"].index > 2)", {});
  ASSERT_TRUE(p.has_value());
  EXPECT_TRUE(p->Evaluate(Gpu()).value());
  CelDevice other = Gpu();
  other.attributes["gpu.nvidia.com"]["index"] = Int(1);
  EXPECT_FALSE(p->Evaluate(other).value());
  EXPECT_EQ(p->expression(), R"(device.attributes["gpu.nvidia.com"].index > 2)");
  CelProgram copy = *p;
  EXPECT_TRUE(copy.Evaluate(Gpu()).value());
}

}  // namespace
}  // namespace aiinfra::dra
