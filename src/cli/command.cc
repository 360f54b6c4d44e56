#include "cli/command.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>

#include "cli/app.h"
#include "common/table.h"

namespace aiinfra::cli {
namespace {

std::string Join(const std::vector<std::string>& parts, std::string_view sep) {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += sep;
    out += parts[i];
  }
  return out;
}

bool IsPrefix(const std::vector<std::string>& prefix, const std::vector<std::string>& path) {
  return prefix.size() <= path.size() && std::equal(prefix.begin(), prefix.end(), path.begin());
}

bool ValidName(const std::string& name) {
  if (name.empty() || name.front() == '-') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_';
  });
}

}  // namespace

// ---- Invocation ----

std::string Invocation::Label(std::string_view name) const {
  if (command.FindOption(name)) return "--" + std::string(name);
  if (command.FindPositional(name)) return "<" + std::string(name) + ">";
  throw std::logic_error("command '" + command.FullName() + "' has no option or argument '" +
                         std::string(name) + "'");
}

void Invocation::SetValues(const std::string& name, std::vector<std::string> values) {
  Label(name);  // must be declared
  values_[name] = std::move(values);
}

bool Invocation::Has(std::string_view name) const {
  Label(name);
  auto it = values_.find(name);
  return it != values_.end() && !it->second.empty();
}

std::string Invocation::Get(std::string_view name) const {
  if (Has(name)) return values_.find(name)->second.back();
  const OptionSpec* option = command.FindOption(name);
  return option ? option->default_value : "";
}

std::vector<std::string> Invocation::GetAll(std::string_view name) const {
  if (Has(name)) return values_.find(name)->second;
  const OptionSpec* option = command.FindOption(name);
  if (option && !option->default_value.empty()) return {option->default_value};
  return {};
}

Result<double> Invocation::GetNumber(std::string_view name) const {
  const std::string label = Label(name);
  const std::string text = Get(name);
  if (text.empty()) return Fail(ErrorCode::kUsage, label + ": a number is required");
  char* end = nullptr;
  double value = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size() || !std::isfinite(value) ||
      std::isspace(static_cast<unsigned char>(text.front()))) {
    return Fail(ErrorCode::kUsage, label + ": expected a number, got '" + text + "'");
  }
  return value;
}

Result<int> Invocation::GetInt(std::string_view name) const {
  const std::string label = Label(name);
  const std::string text = Get(name);
  if (text.empty()) return Fail(ErrorCode::kUsage, label + ": an integer is required");
  std::string_view digits = text;
  if (digits.front() == '+') digits.remove_prefix(1);
  int value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
  if (ec == std::errc::result_out_of_range) {
    return Fail(ErrorCode::kUsage, label + ": integer out of range: '" + text + "'");
  }
  if (ec != std::errc() || ptr != digits.data() + digits.size() || digits.empty()) {
    return Fail(ErrorCode::kUsage, label + ": expected an integer, got '" + text + "'");
  }
  return value;
}

// ---- Command ----

std::string Command::FullName() const {
  return path.empty() ? kProgram : std::string(kProgram) + " " + Join(path, " ");
}

std::string Command::Usage() const {
  std::string usage = FullName();
  if (is_group()) return usage + " <command> [options]";
  if (!options.empty()) usage += " [options]";
  for (const auto& positional : positionals) {
    usage += positional.required ? " <" + positional.name + ">" : " [<" + positional.name + ">]";
  }
  return usage;
}

const OptionSpec* Command::FindOption(std::string_view name) const {
  for (const auto& option : options) {
    if (option.name == name) return &option;
  }
  return nullptr;
}

const PositionalSpec* Command::FindPositional(std::string_view name) const {
  for (const auto& positional : positionals) {
    if (positional.name == name) return &positional;
  }
  return nullptr;
}

// ---- CommandTable ----

CommandTable::CommandTable() { commands_.push_back(Command{}); }

Command& CommandTable::Ensure(const std::vector<std::string>& path) {
  for (auto& command : commands_) {
    if (command.path == path) return command;
  }
  std::vector<std::string> parent_path(path.begin(), path.end() - 1);
  Ensure(parent_path);
  // Insert after the parent's last descendant, keeping the vector in tree order.
  auto parent = std::find_if(commands_.begin(), commands_.end(),
                             [&](const Command& c) { return c.path == parent_path; });
  auto pos = parent + 1;
  while (pos != commands_.end() && IsPrefix(parent_path, pos->path)) ++pos;
  Command group;
  group.path = path;
  return *commands_.insert(pos, std::move(group));
}

