#!/bin/sh
# /init of the v2-vm initramfs (busybox ash). Stage 1 (initramfs, PID 1): copy everything
# into a tmpfs and switch_root there — pivot_root(2) fails on the initramfs root, and
# swiftrun uses pivot_root. Stage 2 (tmpfs root): mount cgroup2, run the checks.
export PATH=/bin:/sbin

if [ "$1" != stage2 ]; then
    mount -t proc proc /proc
    mount -t tmpfs -o mode=0755,size=400m tmpfs /newroot
    for d in bin bundles etc init; do cp -a "/$d" /newroot/; done
    mkdir -p /newroot/proc /newroot/sys /newroot/dev /newroot/tmp /newroot/run
    umount /proc
    exec switch_root /newroot /init stage2
    echo "SRVM FAIL switch_root: exec failed"; poweroff -f
fi

mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs -o mode=0755 tmpfs /run
mount --make-rprivate / 2>/dev/null
echo

pass() { echo "SRVM PASS $*"; }
fail() { echo "SRVM FAIL $*"; }
info() { echo "SRVM INFO $*"; }
check() {   # check NAME EXPECTED ACTUAL
    if [ "$2" = "$3" ]; then pass "$1 ($3)"; else fail "$1: expected '$2', got '$3'"; fi
}

if ! grep -q cgroup2 /proc/filesystems; then fail "kernel has no cgroup2"; fi
if mount -t cgroup2 -o nsdelegate cgroup2 /sys/fs/cgroup; then
    pass "mount cgroup2 nsdelegate"
else
    fail "mount cgroup2 nsdelegate"; mount -t cgroup2 cgroup2 /sys/fs/cgroup
fi
v1=$(awk 'NR>1 && $2!=0 {print $1}' /proc/cgroups | tr '\n' ' ')
[ -z "$v1" ] && pass "pure cgroup v2: no controller bound to a v1 hierarchy (/proc/cgroups)" || fail "v1 hierarchies in use: $v1"
info "cgroup.controllers: $(cat /sys/fs/cgroup/cgroup.controllers)"
for c in cpu memory pids io cpuset; do
    echo "+$c" >/sys/fs/cgroup/cgroup.subtree_control 2>/dev/null || info "could not enable +$c"
done
check "root subtree_control" "cpuset cpu io memory pids" "$(cat /sys/fs/cgroup/cgroup.subtree_control)"
info "kernel $(uname -r), swiftrun $(swiftrun --version 2>&1 | head -n1)"

SR="swiftrun --root /run/swiftrun"
CG=/sys/fs/cgroup/swiftrun-vm

# ---- 1. run: limits seen from inside (cgroup namespace), device rules -----------------
out=$($SR run --bundle /bundles/c1 c1 2>&1 </dev/null); rc=$?
echo "$out" | sed 's/^/  c1| /'
check "run c1 exit status" 0 "$rc"
lim=$(echo "$out" | sed -n '/^CG_BEGIN$/,/^CG_END$/p' | sed '1d;$d' | tr '\n' '|')
check "inside memory.max|pids.max|cpu.max" "67108864|32|50000 100000|" "$lim"
check "inside /proc/self/cgroup (cgroupns root)" "0::/" "$(echo "$out" | grep '^0::')"
echo "$out" | grep -q '^DEV_ZERO_OK$' && pass "device allow: read /dev/zero (runc default rule)" || fail "device allow: read /dev/zero"
echo "$out" | grep -q '^DEV_NULL_OK$' && pass "device allow: write /dev/null (c 1:3 rule)" || fail "device allow: write /dev/null"
if echo "$out" | grep -q '^KMSG_DENIED.*Operation not permitted'; then
    pass "device deny: open /dev/kmsg (c 1:11) -> EPERM"
else
    fail "device deny: /dev/kmsg: $(echo "$out" | grep KMSG_)"
fi
pe=$(echo "$out" | sed -n 's/^PIDS_EVENTS max //p')
[ -n "$pe" ] && [ "$pe" -gt 0 ] && pass "pids.max=32 enforced (pids.events max $pe)" || fail "pids limit not hit: $(echo "$out" | grep PIDS_EVENTS)"
[ -e $CG/c1 ] && fail "run c1: cgroup $CG/c1 left behind" || pass "run c1: cgroup removed after exit"

