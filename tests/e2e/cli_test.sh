#!/usr/bin/env bash
# End-to-end tests of the aiinfra binary as a user runs it: outputs, exit codes, files.
# Usage: cli_test.sh AIINFRA SOURCE_DIR
set -u
bin=$1
src=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

# verdict NAME CODE RC OUT_PATTERNS ERR_PATTERNS: judges a run whose stdout and stderr are in
# $tmp/out and $tmp/err; each pattern list is newline-separated and every pattern must match.
verdict() {
  local name=$1 code=$2 rc=$3 out_pats=$4 err_pats=$5 ok=1 pat
  [ "$rc" -eq "$code" ] || { echo "FAIL $name: exit $rc, expected $code"; ok=0; }
  while IFS= read -r pat; do
    [ -z "$pat" ] && continue
    grep -qE -- "$pat" "$tmp/out" || { echo "FAIL $name: stdout lacks /$pat/"; ok=0; }
  done <<<"$out_pats"
  while IFS= read -r pat; do
    [ -z "$pat" ] && continue
    grep -qE -- "$pat" "$tmp/err" || { echo "FAIL $name: stderr lacks /$pat/"; ok=0; }
  done <<<"$err_pats"
  if [ $ok -eq 1 ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    sed 's/^/  out: /' "$tmp/out" | head -5
    sed 's/^/  err: /' "$tmp/err" | head -5
  fi
}

# expect NAME CODE [--out PATTERN]... [--err PATTERN]... -- ARGS...: runs the binary with ARGS;
# passes when it exits CODE and every pattern matches a line of stdout (--out) or stderr (--err).
expect() { run_expect bin "$@"; }

# expect_sh NAME CODE [--out PATTERN]... [--err PATTERN]... -- COMMAND: as expect, for a shell
# command line (a pipeline) in which "$bin" names the binary.
expect_sh() { run_expect sh "$@"; }

run_expect() {
  local mode=$1 name=$2 code=$3
  shift 3
  local out_pats="" err_pats=""
  while [ "$1" != "--" ]; do
    case $1 in
      --out) out_pats+="$2"$'\n'; shift 2 ;;
      --err) err_pats+="$2"$'\n'; shift 2 ;;
      *) echo "FAIL $name: bad expect argument $1"; failed=$((failed + 1)); return ;;
    esac
  done
  shift
  if [ "$mode" = bin ]; then
    "$bin" "$@" >"$tmp/out" 2>"$tmp/err"
  else
    bin="$bin" bash -c "set -o pipefail; $1" >"$tmp/out" 2>"$tmp/err"
  fi
  verdict "$name" "$code" $? "$out_pats" "$err_pats"
}

check() {  # check NAME COMMAND...: passes when the command succeeds
  local name=$1
  shift
  if "$@" >/dev/null 2>&1; then passed=$((passed + 1)); else
    echo "FAIL $name"
    failed=$((failed + 1))
  fi
}

expect version 0 --out '^aiinfra 0\.1\.0' -- --version
expect help 0 --out 'hw' -- --help
expect hw-help 0 --out 'collective' -- hw --help
expect list 0 --out 'gb200-nvl72' --out 'cloudmatrix-384' -- hw list
expect list-json 0 --out '"accelerators"' -- hw list -o json
expect show-system 0 --out 'References' --out 'NVLink' -- hw show gb200-nvl72
expect show-accelerator-yaml 0 --out '^compute:' -- hw show h100-sxm -o yaml
expect show-unknown 3 --err 'did you mean' -- hw show gb200-nvl27
expect unknown-command 2 --err 'hw' -- hw shw
expect missing-option 2 --err 'system' -- hw collective --gpus 8
expect bad-choice 2 -- hw collective --system hgx-h100 --gpus 8 --op all_reduse
expect too-many-gpus 2 --err 'gpus' -- hw collective --system hgx-h100 --gpus 9
expect bad-size 2 --err 'size' -- hw collective --system hgx-h100 --gpus 8 --size 1GX
expect nvls-on-mesh 2 --err 'nvls' -- hw collective --system mi300x-8gpu --gpus 8 --algo nvls

