// Kubernetes manifests for a chosen plan: what `aiinfra plan --emit-k8s DIR` writes.
//
// One file per object kind under DIR (written atomically), each a YAML document valid against
// the Kubernetes API's JSON schemas (checked in tests/interop with the kubernetes-models npm
// packages):
// - deployment.yaml: a Deployment (one pod per replica, replica = `gpus_per_replica` GPUs on one
//   node) or, when a replica spans nodes, a LeaderWorkerSet (leaderworkerset.x-k8s.io/v1) whose
//   group size is the node count; both run `vllm serve` with the plan's parallelism flags.
//   Disaggregated plans get one workload per pool (prefill, decode), named <name>-prefill and
//   <name>-decode.
// - service.yaml: a ClusterIP Service on port 8000 selecting the serving pods.
// - resourceclaimtemplate.yaml: a resource.k8s.io/v1 ResourceClaimTemplate requesting exactly
//   the GPUs of one pod (deviceClassName gpu.nvidia.com, or the vendor's class for AMD/Huawei/
//   MetaX), referenced from the pod spec's resourceClaims.
// - hpa.yaml (autoscaler = kHpa): an autoscaling/v2 HorizontalPodAutoscaler on a Pods metric
//   named after the vLLM metric (e.g. vllm:num_requests_waiting, via a metrics adapter), with
//   min/max replicas; or scaledobject.yaml (kKeda): a keda.sh/v1alpha1 ScaledObject with a
//   prometheus trigger on the same metric.
//
// Details:
// - Every object of a pool is named after its workload (<name>, or <name>-prefill and
//   <name>-decode), the claim template <workload>-gpus; a file with two pools holds two YAML
//   documents separated by `---`. A disaggregated plan gets one Service per pool; the P/D router
//   in front of them (vLLM's proxy, llm-d, ...) is the user's.
// - Pods carry app.kubernetes.io/{name,component,managed-by} labels (component: server, prefill
//   or decode), expose port 8000 named http with prometheus.io/{scrape,port,path} annotations,
//   and are ready when GET /health on port 8000 answers. An optional Secret `hf-token` (key
//   `token`) becomes HF_TOKEN for gated models; /dev/shm is a memory volume for NCCL.
// - vLLM arguments: `vllm serve MODEL --port 8000 --tensor-parallel-size T
//   --pipeline-parallel-size P [--enable-expert-parallel] [--data-parallel-size D]
//   --max-num-seqs N --max-num-batched-tokens M [--kv-cache-dtype ...] [--quantization ...]`,
//   and for a disaggregated pool `--kv-transfer-config` with NixlConnector and kv_role
//   kv_producer (prefill) or kv_consumer (decode).
// - A multi-node replica runs on Ray, as vLLM's LWS guide does: the leader starts the Ray head
//   with the image's examples/online_serving/multi-node-serving.sh, waits for the group, then
//   runs `vllm serve ... --distributed-executor-backend ray`; workers join the leader's Ray
//   cluster. Each pod claims `gpus_per_node` GPUs; the Service and the autoscaler see the leaders.
// - KEDA's prometheus trigger sums the metric over the pool's pods; KEDA divides by the replica
//   count, so `target` is a per-pod value as with the HPA.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "common/env.h"
#include "common/result.h"

namespace aiinfra::plan {

enum class Autoscaler { kHpa, kKeda };

struct PoolManifest {
  std::string role;  // "" (aggregated), "prefill" or "decode"
  int replicas = 1;
  int min_replicas = 1;
  int max_replicas = 1;
  int gpus_per_replica = 1;
  int gpus_per_node = 8;  // of the system; a replica larger than this spans nodes
  int tp = 1, pp = 1, ep = 1, dp_attention = 1;
  int max_num_seqs = 256;
  int max_num_batched_tokens = 8192;
};

struct ManifestSpec {
  std::string name;        // DNS-1123 label, e.g. "llama-3-1-70b-h200"
  std::string namespace_;  // "" for none
  // Hugging Face repo id for `vllm serve`, e.g. "meta-llama/Llama-3.1-70B-Instruct".
  std::string model;
  std::string image = "vllm/vllm-openai:latest";
  std::string accelerator_vendor;   // "NVIDIA", "AMD", "Huawei", "MetaX": picks the DeviceClass
  std::string weights_dtype;        // passed as --quantization where vLLM needs it ("fp8", ...)
  std::string kv_dtype;             // --kv-cache-dtype ("auto", "fp8")
  std::vector<PoolManifest> pools;  // one (aggregated) or two (prefill, decode)
  Autoscaler autoscaler = Autoscaler::kHpa;
  std::string metric = "vllm:num_requests_waiting";  // the autoscaling metric
  double target = 5;                                 // its per-pod target value
  // The DeviceClass to claim; "" picks the vendor's: gpu.nvidia.com (NVIDIA, and an empty
  // vendor), gpu.amd.com, npu.huawei.com, gpu.metax-tech.com (the last two are aiinfra's
  // conventions: set this to the class your cluster's DRA driver installs).
  std::string device_class;
  // Where KEDA's prometheus trigger queries (kKeda only).
  std::string prometheus_url = "http://prometheus-operated.monitoring.svc:9090";
};

// The manifests as file name -> YAML text. kUsage for an invalid name (not a DNS-1123 label) or
// pool figures that do not fit (min > max, gpus not a multiple of the node for multi-node).
// Also kUsage: a name not starting with a letter (Services need one) or too long for its derived
// names (<name>-prefill-gpus <= 63 characters); a namespace that is not a DNS-1123 label; a model
// id with characters other than [A-Za-z0-9._/-]; an unknown vendor, weights or KV dtype; pools
// other than one aggregated pool or one prefill and one decode pool; replicas outside
// [min_replicas, max_replicas], max_replicas < 1, or min_replicas < 1 with the HPA (only KEDA
// scales to zero); tp * pp * dp_attention != gpus_per_replica; ep other than 1 or tp *
// dp_attention (vLLM's expert-parallel group); a metric that is not a Prometheus metric name; a
// target that is not a positive number.
Result<std::map<std::string, std::string>> RenderManifests(const ManifestSpec& spec);

// The --quantization value for `weights_dtype`, "" for none. Unquantized (bf16, f16, f32, "",
// auto) and checkpoint-declared formats (int8, int4, nvfp4: vLLM reads the method from the
// checkpoint's quantization_config) need none; fp8 is quantized on load; vLLM method names (awq,
// gptq, compressed-tensors, modelopt, modelopt_fp4, mxfp4, bitsandbytes, fbgemm_fp8,
// experts_int8) pass through. kUsage for anything else (GGUF types among them).
Result<std::string> VllmQuantization(const std::string& weights_dtype);
// The --kv-cache-dtype value for `kv_dtype`, "" for the default (auto: the model's dtype): fp8,
// fp8_e4m3, fp8_e5m2. kUsage for a KV dtype vLLM cannot store (int8, nvfp4, ...).
Result<std::string> VllmKvCacheDtype(const std::string& kv_dtype);

// Writes RenderManifests(spec) into `dir` (created if needed), each file atomically through
// `env`. Returns the paths written.
Result<std::vector<std::string>> WriteManifests(const ManifestSpec& spec, const std::string& dir,
                                                Env& env);

}  // namespace aiinfra::plan
