#include "plan/manifests.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <string_view>

#include "common/text.h"
#include "plan/yaml_out.h"

namespace aiinfra::plan {
namespace {

constexpr int kPort = 8000;
constexpr int kMaxNameLength = 63;  // DNS-1123 label
// The longest suffix a pool adds to the name: "<name>-prefill-gpus".
constexpr std::string_view kLongestSuffix = "-prefill-gpus";
// Ships in the vllm/vllm-openai image (vLLM's LWS guide uses it the same way).
constexpr std::string_view kRayScript =
    "/vllm-workspace/examples/online_serving/multi-node-serving.sh";
constexpr std::string_view kClaimName = "gpus";

Error Usage(std::string message, std::string field = "") {
  return Error{ErrorCode::kUsage, std::move(message), Location{.field = std::move(field)}};
}

bool IsDnsLabel(std::string_view s) {
  if (s.empty() || s.size() > static_cast<size_t>(kMaxNameLength)) return false;
  auto alnum = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!alnum(s.front()) || !alnum(s.back())) return false;
  return std::all_of(s.begin(), s.end(), [&](char c) { return alnum(c) || c == '-'; });
}

// A DNS-1123 subdomain: dot-separated labels, 253 characters at most.
bool IsDnsSubdomain(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  size_t start = 0;
  while (true) {
    size_t dot = s.find('.', start);
    if (!IsDnsLabel(s.substr(start, dot == std::string_view::npos ? dot : dot - start))) {
      return false;
    }
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool IsPrometheusMetricName(std::string_view s) {
  if (s.empty() || std::isdigit(static_cast<unsigned char>(s.front()))) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == ':';
  });
}

// Characters that need no shell quoting (and no YAML or PromQL escaping either).
bool IsShellSafe(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) ||
           std::string_view("._/:=@+-,").find(c) != std::string_view::npos;
  });
}

