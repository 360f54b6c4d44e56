// What a command prints, and how: the --output formats.
//
// A handler returns an Output: `data`, the result as JSON (the contract for scripts: json and
// yaml print exactly this), and optionally `table`, a function that prints the human rendering.
// The framework prints it with PrintOutput:
//   --output json   data.dump(2)
//   --output yaml   ToYaml(data): the same document as YAML
//   --output table  `table` if set, else RenderGenericTable(data)
// A handler that streams its own output (and looks at Invocation::format itself) returns an
// Output with null `data`; then `table`, if any, runs whatever the format, and nothing else prints.
#pragma once

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aiinfra::cli {

enum class OutputFormat { kTable, kJson, kYaml };

// "table", "json", "yaml"; anything else is kUsage.
Result<OutputFormat> ParseOutputFormat(std::string_view name);
const char* OutputFormatName(OutputFormat format);

struct Output {
  nlohmann::ordered_json data;               // null: nothing to print as data
  std::function<void(std::ostream&)> table;  // the human rendering; empty: generic
  // Set when the command produced output and still failed in part (some pods could not be
  // scheduled): the output is printed, then this error, and its exit code is the command's.
  std::optional<Error> failure;
};

// Prints `output` as `format` to `out` (see the file comment). Every format ends in a newline
// unless it prints nothing.
void PrintOutput(const Output& output, OutputFormat format, std::ostream& out);

// The YAML rendering of a JSON value: block style, two-space indents, one document without
// "---". Objects keep their key order. Strings are plain where YAML 1.1 and 1.2 readers both
// read them back as the same string, and double-quoted (with JSON escapes) otherwise: "", "yes",
// "null", "1.0", "a: b", "-x", " x", "#x", "x #y", and anything with control characters.
// Empty objects and arrays print as {} and []; NaN and infinities as .nan, .inf, -.inf.
std::string ToYaml(const nlohmann::ordered_json& value);

// One string as a YAML scalar: unchanged when it can be plain, else double-quoted.
std::string YamlString(const std::string& text);

// A readable, generic table rendering of any JSON value, for commands without a `table`:
// - an array of objects prints as a table, one row per element, columns in order of first
//   appearance; nested values in cells print as compact JSON;
// - an object prints its scalar members as aligned "key  value" lines and each nested member
//   as a "key:" line followed by its own rendering, indented by two spaces;
// - an array of scalars prints one element per line; a scalar prints as itself.
// null prints as "-", numbers with up to 6 significant digits.
std::string RenderGenericTable(const nlohmann::ordered_json& value);

// A JSON scalar as a table cell: strings unquoted, null "-", doubles with up to 6 significant
// digits, containers as compact JSON.
std::string CellText(const nlohmann::ordered_json& value);

}  // namespace aiinfra::cli
