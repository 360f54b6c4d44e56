#include "model/architecture.h"

#include <cmath>
#include <limits>

namespace aiinfra::model {
namespace {

Error FieldError(const Location& where, const std::string& field, std::string message) {
  Location loc = where;
  loc.field = field;
  return Error{ErrorCode::kInvalidInput, std::move(message), std::move(loc)};
}

// An integer field; `required` fields must be present, optional ones keep `*out`.
Status ReadInt(YamlMap& map, std::string_view key, bool required, int* out) {
  std::optional<YamlNode> node;
  if (required) {
    AIINFRA_TRY(YamlNode n, map.Required(key));
    node = std::move(n);
  } else {
    node = map.Optional(key);
    if (!node) return {};
  }
  AIINFRA_TRY(double value, node->Number());
  if (value != std::floor(value) || value > std::numeric_limits<int>::max()) {
    return Fail(node->Err("expected a whole number that fits an int"));
  }
  *out = static_cast<int>(value);
  return {};
}

Status ReadBool(YamlMap& map, std::string_view key, bool* out) {
  auto node = map.Optional(key);
  if (!node) return {};
  AIINFRA_TRY(*out, node->Bool());
  return {};
}

bool IsValidModelId(const std::string& id) {
  if (id.empty() || id.front() == '-' || id.front() == '.') return false;
  for (char c : id) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.')) return false;
  }
  return true;
}

Status ParseAttention(const YamlNode& node, int layers, Attention& att) {
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  AIINFRA_CHECK_OK(ReadInt(map, "heads", true, &att.heads));
  AIINFRA_CHECK_OK(ReadInt(map, "kv_heads", true, &att.kv_heads));
  AIINFRA_CHECK_OK(ReadBool(map, "qkv_bias", &att.qkv_bias));
  AIINFRA_CHECK_OK(ReadBool(map, "o_bias", &att.o_bias));
  AIINFRA_CHECK_OK(ReadBool(map, "qk_norm", &att.qk_norm));
  AIINFRA_CHECK_OK(ReadBool(map, "sinks", &att.sinks));
  if (auto mla_node = map.Optional("mla")) {
    att.mla = true;
    AIINFRA_TRY(YamlMap mla, YamlMap::From(*mla_node));
    AIINFRA_CHECK_OK(ReadInt(mla, "q_lora_rank", false, &att.q_lora_rank));
    AIINFRA_CHECK_OK(ReadInt(mla, "kv_lora_rank", true, &att.kv_lora_rank));
    AIINFRA_CHECK_OK(ReadInt(mla, "qk_nope_head_dim", true, &att.qk_nope_head_dim));
    AIINFRA_CHECK_OK(ReadInt(mla, "qk_rope_head_dim", true, &att.qk_rope_head_dim));
    AIINFRA_CHECK_OK(ReadInt(mla, "v_head_dim", true, &att.v_head_dim));
    AIINFRA_CHECK_OK(mla.Finish());
  } else {
    AIINFRA_CHECK_OK(ReadInt(map, "head_dim", true, &att.head_dim));
  }
  AIINFRA_CHECK_OK(ReadInt(map, "sliding_window", false, &att.sliding_window));
  if (auto types = map.Optional("layer_types")) {
    AIINFRA_TRY(auto items, types->Items());
    for (const YamlNode& item : items) {
      AIINFRA_TRY(std::string type, item.Scalar());
      if (type != "sliding_attention" && type != "full_attention") {
        return Fail(item.Err("expected sliding_attention or full_attention, got \"" + type + "\""));
      }
      att.sliding_layers.push_back(type == "sliding_attention");
    }
    if (static_cast<int>(att.sliding_layers.size()) != layers) {
      return Fail(types->Err("has " + std::to_string(att.sliding_layers.size()) +
                             " entries; expected one per layer (" + std::to_string(layers) + ")"));
    }
  }
  return map.Finish();
}

Status ParseMoe(const YamlNode& node, Moe& moe) {
  AIINFRA_TRY(YamlMap map, YamlMap::From(node));
  AIINFRA_CHECK_OK(ReadInt(map, "experts", true, &moe.experts));
  AIINFRA_CHECK_OK(ReadInt(map, "top_k", true, &moe.top_k));
  AIINFRA_CHECK_OK(ReadInt(map, "expert_ffn", true, &moe.expert_ffn));
  AIINFRA_CHECK_OK(ReadInt(map, "shared_experts", false, &moe.shared_experts));
  AIINFRA_CHECK_OK(ReadInt(map, "shared_ffn", false, &moe.shared_ffn));
  AIINFRA_CHECK_OK(ReadInt(map, "dense_layers", false, &moe.dense_layers));
  AIINFRA_CHECK_OK(ReadBool(map, "expert_bias", &moe.expert_bias));
  AIINFRA_CHECK_OK(ReadBool(map, "router_bias", &moe.router_bias));
  AIINFRA_CHECK_OK(ReadInt(map, "groups", false, &moe.groups));
  AIINFRA_CHECK_OK(ReadInt(map, "topk_groups", false, &moe.topk_groups));
  return map.Finish();
}

}  // namespace

