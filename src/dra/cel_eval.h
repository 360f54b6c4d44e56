// Evaluation of a checked Expr tree against a set of variables, metered by a Context.
#pragma once

#include "common/result.h"
#include "dra/cel_ast.h"
#include "dra/cel_value.h"

namespace aiinfra::dra::cel {

// Evaluates `root` with `device` bound to the device variable. Errors as CEL's run time gives
// them; once ctx is over its limit, the result is the cost-limit error.
Result<Value> Evaluate(const Expr& root, const Value& device, Context& ctx);

}  // namespace aiinfra::dra::cel
