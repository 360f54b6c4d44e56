// Files of data/ compiled into the binary (see cmake/embed.cmake).
#pragma once

#include <span>
#include <string_view>

namespace aiinfra {

struct EmbeddedFile {
  std::string_view path;  // relative to data/, with '/' separators, e.g. "hardware/systems/x.yaml"
  std::string_view contents;
};

// Every embedded file, sorted by path. The storage is static; views stay valid for the process.
std::span<const EmbeddedFile> EmbeddedFiles();

}  // namespace aiinfra
