// Runs the framework in-process on a test table with captured streams.
#include "cli/app.h"

#include <gtest/gtest.h>

#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

// A table exercising every kind of option; "hw show" echoes what it received.
CommandTable TestTable() {
  CommandTable table;
  table.AddGroup({}, "Test program summary", "Test program description.");
  table.AddGroup({"hw"}, "Hardware things", "Hardware group description.");
  table.Add({
      .path = {"hw", "show"},
      .summary = "Show one system",
      .description = "Prints one system of the catalog.",
      .options =
          {{.name = "chips", .value_name = "N", .help = "Chips to use", .default_value = "72"},
           {.name = "dtype",
            .value_name = "TYPE",
            .help = "Data type",
            .default_value = "bf16",
            .choices = {"bf16", "fp8", "fp4"}},
           {.name = "label",
            .value_name = "L",
            .help = "A label",
            .repeated = true,
            .short_name = 'l'},
           {.name = "all", .help = "Show everything", .flag = true}},
      .positionals = {{.name = "system", .help = "System id"}},
      .examples = {"aiinfra hw show gb200 --chips 8"},
      .handler = [](Invocation& inv) -> Result<Output> {
        AIINFRA_TRY(int chips, inv.GetInt("chips"));
        return Output{.data = {{"system", inv.Get("system")},
                               {"chips", chips},
                               {"dtype", inv.Get("dtype")},
                               {"labels", inv.GetAll("label")},
                               {"all", inv.Has("all")},
                               {"format", OutputFormatName(inv.format)},
                               {"verbosity", inv.verbosity},
                               {"data_dir", inv.data.overlay_dir()}}};
      },
  });
  table.Add({
      .path = {"hw", "list"},
      .summary = "List systems",
      .handler = [](Invocation&) -> Result<Output> {
        return Output{.data = {{{"name", "a"}, {"chips", 8}}, {{"name", "b"}, {"chips", 72}}},
                      .table = [](std::ostream& out) { out << "custom table\n"; }};
      },
  });
  table.Add({
      .path = {"fail"},
      .summary = "Fail with a code",
      .options = {{.name = "code",
                   .value_name = "CODE",
                   .help = "Error code",
                   .required = true,
                   .choices = {"internal", "usage", "invalid", "notfound", "noresult", "throw"}}},
      .handler = [](Invocation& inv) -> Result<Output> {
        const std::string code = inv.Get("code");
        if (code == "throw") throw std::runtime_error("boom");
        ErrorCode c = code == "internal"   ? ErrorCode::kInternal
                      : code == "usage"    ? ErrorCode::kUsage
                      : code == "invalid"  ? ErrorCode::kInvalidInput
                      : code == "notfound" ? ErrorCode::kNotFound
                                           : ErrorCode::kNoResult;
        return Fail(c, "it failed", {.file = "x.yaml", .line = 3});
      },
  });
  RegisterBuiltinCommands(table);
  return table;
}

struct Ran {
  int code;
  std::string out;
  std::string err;
};

Ran RunArgs(std::vector<std::string> args, const CommandTable& table = TestTable()) {
  std::ostringstream out, err;
  FakeEnv env;
  int code = Run(table, args, out, err, env);
  return {code, out.str(), err.str()};
}

bool Contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Help, Root) {
  for (auto args : std::vector<std::vector<std::string>>{{"--help"}, {"-h"}, {}}) {
    Ran r = RunArgs(args);
    EXPECT_EQ(r.code, 0);
    EXPECT_EQ(r.err, "");
    EXPECT_TRUE(Contains(r.out, "aiinfra - Test program summary")) << r.out;
    EXPECT_TRUE(Contains(r.out, "Usage:\n  aiinfra <command> [options]"));
    EXPECT_TRUE(Contains(r.out, "Test program description."));
    EXPECT_TRUE(Contains(r.out, "  hw       Hardware things\n")) << r.out;
    EXPECT_TRUE(Contains(r.out, "-o, --output FORMAT"));
    EXPECT_TRUE(Contains(r.out, "one of: table, json, yaml"));
    EXPECT_TRUE(Contains(r.out, "Exit codes:\n  0  success\n  1  internal error")) << r.out;
    EXPECT_TRUE(Contains(r.out, "  4  no result"));
  }
}