int Architecture::SlidingLayers() const {
  int n = 0;
  for (bool sliding : attention.sliding_layers) n += sliding ? 1 : 0;
  return n;
}

Status Validate(const Architecture& arch, const Location& where) {
  // Sizes are bounded far above any real model (vocabularies of 262K, contexts of 10M tokens)
  // so that sums of them, which the footprint and the explanations form in int, cannot
  // overflow, and per-layer loops stay short.
  constexpr int kMaxSize = 1 << 24;
  constexpr int kMaxLayers = 100000;
  auto positive = [&](int value, const char* field) -> Status {
    if (value <= 0) {
      return Fail(FieldError(where, field, std::string(field) + " must be greater than zero"));
    }
    if (value > kMaxSize) {
      return Fail(FieldError(where, field,
                             std::string(field) + " must be at most " + std::to_string(kMaxSize)));
    }
    return {};
  };
  if (arch.layers > kMaxLayers) {
    return Fail(
        FieldError(where, "layers", "layers must be at most " + std::to_string(kMaxLayers)));
  }
  AIINFRA_CHECK_OK(positive(arch.hidden, "hidden"));
  AIINFRA_CHECK_OK(positive(arch.layers, "layers"));
  AIINFRA_CHECK_OK(positive(arch.vocab, "vocab"));
  AIINFRA_CHECK_OK(positive(arch.max_context, "max_context"));
  if (arch.mtp_layers < 0) {
    return Fail(FieldError(where, "mtp_layers", "mtp_layers must not be negative"));
  }
  const bool has_dense_ffn = !arch.moe || arch.moe->dense_layers > 0;
  if (has_dense_ffn) AIINFRA_CHECK_OK(positive(arch.ffn, "ffn"));
  if (arch.ffn < 0 || arch.ffn > kMaxSize) {
    return Fail(FieldError(where, "ffn", "ffn must be between 0 and " + std::to_string(kMaxSize)));
  }

  const Attention& a = arch.attention;
  AIINFRA_CHECK_OK(positive(a.heads, "attention.heads"));
  AIINFRA_CHECK_OK(positive(a.kv_heads, "attention.kv_heads"));
  if (a.heads % a.kv_heads != 0) {
    return Fail(FieldError(where, "attention.kv_heads",
                           "heads (" + std::to_string(a.heads) +
                               ") must be a multiple of kv_heads (" + std::to_string(a.kv_heads) +
                               ")"));
  }
  if (a.mla) {
    AIINFRA_CHECK_OK(positive(a.kv_lora_rank, "attention.mla.kv_lora_rank"));
    AIINFRA_CHECK_OK(positive(a.qk_rope_head_dim, "attention.mla.qk_rope_head_dim"));
    AIINFRA_CHECK_OK(positive(a.qk_nope_head_dim, "attention.mla.qk_nope_head_dim"));
    AIINFRA_CHECK_OK(positive(a.v_head_dim, "attention.mla.v_head_dim"));
    if (a.q_lora_rank < 0 || a.q_lora_rank > kMaxSize) {
      return Fail(FieldError(where, "attention.mla.q_lora_rank",
                             "must be between 0 and " + std::to_string(kMaxSize)));
    }
  } else {
    AIINFRA_CHECK_OK(positive(a.head_dim, "attention.head_dim"));
  }
  if (!a.sliding_layers.empty()) {
    if (static_cast<int>(a.sliding_layers.size()) != arch.layers) {
      return Fail(
          FieldError(where, "attention.layer_types",
                     "one entry per layer expected: " + std::to_string(a.sliding_layers.size()) +
                         " for " + std::to_string(arch.layers) + " layers"));
    }
    if (arch.SlidingLayers() > 0) {
      AIINFRA_CHECK_OK(positive(a.sliding_window, "attention.sliding_window"));
    }
  } else if (a.sliding_window != 0) {
    return Fail(FieldError(where, "attention.sliding_window",
                           "a sliding window needs layer_types saying which layers use it"));
  }

  if (arch.moe) {
    const Moe& m = *arch.moe;
    AIINFRA_CHECK_OK(positive(m.experts, "moe.experts"));
    AIINFRA_CHECK_OK(positive(m.top_k, "moe.top_k"));
    AIINFRA_CHECK_OK(positive(m.expert_ffn, "moe.expert_ffn"));
    if (m.top_k > m.experts) {
      return Fail(FieldError(where, "moe.top_k", "top_k must not exceed experts"));
    }
    if (m.shared_experts < 0 || m.shared_ffn < 0 || m.shared_experts > kMaxSize ||
        m.shared_ffn > kMaxSize) {
      return Fail(FieldError(where, "moe.shared_experts",
                             "must be between 0 and " + std::to_string(kMaxSize)));
    }
    if (m.dense_layers < 0 || m.dense_layers >= arch.layers) {
      return Fail(FieldError(where, "moe.dense_layers", "must be between 0 and layers - 1"));
    }
    if (m.groups < 0 || m.topk_groups < 0 || m.topk_groups > m.groups ||
        (m.groups > 0 && m.experts % m.groups != 0)) {
      return Fail(FieldError(where, "moe.groups",
                             "groups must divide experts, and topk_groups must not exceed groups"));
    }
  }
  return {};
}

