#include "workload/csv.h"

#include <fmt/format.h>

#include <charconv>
#include <cmath>
#include <fstream>

#include "common/text.h"

namespace aiinfra::workload {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

}  // namespace

Status SplitCsvLine(std::string_view line, std::vector<std::string>& fields) {
  fields.clear();
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  std::string field;
  size_t i = 0;
  while (true) {
    field.clear();
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) {
          return std::unexpected(Error{ErrorCode::kInvalidInput, "unterminated quoted field"});
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      if (i < line.size() && line[i] != ',') {
        return std::unexpected(
            Error{ErrorCode::kInvalidInput, "text after a closing quote; quote the whole field"});
      }
    } else {
      const size_t end = std::min(line.find(',', i), line.size());
      field.assign(line.substr(i, end - i));
      i = end;
    }
    fields.push_back(field);
    if (i >= line.size()) return {};
    ++i;  // the comma
  }
}

int FindColumn(const std::vector<std::string>& header, std::string_view name) {
  const std::string wanted = ToLowerAscii(Trim(name));
  for (size_t i = 0; i < header.size(); ++i) {
    if (ToLowerAscii(Trim(header[i])) == wanted) return static_cast<int>(i);
  }
  return -1;
}

Result<std::vector<double>> ReadCsvColumn(const std::string& path, const std::string& column,
                                          double max_value) {
  std::ifstream in(path);
  if (!in) return Fail(ErrorCode::kNotFound, "cannot open the file", Location{path});
  std::string line;
  std::vector<std::string> fields;
  int line_no = 0;
  int index = -1;
  std::vector<double> values;
  while (std::getline(in, line)) {
    ++line_no;
    if (Trim(line).empty() || Trim(line) == "\r") continue;
    auto split = SplitCsvLine(line, fields);
    if (!split) return Fail(ErrorCode::kInvalidInput, split.error().message, {path, line_no});
    if (index < 0) {
      index = FindColumn(fields, column);
      if (index < 0) {
        return Fail(ErrorCode::kInvalidInput,
                    fmt::format("no column \"{}\" in the header; it has: {}", column,
                                fmt::join(fields, ", ")),
                    {path, line_no, 0, column});
      }
      continue;
    }
    if (index >= static_cast<int>(fields.size())) {
      return Fail(
          ErrorCode::kInvalidInput,
          fmt::format("the row has {} fields; the column is number {}", fields.size(), index + 1),
          {path, line_no, 0, column});
    }
    const std::string_view text = Trim(fields[index]);
    double v = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || end != text.data() + text.size() || !std::isfinite(v)) {
      return Fail(ErrorCode::kInvalidInput,
                  fmt::format("malformed number \"{}\"; write a plain number", text),
                  {path, line_no, 0, column});
    }
    if (v < 0) {
      return Fail(ErrorCode::kInvalidInput, fmt::format("negative value {}", v),
                  {path, line_no, 0, column});
    }
    if (v > max_value) {
      return Fail(ErrorCode::kInvalidInput,
                  fmt::format("value {} is above the limit of {}; write a value <= {}", v,
                              max_value, max_value),
                  {path, line_no, 0, column});
    }
    values.push_back(v);
  }
  if (index < 0) return Fail(ErrorCode::kInvalidInput, "the file is empty", Location{path});
  if (values.empty()) return Fail(ErrorCode::kInvalidInput, "no rows after the header", {path});
  return values;
}

}  // namespace aiinfra::workload