std::string ShellQuote(std::string_view s) {
  if (IsShellSafe(s)) return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

Result<std::string> DeviceClassFor(const ManifestSpec& spec) {
  if (!spec.device_class.empty()) {
    if (!IsDnsSubdomain(spec.device_class)) {
      return Fail(
          Usage(fmt::format("device class \"{}\" is not a DNS-1123 subdomain", spec.device_class),
                "device_class"));
    }
    return spec.device_class;
  }
  const std::string vendor = ToLowerAscii(spec.accelerator_vendor);
  if (vendor.empty() || vendor == "nvidia") return std::string("gpu.nvidia.com");
  if (vendor == "amd") return std::string("gpu.amd.com");
  if (vendor == "huawei") return std::string("npu.huawei.com");
  if (vendor == "metax") return std::string("gpu.metax-tech.com");
  return Fail(Usage(fmt::format("unknown accelerator vendor \"{}\" (expected NVIDIA, AMD, Huawei "
                                "or MetaX, or set device_class)",
                                spec.accelerator_vendor),
                    "accelerator_vendor"));
}

// The names and labels of one pool's objects, and its shape.
struct PoolLayout {
  const PoolManifest* pool = nullptr;
  std::string workload;   // <name> or <name>-<role>
  std::string component;  // "server", "prefill" or "decode"
  int nodes = 1;          // pods per replica
  int gpus_per_pod = 1;
  bool multi_node() const { return nodes > 1; }
};

Status CheckPool(const ManifestSpec& spec, const PoolManifest& p, const std::string& field) {
  auto bad = [&](const std::string& sub, std::string message) -> Status {
    return Fail(Usage(std::move(message), field + "." + sub));
  };
  if (p.max_replicas < 1) {
    return bad("max_replicas",
               fmt::format("max_replicas is {}, must be at least 1", p.max_replicas));
  }
  if (p.min_replicas < 0) {
    return bad("min_replicas", fmt::format("min_replicas is {}, must be >= 0", p.min_replicas));
  }
  if (p.min_replicas > p.max_replicas) {
    return bad("min_replicas",
               fmt::format("min_replicas {} > max_replicas {}", p.min_replicas, p.max_replicas));
  }
  if (spec.autoscaler == Autoscaler::kHpa && p.min_replicas < 1) {
    return bad("min_replicas",
               "the HPA cannot scale to zero: min_replicas must be >= 1 (KEDA can)");
  }
  if (p.replicas < p.min_replicas || p.replicas > p.max_replicas) {
    return bad("replicas",
               fmt::format("replicas {} outside [min_replicas, max_replicas] = [{}, {}]",
                           p.replicas, p.min_replicas, p.max_replicas));
  }
  for (auto [value, sub] :
       {std::pair{p.gpus_per_replica, "gpus_per_replica"},
        std::pair{p.gpus_per_node, "gpus_per_node"}, std::pair{p.tp, "tp"}, std::pair{p.pp, "pp"},
        std::pair{p.ep, "ep"}, std::pair{p.dp_attention, "dp_attention"},
        std::pair{p.max_num_seqs, "max_num_seqs"},
        std::pair{p.max_num_batched_tokens, "max_num_batched_tokens"}}) {
    if (value < 1) return bad(sub, fmt::format("{} is {}, must be at least 1", sub, value));
  }
  if (p.gpus_per_replica > p.gpus_per_node && p.gpus_per_replica % p.gpus_per_node != 0) {
    return bad("gpus_per_replica",
               fmt::format("a replica of {} GPUs spans nodes of {} GPUs but is not a multiple of "
                           "them",
                           p.gpus_per_replica, p.gpus_per_node));
  }
  if (static_cast<long long>(p.tp) * p.pp * p.dp_attention != p.gpus_per_replica) {
    return bad("tp", fmt::format("tp {} x pp {} x dp_attention {} = {} GPUs, but "
                                 "gpus_per_replica is {}",
                                 p.tp, p.pp, p.dp_attention,
                                 static_cast<long long>(p.tp) * p.pp * p.dp_attention,
                                 p.gpus_per_replica));
  }
  if (p.ep != 1 && p.ep != p.tp * p.dp_attention) {
    return bad("ep", fmt::format("ep {}: vLLM's expert-parallel group is tp x dp_attention = {} "
                                 "(or 1 for none)",
                                 p.ep, p.tp * p.dp_attention));
  }
  return {};
}

Result<std::vector<PoolLayout>> Layout(const ManifestSpec& spec) {
  if (spec.pools.empty() || spec.pools.size() > 2) {
    return Fail(Usage(fmt::format("{} pools: expected one (aggregated) or two (prefill, decode)",
                                  spec.pools.size()),
                      "pools"));
  }
  if (spec.pools.size() == 1 && !spec.pools[0].role.empty()) {
    return Fail(Usage(fmt::format("a single pool is aggregated: its role must be \"\", not \"{}\"",
                                  spec.pools[0].role),
                      "pools[0].role"));
  }
  if (spec.pools.size() == 2) {
    const std::string& a = spec.pools[0].role;
    const std::string& b = spec.pools[1].role;
    if (!((a == "prefill" && b == "decode") || (a == "decode" && b == "prefill"))) {
      return Fail(Usage(fmt::format("two pools must be one prefill and one decode, not \"{}\" and "
                                    "\"{}\"",
                                    a, b),
                        "pools"));
    }
  }
  std::vector<PoolLayout> layout;
  for (size_t i = 0; i < spec.pools.size(); ++i) {
    const PoolManifest& p = spec.pools[i];
    AIINFRA_CHECK_OK(CheckPool(spec, p, fmt::format("pools[{}]", i)));
    PoolLayout l;
    l.pool = &p;
    l.workload = p.role.empty() ? spec.name : spec.name + "-" + p.role;
    l.component = p.role.empty() ? "server" : p.role;
    if (p.gpus_per_replica > p.gpus_per_node) {
      l.nodes = p.gpus_per_replica / p.gpus_per_node;
      l.gpus_per_pod = p.gpus_per_node;
    } else {
      l.gpus_per_pod = p.gpus_per_replica;
    }
    layout.push_back(std::move(l));
  }
  return layout;
}

Status CheckSpec(const ManifestSpec& spec) {
  if (!IsDnsLabel(spec.name) || !std::isalpha(static_cast<unsigned char>(spec.name.front()))) {
    return Fail(Usage(fmt::format("name \"{}\" is not a DNS-1123 label starting with a letter "
                                  "(lower-case letters, digits and '-', at most 63)",
                                  spec.name),
                      "name"));
  }
  if (spec.name.size() + kLongestSuffix.size() > static_cast<size_t>(kMaxNameLength)) {
    return Fail(Usage(fmt::format("name \"{}\" is too long: derived names such as \"{}{}\" must "
                                  "fit in {} characters",
                                  spec.name, spec.name, kLongestSuffix, kMaxNameLength),
                      "name"));
  }
  if (!spec.namespace_.empty() && !IsDnsLabel(spec.namespace_)) {
    return Fail(Usage(fmt::format("namespace \"{}\" is not a DNS-1123 label", spec.namespace_),
                      "namespace"));
  }
  const bool model_ok =
      !spec.model.empty() && std::all_of(spec.model.begin(), spec.model.end(), [](char c) {
        return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '/' ||
               c == '-';
      });
  if (!model_ok) {
    return Fail(Usage(fmt::format("model \"{}\" is not a Hugging Face repo id or path "
                                  "([A-Za-z0-9._/-])",
                                  spec.model),
                      "model"));
  }
  if (spec.image.empty() || std::any_of(spec.image.begin(), spec.image.end(), [](char c) {
        return std::isspace(static_cast<unsigned char>(c));
      })) {
    return Fail(Usage(fmt::format("image \"{}\" is not an image reference", spec.image), "image"));
  }
  if (!IsPrometheusMetricName(spec.metric)) {
    return Fail(
        Usage(fmt::format("metric \"{}\" is not a Prometheus metric name", spec.metric), "metric"));
  }
  if (!std::isfinite(spec.target) || spec.target <= 0) {
    return Fail(Usage(fmt::format("target {} must be a positive number", spec.target), "target"));
  }
  if (spec.autoscaler == Autoscaler::kKeda && spec.prometheus_url.empty()) {
    return Fail(Usage("KEDA needs prometheus_url", "prometheus_url"));
  }
  return {};
}

// A Kubernetes quantity for `v` (> 0): plain decimal, up to six significant digits.
std::string Quantity(double v) {
  std::string s = fmt::format("{:.6f}", v);
  // Six decimals are plenty for a per-pod target; trim the zeros they add.
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  if (s == "0") s = fmt::format("{:.6g}", v);  // tiny values keep their digits
  return s;
}

YamlOut Labels(const ManifestSpec& spec, const PoolLayout& l) {
  YamlOut labels;
  labels["app.kubernetes.io/name"] = spec.name;
  labels["app.kubernetes.io/component"] = l.component;
  labels["app.kubernetes.io/managed-by"] = "aiinfra";
  return labels;
}

YamlOut Selector(const ManifestSpec& spec, const PoolLayout& l) {
  YamlOut selector;
  selector["app.kubernetes.io/name"] = spec.name;
  selector["app.kubernetes.io/component"] = l.component;
  return selector;
}

YamlOut Metadata(const ManifestSpec& spec, const std::string& name, const PoolLayout& l) {
  YamlOut meta;
  meta["name"] = name;
  if (!spec.namespace_.empty()) meta["namespace"] = spec.namespace_;
  meta["labels"] = Labels(spec, l);
  return meta;
}

YamlOut Document(std::string_view api_version, std::string_view kind) {
  YamlOut doc;
  doc["apiVersion"] = api_version;
  doc["kind"] = kind;
  return doc;
}

// The arguments after `vllm serve`.
std::vector<std::string> VllmArgs(const ManifestSpec& spec, const PoolLayout& l,
                                  const std::string& quantization, const std::string& kv_cache) {
  const PoolManifest& p = *l.pool;
  std::vector<std::string> args = {spec.model,
                                   "--port",
                                   std::to_string(kPort),
                                   "--tensor-parallel-size",
                                   std::to_string(p.tp),
                                   "--pipeline-parallel-size",
                                   std::to_string(p.pp)};
  if (p.ep > 1) args.push_back("--enable-expert-parallel");
  if (p.dp_attention > 1) {
    args.insert(args.end(), {"--data-parallel-size", std::to_string(p.dp_attention)});
  }
  args.insert(args.end(), {"--max-num-seqs", std::to_string(p.max_num_seqs),
                           "--max-num-batched-tokens", std::to_string(p.max_num_batched_tokens)});
  if (!kv_cache.empty()) args.insert(args.end(), {"--kv-cache-dtype", kv_cache});
  if (!quantization.empty()) args.insert(args.end(), {"--quantization", quantization});
  if (!p.role.empty()) {
    const char* role = p.role == "prefill" ? "kv_producer" : "kv_consumer";
    args.insert(args.end(),
                {"--kv-transfer-config",
                 fmt::format(R"({{"kv_connector":"NixlConnector","kv_role":"{}"}})", role)});
  }
  if (l.multi_node()) {
    args.insert(args.end(), {"--distributed-executor-backend", "ray"});
    if (p.dp_attention > 1) args.insert(args.end(), {"--data-parallel-backend", "ray"});
  }
  return args;
}

enum class PodKind { kServer, kLeader, kWorker };

YamlOut Container(const ManifestSpec& spec, const PoolLayout& l, PodKind kind,
                  const std::vector<std::string>& vllm_args) {
  YamlOut c;
  c["name"] = "vllm";
  c["image"] = spec.image;
  switch (kind) {
    case PodKind::kServer:
      c["command"] = YamlOut::Strings({"vllm", "serve"});
      c["args"] = YamlOut::Strings(vllm_args);
      break;
    case PodKind::kLeader: {
      // $(LWS_GROUP_SIZE) is expanded by the kubelet from the env LWS injects.
      std::string line = fmt::format(
          "bash {} leader --ray_cluster_size=$(LWS_GROUP_SIZE) && exec vllm serve", kRayScript);
      for (const std::string& a : vllm_args) line += " " + ShellQuote(a);
      c["command"] = YamlOut::Strings({"/bin/sh", "-c"});
      c["args"] = YamlOut::Strings({line});
      break;
    }
    case PodKind::kWorker:
      c["command"] = YamlOut::Strings({"/bin/sh", "-c"});
      c["args"] = YamlOut::Strings(
          {fmt::format("bash {} worker --ray_address=$(LWS_LEADER_ADDRESS)", kRayScript)});
      break;
  }
  YamlOut& env = c["env"];
  YamlOut hf;
  hf["name"] = "HF_TOKEN";
  hf["valueFrom"]["secretKeyRef"]["name"] = "hf-token";
  hf["valueFrom"]["secretKeyRef"]["key"] = "token";
  hf["valueFrom"]["secretKeyRef"]["optional"] = true;
  env.Push(std::move(hf));
  if (!l.pool->role.empty()) {
    // NIXL's side channel must listen on an address the other pool can reach.
    YamlOut host;
    host["name"] = "VLLM_NIXL_SIDE_CHANNEL_HOST";
    host["valueFrom"]["fieldRef"]["fieldPath"] = "status.podIP";
    env.Push(std::move(host));
  }
  if (kind != PodKind::kWorker) {
    YamlOut port;
    port["name"] = "http";
    port["containerPort"] = kPort;
    port["protocol"] = "TCP";
    c["ports"].Push(std::move(port));
    YamlOut& probe = c["readinessProbe"];
    probe["httpGet"]["path"] = "/health";
    probe["httpGet"]["port"] = kPort;
    probe["initialDelaySeconds"] = 30;
    probe["periodSeconds"] = 10;
    probe["failureThreshold"] = 3;
  }
  YamlOut claim;
  claim["name"] = kClaimName;
  c["resources"]["claims"].Push(std::move(claim));
  YamlOut shm;
  shm["name"] = "dshm";
  shm["mountPath"] = "/dev/shm";
  c["volumeMounts"].Push(std::move(shm));
  return c;
}

YamlOut PodTemplate(const ManifestSpec& spec, const PoolLayout& l, PodKind kind,
                    const std::vector<std::string>& vllm_args) {
  YamlOut t;
  t["metadata"]["labels"] = Labels(spec, l);
  if (kind != PodKind::kWorker) {
    YamlOut& ann = t["metadata"]["annotations"];
    ann["prometheus.io/scrape"] = "true";
    ann["prometheus.io/port"] = std::to_string(kPort);
    ann["prometheus.io/path"] = "/metrics";
  }
  YamlOut& pod = t["spec"];
  pod["containers"].Push(Container(spec, l, kind, vllm_args));
  YamlOut claim;
  claim["name"] = kClaimName;
  claim["resourceClaimTemplateName"] = l.workload + "-gpus";
  pod["resourceClaims"].Push(std::move(claim));
  YamlOut shm;
  shm["name"] = "dshm";
  shm["emptyDir"]["medium"] = "Memory";
  pod["volumes"].Push(std::move(shm));
  return t;
}

YamlOut Workload(const ManifestSpec& spec, const PoolLayout& l,
                 const std::vector<std::string>& vllm_args) {
  if (!l.multi_node()) {
    YamlOut d = Document("apps/v1", "Deployment");
    d["metadata"] = Metadata(spec, l.workload, l);
    d["spec"]["replicas"] = l.pool->replicas;
    d["spec"]["selector"]["matchLabels"] = Selector(spec, l);
    d["spec"]["template"] = PodTemplate(spec, l, PodKind::kServer, vllm_args);
    return d;
  }
  YamlOut d = Document("leaderworkerset.x-k8s.io/v1", "LeaderWorkerSet");
  d["metadata"] = Metadata(spec, l.workload, l);
  d["spec"]["replicas"] = l.pool->replicas;
  YamlOut& lwt = d["spec"]["leaderWorkerTemplate"];
  lwt["size"] = l.nodes;
  // A replica is one model instance: losing any pod breaks it, so the group restarts together.
  lwt["restartPolicy"] = "RecreateGroupOnPodRestart";
  lwt["leaderTemplate"] = PodTemplate(spec, l, PodKind::kLeader, vllm_args);
  lwt["workerTemplate"] = PodTemplate(spec, l, PodKind::kWorker, vllm_args);
  return d;
}

YamlOut ServiceDoc(const ManifestSpec& spec, const PoolLayout& l) {
  YamlOut s = Document("v1", "Service");
  s["metadata"] = Metadata(spec, l.workload, l);
  s["spec"]["type"] = "ClusterIP";
  YamlOut& selector = s["spec"]["selector"] = Selector(spec, l);
  // Only a group's leader (worker index 0) serves HTTP.
  if (l.multi_node()) selector["leaderworkerset.sigs.k8s.io/worker-index"] = "0";
  YamlOut port;
  port["name"] = "http";
  port["port"] = kPort;
  port["targetPort"] = "http";
  port["protocol"] = "TCP";
  s["spec"]["ports"].Push(std::move(port));
  return s;
}

YamlOut ClaimTemplateDoc(const ManifestSpec& spec, const PoolLayout& l,
                         const std::string& device_class) {
  YamlOut r = Document("resource.k8s.io/v1", "ResourceClaimTemplate");
  r["metadata"] = Metadata(spec, l.workload + "-gpus", l);
  YamlOut request;
  request["name"] = kClaimName;
  request["exactly"]["deviceClassName"] = device_class;
  request["exactly"]["allocationMode"] = "ExactCount";
  request["exactly"]["count"] = l.gpus_per_pod;
  r["spec"]["spec"]["devices"]["requests"].Push(std::move(request));
  return r;
}

YamlOut ScaleTargetRef(const PoolLayout& l) {
  YamlOut ref;
  ref["apiVersion"] = l.multi_node() ? "leaderworkerset.x-k8s.io/v1" : "apps/v1";
  ref["kind"] = l.multi_node() ? "LeaderWorkerSet" : "Deployment";
  ref["name"] = l.workload;
  return ref;
}

YamlOut HpaDoc(const ManifestSpec& spec, const PoolLayout& l) {
  YamlOut h = Document("autoscaling/v2", "HorizontalPodAutoscaler");
  h["metadata"] = Metadata(spec, l.workload, l);
  h["spec"]["scaleTargetRef"] = ScaleTargetRef(l);
  h["spec"]["minReplicas"] = l.pool->min_replicas;
  h["spec"]["maxReplicas"] = l.pool->max_replicas;
  YamlOut metric;
  metric["type"] = "Pods";
  metric["pods"]["metric"]["name"] = spec.metric;
  metric["pods"]["target"]["type"] = "AverageValue";
  metric["pods"]["target"]["averageValue"] = Quantity(spec.target);
  h["spec"]["metrics"].Push(std::move(metric));
  return h;
}

YamlOut ScaledObjectDoc(const ManifestSpec& spec, const PoolLayout& l) {
  YamlOut k = Document("keda.sh/v1alpha1", "ScaledObject");
  k["metadata"] = Metadata(spec, l.workload, l);
  k["spec"]["scaleTargetRef"] = ScaleTargetRef(l);
  k["spec"]["minReplicaCount"] = l.pool->min_replicas;
  k["spec"]["maxReplicaCount"] = l.pool->max_replicas;
  std::string filter = spec.namespace_.empty() ? fmt::format(R"(pod=~"{}-.*")", l.workload)
                                               : fmt::format(R"(namespace="{}",pod=~"{}-.*")",
                                                             spec.namespace_, l.workload);
  YamlOut trigger;
  trigger["type"] = "prometheus";
  trigger["metadata"]["serverAddress"] = spec.prometheus_url;
  trigger["metadata"]["query"] = fmt::format("sum({}{{{}}})", spec.metric, filter);
  trigger["metadata"]["threshold"] = Quantity(spec.target);
  k["spec"]["triggers"].Push(std::move(trigger));
  return k;
}

std::string JoinDocuments(const std::vector<YamlOut>& docs) {
  std::string out;
  for (size_t i = 0; i < docs.size(); ++i) {
    if (i > 0) out += "---\n";
    out += docs[i].Emit();
  }
  return out;
}

}  // namespace