void CommandTable::Add(Command command) {
  if (command.path.empty() || !command.handler) {
    throw std::logic_error("CommandTable::Add: '" + command.FullName() +
                           "' needs a non-empty path and a handler (use AddGroup for groups)");
  }
  if (Find(command.path)) {
    throw std::logic_error("CommandTable::Add: duplicate command '" + command.FullName() + "'");
  }
  Command& slot = Ensure(command.path);
  slot = std::move(command);
}

void CommandTable::AddGroup(std::vector<std::string> path, std::string summary,
                            std::string description) {
  Command& group = Ensure(path);
  if (!group.is_group()) {
    throw std::logic_error("CommandTable::AddGroup: '" + group.FullName() + "' is a command");
  }
  group.summary = std::move(summary);
  group.description = std::move(description);
}

const Command* CommandTable::Find(const std::vector<std::string>& path) const {
  for (const auto& command : commands_) {
    if (command.path == path) return &command;
  }
  return nullptr;
}

std::vector<const Command*> CommandTable::Children(const std::vector<std::string>& path) const {
  std::vector<const Command*> children;
  for (const auto& command : commands_) {
    if (command.path.size() == path.size() + 1 && IsPrefix(path, command.path)) {
      children.push_back(&command);
    }
  }
  return children;
}

Status CommandTable::Validate(const std::vector<OptionSpec>& global_options) const {
  std::set<std::string> global_names;
  for (const auto& option : global_options) global_names.insert(option.name);
  for (const auto& command : commands_) {
    auto fail = [&](const std::string& what) {
      return Fail(ErrorCode::kInternal, "command table: '" + command.FullName() + "': " + what);
    };
    if (command.summary.empty()) return fail("no summary");
    for (const auto& part : command.path) {
      if (!ValidName(part)) return fail("bad name '" + part + "'");
    }
    if (command.is_group()) {
      if (!command.options.empty() || !command.positionals.empty()) {
        return fail("a group takes no options or arguments");
      }
      if (!command.path.empty() && Children(command.path).empty()) return fail("empty group");
    }
    std::set<std::string> names;
    for (const auto& option : command.options) {
      const std::string label = "--" + option.name;
      if (!ValidName(option.name)) return fail("bad option name '" + option.name + "'");
      if (global_names.contains(option.name)) return fail(label + " clashes with a global option");
      if (!names.insert(option.name).second) return fail("duplicate name '" + option.name + "'");
      if (option.short_name) {
        const char c = option.short_name;
        if (!std::isalpha(static_cast<unsigned char>(c)) || c == 'h' || c == 'o' || c == 'v' ||
            !names.insert(std::string("-") + c).second) {
          return fail(label + ": short name -" + std::string(1, c) +
                      " is not a free letter (-h, -o and -v are global)");
        }
      }
      if (option.help.empty()) return fail(label + " has no help");
      if (option.flag != option.value_name.empty()) {
        return fail(label + ": a flag has no value name, and an option needs one");
      }
      if (option.flag && (option.required || !option.choices.empty())) {
        return fail(label + ": a flag cannot be required or have choices");
      }
      if (option.required && !option.default_value.empty()) {
        return fail(label + ": required with a default");
      }
      if (!option.default_value.empty() && !option.choices.empty() &&
          std::find(option.choices.begin(), option.choices.end(), option.default_value) ==
              option.choices.end()) {
        return fail(label + ": default '" + option.default_value + "' is not a choice");
      }
    }
    bool optional_seen = false;
    for (const auto& positional : command.positionals) {
      if (!ValidName(positional.name)) return fail("bad argument name '" + positional.name + "'");
      if (!names.insert(positional.name).second) {
        return fail("duplicate name '" + positional.name + "'");
      }
      if (positional.help.empty()) return fail("<" + positional.name + "> has no help");
      if (positional.required && optional_seen) {
        return fail("required <" + positional.name + "> after an optional argument");
      }
      optional_seen = optional_seen || !positional.required;
    }
    for (const auto& example : command.examples) {
      const std::string prefix = command.FullName();
      if (example.compare(0, prefix.size(), prefix) != 0 ||
          (example.size() > prefix.size() && example[prefix.size()] != ' ')) {
        return fail("example '" + example + "' does not start with '" + prefix + "'");
      }
    }
  }
  return {};
}

// ---- Documentation ----