# The sweep prints one row per power of two from 8 B to 8 GiB (31 sizes), like nccl-tests.
expect sweep 0 --out 'Avg bus bandwidth' -- hw collective --system hgx-h100 --gpus 8 --sweep
rows=$("$bin" hw collective --system hgx-h100 --gpus 8 --sweep -o json | grep -c '"algbw"')
[ "$rows" -eq 31 ] && passed=$((passed + 1)) || { echo "FAIL sweep-rows: $rows"; failed=$((failed + 1)); }
expect cluster 0 --out 'hierarchical|ring|tree' -- hw collective --system hgx-h100 --nodes 4 --gpus 32 --size 1GiB
expect moe 0 --out 'hierarchical' -- hw collective --system hgx-h800 --nodes 2 --op moe_dispatch --gpus 16 --size 28MiB

# Topology pictures are written whole (atomically) and are SVG.
expect topology 0 --out 'bisection' -- hw topology gb200-nvl72 --svg "$tmp/nvl72.svg"
check svg-written grep -q '<svg' "$tmp/nvl72.svg"
check no-temp-left bash -c "! ls '$tmp' | grep -q tmp"
expect topology-bad-dir 3 --err "$tmp/missing" -- hw topology hgx-h100 --svg "$tmp/missing/x.svg"

# --data overlays the embedded catalog: a new system is added; a broken file is named.
mkdir -p "$tmp/data/hardware/systems"
sed 's/^id: hgx-h100/id: my-box/; s/^name: .*/name: My Box/' \
  "$src/data/hardware/systems/hgx-h100.yaml" >"$tmp/data/hardware/systems/my-box.yaml"
expect overlay-add 0 --out 'My Box' -- --data "$tmp/data" hw show my-box
printf 'id: bad-box\nname: Bad\naccelerator: h100-sxm\naccelerators: {value: -8, source: x}\n' \
  >"$tmp/data/hardware/systems/bad-box.yaml"
expect overlay-bad 3 --err 'bad-box.yaml:4:.*accelerators' -- --data "$tmp/data" hw list
expect overlay-missing 3 --err 'nope' -- --data "$tmp/nope" hw list

# Models: the catalog, the derivations, a Hugging Face config.json, and a misspelt name.
expect model-list 0 --out 'deepseek-v3' --out 'gpt-oss-120b' -- model list
expect model-list-json 0 --out '"total_params"' -- model list -o json
expect model-explain 0 --out 'What multi-head attention would cache instead' --out '== MoE ==' \
  -- model show deepseek-v3 --explain
expect model-config-json 0 --out 'Qwen3MoeForCausalLM' --out '30.53B' \
  -- model show "$src/src/model/testdata/qwen3-30b-a3b.json"
expect model-unknown 3 --err 'did you mean' -- model show llama-3.1-7b
expect model-bad-dtype 2 --err 'weights' -- model show llama-3.1-8b --weights fp5

# Performance model: a scriptable throughput prediction, errors, validation against published
# results, and the planner with its chart and manifests.
tp=(perf throughput --model llama-3.1-70b --system hgx-h100 --gpus 2 --weights fp8 --isl 1000 --osl 1000)
expect perf-json 0 --out '"output_tokens_per_s_per_gpu"' --out '"input_tokens_per_s_per_gpu"' \
  --out '"batch"' --out '"ttft_s"' --out '"tpot_s"' -- "${tp[@]}" -o json
expect perf-limits 0 --out 'limited by tpot' -- "${tp[@]}" --tpot-max 20ms
expect perf-disagg 0 --out '"prefill_replicas"' -- "${tp[@]}" --disagg auto -o json
expect perf-prefill 0 --out 'input ' -- "${tp[@]}" --mode prefill
expect perf-nofit 4 --err 'does not fit' --err 'smallest catalog system' \
  -- perf throughput --model llama-3.1-405b --system hgx-h100 --gpus 1 --isl 100 --osl 100
expect perf-badtp 2 --err 'must equal tp x pp' -- "${tp[@]}" --tp 4
expect perf-baddisagg 2 --err 'PxD' -- "${tp[@]}" --disagg 2y1
expect perf-step 0 --out 'KV reads' -- perf step --model llama-3.1-8b --system hgx-h100 --gpus 1 \
  --decode 64 --context 2000
expect perf-validate 0 --out 'median absolute error' -- perf validate --fail-above 25
pl=(plan --model llama-3.1-70b --hw h200,b200 --isl 2000 --osl 500 --rate 20)
slo=(--slo ttft_p90=500ms,tpot_p90=50ms)
expect plan 0 --out 'tok/s/GPU' --out 'Pareto frontier' -- "${pl[@]}" "${slo[@]}" --price H200=3.5/h,B200=6/h \
  --chart "$tmp/frontier.svg" --emit-k8s "$tmp/k8s"
