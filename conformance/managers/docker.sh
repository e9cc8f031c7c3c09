#!/usr/bin/env bash
# docker.sh [RUNTIME]
#
# Runs docker scenarios (dockerd -> containerd -> containerd-shim-runc-v2 ->
# runtime) with `--runtime swiftrun` (RUNTIME, default .build/release/swiftrun,
# else built into .build-mgr) and with docker's default runtime `runc`
# (/usr/sbin/runc: dockerd's PATH is pinned), and prints a scenario x runtime
# table.  Root only.  Installs Debian's docker.io if missing (services are kept
# from starting by a temporary /usr/sbin/policy-rc.d).
#
# A private dockerd (Debian's 20.10, client /usr/bin/docker) runs with
# --data-root/--exec-root/--pidfile/-H unix:// and an empty --config-file under
# a temp dir, cgroupfs driver, and its own managed containerd (socket under the
# exec-root).  Default bridge networking with iptables is used when it works
# (docker0 and the DOCKER* chains are removed afterwards when they were not
# there before), else --bridge=none --iptables=false.  Everything is torn down
# at the end and leftovers (mounts, processes, cgroups, docker0, chains) are
# reported as a failure.  Per-scenario logs: $LOGDIR (default
# /tmp/swiftrun-docker-logs); the runtime invocations the shim makes are logged
# once through an argv-recording wrapper ($LOGDIR/runtime-argv.log).
#
# Env: KEEP=1 keeps the temp dir (containers are still removed); DOCKERD=path
#      overrides the daemon binary (default dockerd, Debian's).
# Exit: 0 all passed and clean; 1 a scenario failed or something was left
# behind; 2 usage/setup error; 3 dockerd cannot run on this host (reason shown).
set -uo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/../.." && pwd)
LOGDIR=${LOGDIR:-/tmp/swiftrun-docker-logs}
DOCKER=/usr/bin/docker   # Debian's client; /usr/local/bin/docker may be another one
export PATH=/usr/sbin:/usr/bin:/sbin:/bin   # so dockerd's `runc` is /usr/sbin/runc

die() { printf 'docker.sh: %s\n' "$*" >&2; exit 2; }
[[ $(id -u) == 0 ]] || die "must run as root"

# ---- dependencies and the runtime under test -----------------------------------
. "$here/lib.sh"
mgr_install docker.io containerd runc iptables bsdutils busybox-static
[[ -x $DOCKER ]] && command -v "${DOCKERD:-dockerd}" >/dev/null || die "dockerd or $DOCKER missing"

mgr_runtime "${1:-}"
RUNTIMES=(swiftrun runc)   # docker runtime names; swiftrun=$RT, runc=docker's default

