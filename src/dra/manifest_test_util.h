// Test helpers shared by the manifest tests.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

#include "dra/manifest.h"

namespace aiinfra::dra::testing {

inline std::string ReadTestdata(const std::string& name) {
  std::ifstream in(std::string(AIINFRA_SOURCE_DIR) + "/src/dra/testdata/" + name);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

inline Result<Objects> Read(const std::string& text, ReadOptions options = {},
                            const std::string& name = "t.yaml") {
  return ReadManifests({ManifestFile{name, text}}, options);
}

// "file:line: field: message" of a failed read (column left out), or "ok".
inline std::string ErrorOf(const std::string& text, ReadOptions options = {}) {
  auto r = Read(text, options, "claim.yaml");
  if (r) return "ok";
  Error e = r.error();
  e.where.column = 0;
  return e.ToString();
}

}  // namespace aiinfra::dra::testing
