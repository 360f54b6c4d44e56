#include "cli/output.h"

#include <fmt/core.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "common/table.h"
#include "common/text.h"

namespace aiinfra::cli {
namespace {

using Json = nlohmann::ordered_json;

constexpr auto kReplace = nlohmann::ordered_json::error_handler_t::replace;

// Characters that are printable in JSON but not in YAML, or are line breaks to YAML 1.1 readers.
const char* const kYamlUnsafe[] = {"\x7f", "\xc2\x85", "\xe2\x80\xa8", "\xe2\x80\xa9",
                                   "\xef\xbb\xbf"};
const char* const kYamlUnsafeEscaped[] = {"\\u007f", "\\u0085", "\\u2028", "\\u2029", "\\ufeff"};

bool NeedsQuotes(const std::string& s) {
  if (s.empty()) return true;
  if (s.front() == ' ' || s.back() == ' ') return true;
  for (unsigned char c : s) {
    if (c < 0x20) return true;
  }
  for (const char* bad : kYamlUnsafe) {
    if (s.find(bad) != std::string::npos) return true;
  }
  // Indicator characters that may not (or, to older readers, should not) start a plain scalar.
  if (std::string_view("-?:,[]{}#&*!|>'\"%@`").find(s.front()) != std::string_view::npos) {
    return true;
  }
  if (s.find(": ") != std::string::npos || s.find(" #") != std::string::npos || s.back() == ':') {
    return true;
  }
  // Words that YAML 1.1 or 1.2 readers resolve to null or booleans, and merge/value keys.
  static const std::set<std::string, std::less<>> kReserved = {
      "null", "~", "true", "false", "yes", "no", "on", "off", "y", "n", "<<", "="};
  const std::string lower = ToLowerAscii(s);
  if (kReserved.contains(lower)) return true;
  // Anything number-like: ints, floats, exponents, YAML 1.1 underscores and base-60 ("1:30"),
  // dates and times, versions. Quoting a few strings that did not need it is harmless.
  bool any_digit = false, only_numeric_chars = true;
  for (char c : lower) {
    if (c >= '0' && c <= '9') {
      any_digit = true;
    } else if (std::string_view("+-._:e").find(c) == std::string_view::npos) {
      only_numeric_chars = false;
      break;
    }
  }
  if (any_digit && only_numeric_chars) return true;
  if (lower.size() > 2 && lower[0] == '0' &&
      (lower[1] == 'x' || lower[1] == 'o' || lower[1] == 'b'))
    return true;
  for (std::string_view special : {".inf", "+.inf", "-.inf", ".nan"}) {
    if (lower == special) return true;
  }
  return false;
}

std::string YamlNumber(const Json& v) {
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::isnan(d)) return ".nan";
    if (std::isinf(d)) return d > 0 ? ".inf" : "-.inf";
    std::string text = v.dump();
    // YAML 1.1 floats need a '.' in the mantissa ("1.0e+20", not "1e+20").
    auto e = text.find_first_of("eE");
    if (e != std::string::npos && text.find('.') == std::string::npos) text.insert(e, ".0");
    return text;
  }
  return v.dump();
}

std::string YamlScalar(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::string:
      return YamlString(v.get_ref<const std::string&>());
    case Json::value_t::object:
      return "{}";
    case Json::value_t::array:
      return "[]";
    default:
      return YamlNumber(v);
  }
}

bool IsNonEmptyCollection(const Json& v) { return v.is_structured() && !v.empty(); }

// Writes a non-empty object or array in block style at `indent`. With `inline_first` the first
// line's indentation is already on the line (after a sequence's "- ").
void EmitCollection(const Json& v, int indent, bool inline_first, std::string& out) {
  bool first = true;
  auto start_line = [&] {
    if (!(first && inline_first)) out.append(indent, ' ');
    first = false;
  };
  if (v.is_object()) {
    for (const auto& [key, child] : v.items()) {
      start_line();
      out += YamlString(key);
      out += ':';
      if (IsNonEmptyCollection(child)) {
        out += '\n';
        EmitCollection(child, indent + 2, false, out);
      } else {
        out += ' ';
        out += YamlScalar(child);
        out += '\n';
      }
    }
    return;
  }
  for (const auto& child : v) {
    start_line();
    out += "- ";
    if (IsNonEmptyCollection(child)) {
      EmitCollection(child, indent + 2, true, out);
    } else {
      out += YamlScalar(child);
      out += '\n';
    }
  }
}

