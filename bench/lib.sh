# Shared by bench/run and bench/profile (sourced, bash).  Expects: set -euo pipefail.
#
#   bench_deps PKG...        apt-get install the Debian packages whose command is missing
#   bench_swiftrun BUILD BIN sets $swiftrun (builds .build-bench release when BUILD=1 and BIN="")
#   bench_tmp KEEP           sets $tmp, $tag; installs the EXIT trap (containers, cgroups, tmp)
#   bench_bundle NAME ARG... builds bundle $tmp/NAME with process.args ARG... (ociVersion 1.0.2-dev)
#   bench_ns CMD...          runs CMD where crun 1.8.1 works (see bench/README.md); sets $cgroups

bench_here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
bench_repo=$(cd -- "$bench_here/.." && pwd)
bench_ctrl=/sys/fs/cgroup/unified/cgroup.controllers

die() { printf 'bench: %s\n' "$*" >&2; exit 1; }

bench_deps() {   # bench_deps [cmd:package ...]
    local need=() x cmd pkg
    for x in runc:runc crun:crun /usr/bin/time:time python3:python3 unshare:util-linux "$@"; do
        cmd=${x%%:*} pkg=${x#*:}
        command -v "$cmd" >/dev/null || need+=("$pkg")
    done
    if [[ ! -x /bin/busybox ]] || ldd /bin/busybox >/dev/null 2>&1; then need+=(busybox-static); fi
    [[ ${#need[@]} -gt 0 ]] || return 0
    echo "bench: installing ${need[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null 2>&1 ||
        { apt-get update -qq >/dev/null 2>&1 &&
          apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null; } ||
        die "apt-get install ${need[*]} failed"
}

bench_swiftrun() {   # bench_swiftrun BUILD BIN
    swiftrun=$2
    if [[ -z $swiftrun ]]; then
        swiftrun=$bench_repo/.build-bench/release/swiftrun
        if [[ $1 -eq 1 ]]; then
            echo "bench: building swiftrun (release, scratch .build-bench)" >&2
            (cd "$bench_repo" && swift build -c release --scratch-path .build-bench --product swiftrun >&2) ||
                die "swift build failed"
        fi
    fi
    [[ -x $swiftrun ]] || die "swiftrun binary $swiftrun not found (build it or pass --swiftrun)"
    swiftrun=$(readlink -f "$swiftrun")
    runc=$(readlink -f "$(command -v runc)")
    crun=$(readlink -f "$(command -v crun)")
}

bench_cleanup() {
    local rc=$? rt bin root id
    set +e
    for rt in swiftrun runc crun; do
        bin=${!rt}; root=$tmp/root-$rt
        [[ -d $root && -n $bin ]] || continue
        for id in $("$bin" --root "$root" list -q 2>/dev/null); do
            [[ $id == "$tag"-* ]] && "$bin" --root "$root" delete --force "$id" >/dev/null 2>&1
        done
    done
    # leftover cgroups (all three: <id> below the caller's cgroup)
    find /sys/fs/cgroup -mindepth 2 -maxdepth 6 -depth -type d -name "$tag-*" -exec rmdir {} + 2>/dev/null
    if [[ $bench_keep -eq 1 ]]; then echo "bench: kept $tmp" >&2; else rm -rf -- "$tmp"; fi
    exit "$rc"
}

bench_tmp() {   # bench_tmp KEEP
    bench_keep=$1
    tag=bench-$$
    tmp=$(mktemp -d /tmp/swiftrun-bench.XXXXXX)
    trap bench_cleanup EXIT
    trap 'exit 130' INT TERM
    export SWIFTRUN_ROOTFS_CACHE=$tmp/rootfs-cache   # keep the repo's spec-fixtures/ untouched
}

bench_bundle() {   # bench_bundle NAME ARG...
    "$bench_repo/spec-fixtures/make-bundle.sh" "$tmp/$1" -- "${@:2}" >/dev/null
    # crun 1.8.1 accepts only ociVersion 1.0.x
    sed -i 's/"ociVersion": *"[^"]*"/"ociVersion": "1.0.2-dev"/' "$tmp/$1/config.json"
}

bench_ns() {   # bench_ns CMD...
    if [[ -f $bench_ctrl ]]; then
        # Hybrid host: crun 1.8.1 refuses it unless cgroup2 shows no controllers. Run CMD (and
        # so all three runtimes) in a private mount namespace with that file emptied.
        cgroups="hybrid (v1 controllers + $(dirname $bench_ctrl)); all runtimes run in a private mount ns with /dev/null bound over $bench_ctrl"
        unshare -m --propagation private -- sh -c 'mount --bind /dev/null "$0" && exec "$@"' "$bench_ctrl" "$@"
    else
        cgroups=$(stat -f -c %T /sys/fs/cgroup)
        "$@"
    fi
}
