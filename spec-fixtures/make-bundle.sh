#!/usr/bin/env bash
# make-bundle.sh [DEST] [-- ARG...]
#
# Builds an OCI bundle at DEST (default: spec-fixtures/bundle) from Debian's
# busybox-static (/bin/busybox):
#
#   DEST/config.json   configs/default.json, with process.args = ARG... if given
#   DEST/rootfs/       busybox + one symlink per applet, /etc files, std dirs
#   DEST/data/         small directory for bind-mount fixtures (full.json)
#   DEST/hooks/        directory hooks.json's hooks append their records to
#
# The rootfs is built once into a cache (spec-fixtures/rootfs, or
# $SWIFTRUN_ROOTFS_CACHE) and copied (cp -a, a real directory: runc refuses a
# symlinked rootfs) into DEST/rootfs.  Re-running is idempotent: an up-to-date
# DEST/rootfs is reused as is, so a re-run takes a few milliseconds.
# No network is needed once busybox-static is installed.
set -euo pipefail

LAYOUT=3   # bump when the rootfs layout below changes: forces a rebuild

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
busybox=/bin/busybox

die() { printf 'make-bundle.sh: %s\n' "$*" >&2; exit 1; }
usage() {
    sed -n '2,16s/^# \{0,1\}//p' "${BASH_SOURCE[0]}"
    exit "${1:-0}"
}

# ---- arguments ---------------------------------------------------------------
dest=$here/bundle
have_args=0
args=()
if [[ $# -gt 0 ]]; then
    case $1 in
    -h|--help) usage 0 ;;
    --) ;;
    -*) die "unknown option '$1' (usage: make-bundle.sh [DEST] [-- ARG...])" ;;
    *) dest=$1; shift ;;
    esac
