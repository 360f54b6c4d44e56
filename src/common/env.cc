#include "common/env.h"

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace aiinfra {
namespace {

std::string ErrnoText(int err) { return std::strerror(err); }

// Names the temporary file beside `path`. The pid keeps two processes apart; the counter keeps two
// threads of one process apart, since RealEnv promises thread-safe file functions.
std::string TempPathFor(const std::string& path) {
  static std::atomic<uint64_t> counter{0};
  return fmt::format("{}.tmp.{}.{}", path, ::getpid(), counter.fetch_add(1));
}

}  // namespace

RealEnv::RealEnv(uint64_t seed) : rng_(seed) {}

double RealEnv::Now() {
  using Seconds = std::chrono::duration<double>;
  return std::chrono::duration_cast<Seconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

double RealEnv::WallTime() {
  using Seconds = std::chrono::duration<double>;
  return std::chrono::duration_cast<Seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void RealEnv::Sleep(double seconds) {
  if (seconds > 0) std::this_thread::sleep_for(std::chrono::duration<double>(seconds));
}

Result<std::string> RealEnv::ReadFile(const std::string& path) {
  std::error_code ec;
  auto status = std::filesystem::status(path, ec);
  if (status.type() == std::filesystem::file_type::not_found) {
    return Fail(ErrorCode::kNotFound, fmt::format("cannot read \"{}\": no such file", path));
  }
  if (std::filesystem::is_directory(status)) {
    return Fail(ErrorCode::kInvalidInput, fmt::format("cannot read \"{}\": is a directory", path));
  }
  errno = 0;
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    int err = errno;
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("cannot read \"{}\": {}", path,
                            err != 0 ? ErrnoText(err) : std::string("cannot open")));
  }
  std::ostringstream contents;
  contents << in.rdbuf();
  // An empty file makes operator<< set failbit without an error, so only badbit means a failure.
  if (in.bad()) {
    return Fail(ErrorCode::kInvalidInput, fmt::format("cannot read \"{}\": read error", path));
  }
  return std::move(contents).str();
}

Status RealEnv::WriteFile(const std::string& path, const std::string& contents) {
  // stdio rather than ofstream: its failures leave a meaningful errno for the message.
  std::string temp = TempPathFor(path);
  auto fail = [&](int err) -> Status {
    std::remove(temp.c_str());
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("cannot write \"{}\": {}", path, ErrnoText(err)));
  };
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) return fail(errno);
  size_t written = std::fwrite(contents.data(), 1, contents.size(), f);
  int write_err = written == contents.size() ? 0 : errno;
  // fclose flushes, so a full disk may only show up here.
  if (std::fclose(f) != 0 && write_err == 0) write_err = errno;
  if (write_err != 0 || written != contents.size()) return fail(write_err != 0 ? write_err : EIO);
  if (std::rename(temp.c_str(), path.c_str()) != 0) return fail(errno);
  return {};
}

namespace {

// Collects the pieces and writes them with the Env's WriteFile on Commit.
class BufferedOutputFile : public Env::OutputFile {
 public:
  BufferedOutputFile(Env& env, std::string path) : env_(env), path_(std::move(path)) {}
  Status Write(std::string_view piece) override {
    buffer_.append(piece);
    return {};
  }
  Status Commit() override { return env_.WriteFile(path_, buffer_); }

 private:
  Env& env_;
  std::string path_;
  std::string buffer_;
};

// Streams to a temporary file beside the destination; Commit renames it into place.
class StreamedOutputFile : public Env::OutputFile {
 public:
  StreamedOutputFile(std::string path, std::string temp, std::FILE* f)
      : path_(std::move(path)), temp_(std::move(temp)), f_(f) {}
  ~StreamedOutputFile() override {
    if (f_) std::fclose(f_);
    if (!committed_) std::remove(temp_.c_str());
  }
  Status Write(std::string_view piece) override {
    if (!f_) return Fail(ErrorCode::kInvalidInput, fmt::format("\"{}\" is closed", path_));
    if (std::fwrite(piece.data(), 1, piece.size(), f_) != piece.size()) return Failed(errno);
    return {};
  }
  Status Commit() override {
    if (!f_) return Fail(ErrorCode::kInvalidInput, fmt::format("\"{}\" is closed", path_));
    const int closed = std::fclose(f_);
    f_ = nullptr;
    if (closed != 0) return Failed(errno);
    if (std::rename(temp_.c_str(), path_.c_str()) != 0) return Failed(errno);
    committed_ = true;
    return {};
  }

 private:
  Status Failed(int err) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("cannot write \"{}\": {}", path_, ErrnoText(err != 0 ? err : EIO)));
  }
  std::string path_, temp_;
  std::FILE* f_;
  bool committed_ = false;
};

}  // namespace

Result<std::unique_ptr<Env::OutputFile>> Env::CreateOutputFile(const std::string& path) {
  return std::unique_ptr<OutputFile>(new BufferedOutputFile(*this, path));
}

Result<std::unique_ptr<Env::OutputFile>> RealEnv::CreateOutputFile(const std::string& path) {
  std::string temp = TempPathFor(path);
  std::FILE* f = std::fopen(temp.c_str(), "wb");
  if (f == nullptr) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("cannot write \"{}\": {}", path, ErrnoText(errno)));
  }
  return std::unique_ptr<OutputFile>(new StreamedOutputFile(path, std::move(temp), f));
}

bool RealEnv::FileExists(const std::string& path) {
  std::error_code ec;
  return std::filesystem::exists(path, ec);
}

Status RealEnv::CreateDirectories(const std::string& path) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  // The result is checked rather than trusted: the standard leaves an existing non-directory (or
  // an empty path) to the implementation.
  if (!ec && !std::filesystem::is_directory(path, ec) && !ec) {
    ec = std::make_error_code(std::errc::not_a_directory);
  }
  if (ec) {
    return Fail(ErrorCode::kInvalidInput,
                fmt::format("cannot create directory \"{}\": {}", path, ec.message()));
  }
  return {};
}

FakeEnv::FakeEnv(uint64_t seed) : rng_(seed) {}

void FakeEnv::Sleep(double seconds) {
  // Negative sleeps are ignored so that Now() stays monotonic, as the contract promises.
  if (seconds > 0) now_ += seconds;
}

Result<std::string> FakeEnv::ReadFile(const std::string& path) {
  auto it = files_.find(path);
  if (it == files_.end()) {
    return Fail(ErrorCode::kNotFound, fmt::format("cannot read \"{}\": no such file", path));
  }
  return it->second;
}

Status FakeEnv::WriteFile(const std::string& path, const std::string& contents) {
  files_[path] = contents;
  return {};
}

bool FakeEnv::FileExists(const std::string& path) { return files_.contains(path); }

Env& DefaultEnv() {
  static RealEnv env;
  return env;
}

}  // namespace aiinfra
