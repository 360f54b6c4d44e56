#include "plan/manifests.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <string>
#include <vector>

#include "gtest/gtest.h"

namespace aiinfra::plan {
namespace {

ManifestSpec Aggregated() {
  ManifestSpec spec;
  spec.name = "llama-3-1-70b-h200";
  spec.namespace_ = "inference";
  spec.model = "meta-llama/Llama-3.1-70B-Instruct";
  spec.accelerator_vendor = "NVIDIA";
  spec.weights_dtype = "fp8";
  spec.kv_dtype = "fp8";
  PoolManifest pool;
  pool.replicas = 2;
  pool.min_replicas = 1;
  pool.max_replicas = 6;
  pool.gpus_per_replica = 4;
  pool.gpus_per_node = 8;
  pool.tp = 4;
  pool.max_num_seqs = 128;
  pool.max_num_batched_tokens = 4096;
  spec.pools = {pool};
  return spec;
}

ManifestSpec MultiNode() {
  ManifestSpec spec = Aggregated();
  spec.name = "deepseek-r1-h100";
  spec.model = "deepseek-ai/DeepSeek-R1";
  spec.weights_dtype = "";
  spec.kv_dtype = "auto";
  PoolManifest& p = spec.pools[0];
  p.gpus_per_replica = 16;
  p.tp = 8;
  p.pp = 2;
  p.ep = 1;
  return spec;
}

ManifestSpec Disaggregated() {
  ManifestSpec spec = Aggregated();
  spec.name = "qwen3-moe";
  spec.model = "Qwen/Qwen3-235B-A22B";
  spec.autoscaler = Autoscaler::kKeda;
  spec.target = 2.5;
  PoolManifest prefill;
  prefill.role = "prefill";
  prefill.replicas = 1;
  prefill.min_replicas = 0;
  prefill.max_replicas = 4;
  prefill.gpus_per_replica = 8;
  prefill.tp = 8;
  PoolManifest decode;
  decode.role = "decode";
  decode.replicas = 2;
  decode.min_replicas = 1;
  decode.max_replicas = 8;
  decode.gpus_per_replica = 8;
  decode.tp = 2;
  decode.dp_attention = 4;
  decode.ep = 8;
  spec.pools = {prefill, decode};
  return spec;
}

std::vector<YAML::Node> Docs(const std::map<std::string, std::string>& files,
                             const std::string& name) {
  auto it = files.find(name);
  EXPECT_NE(it, files.end()) << name;
  if (it == files.end()) return {};
  return YAML::LoadAll(it->second);
}

std::vector<std::string> Args(const YAML::Node& container) {
  std::vector<std::string> args;
  for (const auto& a : container["args"]) args.push_back(a.as<std::string>());
  return args;
}

// The value after `flag` in `args`, or "" (absent), or "<flag>" for a flag without a value.
std::string Flag(const std::vector<std::string>& args, const std::string& flag) {
  auto it = std::find(args.begin(), args.end(), flag);
  if (it == args.end()) return "";
  if (it + 1 == args.end() || (it + 1)->rfind("--", 0) == 0) return "<flag>";
  return *(it + 1);
}

std::vector<std::string> Keys(const std::map<std::string, std::string>& files) {
  std::vector<std::string> keys;
  for (const auto& [k, v] : files) keys.push_back(k);
  return keys;
}

TEST(ManifestsTest, AggregatedSingleNodeDeploymentWithHpa) {
  auto files = RenderManifests(Aggregated());
  ASSERT_TRUE(files.has_value()) << files.error().ToString();
  EXPECT_EQ(Keys(*files), (std::vector<std::string>{"deployment.yaml", "hpa.yaml",
                                                    "resourceclaimtemplate.yaml", "service.yaml"}));

  auto deployments = Docs(*files, "deployment.yaml");
  ASSERT_EQ(deployments.size(), 1u);
  const YAML::Node d = deployments[0];
  EXPECT_EQ(d["apiVersion"].as<std::string>(), "apps/v1");
  EXPECT_EQ(d["kind"].as<std::string>(), "Deployment");
  EXPECT_EQ(d["metadata"]["name"].as<std::string>(), "llama-3-1-70b-h200");
  EXPECT_EQ(d["metadata"]["namespace"].as<std::string>(), "inference");
  EXPECT_EQ(d["spec"]["replicas"].as<int>(), 2);
  const YAML::Node labels = d["spec"]["template"]["metadata"]["labels"];
  for (const auto& kv : d["spec"]["selector"]["matchLabels"]) {
    EXPECT_EQ(labels[kv.first.as<std::string>()].as<std::string>(), kv.second.as<std::string>());
  }
  const YAML::Node ann = d["spec"]["template"]["metadata"]["annotations"];
  EXPECT_EQ(ann["prometheus.io/scrape"].as<std::string>(), "true");
  EXPECT_EQ(ann["prometheus.io/scrape"].Tag(), "!");  // a string, not a boolean
  EXPECT_EQ(ann["prometheus.io/port"].as<std::string>(), "8000");
  EXPECT_EQ(ann["prometheus.io/port"].Tag(), "!");

  const YAML::Node pod = d["spec"]["template"]["spec"];
  ASSERT_EQ(pod["containers"].size(), 1u);
  const YAML::Node c = pod["containers"][0];
  EXPECT_EQ(c["image"].as<std::string>(), "vllm/vllm-openai:latest");
  EXPECT_EQ(c["command"][0].as<std::string>(), "vllm");
  EXPECT_EQ(c["command"][1].as<std::string>(), "serve");
  const auto args = Args(c);
  ASSERT_FALSE(args.empty());
  EXPECT_EQ(args[0], "meta-llama/Llama-3.1-70B-Instruct");
  EXPECT_EQ(Flag(args, "--tensor-parallel-size"), "4");
  EXPECT_EQ(Flag(args, "--pipeline-parallel-size"), "1");
  EXPECT_EQ(Flag(args, "--max-num-seqs"), "128");
  EXPECT_EQ(Flag(args, "--max-num-batched-tokens"), "4096");
  EXPECT_EQ(Flag(args, "--kv-cache-dtype"), "fp8");
  EXPECT_EQ(Flag(args, "--quantization"), "fp8");
  EXPECT_EQ(Flag(args, "--enable-expert-parallel"), "");
  EXPECT_EQ(Flag(args, "--data-parallel-size"), "");
  EXPECT_EQ(Flag(args, "--kv-transfer-config"), "");
  EXPECT_EQ(Flag(args, "--distributed-executor-backend"), "");
  for (const auto& a : c["args"]) EXPECT_TRUE(a.IsScalar());
  EXPECT_EQ(c["args"][2].Tag(), "!");  // "8000" stays a string

  EXPECT_EQ(c["ports"][0]["name"].as<std::string>(), "http");
  EXPECT_EQ(c["ports"][0]["containerPort"].as<int>(), 8000);
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["path"].as<std::string>(), "/health");
  EXPECT_EQ(c["readinessProbe"]["httpGet"]["port"].as<int>(), 8000);

