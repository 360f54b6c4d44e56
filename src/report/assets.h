// The chart library's files, embedded at build time from src/report/web/node_modules (see
// CMakeLists.txt); empty strings when they were not installed then.
#pragma once

namespace aiinfra::report {

extern const char kUplotJs[];
extern const char kUplotCss[];

}  // namespace aiinfra::report
