#include "perf/calibration.h"

#include <gtest/gtest.h>

#include <set>

namespace aiinfra::perf {
namespace {

DataFile File(const std::string& name, const std::string& text) {
  return DataFile{"calibration/" + name + ".yaml", name + ".yaml", text};
}

std::string Doc(const std::string& acc, const std::string& gemm_value = "0.7",
                const std::string& gemm_extra = "estimated: prior") {
  return "accelerator: " + acc + "\n" + "gemm: {value: " + gemm_value + ", " + gemm_extra +
         "}\n"
         "moe_gemm: {value: 0.5, estimated: e}\n"
         "attention: {value: 0.5, estimated: e}\n"
         "memory: {value: 0.8, fitted_on: [22-h100]}\n"
         "step_overhead: {value: 1.5ms, estimated: e}\n";
}

TEST(CalibrationTest, FallsBackToTheDefaultSet) {
  auto set = CalibrationSet::FromFiles(
      {File("h100-sxm", Doc("h100-sxm", "0.8")), File("default", Doc("default"))});
  ASSERT_TRUE(set) << set.error().message;
  EXPECT_DOUBLE_EQ(set->For("h100-sxm").gemm.value, 0.8);
  EXPECT_DOUBLE_EQ(set->For("b200").gemm.value, 0.7);
  EXPECT_EQ(set->For("b200").accelerator, "default");
  EXPECT_DOUBLE_EQ(set->For("h100-sxm").step_overhead.value, 0.0015);
  EXPECT_EQ(set->For("h100-sxm").memory.fitted_on, std::vector<std::string>{"22-h100"});
}

TEST(CalibrationTest, Errors) {
  auto error = [](std::vector<DataFile> files) {
    auto set = CalibrationSet::FromFiles(files);
    EXPECT_FALSE(set);
    return set ? std::string() : set.error().ToString();
  };
  EXPECT_NE(error({File("h100-sxm", Doc("h100-sxm"))}).find("default.yaml is missing"),
            std::string::npos);
  EXPECT_NE(error({File("default", Doc("default", "1.2"))}).find("(0, 1]"), std::string::npos);
  EXPECT_NE(error({File("default", Doc("default", "0.7", "estimated: a, fitted_on: [x]"))})
                .find("exactly one of"),
            std::string::npos);
  EXPECT_NE(error({File("default", Doc("default", "0.7", "note: n"))}).find("exactly one of"),
            std::string::npos);
  EXPECT_NE(error({File("default", Doc("b200"))}).find("must match the file name"),
            std::string::npos);
  EXPECT_NE(error({File("default", Doc("default") + "extra: 1\n")}).find("extra"),
            std::string::npos);
}

}  // namespace
}  // namespace aiinfra::perf
