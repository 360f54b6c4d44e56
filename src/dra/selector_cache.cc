#include "dra/selector_cache.h"

namespace aiinfra::dra {

const Result<CelProgram>& SelectorCache::Compile(const std::string& expression,
                                                 const CelOptions& options) {
  auto key = std::make_tuple(expression, options.consumable_capacity, options.cost_limit);
  auto it = programs_.find(key);
  if (it == programs_.end()) {
    it = programs_.emplace(std::move(key), CompileSelector(expression, options)).first;
  }
  return it->second;
}

const Result<bool>& SelectorCache::Evaluate(const CelProgram& program, const Device& device,
                                            const std::function<const CelDevice&()>& view) {
  auto key = std::make_pair(static_cast<const void*>(&program), static_cast<const void*>(&device));
  auto it = outcomes_.find(key);
  if (it == outcomes_.end()) it = outcomes_.emplace(key, program.Evaluate(view())).first;
  return it->second;
}

}  // namespace aiinfra::dra
