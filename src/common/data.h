// Where catalog data comes from: the files of data/ embedded in the binary, overlaid by a
// directory the user names with --data DIR (a file there replaces the embedded file with the
// same relative path; new files add entries).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aiinfra {

struct DataFile {
  std::string relative;  // path relative to the data root, e.g. "hardware/systems/hgx-h100.yaml"
  std::string display;   // how errors name it: "data/hardware/..." or the overlay's real path
  std::string contents;
};

class DataSource {
 public:
  // Embedded files only.
  DataSource() = default;
  // Embedded files overlaid by the files under `overlay_dir` (empty: embedded only).
  explicit DataSource(std::string overlay_dir) : overlay_dir_(std::move(overlay_dir)) {}

  // The files directly under `subdir` whose names end in `extension`, sorted by name.
  // kNotFound if the overlay directory does not exist; kInvalidInput if a file is unreadable.
  Result<std::vector<DataFile>> List(std::string_view subdir,
                                     std::string_view extension = ".yaml") const;

  const std::string& overlay_dir() const { return overlay_dir_; }

 private:
  std::string overlay_dir_;
};

}  // namespace aiinfra