check plan-chart grep -q '</svg>' "$tmp/frontier.svg"
check plan-manifests test -s "$tmp/k8s/deployment.yaml" -a -s "$tmp/k8s/resourceclaimtemplate.yaml"
expect plan-json 0 --out '"pareto_frontier"' --out '"dollars_per_million_tokens"' -- "${pl[@]}" "${slo[@]}" -o json
expect plan-unmeetable 4 --err 'no plan meets' --err '  3\. ' -- "${pl[@]}" --slo ttft_p90=1ms --max-gpus 8
expect plan-badslo 2 --err 'METRIC_pXX' -- "${pl[@]}" --slo fast

# DRA: the allocator on real manifests; exit 4 when the node cannot satisfy the claims, 3 on
# invalid input.
ex="$src/data/dra/gpu-nic-aligned.yaml"
expect dra-allocate 0 --out 'device: gpu-1' --out 'device: eth1' --out 'metadata.name' \
  -- dra allocate --node node-1 -f "$ex"
awk '{print} /^ +deviceClassName: dranet$/{print "        count: 2"}' "$ex" >"$tmp/two-nics.yaml"
expect dra-unsat 4 --err 'cannot allocate ml/gpu-and-nic on node node-1' \
  -- dra allocate --node node-1 -f "$tmp/two-nics.yaml"
# `dra explain`: node by node, why a pending claim fits or not (exit 4 when it fits nowhere; the
# report still goes to stdout). Two NICs on one PCIe root with the GPU: the constraint is the reason.
expect dra-explain 0 --out '^claim ml/gpu-and-nic: fits on 1 of 1 node \(first: node-1\)$' \
  -- dra explain -f "$ex"
expect dra-explain-nics 4 --err 'ml/gpu-and-nic fits on no node' \
  --out "^  node-1: request 'nic' needs 2 sharing resource.kubernetes.io/pcieRoot with request 'gpu'; the best pcieRoot \(pci0000:80\) offers 1$" \
  -- dra explain -f "$tmp/two-nics.yaml"
expect dra-explain-nics-summary 4 \
  --out '^claim ml/gpu-and-nic: fits on none of 1 node; node-1 offers 2 of the 3 devices it needs$' \
  -- dra explain -f "$tmp/two-nics.yaml"
expect dra-explain-json 4 --out '"best_node": "node-1"' -- dra explain -f "$tmp/two-nics.yaml" -o json
expect dra-explain-nonode 3 --err 'node node-9 is not among the Node manifests' \
  -- dra explain --node node-9 -f "$ex"
expect dra-explain-badfeature 2 --err "unknown feature 'Taints'" \
  -- dra explain --features Taints -f "$ex"
expect dra-features 3 --err 'has subrequests, but the DRAPrioritizedList feature is disabled' \
  -- dra allocate --node node-1 --features none -f "$src/tests/e2e/dra-first-available.yaml"
expect dra-badfeature 2 --err "unknown feature 'Taints'" \
  -- dra allocate --node node-1 --features Taints -f "$ex"
expect dra-nonode 3 --err 'node node-9 is not among the Node manifests' \
  -- dra allocate --node node-9 -f "$ex"

# `dra slices`: what the GPU and NIC drivers publish on a cluster of catalog systems.
expect dra-slices 0 --out '^  name: node-2-dra.net$' --out 'name: pci-0000-18-00-0' \
  --out 'productName:' -- dra slices --system hgx-h100 --nodes 2
expect dra-slices-json 0 --out '"kind": "List"' --out '"nvidia.com/gpu.clique"' \
  --out '"cliqueID"' -- dra slices --system gb200-nvl72 --nodes 2 -o json
expect dra-slices-amd 0 --out 'driver: gpu.amd.com' --out 'name: gpu-0-128' \
  -- dra slices --system mi300x-8gpu
expect dra-slices-refused 3 --err 'system cloudmatrix-384 .*supported systems: .*hgx-h100' \
  -- dra slices --system cloudmatrix-384
