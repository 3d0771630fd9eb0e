#!/usr/bin/env bash
# Installs the Debian 12 packages schedlab builds on, but only those missing, so that a second
# run costs nothing. Needs root (or sudo) only when something is missing.
set -euo pipefail

packages=(cmake g++ clang libomp-dev libboost-dev libbenchmark-dev libgtest-dev libgmock-dev
          nlohmann-json3-dev libcli11-dev libfmt-dev libtbb-dev libopenmpi-dev openmpi-bin
          graphviz ninja-build libmpfr-dev clang-format tmux chromium libtomlplusplus-dev
          python3-jsonschema libcpp-httplib-dev pkg-config chromium-driver python3-selenium)

missing=()
for p in "${packages[@]}"; do
  dpkg -s "$p" >/dev/null 2>&1 || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "schedlab: installing missing packages: ${missing[*]}"
sudo=""
[ "$(id -u)" -ne 0 ] && sudo="sudo"
$sudo apt-get update -q
DEBIAN_FRONTEND=noninteractive $sudo apt-get -o DPkg::Lock::Timeout=600 install -y -q \
  --no-install-recommends "${missing[@]}"