# ---- host state before (teardown removes only what was not there) --------------
T=$(mktemp -d /tmp/swiftrun-docker.XXXXXX)
IMG=swiftrun-busybox:test
mkdir -p "$LOGDIR" && rm -f "$LOGDIR"/dockerd-failed-*.log
declare -A before=()
for x in /sys/fs/cgroup/*/docker /run/docker /run/docker/plugins /run/containerd \
         /run/containerd/s /run/containerd/fifo /etc/docker/key.json; do
    [[ -e $x ]] && before[$x]=1
done
ip link show docker0 >/dev/null 2>&1 && before[docker0]=1
iptables -S DOCKER >/dev/null 2>&1 && before[fw]=1
iptables -t nat -S DOCKER >/dev/null 2>&1 && before[natfw]=1
sysctls=(/proc/sys/net/ipv4/ip_forward /proc/sys/net/bridge/bridge-nf-call-iptables
         /proc/sys/net/bridge/bridge-nf-call-ip6tables)
declare -A sysval=()
for f in "${sysctls[@]}"; do [[ -r $f ]] && sysval[$f]=$(<"$f"); done

dk() { "$DOCKER" -H "unix://$T/docker.sock" "$@"; }
shim_socks() {  # existing /run/containerd/s sockets of the containers dockerd ran
    local id h
    for id in $(grep -oE 'moby/[0-9a-f]{64}' "$T/dockerd.log" 2>/dev/null | sort -u); do
        h=$(printf '%s' "$T/exec/containerd/containerd.sock/$id" | sha256sum); h=/run/containerd/s/${h%% *}
        [[ -e $h ]] && echo "$h"
    done
}
dpid= socks_left=
cleanup() {
    if [[ -n $dpid ]] && kill -0 "$dpid" 2>/dev/null; then
        local ids; ids=$(dk ps -aq 2>/dev/null)
        [[ -n $ids ]] && dk rm -f $ids >/dev/null 2>&1
        dk rmi -f "$IMG" >/dev/null 2>&1
        kill -TERM "$dpid" 2>/dev/null
        local i; for ((i = 0; i < 150; i++)); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$dpid" 2>/dev/null
    fi
    # anything still running from our temp dir (managed containerd, shims)
    local p pids=()
    for p in /proc/[0-9]*; do
        tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF "$T/" && pids+=("${p#/proc/}")
    done
    if ((${#pids[@]})); then kill -TERM "${pids[@]}" 2>/dev/null; sleep 1; kill -KILL "${pids[@]}" 2>/dev/null; fi
    # mounts under the temp dir, deepest first (overlay2 layers, shm, netns)
    grep -F " $T/" /proc/self/mountinfo | awk '{print $5}' | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null; done
    # docker's network setup
    local t c
    for t in filter nat; do
        [[ $t == filter && -n ${before[fw]:-} ]] && continue
        [[ $t == nat && -n ${before[natfw]:-} ]] && continue
        iptables -t "$t" -S 2>/dev/null | grep '^-A' | grep -E 'docker0|DOCKER' | sed 's/^-A/-D/' |
            while read -r r; do eval iptables -t "$t" "$r" 2>/dev/null; done
        for c in $(iptables -t "$t" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^DOCKER/ {print $2}'); do
            iptables -t "$t" -F "$c" 2>/dev/null
        done
        for c in $(iptables -t "$t" -S 2>/dev/null | awk '$1=="-N" && $2 ~ /^DOCKER/ {print $2}'); do
            iptables -t "$t" -X "$c" 2>/dev/null
        done
    done
    [[ -n ${before[docker0]:-} ]] || ip link del docker0 2>/dev/null
    local f; for f in "${!sysval[@]}"; do echo "${sysval[$f]}" >"$f" 2>/dev/null; done
    # cgroupfs parent /docker (pruned bottom-up, only if empty)
    local d
    for d in /sys/fs/cgroup/*/docker; do
        [[ -d $d && -z ${before[$d]:-} ]] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    # dirs dockerd and the shims create outside the temp dir (rmdir: only if empty);
    # /run/containerd/{s,fifo} are shared by every containerd: kept while another runs
    local others=
    for p in $(pgrep containerd); do grep -qF "$T/" "/proc/$p/cmdline" 2>/dev/null || others=1; done
    for d in /run/docker/plugins /run/docker /run/containerd/s /run/containerd/fifo /run/containerd; do
        [[ $d == /run/containerd* && -n $others ]] && continue
        [[ -d $d && -z ${before[$d]:-} ]] && rmdir "$d" 2>/dev/null
    done
    # our shims' sockets in the shared /run/containerd/s: sha256(<address>/moby/<id>)
    socks_left=$(shim_socks); rm -f $socks_left
    [[ -n ${before[/etc/docker/key.json]:-} ]] || rm -f /etc/docker/key.json
    [[ -n ${KEEP:-} ]] || rm -rf "$T"
}
trap cleanup EXIT; trap "exit 130" INT TERM

# ---- private dockerd -------------------------------------------------------------
# argv-recording wrapper around the runtime under test (docker runtime "argvlog")
cat >"$T/rt-argv" <<EOF
#!/bin/sh
printf '%s\n' "\$*" >>"$T/argv.log"
exec "$RT" "\$@"
EOF
chmod 755 "$T/rt-argv"
# deprecated-key-path: dockerd 20.10 would otherwise create /etc/docker/key.json
printf '{"deprecated-key-path": "%s"}\n' "$T/key.json" >"$T/daemon.json"

