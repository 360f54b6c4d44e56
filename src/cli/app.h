// The aiinfra command line: the command table of the binary, and the framework that runs it.
//
// Run() turns a command line into a call of one Command's handler (cli/command.h):
//   1. It walks the words of the command line down the table ("hw", "show"); global options
//      may come before, between or after them. An unknown word is a usage error that lists
//      the group's commands, with "did you mean" suggestions.
//   2. -h/--help anywhere prints the help of the deepest command reached; --version prints
//      the version. Both exit 0 without checking the rest of the line.
//   3. CLI11 parses the rest against the command's options, positionals and the global ones.
//   4. The handler runs; its Output prints per --output (cli/output.h) to stdout.
//   5. Errors print to stderr as "aiinfra: error: <message>" (usage errors add a hint to run
//      --help) and map to the exit status in ExitCodeFor, the only place that does so.
//
// Global options: -h/--help, --version, -o/--output table|json|yaml, --data DIR, -v/--verbose
// (repeatable). Command options come after the command's name.
#pragma once

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/command.h"
#include "common/env.h"
#include "common/result.h"

namespace aiinfra::cli {

// The program's entry point (called by main.cc): builds the table with RegisterCommands and
// runs argv against it on std::cout/std::cerr with the DefaultEnv. Never throws.
int Main(int argc, char** argv);

// "0.1.0"
const char* Version();

// The exit status for an error code: 1 kInternal, 2 kUsage (and every parse error),
// 3 kInvalidInput and kNotFound, 4 kNoResult. Success is 0.
int ExitCodeFor(ErrorCode code);

// Runs one command line (`args` without the program name) against `table`; see the file
// comment. Returns the exit status. Never throws: a stray exception is an internal error.
int Run(const CommandTable& table, const std::vector<std::string>& args, std::ostream& out,
        std::ostream& err, Env& env);

// ---- The table of the binary ----

// Every command of aiinfra: the framework's own and each group's.
void RegisterCommands(CommandTable& table);
// The framework's commands: `version`, `docs commands`.
void RegisterBuiltinCommands(CommandTable& table);
// One function per command group, each in cli/<group>_commands.cc.
void RegisterHwCommands(CommandTable& table);
void RegisterModelCommands(CommandTable& table);
void RegisterPerfCommands(CommandTable& table);
void RegisterPlanCommands(CommandTable& table);
void RegisterDraCommands(CommandTable& table);
void RegisterSimCommands(CommandTable& table);
void RegisterBenchCommands(CommandTable& table);
void RegisterServeCommands(CommandTable& table);
void RegisterQuantCommands(CommandTable& table);
// `dra slices`, in cli/dra_slices_command.cc.
void RegisterDraSlicesCommand(CommandTable& table);
// `dra explain`, in cli/dra_explain_command.cc.
void RegisterDraExplainCommand(CommandTable& table);

// ---- Checks of a table ----

// Splits an example line into words: whitespace separates, '...' and "..." quote; stops at a
// shell operator (|, >, ;, &&).
std::vector<std::string> SplitCommandLine(std::string_view line);

// Parses every example of every command (without running handlers). kInternal listing the
// examples that do not parse, with CLI11's message.
Status CheckExamples(const CommandTable& table);

}  // namespace aiinfra::cli
