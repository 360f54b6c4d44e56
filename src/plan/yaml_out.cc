#include "plan/yaml_out.h"

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cassert>
#include <cctype>
#include <cmath>
#include <string>

#include "common/text.h"

namespace aiinfra::plan {
namespace {

// Words that YAML 1.1 or 1.2 readers (js-yaml, Go's yaml.v2/v3, yaml-cpp) may take as a null or a
// boolean when written plainly.
bool IsReservedWord(std::string_view text) {
  static constexpr std::string_view kWords[] = {"null", "~",  "true", "false", "yes",
                                                "no",   "on", "off",  "y",     "n"};
  const std::string lower = ToLowerAscii(text);
  for (std::string_view w : kWords) {
    if (lower == w) return true;
  }
  return false;
}

}  // namespace

bool YamlNeedsQuotes(std::string_view text) {
  if (text.empty() || IsReservedWord(text) || text.back() == ':') return true;
  if (text.find_first_not_of('-') == std::string_view::npos) return true;  // "---" ends documents
  const unsigned char first = text.front();
  // A leading '-' is fine before a letter or another '-' ("--port"): not a number, not "- ".
  const bool dash_word = first == '-' && text.size() > 1 &&
                         (text[1] == '-' || std::isalpha(static_cast<unsigned char>(text[1])));
  if (!std::isalpha(first) && first != '_' && first != '/' && !dash_word) return true;
  for (unsigned char c : text) {
    if (std::isalnum(c)) continue;
    switch (c) {
      case '_':
      case '.':
      case '/':
      case ':':
      case '@':
      case '=':
      case '+':
      case '-':
        continue;
      default:
        return true;
    }
  }
  return false;
}

YamlOut YamlOut::Strings(const std::vector<std::string>& items) {
  YamlOut seq = Seq();
  for (const std::string& s : items) seq.Push(s);
  return seq;
}

YamlOut& YamlOut::operator[](std::string_view key) {
  if (kind_ == Kind::kNull) kind_ = Kind::kMap;
  assert(kind_ == Kind::kMap && "YamlOut::operator[] on a non-mapping");
  for (auto& [k, v] : entries_) {
    if (k == key) return v;
  }
  entries_.emplace_back(std::string(key), YamlOut());
  return entries_.back().second;
}

YamlOut& YamlOut::Push(YamlOut item) {
  if (kind_ == Kind::kNull) kind_ = Kind::kSeq;
  assert(kind_ == Kind::kSeq && "YamlOut::Push on a non-sequence");
  items_.push_back(std::move(item));
  return items_.back();
}

void YamlOut::EmitTo(YAML::Emitter& out) const {
  switch (kind_) {
    case Kind::kNull:
      out << YAML::Null;
      break;
    case Kind::kBool:
      out << bool_;
      break;
    case Kind::kInt:
      out << int_;
      break;
    case Kind::kDouble:
      if (std::isnan(double_)) {
        out << ".nan";
      } else if (std::isinf(double_)) {
        out << (double_ > 0 ? ".inf" : "-.inf");
      } else {
        out << fmt::format("{}", double_);
      }
      break;
    case Kind::kString:
      if (YamlNeedsQuotes(string_)) out << YAML::DoubleQuoted;
      out << string_;
      break;
    case Kind::kSeq:
      out << YAML::BeginSeq;
      for (const YamlOut& item : items_) item.EmitTo(out);
      out << YAML::EndSeq;
      break;
    case Kind::kMap:
      out << YAML::BeginMap;
      for (const auto& [key, value] : entries_) {
        out << YAML::Key;
        if (YamlNeedsQuotes(key)) out << YAML::DoubleQuoted;
        out << key << YAML::Value;
        value.EmitTo(out);
      }
      out << YAML::EndMap;
      break;
  }
}

std::string YamlOut::Emit() const {
  YAML::Emitter out;
  out.SetIndent(2);
  // Sequences inside mappings are indented under their key, as kubectl writes them.
  out.SetSeqFormat(YAML::Block);
  EmitTo(out);
  std::string text = out.c_str();
  text += '\n';
  return text;
}

}  // namespace aiinfra::plan
