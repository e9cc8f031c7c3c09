#!/usr/bin/env bash
# podman.sh [RUNTIME]
#
# Runs podman scenarios with `--runtime RUNTIME` (default: swiftrun from
# .build/release/swiftrun, else built into .build-mgr) and with /usr/sbin/runc
# for comparison, and prints a scenario x runtime table.  Root only.
#
# podman uses a private storage/state under a temp dir (--root/--runroot/
# --tmpdir), cgroupfs and file events, so the host's podman state is untouched.
# Everything is torn down at the end (containers, storage, mounts, netns,
# cgroups).  Per-scenario logs (podman output, --log-level debug, the
# runtime's own --log file) go to $LOGDIR (default /tmp/swiftrun-podman-logs).
#
# Env: RUNTIMES="a b" overrides the runtimes compared (default "RUNTIME runc");
#      KEEP=1 keeps the temp dir for inspection (still removes containers).
set -uo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/../.." && pwd)
LOGDIR=${LOGDIR:-/tmp/swiftrun-podman-logs}

die() { printf 'podman.sh: %s\n' "$*" >&2; exit 1; }
[[ $(id -u) == 0 ]] || die "must run as root"

# ---- dependencies and the runtime under test -----------------------------------
. "$here/lib.sh"
mgr_install podman conmon netavark aardvark-dns containernetworking-plugins util-linux busybox-static
mgr_runtime "${1:-}"
read -r -a RUNTIMES <<<"${RUNTIMES:-$RT /usr/sbin/runc}"

# ---- private podman ------------------------------------------------------------
T=$(mktemp -d /tmp/swiftrun-podman.XXXXXX)
IMG=localhost/swiftrun-busybox:test
mkdir -p "$LOGDIR" "$T/tmp"
cur_rt=
pm() {
    podman --root "$T/storage" --runroot "$T/run" --tmpdir "$T/tmp" \
        --cgroup-manager cgroupfs --events-backend file \
        --runtime "$cur_rt" "$@"
}
UL=(--ulimit nofile=1024:1024 --ulimit nproc=1024:1024)
# the same for containers podman makes itself (a pod's infra container)
export CONTAINERS_CONF=$T/containers.conf
printf '[containers]\ndefault_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n' >"$CONTAINERS_CONF"

