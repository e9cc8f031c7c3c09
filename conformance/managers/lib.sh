# Shared by podman.sh, containerd.sh and docker.sh (sourced; each defines die() first).

# mgr_install PKG...: apt-get install what is not installed yet ("install ok installed";
# `dpkg -s` also succeeds for a removed package that left its config files). A policy-rc.d
# saying 101 keeps the packages' postinst from starting system daemons (containerd, docker)
# and is put back as it was afterwards. Waits for another apt holding the lock.
mgr_install() {
    local need=() p
    for p in "$@"; do
        [[ $(dpkg-query -W -f='${Status}' "$p" 2>/dev/null) == "install ok installed" ]] || need+=("$p")
    done
    ((${#need[@]})) || return 0
    echo "installing: ${need[*]}" >&2
    local prc=/usr/sbin/policy-rc.d saved="" st
    if [[ -e $prc ]]; then saved=$(mktemp); cp -p "$prc" "$saved"; fi
    printf '#!/bin/sh\nexit 101\n' >"$prc"; chmod 0755 "$prc"
    _mgr_apt() {
        DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 install -y -qq \
            --no-install-recommends "$@" >/dev/null 2>&1
    }
    _mgr_apt "${need[@]}" ||
        { apt-get -o DPkg::Lock::Timeout=300 update -qq >/dev/null 2>&1 && _mgr_apt "${need[@]}"; }
    st=$?
    if [[ -n $saved ]]; then mv -f "$saved" "$prc"; else rm -f "$prc"; fi
    ((st == 0)) || die "apt-get install ${need[*]} failed"
}

# mgr_runtime [RUNTIME]: sets RT to RUNTIME (a path or a command name), else to
# .build/release/swiftrun, else builds swiftrun into .build-mgr.
mgr_runtime() {
    local repo
    repo=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")/../.." && pwd)
    RT=${1:-}
    if [[ -z $RT ]]; then
        if [[ -x $repo/.build/release/swiftrun ]]; then
            RT=$repo/.build/release/swiftrun
        else
            if [[ ! -x $repo/.build-mgr/release/swiftrun ]]; then
                (cd "$repo" && swift build -c release --scratch-path .build-mgr --product swiftrun >&2) ||
                    die "swift build failed"
            fi
            RT=$repo/.build-mgr/release/swiftrun
        fi
    fi
    [[ -x $RT ]] || RT=$(command -v "$RT") || die "runtime '$1' not found"
    RT=$(realpath -e "$RT")
}

# expect DESC ACTUAL WANTED: one checked value, logged.
expect() {
    if [[ $2 == "$3" ]]; then echo "ok: $1 = '$2'"; return 0; fi
    echo "FAIL: $1: got '$2', want '$3'"; return 1
}

# mgr_tty WANT_RC CMD...: run CMD on a pty (script(1)); its output (without \r and NUL) must
# name a /dev/pts/N and it must exit WANT_RC.
mgr_tty() {
    local want=$1 q out rc ok=0; shift
    q=$(printf '%q ' "$@")
    out=$(timeout 60 script -qec "$q" /dev/null </dev/null 2>&1); rc=$?
    out=$(tr -d '\0\r' <<<"$out"); echo "$out"
    expect rc $rc "$want" || ok=1
    [[ $out == *"/dev/pts/"* ]] || { echo "FAIL: tty is not /dev/pts/N"; ok=1; }
    return $ok
}

# mgr_table WIDTH: the scenario x runtime table from SCEN, DESC, RES[<runtime name>,<scenario>]
# and RUNTIMES (paths or names); non-zero if any cell is FAIL.
mgr_table() {
    local w=$1 s rt bad=0
    printf "\n%-${w}s" scenario
    for rt in "${RUNTIMES[@]}"; do printf ' %-9s' "$(basename "$rt")"; done; echo
    for s in "${SCEN[@]}"; do
        printf "%-${w}s" "${DESC[$s]}"
        for rt in "${RUNTIMES[@]}"; do
            printf ' %-9s' "${RES[$(basename "$rt"),$s]}"
            [[ ${RES[$(basename "$rt"),$s]} == FAIL ]] && bad=1
        done; echo
    done
    echo "logs: $LOGDIR"
    return $bad
}
