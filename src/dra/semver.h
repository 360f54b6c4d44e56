// Semantic versions as the Kubernetes CEL semver library sees them (blang/semver v4): strict
// SemVer 2.0.0 parsing, the library's optional normalisation ("v1.2" -> "1.2.0"), and
// precedence comparison (build metadata ignored).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aiinfra::dra {

struct Semver {
  uint64_t major = 0, minor = 0, patch = 0;
  std::vector<std::string> pre;    // prerelease identifiers
  std::vector<std::string> build;  // build metadata identifiers

  // kInvalidInput with blang/semver's reason ("No Major.Minor.Patch elements found", ...).
  static Result<Semver> Parse(std::string_view text);
  // semver(s, true): strips a leading "v", leading zeros, and fills a missing minor/patch.
  static Result<Semver> ParseNormalized(std::string_view text);

  int Compare(const Semver& other) const;  // -1, 0, 1 by SemVer precedence
  std::string ToString() const;
};

}  // namespace aiinfra::dra