Result<std::string> VllmQuantization(const std::string& weights_dtype) {
  const std::string d = ToLowerAscii(weights_dtype);
  static constexpr std::string_view kNone[] = {"",     "auto",     "f32",   "fp32", "float32",
                                               "bf16", "bfloat16", "f16",   "fp16", "float16",
                                               "int8", "int4",     "w4a16", "nvfp4"};
  static constexpr std::string_view kMethods[] = {
      "fp8",          "awq",   "gptq",         "compressed-tensors", "modelopt",
      "modelopt_fp4", "mxfp4", "bitsandbytes", "fbgemm_fp8",         "experts_int8"};
  if (std::find(std::begin(kNone), std::end(kNone), d) != std::end(kNone)) return std::string();
  if (d == "fp8_e4m3") return std::string("fp8");
  if (d == "int4_awq") return std::string("awq");
  if (std::find(std::begin(kMethods), std::end(kMethods), d) != std::end(kMethods)) return d;
  return Fail(Usage(fmt::format("weights dtype \"{}\" has no vLLM quantization (expected bf16, "
                                "f16, f32, fp8, int8, int4, nvfp4, mxfp4 or a vLLM method such "
                                "as awq, gptq, compressed-tensors, modelopt)",
                                weights_dtype),
                    "weights_dtype"));
}