Result<Architecture> ParseArchitecture(const YamlNode& doc) {
  AIINFRA_TRY(YamlMap top, YamlMap::From(doc));
  Architecture arch;
  arch.file = doc.file;
  AIINFRA_TRY(YamlNode id_node, top.Required("id"));
  AIINFRA_TRY(arch.id, id_node.Scalar());
  if (!IsValidModelId(arch.id)) {
    return Fail(id_node.Err("id \"" + arch.id + "\" must use only a-z, 0-9, '.' and '-'"));
  }
  AIINFRA_TRY(arch.name, top.RequiredString("name"));
  AIINFRA_TRY(arch.family, top.RequiredString("family"));
  AIINFRA_TRY(arch.hf_architecture, top.RequiredString("hf_architecture"));
  AIINFRA_TRY(arch.source, top.RequiredString("source"));
  if (auto aliases = top.Optional("aliases")) {
    AIINFRA_TRY(auto items, aliases->Items());
    for (const YamlNode& item : items) {
      AIINFRA_TRY(std::string alias, item.Scalar());
      if (!IsValidModelId(alias)) {
        return Fail(item.Err("alias \"" + alias + "\" must use only a-z, 0-9, '.' and '-'"));
      }
      arch.aliases.push_back(alias);
    }
  }
  AIINFRA_CHECK_OK(ReadInt(top, "hidden", true, &arch.hidden));
  AIINFRA_CHECK_OK(ReadInt(top, "layers", true, &arch.layers));
  AIINFRA_CHECK_OK(ReadInt(top, "vocab", true, &arch.vocab));
  AIINFRA_CHECK_OK(ReadInt(top, "ffn", true, &arch.ffn));
  AIINFRA_CHECK_OK(ReadBool(top, "gated_ffn", &arch.gated_ffn));
  AIINFRA_CHECK_OK(ReadBool(top, "ffn_bias", &arch.ffn_bias));
  {
    AIINFRA_TRY(YamlNode tied, top.Required("tied_embeddings"));
    AIINFRA_TRY(arch.tied_embeddings, tied.Bool());
  }
  AIINFRA_CHECK_OK(ReadInt(top, "max_context", true, &arch.max_context));
  AIINFRA_CHECK_OK(ReadInt(top, "mtp_layers", false, &arch.mtp_layers));
  {
    AIINFRA_TRY(YamlNode att, top.Required("attention"));
    AIINFRA_CHECK_OK(ParseAttention(att, arch.layers, arch.attention));
  }
  if (auto moe_node = top.Optional("moe")) {
    arch.moe.emplace();
    AIINFRA_CHECK_OK(ParseMoe(*moe_node, *arch.moe));
  }
  {
    AIINFRA_TRY(YamlNode total, top.Required("published_total_params"));
    AIINFRA_TRY(arch.published_total_params, hw::ReadPositiveFigure(total, hw::Quantity::kCount));
  }
  if (auto active = top.Optional("published_active_params")) {
    AIINFRA_TRY(arch.published_active_params,
                hw::ReadPositiveFigure(*active, hw::Quantity::kCount));
  }
  AIINFRA_CHECK_OK(ReadBool(top, "published_active_excludes_embedding",
                            &arch.published_active_excludes_embedding));
  AIINFRA_CHECK_OK(top.Finish());
  if (auto valid = Validate(arch, doc.Where()); !valid) {
    // Point at the offending field's line rather than at the document.
    Error err = valid.error();
    YAML::Node node;
    node.reset(doc.node);
    bool found = true;
    std::string rest = err.where.field;
    while (found && !rest.empty()) {
      const std::string key = rest.substr(0, rest.find('.'));
      rest = rest.find('.') == std::string::npos ? "" : rest.substr(rest.find('.') + 1);
      const YAML::Node& parent = node;
      found = parent.IsMap() && parent[key];
      if (found) node.reset(parent[key]);
    }
    if (found) err.where = YamlNode{node, doc.file, err.where.field}.Where();
    return Fail(std::move(err));
  }
  return arch;
}

}  // namespace aiinfra::model
