// `aiinfra hw show`: the handler, kept apart from the other hw commands for its size.
#pragma once

#include "cli/command.h"
#include "common/result.h"

namespace aiinfra::cli {

// The handler of `hw show NAME`: a system or an accelerator, every figure with a numbered
// reference to its source, and the totals derived from them.
Result<Output> HwShow(Invocation& inv);

}  // namespace aiinfra::cli
