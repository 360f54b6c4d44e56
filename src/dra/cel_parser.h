// Parser of the CEL subset (cel-spec's grammar, without message construction and optional
// syntax): tokens to an Expr tree, with the macros (has, all, exists, exists_one, map, filter,
// cel.bind) expanded into their own node kinds.
#pragma once

#include <string_view>

#include "common/result.h"
#include "dra/cel_ast.h"

namespace aiinfra::dra::cel {

// Nesting limit of the tree (and of the parser's recursion), as cel-go's default of 250.
inline constexpr int kMaxDepth = 250;

// kInvalidInput "CEL compile error at column N: ..." for syntax errors.
Result<ExprPtr> Parse(std::string_view source);

}  // namespace aiinfra::dra::cel
