#!/usr/bin/env bash
# containerd.sh [RUNTIME]
#
# Runs containerd (ctr + containerd-shim-runc-v2) scenarios with the runc v2
# shim pointed at RUNTIME (`ctr run --runc-binary RUNTIME`; default:
# `.build/release/swiftrun`, else built into `.build-mgr`) and at /usr/sbin/runc
# for comparison, and prints a scenario x runtime table.  Root only.
#
# A private containerd (own config, --root/--state/--address, TMPDIR, all under
# a temp dir; cri/opt/tracing plugins disabled) serves a private ctr namespace,
# so container cgroups are /sys/fs/cgroup/*/<namespace>/<id> and the shim's
# --runc-root is under the temp dir too.  The image is the busybox fixture
# (spec-fixtures/make-bundle.sh) packed as an OCI layout tarball and imported
# with `ctr image import`.  Everything is torn down at the end (tasks,
# containers, containerd, shims, mounts, cgroups) and checked.  Per-scenario
# logs (ctr output, the runtime's log.json) go to $LOGDIR (default
# /tmp/swiftrun-containerd-logs), containerd's own log to $LOGDIR/containerd.log.
#
# Env: RUNTIMES="a b" overrides the runtimes compared (default "RUNTIME runc");
#      TRACE=1 runs each runtime through an argv-logging wrapper
#      ($LOGDIR/<runtime>-argv.log); KEEP=1 keeps the temp dir.
set -uo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/../.." && pwd)
LOGDIR=${LOGDIR:-/tmp/swiftrun-containerd-logs}

die() { printf 'containerd.sh: %s\n' "$*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root"
trap 'exit 130' INT TERM HUP        # so that the EXIT traps (teardown) run

# ---- dependencies and the runtime under test -----------------------------------
. "$here/lib.sh"
mgr_install containerd runc util-linux busybox-static python3
mgr_runtime "${1:-}"
read -r -a RUNTIMES <<<"${RUNTIMES:-$RT /usr/sbin/runc}"
for i in "${!RUNTIMES[@]}"; do  # the shim runs it from the bundle dir: make it absolute
    RUNTIMES[i]=$(realpath -e "${RUNTIMES[i]}") || die "runtime '${RUNTIMES[i]}' not found"
done

# ---- private containerd ----------------------------------------------------------
T=$(mktemp -d /tmp/swiftrun-containerd.XXXXXX)
NS=swiftrun-conf-$$                 # ctr namespace: cgroupsPath /$NS/<id>
IMG=docker.io/swiftrun/busybox:test
SOCK=$T/containerd.sock
mkdir -p "$LOGDIR" "$T/tmp" "$T/logs"
rm -f "$LOGDIR"/*.log
c() { timeout 120 ctr --address "$SOCK" --namespace "$NS" "$@"; }
cur_rt=
R=()                                # runtime options of `ctr run`
cpid=

FD=(--fifo-dir "$T/fifo")           # ctr's IO fifos (default /run/containerd/fifo)
IDS=()                              # every container id used
declare -A run_before=()
for d in /run/containerd /run/containerd/s /run/containerd/fifo /run/containerd/runc; do
    [[ -e $d ]] && run_before[$d]=1
done
# the shim's socket: /run/containerd/s/sha256(<containerd address>/<namespace>/<id>)
shimsock() { echo "/run/containerd/s/$(printf '%s' "$SOCK/$NS/$1" | sha256sum | cut -d' ' -f1)"; }

ours() {  # pids of processes started for this run (containerd, shims)
    local p
    for p in /proc/[0-9]*; do
        [[ $(tr '\0' ' ' 2>/dev/null <"$p/cmdline") == *"$T/"* ]] && echo "${p#/proc/}"
    done
}
cgdirs() { ls -d /sys/fs/cgroup/*/"$NS" 2>/dev/null; }

