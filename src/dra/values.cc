#include "dra/values.h"

namespace aiinfra::dra {

std::pair<std::string, std::string> SplitQualifiedName(const std::string& name,
                                                       const std::string& driver) {
  // Upstream (dynamic-resource-allocation/cel parseQualifiedName) cuts at the first '/'.
  const size_t slash = name.find('/');
  if (slash == std::string::npos) return {driver, name};
  return {name.substr(0, slash), name.substr(slash + 1)};
}

}  // namespace aiinfra::dra
