// Env: the process's access to time, randomness and files, injectable so that tests can use a
// virtual clock, a fixed seed and an in-memory file system, and the simulator is deterministic
// for a seed.
//
// Thread safety: an Env is used from one thread unless an implementation says otherwise.
// RealEnv's clock and file functions are thread-safe; its Rng is not (give each thread its own).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aiinfra {

class Env {
 public:
  virtual ~Env() = default;

  // Seconds since an arbitrary epoch, monotonic (never goes back).
  virtual double Now() = 0;
  // Wall-clock time in seconds since the Unix epoch (for timestamps in reports only).
  virtual double WallTime() = 0;
  // Blocks (or, for a virtual clock, advances) for `seconds`.
  virtual void Sleep(double seconds) = 0;

  // The random engine. Seeded once at construction; the sequence is fixed for a seed.
  virtual std::mt19937_64& Rng() = 0;

  // Whole-file read. kNotFound if the path does not exist, kInvalidInput if it is not readable.
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // Writes atomically: to a temporary file beside `path`, then renames it over `path`, so a
  // crash never leaves half a file. Creates no directories.
  virtual Status WriteFile(const std::string& path, const std::string& contents) = 0;
  // A file written piece by piece, for output too large to hold (a simulation's per-request
  // CSV). Nothing appears at `path` until Commit(); destroyed without Commit(), nothing is left
  // behind. This default collects the pieces and commits with WriteFile; RealEnv streams them
  // to a temporary file beside `path` and renames it into place.
  class OutputFile {
   public:
    virtual ~OutputFile() = default;
    virtual Status Write(std::string_view piece) = 0;
    virtual Status Commit() = 0;
  };
  virtual Result<std::unique_ptr<OutputFile>> CreateOutputFile(const std::string& path);
  virtual bool FileExists(const std::string& path) = 0;
  // Creates `path` and any missing parents (like `mkdir -p`); success if it is already a
  // directory. kInvalidInput if it cannot be created or exists as something else.
  virtual Status CreateDirectories(const std::string& path) = 0;
};

// The real process: steady_clock, system_clock, std::this_thread::sleep_for, the file system.
class RealEnv : public Env {
 public:
  explicit RealEnv(uint64_t seed = 42);
  double Now() override;
  double WallTime() override;
  void Sleep(double seconds) override;
  std::mt19937_64& Rng() override { return rng_; }
  Result<std::string> ReadFile(const std::string& path) override;
  Status WriteFile(const std::string& path, const std::string& contents) override;
  Result<std::unique_ptr<OutputFile>> CreateOutputFile(const std::string& path) override;
  bool FileExists(const std::string& path) override;
  Status CreateDirectories(const std::string& path) override;

 private:
  std::mt19937_64 rng_;
};

// For tests: a virtual clock starting at 0 that Sleep() advances, a seeded Rng, and an in-memory
// file map (paths are plain keys, so directories do not exist: CreateDirectories succeeds and
// does nothing). Deterministic.
class FakeEnv : public Env {
 public:
  explicit FakeEnv(uint64_t seed = 42);
  double Now() override { return now_; }
  double WallTime() override { return 1.7e9 + now_; }
  void Sleep(double seconds) override;
  void Advance(double seconds) { Sleep(seconds); }
  std::mt19937_64& Rng() override { return rng_; }
  Result<std::string> ReadFile(const std::string& path) override;
  Status WriteFile(const std::string& path, const std::string& contents) override;
  bool FileExists(const std::string& path) override;
  Status CreateDirectories(const std::string&) override { return {}; }

  std::map<std::string, std::string>& files() { return files_; }

 private:
  double now_ = 0;
  std::mt19937_64 rng_;
  std::map<std::string, std::string> files_;
};

// The process-wide default Env (a RealEnv). Commands use it unless a test passes another.
Env& DefaultEnv();

}  // namespace aiinfra
