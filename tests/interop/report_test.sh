#!/usr/bin/env bash
# Interop: the HTML report `aiinfra sim` writes, its page script run by Node against a stub DOM
# and a stub uPlot (report_check.mjs), so that a JS error or a chart that would silently not
# draw fails here rather than in someone's browser; and negative checks that the checker does
# fail on a broken page.
# Usage: report_test.sh AIINFRA
# Exits 77 (ctest's SKIP_RETURN_CODE) when the binary was built without the chart library.
set -u
aiinfra=$1
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
checker="$here/report_check.mjs"

# (a) One run: the e2e tests' small scenario with --report. It goes first because it also tells
# whether this binary embeds the chart library at all.
"$aiinfra" sim "$here/../e2e/small.yaml" --report "$tmp/single.html" >"$tmp/single.out" 2>&1
status=$?
if [ "$status" -ne 0 ] && grep -q 'scripts/setup.sh' "$tmp/single.out"; then
  echo "SKIP this aiinfra was built without the chart library (run scripts/setup.sh, rebuild)"
  exit 77
fi
[ "$status" -eq 0 ] && [ -s "$tmp/single.html" ]
status=$?
[ "$status" -eq 0 ] || sed 's/^/  /' "$tmp/single.out" | tail -5
check "sim small.yaml --report writes the report" "$status"
# 6 time series, 3 CDFs, 1 replica chart.
node "$checker" "$tmp/single.html" --runs 1 --min-charts 10 --title-contains "Replicas" \
  --title-contains "TTFT CDF"
check "the one-run report's script draws every chart" $?

# (b) Two runs side by side: the built-in default scenario (gb200-nvl72 vs hgx-h200), which
# writes sim-report.html in the current directory. 6 time series, 3 CDFs, 2 replica charts.
(cd "$tmp" && "$aiinfra" sim >"$tmp/default.out" 2>&1) && [ -s "$tmp/sim-report.html" ]
status=$?
[ "$status" -eq 0 ] || sed 's/^/  /' "$tmp/default.out" | tail -5
check "sim (default scenario) writes sim-report.html" "$status"
node "$checker" "$tmp/sim-report.html" --runs 2 --min-charts 11 --title-contains "Replicas"
check "the two-run report's script draws every chart, runs told apart" $?

# (c) The checker can fail: copies of the two-run report with the page script (the last
# <script>) broken. Each must be rejected, for the reason given.
negative() {  # negative NAME PERL_SUBSTITUTION EXPECTED_MESSAGE
  local name=$1 broken="$tmp/broken-$1.html"
  perl -0pe "$2" "$tmp/sim-report.html" >"$broken"
  if cmp -s "$broken" "$tmp/sim-report.html"; then
    check "$name: the broken copy was made (substitution did not apply)" 1
    return
  fi
  node "$checker" "$broken" --runs 2 --min-charts 11 >"$tmp/$name.out" 2>&1
  status=$?
  sed 's/^/  /' "$tmp/$name.out" | head -3
  [ "$status" -ne 0 ] && grep -q -- "$3" "$tmp/$name.out"
  check "$name: report_check.mjs rejects it" $?
}
# An exception before any chart is made.
negative throw-first 's{<script>(?!.*<script>)}{<script>throw new Error("injected");}s' \
  'the page script threw Error: injected'
# A call of an undefined function after every chart is made.
negative undefined-call 's{</script>(?!.*</script>)}{notAFunction();\n</script>}s' \
  'notAFunction is not defined'
# No exception, but no chart either: `new uPlot(...)` becomes a no-op in the page's code.
# shellcheck disable=SC2016  # $1 is perl's
negative no-charts 's{(id="data".*)}{$1 =~ s/new uPlot\(/void (/gr}se' '0 charts drawn'

echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
