#include "common/log.h"

#include <spdlog/sinks/stdout_color_sinks.h>

namespace aiinfra {

void SetVerbosity(int level) {
  static auto logger = [] {
    auto l = spdlog::stderr_color_mt("aiinfra");
    l->set_pattern("%^%l%$: %v");
    spdlog::set_default_logger(l);
    return l;
  }();
  logger->set_level(level >= 2   ? spdlog::level::debug
                    : level == 1 ? spdlog::level::info
                                 : spdlog::level::warn);
}

}  // namespace aiinfra