cleanup() {
    local id p d
    if [[ -n $cpid ]] && kill -0 "$cpid" 2>/dev/null; then
        for id in $(c containers ls -q 2>/dev/null); do
            c task kill -s KILL "$id" >/dev/null 2>&1
            c task delete -f "$id" >/dev/null 2>&1
            c containers rm "$id" >/dev/null 2>&1
        done
        c images rm "$IMG" >/dev/null 2>&1
        kill -TERM "$cpid" 2>/dev/null
        for _ in $(seq 50); do kill -0 "$cpid" 2>/dev/null || break; sleep 0.1; done
        kill -KILL "$cpid" 2>/dev/null
        wait "$cpid" 2>/dev/null
    fi
    # shims/containers that outlived containerd (only ours: their argv names $T)
    for p in $(ours); do kill -KILL "$p" 2>/dev/null; done
    for d in $(cgdirs); do
        for p in $(cat "$d"/*/cgroup.procs 2>/dev/null); do kill -KILL "$p" 2>/dev/null; done
    done
    sleep 0.2
    # mounts under the temp dir (overlay snapshots, rootfs), deepest first
    grep -F " $T/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null; done
    for d in $(cgdirs); do find "$d" -depth -type d -exec rmdir {} + 2>/dev/null; done
    # our shims' sockets (shared dir: other containerds' shims live there too)
    for id in "${IDS[@]}"; do rm -f "$(shimsock "$id")"; done
    for d in /run/containerd/runc /run/containerd/fifo /run/containerd/s /run/containerd; do
        [[ -e $d && -z ${run_before[$d]:-} ]] && rmdir "$d" 2>/dev/null
    done
    [[ -n ${KEEP:-} ]] || rm -rf "$T"
}
trap cleanup EXIT

cat >"$T/config.toml" <<EOF
version = 2
root = "$T/root"
state = "$T/state"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.internal.v1.opt",
  "io.containerd.internal.v1.restart", "io.containerd.internal.v1.tracing",
  "io.containerd.tracing.processor.v1.otlp", "io.containerd.snapshotter.v1.aufs",
  "io.containerd.snapshotter.v1.btrfs", "io.containerd.snapshotter.v1.devmapper",
  "io.containerd.snapshotter.v1.zfs"]
[grpc]
  address = "$SOCK"
[debug]
  level = "info"
EOF
TMPDIR=$T/tmp containerd --config "$T/config.toml" --root "$T/root" --state "$T/state" \
    --address "$SOCK" >"$LOGDIR/containerd.log" 2>&1 </dev/null &
cpid=$!
for _ in $(seq 100); do c version >/dev/null 2>&1 && break; sleep 0.1; done
c version >/dev/null 2>&1 || die "containerd did not come up (see $LOGDIR/containerd.log)"

# ---- image: busybox fixture rootfs as an OCI layout tarball -----------------------
"$repo/spec-fixtures/make-bundle.sh" "$T/bundle" >/dev/null || die "make-bundle.sh failed"
mkdir -p "$T/oci/blobs/sha256"
tar -C "$T/bundle/rootfs" --numeric-owner -cf "$T/oci/layer.tar" . || die "tar rootfs failed"
python3 - "$T/oci" "$IMG" "$(dpkg --print-architecture)" <<'EOF' || die "building the OCI layout failed"
import hashlib, json, os, sys
d, name, arch = sys.argv[1], sys.argv[2], sys.argv[3]
def blob(data, mt):
    h = hashlib.sha256(data).hexdigest()
    with open(os.path.join(d, "blobs/sha256", h), "wb") as f: f.write(data)
    return {"mediaType": mt, "digest": "sha256:" + h, "size": len(data)}
with open(os.path.join(d, "layer.tar"), "rb") as f: layer = blob(f.read(), "application/vnd.oci.image.layer.v1.tar")
os.unlink(os.path.join(d, "layer.tar"))
cfg = blob(json.dumps({"architecture": arch, "os": "linux",
    "config": {"Env": ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], "Cmd": ["sh"]},
    "rootfs": {"type": "layers", "diff_ids": [layer["digest"]]}}).encode(), "application/vnd.oci.image.config.v1+json")
man = blob(json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json",
    "config": cfg, "layers": [layer]}).encode(), "application/vnd.oci.image.manifest.v1+json")
man["annotations"] = {"io.containerd.image.name": name, "org.opencontainers.image.ref.name": name.rsplit(":", 1)[1]}
with open(os.path.join(d, "index.json"), "w") as f: json.dump({"schemaVersion": 2, "manifests": [man]}, f)
with open(os.path.join(d, "oci-layout"), "w") as f: json.dump({"imageLayoutVersion": "1.0.0"}, f)
EOF
tar -C "$T/oci" -cf "$T/image.tar" . && c images import "$T/image.tar" >/dev/null ||
    die "ctr images import failed"

# ---- scenarios -----------------------------------------------------------------
# Each scenario prints diagnostics to stdout (captured into the log) and
# returns 0 (pass) or 1 (fail).
status() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $3}'; }
tpid() { c task ls 2>/dev/null | awk -v id="$1" '$1 == id {print $2}'; }
wait_status() {  # wait_status ID STATUS: up to 5 s (fails at once if there is no task)
    local i st
    for i in $(seq 50); do
        st=$(status "$1"); [[ $st == "$2" ]] && return 0; [[ -n $st ]] || return 1; sleep 0.1
    done
    return 1
}
cgfile() {  # cgfile PID CONTROLLER FILE: the host path of the task's cgroup file
    echo "/sys/fs/cgroup/$2$(awk -F: -v c="$2" '$2 == c {print $3}' "/proc/$1/cgroup")/$3"
}
rtlog() {  # the runtime's --log file (in the task's bundle, gone after delete)
    local f=$T/state/io.containerd.runtime.v2.task/$NS/$1/log.json
    [[ -s $f ]] && { echo "--- runtime log $f"; cat "$f"; }
    return 0
}
fin() {  # fin ID: remove a task and its container whatever state they are in
    rtlog "$1"
    c task kill -s KILL "$1" >/dev/null 2>&1; wait_status "$1" STOPPED
    c task delete "$1" >/dev/null 2>&1; c containers rm "$1" >/dev/null 2>&1
    return 0
}
ttyrun() {  # ttyrun CTR-ARGS...: run ctr on a pty (script), print output without \r/NUL
    local q; q=$(printf '%q ' ctr --address "$SOCK" --namespace "$NS" "$@")
    timeout 60 script -qec "$q" /dev/null </dev/null | tr -d '\0\r'
    return "${PIPESTATUS[0]}"
}

s_echo() {
    local out; out=$(c run --rm "${R[@]}" "$IMG" "$id" echo hi 2>&1); local rc=$?
    echo "$out"; expect rc $rc 0 && expect stdout "$out" hi
}
s_exitcode() {
    c run --rm "${R[@]}" "$IMG" "$id" sh -c 'exit 3'; expect rc $? 3
}
s_detached() {
    local ok=0 out pid
    c run -d "${R[@]}" --log-uri "file://$T/logs/$id.log" "$IMG" "$id" \
        sh -c 'trap "exit 7" TERM; echo started; sleep 100 & wait' || { fin "$id"; return 1; }
    wait_status "$id" RUNNING; c task ls
    expect status "$(status "$id")" RUNNING || ok=1
    pid=$(tpid "$id")
    out=$(c task exec "${FD[@]}" --exec-id "$id-e1" "$id" sh -c 'echo in-exec; exit 4' 2>&1)
    expect "exec rc" $? 4 || ok=1; expect "exec output" "$out" in-exec || ok=1
    out=$(c task ps "$id" 2>&1); echo "$out"
    [[ $(awk 'NR > 1 && $1 == '"$pid"'' <<<"$out") ]] || { echo "FAIL: task ps lacks init pid $pid"; ok=1; }
    expect "task ps processes" "$(($(wc -l <<<"$out") - 1))" 2 || ok=1
    c task kill "$id" || { echo "FAIL: task kill"; ok=1; }
    wait_status "$id" STOPPED; expect "status after SIGTERM" "$(status "$id")" STOPPED || ok=1
    expect "log-uri file" "$(cat "$T/logs/$id.log" 2>&1)" started || ok=1
    ((ok)) && rtlog "$id"
    out=$(c task delete "$id" 2>&1); expect "task delete rc" $? 0 || ok=1; echo "$out"
    [[ $out == *"exit code 7"* ]] || { echo "FAIL: task delete does not report exit code 7"; ok=1; }
    c containers rm "$id" || { echo "FAIL: container rm"; ok=1; }
    [[ -z $(c containers ls -q | grep -x "$id") ]] || { echo "FAIL: container still listed"; ok=1; }
    return $ok
}
s_pause() {
    local ok=0 out pid f
    c run -d --null-io "${R[@]}" "$IMG" "$id" sleep 100 || { fin "$id"; return 1; }
    wait_status "$id" RUNNING; pid=$(tpid "$id")
    c task pause "$id" || { echo "FAIL: pause"; ok=1; }
    expect "status after pause" "$(status "$id")" PAUSED || ok=1
    f=$(cgfile "$pid" freezer freezer.state); echo "$f"
    expect "host freezer.state" "$(cat "$f" 2>&1)" FROZEN || ok=1
    c task resume "$id" || { echo "FAIL: resume"; ok=1; }
    expect "status after resume" "$(status "$id")" RUNNING || ok=1
    expect "host freezer.state" "$(cat "$f" 2>&1)" THAWED || ok=1
    out=$(c task exec "${FD[@]}" --exec-id "$id-e1" "$id" echo alive 2>&1); expect "exec after resume" "$out" alive || ok=1
    fin "$id"
    return $ok
}
s_memory() {
    local ok=0 pid f
    c run -d --null-io --memory-limit 67108864 "${R[@]}" "$IMG" "$id" sleep 100 || { fin "$id"; return 1; }
    wait_status "$id" RUNNING; pid=$(tpid "$id")
    f=$(cgfile "$pid" memory memory.limit_in_bytes); echo "$f"
    [[ $f == */$NS/$id/* ]] || { echo "FAIL: cgroup is not /$NS/$id"; ok=1; }
    expect "host memory.limit_in_bytes" "$(cat "$f" 2>&1)" 67108864 || ok=1
    expect "metrics memory.limit_in_bytes" \
        "$(c task metrics "$id" 2>&1 | awk '$1 == "memory.limit_in_bytes" {print $2}')" 67108864 || ok=1
    fin "$id"
    return $ok
}
s_tty() {
    local out rc ok=0
    out=$(ttyrun run --rm -t "${R[@]}" "$IMG" "$id" sh -c 'tty; exit 5'); rc=$?
    echo "$out"; expect rc $rc 5 || ok=1
    [[ $out == *"/dev/pts/"* ]] || { echo "FAIL: tty is not /dev/pts/N"; ok=1; }
    return $ok
}
s_exectty() {
    local out rc ok=0
    c run -d --null-io "${R[@]}" "$IMG" "$id" sleep 100 || { fin "$id"; return 1; }
    out=$(ttyrun task exec "${FD[@]}" -t --exec-id "$id-t" "$id" sh -c 'tty; exit 6'); rc=$?
    echo "$out"; expect rc $rc 6 || ok=1
    [[ $out == *"/dev/pts/"* ]] || { echo "FAIL: tty is not /dev/pts/N"; ok=1; }
    fin "$id"
    return $ok
}
NETCMD=(sh -c 'readlink /proc/self/ns/net; echo $(ls /sys/class/net)')
s_netdefault() {
    local out; out=$(c run --rm "${R[@]}" "$IMG" "$id" "${NETCMD[@]}" 2>&1); local rc=$?
    echo "$out"; expect rc $rc 0 || return 1
    [[ $(sed -n 1p <<<"$out") != "$(readlink /proc/self/ns/net)" ]] || { echo "FAIL: host netns"; return 1; }
    expect interfaces "$(sed -n 2p <<<"$out")" lo
}
s_nethost() {  # host interfaces come and go (other containers): compare the netns itself
    local before after out rc i
    before=" $(echo $(ls /sys/class/net)) "
    out=$(c run --rm --net-host "${R[@]}" "$IMG" "$id" "${NETCMD[@]}" 2>&1); rc=$?
    after=" $(echo $(ls /sys/class/net)) "
    echo "$out"; expect rc $rc 0 || return 1
    expect netns "$(sed -n 1p <<<"$out")" "$(readlink /proc/self/ns/net)" || return 1
    for i in $before; do  # every host interface present throughout is visible
        [[ $after != *" $i "* || " $(sed -n 2p <<<"$out") " == *" $i "* ]] || { echo "FAIL: $i not visible"; return 1; }
    done
    echo "ok: host interfaces visible"
}
s_withns() {  # --with-ns: join another task's network/ipc/uts namespaces by path
    local out rc ok=0 want
    c run -d --null-io "${R[@]}" "$IMG" "$id" sleep 100 || { fin "$id"; return 1; }
    local p; p=$(tpid "$id")
    want=$(for n in net ipc uts; do readlink "/proc/$p/ns/$n"; done)
    out=$(c run --rm "${R[@]}" --with-ns "network:/proc/$p/ns/net" --with-ns "ipc:/proc/$p/ns/ipc" \
        --with-ns "uts:/proc/$p/ns/uts" "$IMG" "$id-j" sh -c 'for n in net ipc uts; do readlink /proc/self/ns/$n; done' 2>&1); rc=$?
    echo "task $id: $want"; echo "joined: $out"
    expect rc $rc 0 || ok=1
    expect namespaces "$(echo $out)" "$(echo $want)" || ok=1
    fin "$id"
    return $ok
}
s_error() {
    local out rc ok=0
    out=$(c run --rm "${R[@]}" "$IMG" "$id" /nonexistent 2>&1); rc=$?
    echo "$out"; echo "rc=$rc"
    [[ $rc != 0 ]] || { echo "FAIL: succeeded"; ok=1; }
    # ctr must relay the runtime's own message (naming the missing path)
    [[ $out == *"/nonexistent"* && ( $out == *"no such file"* || $out == *"not found"* ) ]] ||
        { echo "FAIL: the runtime's error did not reach the user"; ok=1; }
    # ... and nothing may be left behind
    [[ -z $(c containers ls -q | grep -x "$id") ]] || { echo "FAIL: container left"; ok=1; }
    [[ -e $T/runc/$NS/$id ]] && { echo "FAIL: runtime state $T/runc/$NS/$id left"; ok=1; }
    ls -d /sys/fs/cgroup/*/"$NS/$id" 2>/dev/null && { echo "FAIL: cgroups left"; ok=1; }
    grep -F "/$id/" /proc/self/mountinfo && { echo "FAIL: mounts left"; ok=1; }
    c snapshots ls | grep -w "$id" && { echo "FAIL: snapshot left"; ok=1; }
    fin "$id"
    return $ok
}

SCEN=(echo exitcode detached pause memory tty exectty netdefault nethost withns error)
declare -A DESC=(
    [echo]="run --rm echo hi"
    [exitcode]="exit code (sh -c 'exit 3')"
    [detached]="run -d + ls/exec/ps/kill/delete/rm"
    [pause]="task pause / resume (+freezer)"
    [memory]="--memory-limit 64M (cgroup+metrics)"
    [tty]="run --tty (/dev/pts/N, exit 5)"
    [exectty]="task exec --tty (/dev/pts/N, exit 6)"
    [netdefault]="default netns (only lo)"
    [nethost]="--net-host (host interfaces)"
    [withns]="--with-ns net/ipc/uts of another task"
    [error]="runtime error reaches user, no leftovers"
)
declare -A RES=()
fails=0
for rt in "${RUNTIMES[@]}"; do
    tag=$(basename "$rt")
    cur_rt=$rt
    if [[ -n ${TRACE:-} ]]; then  # argv-logging wrapper
        cur_rt=$T/wrap-$tag; : >"$LOGDIR/$tag-argv.log"
        printf '#!/bin/sh\nprintf "%%s\\n" "$*" >>%q\nexec %q "$@"\n' "$LOGDIR/$tag-argv.log" "$rt" >"$cur_rt"
        chmod 0755 "$cur_rt"
    fi
    R=(--runtime io.containerd.runc.v2 --runc-binary "$cur_rt" --runc-root "$T/runc" "${FD[@]}")
    for s in "${SCEN[@]}"; do
        id=$tag-$s; IDS+=("$id")
        { echo "### $s with $rt (ctr id $id)"; "s_$s"; } >"$LOGDIR/$tag-$s.log" 2>&1 </dev/null
        if [[ $? == 0 ]]; then r=PASS; else r=FAIL; fails=1; fi
        RES[$tag,$s]=$r
        printf '%-8s %-10s %s\n' "$tag" "$s" "$r" >&2
    done
done

# ---- table ---------------------------------------------------------------------
mgr_table 40

# ---- teardown and leftovers --------------------------------------------------------
cleanup; trap - EXIT
left=0
grep -F " $T/" /proc/self/mountinfo && { echo "LEFTOVER mounts under $T"; left=1; }
[[ -e $T && -z ${KEEP:-} ]] && { echo "LEFTOVER $T"; left=1; }
cgdirs | grep . && { echo "LEFTOVER cgroups /sys/fs/cgroup/*/$NS"; left=1; }
[[ -n $(ours) ]] && { echo "LEFTOVER processes:"; ps -o pid,args -p "$(ours | paste -sd,)"; left=1; }
for id in "${IDS[@]}"; do
    [[ -e $(shimsock "$id") ]] && { echo "LEFTOVER shim socket $(shimsock "$id") ($id)"; left=1; }
done
((left)) || echo "teardown: no leftover mounts, cgroups, processes or shim sockets"
exit $((fails | left))
