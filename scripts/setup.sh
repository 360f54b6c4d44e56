#!/usr/bin/env bash
# Installs the Debian packages aiinfra needs, only those that are missing, without prompts.
# Called by `make run`, `make test` and `make bench`; safe to run again (a no-op when all is there).
# Extra package names given as arguments are installed the same way (`make fuzz` adds clang-16).
set -euo pipefail

packages=(
  g++ cmake make pkg-config
  libyaml-cpp-dev    # YAML catalogs and scenarios, with line/column marks for errors
  nlohmann-json3-dev # JSON output and wire formats
  libcli11-dev       # command-line parsing behind the command table
  libfmt-dev         # formatting (g++ 12 has no <format>)
  libspdlog-dev      # logging (-v)
  libgtest-dev libgmock-dev  # unit tests
  libbenchmark-dev   # make bench
)
packages+=("$@")

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

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