expect dra-slices-unknown 3 --err 'did you mean' -- dra slices --system hgx-h10
expect dra-slices-nodes 2 --err '--nodes must be between 1 and' \
  -- dra slices --system hgx-h100 --nodes 0
# Piped into the allocator with claims: a GPU with the NIC on its PCIe root, and the node's other
# seven GPUs in one NVLink domain (matchAttribute on the clique).
cat >"$tmp/slice-claims.yaml" <<'CLAIMS'
apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: gpu-and-nic, namespace: ml}
spec:
  devices:
    requests:
    - name: gpu
      exactly: {deviceClassName: gpu.nvidia.com}
    - name: nic
      exactly: {deviceClassName: dranet}
    constraints:
    - matchAttribute: resource.kubernetes.io/pcieRoot
---
apiVersion: resource.k8s.io/v1
kind: ResourceClaim
metadata: {name: tp7, namespace: ml}
spec:
  devices:
    requests:
    - name: gpus
      exactly: {deviceClassName: gpu.nvidia.com, count: 7}
    constraints:
    - matchAttribute: gpu.nvidia.com/cliqueID
CLAIMS
expect_sh dra-slices-allocate 0 --out 'device: pci-0000-18-00-0' --out 'device: gpu-7' \
  --out 'pool: node-2' -- "\"\$bin\" dra slices --system hgx-h100 --nodes 2 |
    \"\$bin\" dra allocate --node node-2 -f /dev/stdin -f '$tmp/slice-claims.yaml'"
"$bin" dra slices --system hgx-h100 --nodes 2 -o yaml >"$tmp/slices-list.yaml"
expect dra-slices-list 0 --out 'device: gpu-0' \
  -- dra allocate --node node-1 -f "$tmp/slices-list.yaml" -f "$tmp/slice-claims.yaml"

# `sim`: the built-in scenario runs, scales and reports the metrics of specs/metrics.md.
# The built-in scenario: DeepSeek-V3 PD with the SLO planner on GB200 NVL72, then on HGX H200,
# and the comparison table.
expect sim-default 0 --out '^scenario gb200-nvl72' --out '^scenario hgx-h200' \
  --out 'decode pool: 1 -> [2-8] replicas \(planner: ' --out 'prefill pool: 1 -> [2-8] replicas' \
  --out '^ttft +per-request' --out '^itl +pooled' --out '^slo_attainment' \
  --out '^RUN +REQUESTS +TTFT P90' --out '^gb200-nvl72 +[0-9]+' --out '^hgx-h200 +[0-9]+' \
  --out '^report: sim-report.html' -- sim
check sim-default-report grep -q '"runs":\[{"name":"gb200-nvl72"' sim-report.html
rm -f sim-report.html
expect sim-json 0 --out '"request_throughput"' --out '"scale_events"' --out '"cause": "planner"' \
  --out '"compare": \[' --out '"label": "hgx-h200"' -- sim -o json --report "$tmp/j.html"
# The other scenarios shipped: the HPA on two metrics (requests in flight, p90 TTFT), KEDA
# scaling to zero and back.
expect sim-hpa-two-metrics 0 --out 'main pool: 2 -> [3-8] replicas \(hpa: requests [0-9.]+/48, ttft_p90 [0-9.]+/1\)' \
  -- sim "$src/data/scenarios/llama-70b-hpa.yaml"
expect sim-keda 0 --out 'main pool: 0 -> 1 replicas \(keda-activate: requests' \
  --out 'main pool: [1-6] -> 0 replicas \(keda-idle: requests 0/16\)' \
  -- sim "$src/data/scenarios/keda-scale-to-zero.yaml"
cp "$src/tests/e2e/small.yaml" "$tmp/small.yaml"
expect sim-file 0 --out '^scenario scenario' -- sim "$tmp/small.yaml" --series "$tmp/series.csv"
check sim-series grep -q '^t,' "$tmp/series.csv"
expect sim-report 0 --out "report: $tmp/r.html" -- sim "$tmp/small.yaml" --report "$tmp/r.html"
check sim-report-html grep -q 'id="data"' "$tmp/r.html"
expect sim-requests 0 --out 'requests' -- sim "$tmp/small.yaml" --requests "$tmp/req.csv"
check sim-requests-rows test "$(grep -c '^chat,0,ok,' "$tmp/req.csv")" -gt 40
expect sim-set 0 --out 'peak 3 replicas' -- sim "$tmp/small.yaml" --set deployment.replicas=3
expect sim-sweep 0 --out '^deployment.replicas +REQUESTS' --out '^ +1 +[0-9]+' --out '^ +2 +[0-9]+' \
  -- sim "$tmp/small.yaml" --sweep deployment.replicas=1,2
