#!/bin/bash
# "bridge" network mode as an OCI hook (see spec-fixtures/README.md, "hooks/bridge-hook.sh").
#
# As a createRuntime (or prestart) hook: creates a veth pair, moves one end into the
# container's network namespace (/proc/PID/ns/net, PID from the state on stdin), names it
# eth0 there, gives it CONTAINER_IP, sets it and lo up, adds a default route via GATEWAY,
# and attaches the other end to the bridge BRIDGE.
# As a poststop hook: deletes the host-side veth (a no-op when the kernel already removed
# it with the container's network namespace).
# The mode is $1 ("up" / "down") or, without an argument, taken from the state's status
# ("stopped" = down, anything else = up). Both modes are idempotent.
#
# Environment (hooks get exactly the env of config.json, nothing inherited):
#   BRIDGE        bridge name (created, without an address, if missing)       default br0
#   BRIDGE_NETNS  named network namespace (ip netns) holding the bridge and the host-side
#                 veth, instead of the runtime's own network namespace         optional
#   CONTAINER_IP  address of eth0 in CIDR form, e.g. 192.0.2.2/24              required (up)
#   GATEWAY       default route of the container                               optional
#   VETH_PREFIX   host-side interface name prefix                              default vsr
set -euo pipefail
export PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin

die() { echo "bridge-hook: $*" >&2; exit 1; }

state=$(cat | tr -d '\n')
# The state is JSON: use python3 when there is one; otherwise sed on the top-level keys
# (ociVersion, id, status, pid, bundle come before annotations in what runtimes write).
if command -v python3 >/dev/null 2>&1; then
    read -r id status pid < <(printf '%s' "$state" | python3 -c '
import json, sys
s = json.load(sys.stdin)
print(s["id"], s.get("status", ""), s.get("pid", 0))')
else
    top=${state%%\"annotations\"*}
    field() { printf '%s' "$top" | sed -n "s/.*\"$1\"[[:space:]]*:[[:space:]]*\"\{0,1\}\([^\",}]*\).*/\1/p"; }
    id=$(field id); status=$(field status); pid=$(field pid)
fi
[ -n "$id" ] || die "no container id in the state on stdin"

mode=${1:-}
if [ -z "$mode" ]; then
    if [ "$status" = stopped ]; then mode=down; else mode=up; fi
fi

BRIDGE=${BRIDGE:-br0}
hostip=(ip)
[ -n "${BRIDGE_NETNS:-}" ] && hostip=(ip -n "$BRIDGE_NETNS")
# Interface names are at most 15 bytes: derive them from a checksum of the container id.
sum=$(printf '%s' "$id" | cksum | cut -d' ' -f1)
host_if="${VETH_PREFIX:-vsr}$sum"
peer_if="vct$sum"
[ ${#host_if} -le 15 ] || die "VETH_PREFIX too long: $host_if"

case "$mode" in
down)
    "${hostip[@]}" link del "$host_if" 2>/dev/null || true
    ;;
up)
    [ -n "${CONTAINER_IP:-}" ] || die "CONTAINER_IP (CIDR) is required"
    [[ "$pid" =~ ^[1-9][0-9]*$ ]] || die "no container pid in the state on stdin"
    netns=/proc/$pid/ns/net
    [ -e "$netns" ] || die "$netns: no such process"
    [ "$(readlink "$netns")" != "$(readlink /proc/self/ns/net)" ] ||
        die "the container has no network namespace of its own"
    cin=(nsenter --net="$netns" ip)

    if ! "${hostip[@]}" link show "$BRIDGE" >/dev/null 2>&1; then
        "${hostip[@]}" link add "$BRIDGE" type bridge
    fi
    "${hostip[@]}" link set "$BRIDGE" up
    # idempotent: a leftover pair of an earlier attempt for this id goes first
    "${hostip[@]}" link del "$host_if" 2>/dev/null || true
    "${hostip[@]}" link add "$host_if" type veth peer name "$peer_if"
    # the pid is the container's init as the runtime sees it (createRuntime runs in the
    # runtime namespace): `netns PID` moves the peer into /proc/PID/ns/net
    if ! "${hostip[@]}" link set "$peer_if" netns "$pid"; then
        "${hostip[@]}" link del "$host_if" 2>/dev/null || true
        die "cannot move $peer_if into $netns"
    fi
    "${hostip[@]}" link set "$host_if" master "$BRIDGE"
    "${hostip[@]}" link set "$host_if" up
    "${cin[@]}" link set lo up
    "${cin[@]}" link set "$peer_if" name eth0
    "${cin[@]}" addr add "$CONTAINER_IP" dev eth0
    "${cin[@]}" link set eth0 up
    if [ -n "${GATEWAY:-}" ]; then
        "${cin[@]}" route replace default via "$GATEWAY" dev eth0
    fi
    ;;
*)
    die "unknown mode \"$mode\" (up or down)"
    ;;
esac
