// Small text helpers shared by parsers of command-line lists ("a,b,c").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aiinfra {

// The items of `text` separated by `separator`, each trimmed of spaces and tabs; empty items
// are dropped ("a, b,,c" -> {"a", "b", "c"}).
std::vector<std::string> SplitList(std::string_view text, char separator = ',');

// `text` with ASCII letters lowered (other bytes unchanged, so UTF-8 stays valid).
std::string ToLowerAscii(std::string_view text);

}  // namespace aiinfra
