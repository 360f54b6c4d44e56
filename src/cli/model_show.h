// `aiinfra model show` and the pieces `model list` shares with it.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "cli/command.h"
#include "common/result.h"
#include "model/architecture.h"

namespace aiinfra::cli {

// "dense" or "moe".
std::string ModelKind(const model::Architecture& arch);
// "mha", "gqa", "mqa" or "mla", with "+sliding" when some layers slide.
std::string AttentionKind(const model::Architecture& arch);
// The architecture's fields as JSON (the catalog's names).
nlohmann::ordered_json ArchitectureJson(const model::Architecture& arch);

// The handler of `model show NAME|config.json`: architecture, parameters (computed and
// published), weight bytes for every dtype, KV cache, FLOPs, MoE coverage; --explain adds the
// derivation of each (model/explain.h).
Result<Output> ModelShow(Invocation& inv);

}  // namespace aiinfra::cli