cleanup() {
    local rt
    for rt in "${RUNTIMES[@]}"; do
        cur_rt=$rt
        pm rm -af -t 0 >/dev/null 2>&1
        pm pod rm -af >/dev/null 2>&1
    done
    cur_rt=${RUNTIMES[0]}
    pm system reset -f >/dev/null 2>&1
    # leftover mounts under the temp dir (deepest first)
    grep -F " $T" /proc/self/mountinfo | awk '{print $5}' | sort -r |
        while read -r m; do umount -l "$m" 2>/dev/null; done
    # netns created by netavark for our containers
    local ns
    for ns in /run/netns/netns-*; do
        [[ -e $ns ]] || continue
        [[ -n ${netns_before[$ns]:-} ]] || { ip netns delete "${ns##*/}" 2>/dev/null || umount -l "$ns" 2>/dev/null; rm -f "$ns"; }
    done
    # podman's cgroupfs parent: libpod_parent (pruned bottom-up, only if empty)
    local d
    for d in /sys/fs/cgroup/*/libpod_parent /sys/fs/cgroup/unified/libpod_parent; do
        [[ -d $d ]] || continue
        [[ -n ${cg_before[$d]:-} ]] && continue
        find "$d" -depth -type d -exec rmdir {} + 2>/dev/null
    done
    # netavark leaves its global iptables chains and ip_forward=1 behind
    if [[ -z $had_netavark_fw ]] && command -v iptables >/dev/null; then
        iptables -D FORWARD -m comment --comment "netavark firewall plugin rules" -j NETAVARK_FORWARD 2>/dev/null
        iptables -F NETAVARK_FORWARD 2>/dev/null; iptables -X NETAVARK_FORWARD 2>/dev/null
        iptables -t nat -D PREROUTING -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT 2>/dev/null
        iptables -t nat -D OUTPUT -m addrtype --dst-type LOCAL -j NETAVARK-HOSTPORT-DNAT 2>/dev/null
        iptables -t nat -D POSTROUTING -j NETAVARK-HOSTPORT-MASQ 2>/dev/null
        local c
        for c in NETAVARK-HOSTPORT-DNAT NETAVARK-HOSTPORT-MASQ NETAVARK-HOSTPORT-SETMARK; do
            iptables -t nat -F "$c" 2>/dev/null; iptables -t nat -X "$c" 2>/dev/null
        done
    fi
    echo "$ip_forward" >/proc/sys/net/ipv4/ip_forward 2>/dev/null
    ip link del podman0 2>/dev/null
    [[ -n ${KEEP:-} ]] || rm -rf "$T"
}
had_netavark_fw=$(iptables -S NETAVARK_FORWARD 2>/dev/null | head -1)
ip_forward=$(cat /proc/sys/net/ipv4/ip_forward)
declare -A netns_before=() cg_before=()
for ns in /run/netns/netns-*; do [[ -e $ns ]] && netns_before[$ns]=1; done
for d in /sys/fs/cgroup/*/libpod_parent; do [[ -d $d ]] && cg_before[$d]=1; done
trap cleanup EXIT

# ---- image -------------------------------------------------------------------
"$repo/spec-fixtures/make-bundle.sh" "$T/bundle" >/dev/null || die "make-bundle.sh failed"
printf '#!/bin/sh\nexec sleep 100000\n' >"$T/bundle/rootfs/pause"   # a pod's infra command
chmod 755 "$T/bundle/rootfs/pause"
cur_rt=${RUNTIMES[0]}
tar -C "$T/bundle/rootfs" -c . | pm import - "$IMG" >/dev/null || die "podman import failed"

# ---- scenarios -----------------------------------------------------------------
# Each scenario prints diagnostics to stdout (captured into the log) and
# returns 0 (pass), 1 (fail) or 2 (skip/env).
# runtime log of the last container: conmon passes --log <bundle>/oci-log? We
# print everything the runtime logged for the named container, if any.
rtlog() {
    local id
    id=$(pm inspect --format '{{.Id}}' "$1" 2>/dev/null) || return 0
    local f
    for f in "$T"/storage/overlay-containers/"$id"/userdata/oci-log "$T"/run/overlay-containers/"$id"/userdata/oci-log; do
        [[ -s $f ]] && { echo "--- runtime log $f"; cat "$f"; }
    done
    return 0
}

s_echo() {
    local out; out=$(pm run --rm "${UL[@]}" "$IMG" echo hi 2>&1); local rc=$?
    echo "$out"; expect rc $rc 0 && expect stdout "$out" hi
}
s_exitcode() {
    pm run --rm "${UL[@]}" "$IMG" sh -c 'exit 3'; expect rc $? 3
}
s_detached() {
    local c=det-$RANDOM ok=0 out
    pm run -d --name "$c" "${UL[@]}" "$IMG" sh -c 'echo started; exec sleep 100' || { rtlog "$c"; pm rm -f "$c"; return 1; }
    sleep 1
    out=$(pm ps --format '{{.Names}} {{.Status}}' 2>&1); echo "$out"
    [[ $out == *"$c Up"* ]] || { echo "FAIL: ps does not show $c Up"; ok=1; }
    out=$(pm logs "$c" 2>&1); expect logs "$out" started || ok=1
    out=$(pm exec "$c" hostname 2>&1); echo "exec: $out"
    local want; want=$(pm inspect --format '{{.Config.Hostname}}' "$c")
    expect "exec hostname" "$out" "$want" || ok=1
    local t0=$SECONDS
    pm stop -t 5 "$c" || { echo "FAIL: stop"; ok=1; }
    echo "stop took $((SECONDS - t0))s"
    out=$(pm inspect --format '{{.State.Status}}' "$c" 2>&1); expect "state after stop" "$out" exited || ok=1
    pm rm "$c" || { echo "FAIL: rm"; ok=1; }
    ((ok)) && rtlog "$c"
    return $ok
}
s_netnone() {
    local out; out=$(pm run --rm "${UL[@]}" --network none "$IMG" ls /sys/class/net 2>&1); local rc=$?
    echo "$out"; expect rc $rc 0 && expect interfaces "$(echo $out)" lo
}
s_netdefault() {
    local out; out=$(pm run --rm "${UL[@]}" "$IMG" sh -c 'ls /sys/class/net | tr "\n" " "; ip -4 addr show eth0 | grep inet' 2>&1); local rc=$?
    echo "$out"; expect rc $rc 0 || return 1
    [[ $out == *"eth0"*"inet "* ]] || { echo "FAIL: no eth0 with an IPv4 address"; return 1; }
}
s_limits() {
    local c=lim-$RANDOM ok=0 out
    pm run -d --name "$c" "${UL[@]}" --memory 64m --pids-limit 32 "$IMG" sleep 100 || { rtlog "$c"; pm rm -f "$c"; return 1; }
    out=$(pm exec "$c" cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>&1)
    expect "memory.limit_in_bytes (inside)" "$out" 67108864 || ok=1
    local pid; pid=$(pm inspect --format '{{.State.Pid}}' "$c")
    local mcg pcg
    mcg=$(awk -F: '$2=="memory"{print $3}' /proc/"$pid"/cgroup)
    pcg=$(awk -F: '$2=="pids"{print $3}' /proc/"$pid"/cgroup)
    echo "host cgroups: memory=$mcg pids=$pcg"
    expect "host memory.limit_in_bytes" "$(cat /sys/fs/cgroup/memory"$mcg"/memory.limit_in_bytes 2>&1)" 67108864 || ok=1
    expect "host pids.max" "$(cat /sys/fs/cgroup/pids"$pcg"/pids.max 2>&1)" 32 || ok=1
    pm rm -f -t 0 "$c" >/dev/null
    return $ok
}
s_pause() {
    local c=pau-$RANDOM ok=0 out
    pm run -d --name "$c" "${UL[@]}" "$IMG" sleep 100 || { rtlog "$c"; pm rm -f "$c"; return 1; }
    pm pause "$c" || ok=1
    out=$(pm inspect --format '{{.State.Status}}' "$c"); expect "state after pause" "$out" paused || ok=1
    local pid; pid=$(pm inspect --format '{{.State.Pid}}' "$c")
    local fcg; fcg=$(awk -F: '$2=="freezer"{print $3}' /proc/"$pid"/cgroup)
    expect "host freezer.state" "$(cat /sys/fs/cgroup/freezer"$fcg"/freezer.state 2>&1)" FROZEN || ok=1
    pm unpause "$c" || ok=1
    out=$(pm inspect --format '{{.State.Status}}' "$c"); expect "state after unpause" "$out" running || ok=1
    out=$(pm exec "$c" echo alive 2>&1); expect "exec after unpause" "$out" alive || ok=1
    ((ok)) && rtlog "$c"
    pm rm -f -t 0 "$c" >/dev/null
    return $ok
}
s_tty() {
    mgr_tty 5 podman --root "$T/storage" --runroot "$T/run" --tmpdir "$T/tmp" \
        --cgroup-manager cgroupfs --events-backend file --runtime "$cur_rt" \
        run -it --rm "${UL[@]}" "$IMG" sh -c 'sleep 1; tty; exit 5'
}
s_error() {
    local out; out=$(pm run --rm "${UL[@]}" --user 1000 "$IMG" /nonexistent 2>&1); local rc=$?
    echo "$out"; echo "rc=$rc"
    [[ $rc != 0 ]] || { echo "FAIL: succeeded"; return 1; }
    # podman must relay the runtime's own message (naming the missing path)
    [[ $out == *"/nonexistent"* && ( $out == *"no such file"* || $out == *"not found"* ) ]] ||
        { echo "FAIL: the runtime's error did not reach the user"; return 1; }
    echo "rc=$rc (runc/crun: 127 = command not found)"
    return 0
}
s_userns() {
    # --uidmap: the user-namespace path (maps written by the runtime, namespaces owned by it)
    local out; out=$(pm run --rm "${UL[@]}" --uidmap 0:100000:65536 --gidmap 0:100000:65536 "$IMG" \
        sh -c 'id -u; cat /proc/self/uid_map; touch /tmp/f; stat -c %u /tmp/f' 2>&1); local rc=$?
    echo "$out"; expect rc $rc 0 || return 1
    expect "uid, uid_map, file owner" "$(echo $out)" "0 0 100000 65536 0"
}
s_pod() {
    # a pod: the infra container's net/ipc/uts namespaces joined by path by the others
    local ok=0 out a b
    pm pod create --name "pod-$RANDOM-p" --infra-image "$IMG" --infra-command /pause >"$T/pod.id" || return 1
    local p; p=$(cat "$T/pod.id")
    pm pod start "$p" >/dev/null || { ok=1; }
    pm run -d --name "$p-a" --pod "$p" "${UL[@]}" "$IMG" sleep 100 >/dev/null || ok=1
    a=$(pm exec "$p-a" sh -c 'for n in net ipc uts; do readlink /proc/self/ns/$n; done' 2>&1)
    b=$(pm run --rm --pod "$p" "${UL[@]}" "$IMG" sh -c 'for n in net ipc uts; do readlink /proc/self/ns/$n; done' 2>&1)
    echo "a: $a"; echo "b: $b"
    [[ -n $a && $a == "$b" && $a == *net:* ]] || { echo "FAIL: the pod's containers do not share net/ipc/uts"; ok=1; }
    [[ $a != "$(readlink /proc/self/ns/net)"* ]] || { echo "FAIL: host netns"; ok=1; }
    pm pod rm -f -t 0 "$p" >/dev/null || { echo "FAIL: pod rm"; ok=1; }
    return $ok
}
s_exectty() {
    local c=ext-$RANDOM ok=0
    pm run -d --name "$c" "${UL[@]}" "$IMG" sleep 100 >/dev/null || { pm rm -f "$c"; return 1; }
    mgr_tty 4 podman --root "$T/storage" --runroot "$T/run" --tmpdir "$T/tmp" \
        --cgroup-manager cgroupfs --events-backend file --runtime "$cur_rt" \
        exec -it "$c" sh -c 'tty; exit 4' || ok=1
    pm rm -f -t 0 "$c" >/dev/null
    return $ok
}
s_secopts() {
    local out; out=$(pm run --rm "${UL[@]}" --read-only --cap-drop ALL --cap-add NET_ADMIN \
        --security-opt no-new-privileges "$IMG" sh -c 'grep -E "^(CapEff|NoNewPrivs|Seccomp):" /proc/self/status | tr -s "\t" " "; touch /x 2>&1' 2>&1)
    echo "$out"
    [[ $out == *"CapEff: 0000000000001000"* && $out == *"NoNewPrivs: 1"* && $out == *"Seccomp: 2"* \
        && $out == *"Read-only file system"* ]] || { echo "FAIL: caps/nnp/seccomp/read-only"; return 1; }
    out=$(pm run --rm "${UL[@]}" --security-opt seccomp=unconfined "$IMG" grep Seccomp: /proc/self/status 2>&1)
    expect "seccomp=unconfined" "$(echo $out)" "Seccomp: 0"
}

s_errclean() {
    # after a failed create podman runs `RUNTIME delete --force ID` on a
    # container the runtime already discarded; runc exits 0 silently there, so
    # the user sees exactly one line (podman's "Error: ...").
    local out; out=$(pm run --rm "${UL[@]}" --user 1000 "$IMG" /nonexistent 2>&1)
    echo "$out"
    expect "lines of output" "$(printf '%s\n' "$out" | wc -l)" 1
}

SCEN=(echo exitcode detached netnone netdefault limits pause tty error errclean userns pod exectty secopts)
declare -A DESC=(
    [echo]="run --rm echo hi"
    [exitcode]="exit code (sh -c 'exit 3')"
    [detached]="run -d + ps/logs/exec/stop/rm"
    [netnone]="--network none (only lo)"
    [netdefault]="default bridge network"
    [limits]="--memory 64m --pids-limit 32"
    [pause]="pause / unpause"
    [tty]="run -it (console socket)"
    [error]="runtime error reaches user"
    [errclean]="failed create: no cleanup noise"
    [userns]="--uidmap/--gidmap (user namespace)"
    [pod]="pod: net/ipc/uts joined by path"
    [exectty]="exec -it (console socket)"
    [secopts]="--read-only/--cap-*/nnp/seccomp"
)
declare -A RES=()
for rt in "${RUNTIMES[@]}"; do
    cur_rt=$rt
    tag=$(basename "$rt")
    for s in "${SCEN[@]}"; do
        log=$LOGDIR/$tag-$s.log
        { echo "### $s with $rt"; "s_$s"; } >"$log" 2>&1 </dev/null
        case $? in 0) r=PASS ;; 2) r=SKIP ;; *) r=FAIL ;; esac
        if [[ $r == FAIL ]]; then
            # one debug re-run of the simplest failing command shape is left to
            # the reader: the log holds podman's output and the runtime's log.
            :
        fi
        RES[$tag,$s]=$r
        printf '%-8s %-10s %s\n' "$tag" "$s" "$r" >&2
    done
    pm rm -af -t 0 >/dev/null 2>&1
done

# ---- table ---------------------------------------------------------------------
fails=0
mgr_table 36 || fails=1

# ---- leftovers (checked after cleanup runs: see trap) ---------------------------
cleanup; trap - EXIT
left=0
grep -qF " $T" /proc/self/mountinfo && { echo "LEFTOVER mounts under $T"; left=1; }
for ns in /run/netns/netns-*; do [[ -e $ns && -z ${netns_before[$ns]:-} ]] && { echo "LEFTOVER netns $ns"; left=1; }; done
for d in /sys/fs/cgroup/*/libpod_parent; do [[ -d $d && -z ${cg_before[$d]:-} ]] && { echo "LEFTOVER cgroup $d"; left=1; }; done
[[ -z $had_netavark_fw ]] && iptables -S NETAVARK_FORWARD >/dev/null 2>&1 && { echo "LEFTOVER iptables chain NETAVARK_FORWARD"; left=1; }
((left)) || echo "teardown: no leftover mounts, netns, cgroups or netavark iptables chains"
exit $((fails | left))