// One line of text: newlines inside a string would break the layout.
std::string OneLine(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

void RenderValue(const Json& v, int indent, std::string& out) {
  const std::string pad(indent, ' ');
  if (!IsNonEmptyCollection(v)) {
    out += pad + OneLine(CellText(v)) + "\n";
    return;
  }
  if (v.is_array()) {
    bool all_objects = true;
    for (const auto& el : v) all_objects = all_objects && el.is_object();
    if (all_objects) {
      std::vector<std::string> columns;
      for (const auto& el : v) {
        for (const auto& [key, unused] : el.items()) {
          if (std::find(columns.begin(), columns.end(), key) == columns.end())
            columns.push_back(key);
        }
      }
      TextTable table(columns);
      table.set_style({.indent = indent});
      for (const auto& el : v) {
        std::vector<std::string> row;
        for (const auto& key : columns) row.push_back(el.contains(key) ? CellText(el[key]) : "");
        table.AddRow(std::move(row));
      }
      out += table.Render();
      return;
    }
    for (std::size_t i = 0; i < v.size(); ++i) {
      if (IsNonEmptyCollection(v[i])) {
        out += pad + "[" + std::to_string(i) + "]:\n";
        RenderValue(v[i], indent + 2, out);
      } else {
        out += pad + OneLine(CellText(v[i])) + "\n";
      }
    }
    return;
  }
  // An object: scalar members as "key:  value" lines, values aligned across the object;
  // nested members as "key:" sections.
  int key_width = 0;
  for (const auto& [key, child] : v.items()) {
    if (!IsNonEmptyCollection(child)) key_width = std::max(key_width, DisplayWidth(key));
  }
  for (const auto& [key, child] : v.items()) {
    if (IsNonEmptyCollection(child)) {
      out += pad + key + ":\n";
      RenderValue(child, indent + 2, out);
    } else {
      std::string value = OneLine(CellText(child));
      std::string gap(key_width - DisplayWidth(key) + 2, ' ');
      out += pad + key + ":" + (value.empty() ? "" : gap + value) + "\n";
    }
  }
}

}  // namespace

Result<OutputFormat> ParseOutputFormat(std::string_view name) {
  if (name == "table") return OutputFormat::kTable;
  if (name == "json") return OutputFormat::kJson;
  if (name == "yaml") return OutputFormat::kYaml;
  return Fail(ErrorCode::kUsage, "--output: unknown format '" + std::string(name) +
                                     "' (expected table, json or yaml)");
}

const char* OutputFormatName(OutputFormat format) {
  switch (format) {
    case OutputFormat::kTable:
      return "table";
    case OutputFormat::kJson:
      return "json";
    case OutputFormat::kYaml:
      return "yaml";
  }
  return "table";
}

std::string YamlString(const std::string& text) {
  if (!NeedsQuotes(text)) return text;
  std::string quoted = Json(text).dump(-1, ' ', false, kReplace);
  for (std::size_t k = 0; k < std::size(kYamlUnsafe); ++k) {
    const std::string bad = kYamlUnsafe[k];
    for (auto pos = quoted.find(bad); pos != std::string::npos; pos = quoted.find(bad, pos)) {
      quoted.replace(pos, bad.size(), kYamlUnsafeEscaped[k]);
    }
  }
  return quoted;
}

std::string ToYaml(const Json& value) {
  if (!IsNonEmptyCollection(value)) return YamlScalar(value) + "\n";
  std::string out;
  EmitCollection(value, 0, false, out);
  return out;
}

std::string CellText(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "-";
    case Json::value_t::boolean:
      return v.get<bool>() ? "true" : "false";
    case Json::value_t::string:
      return v.get<std::string>();
    case Json::value_t::number_float:
      return fmt::format("{:.6g}", v.get<double>());
    case Json::value_t::number_integer:
    case Json::value_t::number_unsigned:
      return v.dump();
    default:
      return v.dump(-1, ' ', false, kReplace);
  }
}

std::string RenderGenericTable(const Json& value) {
  std::string out;
  RenderValue(value, 0, out);
  return out;
}

void PrintOutput(const Output& output, OutputFormat format, std::ostream& out) {
  if (output.data.is_null()) {
    if (output.table) output.table(out);
    return;
  }
  switch (format) {
    case OutputFormat::kJson:
      out << output.data.dump(2, ' ', false, kReplace) << '\n';
      return;
    case OutputFormat::kYaml:
      out << ToYaml(output.data);
      return;
    case OutputFormat::kTable:
      if (output.table) {
        output.table(out);
      } else {
        out << RenderGenericTable(output.data);
      }
      return;
  }
}

}  // namespace aiinfra::cli
