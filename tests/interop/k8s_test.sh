#!/usr/bin/env bash
# Interop: the Kubernetes manifests `plan` writes, validated against the API schemas by the
# kubernetes-models npm packages (validate-k8s.mjs), and a negative check that the validator
# does reject broken manifests.
# Usage: k8s_test.sh MANIFESTS_DUMP AIINFRA   (the aiinfra_manifests_dump executable, the CLI)
set -u
dump=$1
aiinfra=$2
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
passed=0
failed=0

check() {  # check NAME STATUS
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    echo "PASS $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1"
  fi
}

if ! command -v node >/dev/null 2>&1; then
  echo "FAIL node is not installed (scripts/setup.sh installs it)"
  exit 1
fi
# The pinned packages: installed by scripts/setup.sh; done here too when missing or stale.
if [ ! -f "$here/node_modules/.package-lock.json" ] ||
  [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  echo "installing the pinned npm packages in tests/interop"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || {
    echo "FAIL npm ci in tests/interop"
    exit 1
  }
fi

# (a) Manifests of several plans.
"$dump" "$tmp/manifests"
check "aiinfra_manifests_dump writes the manifests" $?

# (b) Every object validates, and the objects of each plan agree with one another.
node "$here/validate-k8s.mjs" "$tmp/manifests"
check "the manifests validate against the Kubernetes schemas" $?

# (c) The validator can fail: its built-in broken manifests are all rejected ...
node "$here/validate-k8s.mjs" --self-check
check "validate-k8s.mjs --self-check rejects every broken manifest" $?

# ... and so is a broken file on disk, through the same path as the real manifests: a copy of a
# real Deployment with replicas: "two".
mkdir -p "$tmp/broken"
sed 's/^  replicas: [0-9]*$/  replicas: "two"/' "$tmp/manifests/aggregated-hpa/deployment.yaml" \
  >"$tmp/broken/deployment.yaml"
if grep -q 'replicas: "two"' "$tmp/broken/deployment.yaml"; then
  node "$here/validate-k8s.mjs" "$tmp/broken" >"$tmp/broken.out" 2>&1
  status=$?
  cat "$tmp/broken.out"
  [ "$status" -ne 0 ] && grep -q "replicas must be integer" "$tmp/broken.out"
  check "a Deployment with replicas: \"two\" is rejected" $?
else
  check "the broken copy was made (replicas line not found)" 1
fi

# (d) End to end: what `aiinfra plan --emit-k8s` writes for the best plan of a few searches
# (a single-node replica with an HPA, a multi-node LeaderWorkerSet with KEDA, disaggregated
# pools, an AMD system).
plan_case() {  # plan_case NAME ARGS...
  local name=$1
  shift
  "$aiinfra" plan "$@" --emit-k8s "$tmp/plan-$name" >"$tmp/plan-$name.out" 2>&1 &&
    ls "$tmp/plan-$name"/*.yaml >/dev/null 2>&1 &&
    node "$here/validate-k8s.mjs" "$tmp/plan-$name"
  check "plan --emit-k8s ($name) writes valid manifests" $?
}
plan_case dense-hpa --model llama-3.1-8b --hw hgx-h100 --isl 1000 --osl 200 --rate 5
plan_case moe-lws-keda --model deepseek-v3 --hw hgx-h200 --isl 2000 --osl 500 --rate 20 \
  --weights fp8 --autoscaler keda
plan_case disagg --model qwen3-32b --hw hgx-h200 --isl 8000 --osl 200 --rate 2 --disagg \
  --slo ttft_p90=2s,tpot_p90=50ms --max-gpus 8
plan_case amd --model llama-3.1-70b --hw mi325x-8gpu --isl 1000 --osl 500 --rate 4

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
