// Type checking of a parsed selector against the DRA environment (the single variable
// `device`), resolving every identifier and function, and a static cost estimate.
#pragma once

#include <cstdint>

#include "common/result.h"
#include "dra/cel_ast.h"

namespace aiinfra::dra::cel {

struct CheckOptions {
  bool allow_multiple_allocations_field = false;  // device.allowMultipleAllocations
};

// Annotates `root` (types, overloads). kInvalidInput "CEL compile error at column N: ..." for an
// undeclared reference, an unknown field of `device`, an overload that matches no argument
// types, a bad comprehension range. `*estimated_cost` gets the static estimate.
Status Check(Expr& root, const CheckOptions& options, uint64_t* estimated_cost);

// The type of `device`'s field, or nullptr when there is none.
const Type* DeviceFieldType(std::string_view field, const CheckOptions& options);

}  // namespace aiinfra::dra::cel
