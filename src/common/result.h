// Result<T> and Error: how expected failures travel in aiinfra.
//
// Bad input, a missing file, an unsatisfiable request: these are not bugs, so they are values,
// not exceptions. An Error carries a code (which the CLI maps to an exit status in one place,
// cli/exit_code), a message for a person, and where the problem is (file, line, column, field).
// Asserts remain for programmer errors only.
#pragma once

#include <expected>
#include <string>
#include <utility>

namespace aiinfra {

enum class ErrorCode {
  kInternal,      // a bug or an environment failure we did not expect; exit 1
  kUsage,         // the command line is wrong; exit 2
  kInvalidInput,  // a file, field or value is wrong; exit 3
  kNotFound,      // a named thing (file, catalog entry) does not exist; exit 3
  kNoResult,      // the input is valid but has no answer (unsatisfiable, infeasible); exit 4
};

const char* ErrorCodeName(ErrorCode code);

// Where an error is. Every part is optional; line and column are 1-based, 0 means unknown.
struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string field;  // dotted path inside the document, e.g. "scale_up.bandwidth.value"

  bool empty() const { return file.empty() && line == 0 && field.empty(); }
};

struct Error {
  ErrorCode code = ErrorCode::kInternal;
  std::string message;
  Location where;

  // "file:line:col: field: message" with the parts that are known.
  std::string ToString() const;
};

template <typename T>
using Result = std::expected<T, Error>;

// A Result for functions that return nothing on success.
using Status = std::expected<void, Error>;

inline std::unexpected<Error> Fail(ErrorCode code, std::string message, Location where = {}) {
  return std::unexpected<Error>(Error{code, std::move(message), std::move(where)});
}
inline std::unexpected<Error> Fail(Error error) { return std::unexpected<Error>(std::move(error)); }

}  // namespace aiinfra

// Propagation helpers. They keep call sites flat without exceptions.
#define AIINFRA_CONCAT_INNER(a, b) a##b
#define AIINFRA_CONCAT(a, b) AIINFRA_CONCAT_INNER(a, b)

// AIINFRA_TRY(auto x, Expr()) declares x from a Result or returns its error.
#define AIINFRA_TRY(decl, expr) AIINFRA_TRY_IMPL(AIINFRA_CONCAT(try_result_, __LINE__), decl, expr)
#define AIINFRA_TRY_IMPL(tmp, decl, expr)                                       \
  auto tmp = (expr);                                                            \
  if (!tmp) return ::std::unexpected<::aiinfra::Error>(std::move(tmp).error()); \
  decl = std::move(*tmp)

// AIINFRA_CHECK_OK(Expr()) returns the error of a Status/Result, discarding any value.
#define AIINFRA_CHECK_OK(expr)                                                        \
  do {                                                                                \
    auto aiinfra_status_ = (expr);                                                    \
    if (!aiinfra_status_)                                                             \
      return ::std::unexpected<::aiinfra::Error>(std::move(aiinfra_status_).error()); \
  } while (0)
