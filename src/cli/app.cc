#include "cli/app.h"

#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>

#include "common/data.h"
#include "common/log.h"
#include "common/table.h"

namespace aiinfra::cli {
namespace {

// The project's version (CMakeLists.txt `project(... VERSION ...)`; a test keeps them equal).
constexpr const char* kVersion = "0.1.0";

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) out += (i ? std::string(sep) : "") + parts[i];
  return out;
}

// Whether `word` is a global option ("--data=x", "-vvo", "-ojson"), the only options allowed
// before the command's name.
bool IsGlobalOptionWord(const std::string& word) {
  if (word.starts_with("--")) {
    std::string name = word.substr(2, word.find('=') - 2);
    return name == "output" || name == "data" || name == "verbose";
  }
  for (std::size_t i = 1; i < word.size(); ++i) {
    if (word[i] == 'o') return true;  // the rest, if any, is its value
    if (word[i] != 'v') return false;
  }
  return true;
}

// Whether a global option word consumes the next word as its value ("-o json", "-vo json").
bool GlobalTakesNextWord(const std::string& word) {
  if (word.starts_with("--")) return word == "--output" || word == "--data";
  for (std::size_t i = 1; i < word.size(); ++i) {
    if (word[i] == 'o') return i + 1 == word.size();
  }
  return false;
}

// The result of walking the command line down the table.
struct Walk {
  const Command* command = nullptr;
  std::vector<std::string> rest;  // everything but the command words and help/version flags
  bool help = false;
  bool version = false;
  std::optional<Error> error;  // an unknown command or option; `command` is where it was met
};

Walk WalkTable(const CommandTable& table, const std::vector<std::string>& args) {
  Walk walk;
  walk.command = table.Find({});
  bool positional_only = false;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& word = args[i];
    if (positional_only) {
      walk.rest.push_back(word);
    } else if (word == "--") {
      positional_only = true;
      walk.rest.push_back(word);
    } else if (word == "-h" || word == "--help") {
      walk.help = true;
    } else if (word == "--version") {
      walk.version = true;
    } else if (word.size() > 1 && word[0] == '-') {
      if (walk.command->is_group() && !IsGlobalOptionWord(word)) {
        walk.error = Error{ErrorCode::kUsage, "unknown global option '" + word +
                                                  "' (a command's options come after its name)"};
        return walk;
      }
      walk.rest.push_back(word);
      if (walk.command->is_group() && GlobalTakesNextWord(word) && i + 1 < args.size()) {
        walk.rest.push_back(args[++i]);
      }
    } else if (walk.command->is_group()) {
      std::vector<std::string> path = walk.command->path;
      path.push_back(word);
      const Command* child = table.Find(path);
      if (!child) {
        std::vector<std::string> names;
        for (const Command* c : table.Children(walk.command->path)) names.push_back(c->path.back());
        walk.error =
            Error{ErrorCode::kUsage, "unknown command '" + word + "' for '" +
                                         walk.command->FullName() + "'" + DidYouMean(word, names) +
                                         "; its commands are: " + Join(names, ", ")};
        return walk;
      }
      walk.command = child;
    } else {
      walk.rest.push_back(word);
    }
  }
  return walk;
}

