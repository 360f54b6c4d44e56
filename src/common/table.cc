#include "common/table.h"

#include <algorithm>
#include <cstdint>

namespace aiinfra {
namespace {

// Decodes one UTF-8 code point at text[i], advancing i. Invalid bytes decode as themselves
// (one column each) rather than failing: a table must print whatever it is given.
char32_t NextCodePoint(std::string_view text, std::size_t& i) {
  auto byte = static_cast<unsigned char>(text[i]);
  int len = byte < 0x80           ? 1
            : (byte >> 5) == 0x6  ? 2
            : (byte >> 4) == 0xE  ? 3
            : (byte >> 3) == 0x1E ? 4
                                  : 0;
  if (len == 0 || i + len > text.size()) {
    ++i;
    return 0xFFFD;
  }
  char32_t cp = len == 1 ? byte : byte & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    auto cont = static_cast<unsigned char>(text[i + k]);
    if ((cont & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (cont & 0x3F);
  }
  i += len;
  return cp;
}

int CodePointWidth(char32_t cp) {
  if (cp == 0) return 0;
  if ((cp >= 0x0300 && cp <= 0x036F) || (cp >= 0x200B && cp <= 0x200F) ||
      (cp >= 0xFE00 && cp <= 0xFE0F) || (cp >= 0x1AB0 && cp <= 0x1AFF) ||
      (cp >= 0x20D0 && cp <= 0x20FF)) {
    return 0;
  }
  if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF && cp != 0x303F) ||
      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
      (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD)) {
    return 2;
  }
  return 1;
}

// Cuts `text` to at most `width` columns, ending in "…" when anything was cut.
std::string Truncate(const std::string& text, int width) {
  if (width <= 0 || DisplayWidth(text) <= width) return text;
  std::string out;
  int used = 0;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t start = i;
    int w = CodePointWidth(NextCodePoint(text, i));
    if (used + w > width - 1) break;
    out.append(text, start, i - start);
    used += w;
  }
  return out + "…";
}

std::string Flatten(std::string cell) {
  std::replace_if(
      cell.begin(), cell.end(), [](char c) { return c == '\n' || c == '\t' || c == '\r'; }, ' ');
  return cell;
}

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

int DisplayWidth(std::string_view text) {
  int width = 0;
  for (std::size_t i = 0; i < text.size();) width += CodePointWidth(NextCodePoint(text, i));
  return width;
}

bool LooksNumeric(std::string_view s) {
  std::size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  std::size_t digits = 0;
  while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && IsDigit(s[i])) ++i, ++digits;
  }
  if (digits == 0) return false;
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    std::size_t j = i + 1;
    if (j < s.size() && (s[j] == '+' || s[j] == '-')) ++j;
    if (j < s.size() && IsDigit(s[j])) {
      i = j;
      while (i < s.size() && IsDigit(s[i])) ++i;
    }
  }
  if (i == s.size()) return true;
  if (s[i] == ' ') ++i;
  if (i == s.size() || IsDigit(s[i])) return false;
  // One unit word: letters (any non-ASCII byte counts as one, for "µs"), '/', '%', digits after
  // the first character ("m2"), and nothing else; so "8x H100" and "2024-01-01" are text.
  for (; i < s.size(); ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80 || c == '/' ||
              c == '%' || IsDigit(s[i]);
    if (!ok) return false;
  }
  return true;
}

void TextTable::AddRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }

void TextTable::SetAlign(std::size_t column, Align align) {
  if (align_.size() <= column) align_.resize(column + 1, Align::kAuto);
  align_[column] = align;
}

void TextTable::SetMaxWidth(std::size_t column, int width) {
  if (max_width_.size() <= column) max_width_.resize(column + 1, 0);
  max_width_[column] = std::max(width, 1);
}

std::size_t TextTable::columns() const {
  std::size_t n = header_.size();
  for (const auto& row : rows_) n = std::max(n, row.size());
  return n;
}

std::string TextTable::Render() const {
  const std::size_t ncols = columns();
  if (ncols == 0) return "";
  const bool has_header = !header_.empty();

  // The cells as they will print: flattened, truncated, padded out to ncols.
  auto prepare = [&](const std::vector<std::string>& row) {
    std::vector<std::string> cells(ncols);
    for (std::size_t c = 0; c < row.size(); ++c) {
      int max = c < max_width_.size() ? max_width_[c] : 0;
      cells[c] = Truncate(Flatten(row[c]), max);
    }
    return cells;
  };
  std::vector<std::vector<std::string>> lines;
  if (has_header) lines.push_back(prepare(header_));
  for (const auto& row : rows_) lines.push_back(prepare(row));

  std::vector<int> width(ncols, 0);
  std::vector<bool> right(ncols, false);
  for (std::size_t c = 0; c < ncols; ++c) {
    bool any_number = false, all_numbers = true;
    for (std::size_t r = 0; r < lines.size(); ++r) {
      const std::string& cell = lines[r][c];
      width[c] = std::max(width[c], DisplayWidth(cell));
      if (has_header && r == 0) continue;
      if (cell.empty() || cell == "-") continue;
      if (LooksNumeric(cell)) {
        any_number = true;
      } else {
        all_numbers = false;
      }
    }
    Align align = c < align_.size() ? align_[c] : Align::kAuto;
    right[c] = align == Align::kRight || (align == Align::kAuto && any_number && all_numbers);
  }

  const std::string indent(std::max(style_.indent, 0), ' ');
  const std::string gap(std::max(style_.gap, 0), ' ');
  std::string out;
  auto emit = [&](const std::vector<std::string>& cells) {
    std::string line = indent;
    for (std::size_t c = 0; c < ncols; ++c) {
      if (c > 0) line += gap;
      std::string pad(width[c] - DisplayWidth(cells[c]), ' ');
      line += right[c] ? pad + cells[c] : cells[c] + pad;
    }
    line.erase(line.find_last_not_of(' ') + 1);
    out += line;
    out += '\n';
  };
  for (std::size_t r = 0; r < lines.size(); ++r) {
    emit(lines[r]);
    if (r == 0 && has_header && style_.header_rule) {
      std::vector<std::string> rule(ncols);
      for (std::size_t c = 0; c < ncols; ++c) rule[c] = std::string(width[c], '-');
      emit(rule);
    }
  }
  return out;
}

}  // namespace aiinfra