  // The claim: the pod references the template, the container the pod's claim.
  ASSERT_EQ(pod["resourceClaims"].size(), 1u);
  EXPECT_EQ(pod["resourceClaims"][0]["name"].as<std::string>(), "gpus");
  EXPECT_EQ(pod["resourceClaims"][0]["resourceClaimTemplateName"].as<std::string>(),
            "llama-3-1-70b-h200-gpus");
  EXPECT_EQ(c["resources"]["claims"][0]["name"].as<std::string>(), "gpus");

  auto claims = Docs(*files, "resourceclaimtemplate.yaml");
  ASSERT_EQ(claims.size(), 1u);
  EXPECT_EQ(claims[0]["apiVersion"].as<std::string>(), "resource.k8s.io/v1");
  EXPECT_EQ(claims[0]["kind"].as<std::string>(), "ResourceClaimTemplate");
  EXPECT_EQ(claims[0]["metadata"]["name"].as<std::string>(), "llama-3-1-70b-h200-gpus");
  const YAML::Node request = claims[0]["spec"]["spec"]["devices"]["requests"][0];
  EXPECT_EQ(request["name"].as<std::string>(), "gpus");
  EXPECT_EQ(request["exactly"]["deviceClassName"].as<std::string>(), "gpu.nvidia.com");
  EXPECT_EQ(request["exactly"]["allocationMode"].as<std::string>(), "ExactCount");
  EXPECT_EQ(request["exactly"]["count"].as<int>(), 4);  // = gpus_per_replica