# ---- 2. create/start/pause/resume/update/events/ps/delete ------------------------------
$SR create --bundle /bundles/c2 c2 </dev/null >/tmp/c2.out 2>&1; rc=$?
check "create c2" 0 "$rc"; [ $rc = 0 ] || cat /tmp/c2.out
st() { $SR state c2 2>&1 | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p'; }
check "state after create" created "$(st)"
[ -d $CG/c2 ] && pass "cgroup $CG/c2 exists" || fail "cgroup $CG/c2 missing"
check "host view memory.max" 67108864 "$(cat $CG/c2/memory.max 2>&1)"
check "host view pids.max" 32 "$(cat $CG/c2/pids.max 2>&1)"
check "host view cpu.max" "50000 100000" "$(cat $CG/c2/cpu.max 2>&1)"
info "c2 cgroup.controllers: $(cat $CG/c2/cgroup.controllers 2>&1)"
$SR start c2 >>/tmp/c2.out 2>&1; rc=$?
check "start c2" 0 "$rc"
sleep 1
check "state after start" running "$(st)"
pid=$($SR state c2 | sed -n 's/.*"pid": *\([0-9]*\).*/\1/p')
grep -qx "$pid" $CG/c2/cgroup.procs 2>/dev/null && pass "init pid $pid in $CG/c2/cgroup.procs" || fail "pid '$pid' not in cgroup.procs ($(cat $CG/c2/cgroup.procs 2>&1))"

out=$($SR pause c2 2>&1); rc=$?
check "pause c2" 0 "$rc"; [ $rc = 0 ] || echo "$out"
check "cgroup.events frozen after pause" "frozen 1" "$(grep frozen $CG/c2/cgroup.events)"
check "state after pause" paused "$(st)"
out=$($SR resume c2 2>&1); rc=$?
check "resume c2" 0 "$rc"; [ $rc = 0 ] || echo "$out"
check "cgroup.events frozen after resume" "frozen 0" "$(grep frozen $CG/c2/cgroup.events)"
check "state after resume" running "$(st)"

out=$($SR update --memory 128M c2 2>&1); rc=$?
check "update --memory 128M" 0 "$rc"; [ $rc = 0 ] || echo "$out"
check "memory.max after update" 134217728 "$(cat $CG/c2/memory.max)"
out=$($SR update --pids-limit 64 --cpu-quota 25000 c2 2>&1); rc=$?
check "update --pids-limit 64 --cpu-quota 25000" 0 "$rc"; [ $rc = 0 ] || echo "$out"
check "pids.max after update" 64 "$(cat $CG/c2/pids.max)"
check "cpu.max after update" "25000 100000" "$(cat $CG/c2/cpu.max)"

out=$($SR events --stats c2 2>&1); rc=$?
check "events --stats exit" 0 "$rc"
echo "$out" | head -c 600 | sed 's/^/  events| /'; echo
if echo "$out" | grep -q '"type": *"stats"' && echo "$out" | grep -q '"memory"' && echo "$out" | grep -q '"pids"'; then
    pcur=$(echo "$out" | tr -d ' \n' | sed -n 's/.*"pids":{"current":\([0-9]*\).*/\1/p')
    pass "events --stats: type stats with memory+pids (pids.current=$pcur)"
else
    fail "events --stats: unexpected output"
fi

out=$($SR ps c2 2>&1); rc=$?
check "ps exit" 0 "$rc"
echo "$out" | sed 's/^/  ps| /'
echo "$out" | grep -q "^ *[a-z0-9]* *$pid .*sleep" && pass "ps lists pid $pid (sleep)" || \
    { echo "$out" | grep -qw "$pid" && pass "ps lists pid $pid" || fail "ps does not list pid $pid"; }

out=$($SR delete --force c2 2>&1); rc=$?
check "delete --force c2" 0 "$rc"; [ $rc = 0 ] || echo "$out"
sleep 0.3
[ -e $CG/c2 ] && fail "cgroup $CG/c2 still exists after delete ($(cat $CG/c2/cgroup.procs 2>&1))" || pass "cgroup $CG/c2 removed by delete"
[ -d /proc/$pid ] && fail "pid $pid still alive after delete --force" || pass "container init $pid killed"
$SR state c2 >/dev/null 2>&1 && fail "state c2 still succeeds after delete" || pass "state c2 gone after delete"

# ---- 3. memory.max enforcement (separate container: the OOM kill is the point) -----
$SR create --bundle /bundles/c3 c3 </dev/null >/tmp/c3.out 2>&1 && $SR start c3 >>/tmp/c3.out 2>&1
check "create+start c3" 0 "$?"
i=0; while [ $i -lt 120 ] && [ "$($SR state c3 2>&1 | sed -n 's/.*"status": *"\([a-z]*\)".*/\1/p')" != stopped ]; do sleep 0.5; i=$((i+1)); done
ev=$(grep -E '^(max|oom|oom_kill) ' $CG/c3/memory.events 2>&1 | tr '\n' ' ')
n=$(grep -o '^[0-9]*' /tmp/c3.out | tail -n1)
ok=$(echo "$ev" | sed -n 's/.*oom_kill \([0-9]*\).*/\1/p')
if [ -n "$ok" ] && [ "$ok" -gt 0 ] && [ "$n" != 80000000 ]; then
    pass "memory.max=64M enforced: 80MB buffer OOM-killed (memory.events: $ev)"
else
    fail "memory limit not enforced: memory.events '$ev', output '$(cat /tmp/c3.out)'"
fi
$SR delete --force c3 >/dev/null 2>&1; [ -e $CG/c3 ] && fail "cgroup c3 left after delete" || pass "cgroup c3 removed by delete"

info "left under $CG (parent, as runc leaves it): [$(find $CG -mindepth 1 -type d | tr '\n' ' ')]"
echo "SRVM DONE"
sync
poweroff -f