expect sim-set-bad 2 --err "'9' is not an index" -- sim "$tmp/small.yaml" --set workload.classes.9.input=1
sed 's/hgx-h100/hgx-h999/' "$tmp/small.yaml" >"$tmp/bad.yaml"
expect sim-bad-system 3 --err 'bad.yaml:5' --err 'hgx-h999' -- sim "$tmp/bad.yaml"
# The cluster bounds the replicas: 9 of 1 GPU do not fit on one 8-GPU node.
expect sim-cluster-full 3 --err 'initial replicas need 9 GPUs of hgx-h100; the cluster has 8' \
  -- sim "$tmp/small.yaml" --set deployment.replicas=9 --set 'cluster={hgx-h100: 1}'
expect sim-cluster-missing 3 --err 'system hgx-h100 is not in the cluster' \
  -- sim "$tmp/small.yaml" --set 'cluster={hgx-h200: 1}'
# Closed loop: 4 users never have more than 4 requests in flight.
expect sim-closed-loop 0 --out 'peak 1 replicas' -- sim "$tmp/small.yaml" \
  --set 'workload.classes.0.closed_loop={users: 4, think_time: 1s}' --set workload.arrivals=null \
  --series "$tmp/closed.csv"
check sim-closed-loop-bound awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) { if ($i == "running") r = i; if ($i == "waiting") w = i } } NR > 1 && $r + $w > 4 { exit 1 }' "$tmp/closed.csv"
expect sim-planner-with-hpa 3 --err 'the planner sizes the pools itself' -- sim \
  "$src/data/scenarios/llama-70b-hpa.yaml" --set 'planner={ttft: 1s, itl: 50ms}'

# `serve`: what it refuses, before it listens (interop/serve_test.sh drives a running one).
expect serve-disaggregated 3 --err 'decode.system: serve runs one aggregated pool' -- serve \
  --scenario "$src/data/scenarios/default.yaml" --port 0
expect serve-fixed-and-scenario 2 --err 'give one or the other' -- serve \
  --scenario "$src/data/scenarios/llama-70b-hpa.yaml" --ttft 40ms --port 0
expect serve-bad-rate 2 --err 'error-rate must be in \[0, 1\]' -- serve --error-rate 2 --port 0
expect serve-unknown-model 3 --err 'model: unknown model "nope"' -- serve --model nope --port 0
expect serve-runs 0 --out 'served 0 generations' --err 'listening on http://127.0.0.1:' -- serve \
  --port 0 --duration 200ms

# `bench`: nothing listens on port 1 of loopback, so every request is a connection error, counted
# and reported; bad options are usage errors.
expect bench-unreachable 0 --out '^errors: 3 x connection' \
  --out '^requests +3 \(completed 0, error 3\)' -- bench --url http://127.0.0.1:1 --model m --num-requests 3
expect bench-unreachable-json 0 --out '"connection": 3' -- bench --url http://127.0.0.1:1 --model m \
  --num-requests 3 --rate 100 --arrivals constant -o json
expect bench-https 3 --err 'only http:// URLs' -- bench --url https://x --model m
expect bench-rate-bad 2 --err 'rate: expected requests per second' -- bench --url http://127.0.0.1:1 --model m --rate x
expect bench-both 2 --err 'give --rate \(open loop\) or --concurrency' \
  -- bench --url http://127.0.0.1:1 --model m --rate 1 --concurrency 2
# A run's outputs, and the simulator replaying its arrivals from the saved trace: every request
# sent (even the refused ones) is a row, so the simulator sees the same 25 requests.
expect bench-outputs 0 --out '^errors: 25 x connection' --out "^save-trace: $tmp/sent.csv" \
  -- bench --url http://127.0.0.1:1 --model m --rate 500 --num-requests 25 --turns 1 \
  --input-tokens 300 --input-dist lognormal --input-cv 0.5 --prefix-tokens 32 --prefix-groups 2 \
  --save-trace "$tmp/sent.csv" --save-result "$tmp/run.json" --save-requests "$tmp/run.jsonl" \
  --report "$tmp/bench.html"
