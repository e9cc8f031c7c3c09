#!/usr/bin/env bash
# README command 1: install what is needed, build swiftrun (release, static Swift stdlib),
# make the busybox bundle and run a container on it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
swift build -c release 2>&1 | tail -1
bundle=spec-fixtures/bundle
spec-fixtures/make-bundle.sh "$bundle" -- sh -c 'echo "hello from swiftrun (pid $$ on $(hostname))"'
exec .build/release/swiftrun run --bundle "$bundle" "demo-$$"
