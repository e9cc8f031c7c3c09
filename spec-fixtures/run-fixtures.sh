#!/usr/bin/env bash
# run-fixtures.sh [-r RUNTIME] [-k] [--malformed] [NAME...]
#
# Runs fixtures under an OCI runtime (default: runc; any runc-compatible CLI,
# e.g. swiftrun) and checks what the container printed.  Must run as root.
#
#   configs mode (default): for each configs/NAME.json (all if no NAME), make a
#     fresh bundle with make-bundle.sh in a temp dir, copy the fixture in as
#     config.json (substituting @NETNS@), `RUNTIME run` it and check its output.
#   --malformed: for each malformed/NN-*.json, `RUNTIME run` must fail and its
#     stderr must contain "config.json: " and the substring from
#     malformed/expected.txt (swiftrun's error contract; runc fails most).
#
#   -r RUNTIME  runtime binary (default runc); state goes to a temp --root
#   -k          keep the temp dirs (printed) for inspection
#
# If `RUNTIME features` does not list the "time" namespace (runc 1.1), full.json
# runs with the time namespace and timeOffsets removed, and says so; an unset
# domainname or ioPriority (runc 1.1 ignores both) is a WARN, not a failure.
# Everything created (bundles, state, netns, the cgroupsPath of cgroups.json)
# is removed afterwards.  Exit status: number of failed fixtures (0 = all ok).
set -uo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
runtime=runc
keep=0
mode=configs
names=()
while [[ $# -gt 0 ]]; do
    case $1 in
    -r) runtime=$2; shift 2 ;;
    -k) keep=1; shift ;;
    --malformed) mode=malformed; shift ;;
    -h|--help) sed -n '2,24s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"; exit 0 ;;
    -*) echo "run-fixtures.sh: unknown option $1" >&2; exit 2 ;;
    *) names+=("${1%.json}"); shift ;;
    esac
done
[[ $EUID -eq 0 ]] || { echo "run-fixtures.sh: must run as root" >&2; exit 2; }
command -v "$runtime" >/dev/null || { echo "run-fixtures.sh: $runtime not found" >&2; exit 2; }
command -v python3 >/dev/null || { echo "run-fixtures.sh: needs python3" >&2; exit 2; }

work=$(mktemp -d /tmp/swiftrun-fixtures.XXXXXX)
chmod 0755 "$work"   # userns.json: container root (host uid 100000) must traverse the bundle path
state=$work/state
mkdir -p "$state"
netns=""
failed=0
warned=0
cleanup() {
    local d
    for d in "$state"/*/; do
        [[ -d $d ]] && "$runtime" --root "$state" delete -f "$(basename "$d")" >/dev/null 2>&1
    done
    [[ -n $netns ]] && ip netns del "$netns" 2>/dev/null
    # cgroups.json's cgroupsPath: the runtime removes the leaf, not its parent.
    for d in /sys/fs/cgroup/swiftrun-test /sys/fs/cgroup/*/swiftrun-test; do
        [[ -d $d ]] || continue
        [[ -d $d/fixture ]] && rmdir "$d/fixture" 2>/dev/null
        rmdir "$d" 2>/dev/null
    done
    if [[ $keep -eq 1 ]]; then echo "kept $work"; else rm -rf -- "$work"; fi
}
trap cleanup EXIT

"$here/make-bundle.sh" "$work/base" >/dev/null || exit 2

has_time_ns=0
if "$runtime" features 2>/dev/null | python3 -c 'import json,sys; sys.exit(0 if "time" in json.load(sys.stdin)["linux"]["namespaces"] else 1)' 2>/dev/null; then
    has_time_ns=1
fi

bundle_for() {      # bundle_for NAME -> echo dir: fresh bundle (cheap copy of base)
    local b=$work/$1
    rm -rf -- "$b"
    cp -a -- "$work/base" "$b"
    echo "$b"
}

run() {             # run ID BUNDLE -> sets out, err, rc
    local id=$1 b=$2
    out=$(cd "$b" && timeout 60 "$runtime" --root "$state" run -b "$b" "$id" </dev/null 2>"$work/$id.err")
    rc=$?
    err=$(<"$work/$id.err")
    "$runtime" --root "$state" delete -f "$id" >/dev/null 2>&1
}

expect() {          # expect NAME PATTERN... : each fixed string must be in $out
    local n=$1 p miss=0
    shift
    for p in "$@"; do
        if ! grep -qF -- "$p" <<<"$out"; then
            echo "  $n: output lacks: $p"
            miss=1
        fi
    done
    return $miss
}

result() {          # result NAME OK(0/1) [NOTE]
    if [[ $2 -eq 0 ]]; then printf 'ok    %s%s\n' "$1" "${3:+ ($3)}"; else
        printf 'FAIL  %s (rc=%s)%s\n' "$1" "$rc" "${3:+ ($3)}"
        [[ -n $err ]] && sed 's/^/  stderr: /' <<<"$err" | head -5
        [[ -n $out ]] && sed 's/^/  stdout: /' <<<"$out" | head -20
        failed=$((failed + 1))
    fi
}

