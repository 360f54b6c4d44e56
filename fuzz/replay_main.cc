// A main() for the fuzz targets when they are built without libFuzzer (g++, the default build):
// it feeds every file named on the command line, and every file under every directory named
// there (recursively, in sorted order), to LLVMFuzzerTestOneInput once. ctest runs each target
// this way over its seed corpus, so the corpora are regression tests in every build, including
// the ASan+UBSan one.
//
// Arguments starting with '-' are ignored, so a libFuzzer command line (`-runs=0 DIR`) also
// works. Exits 1 if an input cannot be read or no input was found (a wrong path should fail the
// test, not pass it silently); a finding aborts inside the target.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <string>
#include <system_error>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size);

namespace {

namespace fs = std::filesystem;

bool ReadFile(const fs::path& path, std::string& out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<fs::path> inputs;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg.starts_with("-")) continue;
    std::error_code ec;
    if (fs::is_directory(arg, ec)) {
      for (const auto& entry : fs::recursive_directory_iterator(arg, ec)) {
        if (entry.is_regular_file()) inputs.push_back(entry.path());
      }
      if (ec) {
        std::fprintf(stderr, "replay: cannot list %s: %s\n", arg.c_str(), ec.message().c_str());
        return 1;
      }
    } else {
      inputs.emplace_back(arg);
    }
  }
  std::sort(inputs.begin(), inputs.end());
  if (inputs.empty()) {
    std::fprintf(stderr, "replay: no inputs; usage: %s FILE_OR_DIR...\n", argc > 0 ? argv[0] : "");
    return 1;
  }

  for (const fs::path& path : inputs) {
    std::string contents;
    if (!ReadFile(path, contents)) {
      std::fprintf(stderr, "replay: cannot read %s\n", path.c_str());
      return 1;
    }
    // An exactly sized heap copy, so that ASan sees a read past the end as libFuzzer would.
    auto buffer = std::make_unique<uint8_t[]>(contents.size());
    std::copy(contents.begin(), contents.end(), buffer.get());
    std::fprintf(stderr, "replay: %s (%zu bytes)\n", path.c_str(), contents.size());
    LLVMFuzzerTestOneInput(buffer.get(), contents.size());
  }
  std::fprintf(stderr, "replay: %zu inputs, no finding\n", inputs.size());
  return 0;
}
