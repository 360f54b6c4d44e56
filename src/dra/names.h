// The API server's name rules for DRA objects (specs/dra.md section 1): DNS labels and
// subdomains, label keys and values, and DRA's qualified names of attributes and capacities.
//
// Each check returns nullopt when the text is valid, else the message the error carries
// ("must be a DNS label ..."). Pure functions, thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace aiinfra::dra {

// [a-z0-9]([-a-z0-9]*[a-z0-9])?, at most 63 characters.
std::optional<std::string> CheckDnsLabel(std::string_view text);
// DNS labels joined by '.', at most `max_length` characters (253 for object names).
std::optional<std::string> CheckDnsSubdomain(std::string_view text, std::size_t max_length = 253);
// A driver name: a DNS subdomain of at most 63 characters.
std::optional<std::string> CheckDriverName(std::string_view text);
// A pool name: DNS subdomains separated by '/', at most 253 characters in all.
std::optional<std::string> CheckPoolName(std::string_view text);
// A label key (Kubernetes "qualified name"): [prefix/]name, the prefix a DNS subdomain, the name
// at most 63 characters of [-A-Za-z0-9_.] starting and ending alphanumeric.
std::optional<std::string> CheckLabelKey(std::string_view text);
// A label value: empty, or at most 63 characters as a label key's name part.
std::optional<std::string> CheckLabelValue(std::string_view text);
// A C identifier of at most 32 characters.
std::optional<std::string> CheckCIdentifier(std::string_view text);
// DRA QualifiedName: identifier, or domain/identifier with a domain of at most 63 characters.
std::optional<std::string> CheckQualifiedName(std::string_view text);
// DRA FullyQualifiedName: domain/identifier (the domain is required).
std::optional<std::string> CheckFullyQualifiedName(std::string_view text);
// A semantic version 2.0.0 in its strict form ("1.2.3", "1.0.0-rc.1+build.5", no leading "v").
std::optional<std::string> CheckSemver(std::string_view text);

}  // namespace aiinfra::dra
