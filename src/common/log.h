// Logging: spdlog to stderr. Quiet by default (warnings and errors); -v shows info, -vv debug.
// Never log secrets (API keys, tokens): log their presence, not their value.
#pragma once

#include <spdlog/spdlog.h>

namespace aiinfra {

// 0: warnings and errors; 1: info; 2 or more: debug.
void SetVerbosity(int level);

}  // namespace aiinfra