check bench-jsonl-lines test "$(wc -l <"$tmp/run.jsonl")" -eq 25
check bench-trace-rows test "$(wc -l <"$tmp/sent.csv")" -eq 26
check bench-result-vllm grep -q '"failed": 25' "$tmp/run.json"
check bench-report-html grep -q 'time since the start' "$tmp/bench.html"
expect bench-sim-replay 0 --out '"requests": 25,' -- sim "$tmp/small.yaml" \
  --set "workload={trace: {format: splitwise, path: $tmp/sent.csv}}" -o json
expect bench-compare 0 --out '^failed requests +- +25 +25 +1\.000 +\+0 +same' \
  -- bench compare "$tmp/run.json" "$tmp/run.json"
expect bench-compare-json 0 --out '"metric": "ttft p90"' -- bench compare "$tmp/run.json" "$tmp/run.json" -o json
expect bench-compare-notjson 3 --err "$tmp/run.jsonl: not JSON" -- bench compare "$tmp/run.json" "$tmp/run.jsonl"
echo '{"scenario": "s"}' >"$tmp/other.json"
expect bench-compare-other 3 --err "other.json: not an aiinfra bench result \(no field 'aiinfra_bench'\)" \
  -- bench compare "$tmp/other.json" "$tmp/run.json"
expect bench-compare-missing 2 --err 'usage: aiinfra bench compare A.json B.json' -- bench compare "$tmp/run.json"
expect bench-verb 2 --err "got 'compre' \(did you mean 'compare'\?\)" -- bench compre a b
expect bench-sweep-closed 2 --err "sweep raises an open loop's rate" \
  -- bench --url http://127.0.0.1:1 --model m --sweep --concurrency 2
expect bench-sweep-rates 2 --err 'sweep-rates must increase' \
  -- bench --url http://127.0.0.1:1 --model m --sweep --rate 1 --sweep-rates 4,2
expect bench-uniform 2 --err 'uniform needs --input-range LO:HI' \
  -- bench --url http://127.0.0.1:1 --model m --input-dist uniform
expect bench-trace-missing 3 --err 'none.csv' -- bench --url http://127.0.0.1:1 --model m --trace "$tmp/none.csv"
expect bench-trace-rate 2 --err 'drop --rate' -- bench --url http://127.0.0.1:1 --model m --trace "$tmp/sent.csv" --rate 1
# Replaying the saved trace sends its 25 rows again.
expect bench-trace-replay 0 --out '^25 requests to' -- bench --url http://127.0.0.1:1 --model m \
  --trace "$tmp/sent.csv" --speedup 10