  auto services = Docs(*files, "service.yaml");
  ASSERT_EQ(services.size(), 1u);
  EXPECT_EQ(services[0]["kind"].as<std::string>(), "Service");
  EXPECT_EQ(services[0]["spec"]["ports"][0]["port"].as<int>(), 8000);
  for (const auto& kv : services[0]["spec"]["selector"]) {
    EXPECT_EQ(labels[kv.first.as<std::string>()].as<std::string>(), kv.second.as<std::string>());
  }

  auto hpas = Docs(*files, "hpa.yaml");
  ASSERT_EQ(hpas.size(), 1u);
  const YAML::Node h = hpas[0];
  EXPECT_EQ(h["apiVersion"].as<std::string>(), "autoscaling/v2");
  EXPECT_EQ(h["spec"]["scaleTargetRef"]["kind"].as<std::string>(), "Deployment");
  EXPECT_EQ(h["spec"]["scaleTargetRef"]["name"].as<std::string>(), "llama-3-1-70b-h200");
  EXPECT_EQ(h["spec"]["minReplicas"].as<int>(), 1);
  EXPECT_EQ(h["spec"]["maxReplicas"].as<int>(), 6);
  const YAML::Node m = h["spec"]["metrics"][0];
  EXPECT_EQ(m["type"].as<std::string>(), "Pods");
  EXPECT_EQ(m["pods"]["metric"]["name"].as<std::string>(), "vllm:num_requests_waiting");
  EXPECT_EQ(m["pods"]["target"]["type"].as<std::string>(), "AverageValue");
  EXPECT_EQ(m["pods"]["target"]["averageValue"].as<std::string>(), "5");
}

TEST(ManifestsTest, MultiNodeReplicaIsALeaderWorkerSet) {
  auto files = RenderManifests(MultiNode());
  ASSERT_TRUE(files.has_value()) << files.error().ToString();
  auto docs = Docs(*files, "deployment.yaml");
  ASSERT_EQ(docs.size(), 1u);
  const YAML::Node lws = docs[0];
  EXPECT_EQ(lws["apiVersion"].as<std::string>(), "leaderworkerset.x-k8s.io/v1");
  EXPECT_EQ(lws["kind"].as<std::string>(), "LeaderWorkerSet");
  EXPECT_EQ(lws["spec"]["replicas"].as<int>(), 2);
  const YAML::Node t = lws["spec"]["leaderWorkerTemplate"];
  EXPECT_EQ(t["size"].as<int>(), 2);  // 16 GPUs on nodes of 8
  ASSERT_TRUE(t["leaderTemplate"].IsMap());
  ASSERT_TRUE(t["workerTemplate"].IsMap());

  const YAML::Node leader = t["leaderTemplate"]["spec"]["containers"][0];
  const std::string line = Args(leader).at(0);
  EXPECT_NE(line.find("leader --ray_cluster_size=$(LWS_GROUP_SIZE)"), std::string::npos) << line;
  EXPECT_NE(line.find("vllm serve deepseek-ai/DeepSeek-R1"), std::string::npos) << line;
  EXPECT_NE(line.find("--tensor-parallel-size 8"), std::string::npos) << line;
  EXPECT_NE(line.find("--pipeline-parallel-size 2"), std::string::npos) << line;
  EXPECT_NE(line.find("--distributed-executor-backend ray"), std::string::npos) << line;
  EXPECT_EQ(line.find("--kv-cache-dtype"), std::string::npos) << line;  // auto: the default
  EXPECT_EQ(line.find("--quantization"), std::string::npos) << line;
  EXPECT_EQ(leader["ports"][0]["containerPort"].as<int>(), 8000);
  EXPECT_TRUE(leader["readinessProbe"].IsMap());

  const YAML::Node worker = t["workerTemplate"]["spec"]["containers"][0];
  EXPECT_NE(Args(worker).at(0).find("worker --ray_address=$(LWS_LEADER_ADDRESS)"),
            std::string::npos);
  EXPECT_FALSE(worker["ports"].IsDefined());
  EXPECT_FALSE(worker["readinessProbe"].IsDefined());
  // Every pod of the group claims the GPUs of its node.
  for (const char* which : {"leaderTemplate", "workerTemplate"}) {
    EXPECT_EQ(t[which]["spec"]["resourceClaims"][0]["resourceClaimTemplateName"].as<std::string>(),
              "deepseek-r1-h100-gpus");
  }
  auto claims = Docs(*files, "resourceclaimtemplate.yaml");
  EXPECT_EQ(claims.at(0)["spec"]["spec"]["devices"]["requests"][0]["exactly"]["count"].as<int>(),
            8);

  // The Service reaches leaders only; the HPA scales the LeaderWorkerSet.
  auto service = Docs(*files, "service.yaml").at(0);
  EXPECT_EQ(
      service["spec"]["selector"]["leaderworkerset.sigs.k8s.io/worker-index"].as<std::string>(),
      "0");
  auto hpa = Docs(*files, "hpa.yaml").at(0);
  EXPECT_EQ(hpa["spec"]["scaleTargetRef"]["apiVersion"].as<std::string>(),
            "leaderworkerset.x-k8s.io/v1");
  EXPECT_EQ(hpa["spec"]["scaleTargetRef"]["kind"].as<std::string>(), "LeaderWorkerSet");
}

TEST(ManifestsTest, DisaggregatedGivesTwoWorkloadsWithKvRolesAndKeda) {
  auto files = RenderManifests(Disaggregated());
  ASSERT_TRUE(files.has_value()) << files.error().ToString();
  EXPECT_EQ(Keys(*files), (std::vector<std::string>{"deployment.yaml", "resourceclaimtemplate.yaml",
                                                    "scaledobject.yaml", "service.yaml"}));
  auto docs = Docs(*files, "deployment.yaml");
  ASSERT_EQ(docs.size(), 2u);
  EXPECT_EQ(docs[0]["metadata"]["name"].as<std::string>(), "qwen3-moe-prefill");
  EXPECT_EQ(docs[1]["metadata"]["name"].as<std::string>(), "qwen3-moe-decode");
  EXPECT_EQ(
      docs[0]["spec"]["selector"]["matchLabels"]["app.kubernetes.io/component"].as<std::string>(),
      "prefill");
  const auto prefill = Args(docs[0]["spec"]["template"]["spec"]["containers"][0]);
  const auto decode = Args(docs[1]["spec"]["template"]["spec"]["containers"][0]);
  YAML::Node p_kv = YAML::Load(Flag(prefill, "--kv-transfer-config"));
  YAML::Node d_kv = YAML::Load(Flag(decode, "--kv-transfer-config"));
  EXPECT_EQ(p_kv["kv_connector"].as<std::string>(), "NixlConnector");
  EXPECT_EQ(p_kv["kv_role"].as<std::string>(), "kv_producer");
  EXPECT_EQ(d_kv["kv_connector"].as<std::string>(), "NixlConnector");
  EXPECT_EQ(d_kv["kv_role"].as<std::string>(), "kv_consumer");
  EXPECT_EQ(Flag(prefill, "--tensor-parallel-size"), "8");
  EXPECT_EQ(Flag(decode, "--tensor-parallel-size"), "2");
  EXPECT_EQ(Flag(decode, "--data-parallel-size"), "4");
  EXPECT_EQ(Flag(decode, "--enable-expert-parallel"), "<flag>");
  EXPECT_EQ(Flag(prefill, "--enable-expert-parallel"), "");

  auto services = Docs(*files, "service.yaml");
  ASSERT_EQ(services.size(), 2u);
  auto claims = Docs(*files, "resourceclaimtemplate.yaml");
  ASSERT_EQ(claims.size(), 2u);
  EXPECT_EQ(claims[1]["metadata"]["name"].as<std::string>(), "qwen3-moe-decode-gpus");

  auto scalers = Docs(*files, "scaledobject.yaml");
  ASSERT_EQ(scalers.size(), 2u);
  const YAML::Node k = scalers[0];
  EXPECT_EQ(k["apiVersion"].as<std::string>(), "keda.sh/v1alpha1");
  EXPECT_EQ(k["kind"].as<std::string>(), "ScaledObject");
  EXPECT_EQ(k["spec"]["scaleTargetRef"]["name"].as<std::string>(), "qwen3-moe-prefill");
  EXPECT_EQ(k["spec"]["minReplicaCount"].as<int>(), 0);  // KEDA scales to zero
  EXPECT_EQ(k["spec"]["maxReplicaCount"].as<int>(), 4);
  const YAML::Node trigger = k["spec"]["triggers"][0];
  EXPECT_EQ(trigger["type"].as<std::string>(), "prometheus");
  EXPECT_EQ(trigger["metadata"]["threshold"].as<std::string>(), "2.5");
  EXPECT_EQ(trigger["metadata"]["threshold"].Tag(), "!");  // KEDA wants a string
  EXPECT_EQ(trigger["metadata"]["query"].as<std::string>(),
            R"(sum(vllm:num_requests_waiting{namespace="inference",pod=~"qwen3-moe-prefill-.*"}))");
  EXPECT_FALSE(trigger["metadata"]["serverAddress"].as<std::string>().empty());
}

TEST(ManifestsTest, VendorPicksTheDeviceClass) {
  for (auto [vendor, cls] : {std::pair{"AMD", "gpu.amd.com"}, std::pair{"nvidia", "gpu.nvidia.com"},
                             std::pair{"", "gpu.nvidia.com"}, std::pair{"Huawei", "npu.huawei.com"},
                             std::pair{"MetaX", "gpu.metax-tech.com"}}) {
    ManifestSpec spec = Aggregated();
    spec.accelerator_vendor = vendor;
    auto files = RenderManifests(spec);
    ASSERT_TRUE(files.has_value()) << files.error().ToString();
    auto claim = Docs(*files, "resourceclaimtemplate.yaml").at(0);
    EXPECT_EQ(claim["spec"]["spec"]["devices"]["requests"][0]["exactly"]["deviceClassName"]
                  .as<std::string>(),
              cls)
        << vendor;
  }
  ManifestSpec spec = Aggregated();
  spec.device_class = "gpu.example.com";
  auto files = RenderManifests(spec);
  ASSERT_TRUE(files.has_value());
  EXPECT_NE(files->at("resourceclaimtemplate.yaml").find("gpu.example.com"), std::string::npos);
}

TEST(ManifestsTest, InvalidSpecsAreUsageErrors) {
  struct Case {
    const char* what;
    void (*mutate)(ManifestSpec&);
  };
  const Case cases[] = {
      {"upper-case name", [](ManifestSpec& s) { s.name = "Llama"; }},
      {"underscore name", [](ManifestSpec& s) { s.name = "llama_70b"; }},
      {"empty name", [](ManifestSpec& s) { s.name = ""; }},
      {"name ending in -", [](ManifestSpec& s) { s.name = "llama-"; }},
      {"name starting with a digit", [](ManifestSpec& s) { s.name = "3llama"; }},
      {"name too long", [](ManifestSpec& s) { s.name = std::string(51, 'a'); }},
      {"bad namespace", [](ManifestSpec& s) { s.namespace_ = "Prod"; }},
      {"model with a space", [](ManifestSpec& s) { s.model = "a b"; }},
      {"min > max",
       [](ManifestSpec& s) {
         s.pools[0].min_replicas = 4;
         s.pools[0].max_replicas = 2;
         s.pools[0].replicas = 3;
       }},
      {"replicas above max", [](ManifestSpec& s) { s.pools[0].replicas = 7; }},
      {"HPA to zero", [](ManifestSpec& s) { s.pools[0].min_replicas = 0; }},
      {"max 0",
       [](ManifestSpec& s) {
         s.pools[0].min_replicas = s.pools[0].max_replicas = s.pools[0].replicas = 0;
       }},
      {"parallelism does not match GPUs", [](ManifestSpec& s) { s.pools[0].tp = 2; }},
      {"ep not tp x dp", [](ManifestSpec& s) { s.pools[0].ep = 2; }},
      {"multi-node not a multiple",
       [](ManifestSpec& s) {
         s.pools[0].gpus_per_replica = 12;
         s.pools[0].tp = 12;
       }},
      {"zero GPUs", [](ManifestSpec& s) { s.pools[0].gpus_per_replica = 0; }},
      {"role on a single pool", [](ManifestSpec& s) { s.pools[0].role = "decode"; }},
      {"two decode pools",
       [](ManifestSpec& s) {
         s.pools.push_back(s.pools[0]);
         s.pools[0].role = s.pools[1].role = "decode";
       }},
      {"no pools", [](ManifestSpec& s) { s.pools.clear(); }},
      {"unknown vendor", [](ManifestSpec& s) { s.accelerator_vendor = "Intel"; }},
      {"GGUF weights", [](ManifestSpec& s) { s.weights_dtype = "q4_k_m"; }},
      {"int8 KV", [](ManifestSpec& s) { s.kv_dtype = "int8"; }},
      {"bad metric", [](ManifestSpec& s) { s.metric = "vllm requests"; }},
      {"zero target", [](ManifestSpec& s) { s.target = 0; }},
      {"bad device class", [](ManifestSpec& s) { s.device_class = "GPU!"; }},
  };
  for (const Case& c : cases) {
    ManifestSpec spec = Aggregated();
    c.mutate(spec);
    auto files = RenderManifests(spec);
    ASSERT_FALSE(files.has_value()) << c.what;
    EXPECT_EQ(files.error().code, ErrorCode::kUsage) << c.what;
  }
  // The longest name that still fits: <name>-prefill-gpus is 63 characters.
  ManifestSpec spec = Aggregated();
  spec.name = std::string(50, 'a');
  EXPECT_TRUE(RenderManifests(spec).has_value());
}

TEST(ManifestsTest, MinGreaterThanMaxNamesTheField) {
  ManifestSpec spec = Aggregated();
  spec.pools[0].min_replicas = 5;
  spec.pools[0].max_replicas = 3;
  auto files = RenderManifests(spec);
  ASSERT_FALSE(files.has_value());
  EXPECT_EQ(files.error().where.field, "pools[0].min_replicas");
  EXPECT_NE(files.error().message.find("min_replicas 5 > max_replicas 3"), std::string::npos)
      << files.error().message;
}

TEST(ManifestsTest, QuantizationAndKvFlags) {
  EXPECT_EQ(*VllmQuantization(""), "");
  EXPECT_EQ(*VllmQuantization("bf16"), "");
  EXPECT_EQ(*VllmQuantization("FP8"), "fp8");
  EXPECT_EQ(*VllmQuantization("int4"), "");  // declared by the checkpoint
  EXPECT_EQ(*VllmQuantization("int4_awq"), "awq");
  EXPECT_EQ(*VllmQuantization("compressed-tensors"), "compressed-tensors");
  EXPECT_FALSE(VllmQuantization("q8_0").has_value());
  EXPECT_EQ(*VllmKvCacheDtype("auto"), "");
  EXPECT_EQ(*VllmKvCacheDtype("bf16"), "");
  EXPECT_EQ(*VllmKvCacheDtype("fp8_e5m2"), "fp8_e5m2");
  EXPECT_FALSE(VllmKvCacheDtype("nvfp4").has_value());
}

TEST(ManifestsTest, OutputIsDeterministic) {
  EXPECT_EQ(*RenderManifests(Disaggregated()), *RenderManifests(Disaggregated()));
}

TEST(ManifestsTest, WriteManifestsWritesExactlyTheRenderedFiles) {
  FakeEnv env;
  auto written = WriteManifests(Disaggregated(), "out/k8s", env);
  ASSERT_TRUE(written.has_value()) << written.error().ToString();
  EXPECT_EQ(*written, (std::vector<std::string>{
                          "out/k8s/deployment.yaml", "out/k8s/resourceclaimtemplate.yaml",
                          "out/k8s/scaledobject.yaml", "out/k8s/service.yaml"}));
  auto rendered = *RenderManifests(Disaggregated());
  ASSERT_EQ(env.files().size(), rendered.size());
  for (const auto& [name, text] : rendered) {
    EXPECT_EQ(env.files().at("out/k8s/" + name), text) << name;
  }
  // A trailing slash is not doubled.
  FakeEnv env2;
  auto again = WriteManifests(Aggregated(), "k8s/", env2);
  ASSERT_TRUE(again.has_value());
  EXPECT_EQ(again->front(), "k8s/deployment.yaml");
}

TEST(ManifestsTest, WriteManifestsWritesNothingForAnInvalidSpec) {
  FakeEnv env;
  ManifestSpec spec = Aggregated();
  spec.name = "Bad";
  EXPECT_FALSE(WriteManifests(spec, "out", env).has_value());
  EXPECT_TRUE(env.files().empty());
}

}  // namespace
}  // namespace aiinfra::plan