namespace {

// Optimal string alignment distance (Levenshtein with transpositions).
int EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::vector<int>> d(a.size() + 1, std::vector<int>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = static_cast<int>(i);
  for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = static_cast<int>(j);
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      int cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace

std::string DidYouMean(std::string_view typed, const std::vector<std::string>& candidates) {
  const int limit = typed.size() <= 3 ? 1 : 2;
  int best = limit + 1;
  std::vector<std::string> matches;
  for (const auto& candidate : candidates) {
    int distance = EditDistance(typed, candidate);
    if (typed.size() >= 2 && candidate.starts_with(typed)) distance = std::min(distance, limit);
    if (distance < best) matches.clear(), best = distance;
    if (distance == best) matches.push_back("'" + candidate + "'");
  }
  if (matches.empty()) return "";
  return " (did you mean " + Join(matches, " or ") + "?)";
}

namespace {

// Short forms of global options (commands have long options only).
std::string ShortFlag(const std::string& name) {
  if (name == "help") return "-h";
  if (name == "output") return "-o";
  if (name == "verbose") return "-v";
  return "";
}

std::string OptionLabel(const OptionSpec& option) {
  std::string label = "--" + option.name;
  if (option.short_name) label = std::string("-") + option.short_name + ", " + label;
  if (!option.value_name.empty()) label += " " + option.value_name;
  return label;
}

// "(default: 72; one of: a, b; required; repeatable)" or "".
std::string OptionNotes(const OptionSpec& option, bool markdown) {
  auto code = [&](const std::string& s) { return markdown ? "`" + s + "`" : s; };
  std::vector<std::string> notes;
  if (!option.default_value.empty()) notes.push_back("default: " + code(option.default_value));
  if (!option.choices.empty()) {
    std::vector<std::string> choices;
    for (const auto& choice : option.choices) choices.push_back(code(choice));
    notes.push_back("one of: " + Join(choices, ", "));
  }
  if (option.required) notes.push_back("required");
  if (option.repeated) notes.push_back("repeatable");
  return notes.empty() ? "" : " (" + Join(notes, "; ") + ")";
}

// Re-flows paragraphs to `width` columns; a paragraph with indented or list lines stays as is.
std::string Wrap(const std::string& text, std::size_t width) {
  std::string out;
  std::istringstream lines(text);
  std::vector<std::string> paragraph;
  auto flush = [&] {
    if (paragraph.empty()) return;
    bool verbatim = std::any_of(paragraph.begin(), paragraph.end(), [](const std::string& l) {
      return l.starts_with(" ") || l.starts_with("-") || l.starts_with("|") || l.starts_with("*");
    });
    if (!out.empty()) out += '\n';
    if (verbatim) {
      for (const auto& l : paragraph) out += l + '\n';
    } else {
      std::istringstream words(Join(paragraph, " "));
      std::string word, line;
      while (words >> word) {
        if (!line.empty() && line.size() + 1 + word.size() > width)
          out += line + '\n', line.clear();
        line += (line.empty() ? "" : " ") + word;
      }
      if (!line.empty()) out += line + '\n';
    }
    paragraph.clear();
  };
  for (std::string line; std::getline(lines, line);) {
    if (line.find_first_not_of(" \t") == std::string::npos) {
      flush();
    } else {
      paragraph.push_back(line);
    }
  }
  flush();
  return out;
}

void AppendGlobalOptions(std::string& out) {
  TextTable rows;
  rows.set_style({.indent = 2});
  for (const auto& option : GlobalOptions()) {
    std::string flag = ShortFlag(option.name);
    rows.AddRow({(flag.empty() ? "    " : flag + ", ") + OptionLabel(option),
                 option.help + OptionNotes(option, false)});
  }
  out += "Global options (before or after the command):\n" + rows.Render();
}

// What each error code means to a user; ExitCodeFor decides the status.
const char* ErrorCodeMeaning(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInternal:
      return "internal error: a bug or an unexpected failure of the environment";
    case ErrorCode::kUsage:
      return "usage error: unknown command or option, missing or bad value";
    case ErrorCode::kInvalidInput:
      return "invalid input: a file, field or value is wrong";
    case ErrorCode::kNotFound:
      return "not found: a named file or entry is missing";
    case ErrorCode::kNoResult:
      return "no result: the input is valid but has no answer (unsatisfiable, infeasible)";
  }
  return "error";
}

}  // namespace

std::vector<std::pair<int, std::string>> ExitCodeDocs() {
  std::map<int, std::string> by_status = {{0, "success"}};
  for (ErrorCode code : {ErrorCode::kInternal, ErrorCode::kUsage, ErrorCode::kInvalidInput,
                         ErrorCode::kNotFound, ErrorCode::kNoResult}) {
    std::string& meaning = by_status[ExitCodeFor(code)];
    meaning += (meaning.empty() ? "" : "; ") + std::string(ErrorCodeMeaning(code));
  }
  return {by_status.begin(), by_status.end()};
}

const std::vector<OptionSpec>& GlobalOptions() {
  static const std::vector<OptionSpec> options = {
      {.name = "help", .help = "Show the help of aiinfra or of any command", .flag = true},
      {.name = "version", .help = "Print the version and exit", .flag = true},
      {.name = "output",
       .value_name = "FORMAT",
       .help = "How results print",
       .default_value = "table",
       .choices = {"table", "json", "yaml"}},
      {.name = "data",
       .value_name = "DIR",
       .help = "Overlay the built-in catalogs with the files under DIR (same relative paths)"},
      {.name = "verbose",
       .help = "Log more on stderr: -v info, -vv debug",
       .flag = true,
       .repeated = true},
  };
  return options;
}

std::string HelpText(const CommandTable& table, const Command& command) {
  std::string out =
      command.FullName() + " - " + command.summary + "\n\nUsage:\n  " + command.Usage() + "\n";
  if (!command.description.empty()) out += "\n" + Wrap(command.description, 80);
  if (command.is_group()) {
    TextTable rows;
    rows.set_style({.indent = 2});
    for (const Command* child : table.Children(command.path)) {
      rows.AddRow({child->path.back(), child->summary});
    }
    out += "\nCommands:\n" + rows.Render();
  }
  if (!command.positionals.empty()) {
    TextTable rows;
    rows.set_style({.indent = 2});
    for (const auto& positional : command.positionals) {
      rows.AddRow({"<" + positional.name + ">",
                   positional.help + (positional.required ? "" : " (optional)")});
    }
    out += "\nArguments:\n" + rows.Render();
  }
  if (!command.options.empty()) {
    TextTable rows;
    rows.set_style({.indent = 2});
    for (const auto& option : command.options) {
      rows.AddRow({OptionLabel(option), option.help + OptionNotes(option, false)});
    }
    out += "\nOptions:\n" + rows.Render();
  }
  out += "\n";
  AppendGlobalOptions(out);
  if (!command.examples.empty()) {
    out += "\nExamples:\n";
    for (const auto& example : command.examples) out += "  " + example + "\n";
  }
  if (command.path.empty()) {
    TextTable rows;
    rows.set_style({.indent = 2});
    for (const auto& [code, meaning] : ExitCodeDocs()) rows.AddRow({std::to_string(code), meaning});
    out += "\nExit codes:\n" + rows.Render();
  }
  if (command.is_group()) {
    out += "\nRun '" + command.FullName() + " <command> --help' for more about a command.\n";
  }
  return out;
}

std::string MarkdownReference(const CommandTable& table) {
  auto cell = [](std::string text) {
    std::string out;
    for (char c : text) out += c == '|' ? std::string("\\|") : c == '\n' ? " " : std::string(1, c);
    return out;
  };
  std::string md =
      "<!-- Generated by `aiinfra docs commands` from the command table; do not edit. -->\n\n"
      "### Global options\n\nAccepted before or after the command.\n\n"
      "| option | description |\n|---|---|\n";
  for (const auto& option : GlobalOptions()) {
    std::string flag = ShortFlag(option.name);
    md += "| " + (flag.empty() ? "" : "`" + flag + "`, ") + "`" + OptionLabel(option) + "` | " +
          cell(option.help + OptionNotes(option, true)) + " |\n";
  }
  md += "\n### Exit codes\n\n| code | meaning |\n|---|---|\n";
  for (const auto& [code, meaning] : ExitCodeDocs()) {
    md += "| " + std::to_string(code) + " | " + meaning + " |\n";
  }
  for (const auto& command : table.commands()) {
    if (command.path.empty()) continue;
    md += "\n### `" + command.FullName() + "`\n\n" + command.summary + "\n\n```\n" +
          command.Usage() + "\n```\n";
    if (!command.description.empty()) md += "\n" + command.description + "\n";
    if (command.is_group()) {
      md += "\n| command | summary |\n|---|---|\n";
      for (const Command* child : table.Children(command.path)) {
        md += "| `" + child->FullName() + "` | " + cell(child->summary) + " |\n";
      }
    }
    if (!command.positionals.empty()) {
      md += "\n| argument | description |\n|---|---|\n";
      for (const auto& positional : command.positionals) {
        md += "| `<" + positional.name + ">` | " +
              cell(positional.help + (positional.required ? "" : " (optional)")) + " |\n";
      }
    }
    if (!command.options.empty()) {
      md += "\n| option | description |\n|---|---|\n";
      for (const auto& option : command.options) {
        md += "| `" + OptionLabel(option) + "` | " + cell(option.help + OptionNotes(option, true)) +
              " |\n";
      }
    }
    if (!command.examples.empty()) {
      md += "\nExamples:\n\n```sh\n";
      for (const auto& example : command.examples) md += example + "\n";
      md += "```\n";
    }
  }
  return md;
}

}  // namespace aiinfra::cli
