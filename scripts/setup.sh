#!/usr/bin/env bash
# Installs the Debian packages aiinfra needs, only those that are missing, without prompts, then
# the interop tests' pinned npm packages (tests/interop/package-lock.json) when they are missing
# or older than the lock file.
# Called by `make run`, `make test` and `make bench`; safe to run again (a no-op when all is there).
# Extra package names given as arguments are installed the same way (`make fuzz` adds clang-16).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)

packages=(
  g++ cmake make pkg-config
  libyaml-cpp-dev    # YAML catalogs and scenarios, with line/column marks for errors
  nlohmann-json3-dev # JSON output and wire formats
  libcli11-dev       # command-line parsing behind the command table
  libfmt-dev         # formatting (g++ 12 has no <format>)
  libspdlog-dev      # logging (-v)
  libgtest-dev libgmock-dev  # unit tests
  libbenchmark-dev   # make bench
  libre2-dev         # RE2: CEL's matches() in dra selectors (CEL regex syntax is RE2)
  libboost-dev       # Boost.Asio and Boost.Beast (headers only): src/net's HTTP server and client
  python3-aiohttp    # make bench: loadgen_bench's Python baseline (vllm bench serve's client)
  python3-numpy      # make bench: quant_bench's numpy baseline; tests/golden/quant scripts
  python3            # the serve soak test (tests/interop/serve_soak.py, standard library only)
  prometheus         # promtool: the serve interop test lints /metrics with `promtool check
                     # metrics` (on a host with systemd this also enables a Prometheus server)
)
packages+=("$@")
# Node.js runs the interop tests (tests/interop: real clients and schema validators from npm).
# Debian's nodejs and npm only when no `node` is on the PATH: a newer Node installed otherwise
# (NodeSource, nvm) must not be replaced or shadowed by Debian's older one.
if ! command -v node >/dev/null 2>&1; then
  packages+=(nodejs npm)
fi

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing missing Debian packages: ${missing[*]}" >&2
  sudo=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
      echo "setup: need root (or sudo) to install: ${missing[*]}" >&2
      exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq
  $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# The chart library embedded into the HTML reports (src/report/web/package-lock.json). Without
# it the build still works; `aiinfra sim --report` then says to run this script and rebuild.
charts="$root/src/report/web"
if [ -f "$charts/package-lock.json" ] &&
  { [ ! -f "$charts/node_modules/.package-lock.json" ] ||
    [ "$charts/package-lock.json" -nt "$charts/node_modules/.package-lock.json" ]; }; then
  echo "setup: installing the pinned chart library of src/report/web" >&2
  if ! (cd "$charts" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    echo "setup: warning: npm ci failed in src/report/web; HTML reports will be unavailable" >&2
  fi
fi

# The interop tests' npm packages, exactly as pinned. npm writes node_modules/.package-lock.json
# on every install, so a lock file newer than it means the pins changed since. A failure here
# (no registry) only warns: building and the unit tests do not need Node, and the interop test
# retries the install itself.
interop="$root/tests/interop"
if [ -f "$interop/package-lock.json" ] &&
  { [ ! -f "$interop/node_modules/.package-lock.json" ] ||
    [ "$interop/package-lock.json" -nt "$interop/node_modules/.package-lock.json" ]; }; then
  echo "setup: installing the pinned npm packages of tests/interop" >&2
  if ! (cd "$interop" && npm ci --no-audit --no-fund --loglevel=error >/dev/null); then
    echo "setup: warning: npm ci failed in tests/interop; the interop tests will retry it" >&2
  fi
fi
