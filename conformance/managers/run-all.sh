#!/usr/bin/env bash
# run-all.sh [RUNTIME]
#
# Runs podman.sh, containerd.sh and docker.sh (each against RUNTIME, default
# .build/release/swiftrun, and against runc), prints one manager x scenario x
# runtime summary, and exits non-zero if any script failed or left something
# behind. Root only; each script installs its manager and tears it down.
set -uo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
LOGS=${LOGS:-/tmp/swiftrun-managers}
mkdir -p "$LOGS"
rc=0
declare -A status=()
for m in podman containerd docker; do
    start=$(date +%s)
    bash "$here/$m.sh" "$@" >"$LOGS/$m.out" 2>&1
    st=$?
    status[$m]="exit $st, $(($(date +%s) - start)) s"
    ((st == 0)) || rc=1
done
for m in podman containerd docker; do
    printf '\n== %s (%s; full output: %s)\n' "$m" "${status[$m]}" "$LOGS/$m.out"
    # the scenario x runtime table and the teardown verdict each script ends with
    sed -n '/^scenario /,$p' "$LOGS/$m.out"
done
exit $rc