Result<std::string> VllmKvCacheDtype(const std::string& kv_dtype) {
  const std::string d = ToLowerAscii(kv_dtype);
  if (d.empty() || d == "auto" || d == "bf16" || d == "bfloat16" || d == "f16" || d == "fp16" ||
      d == "float16") {
    return std::string();
  }
  if (d == "fp8" || d == "fp8_e4m3" || d == "fp8_e5m2") return d;
  return Fail(Usage(fmt::format("KV dtype \"{}\" is not one vLLM stores (expected auto, bf16, "
                                "f16, fp8, fp8_e4m3 or fp8_e5m2)",
                                kv_dtype),
                    "kv_dtype"));
}

Result<std::map<std::string, std::string>> RenderManifests(const ManifestSpec& spec) {
  AIINFRA_CHECK_OK(CheckSpec(spec));
  AIINFRA_TRY(std::string device_class, DeviceClassFor(spec));
  AIINFRA_TRY(std::string quantization, VllmQuantization(spec.weights_dtype));
  AIINFRA_TRY(std::string kv_cache, VllmKvCacheDtype(spec.kv_dtype));
  AIINFRA_TRY(std::vector<PoolLayout> layout, Layout(spec));

  std::vector<YamlOut> workloads, services, claims, scalers;
  for (const PoolLayout& l : layout) {
    workloads.push_back(Workload(spec, l, VllmArgs(spec, l, quantization, kv_cache)));
    services.push_back(ServiceDoc(spec, l));
    claims.push_back(ClaimTemplateDoc(spec, l, device_class));
    scalers.push_back(spec.autoscaler == Autoscaler::kHpa ? HpaDoc(spec, l)
                                                          : ScaledObjectDoc(spec, l));
  }
  std::map<std::string, std::string> files;
  files["deployment.yaml"] = JoinDocuments(workloads);
  files["service.yaml"] = JoinDocuments(services);
  files["resourceclaimtemplate.yaml"] = JoinDocuments(claims);
  files[spec.autoscaler == Autoscaler::kHpa ? "hpa.yaml" : "scaledobject.yaml"] =
      JoinDocuments(scalers);
  return files;
}

Result<std::vector<std::string>> WriteManifests(const ManifestSpec& spec, const std::string& dir,
                                                Env& env) {
  AIINFRA_TRY(auto files, RenderManifests(spec));
  if (!dir.empty()) AIINFRA_CHECK_OK(env.CreateDirectories(dir));
  std::vector<std::string> written;
  for (const auto& [name, text] : files) {
    std::string path = dir.empty() || dir.back() == '/' ? dir + name : dir + "/" + name;
    AIINFRA_CHECK_OK(env.WriteFile(path, text));
    written.push_back(std::move(path));
  }
  return written;
}

}  // namespace aiinfra::plan
