// Small text helpers shared by parsers of command-line lists ("a,b,c").
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace aiinfra {

// The items of `text` separated by `separator`, each trimmed of spaces and tabs; empty items
// are dropped ("a, b,,c" -> {"a", "b", "c"}).
std::vector<std::string> SplitList(std::string_view text, char separator = ',');

}  // namespace aiinfra
