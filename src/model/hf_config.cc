#include "model/hf_config.h"

#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <tuple>
#include <vector>

#include "common/text.h"

namespace aiinfra::model {
namespace {

using Json = nlohmann::json;

enum class Kind {
  kDense,
  kQwen2Dense,
  kQwen3Dense,
  kMixtral,
  kQwen2Moe,
  kQwen3Moe,
  kDeepseek,
  kGptOss,
  kUnknown
};

struct Known {
  const char* architecture;
  Kind kind;
  const char* family;
};
constexpr Known kKnown[] = {
    {"LlamaForCausalLM", Kind::kDense, "llama"},
    {"MistralForCausalLM", Kind::kDense, "mistral"},
    {"Qwen2ForCausalLM", Kind::kQwen2Dense, "qwen2"},
    {"Qwen3ForCausalLM", Kind::kQwen3Dense, "qwen3"},
    {"MixtralForCausalLM", Kind::kMixtral, "mixtral"},
    {"Qwen2MoeForCausalLM", Kind::kQwen2Moe, "qwen2"},
    {"Qwen3MoeForCausalLM", Kind::kQwen3Moe, "qwen3"},
    {"DeepseekV2ForCausalLM", Kind::kDeepseek, "deepseek"},
    {"DeepseekV3ForCausalLM", Kind::kDeepseek, "deepseek"},
    {"GptOssForCausalLM", Kind::kGptOss, "gpt-oss"},
};

constexpr int kMaxLayers = 100000;

// 1-based line and column of byte `offset` in `text`.
std::pair<int, int> LineColumn(std::string_view text, std::size_t offset) {
  int line = 1, column = 1;
  for (std::size_t i = 0; i < offset && i < text.size(); ++i) {
    if (text[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return {line, column};
}

const char* TypeName(const Json& v) {
  switch (v.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    case Json::value_t::number_float:
      return "a fraction";
    default:
      return "a number";
  }
}

// Reads fields of one JSON object, collecting every missing required field so that one error can
// name them all; a field of the wrong type is an error at once.
class Fields {
 public:
  Fields(const Json& obj, std::string_view text, const std::string& file)
      : obj_(obj), text_(text), file_(file) {}

  // The value of `key` when present and not null.
  const Json* Get(const std::string& key) const {
    auto it = obj_.find(key);
    if (it == obj_.end() || it->is_null()) return nullptr;
    return &*it;
  }
  bool Has(const std::string& key) const { return Get(key) != nullptr; }

  Result<int> Int(const std::string& key) {
    auto v = OptionalInt(key);
    if (!v) return Fail(std::move(v).error());
    if (!*v) {
      missing_.push_back(key);
      return 0;
    }
    return **v;
  }
  Result<int> IntOr(const std::string& key, int fallback) {
    AIINFRA_TRY(auto v, OptionalInt(key));
    return v.value_or(fallback);
  }
  Result<std::optional<int>> OptionalInt(const std::string& key) {
    const Json* v = Get(key);
    if (!v) return std::optional<int>();
    const bool integral =
        v->is_number_integer() || v->is_number_unsigned() ||
        (v->is_number_float() && std::floor(v->get<double>()) == v->get<double>());
    if (!v->is_number() || !integral || v->get<double>() < 0 ||
        v->get<double>() > std::numeric_limits<int>::max()) {
      return Fail(TypeError(key, "a non-negative whole number", *v));
    }
    return std::optional<int>(static_cast<int>(v->get<double>()));
  }
  Result<bool> BoolOr(const std::string& key, bool fallback) {
    const Json* v = Get(key);
    if (!v) return fallback;
    if (!v->is_boolean()) return Fail(TypeError(key, "true or false", *v));
    return v->get<bool>();
  }
  Result<std::string> StringOr(const std::string& key, std::string fallback) {
    const Json* v = Get(key);
    if (!v) return fallback;
    if (!v->is_string()) return Fail(TypeError(key, "a string", *v));
    return v->get<std::string>();
  }
  Result<std::vector<std::string>> Strings(const std::string& key) {
    std::vector<std::string> out;
    const Json* v = Get(key);
    if (!v) return out;
    if (!v->is_array()) return Fail(TypeError(key, "an array of strings", *v));
    for (const Json& item : *v) {
      if (!item.is_string()) return Fail(TypeError(key, "an array of strings", *v));
      out.push_back(item.get<std::string>());
    }
    return out;
  }
  Result<std::vector<int>> Ints(const std::string& key) {
    std::vector<int> out;
    const Json* v = Get(key);
    if (!v) return out;
    if (!v->is_array()) return Fail(TypeError(key, "an array of layer numbers", *v));
    for (const Json& item : *v) {
      if (!item.is_number_integer()) return Fail(TypeError(key, "an array of layer numbers", *v));
      out.push_back(item.get<int>());
    }
    return out;
  }

  const std::vector<std::string>& missing() const { return missing_; }
  // Where `key` is written in the text (its first occurrence as a key), for errors.
  Location Where(const std::string& key) const {
    Location loc{file_, 0, 0, key};
    const std::string quoted = "\"" + key + "\"";
    for (auto pos = text_.find(quoted); pos != std::string_view::npos;
         pos = text_.find(quoted, pos + 1)) {
      auto after = text_.find_first_not_of(" \t\r\n", pos + quoted.size());
      if (after != std::string_view::npos && text_[after] == ':') {
        std::tie(loc.line, loc.column) = LineColumn(text_, pos);
        break;
      }
    }
    return loc;
  }
  Error Err(const std::string& key, std::string message) const {
    return Error{ErrorCode::kInvalidInput, std::move(message), Where(key)};
  }

 private:
  Error TypeError(const std::string& key, const char* expected, const Json& got) const {
    return Err(key, "expected " + std::string(expected) + ", got " + TypeName(got) + " (" +
                        got.dump() + ")");
  }

  const Json& obj_;
  std::string_view text_;
  std::string file_;
  std::vector<std::string> missing_;
};

std::string DeriveId(const std::string& name_or_path, const std::string& file) {
  std::string base = name_or_path;
  while (!base.empty() && base.back() == '/') base.pop_back();
  base = base.substr(base.find_last_of('/') + 1);
  if (base.empty()) {
    std::string path = file;
    std::string name = path.substr(path.find_last_of('/') + 1);
    if (name == "config.json" && path.find('/') != std::string::npos) {
      path = path.substr(0, path.find_last_of('/'));
      base = path.substr(path.find_last_of('/') + 1);
    } else {
      base =
          name.substr(0, name.size() >= 5 && ToLowerAscii(name.substr(name.size() - 5)) == ".json"
                             ? name.size() - 5
                             : name.size());
    }
  }
  std::string id;
  for (char c : ToLowerAscii(base)) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-';
    id += ok ? c : '-';
  }
  return id.empty() ? "imported" : id;
}

Status ReadLayerTypes(Fields& f, const std::vector<std::string>& types, int layers,
                      Attention& att) {
  att.sliding_layers.clear();
  for (const std::string& type : types) {
    if (type != "sliding_attention" && type != "full_attention") {
      return Fail(f.Err("layer_types", "unsupported layer type \"" + type +
                                           "\" (aiinfra models full_attention and "
                                           "sliding_attention layers)"));
    }
    att.sliding_layers.push_back(type == "sliding_attention");
  }
  if (static_cast<int>(att.sliding_layers.size()) != layers) {
    return Fail(
        f.Err("layer_types", "has " + std::to_string(types.size()) +
                                 " entries for num_hidden_layers = " + std::to_string(layers)));
  }
  bool any = false;
  for (bool s : att.sliding_layers) any = any || s;
  if (!any) att.sliding_layers.clear();  // all full: the same as no windows
  return {};
}

}  // namespace

Result<Architecture> ImportHfConfig(std::string_view json_text, const std::string& file) {
  Json root;
  try {
    root = Json::parse(json_text);
  } catch (const Json::parse_error& e) {
    // nlohmann's byte is 1-based: the last character read, where the error shows.
    auto [line, column] = LineColumn(json_text, e.byte > 0 ? e.byte - 1 : 0);
    std::string what = e.what();
    const auto column_at = what.find("column");
    const auto colon = what.find(": ", column_at == std::string::npos ? 0 : column_at);
    if (colon != std::string::npos) what = what.substr(colon + 2);
    return Fail(ErrorCode::kInvalidInput, "malformed JSON: " + what,
                Location{file, line, column, ""});
  } catch (const Json::exception& e) {
    // Not a syntax error but a value JSON allows and a double cannot hold: out_of_range.406,
    // "number overflow parsing '1e400'" (it carries no position).
    std::string what = e.what();
    if (const auto bracket = what.find("] "); bracket != std::string::npos) {
      what = what.substr(bracket + 2);
    }
    return Fail(ErrorCode::kInvalidInput, "malformed JSON: " + what, Location{file, 0, 0, ""});
  }
  if (!root.is_object()) {
    return Fail(ErrorCode::kInvalidInput, "a config.json must be a JSON object",
                Location{file, 1, 1, ""});
  }
  // Multimodal wrappers keep the language model's fields under text_config.
  const Json& obj = !root.contains("hidden_size") && root.contains("text_config") &&
                            root["text_config"].is_object()
                        ? root["text_config"]
                        : root;
  Fields f(obj, json_text, file);
  Fields top(root, json_text, file);

  Architecture arch;
  arch.file = file;
  arch.source = file;
  AIINFRA_TRY(auto architectures, top.Strings("architectures"));
  AIINFRA_TRY(std::string model_type, f.StringOr("model_type", ""));
  arch.hf_architecture = architectures.empty() ? "" : architectures.front();
  Kind kind = Kind::kUnknown;
  arch.family = model_type.empty() ? "unknown" : model_type;
  for (const Known& k : kKnown) {
    if (arch.hf_architecture == k.architecture) kind = k.kind, arch.family = k.family;
  }
  if (model_type == "kimi_k2") arch.family = "kimi";
  AIINFRA_TRY(std::string name_or_path, top.StringOr("_name_or_path", ""));
  arch.id = DeriveId(name_or_path, file);
  arch.name = name_or_path.empty() ? arch.id : name_or_path;

  // The fields every decoder has.
  AIINFRA_TRY(arch.hidden, f.Int("hidden_size"));
  AIINFRA_TRY(arch.layers, f.Int("num_hidden_layers"));
  // Sliding windows below build one entry per layer from this count: refuse a count no model
  // has before that takes seconds (2^31 entries).
  if (arch.layers > kMaxLayers) {
    return Fail(f.Err("num_hidden_layers", "expected at most " + std::to_string(kMaxLayers) +
                                               " layers, got " + std::to_string(arch.layers)));
  }
  AIINFRA_TRY(arch.vocab, f.Int("vocab_size"));
  AIINFRA_TRY(arch.max_context, f.Int("max_position_embeddings"));
  Attention& att = arch.attention;
  AIINFRA_TRY(att.heads, f.Int("num_attention_heads"));
  AIINFRA_TRY(att.kv_heads, f.IntOr("num_key_value_heads", att.heads));
  AIINFRA_TRY(arch.tied_embeddings, f.BoolOr("tie_word_embeddings", false));
  const bool needs_ffn = kind != Kind::kQwen2Moe && kind != Kind::kQwen3Moe;
  if (needs_ffn) {
    AIINFRA_TRY(arch.ffn, f.Int("intermediate_size"));
  } else {
    AIINFRA_TRY(arch.ffn, f.IntOr("intermediate_size", 0));
  }
  AIINFRA_TRY(arch.mtp_layers, f.IntOr("num_nextn_predict_layers", 0));

  if (kind == Kind::kDeepseek) {
    att.mla = true;
    att.kv_heads = att.heads;
    AIINFRA_TRY(att.q_lora_rank, f.IntOr("q_lora_rank", 0));
    AIINFRA_TRY(att.kv_lora_rank, f.Int("kv_lora_rank"));
    AIINFRA_TRY(att.qk_nope_head_dim, f.Int("qk_nope_head_dim"));
    AIINFRA_TRY(att.qk_rope_head_dim, f.Int("qk_rope_head_dim"));
    AIINFRA_TRY(att.v_head_dim, f.Int("v_head_dim"));
  } else {
    const int fallback = att.heads > 0 ? arch.hidden / att.heads : 0;
    AIINFRA_TRY(att.head_dim, f.IntOr("head_dim", fallback));
    AIINFRA_TRY(bool bias, f.BoolOr("attention_bias", false));
    att.qkv_bias = bias || kind == Kind::kQwen2Dense || kind == Kind::kQwen2Moe;
    att.o_bias = bias;
  }
  att.qk_norm = kind == Kind::kQwen3Dense || kind == Kind::kQwen3Moe;
  att.sinks = kind == Kind::kGptOss;
  AIINFRA_TRY(arch.ffn_bias, f.BoolOr("mlp_bias", false));

  Moe moe;
  switch (kind) {
    case Kind::kMixtral:
    case Kind::kGptOss: {
      AIINFRA_TRY(moe.experts, f.Int("num_local_experts"));
      AIINFRA_TRY(moe.top_k, f.Int(f.Has("num_experts_per_tok") || kind == Kind::kMixtral
                                       ? "num_experts_per_tok"
                                       : "experts_per_token"));
      moe.expert_ffn = arch.ffn;
      moe.expert_bias = moe.router_bias = kind == Kind::kGptOss;
      arch.moe = moe;
      break;
    }
    case Kind::kQwen2Moe:
    case Kind::kQwen3Moe: {
      AIINFRA_TRY(moe.experts, f.Int("num_experts"));
      AIINFRA_TRY(moe.top_k, f.Int("num_experts_per_tok"));
      AIINFRA_TRY(moe.expert_ffn, f.Int("moe_intermediate_size"));
      AIINFRA_TRY(int shared_ffn, f.IntOr("shared_expert_intermediate_size", 0));
      if (shared_ffn > 0) moe.shared_experts = 1, moe.shared_ffn = shared_ffn;
      AIINFRA_TRY(int step, f.IntOr("decoder_sparse_step", 1));
      AIINFRA_TRY(auto mlp_only, f.Ints("mlp_only_layers"));
      // Dense layers must lead, as Architecture models them (Moe::dense_layers).
      for (std::size_t i = 0; i < mlp_only.size(); ++i) {
        if (mlp_only[i] != static_cast<int>(i)) {
          return Fail(f.Err("mlp_only_layers",
                            "only leading dense layers (0, 1, ...) are "
                            "supported"));
        }
      }
      if (step != 1) {
        return Fail(f.Err("decoder_sparse_step", "only decoder_sparse_step = 1 is supported"));
      }
      moe.dense_layers = static_cast<int>(mlp_only.size());
      arch.moe = moe;
      break;
    }
    case Kind::kDeepseek: {
      AIINFRA_TRY(moe.experts, f.Int("n_routed_experts"));
      AIINFRA_TRY(moe.top_k, f.Int("num_experts_per_tok"));
      AIINFRA_TRY(moe.expert_ffn, f.Int("moe_intermediate_size"));
      AIINFRA_TRY(moe.shared_experts, f.IntOr("n_shared_experts", 0));
      AIINFRA_TRY(moe.dense_layers, f.IntOr("first_k_dense_replace", 0));
      AIINFRA_TRY(int freq, f.IntOr("moe_layer_freq", 1));
      if (freq != 1) return Fail(f.Err("moe_layer_freq", "only moe_layer_freq = 1 is supported"));
      AIINFRA_TRY(moe.groups, f.IntOr("n_group", 0));
      AIINFRA_TRY(moe.topk_groups, f.IntOr("topk_group", 0));
      if (moe.groups <= 1) moe.groups = moe.topk_groups = 0;  // one group: no grouping
      AIINFRA_TRY(std::string method, f.StringOr("topk_method", ""));
      moe.router_bias = method == "noaux_tc";  // e_score_correction_bias
      arch.moe = moe;
      break;
    }
    default:
      break;
  }

  if (!f.missing().empty()) {
    std::string names;
    for (const std::string& m : f.missing()) names += (names.empty() ? "" : ", ") + m;
    std::string message;
    if (kind == Kind::kUnknown) {
      std::string known;
      for (const Known& k : kKnown)
        known += (known.empty() ? "" : ", ") + std::string(k.architecture);
      message =
          "unrecognised architecture \"" +
          (arch.hf_architecture.empty() ? model_type : arch.hf_architecture) +
          "\" (recognised: " + known +
          "); reading it as a dense Llama-like decoder needs fields missing from it: " + names;
    } else {
      message = arch.hf_architecture + " needs fields missing from it: " + names;
    }
    return Fail(ErrorCode::kInvalidInput, message, Location{file, 0, 0, f.missing().front()});
  }

  // Sliding windows: explicit layer types first; else each family's own rule.
  AIINFRA_TRY(auto layer_types, f.Strings("layer_types"));
  AIINFRA_TRY(auto window, f.OptionalInt("sliding_window"));
  if (!layer_types.empty()) {
    AIINFRA_CHECK_OK(ReadLayerTypes(f, layer_types, arch.layers, att));
  } else if (window && kind == Kind::kGptOss) {
    // GptOssConfig's default: even layers slide, odd layers attend fully.
    for (int l = 0; l < arch.layers; ++l) att.sliding_layers.push_back(l % 2 == 0);
  } else if (window && (kind == Kind::kQwen2Dense || kind == Kind::kQwen3Dense ||
                        kind == Kind::kQwen2Moe || kind == Kind::kQwen3Moe)) {
    AIINFRA_TRY(bool use, f.BoolOr("use_sliding_window", false));
    AIINFRA_TRY(int from, f.IntOr("max_window_layers", arch.layers));
    for (int l = 0; use && l < arch.layers; ++l) att.sliding_layers.push_back(l >= from);
  } else if (window) {
    att.sliding_layers.assign(arch.layers, true);  // Mistral: every layer slides
  }
  bool any_sliding = false;
  for (bool s : att.sliding_layers) any_sliding = any_sliding || s;
  if (any_sliding) {
    att.sliding_window = window.value_or(0);
    if (att.sliding_window >= arch.max_context) att.sliding_layers.clear(), att.sliding_window = 0;
  } else {
    att.sliding_layers.clear();
  }

  Location where{file, 0, 0, ""};
  if (auto valid = Validate(arch, where); !valid) {
    Error err = valid.error();
    err.message = "config.json describes an impossible model: " + err.message;
    return Fail(std::move(err));
  }
  return arch;
}

}  // namespace aiinfra::model
