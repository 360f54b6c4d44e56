#include "cli/command.h"

#include <gtest/gtest.h>

#include <stdexcept>

#include "cli/app.h"

namespace aiinfra::cli {
namespace {

Result<Output> Nothing(Invocation&) { return Output{}; }

Command Show() {
  return Command{
      .path = {"hw", "show"},
      .summary = "Show one system",
      .description = "Prints a system.",
      .options = {{.name = "chips", .value_name = "N", .help = "Chips", .default_value = "72"},
                  {.name = "dtype",
                   .value_name = "TYPE",
                   .help = "Type",
                   .default_value = "bf16",
                   .choices = {"bf16", "fp8"}},
                  {.name = "label", .value_name = "L", .help = "Labels", .repeated = true},
                  {.name = "ratio", .value_name = "R", .help = "Ratio"},
                  {.name = "all", .help = "Everything", .flag = true}},
      .positionals = {{.name = "system", .help = "System id"},
                      {.name = "extra", .help = "More", .required = false}},
      .examples = {"aiinfra hw show gb200 --chips 8"},
      .handler = Nothing,
  };
}

struct InvocationFixture {
  Command command = Show();
  CommandTable table;
  DataSource data;
  FakeEnv env;
  std::ostringstream out, err;
  Invocation inv{command, table, data, env, out, err};
};

TEST(Invocation, ValuesDefaultsAndNumbers) {
  InvocationFixture f;
  Invocation& inv = f.inv;
  EXPECT_FALSE(inv.Has("chips"));
  EXPECT_EQ(inv.Get("chips"), "72");
  EXPECT_EQ(*inv.GetInt("chips"), 72);
  EXPECT_EQ(inv.GetAll("chips"), std::vector<std::string>{"72"});
  EXPECT_EQ(inv.GetAll("label"), std::vector<std::string>{});
  EXPECT_EQ(inv.Get("system"), "");

  inv.SetValues("chips", {"+8"});
  inv.SetValues("label", {"a", "b"});
  inv.SetValues("ratio", {"2.5e-1"});
  inv.SetValues("system", {"gb200"});
  inv.SetValues("all", {"true"});
  EXPECT_TRUE(inv.Has("chips"));
  EXPECT_EQ(*inv.GetInt("chips"), 8);
  EXPECT_EQ(inv.GetAll("label"), (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(inv.Get("label"), "b");
  EXPECT_DOUBLE_EQ(*inv.GetNumber("ratio"), 0.25);
  EXPECT_EQ(inv.Get("system"), "gb200");
  EXPECT_TRUE(inv.Has("all"));
}

TEST(Invocation, BadNumbersAreUsageErrorsNamingTheOption) {
  InvocationFixture f;
  Invocation& inv = f.inv;
  auto missing = inv.GetNumber("ratio");
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().code, ErrorCode::kUsage);
  EXPECT_EQ(missing.error().message, "--ratio: a number is required");

  for (const char* bad : {"x", "1.5x", " 1", "inf", "nan", "1e999"}) {
    inv.SetValues("ratio", {bad});
    auto r = inv.GetNumber("ratio");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, ErrorCode::kUsage);
    EXPECT_NE(r.error().message.find("--ratio: expected a number"), std::string::npos) << bad;
  }
  for (const char* bad : {"1.5", "x", "8 ", "0x10"}) {
    inv.SetValues("chips", {bad});
    auto r = inv.GetInt("chips");
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().message, "--chips: expected an integer, got '" + std::string(bad) + "'");
  }
  inv.SetValues("chips", {""});  // "--chips=": given, but empty
  EXPECT_EQ(inv.GetInt("chips").error().message, "--chips: an integer is required");
  inv.SetValues("chips", {"99999999999"});
  EXPECT_EQ(inv.GetInt("chips").error().message, "--chips: integer out of range: '99999999999'");
  inv.SetValues("system", {"x"});
  EXPECT_EQ(inv.GetInt("system").error().message, "<system>: expected an integer, got 'x'");
}

TEST(Invocation, UndeclaredNameIsAProgrammerError) {
  InvocationFixture f;
  EXPECT_THROW(f.inv.Get("nope"), std::logic_error);
  EXPECT_THROW(f.inv.SetValues("nope", {"1"}), std::logic_error);
}

TEST(Command, UsageLine) {
  EXPECT_EQ(Show().Usage(), "aiinfra hw show [options] <system> [<extra>]");
  EXPECT_EQ(Show().FullName(), "aiinfra hw show");
  Command group{.path = {"hw"}};
  EXPECT_EQ(group.Usage(), "aiinfra hw <command> [options]");
}

TEST(CommandTable, KeepsTreeOrderAndCreatesParents) {
  CommandTable table;
  table.Add({.path = {"b", "one"}, .summary = "b1", .handler = Nothing});
  table.Add({.path = {"a"}, .summary = "a", .handler = Nothing});
  table.Add({.path = {"b", "two"}, .summary = "b2", .handler = Nothing});
  table.AddGroup({"b"}, "group b");
  std::vector<std::string> names;
  for (const auto& c : table.commands()) names.push_back(c.FullName());
  EXPECT_EQ(names, (std::vector<std::string>{"aiinfra", "aiinfra b", "aiinfra b one",
                                             "aiinfra b two", "aiinfra a"}));
  EXPECT_EQ(table.Find({"b"})->summary, "group b");
  EXPECT_TRUE(table.Find({"b"})->is_group());
  EXPECT_EQ(table.Children({"b"}).size(), 2u);
  EXPECT_EQ(table.Find({"c"}), nullptr);
  EXPECT_THROW(table.Add({.path = {"a"}, .summary = "again", .handler = Nothing}),
               std::logic_error);
  EXPECT_THROW(table.Add({.path = {"x"}, .summary = "no handler"}), std::logic_error);
  EXPECT_THROW(table.AddGroup({"a"}, "a is a command"), std::logic_error);
}

std::string ValidationError(Command command) {
  CommandTable table;
  table.AddGroup({}, "root");
  table.AddGroup({"hw"}, "hw");
  table.Add(std::move(command));
  auto status = table.Validate(GlobalOptions());
  return status ? "" : status.error().message;
}

TEST(CommandTable, ValidateCatchesMalformedCommands) {
  EXPECT_EQ(ValidationError(Show()), "");
  auto with = [](auto change) {
    Command c = Show();
    change(c);
    return ValidationError(c);
  };
  EXPECT_NE(with([](Command& c) { c.summary = ""; }).find("no summary"), std::string::npos);
  EXPECT_NE(with([](Command& c) { c.options[0].name = "output"; }).find("clashes"),
            std::string::npos);
  EXPECT_NE(with([](Command& c) { c.options[1].name = "chips"; }).find("duplicate"),
            std::string::npos);
  EXPECT_NE(with([](Command& c) { c.options[1].default_value = "fp4"; }).find("not a choice"),
            std::string::npos);
  EXPECT_NE(with([](Command& c) { c.options[4].value_name = "X"; }).find("flag"),
            std::string::npos);
  EXPECT_NE(with([](Command& c) { c.options[0].value_name = ""; }).find("flag"), std::string::npos);
  EXPECT_NE(with([](Command& c) { c.options[0].required = true; }).find("required with a default"),
            std::string::npos);
  EXPECT_NE(with([](Command& c) { c.options[0].help = ""; }).find("no help"), std::string::npos);
  EXPECT_NE(with([](Command& c) { c.options[0].name = "Chips"; }).find("bad option name"),
            std::string::npos);
  EXPECT_NE(with([](Command& c) {
              std::swap(c.positionals[0], c.positionals[1]);
            }).find("after an optional"),
            std::string::npos);
  EXPECT_NE(with([](Command& c) { c.examples = {"aiinfra hw list"}; }).find("does not start"),
            std::string::npos);
  EXPECT_NE(with([](Command& c) { c.examples = {"aiinfra hw showx"}; }).find("does not start"),
            std::string::npos);
}

TEST(CommandTable, ValidateWantsGroupSummaries) {
  CommandTable table;
  table.AddGroup({}, "root");
  table.Add(Show());  // "hw" exists only implicitly, without a summary
  EXPECT_NE(table.Validate(GlobalOptions()).error().message.find("'aiinfra hw': no summary"),
            std::string::npos);
}

TEST(Docs, DidYouMean) {
  std::vector<std::string> names = {"show", "list", "collective", "topology"};
  EXPECT_EQ(DidYouMean("shwo", names), " (did you mean 'show'?)");
  EXPECT_EQ(DidYouMean("lsit", names), " (did you mean 'list'?)");
  EXPECT_EQ(DidYouMean("coll", names), " (did you mean 'collective'?)");
  EXPECT_EQ(DidYouMean("zzzzzz", names), "");
  EXPECT_EQ(DidYouMean("--chip", {"--chips", "--chop", "--data"}),
            " (did you mean '--chips' or '--chop'?)");
}

TEST(Docs, ExitCodesComeFromExitCodeFor) {
  auto docs = ExitCodeDocs();
  ASSERT_EQ(docs.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(docs[i].first, i);
  EXPECT_EQ(docs[0].second, "success");
  EXPECT_NE(docs[3].second.find("invalid input"), std::string::npos);
  EXPECT_NE(docs[3].second.find("not found"), std::string::npos);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInternal), 1);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kUsage), 2);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kInvalidInput), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kNotFound), 3);
  EXPECT_EQ(ExitCodeFor(ErrorCode::kNoResult), 4);
}

