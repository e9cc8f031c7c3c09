#!/usr/bin/env bash
# conformance/v2-vm/run.sh — exercise swiftrun's cgroup v2 driver on a PURE cgroup v2 host.
#
# Boots Debian's kernel (linux-image-amd64) under qemu (TCG, no KVM needed) with
# cgroup_no_v1=all and a small busybox initramfs holding a static swiftrun and two
# bundles. The guest's /init switch_roots into a tmpfs (so swiftrun's pivot_root works),
# mounts cgroup2 (nsdelegate), enables +cpu +memory +pids +io +cpuset, runs the checks
# and prints "SRVM PASS <name>" / "SRVM FAIL <name>: <detail>" lines on the console.
# This script greps them, prints a summary and exits non-zero on any FAIL (or no result).
#
# Needs (as root): apt-get install -y qemu-system-x86 linux-image-amd64 busybox-static cpio
# Env: SWIFTRUN_BIN   static swiftrun binary (default: build .build-vm/release/swiftrun)
#      VM_TIMEOUT     seconds before the VM is killed (default 300)
#      KEEP_WORK=1    keep the temporary work dir (initramfs, console log)
set -euo pipefail

here=$(cd -- "$(dirname -- "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd -- "$here/../.." && pwd)
die() { printf 'v2-vm: %s\n' "$*" >&2; exit 2; }

for t in qemu-system-x86_64 cpio gzip python3 file; do
    command -v "$t" >/dev/null || die "$t not found (apt-get install -y qemu-system-x86 linux-image-amd64 busybox-static cpio)"
done
[[ -x /bin/busybox ]] || die "/bin/busybox missing (apt-get install -y busybox-static)"
kernel=$(ls -1 /boot/vmlinuz-* 2>/dev/null | sort -V | tail -n1)
[[ -n $kernel && -r $kernel ]] || die "no readable /boot/vmlinuz-* (apt-get install -y linux-image-amd64)"

# ---- static swiftrun ---------------------------------------------------------------
bin=${SWIFTRUN_BIN:-}
if [[ -z $bin ]]; then
    bin=$repo/.build-vm/release/swiftrun
    echo "v2-vm: building static swiftrun (swift build -c release --scratch-path .build-vm)" >&2
    (cd "$repo" && swift build -c release --scratch-path .build-vm --product swiftrun >&2)
fi
[[ -x $bin ]] || die "swiftrun binary $bin not found"
file -L "$bin" | grep -q 'statically linked' || die "$bin is not statically linked (file: $(file -L "$bin"))"

# ---- work dir / initramfs tree ---------------------------------------------------------
work=$(mktemp -d /tmp/swiftrun-v2vm.XXXXXX)
[[ ${KEEP_WORK:-0} == 1 ]] || trap 'rm -rf -- "$work"' EXIT
root=$work/initramfs
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,run,newroot,etc}
cp /bin/busybox "$root/bin/busybox"
for a in $(/bin/busybox --list); do
    [[ $a == busybox ]] || ln -sf busybox "$root/bin/$a"
done
if command -v strip >/dev/null; then strip -o "$root/bin/swiftrun" "$bin"; else cp "$bin" "$root/bin/swiftrun"; fi
chmod 0755 "$root/bin/swiftrun"

