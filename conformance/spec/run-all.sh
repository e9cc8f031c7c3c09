#!/usr/bin/env bash
# run-all.sh: run the spec conformance slice (run.py) against swiftrun, runc and
# crun and print a side-by-side table runtime x check plus totals.
# Extra arguments (e.g. --only PATTERN) are passed to run.py.
# SWIFTRUN=/path/to/swiftrun selects the swiftrun binary (default .build/release/swiftrun,
# built if missing).
set -uo pipefail
here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/../.." && pwd)
swiftrun=${SWIFTRUN:-$repo/.build/release/swiftrun}
if [[ -n ${SWIFTRUN:-} && ! -x $swiftrun ]]; then
    echo "run-all.sh: SWIFTRUN=$swiftrun is not executable" >&2; exit 1
fi
if [[ ! -x $swiftrun ]]; then
    (cd "$repo" && swift build -c release) || { echo "run-all.sh: swift build failed" >&2; exit 1; }
fi
# the peers, and what run.py needs (static C checker, busybox rootfs, ip)
missing=()
for p in runc crun gcc libc6-dev busybox-static iproute2 python3 util-linux; do
    [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || missing+=("$p")
done
if [[ ${#missing[@]} -gt 0 ]]; then
    echo "run-all.sh: installing ${missing[*]}" >&2
    inst() { DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq --no-install-recommends "${missing[@]}" >&2; }
    inst || { apt-get -o DPkg::Lock::Timeout=300 update -qq >&2 && inst; } ||
        { echo "run-all.sh: apt-get install ${missing[*]} failed" >&2; exit 1; }
fi
work=$(mktemp -d /tmp/swift-test-conf-all.XXXXXX)
trap 'rm -rf -- "$work"' EXIT
# crun 1.8.1 refuses this hybrid cgroup host; hide cgroup2's controllers file in a private
# mount namespace.  --propagation slave (not unshare's default "private"): host mounts still
# propagate into crun's namespace (the shared source of the rslave/rootfsPropagation checks
# stays a peer it is a slave of), while the bind over cgroup.controllers never reaches the host.
cat >"$work/crun" <<'W'
#!/bin/sh
exec unshare -m --propagation slave sh -c 'mount --bind /dev/null /sys/fs/cgroup/unified/cgroup.controllers && exec /usr/bin/crun "$@"' crun "$@"
W
chmod 755 "$work/crun"
names=(swiftrun runc crun)
bins=("$swiftrun" /usr/sbin/runc "$work/crun")
rc=0
# crun 1.8.1 chowns the HOST's /dev/null when it binds it into a user-namespace container
# (seen here: 0:0 -> 100000:200000 after the ns.user check). Put the owner back after each runtime.
devnull_owner=$(stat -c %u:%g /dev/null)
for i in "${!names[@]}"; do
    echo "== ${names[i]}: ${bins[i]}" >&2
    python3 "$here/run.py" "${bins[i]}" "$@" >"$work/${names[i]}.tap" || rc=1
    tail -1 "$work/${names[i]}.tap" >&2
    if [[ $(stat -c %u:%g /dev/null) != "$devnull_owner" ]]; then
        echo "run-all: ${names[i]} changed the owner of the host's /dev/null to $(stat -c %u:%g /dev/null); restoring $devnull_owner" >&2
        chown "$devnull_owner" /dev/null
    fi
done
python3 - "$work" "${names[@]}" <<'PY'
import re, sys
work, names = sys.argv[1], sys.argv[2:]
res, order, reasons = {}, [], {}
for n in names:
    res[n] = {}
    for line in open(f"{work}/{n}.tap"):
        m = re.match(r"(not ok|ok) \d+ - (\S+)(?: # (.*))?", line.rstrip("\n"))
        if not m:
            continue
        d = m[3] or ""
        if m[1] == "not ok":
            st = "known" if d.startswith("TODO") else "fail"   # known: TODO, no peer passes
        else:
            st = "skip" if d.startswith("SKIP") else "pass"
        if m[2] not in order:
            order.append(m[2])
        res[n][m[2]] = st
        if st in ("fail", "known"):
            reasons[(n, m[2])] = d
w = max(len(c) for c in order) if order else 10
print(f"{'check':<{w}}  " + "  ".join(f"{n:<8}" for n in names))
for c in order:
    print(f"{c:<{w}}  " + "  ".join(f"{res[n].get(c, '-'):<8}" for n in names))
print()
for n in names:
    v = list(res[n].values())
    print(f"{n:<8} {len(v)} checks: {v.count('pass')} passed, {v.count('fail') + v.count('known')} failed "
          f"({v.count('known')} known), {v.count('skip')} skipped")
print("\n(known = TAP TODO: a check no reference runtime passes; see checks/harness.py KNOWN)")
worse = [(c, p) for c in order if res[names[0]].get(c) in ("fail", "known")
         for p in names[1:] if res[p].get(c) == "pass"]
if worse:
    print(f"\n{names[0]} fails where a peer passes:")
    seen = set()
    for c, p in worse:
        if c in seen:
            continue
        seen.add(c)
        peers = ",".join(q for q in names[1:] if res[q].get(c) == "pass")
        print(f"  {c} (passes on {peers}): {reasons.get((names[0], c), '')[:200]}")
PY
exit $rc
