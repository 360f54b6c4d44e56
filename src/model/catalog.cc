#include "model/catalog.h"

#include <map>

#include "common/text.h"
#include "hw/catalog.h"
#include "model/hf_config.h"

namespace aiinfra::model {
namespace {

std::string FileStem(const std::string& relative) {
  std::string name = relative.substr(relative.find_last_of('/') + 1);
  return name.substr(0, name.find_last_of('.'));
}

Error AtKey(const YamlNode& doc, const std::string& key, std::string message) {
  Error err = doc.Err(std::move(message));
  err.where.field = key;
  if (doc.node[key]) err.where.line = doc.node[key].Mark().line + 1;
  return err;
}

}  // namespace

Result<ModelCatalog> ModelCatalog::FromFiles(const std::vector<DataFile>& files) {
  ModelCatalog catalog;
  std::map<std::string, std::string> owner;  // lower-case id or alias -> the model's id
  for (const DataFile& file : files) {
    AIINFRA_TRY(YamlNode doc, ParseYaml(file.contents, file.display));
    AIINFRA_TRY(Architecture arch, ParseArchitecture(doc));
    if (arch.id != FileStem(file.relative)) {
      return Fail(AtKey(doc, "id",
                        "id \"" + arch.id + "\" differs from the file name \"" +
                            FileStem(file.relative) + "\"; rename one of them"));
    }
    std::vector<std::pair<std::string, std::string>> names = {{arch.id, "id"}};
    for (const std::string& alias : arch.aliases) names.emplace_back(alias, "aliases");
    for (const auto& [name, key] : names) {
      auto [it, inserted] = owner.emplace(ToLowerAscii(name), arch.id);
      if (!inserted) {
        return Fail(AtKey(
            doc, key, "\"" + name + "\" is already the id or an alias of \"" + it->second + "\""));
      }
    }
    catalog.models_.push_back(std::move(arch));
  }
  return catalog;
}

Result<ModelCatalog> ModelCatalog::Load(const DataSource& data) {
  AIINFRA_TRY(auto files, data.List("models"));
  return FromFiles(files);
}

Result<const Architecture*> ModelCatalog::Find(std::string_view name) const {
  const std::string wanted = ToLowerAscii(name);
  std::vector<std::string> known;
  for (const Architecture& arch : models_) {
    if (ToLowerAscii(arch.id) == wanted) return &arch;
    for (const std::string& alias : arch.aliases) {
      if (ToLowerAscii(alias) == wanted) return &arch;
    }
    known.push_back(arch.id);
  }
  return Fail(ErrorCode::kNotFound,
              hw::UnknownNameMessage("model", wanted, known, "aiinfra model list") +
                  "; a path to a Hugging Face config.json also works");
}

Result<Architecture> ResolveModel(const ModelCatalog& catalog, const std::string& name_or_path,
                                  Env& env) {
  const bool json = name_or_path.size() > 5 &&
                    ToLowerAscii(name_or_path.substr(name_or_path.size() - 5)) == ".json";
  if (!json) {
    auto found = catalog.Find(name_or_path);
    if (found) return **found;
    if (!env.FileExists(name_or_path)) return Fail(std::move(found).error());
  }
  std::string path = name_or_path;
  // A model directory (a Hugging Face snapshot) holds its config.json.
  if (!json && env.FileExists(path + "/config.json")) path += "/config.json";
  AIINFRA_TRY(std::string text, env.ReadFile(path));
  return ImportHfConfig(text, path);
}

}  // namespace aiinfra::model
