// A file mapped read-only into memory, for weight files far larger than what a process should
// hold: tensors are read where they lie, and Release gives back the pages of one that is done, so
// converting a file tensor by tensor keeps a resident set of about one tensor, not the file.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "common/result.h"

namespace aiinfra::quant {

class MappedFile {
 public:
  // kNotFound when `path` does not exist; kInvalidInput, naming the path and the reason, when it
  // is not a regular readable file. An empty file maps to an empty span.
  static Result<MappedFile> Open(const std::string& path);

  MappedFile(MappedFile&&) noexcept;
  MappedFile& operator=(MappedFile&&) noexcept;
  ~MappedFile();

  std::span<const uint8_t> bytes() const { return {data_, size_}; }
  uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

  // Drops the pages of [offset, offset + size) from this process's resident set (whole pages
  // inside the range only; the page cache keeps them for a later read). Reading them again maps
  // them in again. Out-of-range parts are ignored.
  void Release(uint64_t offset, uint64_t size) const;

 private:
  MappedFile() = default;
  const uint8_t* data_ = nullptr;
  uint64_t size_ = 0;
  std::string path_;
};

}  // namespace aiinfra::quant
