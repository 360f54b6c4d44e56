// ModelCatalog: the built-in architectures of data/models/*.yaml (overridable with --data), and
// resolution of a user's model argument — a catalog id or alias, or a path to a Hugging Face
// config.json.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/data.h"
#include "common/env.h"
#include "common/result.h"
#include "model/architecture.h"

namespace aiinfra::model {

class ModelCatalog {
 public:
  // Reads models/*.yaml. Errors name file:line:field; duplicate ids or aliases and a file whose
  // id differs from its name are errors.
  static Result<ModelCatalog> Load(const DataSource& data);
  static Result<ModelCatalog> FromFiles(const std::vector<DataFile>& files);

  const std::vector<Architecture>& models() const { return models_; }
  // By id or alias, case-insensitive. kNotFound with "did you mean" naming the closest ids.
  Result<const Architecture*> Find(std::string_view name) const;

 private:
  std::vector<Architecture> models_;
};

// `name_or_path` is a catalog id/alias, or (when it ends in ".json" or names an existing file) a
// Hugging Face config.json read through `env`.
Result<Architecture> ResolveModel(const ModelCatalog& catalog, const std::string& name_or_path,
                                  Env& env);

}  // namespace aiinfra::model
