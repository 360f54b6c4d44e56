#include "workload/workload.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "workload/generator.h"
#include "workload/test_util.h"

namespace aiinfra::workload {
namespace {

using testing_util::MustParse;
using testing_util::ReadmeExamples;

Error MustFail(const std::string& yaml) {
  auto spec = ParseWorkloadYaml(yaml, "scenario.yaml");
  EXPECT_FALSE(spec.has_value());
  return spec ? Error{} : spec.error();
}

TEST(WorkloadTest, ReadmeExamplesParse) {
  const std::vector<std::string> examples = ReadmeExamples();
  ASSERT_EQ(examples.size(), 2u);
  auto synthetic = ParseWorkloadYaml(examples[0], "README.md");
  ASSERT_TRUE(synthetic.has_value()) << synthetic.error().ToString();
  EXPECT_EQ(synthetic->classes.size(), 4u);
  EXPECT_EQ(*synthetic->seed, 7u);
  EXPECT_DOUBLE_EQ(*synthetic->duration, 600);
  EXPECT_TRUE(synthetic->classes[0].session.has_value());
  EXPECT_EQ(synthetic->classes[0].system_prompt, 512);
  EXPECT_TRUE(synthetic->classes[2].arrivals.has_value());
  EXPECT_EQ(synthetic->classes[3].closed_loop->users, 16);

  auto trace = ParseWorkloadYaml(examples[1], "README.md");
  ASSERT_TRUE(trace.has_value()) << trace.error().ToString();
  ASSERT_TRUE(trace->trace.has_value());
  EXPECT_EQ(trace->trace->format, TraceFormat::kSplitwise);
  EXPECT_DOUBLE_EQ(trace->trace->options.rate, 12);
  EXPECT_DOUBLE_EQ(trace->trace->options.window_start, 600);
  EXPECT_DOUBLE_EQ(trace->trace->options.window_end, 3000);
  EXPECT_EQ(trace->trace->options.max_rows, 10000);
  EXPECT_EQ(trace->classes.at(0).name, "conv");
}

TEST(WorkloadTest, ErrorsSayWhereAndWhatToChange) {
  Error e = MustFail(
      "workload:\n  duration: 1min\n  classes:\n"
      "    - {name: a, input: 10, output: 10}\n");
  EXPECT_EQ(e.where.file, "scenario.yaml");
  EXPECT_EQ(e.where.line, 4);
  EXPECT_EQ(e.where.field, "workload.classes[0]");
  EXPECT_NE(e.message.find("has no arrival process"), std::string::npos);

  e = MustFail(
      "workload:\n  duration: 1min\n  classes:\n"
      "    - name: a\n      arrivals: {kind: poisson, rate: 1}\n      input: 10\n"
      "      output: {kind: lognormal, median: 10}\n");
  EXPECT_EQ(e.where.line, 7);
  EXPECT_NE(e.message.find("sigma"), std::string::npos);

  e = MustFail(
      "arrivals: {kind: poisson, rate: 1}\nclasses:\n"
      "  - {name: a, arrivals: {kind: poisson, rate: 1}, input: 1, output: 1}\n");
  EXPECT_EQ(e.where.line, 1);
  EXPECT_NE(e.message.find("no class uses these arrivals"), std::string::npos);

  e = MustFail(
      "arrivals: {kind: poisson, rate: 1}\nclasses:\n"
      "  - {name: a, input: 1, output: 1}\n  - {name: a, input: 1, output: 1}\n");
  EXPECT_NE(e.message.find("used twice"), std::string::npos);

  e = MustFail("trace: {format: csv, path: x.csv}\n");
  EXPECT_EQ(e.where.field, "trace.format");
  EXPECT_NE(e.message.find("expected azure, splitwise, burstgpt or mooncake"), std::string::npos);

  e = MustFail(
      "trace: {format: splitwise, path: x.csv}\nclasses: [{name: a, input: 1, output: 1}]\n");
  EXPECT_NE(e.message.find("remove classes"), std::string::npos);

  e = MustFail(
      "arrivals: {kind: poisson, rate: 1}\n"
      "classes: [{name: a, input: 1, output: 1, slo: {ttft: 1s}}]\n");
  EXPECT_NE(e.message.find("unknown field \"slo\""), std::string::npos);

  // An open-loop workload without a duration is refused when the generator is made.
  auto g = WorkloadGenerator::Create(
      MustParse("arrivals: {kind: poisson, rate: 1}\nclasses: [{name: a, input: 1, output: 1}]\n"));
  ASSERT_FALSE(g.has_value());
  EXPECT_EQ(g.error().where.field, "workload.duration");

  auto missing = WorkloadGenerator::Create(
      MustParse("trace: {format: splitwise, path: /nonexistent/t.csv}\n"));
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
}

// Huge token counts were accepted (capped only at 4e18 when drawn) and made the generator
// allocate one hash per block of an absurd prompt: std::bad_alloc at Create or the first request.
TEST(WorkloadTest, TokenCountsAboveTheLimitAreErrorsNamingTheField) {
  Error e = MustFail(
      "duration: 1s\nclasses:\n"
      "  - {name: a, arrivals: {kind: poisson, rate: 1}, input: 1e300, output: 1}\n");
  EXPECT_EQ(e.code, ErrorCode::kInvalidInput);
  EXPECT_EQ(e.where.file, "scenario.yaml");
  EXPECT_EQ(e.where.line, 3);
  EXPECT_EQ(e.where.field, "classes[0].input");
  EXPECT_NE(e.message.find("above the limit of 1000000000 tokens"), std::string::npos);

  e = MustFail(
      "duration: 1s\nblock_size: 1\nclasses:\n"
      "  - name: a\n    arrivals: {kind: poisson, rate: 1}\n    system_prompt: 9e15\n"
      "    input: 1\n    output: 1\n");
  EXPECT_EQ(e.where.line, 6);
  EXPECT_EQ(e.where.field, "classes[0].system_prompt");
  EXPECT_NE(e.message.find("system_prompt 9000000000000000 is above the limit"), std::string::npos)
      << e.ToString();

  e = MustFail(
      "duration: 1s\nclasses:\n"
      "  - name: a\n    arrivals: {kind: poisson, rate: 1}\n    input: 10\n    output: 10\n"
      "    session: {turns: 2, think_time: 1s, new_tokens: {kind: fixed, value: 1e10}}\n");
  EXPECT_EQ(e.where.line, 7);

  // At the limit, a spec generates (one turn at a time: the prompt's hashes are allocatable).
  auto g = WorkloadGenerator::Create(MustParse(
      "duration: 2s\nblock_size: 4096\nclasses:\n"
      "  - {name: a, arrivals: {kind: constant, rate: 1}, system_prompt: 1e9, input: 1e9, "
      "output: 1e9}\n"));
  ASSERT_TRUE(g.has_value()) << g.error().ToString();
  auto r = g->Next();
  ASSERT_TRUE(r.has_value() && r->has_value());
  EXPECT_EQ((*r)->input_tokens, 2 * kMaxTokens);
  EXPECT_EQ((*r)->output_tokens, kMaxTokens);
}

// The trace options' bounds are checked at parse time, where the error can name the line.
TEST(WorkloadTest, TraceOptionsOutOfRangeNameTheirLine) {
  Error e = MustFail("trace: {format: splitwise, path: t.csv, speedup: 1e12}\n");
  EXPECT_EQ(e.where.field, "trace.speedup");
  EXPECT_NE(e.message.find("between 1e-9 and 1e9"), std::string::npos);
  e = MustFail("trace:\n  format: splitwise\n  path: t.csv\n  rate: 1e300\n");
  EXPECT_EQ(e.where.line, 4);
  EXPECT_EQ(e.where.field, "trace.rate");
  e = MustFail("trace: {format: splitwise, path: t.csv, window: {start: 1e16s}}\n");
  EXPECT_EQ(e.where.field, "trace.window.start");
  EXPECT_NE(e.message.find("at most 1e15 s"), std::string::npos);
}

}  // namespace
}  // namespace aiinfra::workload