TEST(Help, Group) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"hw", "--help"}, {"hw", "-h"}, {"--help", "hw"}, {"-o", "json", "hw", "-h"}}) {
    Ran r = RunArgs(args);
    EXPECT_EQ(r.code, 0);
    EXPECT_TRUE(Contains(r.out, "aiinfra hw - Hardware things")) << r.out;
    EXPECT_TRUE(Contains(r.out, "Hardware group description."));
    EXPECT_TRUE(Contains(r.out, "Commands:\n  show  Show one system\n  list  List systems\n"));
    EXPECT_TRUE(Contains(r.out, "Run 'aiinfra hw <command> --help'"));
  }
}

TEST(Help, CommandEvenWithoutItsRequiredValues) {
  Ran r = RunArgs({"hw", "show", "--help"});
  EXPECT_EQ(r.code, 0);
  EXPECT_TRUE(Contains(r.out, "aiinfra hw show - Show one system"));
  EXPECT_TRUE(Contains(r.out, "Usage:\n  aiinfra hw show [options] <system>\n"));
  EXPECT_TRUE(Contains(r.out, "Prints one system of the catalog."));
  EXPECT_TRUE(Contains(r.out, "Arguments:\n  <system>  System id\n"));
  EXPECT_TRUE(Contains(r.out, "  --chips N      Chips to use (default: 72)")) << r.out;
  EXPECT_TRUE(Contains(r.out, "  --dtype TYPE   Data type (default: bf16; one of: bf16, fp8, fp4)"));
  EXPECT_TRUE(Contains(r.out, "  -l, --label L  A label (repeatable)"));
  EXPECT_TRUE(Contains(r.out, "  --all          Show everything"));
  EXPECT_TRUE(Contains(r.out, "Global options"));
  EXPECT_TRUE(Contains(r.out, "Examples:\n  aiinfra hw show gb200 --chips 8\n"));
  EXPECT_EQ(RunArgs({"fail", "-h"}).code, 0);
}