// Parses `rest` for a leaf command with CLI11 and fills `inv`. Throws CLI::ParseError.
void ParseLeaf(const Command& command, std::vector<std::string> rest, Invocation& inv,
               std::string& data_dir) {
  CLI::App app{command.summary, command.FullName()};
  app.set_help_flag();
  std::string output = "table";
  int verbose = 0;
  app.add_option("-o,--output", output)
      ->check(CLI::IsMember({"table", "json", "yaml"}))
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_option("--data", data_dir)->multi_option_policy(CLI::MultiOptionPolicy::TakeLast);
  app.add_flag("-v,--verbose", verbose);

  // std::map nodes do not move, so CLI11 may hold pointers into them. Single values go to
  // strings: with vector targets CLI11 would take several words or occurrences.
  std::map<std::string, std::string> singles;
  std::map<std::string, std::vector<std::string>> lists;
  std::map<std::string, int> counts;
  std::vector<std::pair<std::string, CLI::Option*>> added;
  for (const auto& spec : command.options) {
    CLI::Option* option;
    const std::string name =
        (spec.short_name ? std::string("-") + spec.short_name + "," : "") + "--" + spec.name;
    if (spec.flag) {
      option = app.add_flag(name, counts[spec.name], spec.help);
      if (!spec.repeated) option->multi_option_policy(CLI::MultiOptionPolicy::Throw);
    } else if (spec.repeated) {
      option = app.add_option(name, lists[spec.name], spec.help)
                   ->allow_extra_args(false)
                   ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    } else {
      option = app.add_option(name, singles[spec.name], spec.help)
                   ->multi_option_policy(CLI::MultiOptionPolicy::Throw);
    }
    if (!spec.value_name.empty()) option->type_name(spec.value_name);
    if (!spec.choices.empty()) option->check(CLI::IsMember(spec.choices));
    if (spec.required) option->required();
    added.emplace_back(spec.name, option);
  }
  for (const auto& spec : command.positionals) {
    CLI::Option* option = app.add_option(spec.name, singles[spec.name], spec.help);
    if (spec.required) option->required();
    added.emplace_back(spec.name, option);
  }

  std::reverse(rest.begin(), rest.end());  // CLI11 takes the words last-first
  app.parse(rest);

  for (const auto& [name, option] : added) {
    if (option->count() == 0) continue;
    if (counts.contains(name)) {
      inv.SetValues(name, std::vector<std::string>(counts[name], "true"));
    } else if (lists.contains(name)) {
      inv.SetValues(name, lists[name]);
    } else {
      inv.SetValues(name, {singles[name]});
    }
  }
  inv.format = *ParseOutputFormat(output);
  inv.verbosity = verbose;
}

// Explains an unknown option better than CLI11 does, naming the closest known one.
std::string UnknownOptionHint(const Command& command, const std::vector<std::string>& rest) {
  std::vector<std::string> known;
  for (const auto& option : GlobalOptions()) known.push_back("--" + option.name);
  for (const auto& option : command.options) known.push_back("--" + option.name);
  for (const auto& word : rest) {
    if (word == "--") break;
    if (!word.starts_with("--")) continue;
    std::string name = word.substr(0, word.find('='));
    if (std::find(known.begin(), known.end(), name) != known.end()) continue;
    std::string hint = DidYouMean(name, known);
    if (!hint.empty()) return hint;
  }
  return "";
}

void PrintError(std::ostream& err, const Error& error, const Command* command) {
  err << kProgram << ": error: " << error.ToString() << '\n';
  if (error.code == ErrorCode::kUsage) {
    err << "(run '" << (command ? command->FullName() : std::string(kProgram)) << " --help')\n";
  }
}

