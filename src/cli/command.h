// The command table: every command of aiinfra is one Command entry (path, help, options,
// positionals, examples, handler). Parsing, --help at every level and the README's command
// reference are all generated from the table, so a command is documented by declaring it.
//
// A command group registers its commands in one function (see cli/app.h):
//
//   void RegisterHwCommands(CommandTable& table) {
//     table.AddGroup({"hw"}, "Accelerators, systems and their interconnects");
//     table.Add({
//         .path = {"hw", "show"},
//         .summary = "Show one system",
//         .description = "Prints the figures of a system from the hardware catalog...",
//         .options = {{.name = "chips", .value_name = "N", .help = "Chips to use",
//                      .default_value = "72"}},
//         .positionals = {{.name = "system", .help = "System id, e.g. gb200-nvl72"}},
//         .examples = {"aiinfra hw show gb200-nvl72 -o yaml"},
//         .handler = [](Invocation& inv) -> Result<Output> {
//           AIINFRA_TRY(int chips, inv.GetInt("chips"));
//           return Output{.data = {{"system", inv.Get("system")}, {"chips", chips}}};
//         },
//     });
//   }
//
// Not thread-safe while being filled; read-only afterwards.
#pragma once

#include <functional>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "cli/output.h"
#include "common/data.h"
#include "common/env.h"
#include "common/result.h"

namespace aiinfra::cli {

inline constexpr const char* kProgram = "aiinfra";

// An option "--name VALUE" (or "--name" for a flag). Values are strings; Invocation converts.
struct OptionSpec {
  std::string name;           // long name without "--", e.g. "system"
  std::string value_name;     // e.g. "SIZE"; empty for a flag
  std::string help;           // one line
  std::string default_value;  // what Get() returns when the option is absent
  bool required = false;
  bool flag = false;                 // takes no value (value_name must be empty)
  bool repeated = false;             // may be given several times; GetAll() has every value
  std::vector<std::string> choices;  // if set, the value must be one of these
  char short_name = 0;  // a one-letter alias ('f' for -f), as kubectl's -f; 0 for none
};

// A positional argument, in declaration order. Optional ones must come after required ones.
struct PositionalSpec {
  std::string name;  // e.g. "system"; shown as <system>
  std::string help;
  bool required = true;
};

class CommandTable;
struct Command;

// What a handler receives: the parsed values of its options and positionals (by name), and the
// global context. Names are those of the OptionSpecs/PositionalSpecs; asking for an undeclared
// name is a programmer error (throws std::logic_error, which the CLI reports as exit 1).
struct Invocation {
  Invocation(const Command& command, const CommandTable& table, const DataSource& data, Env& env,
             std::ostream& out, std::ostream& err)
      : command(command), table(table), data(data), env(env), out(out), err(err) {}

  // Whether the user gave the option (or positional) on the command line.
  bool Has(std::string_view name) const;
  // The (last) value given, else the declared default ("" if none). Flags: "true" when given,
  // else the default (normally "").
  std::string Get(std::string_view name) const;
  // Every value given, in order; {default} when absent and a default exists, else {}.
  std::vector<std::string> GetAll(std::string_view name) const;
  // Get() as a finite number ("1.5", "2e3") or an integer that fits an int. kUsage naming the
  // option ("--chips: expected an integer, got 'x'") on a bad or missing value.
  Result<double> GetNumber(std::string_view name) const;
  Result<int> GetInt(std::string_view name) const;

  // Used by the framework (and tests) to fill in what was parsed.
  void SetValues(const std::string& name, std::vector<std::string> values);

  const Command& command;
  const CommandTable& table;
  OutputFormat format = OutputFormat::kTable;  // --output
  const DataSource& data;                      // embedded catalogs overlaid by --data
  Env& env;
  int verbosity = 0;  // number of -v
  std::ostream& out;  // results
  std::ostream& err;  // diagnostics, progress

 private:
  // "--name" for options, "<name>" for positionals; throws if `name` is not declared.
  std::string Label(std::string_view name) const;
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
};

struct Command {
  std::vector<std::string> path;  // {"hw", "show"}; {} is the program itself
  std::string summary;            // one line, no final period needed
  std::string description;        // paragraphs (separated by blank lines) for --help and README
  std::vector<OptionSpec> options;
  std::vector<PositionalSpec> positionals;
  std::vector<std::string> examples;  // whole command lines starting with "aiinfra"
  std::function<Result<Output>(Invocation&)> handler;  // empty for a group

  bool is_group() const { return !handler; }
  // "aiinfra hw show"
  std::string FullName() const;
  // "aiinfra hw show [options] <system> [<extra>]", or "aiinfra hw <command>" for a group.
  std::string Usage() const;
  const OptionSpec* FindOption(std::string_view name) const;
  const PositionalSpec* FindPositional(std::string_view name) const;
};

class CommandTable {
 public:
  // The root entry (path {}) always exists; AddGroup({}, ...) sets the program's summary.
  CommandTable();

  // Adds a leaf command. Missing parent groups are created (give them a summary with
  // AddGroup, before or after). Throws std::logic_error on a duplicate path or a command
  // without handler; the rest of the checks are in Validate().
  void Add(Command command);
  // Adds a group, or sets the summary and description of an existing (implicit) one.
  void AddGroup(std::vector<std::string> path, std::string summary, std::string description = "");

  // Every entry, groups included, in tree order: root first, then depth-first, children in the
  // order they were added.
  const std::vector<Command>& commands() const { return commands_; }
  const Command* Find(const std::vector<std::string>& path) const;
  // The direct children of `path`, in order.
  std::vector<const Command*> Children(const std::vector<std::string>& path) const;

  // Checks the table is well-formed: every entry has a summary; options and positionals have
  // unique names that do not clash with the global options; flags have no value name; defaults
  // are among the choices; required positionals come first; examples start with "aiinfra".
  // kInternal naming the command on the first problem.
  Status Validate(const std::vector<OptionSpec>& global_options) const;

 private:
  Command& Ensure(const std::vector<std::string>& path);
  std::vector<Command> commands_;
};

// ---- Documentation generated from a table ----

// The global options every command accepts (help, version, output, data, verbose), as specs.
const std::vector<OptionSpec>& GlobalOptions();

// The --help text of `command` (the root, a group or a leaf) in `table`: name and summary,
// usage, description, subcommands or arguments and options, global options, examples; the
// root's also lists the exit codes.
std::string HelpText(const CommandTable& table, const Command& command);

// The Markdown command reference of `table`, as README.md embeds it: global options, exit
// codes, then every group and command in tree order with usage, summary, description,
// subcommands, arguments, options (value names, defaults, choices) and examples.
std::string MarkdownReference(const CommandTable& table);

// The exit codes with their meaning, derived from ExitCodeFor (cli/app.h): {0, "success"}, ...
std::vector<std::pair<int, std::string>> ExitCodeDocs();

// " (did you mean 'show'?)" naming the candidates closest to `typed` by edit distance (or
// having it as a prefix); "" when none is close.
std::string DidYouMean(std::string_view typed, const std::vector<std::string>& candidates);

}  // namespace aiinfra::cli
