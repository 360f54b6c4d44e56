// Writes the Kubernetes manifests of several plans for the interop test (k8s_test.sh), which
// validates them with the kubernetes-models npm packages.
// Usage: aiinfra_manifests_dump OUT_DIR. Writes OUT_DIR/<case>/<kind>.yaml and prints one line
// per case. Exit 0 on success, 1 on any error.
#include <cstdio>
#include <string>
#include <vector>

#include "common/env.h"
#include "plan/manifests.h"

namespace {

using aiinfra::plan::Autoscaler;
using aiinfra::plan::ManifestSpec;
using aiinfra::plan::PoolManifest;

PoolManifest Pool(std::string role, int gpus, int tp, int pp, int dp, int ep) {
  PoolManifest p;
  p.role = std::move(role);
  p.replicas = 2;
  p.min_replicas = 1;
  p.max_replicas = 8;
  p.gpus_per_replica = gpus;
  p.gpus_per_node = 8;
  p.tp = tp;
  p.pp = pp;
  p.dp_attention = dp;
  p.ep = ep;
  return p;
}

std::vector<std::pair<std::string, ManifestSpec>> Cases() {
  std::vector<std::pair<std::string, ManifestSpec>> cases;

  ManifestSpec agg;  // aggregated, one node, NVIDIA, HPA
  agg.name = "llama-3-1-70b-h200";
  agg.namespace_ = "inference";
  agg.model = "meta-llama/Llama-3.1-70B-Instruct";
  agg.accelerator_vendor = "NVIDIA";
  agg.weights_dtype = "fp8";
  agg.kv_dtype = "fp8";
  agg.pools = {Pool("", 4, 4, 1, 1, 1)};
  cases.emplace_back("aggregated-hpa", agg);

  ManifestSpec lws = agg;  // a replica over two nodes: LeaderWorkerSet
  lws.name = "deepseek-r1-h100";
  lws.model = "deepseek-ai/DeepSeek-R1";
  lws.weights_dtype = "";
  lws.kv_dtype = "auto";
  lws.pools = {Pool("", 16, 8, 2, 1, 1)};
  cases.emplace_back("multinode-lws", lws);

  ManifestSpec disagg = agg;  // prefill/decode pools, KEDA, one pool multi-node
  disagg.name = "qwen3-moe";
  disagg.namespace_ = "";
  disagg.model = "Qwen/Qwen3-235B-A22B";
  disagg.autoscaler = Autoscaler::kKeda;
  disagg.target = 2.5;
  disagg.pools = {Pool("prefill", 8, 8, 1, 1, 1), Pool("decode", 16, 2, 1, 8, 16)};
  disagg.pools[0].min_replicas = 0;
  cases.emplace_back("disaggregated-keda", disagg);

  ManifestSpec amd = agg;  // AMD
  amd.name = "llama-3-1-8b-mi300x";
  amd.model = "meta-llama/Llama-3.1-8B-Instruct";
  amd.image = "rocm/vllm:latest";
  amd.accelerator_vendor = "AMD";
  amd.weights_dtype = "bf16";
  amd.kv_dtype = "";
  amd.pools = {Pool("", 1, 1, 1, 1, 1)};
  cases.emplace_back("amd", amd);
  return cases;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s OUT_DIR\n", argv[0]);
    return 2;
  }
  const std::string out = argv[1];
  aiinfra::RealEnv env;
  for (const auto& [name, spec] : Cases()) {
    auto written = aiinfra::plan::WriteManifests(spec, out + "/" + name, env);
    if (!written) {
      std::fprintf(stderr, "%s: %s\n", name.c_str(), written.error().ToString().c_str());
      return 1;
    }
    std::printf("%s: %zu files\n", name.c_str(), written->size());
  }
  return 0;
}
