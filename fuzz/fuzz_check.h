// Helpers shared by the fuzz targets: reporting a finding and checking an Error's contract.
//
// A finding is a broken promise of the code under test (an error without a message, an
// unexpected error code, a value a parser should have refused). It prints what happened and
// aborts, so that libFuzzer saves the input and the replay driver fails its ctest test.
#pragma once

#include <cstdio>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include "common/result.h"

namespace aiinfra::fuzz {

[[noreturn]] inline void Finding(std::string_view target, std::string_view what,
                                 std::string_view input) {
  // The input may hold any bytes; print at most the first 512 of them.
  const std::string_view shown = input.substr(0, 512);
  std::fprintf(stderr, "%.*s: finding: %.*s\n  input (%zu bytes): \"%.*s\"\n",
               static_cast<int>(target.size()), target.data(), static_cast<int>(what.size()),
               what.data(), input.size(), static_cast<int>(shown.size()), shown.data());
  std::abort();
}

// An Error from parsing untrusted text must say what is wrong (a non-empty message) and carry
// one of the `allowed` codes. Rendering it must work too.
inline void CheckError(std::string_view target, std::string_view stage, const Error& error,
                       std::initializer_list<ErrorCode> allowed, std::string_view input) {
  if (error.message.empty()) {
    Finding(target, std::string(stage) + " failed with an empty message", input);
  }
  bool ok = false;
  for (ErrorCode code : allowed) ok = ok || error.code == code;
  if (!ok) {
    Finding(target,
            std::string(stage) + " failed with the unexpected code \"" + ErrorCodeName(error.code) +
                "\": " + error.message,
            input);
  }
  if (error.ToString().empty()) Finding(target, std::string(stage) + ": empty ToString()", input);
}

}  // namespace aiinfra::fuzz
