#!/usr/bin/env bash
# Interop: `aiinfra serve` against the real clients and tools of its ecosystem (issue 6, item 5):
#  (a) the `openai` and `ollama` npm packages (serve_clients.mjs, node's test runner) against the
#      simulated replica engine and against fixed timing;
#  (b) `promtool check metrics` (Debian's prometheus package) on /metrics after that traffic, and
#      negative checks that it does catch a broken exposition;
#  (c) `aiinfra bench` against `serve --ttft 40ms --itl 10ms` recovers both within 2 ms at p50;
#  (d) SIGTERM with a stream in flight: the stream finishes, new connections are refused, serve
#      exits 0 within its grace and prints its summary.
# Usage: serve_test.sh AIINFRA
# A missing tool (node, promtool) fails the test when CI is set; elsewhere that part is skipped
# with a message and the test exits 77 (ctest's SKIP_RETURN_CODE) if everything else passed.
set -u
aiinfra=$1
here=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
passed=0
failed=0
skipped=0
serve_pids=()
# shellcheck disable=SC2317  # called by the EXIT trap
cleanup() {
  for pid in "${serve_pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  [ -z "${client:-}" ] || kill -KILL "$client" 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT

check() {  # check NAME STATUS
  if [ "$2" -eq 0 ]; then
    passed=$((passed + 1))
    echo "PASS $1"
  else
    failed=$((failed + 1))
    echo "FAIL $1"
  fi
}

missing_tool() {  # missing_tool NAME HOW_TO_GET_IT: FAIL in CI, SKIP elsewhere
  if [ -n "${CI:-}" ]; then
    check "$1 is installed ($2)" 1
  else
    skipped=$((skipped + 1))
    echo "SKIP $1 is not installed ($2); CI fails here"
  fi
}

have_node=1
if ! command -v node >/dev/null 2>&1; then
  have_node=0
  missing_tool node "scripts/setup.sh installs it"
fi
# The pinned packages: installed by scripts/setup.sh; done here too when missing or stale.
if [ "$have_node" -eq 1 ] &&
  { [ ! -f "$here/node_modules/.package-lock.json" ] ||
    [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; }; then
  echo "installing the pinned npm packages in tests/interop"
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error) || {
    echo "FAIL npm ci in tests/interop"
    exit 1
  }
fi
have_promtool=1
if ! command -v promtool >/dev/null 2>&1; then
  have_promtool=0
  missing_tool promtool "Debian's prometheus package; scripts/setup.sh installs it"
fi

# http_get URL [FILE]: the body to FILE (or stdout); fails unless the status is 200. Node's
# fetch, so that the test needs no curl.
http_get() {
  # shellcheck disable=SC2016  # JavaScript, not shell
  node -e '
    fetch(process.argv[1]).then(async (r) => {
      const t = await r.text();
      if (process.argv[2]) require("fs").writeFileSync(process.argv[2], t); else process.stdout.write(t);
      process.exit(r.status === 200 ? 0 : 1);
    }).catch((e) => { console.error(String(e)); process.exit(1); });' "$@"
}

# start_serve NAME ARGS...: starts `aiinfra serve --port 0 ARGS` in the background (stdout to
# $tmp/NAME.out, stderr to $tmp/NAME.err); sets serve_pid and serve_url once /health answers.
start_serve() {
  local name=$1 port=""
  shift
  "$aiinfra" serve --port 0 -o json "$@" >"$tmp/$name.out" 2>"$tmp/$name.err" &
  serve_pid=$!
  serve_pids+=("$serve_pid")
  for _ in $(seq 200); do
    port=$(sed -n 's|.*listening on http://127\.0\.0\.1:\([0-9][0-9]*\) .*|\1|p' "$tmp/$name.err")
    [ -n "$port" ] && break
    kill -0 "$serve_pid" 2>/dev/null || break
    sleep 0.05
  done
  serve_url=http://127.0.0.1:$port
  local ok=1
  if [ -n "$port" ]; then
    for _ in $(seq 100); do
      if http_get "$serve_url/health" >/dev/null 2>&1; then
        ok=0
        break
      fi
      sleep 0.1
    done
  fi
  [ "$ok" -eq 0 ] || sed 's/^/  /' "$tmp/$name.err" | tail -5
  check "serve ($name: $*) starts and /health answers" "$ok"
  return "$ok"
}

# stop_serve NAME PID GRACE_SECONDS [SIGNALLED_AT_NS]: SIGTERM (unless it was sent at
# SIGNALLED_AT_NS, date +%s%N), then the exit status must be 0 within the grace (plus a second
# for the shutdown itself), with the summary on stdout.
stop_serve() {
  local name=$1 pid=$2 grace=$3 start=${4:-} end status=0
  if [ -z "$start" ]; then
    start=$(date +%s%N)
    kill -TERM "$pid"
  fi
  for _ in $(seq $(((grace + 3) * 20))); do
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.05
  done
  if kill -0 "$pid" 2>/dev/null; then
    kill -KILL "$pid"
    status=1
  fi
  wait "$pid"
  local rc=$?
  end=$(date +%s%N)
  local p rest=()  # reaped: the cleanup must not signal a pid that may be reused
  for p in "${serve_pids[@]}"; do [ "$p" = "$pid" ] || rest+=("$p"); done
  serve_pids=("${rest[@]}")
  local ms=$(((end - start) / 1000000))
  [ "$status" -eq 0 ] && [ "$rc" -eq 0 ] && [ "$ms" -le $(((grace + 1) * 1000)) ]
  check "serve ($name) exits 0 within its ${grace}s grace after SIGTERM (exit $rc after $ms ms)" $?
  grep -q '"stopped": "SIGTERM"' "$tmp/$name.out" && grep -q '"generations"' "$tmp/$name.out"
  status=$?
  [ "$status" -eq 0 ] || sed 's/^/  /' "$tmp/$name.out" "$tmp/$name.err" | tail -10
  check "serve ($name) printed its summary" "$status"
}

# promtool_lint FILE: `promtool check metrics` must find no problem but one: vLLM's metric
# names contain ':' (vllm:num_requests_running, ...), and promtool's lint says "metric names
# should not contain ':'" (colons are meant for recording rules). vLLM exposes these names, and
# dashboards, HPA adapters and KEDA triggers query them, so serve keeps them (its own two
# metrics, aiinfra_replicas and aiinfra_injected_faults_total, follow the rule). promtool 2.42
# (Debian 12) has no --lint=none for `check metrics`, so exactly those lines are filtered: any
# other lint problem, and any parse error (exit status 1), still fails.
promtool_lint() {  # promtool_lint FILE: status 0 when clean but for the colon rule
  local file=$1 rc
  promtool check metrics <"$file" >"$tmp/promtool.out" 2>&1
  rc=$?
  grep -Ev "^vllm:[a-zA-Z0-9_:]+ metric names should not contain ':'$" \
    "$tmp/promtool.out" >"$tmp/promtool.rest"
  echo "  promtool exit $rc; $(($(wc -l <"$tmp/promtool.out") - $(wc -l <"$tmp/promtool.rest"))) colon-name lint lines filtered, $(wc -l <"$tmp/promtool.rest") other lines:"
  sed 's/^/    /' "$tmp/promtool.rest" | head -5
  # 0: clean; 3: lint problems only, all of them the colon rule.
  { [ "$rc" -eq 0 ] || [ "$rc" -eq 3 ]; } && [ ! -s "$tmp/promtool.rest" ]
}

# (a) The clients against the simulated replica engine (the default: llama-3.1-8b on hgx-h100).
if start_serve engine --grace 5s; then
  engine_pid=$serve_pid
  engine_url=$serve_url
  if [ "$have_node" -eq 1 ]; then
    AIINFRA_URL=$engine_url AIINFRA_MODEL=llama-3.1-8b \
      node --test-reporter=spec "$here/serve_clients.mjs" >"$tmp/clients-engine.out" 2>&1
    status=$?
    sed 's/^/  /' "$tmp/clients-engine.out" | grep -v '^  ℹ' | grep -Ev '^  *$'
    check "openai and ollama clients against serve (replica engine)" "$status"
  fi
  # (b) promtool on its /metrics after that traffic.
  if [ "$have_promtool" -eq 1 ] && [ "$have_node" -eq 1 ]; then
    http_get "$engine_url/metrics" "$tmp/engine.prom"
    check "GET /metrics" $?
    promtool_lint "$tmp/engine.prom"
    check "promtool check metrics passes serve's /metrics after traffic (but for the colon rule)" $?
    # The check can fail: a parse error (an unterminated label value) ...
    sed '0,/^vllm:num_requests_running{/s/model_name="\([^"]*\)"/model_name="\1/' \
      "$tmp/engine.prom" >"$tmp/broken-parse.prom"
    if ! cmp -s "$tmp/broken-parse.prom" "$tmp/engine.prom"; then
      ! promtool_lint "$tmp/broken-parse.prom"
      check "(negative) promtool rejects an unterminated label value" $?
    else
      check "(negative) the broken copy was made" 1
    fi
    # ... and a lint problem other than the colon rule (a counter without _total, no HELP).
    { cat "$tmp/engine.prom"; printf '# TYPE aiinfra_requests counter\naiinfra_requests 1\n'; } \
      >"$tmp/broken-lint.prom"
    ! promtool_lint "$tmp/broken-lint.prom"
    check "(negative) promtool's other lint problems still fail" $?
  fi
  # (d) SIGTERM with a stream in flight (ignore_eos: 150 tokens, about 1 s on this engine),
  # sent once its first event has arrived.
  if [ "$have_node" -eq 1 ]; then
    # shellcheck disable=SC2016  # JavaScript, not shell
    node -e '
      const fs = require("fs");
      const [url, out] = process.argv.slice(1);
      (async () => {
        const r = await fetch(url + "/v1/chat/completions", {method: "POST",
          headers: {"content-type": "application/json"},
          body: JSON.stringify({model: "llama-3.1-8b", messages: [{role: "user", content: "hi"}],
            max_tokens: 150, ignore_eos: true, stream: true})});
        let text = "";
        const decoder = new TextDecoder();
        for await (const bytes of r.body) {
          if (!text) fs.writeFileSync(out + ".started", "");
          text += decoder.decode(bytes, {stream: true});
        }
        const events = text.split("\n\n").filter((e) => e.startsWith("data: "));
        const content = events.filter((e) => /"content":"[^"]/.test(e)).length;
        fs.writeFileSync(out, JSON.stringify({status: r.status, content,
          done: events.at(-1) === "data: [DONE]"}));
      })().catch((e) => fs.writeFileSync(out, JSON.stringify({error: String(e)})));
    ' "$engine_url" "$tmp/drain.json" &
    client=$!
    for _ in $(seq 100); do
      [ -e "$tmp/drain.json.started" ] || [ -e "$tmp/drain.json" ] && break
      sleep 0.05
    done
    signalled=$(date +%s%N)
    kill -TERM "$engine_pid"
    sleep 0.2
    ! http_get "$engine_url/health" >/dev/null 2>&1
    check "new connections are refused while serve drains" $?
    wait "$client"
    client=
    grep -q '"status":200,"content":150,"done":true' "$tmp/drain.json"
    status=$?
    [ "$status" -eq 0 ] || sed 's/^/  /' "$tmp/drain.json"
    check "the stream in flight at SIGTERM finished (150 tokens, [DONE])" "$status"
    stop_serve engine "$engine_pid" 5 "$signalled"
    grep -q '"finished": [1-9]' "$tmp/engine.out"
    check "the drained stream is counted finished" $?
  else
    stop_serve engine "$engine_pid" 5
  fi