start_dockerd() {  # start_dockerd EXTRA-ARGS... ; 0 when the API answers
    rm -rf "$T/data" "$T/exec" "$T/tmp"; mkdir -p "$T/tmp"
    # TMPDIR: the shims' runc-process*/pty* files go under the temp dir too
    TMPDIR=$T/tmp "${DOCKERD:-dockerd}" --config-file "$T/daemon.json" --data-root "$T/data" --exec-root "$T/exec" \
        --pidfile "$T/docker.pid" -H "unix://$T/docker.sock" \
        --exec-opt native.cgroupdriver=cgroupfs --default-ulimit nofile=1024:1024 \
        --add-runtime "swiftrun=$RT" --add-runtime "argvlog=$T/rt-argv" \
        "$@" >"$T/dockerd.log" 2>&1 </dev/null &
    dpid=$!
    local i
    for ((i = 0; i < 150; i++)); do
        kill -0 "$dpid" 2>/dev/null || { wait "$dpid"; dexit="exited with status $?"; dpid=; return 1; }
        dk version >/dev/null 2>&1 && return 0
        sleep 0.2
    done
    dexit="API not answering after 30 s"
    return 1
}
stop_dockerd() {
    [[ -n $dpid ]] || return 0
    kill -TERM "$dpid" 2>/dev/null
    local i; for ((i = 0; i < 100; i++)); do kill -0 "$dpid" 2>/dev/null || break; sleep 0.2; done
    kill -KILL "$dpid" 2>/dev/null; wait "$dpid" 2>/dev/null; dpid=
}
NET=bridge up= nfail=0
attempts=("" "--storage-driver vfs" "--storage-driver vfs --bridge=none --iptables=false")
for started in "${attempts[@]}"; do
    # shellcheck disable=SC2086
    start_dockerd $started && { up=1; break; }
    echo "dockerd failed to start with [${started:-defaults}]: $dexit" >&2
    grep -E 'level=(error|fatal)' "$T/dockerd.log" | tail -3 >&2
    cp "$T/dockerd.log" "$LOGDIR/dockerd-failed-$((++nfail)).log"
    stop_dockerd
    grep -F " $T/" /proc/self/mountinfo | awk '{print $5}' | sort -r | while read -r m; do umount -l "$m"; done
done
if [[ -z $up ]]; then
    echo "docker.sh: dockerd cannot run on this host ($dexit); the end of its log:" >&2
    tail -n 15 "$T/dockerd.log" >&2
    exit 3
fi
[[ $started == *bridge=none* ]] && NET=none
driver=$(dk info --format '{{.Driver}} cgroup={{.CgroupDriver}} v{{.CgroupVersion}}' 2>/dev/null)
echo "dockerd $(dk version --format '{{.Server.Version}}') [${started:-defaults}] storage=$driver network=$NET" >&2
[[ -z $started ]] || echo "  (fell back: overlay2/bridge did not work, see $LOGDIR/dockerd-failed-*.log)" >&2

# ---- image -------------------------------------------------------------------
"$repo/spec-fixtures/make-bundle.sh" "$T/bundle" >/dev/null || die "make-bundle.sh failed"
tar -C "$T/bundle/rootfs" -c . | dk import - "$IMG" >/dev/null || die "docker import failed"

# ---- scenarios -----------------------------------------------------------------
# Each prints diagnostics to stdout (the log) and returns 0 pass, 1 fail, 2 skip.
cur_rt=
drun() { dk run --runtime "$cur_rt" "$@"; }
cgpath() {  # cgpath PID CONTROLLER -> /sys/fs/cgroup/CONTROLLER/<path>
    echo "/sys/fs/cgroup/$2$(awk -F: -v c="$2" '$2==c {print $3}' /proc/"$1"/cgroup)"
}