# Bundles: c1 = one-shot `run` printing its own cgroup limits + device checks,
#          c2 = long-running `sleep 30` for create/start/pause/resume/update/ps/delete.
inner='echo CG_BEGIN; cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/pids.max /sys/fs/cgroup/cpu.max; echo CG_END;
cat /proc/self/cgroup;
head -c1 /dev/zero >/dev/null && echo DEV_ZERO_OK || echo DEV_ZERO_FAIL;
echo x >/dev/null && echo DEV_NULL_OK || echo DEV_NULL_FAIL;
if err=$(head -c1 /dev/kmsg 2>&1 >/dev/null); then echo KMSG_READABLE; else echo "KMSG_DENIED $err"; fi;
( for i in $(seq 40); do sleep 2 & done ) 2>/dev/null; echo "PIDS_EVENTS $(cat /sys/fs/cgroup/pids.events)"'
"$repo/spec-fixtures/make-bundle.sh" "$root/bundles/c1" -- sh -c "$inner" >/dev/null
"$repo/spec-fixtures/make-bundle.sh" "$root/bundles/c2" -- sleep 30 >/dev/null
# c3: memory.max enforcement — busybox tail -c buffers 80 MB > 64 MB limit: OOM-killed.
"$repo/spec-fixtures/make-bundle.sh" "$root/bundles/c3" -- sh -c 'head -c 80000000 /dev/zero | tail -c 80000000 | wc -c' >/dev/null
rm -rf "$root/bundles/c3/data" "$root/bundles/c3/hooks" "$root/bundles/c1/data" "$root/bundles/c1/hooks" "$root/bundles/c2/data" "$root/bundles/c2/hooks"
python3 - "$root/bundles" <<'EOF'
import json, sys
for name in ("c1", "c2", "c3"):
    p = f"{sys.argv[1]}/{name}/config.json"
    c = json.load(open(p))
    lin = c.setdefault("linux", {})
    lin["cgroupsPath"] = f"/swiftrun-vm/{name}"
    lin["resources"] = {
        "memory": {"limit": 67108864},
        "pids": {"limit": 32},
        **({} if name == "c3" else {"cpu": {"quota": 50000, "period": 100000}}),
        "devices": [
            {"allow": False, "access": "rwm"},
            {"allow": True, "type": "c", "major": 1, "minor": 3, "access": "rwm"},
        ],
    }
    if name == "c1":
        # /dev/kmsg (c 1:11) bind-mounted from the guest: present in the container but
        # in no allow rule (bind mounts add none; runc's defaults do not include 1:11).
        c["mounts"].append({"destination": "/dev/kmsg", "type": "bind", "source": "/dev/kmsg",
                            "options": ["bind", "nosuid", "noexec"]})
    json.dump(c, open(p, "w"), indent=2)
EOF

cp "$here/guest-init.sh" "$root/init"
chmod 0755 "$root/init"

(cd "$root" && find . -print0 | cpio --null -o -H newc --quiet) | gzip -1 >"$work/initramfs.gz"
echo "v2-vm: initramfs $(du -h "$work/initramfs.gz" | cut -f1), kernel $kernel" >&2

# ---- boot --------------------------------------------------------------------------
log=$work/console.log
start=$(date +%s)
set +e
timeout "${VM_TIMEOUT:-300}" qemu-system-x86_64 -machine q35 -accel tcg -cpu max -smp 2 -m 1024 \
    -nographic -no-reboot -nodefaults -serial stdio -monitor none \
    -kernel "$kernel" -initrd "$work/initramfs.gz" \
    -append 'console=ttyS0 cgroup_no_v1=all panic=-1 quiet' </dev/null >"$log" 2>&1
qrc=$?
set -e
secs=$(( $(date +%s) - start ))
tr -d '\r' <"$log" >"$log.clean"
if [[ ${VERBOSE:-0} == 1 ]]; then cat "$log.clean"; fi

# ---- summary --------------------------------------------------------------------------
echo "=== swiftrun cgroup v2 VM conformance (kernel $(basename "$kernel"), ${secs}s, qemu rc=$qrc) ==="
# markers may follow console escape sequences on the same line: match anywhere
grep -aoE 'SRVM (PASS|FAIL|INFO|DONE).*' "$log.clean" >"$work/markers" || true
grep -E '^SRVM (PASS|FAIL|INFO)' "$work/markers" || true
npass=$(grep -c '^SRVM PASS' "$work/markers" || true)
nfail=$(grep -c '^SRVM FAIL' "$work/markers" || true)
done_=$(grep -c '^SRVM DONE' "$work/markers" || true)
[[ $done_ -ge 1 ]] || echo "v2-vm: the guest did NOT finish"
echo "v2-vm: $npass passed, $nfail failed"
if [[ $nfail -ne 0 || $done_ -lt 1 || $npass -eq 0 ]]; then
    echo "--- console (last 80 lines) ---"
    tail -n 80 "$log.clean"
    exit 1
fi
exit 0