run_config() {      # run_config NAME
    local n=$1 b note="" ok=0 id=sf-$1-$$
    local src=$here/configs/$n.json
    [[ -f $src ]] || { echo "FAIL  $n: no such fixture"; failed=$((failed + 1)); return; }
    b=$(bundle_for "$n")
    cp "$src" "$b/config.json"
    case $n in
    netns-join)
        netns=swiftrun-fixture-$$
        ip netns add "$netns" || { echo "FAIL  $n: ip netns add"; failed=$((failed + 1)); return; }
        sed -i "s|@NETNS@|/var/run/netns/$netns|" "$b/config.json"
        ;;
    full)
        if [[ $has_time_ns -eq 0 ]]; then
            python3 - "$b/config.json" <<'EOF'
import json, sys
p = sys.argv[1]; c = json.load(open(p))
c["linux"]["namespaces"] = [x for x in c["linux"]["namespaces"] if x["type"] != "time"]
c["linux"].pop("timeOffsets", None)
json.dump(c, open(p, "w"), indent=2)
EOF
            note="time namespace removed: $runtime features lacks it"
        fi
        ;;
    esac
    run "$id" "$b"
    [[ $rc -eq 0 ]] || ok=1
    case $n in
    default) expect "$n" "hello from swiftrun" || ok=1 ;;
    full)
        expect "$n" "uid: uid=1000(user) gid=1000(user) groups=10(wheel),20(dialout)" "umask: 0027" \
            "cwd: /tmp" "host: swiftrun-full " "nofile: 1024/1024 nproc: 1024/1024" \
            "oom: 100" "sysctl: 1 68719476736" "fuse: a:e5 660 0:1000" \
            "data: hello from the bundle data dir" "masked: []" "greeting: hello, world = 1" \
            "CapAmb:	0000000000000400" || ok=1
        # runc 1.1 ignores domainname (support came in runc 1.2): warn, don't fail.
        if ! grep -qF "host: swiftrun-full fixture.test" <<<"$out"; then
            echo "  WARN $n: domainname not set ($(grep '^host:' <<<"$out"))"; warned=$((warned + 1))
        fi
        # runc 1.1 also ignores process.ioPriority (a 1.2 field).
        if ! grep -qF "ionice: best-effort: prio 4" <<<"$out"; then
            echo "  WARN $n: ioPriority not applied ($(grep '^ionice:' <<<"$out"))"; warned=$((warned + 1))
        fi
        if [[ $has_time_ns -eq 1 ]]; then
            up=$(sed -n 's/^uptime: \([0-9]*\).*/\1/p' <<<"$out")
            [[ -n $up && $up -ge 172800 ]] || { echo "  $n: boottime offset not applied (uptime ${up:-?})"; ok=1; }
        fi
        ;;
    seccomp) expect "$n" "mkdir: 1" "linux32: 1" "linux64: 0" || ok=1 ;;
    userns) expect "$n" "uid=0(root) gid=0(root)" || ok=1
        [[ $(tr -s ' \t' ' ' <<<"$out") == *"uid_map: 0 100000 65536"* ]] || { echo "  $n: uid_map not 0 100000 65536"; ok=1; } ;;
    cgroups) expect "$n" "67108864" || ok=1 ;;
    hooks)
        expect "$n" "process" || ok=1
        for k in prestart createRuntime createContainer startContainer poststart poststop; do
            grep -q "^$k {" "$b/hooks/hooks.log" 2>/dev/null || { echo "  $n: hooks/hooks.log lacks a $k record"; ok=1; }
        done
        ;;
    netns-join)
        want="net:[$(stat -L -c %i "/var/run/netns/$netns")]"
        expect "$n" "$want" || ok=1
        ip netns del "$netns"; netns=""
        ;;
    esac
    result "$n" "$ok" "$note"
}

run_malformed() {   # run_malformed FILE SUBSTRING
    local f=$1 want=$2 b ok=0 id=sf-m$$
    b=$(bundle_for malformed)
    cp "$here/malformed/$f" "$b/config.json"
    run "$id" "$b"
    if [[ $rc -eq 0 ]]; then echo "  $f: accepted (exit 0)"; ok=1
    else
        grep -qF -- "config.json: " <<<"$err" || { echo "  $f: stderr lacks the 'config.json: ' prefix"; ok=1; }
        grep -qF -- "$want" <<<"$err" || { echo "  $f: stderr lacks: $want"; ok=1; }
    fi
    if [[ $ok -eq 0 ]]; then printf 'ok    %s\n' "$f"; else
        printf 'FAIL  %s (rc=%s) stderr: %s\n' "$f" "$rc" "$(head -c 200 <<<"$err" | tr '\n' ' ')"
        failed=$((failed + 1))
    fi
}

if [[ $mode == configs ]]; then
    if [[ ${#names[@]} -eq 0 ]]; then
        for f in "$here"/configs/*.json; do names+=("$(basename "$f" .json)"); done
    fi
    for n in "${names[@]}"; do run_config "$n"; done
else
    while IFS=$'\t' read -r f want; do
        [[ -z $f || $f == \#* ]] && continue
        if [[ ${#names[@]} -gt 0 ]]; then
            hit=0; for n in "${names[@]}"; do [[ ${f%.json} == "$n" ]] && hit=1; done
            [[ $hit -eq 1 ]] || continue
        fi
        run_malformed "$f" "$want"
    done <"$here/malformed/expected.txt"
fi
[[ $warned -eq 0 ]] || echo "$warned warning(s)"
exit $((failed > 125 ? 125 : failed))