// The body of Run; `parse_only` stops before the handler (for CheckExamples).
int RunImpl(const CommandTable& table, const std::vector<std::string>& args, std::ostream& out,
            std::ostream& err, Env& env, bool parse_only) {
  if (auto valid = table.Validate(GlobalOptions()); !valid) {
    PrintError(err, valid.error(), nullptr);
    return ExitCodeFor(valid.error().code);
  }
  const Walk walk = WalkTable(table, args);
  if (walk.error) {
    PrintError(err, *walk.error, walk.command);
    return ExitCodeFor(walk.error->code);
  }
  const Command& command = *walk.command;
  if (walk.help) {
    out << HelpText(table, command);
    return 0;
  }
  if (walk.version) {
    out << kProgram << ' ' << kVersion << '\n';
    return 0;
  }
  if (command.is_group()) {
    if (command.path.empty() && args.empty()) {
      out << HelpText(table, command);
      return 0;
    }
    std::vector<std::string> names;
    for (const Command* c : table.Children(command.path)) names.push_back(c->path.back());
    PrintError(err,
               Error{ErrorCode::kUsage,
                     "'" + command.FullName() + "' needs a command: " + Join(names, ", ")},
               &command);
    return ExitCodeFor(ErrorCode::kUsage);
  }

  std::string data_dir;
  DataSource placeholder;
  Invocation parsed(command, table, placeholder, env, out, err);
  try {
    ParseLeaf(command, walk.rest, parsed, data_dir);
  } catch (const CLI::ParseError& e) {
    std::string message = e.what();
    if (dynamic_cast<const CLI::ExtrasError*>(&e)) message += UnknownOptionHint(command, walk.rest);
    PrintError(err, Error{ErrorCode::kUsage, message}, &command);
    return ExitCodeFor(ErrorCode::kUsage);
  }
  if (parse_only) return 0;

  SetVerbosity(parsed.verbosity);
  DataSource data(data_dir);
  Invocation inv(command, table, data, env, out, err);
  inv.format = parsed.format;
  inv.verbosity = parsed.verbosity;
  for (const auto& option : command.options) {
    if (parsed.Has(option.name)) inv.SetValues(option.name, parsed.GetAll(option.name));
  }
  for (const auto& positional : command.positionals) {
    if (parsed.Has(positional.name)) inv.SetValues(positional.name, parsed.GetAll(positional.name));
  }

  Result<Output> result = command.handler(inv);
  if (!result) {
    PrintError(err, result.error(), &command);
    return ExitCodeFor(result.error().code);
  }
  PrintOutput(*result, inv.format, out);
  out.flush();
  if (!out) {
    PrintError(err, Error{ErrorCode::kInternal, "could not write the output"}, &command);
    return ExitCodeFor(ErrorCode::kInternal);
  }
  if (result->failure) {
    PrintError(err, *result->failure, &command);
    return ExitCodeFor(result->failure->code);
  }
  return 0;
}

int GuardedRun(const CommandTable& table, const std::vector<std::string>& args, std::ostream& out,
               std::ostream& err, Env& env, bool parse_only) {
  try {
    return RunImpl(table, args, out, err, env, parse_only);
  } catch (const std::exception& e) {
    PrintError(err, Error{ErrorCode::kInternal, std::string("internal error: ") + e.what()},
               nullptr);
  } catch (...) {
    PrintError(err, Error{ErrorCode::kInternal, "internal error: unknown exception"}, nullptr);
  }
  return ExitCodeFor(ErrorCode::kInternal);
}

}  // namespace

const char* Version() { return kVersion; }

int ExitCodeFor(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInternal:
      return 1;
    case ErrorCode::kUsage:
      return 2;
    case ErrorCode::kInvalidInput:
    case ErrorCode::kNotFound:
      return 3;
    case ErrorCode::kNoResult:
      return 4;
  }
  return 1;
}

int Run(const CommandTable& table, const std::vector<std::string>& args, std::ostream& out,
        std::ostream& err, Env& env) {
  return GuardedRun(table, args, out, err, env, /*parse_only=*/false);
}

int Main(int argc, char** argv) {
  try {
    CommandTable table;
    RegisterCommands(table);
    std::vector<std::string> args(argv + std::min(argc, 1), argv + argc);
    return Run(table, args, std::cout, std::cerr, DefaultEnv());
  } catch (const std::exception& e) {
    std::cerr << kProgram << ": error: internal error: " << e.what() << '\n';
  } catch (...) {
    std::cerr << kProgram << ": error: internal error: unknown exception\n";
  }
  return ExitCodeFor(ErrorCode::kInternal);
}

std::vector<std::string> SplitCommandLine(std::string_view line) {
  std::vector<std::string> words;
  std::string word;
  bool in_word = false;
  for (std::size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '\'' || c == '"') {
      std::size_t end = line.find(c, i + 1);
      if (end == std::string_view::npos) end = line.size();
      word.append(line.substr(i + 1, end - i - 1));
      in_word = true;
      i = end;
    } else if (c == ' ' || c == '\t') {
      if (in_word) words.push_back(word), word.clear(), in_word = false;
    } else if (!in_word && (c == '|' || c == '>' || c == ';' || line.substr(i, 2) == "&&")) {
      break;
    } else {
      word += c;
      in_word = true;
    }
  }
  if (in_word) words.push_back(word);
  return words;
}

