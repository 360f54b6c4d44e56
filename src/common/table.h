// TextTable: a plain-text table for terminals, the `table` rendering of command output.
//
//   TextTable t({"SYSTEM", "CHIPS", "MEMORY"});
//   t.AddRow({"gb200-nvl72", "72", "13.5TB"});
//   t.Print(out);
//
// prints
//
//   SYSTEM       CHIPS  MEMORY
//   -----------  -----  ------
//   gb200-nvl72     72  13.5TB
//
// Columns are as wide as their widest cell, measured in terminal columns (UTF-8 aware: "µs" is
// two columns, a CJK character two). A column whose cells all look numeric ("72", "-1.5e3",
// "13.5TB", "400 Gb/s", "45%"; empty and "-" cells do not count) is right-aligned, any other
// column left-aligned, unless SetAlign says otherwise. Lines carry no trailing spaces. Newlines
// and tabs inside cells print as spaces so that one row stays one line.
//
// A value type; not thread-safe while being filled, Render() is const.
#pragma once

#include <cstddef>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace aiinfra {

// Width of `text` in terminal columns: UTF-8 code points, with combining marks and zero-width
// characters counted 0 and East Asian wide characters and emoji counted 2. Invalid bytes count 1.
int DisplayWidth(std::string_view text);

// Whether a cell reads as a number with an optional unit: sign, digits, decimal point and
// exponent, then optionally one space and one unit word that does not start with a digit
// ("72", "+3", ".5", "1e-3", "13.5TB", "400 Gb/s", "20ms", "45%", "3.2x"). "H100", "8x H100",
// "2024-01-01", "" and "-" are not.
bool LooksNumeric(std::string_view cell);

class TextTable {
 public:
  enum class Align { kAuto, kLeft, kRight };

  struct Style {
    int indent = 0;           // spaces before every line
    int gap = 2;              // spaces between columns
    bool header_rule = true;  // a line of dashes under the header (when there is a header)
  };

  TextTable() = default;
  // An empty header means no header line.
  explicit TextTable(std::vector<std::string> header) : header_(std::move(header)) {}

  // A row may have fewer cells than the table has columns (the rest are empty) or more (the
  // table grows).
  void AddRow(std::vector<std::string> cells);

  void SetAlign(std::size_t column, Align align);
  // Cells (and the header) of `column` wider than `width` columns (>= 1) are cut and end in "…".
  void SetMaxWidth(std::size_t column, int width);
  void set_style(Style style) { style_ = style; }

  std::size_t rows() const { return rows_.size(); }
  std::size_t columns() const;

  // The table, one "\n"-terminated line per row; "" when there is neither header nor row.
  std::string Render() const;
  void Print(std::ostream& out) const { out << Render(); }

 private:
  std::vector<std::string> header_;
  std::vector<std::vector<std::string>> rows_;
  std::vector<Align> align_;
  std::vector<int> max_width_;
  Style style_;
};

}  // namespace aiinfra
