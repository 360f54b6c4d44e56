#!/usr/bin/env bash
# Regenerates the command reference in a README from the command table.
#
#   scripts/gen-readme-commands.sh AIINFRA README.md          # rewrite README.md in place
#   scripts/gen-readme-commands.sh AIINFRA README.md --check  # exit 1 if README.md is stale
#
# Replaces the lines strictly between the lines `<!-- commands:begin -->` and
# `<!-- commands:end -->` with the output of `AIINFRA docs commands`. The markers must each
# appear exactly once, on lines of their own, begin before end. The README is replaced
# atomically (temporary file beside it, then mv), so a failure leaves it untouched.
set -euo pipefail

usage() {
  echo "usage: $0 AIINFRA README.md [--check]" >&2
  exit 2
}
[[ $# -eq 2 || ( $# -eq 3 && "$3" == "--check" ) ]] || usage
aiinfra=$1
readme=$2
check=${3:-}

begin='<!-- commands:begin -->'
end='<!-- commands:end -->'

[[ -f "$readme" ]] || { echo "$0: no such file: $readme" >&2; exit 1; }
nbegin=$(grep -cxF -- "$begin" "$readme" || true)
nend=$(grep -cxF -- "$end" "$readme" || true)
if [[ "$nbegin" != 1 || "$nend" != 1 ]]; then
  echo "$0: $readme must contain each of the lines '$begin' and '$end' exactly once" \
       "(found $nbegin and $nend)" >&2
  exit 1
fi
lbegin=$(grep -nxF -- "$begin" "$readme" | cut -d: -f1)
lend=$(grep -nxF -- "$end" "$readme" | cut -d: -f1)
if (( lbegin >= lend )); then
  echo "$0: in $readme, '$begin' must come before '$end'" >&2
  exit 1
fi

dir=$(dirname -- "$readme")
tmp=$(mktemp "$dir/.$(basename -- "$readme").XXXXXX")
reference=$(mktemp)
trap 'rm -f -- "$tmp" "$reference"' EXIT

"$aiinfra" docs commands > "$reference"
if grep -qxF -e "$begin" -e "$end" "$reference"; then
  echo "$0: the generated reference contains a marker line" >&2
  exit 1
fi

{
  head -n "$lbegin" -- "$readme"
  cat -- "$reference"
  tail -n "+$lend" -- "$readme"
} > "$tmp"

if [[ "$check" == "--check" ]]; then
  if cmp -s -- "$tmp" "$readme"; then
    exit 0
  fi
  echo "$0: $readme is out of date; run: $0 $aiinfra $readme" >&2
  exit 1
fi

chmod --reference="$readme" -- "$tmp" 2>/dev/null || true
mv -f -- "$tmp" "$readme"