s_echo() {
    local out; out=$(drun --rm "$IMG" echo hi 2>&1); local rc=$?
    echo "$out"; expect rc $rc 0 && expect stdout "$out" hi
}
s_exitcode() {
    drun --rm "$IMG" sh -c 'exit 3'; expect rc $? 3
}
s_detached() {
    local c=det-$RANDOM ok=0 out
    # PID 1 exits 0 on SIGTERM: `stop` must deliver it (no SIGKILL fallback)
    drun -d --name "$c" "$IMG" sh -c 'trap "exit 0" TERM; echo started; while :; do sleep 1 & wait; done' ||
        { dk rm -f "$c"; return 1; }
    sleep 1
    out=$(dk ps --format '{{.Names}} {{.Status}}' 2>&1); echo "$out"
    [[ $out == *"$c Up"* ]] || { echo "FAIL: ps does not show $c Up"; ok=1; }
    out=$(dk logs "$c" 2>&1); expect logs "$out" started || ok=1
    echo "shim socket: $(shim_socks)"
    out=$(dk exec "$c" hostname 2>&1)
    expect "exec hostname" "$out" "$(dk inspect --format '{{.Config.Hostname}}' "$c")" || ok=1
    dk exec "$c" sh -c 'exit 4'; expect "exec exit code" $? 4 || ok=1
    out=$(dk exec "$c" /nonexistent 2>&1); local rc=$?; echo "$out"
    expect "exec /nonexistent rc" $rc 126 || ok=1
    [[ $out == *'exec: "/nonexistent"'*'no such file or directory'* ]] || { echo "FAIL: exec error text"; ok=1; }
    local t0=$SECONDS
    dk stop -t 10 "$c" || { echo "FAIL: stop"; ok=1; }
    echo "stop took $((SECONDS - t0))s"
    ((SECONDS - t0 < 5)) || { echo "FAIL: stop waited for the SIGKILL fallback"; ok=1; }
    out=$(dk inspect --format '{{.State.Status}} {{.State.ExitCode}}' "$c" 2>&1)
    expect "state after stop" "$out" "exited 0" || ok=1
    dk rm "$c" || { echo "FAIL: rm"; ok=1; }
    return $ok
}
s_netnone() {
    local out; out=$(drun --rm --network none "$IMG" ls /sys/class/net 2>&1); local rc=$?
    echo "$out"; expect rc $rc 0 && expect interfaces "$(echo $out)" lo
}
s_bridge() {
    [[ $NET == bridge ]] || { echo "SKIP: dockerd runs with --bridge=none"; return 2; }
    local out; out=$(drun --rm "$IMG" sh -c 'ls /sys/class/net | tr "\n" " "; ip -4 addr show eth0 | grep inet' 2>&1)
    local rc=$?; echo "$out"; expect rc $rc 0 || return 1
    [[ $out == *"eth0"*"inet 172.17."* ]] || { echo "FAIL: no eth0 with a 172.17.x address"; return 1; }
}
s_limits() {
    local c=lim-$RANDOM ok=0 out
    drun -d --name "$c" --memory 64m --pids-limit 32 "$IMG" sleep 100 || { dk rm -f "$c"; return 1; }
    out=$(dk exec "$c" cat /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids/pids.max 2>&1)
    expect "memory.limit_in_bytes pids.max (inside)" "$(echo $out)" "67108864 32" || ok=1
    local pid; pid=$(dk inspect --format '{{.State.Pid}}' "$c")
    local m p; m=$(cgpath "$pid" memory); p=$(cgpath "$pid" pids)
    echo "host cgroups: $m $p"
    [[ $m == */docker/* ]] || { echo "FAIL: not under the /docker parent"; ok=1; }
    expect "host memory.limit_in_bytes" "$(cat "$m/memory.limit_in_bytes" 2>&1)" 67108864 || ok=1
    expect "host pids.max" "$(cat "$p/pids.max" 2>&1)" 32 || ok=1
    dk rm -f "$c" >/dev/null
    return $ok
}
s_pause() {
    local c=pau-$RANDOM ok=0 out
    drun -d --name "$c" "$IMG" sleep 100 || { dk rm -f "$c"; return 1; }
    dk pause "$c" || ok=1
    out=$(dk inspect --format '{{.State.Status}}' "$c"); expect "state after pause" "$out" paused || ok=1
    local f; f=$(cgpath "$(dk inspect --format '{{.State.Pid}}' "$c")" freezer)
    expect "host freezer.state" "$(cat "$f/freezer.state" 2>&1)" FROZEN || ok=1
    dk unpause "$c" || ok=1
    out=$(dk inspect --format '{{.State.Status}}' "$c"); expect "state after unpause" "$out" running || ok=1
    expect "host freezer.state" "$(cat "$f/freezer.state" 2>&1)" THAWED || ok=1
    out=$(dk exec "$c" echo alive 2>&1); expect "exec after unpause" "$out" alive || ok=1
    dk rm -f "$c" >/dev/null
    return $ok
}
s_tty() {
    mgr_tty 5 "$DOCKER" -H "unix://$T/docker.sock" run -it --rm --runtime "$cur_rt" "$IMG" sh -c 'tty; exit 5'
}
s_error() {
    local c=err-$RANDOM ok=0
    local out; out=$(drun --rm --name "$c" --cidfile "$T/$c.cid" "$IMG" /nonexistent 2>&1); local rc=$?
    echo "$out"
    # docker maps "no such file or directory" in the runtime's error to 127
    expect rc $rc 127 || ok=1
    [[ $out == *'OCI runtime create failed'*'exec: "/nonexistent"'*'no such file or directory'* ]] ||
        { echo "FAIL: the runtime's error did not reach the user"; ok=1; }
    local id; id=$(cat "$T/$c.cid" 2>/dev/null); echo "id=$id"
    [[ -n $id ]] || { echo "FAIL: no cidfile"; return 1; }
    sleep 0.5
    [[ -z $(dk ps -aq --filter "id=$id") ]] || { echo "FAIL: container left"; ok=1; }
    local x
    for x in "$T/exec/runtime-runc/moby/$id" "$T/exec/containerd/daemon/io.containerd.runtime.v2.task/moby/$id" \
             /sys/fs/cgroup/memory/docker/"$id" /sys/fs/cgroup/pids/docker/"$id"; do
        [[ -e $x ]] && { echo "FAIL: left behind: $x"; ok=1; }
    done
    pgrep -f -- "-id $id" >/dev/null && { echo "FAIL: shim for $id still running"; ok=1; }
    grep -qF "$id" /proc/self/mountinfo && { echo "FAIL: mounts of $id left"; ok=1; }
    # not executable: "permission denied" -> 126
    out=$(drun --rm "$IMG" /etc/passwd 2>&1); rc=$?; echo "$out"
    expect "rc (not executable)" $rc 126 || ok=1
    # a directory, informational: Go >= 1.20 LookPath (and swiftrun) say "is a directory",
    # which docker 20.10 maps to 125; Debian's runc (go1.19) says "permission denied" -> 126
    out=$(drun --rm "$IMG" /etc 2>&1); rc=$?; echo "$out"; echo "info: rc (a directory) = $rc"
    return $ok
}
s_secopts() {
    local ok=0 out
    out=$(drun --rm --read-only "$IMG" sh -c 'touch /x' 2>&1); echo "read-only: $out"
    [[ $out == *"Read-only file system"* ]] || { echo "FAIL: --read-only rootfs is writable"; ok=1; }
    out=$(drun --rm --cap-drop ALL "$IMG" sh -c 'grep -E "Cap(Eff|Bnd)" /proc/self/status | tr -s "\t\n" "  "' 2>&1)
    expect "--cap-drop ALL" "$out" "CapEff: 0000000000000000 CapBnd: 0000000000000000 " || ok=1
    out=$(drun --rm --user 1000 "$IMG" sh -c 'echo $(id -u) $HOME' 2>&1)
    expect "--user 1000" "$out" "1000 /home/user" || ok=1
    return $ok
}
s_joinns() {  # --network/--ipc/--pid container:X: the runtime joins X's namespaces by path
    local c=join-$RANDOM ok=0 a b
    drun -d --name "$c" --ipc shareable "$IMG" sleep 100 >/dev/null || { dk rm -f "$c" >/dev/null 2>&1; return 1; }
    local ns='for n in net ipc pid; do readlink /proc/self/ns/$n; done'
    a=$(dk exec "$c" sh -c "$ns" 2>&1)
    b=$(drun --rm --network "container:$c" --ipc "container:$c" --pid "container:$c" "$IMG" \
        sh -c "$ns; ps -o comm | grep -c sleep" 2>&1)
    echo "in $c: $a"; echo "joined: $b"
    [[ -n $a && $b == "$a"* ]] || { echo "FAIL: not in $c's net/ipc/pid namespaces"; ok=1; }
    [[ ${b##*$'\n'} == 1 ]] || { echo "FAIL: $c's sleep not visible in the joined pid namespace"; ok=1; }
    dk rm -f "$c" >/dev/null
    return $ok
}
s_clean() {  # after removing every container: no cgroup, runtime state or mount left
    local ids; ids=$(dk ps -aq); [[ -z $ids ]] || dk rm -f $ids >/dev/null
    sleep 0.5
    local ok=0 x
    for x in /sys/fs/cgroup/*/docker/*/ "$T"/exec/runtime-runc/moby/*; do
        [[ -e $x ]] && { echo "FAIL: left: $x"; ok=1; }
    done
    grep -E " $T/data/(containers|overlay2)/" /proc/self/mountinfo && { echo "FAIL: mounts left"; ok=1; }
    ((ok)) || echo "ok: no container cgroup, runtime state or mount left"
    return $ok
}

SCEN=(echo exitcode detached netnone bridge limits pause tty error secopts joinns clean)
declare -A DESC=(
    [echo]="run --rm echo hi"
    [exitcode]="exit code (sh -c 'exit 3')"
    [detached]="run -d + ps/logs/exec/stop/rm"
    [netnone]="--network none (only lo)"
    [bridge]="default bridge (eth0 172.17.x)"
    [limits]="--memory 64m --pids-limit 32"
    [pause]="pause / unpause (+ freezer)"
    [tty]="run -it (/dev/pts/N, exit 5)"
    [error]="runtime error to user, rc 127/126"
    [secopts]="--read-only/--cap-drop ALL/--user"
    [joinns]="--network/--ipc/--pid container:X"
    [clean]="no cgroup/state/mount left after rm"
)
declare -A RES=()
t_start=$SECONDS
for rt in "${RUNTIMES[@]}"; do
    cur_rt=$rt
    for s in "${SCEN[@]}"; do
        log=$LOGDIR/$rt-$s.log
        n0=$(wc -l <"$T/dockerd.log")
        { echo "### $s with --runtime $rt"; "s_$s"; } >"$log" 2>&1 </dev/null
        case $? in 0) r=PASS ;; 2) r=SKIP ;; *) r=FAIL ;; esac
        # on failure keep what dockerd/containerd/the shim logged meanwhile
        [[ $r == FAIL ]] && { echo "--- dockerd.log"; tail -n +"$((n0 + 1))" "$T/dockerd.log"; } >>"$log"
        RES[$rt,$s]=$r
        printf '%-8s %-10s %s\n' "$rt" "$s" "$r" >&2
    done
done
t_scen=$((SECONDS - t_start))

# ---- runtime invocations (one pass through the argv-recording wrapper) -----------
cur_rt=argvlog
{ s_detached; s_pause; s_tty; s_error; } >"$LOGDIR/argvlog-scenarios.log" 2>&1 </dev/null
# container/exec IDs -> ID, temp dir -> $T, then unique shapes in first-seen order
sed -E -e "s|$T|\$T|g" -e 's/[0-9a-f]{64}/ID/g' -e 's#/(runc-process|pty)[0-9]+#/\1N#g' "$T/argv.log" 2>/dev/null |
    awk '!seen[$0]++' >"$LOGDIR/runtime-argv.log"

# ---- table ---------------------------------------------------------------------
fails=0
mgr_table 36 || fails=1
echo "dockerd [${started:-defaults}] storage=$driver network=$NET; scenarios ${t_scen}s"
echo "runtime invocations (swiftrun via the shim): $LOGDIR/runtime-argv.log"
sed 's/^/  /' "$LOGDIR/runtime-argv.log"

# ---- teardown, then look for leftovers ----------------------------------------------
cleanup; trap - EXIT
left=0
lo() { echo "LEFTOVER $*"; left=1; }
grep -qF " $T/" /proc/self/mountinfo && lo "mounts under $T"
[[ -z ${KEEP:-} && -e $T ]] && lo "$T"
for p in /proc/[0-9]*; do
    tr '\0' ' ' 2>/dev/null <"$p/cmdline" | grep -qF "$T/" && lo "process ${p#/proc/}: $(tr '\0' ' ' 2>/dev/null <"$p/cmdline")"
done
for d in /sys/fs/cgroup/*/docker; do [[ -d $d && -z ${before[$d]:-} ]] && lo "cgroup $d"; done
[[ -z ${before[docker0]:-} ]] && ip link show docker0 >/dev/null 2>&1 && lo "interface docker0"
[[ -z ${before[fw]:-} ]] && iptables -S 2>/dev/null | grep -q DOCKER && lo "iptables filter DOCKER chains/rules"
[[ -z ${before[natfw]:-} ]] && iptables -t nat -S 2>/dev/null | grep -q DOCKER && lo "iptables nat DOCKER chains/rules"
for x in $socks_left; do lo "shim socket $x (removed by the teardown)"; done
for x in /run/docker /etc/docker/key.json; do [[ -e $x && -z ${before[$x]:-} ]] && lo "$x"; done
for x in /run/containerd/s /run/containerd/fifo; do
    [[ -e $x && -z ${before[$x]:-} ]] && echo "note: $x remains (shared with another containerd?): $(ls -A "$x" | wc -l) entries"
done
((left)) || echo "teardown: no leftover mounts, processes, cgroups, docker0 or DOCKER iptables chains"
((fails || left)) && exit 1
exit 0
