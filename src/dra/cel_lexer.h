// Tokens of the CEL subset (cel-spec's lexical grammar): numbers, strings and bytes with their
// escapes and raw/triple-quoted forms, identifiers, reserved words and operators.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/result.h"

namespace aiinfra::dra::cel {

struct Token {
  enum Kind { kEnd, kInt, kUint, kDouble, kString, kBytes, kIdent, kOp };
  Kind kind = kEnd;
  std::string text;         // kIdent and kOp: as written; kString/kBytes: the decoded value;
                            // kInt: the digits as written (decimal or 0x...), without sign
  uint64_t uint_value = 0;  // kInt (magnitude, up to 2^63 for "-9223372036854775808"), kUint
  double double_value = 0;
  int line = 1;
  int column = 1;  // 1-based, code points
};

// A compile error "CEL compile error at column N: message" (line too when not 1).
Error CompileError(int line, int column, const std::string& message);

// Splits `source` into tokens ending with kEnd. Invalid UTF-8, unknown characters, unterminated
// strings, bad escapes and out-of-range numbers are compile errors.
Result<std::vector<Token>> Tokenize(std::string_view source);

// Appends code point `cp` to `out` in UTF-8.
void AppendUtf8(char32_t cp, std::string* out);

// The code points of `s`; an invalid byte decodes as U+FFFD (one byte).
std::u32string DecodeUtf8(std::string_view s);
std::string EncodeUtf8(std::u32string_view s);
bool ValidUtf8(std::string_view s);

}  // namespace aiinfra::dra::cel
