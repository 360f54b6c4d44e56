// Small text helpers: command-line lists ("a,b,c"), ASCII case, a stable hash.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aiinfra {

// The items of `text` separated by `separator`, each trimmed of spaces and tabs; empty items
// are dropped ("a, b,,c" -> {"a", "b", "c"}).
std::vector<std::string> SplitList(std::string_view text, char separator = ',');

// `text` with ASCII letters lowered (other bytes unchanged, so UTF-8 stays valid).
std::string ToLowerAscii(std::string_view text);

// The 64-bit FNV-1a hash of `text`: stable across runs and platforms (std::hash is not), for
// names and keys derived from text.
uint64_t Fnv1a64(std::string_view text);

}  // namespace aiinfra
