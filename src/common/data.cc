#include "common/data.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "common/embedded.h"

namespace aiinfra {
namespace fs = std::filesystem;

Result<std::vector<DataFile>> DataSource::List(std::string_view subdir,
                                               std::string_view extension) const {
  std::string prefix = std::string(subdir);
  if (!prefix.empty() && prefix.back() != '/') prefix += '/';

  std::map<std::string, DataFile> by_path;
  for (const EmbeddedFile& f : EmbeddedFiles()) {
    if (!f.path.starts_with(prefix) || !f.path.ends_with(extension)) continue;
    // Only direct children: "hardware/systems/x.yaml", not deeper folders.
    if (f.path.substr(prefix.size()).find('/') != std::string_view::npos) continue;
    by_path[std::string(f.path)] =
        DataFile{std::string(f.path), "data/" + std::string(f.path), std::string(f.contents)};
  }

  if (!overlay_dir_.empty()) {
    std::error_code ec;
    if (!fs::is_directory(overlay_dir_, ec)) {
      return Fail(ErrorCode::kNotFound,
                  "--data directory \"" + overlay_dir_ + "\" does not exist or is not a directory");
    }
    const fs::path dir = fs::path(overlay_dir_) / std::string(subdir);
    if (fs::is_directory(dir, ec)) {
      for (const auto& entry : fs::directory_iterator(dir, ec)) {
        const std::string name = entry.path().filename().string();
        if (!entry.is_regular_file() || !name.ends_with(extension)) continue;
        std::ifstream in(entry.path(), std::ios::binary);
        if (!in) {
          return Fail(ErrorCode::kInvalidInput, "cannot read " + entry.path().string());
        }
        std::ostringstream buf;
        buf << in.rdbuf();
        const std::string relative = prefix + name;
        by_path[relative] = DataFile{relative, entry.path().string(), buf.str()};
      }
    }
  }

  std::vector<DataFile> files;
  files.reserve(by_path.size());
  for (auto& [path, file] : by_path) files.push_back(std::move(file));
  return files;
}

}  // namespace aiinfra
