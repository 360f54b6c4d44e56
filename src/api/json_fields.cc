#include "api/json_fields.h"

#include <fmt/format.h>

namespace aiinfra::api {
namespace {

using nlohmann::json;

// The OpenAI API's names for JSON types in its messages.
const char* TypeName(const json& v) {
  switch (v.type()) {
    case json::value_t::string:
      return "a string";
    case json::value_t::boolean:
      return "a boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "an integer";
    case json::value_t::number_float:
      return "a decimal";
    case json::value_t::array:
      return "an array";
    case json::value_t::object:
      return "an object";
    default:
      return "null";
  }
}

}  // namespace

bool BoolOr(const json& object, const char* key, bool fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_boolean() ? it->get<bool>() : fallback;
}

int64_t IntOr(const json& object, const char* key, int64_t fallback) {
  auto it = object.find(key);
  if (it == object.end() || !it->is_number_integer()) return fallback;
  return it->is_number_unsigned() && it->get<uint64_t>() > INT64_MAX ? INT64_MAX
                                                                     : it->get<int64_t>();
}

std::string StringOr(const json& object, const char* key, std::string fallback) {
  auto it = object.find(key);
  return it != object.end() && it->is_string() ? it->get<std::string>() : std::move(fallback);
}

Error InvalidParam(std::string message, std::string param) {
  Error e{ErrorCode::kInvalidInput, std::move(message), Location{}};
  e.where.field = std::move(param);
  return e;
}

Error WrongType(const std::string& param, const char* expected, const json& got) {
  return InvalidParam(fmt::format("Invalid type for '{}': expected {}, but got {} instead.", param,
                                  expected, TypeName(got)),
                      param);
}

const json* JsonFields::Get(const std::string& key) {
  read_.insert(key);
  auto it = object_.find(key);
  return it == object_.end() || it->is_null() ? nullptr : &*it;
}

void JsonFields::Ignore(std::initializer_list<const char*> keys) {
  for (const char* key : keys) read_.insert(key);
}

Status JsonFields::Finish() const {
  for (auto it = object_.begin(); it != object_.end(); ++it) {
    if (!read_.contains(it.key())) {
      // An empty key still gets a name to show: "".
      const std::string name = Name(it.key().empty() ? "\"\"" : it.key());
      return Fail(InvalidParam("Unrecognized request argument supplied: " + name, name));
    }
  }
  return {};
}

Result<std::string> JsonFields::String(const std::string& key, bool required) {
  const json* v = Get(key);
  const std::string name = Name(key);
  if (!v) {
    if (required) {
      return Fail(InvalidParam(fmt::format("Missing required parameter: '{}'.", name), name));
    }
    return std::string();
  }
  if (!v->is_string()) return Fail(WrongType(name, "a string", *v));
  return v->get<std::string>();
}

Result<std::optional<int64_t>> JsonFields::Integer(const std::string& key, int64_t min,
                                                   int64_t max) {
  const json* v = Get(key);
  const std::string name = Name(key);
  if (!v) return std::optional<int64_t>();
  if (!v->is_number_integer()) return Fail(WrongType(name, "an integer", *v));
  const int64_t x =
      v->is_number_unsigned() && v->get<uint64_t>() > INT64_MAX ? INT64_MAX : v->get<int64_t>();
  if (x < min || x > max) {
    return Fail(InvalidParam(fmt::format("Invalid '{}': expected an integer from {} to {}, but "
                                         "got {} instead.",
                                         name, min, max, x),
                             name));
  }
  return std::optional<int64_t>(x);
}

Result<double> JsonFields::Number(const std::string& key, double fallback, double min, double max,
                                  bool min_open) {
  const json* v = Get(key);
  const std::string name = Name(key);
  if (!v) return fallback;
  if (!v->is_number()) return Fail(WrongType(name, "a number", *v));
  const double x = v->get<double>();
  if (!(min_open ? x > min : x >= min) || !(x <= max)) {
    return Fail(InvalidParam(fmt::format("Invalid '{}': expected a value {} {} and <= {}, but "
                                         "got {} instead.",
                                         name, min_open ? ">" : ">=", min, max, x),
                             name));
  }
  return x;
}

Result<bool> JsonFields::Bool(const std::string& key, bool fallback) {
  const json* v = Get(key);
  if (!v) return fallback;
  if (!v->is_boolean()) return Fail(WrongType(Name(key), "a boolean", *v));
  return v->get<bool>();
}

}  // namespace aiinfra::api
