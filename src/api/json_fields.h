// Reading the fields of a JSON request body with errors in the OpenAI API's words, naming the
// parameter at fault ("Missing required parameter: 'model'.", "Invalid type for 'max_tokens':
// expected an integer, but got a string instead.", "Unrecognized request argument supplied:
// foo"). Shared by the OpenAI and Ollama request parsers. A field set to null counts as absent.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>

#include "common/result.h"

namespace aiinfra::api {

// The value of `key` in `object` when it is there with the type of `fallback`, else
// `fallback`: readers of what a server sent must not throw on a surprise (nlohmann's value()
// does on a type mismatch).
bool BoolOr(const nlohmann::json& object, const char* key, bool fallback);
int64_t IntOr(const nlohmann::json& object, const char* key, int64_t fallback);
std::string StringOr(const nlohmann::json& object, const char* key, std::string fallback);

// kInvalidInput with `where.field` = `param`.
Error InvalidParam(std::string message, std::string param);
// "Invalid type for 'param': expected <expected>, but got <the type of got> instead."
Error WrongType(const std::string& param, const char* expected, const nlohmann::json& got);

// The fields of one object; Finish() reports the first field nobody read. `prefix` is the
// object's path in the body ("messages[2]."), for the names errors give.
class JsonFields {
 public:
  explicit JsonFields(const nlohmann::json& object, std::string prefix = "")
      : object_(object), prefix_(std::move(prefix)) {}

  std::string Name(const std::string& key) const { return prefix_ + key; }
  // The field's value, or null when it is absent or null; marks it read.
  const nlohmann::json* Get(const std::string& key);
  // Marks fields read that are accepted and ignored.
  void Ignore(std::initializer_list<const char*> keys);
  Status Finish() const;

  Result<std::string> String(const std::string& key, bool required);
  Result<std::optional<int64_t>> Integer(const std::string& key, int64_t min, int64_t max);
  // `min_open`: the minimum itself is not allowed.
  Result<double> Number(const std::string& key, double fallback, double min, double max,
                        bool min_open = false);
  Result<bool> Bool(const std::string& key, bool fallback);

 private:
  const nlohmann::json& object_;
  std::string prefix_;
  std::set<std::string> read_;
};

}  // namespace aiinfra::api
