#!/usr/bin/env bash
# Runs libFuzzer targets, each for SECONDS over a working copy of its seed corpus, and prints a
# summary (executions, speed, corpus, result). Called by `make fuzz`; see fuzz/README.md.
#
# Usage: fuzz/run.sh BUILD_DIR SECONDS TARGET...
# The working corpus BUILD_DIR/fuzz-corpus/TARGET gets the seeds of fuzz/corpus/TARGET and keeps
# what earlier runs found; crashes, timeouts and leaks are written to
# BUILD_DIR/fuzz-artifacts/TARGET/, full logs to BUILD_DIR/fuzz-logs/TARGET.log. Exits 1 if any
# target had a finding.
set -uo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 BUILD_DIR SECONDS TARGET..." >&2
  exit 2
fi
build=$1
seconds=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)

# clang 16's sanitizers look for llvm-symbolizer beside themselves, where Debian has none; point
# them at one so that stack traces name functions and lines.
if [ -z "${ASAN_SYMBOLIZER_PATH:-}" ]; then
  for s in "$(command -v llvm-symbolizer)" /usr/lib/llvm-*/bin/llvm-symbolizer; do
    if [ -n "$s" ] && [ -x "$s" ]; then
      export ASAN_SYMBOLIZER_PATH
      ASAN_SYMBOLIZER_PATH=$(readlink -f "$s")
      break
    fi
  done
fi

stat() {  # stat NAME LOG: a final statistic printed by -print_final_stats=1
  sed -n "s/^stat::$1: *//p" "$2" | tail -1
}

failed=()
summary=()
for target in "$@"; do
  bin=$build/fuzz/${target}_fuzz
  corpus=$build/fuzz-corpus/$target
  artifacts=$build/fuzz-artifacts/$target
  log=$build/fuzz-logs/$target.log
  mkdir -p "$corpus" "$artifacts" "$(dirname "$log")"
  cp -f "$here/corpus/$target"/* "$corpus"/
  args=(-max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 -print_final_stats=1
        -artifact_prefix="$artifacts/")
  if [ -f "$here/$target.dict" ]; then args+=(-dict="$here/$target.dict"); fi

  echo "fuzz: $target for ${seconds}s (log: $log)"
  "$bin" "${args[@]}" "$corpus" >"$log" 2>&1
  rc=$?
  execs=$(stat number_of_executed_units "$log")
  speed=$(stat average_exec_per_sec "$log")
  units=$(ls "$corpus" | wc -l)
  if [ $rc -eq 0 ]; then
    result="ok"
  else
    result="FINDING (exit $rc): $(ls -t "$artifacts" 2>/dev/null | head -1)"
    failed+=("$target")
    echo "---- $target: last lines of $log"
    tail -n 40 "$log"
    echo "----"
  fi
  summary+=("$(printf '%-11s %12s execs %8s/s %6s inputs  %s' "$target" "${execs:-?}" "${speed:-?}" \
               "$units" "$result")")
done

echo
echo "fuzz summary (${seconds}s per target):"
printf '  %s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
  echo "findings in: ${failed[*]} (inputs under $build/fuzz-artifacts/)"
  exit 1
fi
