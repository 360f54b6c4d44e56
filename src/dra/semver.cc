#include "dra/semver.h"

#include <fmt/format.h>

namespace aiinfra::dra {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  return true;
}
bool AlnumHyphen(std::string_view s) {
  for (char c : s) {
    const bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-';
    if (!ok) return false;
  }
  return true;
}

Result<uint64_t> Number(std::string_view s, const char* what) {
  if (!AllDigits(s)) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("Invalid character(s) found in {} number \"{}\"", what, s));
  }
  if (s.size() > 1 && s[0] == '0') {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("{} number must not contain leading zeroes \"{}\"", what, s));
  }
  unsigned __int128 v = 0;
  for (char c : s) {
    v = v * 10 + static_cast<unsigned>(c - '0');
    if (v > UINT64_MAX) {
      return Fail(ErrorCode::kInvalidInput, fmt::format("{} number out of range \"{}\"", what, s));
    }
  }
  return static_cast<uint64_t>(v);
}

std::vector<std::string> Split(std::string_view s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    const size_t at = s.find(sep, start);
    out.emplace_back(
        s.substr(start, at == std::string_view::npos ? std::string_view::npos : at - start));
    if (at == std::string_view::npos) return out;
    start = at + 1;
  }
}

int CompareIdentifier(const std::string& a, const std::string& b) {
  const bool na = AllDigits(a), nb = AllDigits(b);
  if (na && nb) {
    if (a.size() != b.size()) return a.size() < b.size() ? -1 : 1;
  } else if (na != nb) {
    return na ? -1 : 1;  // numeric identifiers have lower precedence
  }
  const int c = a.compare(b);
  return c < 0 ? -1 : c > 0 ? 1 : 0;
}

}  // namespace

Result<Semver> Semver::Parse(std::string_view text) {
  if (text.empty()) return Fail(ErrorCode::kInvalidInput, "Version string empty");
  // Major.Minor.rest, as strings.SplitN(s, ".", 3).
  const size_t d1 = text.find('.');
  const size_t d2 = d1 == std::string_view::npos ? d1 : text.find('.', d1 + 1);
  if (d2 == std::string_view::npos) {
    return Fail(ErrorCode::kInvalidInput, "No Major.Minor.Patch elements found");
  }
  Semver v;
  AIINFRA_TRY(v.major, Number(text.substr(0, d1), "Major"));
  AIINFRA_TRY(v.minor, Number(text.substr(d1 + 1, d2 - d1 - 1), "Minor"));
  std::string_view patch = text.substr(d2 + 1);
  if (const size_t plus = patch.find('+'); plus != std::string_view::npos) {
    v.build = Split(patch.substr(plus + 1), '.');
    patch = patch.substr(0, plus);
  }
  if (const size_t dash = patch.find('-'); dash != std::string_view::npos) {
    v.pre = Split(patch.substr(dash + 1), '.');
    patch = patch.substr(0, dash);
  }
  AIINFRA_TRY(v.patch, Number(patch, "Patch"));
  for (const std::string& p : v.pre) {
    if (p.empty()) return Fail(ErrorCode::kInvalidInput, "Prerelease is empty");
    if (AllDigits(p)) {
      if (p.size() > 1 && p[0] == '0') {
        return Fail(ErrorCode::kInvalidInput,
                    fmt::format("Prerelease must not contain leading zeroes \"{}\"", p));
      }
    } else if (!AlnumHyphen(p)) {
      return Fail(ErrorCode::kInvalidInput,
                  fmt::format("Invalid character(s) found in prerelease \"{}\"", p));
    }
  }
  for (const std::string& b : v.build) {
    if (b.empty()) return Fail(ErrorCode::kInvalidInput, "Buildversion is empty");
    if (!AlnumHyphen(b)) {
      return Fail(ErrorCode::kInvalidInput,
                  fmt::format("Invalid character(s) found in build meta data \"{}\"", b));
    }
  }
  return v;
}

Result<Semver> Semver::ParseNormalized(std::string_view text) {
  if (text.starts_with('v')) text.remove_prefix(1);
  const size_t core_end = text.find_first_of("-+");
  std::string_view core = text.substr(0, core_end);
  const std::string_view rest =
      core_end == std::string_view::npos ? std::string_view() : text.substr(core_end);
  std::vector<std::string> parts = Split(core, '.');
  if (parts.size() > 3) {
    return Fail(ErrorCode::kInvalidInput, "Invalid semver: too many version components");
  }
  for (std::string& p : parts) {
    const size_t nz = p.find_first_not_of('0');
    if (p.size() > 1) p = nz == std::string::npos ? "0" : p.substr(nz);
  }
  while (parts.size() < 3) parts.push_back("0");
  return Parse(fmt::format("{}.{}.{}{}", parts[0], parts[1], parts[2], rest));
}

int Semver::Compare(const Semver& o) const {
  if (major != o.major) return major < o.major ? -1 : 1;
  if (minor != o.minor) return minor < o.minor ? -1 : 1;
  if (patch != o.patch) return patch < o.patch ? -1 : 1;
  if (pre.empty() != o.pre.empty()) return pre.empty() ? 1 : -1;
  for (size_t i = 0; i < pre.size() && i < o.pre.size(); ++i) {
    if (const int c = CompareIdentifier(pre[i], o.pre[i]); c != 0) return c;
  }
  if (pre.size() != o.pre.size()) return pre.size() < o.pre.size() ? -1 : 1;
  return 0;
}

std::string Semver::ToString() const {
  std::string s = fmt::format("{}.{}.{}", major, minor, patch);
  for (size_t i = 0; i < pre.size(); ++i) s += (i == 0 ? "-" : ".") + pre[i];
  for (size_t i = 0; i < build.size(); ++i) s += (i == 0 ? "+" : ".") + build[i];
  return s;
}

}  // namespace aiinfra::dra