TEST(Run, ParsesOptionsAndPositionals) {
  Ran r = RunArgs({"hw", "show", "gb200", "--chips", "8", "--dtype=fp8", "--label", "a", "--label",
                   "b", "--all", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  Json j = Json::parse(r.out);
  EXPECT_EQ(j["system"], "gb200");
  EXPECT_EQ(j["chips"], 8);
  EXPECT_EQ(j["dtype"], "fp8");
  EXPECT_EQ(j["labels"], Json({"a", "b"}));
  EXPECT_EQ(j["all"], true);
  EXPECT_EQ(j["format"], "json");
}

TEST(Run, ShortNamesAreAliases) {
  Ran r = RunArgs({"hw", "show", "gb200", "-l", "a", "--label", "b", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["labels"], Json({"a", "b"}));
  Ran help = RunArgs({"hw", "show", "--help"});
  EXPECT_TRUE(Contains(help.out, "-l, --label L")) << help.out;
}

TEST(Run, DefaultsWhenAbsent) {
  Ran r = RunArgs({"hw", "show", "h100", "-o", "json"});
  ASSERT_EQ(r.code, 0) << r.err;
  Json j = Json::parse(r.out);
  EXPECT_EQ(j["chips"], 72);
  EXPECT_EQ(j["dtype"], "bf16");
  EXPECT_EQ(j["labels"], Json::array());
  EXPECT_EQ(j["all"], false);
  EXPECT_EQ(j["verbosity"], 0);
  EXPECT_EQ(j["data_dir"], "");
}

TEST(Run, GlobalOptionsBeforeBetweenOrAfterTheCommand) {
  for (auto args : std::vector<std::vector<std::string>>{
           {"-o", "json", "-vv", "--data", "/d", "hw", "show", "x"},
           {"hw", "--output=json", "-v", "show", "-v", "x", "--data=/d"},
           {"hw", "show", "x", "--output", "json", "--verbose", "-v", "--data", "/d"},
           {"-vvo", "json", "--data", "/d", "hw", "show", "x"},
           {"-ojson", "hw", "show", "x", "-vv", "--data", "/d"}}) {
    Ran r = RunArgs(args);
    ASSERT_EQ(r.code, 0) << r.err;
    Json j = Json::parse(r.out);
    EXPECT_EQ(j["format"], "json");
    EXPECT_EQ(j["verbosity"], 2);
    EXPECT_EQ(j["data_dir"], "/d");
  }
}

TEST(Run, OutputFormats) {
  EXPECT_EQ(RunArgs({"hw", "list", "-o", "table"}).out, "custom table\n");
  EXPECT_EQ(RunArgs({"hw", "list", "-o", "yaml"}).out,
            "- name: a\n  chips: 8\n- name: b\n  chips: 72\n");
  EXPECT_EQ(RunArgs({"hw", "list", "-o", "json"}).out,
            "[\n  {\n    \"name\": \"a\",\n    \"chips\": 8\n  },\n  {\n    \"name\": \"b\",\n"
            "    \"chips\": 72\n  }\n]\n");
  Ran generic = RunArgs({"hw", "show", "x", "--label", "l"});
  EXPECT_TRUE(Contains(generic.out, "system:     x\nchips:      72\n")) << generic.out;
}

TEST(Run, DashDashEndsOptions) {
  Ran r = RunArgs({"hw", "show", "-o", "json", "--", "-weird"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(Json::parse(r.out)["system"], "-weird");
}

void ExpectUsageError(const std::vector<std::string>& args, const std::string& message,
                      const std::string& help_path) {
  Ran r = RunArgs(args);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(r.err.starts_with("aiinfra: error: ")) << r.err;
  EXPECT_TRUE(Contains(r.err, message)) << r.err;
  EXPECT_TRUE(Contains(r.err, "(run '" + help_path + " --help')\n")) << r.err;
}

TEST(Errors, UsageErrorsExitTwoWithAHint) {
  ExpectUsageError({"hw", "show", "x", "--chip", "8"}, "did you mean '--chips'?",
                   "aiinfra hw show");
  ExpectUsageError({"hw", "show", "x", "--nope"}, "--nope", "aiinfra hw show");
  ExpectUsageError({"hw", "show", "x", "--dtype", "fp16"}, "fp16", "aiinfra hw show");
  ExpectUsageError({"hw", "show", "x", "-o", "xml"}, "xml", "aiinfra hw show");
  ExpectUsageError({"hw", "show"}, "system", "aiinfra hw show");
  ExpectUsageError({"hw", "show", "x", "y"}, "y", "aiinfra hw show");
  ExpectUsageError({"hw", "show", "x", "--chips"}, "chips", "aiinfra hw show");
  ExpectUsageError({"hw", "show", "x", "--chips", "1", "--chips", "2"}, "chips", "aiinfra hw show");
  ExpectUsageError({"hw", "show", "x", "--chips", "many"},
                   "--chips: expected an integer, got 'many'", "aiinfra hw show");
  ExpectUsageError({"fail"}, "--code is required", "aiinfra fail");
  ExpectUsageError({"fail", "--code", "usage"}, "x.yaml:3: it failed", "aiinfra fail");
}

TEST(Errors, UnknownCommandSuggestsAndLists) {
  ExpectUsageError({"hw", "shwo"},
                   "unknown command 'shwo' for 'aiinfra hw' (did you mean 'show'?); its commands "
                   "are: show, list",
                   "aiinfra hw");
  ExpectUsageError({"-o", "json", "hx", "show"}, "(did you mean 'hw'?)", "aiinfra");
  ExpectUsageError({"hw"}, "'aiinfra hw' needs a command: show, list", "aiinfra hw");
  ExpectUsageError({"-v"}, "'aiinfra' needs a command", "aiinfra");
  ExpectUsageError({"--chips", "8", "hw", "show", "x"},
                   "unknown global option '--chips' (a command's options come after its name)",
                   "aiinfra");
  ExpectUsageError({"hw", "-x", "show"}, "unknown global option '-x'", "aiinfra hw");
}

TEST(Errors, HandlerErrorCodesMapToExitCodes) {
  struct Case {
    const char* code;
    int exit;
  };
  for (Case c :
       {Case{"internal", 1}, Case{"invalid", 3}, Case{"notfound", 3}, Case{"noresult", 4}}) {
    Ran r = RunArgs({"fail", "--code", c.code});
    EXPECT_EQ(r.code, c.exit) << c.code;
    EXPECT_EQ(r.err, "aiinfra: error: x.yaml:3: it failed\n") << c.code;
  }
  Ran thrown = RunArgs({"fail", "--code", "throw"});
  EXPECT_EQ(thrown.code, 1);
  EXPECT_EQ(thrown.err, "aiinfra: error: internal error: boom\n");
}

TEST(Errors, InvalidTableIsAnInternalError) {
  CommandTable table;  // the root has no summary
  table.Add({.path = {"x"}, .summary = "x", .handler = [](Invocation&) -> Result<Output> {
               return Output{};
             }});
  Ran r = RunArgs({"x"}, table);
  EXPECT_EQ(r.code, 1);
  EXPECT_TRUE(Contains(r.err, "command table: 'aiinfra': no summary")) << r.err;
}

TEST(Builtins, Version) {
  EXPECT_EQ(RunArgs({"--version"}).out, "aiinfra 0.1.0\n");
  EXPECT_EQ(RunArgs({"hw", "show", "--version"}).out, "aiinfra 0.1.0\n");
  EXPECT_EQ(RunArgs({"version"}).out, "aiinfra 0.1.0\n");
  EXPECT_EQ(RunArgs({"version", "-o", "json"}).out, "{\n  \"version\": \"0.1.0\"\n}\n");
}

// kVersion in app.cc must follow `project(aiinfra VERSION x.y.z)` in CMakeLists.txt.
TEST(Builtins, VersionMatchesCMakeProject) {
  std::ifstream cmake(std::string(AIINFRA_SOURCE_DIR) + "/CMakeLists.txt");
  std::stringstream text;
  text << cmake.rdbuf();
  std::smatch m;
  std::string s = text.str();
  ASSERT_TRUE(std::regex_search(s, m, std::regex(R"(project\(aiinfra VERSION ([0-9.]+))")));
  EXPECT_EQ(m[1].str(), Version());
}

TEST(Builtins, DocsCommandsListsEveryCommand) {
  const CommandTable table = TestTable();
  Ran r = RunArgs({"docs", "commands"}, table);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out, MarkdownReference(table));
  for (const auto& command : table.commands()) {
    if (command.path.empty()) continue;
    EXPECT_TRUE(Contains(r.out, "### `" + command.FullName() + "`")) << command.FullName();
    EXPECT_TRUE(Contains(r.out, "```\n" + command.Usage() + "\n```")) << command.FullName();
  }
  EXPECT_TRUE(Contains(r.out,
                       "| `--dtype TYPE` | Data type (default: `bf16`; one of: `bf16`, "
                       "`fp8`, `fp4`) |"));
  EXPECT_TRUE(Contains(r.out, "| `--code CODE` | Error code (one of:"));
  EXPECT_TRUE(Contains(r.out, "```sh\naiinfra hw show gb200 --chips 8\n```"));
  EXPECT_TRUE(Contains(r.out, "| `aiinfra hw show` | Show one system |"));
  EXPECT_TRUE(Contains(r.out, "| `-o`, `--output FORMAT` |"));

  Json j = Json::parse(RunArgs({"docs", "commands", "-o", "json"}, table).out);
  std::vector<std::string> names;
  for (const auto& c : j["commands"]) names.push_back(c["command"]);
  EXPECT_EQ(names, (std::vector<std::string>{"aiinfra hw", "aiinfra hw show", "aiinfra hw list",
                                             "aiinfra fail", "aiinfra version", "aiinfra docs",
                                             "aiinfra docs commands"}));
}

TEST(Builtins, ExamplesOfTheTestTableParse) {
  EXPECT_TRUE(CheckExamples(TestTable()));
  CommandTable table = TestTable();
  table.Add({.path = {"bad"},
             .summary = "bad",
             .examples = {"aiinfra bad --nope"},
             .handler = [](Invocation&) -> Result<Output> { return Output{}; }});
  auto status = CheckExamples(table);
  ASSERT_FALSE(status);
  EXPECT_TRUE(Contains(status.error().message, "aiinfra bad --nope")) << status.error().message;
}

}  // namespace
}  // namespace aiinfra::cli
