#include "dra/names.h"

#include <vector>

namespace aiinfra::dra {
namespace {

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsAlnum(char c) { return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool IsLabel(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool IsSubdomain(std::string_view s, std::size_t max_length) {
  if (s.empty() || s.size() > max_length) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    if (!IsLabel(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

// The name part of a label key and a non-empty label value.
bool IsLabelName(std::string_view s) {
  if (s.empty() || s.size() > 63) return false;
  if (!IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

bool IsCIdentifier(std::string_view s) {
  if (s.empty() || s.size() > 32) return false;
  if (IsDigit(s.front())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '_') return false;
  }
  return true;
}

std::string Quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

const char* kLabelRule =
    "lower case alphanumeric characters or '-', starting and ending with an alphanumeric "
    "character";

// Numeric semver identifier: digits without a leading zero.
bool IsNumericId(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!IsDigit(c)) return false;
  }
  return s.size() == 1 || s.front() != '0';
}

bool IsDotSeparated(std::string_view s, bool numeric_no_leading_zero) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = s.find('.', start);
    std::string_view id = s.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (id.empty()) return false;
    bool all_digits = true;
    for (char c : id) {
      if (!IsAlnum(c) && c != '-') return false;
      all_digits = all_digits && IsDigit(c);
    }
    if (numeric_no_leading_zero && all_digits && !IsNumericId(id)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

}  // namespace

std::optional<std::string> CheckDnsLabel(std::string_view text) {
  if (text.size() > 63) return "must be no more than 63 characters";
  if (!IsLabel(text)) {
    return "must be a DNS label (" + std::string(kLabelRule) + "): " + Quoted(text);
  }
  return std::nullopt;
}

std::optional<std::string> CheckDnsSubdomain(std::string_view text, std::size_t max_length) {
  if (text.size() > max_length) {
    return "must be no more than " + std::to_string(max_length) + " characters";
  }
  if (!IsSubdomain(text, max_length)) {
    return "must be a DNS subdomain (DNS labels of " + std::string(kLabelRule) +
           ", separated by '.'): " + Quoted(text);
  }
  return std::nullopt;
}

std::optional<std::string> CheckDriverName(std::string_view text) {
  return CheckDnsSubdomain(text, 63);
}

std::optional<std::string> CheckPoolName(std::string_view text) {
  if (text.size() > 253) return "must be no more than 253 characters";
  std::size_t start = 0;
  while (true) {
    const std::size_t slash = text.find('/', start);
    std::string_view part =
        text.substr(start, slash == std::string_view::npos ? slash : slash - start);
    if (!IsSubdomain(part, 253)) {
      return "must be one or more DNS subdomains separated by '/': " + Quoted(text);
    }
    if (slash == std::string_view::npos) return std::nullopt;
    start = slash + 1;
  }
}

std::optional<std::string> CheckLabelKey(std::string_view text) {
  std::string_view name = text;
  const std::size_t slash = text.find('/');
  if (slash != std::string_view::npos) {
    std::string_view prefix = text.substr(0, slash);
    name = text.substr(slash + 1);
    if (!IsSubdomain(prefix, 253)) {
      return "prefix part must be a DNS subdomain: " + Quoted(text);
    }
  }
  if (!IsLabelName(name)) {
    return "name part must be at most 63 alphanumeric characters, '-', '_' or '.', starting and "
           "ending with an alphanumeric character: " +
           Quoted(text);
  }
  return std::nullopt;
}

std::optional<std::string> CheckLabelValue(std::string_view text) {
  if (text.empty() || IsLabelName(text)) return std::nullopt;
  return "a label value must be empty or at most 63 alphanumeric characters, '-', '_' or '.', "
         "starting and ending with an alphanumeric character: " +
         Quoted(text);
}

std::optional<std::string> CheckCIdentifier(std::string_view text) {
  if (IsCIdentifier(text)) return std::nullopt;
  return "must be a C identifier of at most 32 characters (letters, digits and '_', not starting "
         "with a digit): " +
         Quoted(text);
}

std::optional<std::string> CheckQualifiedName(std::string_view text) {
  const std::size_t slash = text.find('/');
  if (slash == std::string_view::npos) return CheckCIdentifier(text);
  if (auto bad = CheckDnsSubdomain(text.substr(0, slash), 63)) return "domain " + *bad;
  return CheckCIdentifier(text.substr(slash + 1));
}

std::optional<std::string> CheckFullyQualifiedName(std::string_view text) {
  if (text.find('/') == std::string_view::npos) {
    return "must be a fully qualified name (domain/identifier): " + Quoted(text);
  }
  return CheckQualifiedName(text);
}

std::optional<std::string> CheckSemver(std::string_view text) {
  const std::string bad = "must be a semantic version (semver 2.0.0, e.g. 1.2.3): " + Quoted(text);
  std::string_view rest = text;
  std::string_view build;
  if (auto plus = rest.find('+'); plus != std::string_view::npos) {
    build = rest.substr(plus + 1);
    rest = rest.substr(0, plus);
    if (!IsDotSeparated(build, false)) return bad;
  }
  std::string_view pre;
  bool has_pre = false;
  if (auto dash = rest.find('-'); dash != std::string_view::npos) {
    pre = rest.substr(dash + 1);
    rest = rest.substr(0, dash);
    has_pre = true;
  }
  if (has_pre && !IsDotSeparated(pre, true)) return bad;
  int parts = 0;
  std::size_t start = 0;
  while (true) {
    const std::size_t dot = rest.find('.', start);
    if (!IsNumericId(rest.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return bad;
    }
    ++parts;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (parts != 3) return bad;
  return std::nullopt;
}

}  // namespace aiinfra::dra
