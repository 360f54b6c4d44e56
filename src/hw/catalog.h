// Catalog: every accelerator and system of data/hardware, loaded and cross-checked.
//
// Load once per process (a few dozen small files; a few milliseconds) and pass by const
// reference. Immutable after loading, so it may be shared between threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/data.h"
#include "common/result.h"
#include "hw/accelerator.h"
#include "hw/system.h"

namespace aiinfra::hw {

class Catalog {
 public:
  // Reads hardware/accelerators/*.yaml and hardware/systems/*.yaml from `data`. Every error
  // names the file, line and field: syntax, unknown or missing fields, impossible values,
  // duplicate ids, a file whose id differs from its name, a system naming an unknown
  // accelerator.
  static Result<Catalog> Load(const DataSource& data);
  // The same from files already in memory (tests).
  static Result<Catalog> FromFiles(const std::vector<DataFile>& accelerators,
                                   const std::vector<DataFile>& systems);

  const std::vector<Accelerator>& accelerators() const { return accelerators_; }
  const std::vector<System>& systems() const { return systems_; }

  // Lookups by id. kNotFound names the known ids closest to `id`.
  Result<const Accelerator*> FindAccelerator(std::string_view id) const;
  Result<const System*> FindSystem(std::string_view id) const;

 private:
  std::vector<Accelerator> accelerators_;
  std::vector<System> systems_;
};

// "unknown KIND "ID"; did you mean A, B? (`aiinfra hw list` shows all)", with the ids in `known`
// closest to `id`; `list_command` names the command that lists them all.
std::string UnknownNameMessage(std::string_view kind, std::string_view id,
                               const std::vector<std::string>& known,
                               std::string_view list_command = "aiinfra hw list");

// The ids in `known` closest to `wanted` (by edit distance), for "did you mean" hints.
std::vector<std::string> ClosestNames(std::string_view wanted,
                                      const std::vector<std::string>& known, std::size_t max = 3);

}  // namespace aiinfra::hw