fi
if [[ $# -gt 0 ]]; then
    [[ $1 == -- ]] || die "unexpected argument '$1' (usage: make-bundle.sh [DEST] [-- ARG...])"
    shift
    [[ $# -gt 0 ]] || die "'--' must be followed by at least one argument"
    have_args=1
    args=("$@")
fi
[[ $dest == /* ]] || dest=$PWD/$dest

# ---- busybox-static ---------------------------------------------------------
if [[ ! -x $busybox ]]; then
    if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
        echo "make-bundle.sh: $busybox missing, installing busybox-static" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends busybox-static >&2 ||
            die "apt-get install busybox-static failed (try 'apt-get update' first)"
    else
        die "$busybox not found: install Debian's busybox-static (as root: apt-get install -y busybox-static)"
    fi
    [[ -x $busybox ]] || die "$busybox still missing after installing busybox-static"
fi

# ---- helpers -----------------------------------------------------------------
json_string() {     # JSON-encode $1 into the variable named $2
    local s=$1
    if [[ $s == *[$'\x01'-$'\x08\x0b\x0c\x0e'-$'\x1f']* ]]; then
        die "argument contains a control character (only \\n, \\t, \\r are supported): $(printf %q "$1")"
    fi
    s=${s//\\/\\\\}
    s=${s//\"/\\\"}
    s=${s//$'\n'/\\n}
    s=${s//$'\t'/\\t}
    s=${s//$'\r'/\\r}
    printf -v "$2" '"%s"' "$s"
}

stamp_of() {        # identity of the rootfs we would build
    local st
    st=$(stat -L -c '%s %Y %i' "$busybox")
    printf 'swiftrun-fixture-rootfs layout=%s busybox=%s\n' "$LAYOUT" "$st"
}

write_file() {      # write_file PATH MODE <<<content
    cat >"$1"
    chmod "$2" "$1"
}

build_rootfs() {    # build_rootfs DIR   (DIR must not exist)
    local r=$1
    if ldd "$busybox" >/dev/null 2>&1; then
        die "$busybox is dynamically linked; install busybox-static (not busybox)"
    fi
    mkdir -p "$r"
    (
        cd "$r"
        mkdir -p bin sbin usr/bin usr/sbin usr/local/bin etc proc sys dev tmp root \
            home/user mnt run var/tmp opt
        chmod 0755 . bin sbin usr usr/bin usr/sbin usr/local usr/local/bin etc proc sys dev \
            home home/user mnt run var opt
        chmod 1777 tmp var/tmp
        chmod 0700 root
        cp "$busybox" bin/busybox
        chmod 0755 bin/busybox

        # Every applet in /bin (relative links, so they also resolve from the host),
        # plus the applet's canonical location from --list-full when that is not /bin.
        mapfile -t applets < <("$busybox" --list)
        mapfile -t full < <("$busybox" --list-full)
        [[ ${#applets[@]} -gt 50 ]] || die "'busybox --list' returned only ${#applets[@]} applets"
        links=()
        for a in "${applets[@]}"; do
            [[ $a == busybox ]] || links+=("busybox" "bin/$a")
        done
        for p in "${full[@]}"; do
            case $p in
            bin/*) ;;
            sbin/*) links+=("../bin/busybox" "$p") ;;
            usr/bin/* | usr/sbin/*) links+=("../../bin/busybox" "$p") ;;
            esac
        done
        if command -v perl >/dev/null; then
            perl -e 'while (@ARGV) { my ($t, $l) = splice(@ARGV, 0, 2); symlink($t, $l) or die "symlink $l: $!\n" }' "${links[@]}"
        else
            for ((i = 0; i < ${#links[@]}; i += 2)); do ln -s "${links[i]}" "${links[i + 1]}"; done
        fi
        [[ -L bin/sh ]] || die "busybox has no 'sh' applet"

        write_file etc/passwd 0644 <<'EOF'
root:x:0:0:root:/root:/bin/sh
user:x:1000:1000:Fixture User:/home/user:/bin/sh
nobody:x:65534:65534:nobody:/nonexistent:/bin/false
EOF
        write_file etc/group 0644 <<'EOF'
root:x:0:
tty:x:5:
wheel:x:10:user
dialout:x:20:user
users:x:100:
user:x:1000:
nogroup:x:65534:
EOF
        write_file etc/hostname 0644 <<<'swiftrun'
        write_file etc/hosts 0644 <<'EOF'
127.0.0.1	localhost swiftrun
::1	localhost ip6-localhost ip6-loopback
EOF
        write_file etc/resolv.conf 0644 </dev/null
        write_file etc/nsswitch.conf 0644 <<'EOF'
passwd: files
group: files
hosts: files
EOF
        if [[ $EUID -eq 0 ]]; then
            chown 1000:1000 home/user
        fi
        stamp_of >etc/swiftrun-rootfs
        chmod 0644 etc/swiftrun-rootfs
    )
}

current() {         # current DIR: is DIR an up-to-date rootfs?
    [[ -f $1/etc/swiftrun-rootfs && -x $1/bin/busybox ]] &&
        [[ $(<"$1/etc/swiftrun-rootfs") == "$want" ]]
}

replace_rootfs() {  # replace_rootfs DIR SRC|"" : (re)create DIR atomically
    local dir=$1 src=$2 tmp
    tmp=$dir.tmp.$$
    rm -rf -- "$tmp"
    if [[ -n $src ]]; then
        cp -a -- "$src" "$tmp"
    else
        build_rootfs "$tmp"
    fi
    if [[ -e $dir || -L $dir ]]; then
        [[ -f $dir/etc/swiftrun-rootfs ]] ||
            { rm -rf -- "$tmp"; die "$dir exists but was not made by make-bundle.sh; remove it first"; }
        rm -rf -- "$dir"
    fi
    mv -- "$tmp" "$dir"
}

# ---- rootfs ------------------------------------------------------------------
want=$(stamp_of)
cache=${SWIFTRUN_ROOTFS_CACHE:-$here/rootfs}
[[ $cache == /* ]] || cache=$PWD/$cache
mkdir -p -- "$dest"
dest=$(cd -- "$dest" && pwd -P)

if ! current "$dest/rootfs"; then
    mkdir -p -- "$(dirname -- "$cache")"
    # Serialise concurrent callers (parallel tests) on the cache's parent dir.
    exec 9<"$(dirname -- "$cache")"
    flock 9 2>/dev/null || true
    if [[ $dest/rootfs -ef $cache ]]; then
        current "$cache" || replace_rootfs "$cache" ""
    else
        if ! current "$cache"; then
            if [[ -w $(dirname -- "$cache") ]]; then
                replace_rootfs "$cache" ""
            else
                cache=""  # read-only checkout: build straight into DEST
            fi
        fi
        current "$dest/rootfs" || replace_rootfs "$dest/rootfs" "$cache"
    fi
    exec 9<&-
fi

# ---- bundle directories --------------------------------------------------------
mkdir -p -- "$dest/data" "$dest/hooks"
chmod 0755 "$dest/data" "$dest/hooks"
[[ -f $dest/data/hello.txt ]] || echo 'hello from the bundle data dir' >"$dest/data/hello.txt"

# ---- config.json ---------------------------------------------------------------
src=$here/configs/default.json
[[ -f $src ]] || die "$src not found"
out=$dest/config.json.tmp.$$
replaced=0
{
    while IFS= read -r line || [[ -n $line ]]; do
        if [[ $have_args -eq 1 && $line =~ ^([[:space:]]*)\"args\":\ \[.*\],[[:space:]]*$ ]]; then
            indent=${BASH_REMATCH[1]}
            arr=""
            for a in "${args[@]}"; do
                json_string "$a" enc
                arr+="${arr:+, }$enc"
            done
            printf '%s"args": [%s],\n' "$indent" "$arr"
            replaced=$((replaced + 1))
        else
            printf '%s\n' "$line"
        fi
    done <"$src"
} >"$out"
if [[ $have_args -eq 1 && $replaced -ne 1 ]]; then
    rm -f -- "$out"
    die "expected exactly one single-line \"args\": [...] in $src, found $replaced"
fi
mv -- "$out" "$dest/config.json"