# Against a live endpoint, `aiinfra serve` with fixed timing (when this binary has it): the
# requests complete, and the simulator replays the saved trace with the same request count.
if "$bin" serve --help >/dev/null 2>&1; then
  "$bin" serve --port 0 --ttft 20ms --itl 2ms >"$tmp/serve.out" 2>&1 &
  serve_pid=$!
  url=""
  for _ in $(seq 100); do
    url=$(grep -oE 'http://127\.0\.0\.1:[0-9]+' "$tmp/serve.out" | head -1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  expect bench-serve 0 --out '^requests +20 \(completed 20\)' -- bench --url "${url:-http://127.0.0.1:1}" \
    --model llama-3.1-8b --rate 50 --num-requests 20 --output-tokens 5 --turns 2 \
    --save-trace "$tmp/served.csv" --save-result "$tmp/served.json"
  expect bench-serve-sim 0 --out '"requests": 20,' -- sim "$tmp/small.yaml" \
    --set "workload={trace: {format: splitwise, path: $tmp/served.csv}}" -o json
  expect bench-serve-compare 0 --out '^completed requests +- +0 +20 ' \
    -- bench compare "$tmp/run.json" "$tmp/served.json"
  kill "$serve_pid" 2>/dev/null
  wait "$serve_pid" 2>/dev/null
fi

# `dra schedule`: the pods of data/dra/schedule-pods.yaml on two HGX H100 nodes. train-0 fills
# node-1, the inference pods pack onto node-2, train-1 finds no node (exit 4, reason on stderr).
"$bin" dra slices --system hgx-h100 --nodes 2 >"$tmp/hgx2.yaml"
pods="$src/data/dra/schedule-pods.yaml"
expect dra-schedule 4 --out '^kind: Binding$' --out 'name: train-0-gpus-[b-z2-9]{5}$' \
  --out 'device: pci-0000-f8-00-0' --out '^    - name: infer-3$' \
  --err 'pod ml/train-1: 0/2 nodes are available: 2 cannot allocate all claims\.' \
  -- dra schedule -f "$tmp/hgx2.yaml" -f "$pods"
expect dra-schedule-json 4 --out '"node": "node-2"' --out '"nodes_feasible": 1' \
  -- dra schedule -f "$tmp/hgx2.yaml" -f "$pods" -o json
# Without train-1 (the last document) every pod fits: exit 0.
awk '/name: train-1/{exit} {print}' "$pods" | head -n -3 >"$tmp/fits.yaml"
expect dra-schedule-fits 0 --out 'name: infer-0' -- dra schedule -f "$tmp/hgx2.yaml" -f "$tmp/fits.yaml"
expect dra-schedule-nonodes 3 --err 'no Node objects were given' -- dra schedule -f "$pods"
expect dra-schedule-pct 2 --err 'percentage-of-nodes-to-score' \
  -- dra schedule --percentage-of-nodes-to-score 101 -f "$pods"

# The worked examples of data/dra: each allocates as its header says, and its unsatisfiable
# variant exits 4.
ex="$src/data/dra/mig-partitions.yaml"
expect dra-mig 0 --out 'device: gpu-0-mig-3g40gb-9-0' --out 'device: gpu-0-mig-1g10gb-19-4' \
  --out 'device: gpu-0-mig-1g10gb-19-5' \
  -- dra allocate --node node-1 --features PartitionableDevices -f "$ex"
sed 's/^#UNSAT //' "$ex" >"$tmp/mig-unsat.yaml"
expect dra-mig-unsat 4 --err 'cannot allocate .*ml/second-3g on node node-1' \
  -- dra allocate --node node-1 --features PartitionableDevices -f "$tmp/mig-unsat.yaml"
ex="$src/data/dra/shared-gpu-capacity.yaml"
expect dra-shared 0 --out 'shareID: ' --out 'memory: "?(24Gi|25769803776)' \
  --out 'memory: "?(40Gi|42949672960)' --out 'device: gpu-0' \
  -- dra allocate --node node-1 --features ConsumableCapacity -f "$ex"
sed 's/^#UNSAT //' "$ex" >"$tmp/shared-unsat.yaml"
expect dra-shared-unsat 4 --err 'cannot allocate .*ml/one-too-many on node node-1' \
  -- dra allocate --node node-1 --features ConsumableCapacity -f "$tmp/shared-unsat.yaml"
ex="$src/data/dra/nvlink-domain-8gpu.yaml"
expect dra-nvlink 0 --out 'device: gpu-3' --out 'device: channel-0' --out 'pool: node-2' \
  -- dra allocate --node node-2 -f "$ex"
sed 's/count: 4/count: 8/' "$ex" >"$tmp/nvlink-unsat.yaml"
expect dra-nvlink-unsat 4 --err 'cannot allocate ml/worker-gpus on node node-1' \
  -- dra allocate --node node-1 -f "$tmp/nvlink-unsat.yaml"
expect dra-explain-nvlink 4 \
  --out "^  node-1, node-2 and node-3: request 'gpus' needs 8 devices of class gpu.nvidia.com: 4 match the class, 4 usable$" \
  -- dra explain -f "$tmp/nvlink-unsat.yaml"
# A pending pod's template claim on a busy cluster: one node fits, the others say why.
ex="$src/data/dra/busy-cluster.yaml"
expect dra-explain-busy 0 \
  --out '^claim ml/trainer-0-gpus-[a-z0-9]{5} \(pod ml/trainer-0, claim gpus\): fits on 1 of 4 nodes \(first: node-4\)$' \
  -- dra explain -f "$ex"
expect dra-explain-busy-allocated 0 \
  --out "^  node-1: request 'gpus' needs 2 devices of class gpu.nvidia.com: 4 match the class, 3 already allocated, 1 usable$" \
  -- dra explain -f "$ex"
expect dra-explain-busy-pool 0 --out '^    pool gpu.nvidia.com/node-2 is being updated: 1 of 2 slices published$' \
  -- dra explain -f "$ex"
expect dra-explain-busy-root 0 \
  --out "^  node-3: request 'gpus' needs 2 sharing resource.kubernetes.io/pcieRoot with request 'nic'; the best pcieRoot \(pci0000:00\) offers 1$" \
  -- dra explain -f "$ex"
expect dra-explain-busy-node 0 --out '^  node-4: fits$' -- dra explain --node node-4 -f "$ex"
sed 's/^#UNSAT //' "$ex" >"$tmp/busy-unsat.yaml"
expect dra-explain-busy-unsat 4 --err 'ml/four-on-one-root fits on no node' \
  --out '^claim ml/four-on-one-root: fits on none of 4 nodes; the best node, node-3, offers 2 of the 4 devices it needs$' \
  -- dra explain -f "$tmp/busy-unsat.yaml"

# quant: a synthetic model through every command; bad inputs name the file and the tensor.
m="$tmp/model.safetensors"
expect quant-generate 0 --out 'wrote .*model.safetensors: 2 layers' -- quant generate "$m"
expect quant-inspect 0 --out '^model.layers.0.mlp.down_proj.weight +BF16 +\[256, 768\]' \
  --out '21 tensors, 2.098M weights' -- quant inspect "$m"
expect quant-convert-q4k 0 --out '^model.layers.1.mlp.up_proj.weight .* q4_k +--to' \
  --out '^model.embed_tokens.weight .* bf16 +default: embedding' --out 'wrote .*model-q4k.gguf' \
  -- quant convert "$m" "$tmp/model-q4k.gguf" --to q4_k
expect quant-inspect-gguf 0 --out '^model.layers.1.mlp.up_proj.weight +q4_k +\[768, 256\] .* 4.5$' \
  --out 'GGUF' -- quant inspect "$tmp/model-q4k.gguf"
expect quant-report 0 --out '^q4_k +14 ' --out '^all +21 ' -- quant report "$m" "$tmp/model-q4k.gguf"
# q4_k's SNR on these weights is about 21 dB (a 4.5-bit K-quant on Gaussian-like data).
expect_sh quant-report-json 0 --out '^[1-9]' \
  -- '"$bin" quant report '"$m"' '"$tmp/model-q4k.gguf"' -o json | grep -cE "\"snr_db\": 2[0-9]\\."'
expect quant-convert-nvfp4 0 --out 'wrote ' \
  -- quant convert "$m" "$tmp/model-nv.safetensors" --to nvfp4 --keep 'down_proj=int8'
expect quant-inspect-nvfp4 0 --out '^model.layers.0.self_attn.q_proj.weight +nvfp4 +\[256, 256\] .* 4.5' \
  --out '^model.layers.0.mlp.down_proj.weight +int8 ' -- quant inspect "$tmp/model-nv.safetensors"
expect quant-compare 0 --out '^   1  bf16 ' --out ' q8_0 ' --out ' mxfp4 ' -- quant compare "$m"
expect quant-convert-dry 0 --out 'would write' -- quant convert "$m" "$tmp/x.gguf" --to q8_0 --dry-run
check quant-dry-wrote-nothing test ! -e "$tmp/x.gguf"
expect quant-fp8-to-gguf 2 --err 'fp8_e4m3 has no GGUF type' -- quant convert "$m" "$tmp/x.gguf" --to fp8_e4m3
expect quant-q4k-to-st 2 --err 'write a .gguf file' -- quant convert "$m" "$tmp/x.safetensors" --to q4_k
expect quant-bad-format 2 --err 'one of: f32' -- quant convert "$m" "$tmp/x.gguf" --to q3_k
expect quant-bad-keep 2 --err 'REGEX=FORMAT' -- quant convert "$m" "$tmp/x.gguf" --to q8_0 --keep embed
expect quant-missing 3 --err 'no such file' -- quant inspect "$tmp/nope.safetensors"
head -c 1000 "$m" >"$tmp/cut.safetensors"
expect quant-truncated 3 --err 'cut.safetensors' -- quant inspect "$tmp/cut.safetensors"
expect quant-truncated-convert 3 --err 'cut.safetensors' -- quant convert "$tmp/cut.safetensors" "$tmp/y.gguf" --to q8_0
check quant-no-half-file test ! -e "$tmp/y.gguf"

# The README's command reference is generated from the command table and must be current.
check readme-current bash "$src/scripts/gen-readme-commands.sh" "$bin" "$src/README.md" --check

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
