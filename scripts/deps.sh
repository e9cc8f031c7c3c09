#!/usr/bin/env bash
# Install the Debian packages swiftrun needs to build and test (idempotent, quiet when done).
set -euo pipefail
pkgs=(libseccomp-dev libcap-dev libyajl-dev busybox-static iproute2 procps python3-jsonschema)
missing=()
for p in "${pkgs[@]}"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
if ((${#missing[@]})); then
    [[ $EUID -eq 0 ]] || { echo "deps.sh: need root to install: ${missing[*]}" >&2; exit 1; }
    echo "deps.sh: installing ${missing[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q >/dev/null
    apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
fi