Status CheckExamples(const CommandTable& table) {
  std::string failures;
  for (const auto& command : table.commands()) {
    for (const auto& example : command.examples) {
      std::vector<std::string> words = SplitCommandLine(example);
      if (!words.empty()) words.erase(words.begin());  // "aiinfra"
      std::ostringstream out, err;
      FakeEnv env;
      if (GuardedRun(table, words, out, err, env, /*parse_only=*/true) != 0) {
        failures += "\n  " + example + ": " + err.str();
      }
    }
  }
  if (failures.empty()) return {};
  return Fail(ErrorCode::kInternal, "examples that do not parse:" + failures);
}

// ---- The framework's commands ----

void RegisterBuiltinCommands(CommandTable& table) {
  table.Add({
      .path = {"version"},
      .summary = "Print the version of aiinfra",
      .examples = {"aiinfra version -o json"},
      .handler = [](Invocation&) -> Result<Output> {
        return Output{.data = {{"version", kVersion}}, .table = [](std::ostream& out) {
                        out << kProgram << ' ' << kVersion << '\n';
                      }};
      },
  });
  table.AddGroup({"docs"}, "Documentation generated from the command table");
  table.Add({
      .path = {"docs", "commands"},
      .summary = "Print the command reference (Markdown) of every command",
      .description = "Prints the reference that README.md embeds (between its commands:begin "
                     "and commands:end markers): usage, summary, description, arguments, options "
                     "and examples of every command, from the same table that parses the command "
                     "line. With -o json or -o yaml, prints the table itself as data. "
                     "scripts/gen-readme-commands.sh updates README.md with it.",
      .examples = {"aiinfra docs commands > commands.md", "aiinfra docs commands -o json"},
      .handler = [](Invocation& inv) -> Result<Output> {
        nlohmann::ordered_json commands = nlohmann::ordered_json::array();
        for (const auto& command : inv.table.commands()) {
          if (command.path.empty()) continue;
          nlohmann::ordered_json options = nlohmann::ordered_json::array();
          for (const auto& o : command.options) {
            options.push_back({{"name", o.name},
                               {"value_name", o.value_name},
                               {"help", o.help},
                               {"default", o.default_value},
                               {"required", o.required},
                               {"flag", o.flag},
                               {"repeated", o.repeated},
                               {"choices", o.choices}});
          }
          nlohmann::ordered_json positionals = nlohmann::ordered_json::array();
          for (const auto& p : command.positionals) {
            positionals.push_back({{"name", p.name}, {"help", p.help}, {"required", p.required}});
          }
          commands.push_back({{"command", command.FullName()},
                              {"group", command.is_group()},
                              {"usage", command.Usage()},
                              {"summary", command.summary},
                              {"description", command.description},
                              {"arguments", positionals},
                              {"options", options},
                              {"examples", command.examples}});
        }
        const CommandTable& table = inv.table;
        return Output{.data = {{"commands", commands}},
                      .table = [&table](std::ostream& out) { out << MarkdownReference(table); }};
      },
  });
}

void RegisterCommands(CommandTable& table) {
  table.AddGroup({},
                 "Practise, plan and operate Kubernetes AI infrastructure without a GPU cluster",
                 "One binary for the AI-Infra roadmap. Results print as a table, or as JSON or "
                 "YAML with --output; built-in catalogs can be overlaid with --data DIR.");
  RegisterHwCommands(table);
  RegisterModelCommands(table);
  RegisterPerfCommands(table);
  RegisterPlanCommands(table);
  RegisterSimCommands(table);
  RegisterServeCommands(table);
  RegisterBenchCommands(table);
  RegisterQuantCommands(table);
  RegisterDraCommands(table);
  RegisterDraSlicesCommand(table);
  RegisterDraExplainCommand(table);
  RegisterBuiltinCommands(table);
}

}  // namespace aiinfra::cli