fi

# (c) Fixed timing: the clients again, then `aiinfra bench` recovers TTFT and ITL.
if start_serve fixed --ttft 40ms --itl 10ms --grace 2s; then
  fixed_pid=$serve_pid
  if [ "$have_node" -eq 1 ]; then
    AIINFRA_URL=$serve_url AIINFRA_MODEL=llama-3.1-8b \
      node --test-reporter=spec "$here/serve_clients.mjs" >"$tmp/clients-fixed.out" 2>&1
    status=$?
    [ "$status" -eq 0 ] || sed 's/^/  /' "$tmp/clients-fixed.out" | grep -E '✖|Error|expected|actual' | head -20
    check "openai and ollama clients against serve (fixed timing)" "$status"
  fi
  "$aiinfra" bench --url "$serve_url" --model llama-3.1-8b --concurrency 8 --num-requests 200 \
    --output-tokens 20 -o json >"$tmp/bench.json" 2>"$tmp/bench.err"
  status=$?
  [ "$status" -eq 0 ] || sed 's/^/  /' "$tmp/bench.err" | tail -5
  check "aiinfra bench --concurrency 8 --num-requests 200 --output-tokens 20 runs (exit $status)" "$status"
  # 2 ms is the requirement for an optimized build. A sanitizer build (make test-asan) spends
  # about 3 ms more per request in serve and bench together (measured: TTFT p50 43.0 ms, ITL
  # p50 10.0 ms), which is no fault of the measuring: there the bound is 10 ms, which still
  # catches a bench that times the wrong event.
  tolerance=0.002
  if grep -qaF __asan_init "$aiinfra"; then
    tolerance=0.010
    echo "  (sanitizer build: timing asserted within 10 ms, not 2 ms)"
  fi
  if [ "$status" -eq 0 ] && [ "$have_node" -eq 1 ]; then
    # shellcheck disable=SC2016  # JavaScript, not shell
    node -e '
      const s = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
      const tol = Number(process.argv[2]);
      const ttft = s.metrics.ttft.p50, itl = s.metrics.itl.p50;
      console.log(`  requests ${s.requests.completed}/${s.requests.total} completed, ` +
        `${s.requests.failed} failed; TTFT p50 ${(ttft * 1e3).toFixed(3)} ms, ` +
        `ITL p50 ${(itl * 1e3).toFixed(3)} ms, output tokens ${s.tokens.output}`);
      const ok = s.requests.completed === 200 && s.requests.failed === 0 &&
        s.tokens.output === 200 * 20 &&
        Math.abs(ttft - 0.040) <= tol && Math.abs(itl - 0.010) <= tol;
      process.exit(ok ? 0 : 1);' "$tmp/bench.json" "$tolerance"
    check "bench recovers serve's timing: |TTFT p50 - 40 ms|, |ITL p50 - 10 ms| <= ${tolerance}s; 200 x 20 tokens" $?
  fi
  stop_serve fixed "$fixed_pid" 2
fi

echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ] || exit 1
[ "$skipped" -eq 0 ] || exit 77
exit 0
