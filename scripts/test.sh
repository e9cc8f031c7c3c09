#!/usr/bin/env bash
# README command 2: install what is needed and run every test (unit + real containers, as root).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build --build-tests 2>&1 | grep -E 'error|warning: unre|Compiling|Build' | tail -3
swift test --skip-build --disable-swift-testing "$@"