TEST(Docs, SplitCommandLine) {
  EXPECT_EQ(SplitCommandLine("aiinfra hw show  'a b' \"c d\"e --x=1 | jq ."),
            (std::vector<std::string>{"aiinfra", "hw", "show", "a b", "c de", "--x=1"}));
  EXPECT_EQ(SplitCommandLine("aiinfra docs commands > out.md"),
            (std::vector<std::string>{"aiinfra", "docs", "commands"}));
  EXPECT_EQ(SplitCommandLine("aiinfra x ''"), (std::vector<std::string>{"aiinfra", "x", ""}));
}

// The binary's own table: well-formed, every example parses, every command documented.
TEST(RealTable, IsValidAndExamplesParse) {
  CommandTable table;
  RegisterCommands(table);
  auto valid = table.Validate(GlobalOptions());
  EXPECT_TRUE(valid) << valid.error().message;
  auto examples = CheckExamples(table);
  EXPECT_TRUE(examples) << examples.error().message;
}

TEST(RealTable, ReferenceListsEveryCommandOptionAndExample) {
  CommandTable table;
  RegisterCommands(table);
  const std::string md = MarkdownReference(table);
  for (const auto& command : table.commands()) {
    if (command.path.empty()) continue;
    EXPECT_NE(md.find("### `" + command.FullName() + "`"), std::string::npos) << command.FullName();
    EXPECT_NE(md.find(command.Usage()), std::string::npos) << command.FullName();
    EXPECT_NE(md.find(command.summary), std::string::npos) << command.FullName();
    for (const auto& option : command.options) {
      const std::string label = option.short_name ? std::string("`-") + option.short_name +
                                                        ", --" + option.name
                                                  : "`--" + option.name;
      EXPECT_NE(md.find(label), std::string::npos) << option.name;
    }
    for (const auto& example : command.examples) {
      EXPECT_NE(md.find(example), std::string::npos) << example;
    }
  }
  for (const auto& option : GlobalOptions()) {
    EXPECT_NE(md.find("`--" + option.name), std::string::npos) << option.name;
  }
  EXPECT_NE(md.find("| 4 | no result"), std::string::npos);
}

}  // namespace
}  // namespace aiinfra::cli
