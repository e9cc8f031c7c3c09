"""linux.resources (config-linux.md "Control groups"): the values the runtime wrote,
read from inside the container through its cgroup namespace and the configured
read-only `cgroup` mount at /sys/fs/cgroup (cgroupsPath /swift-test-conf/<id> is
the namespace root, so /sys/fs/cgroup/<ctrl>/<file> is the container's own file).

This host is hybrid: cgroup v1 controllers under /sys/fs/cgroup/<ctrl>, cgroup2
at /sys/fs/cgroup/unified holding only hugetlb.  The checks use the v1 file names;
on a host without a v1 hierarchy for a controller they are skipped, and
controllers with no usable v1 file here (blkio weight without CFQ/BFQ weight
files, hugetlb, net_cls/net_prio) are skipped with the reason."""
import os

from .harness import check_facts, eqf

V1 = "/sys/fs/cgroup"
MiB = 1 << 20


_probe = {}


def v1_has(ctrl, fname=None):
    """Is CTRL a v1 hierarchy here with FNAME in a non-root cgroup?  (Some files, e.g.
    pids.max, exist only below the root: looked up in a probe cgroup made and removed at once.)"""
    d = os.path.join(V1, ctrl)
    if not os.path.isdir(d) or os.path.exists(os.path.join(d, "cgroup.controllers")):
        return False
    if fname is None or os.path.exists(os.path.join(d, fname)):
        return True
    if ctrl not in _probe:
        pd = os.path.join(d, f"swift-test-conf-probe-{os.getpid()}")
        try:
            os.mkdir(pd)
            _probe[ctrl] = set(os.listdir(pd))
        except OSError:
            _probe[ctrl] = set()
        finally:
            try:
                os.rmdir(pd)
            except OSError:
                pass
    return fname in _probe[ctrl]


def block_device():
    """major:minor of a real block device for the blkio throttle rules (the kernel accepts
    only existing disks), preferring non-loop/zram devices."""
    try:
        names = sorted(os.listdir("/sys/block"), key=lambda n: (n.startswith(("loop", "zram", "ram")), n))
    except OSError:
        return None
    for n in names:
        try:
            with open(f"/sys/block/{n}/dev") as f:
                ma, mi = f.read().strip().split(":")
            return int(ma), int(mi)
        except (OSError, ValueError):
            continue
    return None


# check name -> (resources section, key, config value, v1 controller, file, expected first line).
# Each is configured only when its v1 file exists here (a runtime may rightly refuse a value it
# cannot write, which would fail every check in the container); otherwise the check is skipped.
# No cpu "idle" in this container: an idle cgroup has the minimum weight (cpu.shares reads 3).
VALUES = {
    "linux.resources.memory.limit": ("memory", "limit", 64 * MiB, "memory", "memory.limit_in_bytes", str(64 * MiB)),
    "linux.resources.memory.reservation": ("memory", "reservation", 32 * MiB, "memory",
                                           "memory.soft_limit_in_bytes", str(32 * MiB)),
    "linux.resources.memory.swap": ("memory", "swap", 128 * MiB, "memory", "memory.memsw.limit_in_bytes",
                                    str(128 * MiB)),
    "linux.resources.memory.swappiness": ("memory", "swappiness", 23, "memory", "memory.swappiness", "23"),
    "linux.resources.memory.disableOOMKiller": ("memory", "disableOOMKiller", True, "memory",
                                                "memory.oom_control", "oom_kill_disable 1"),
    "linux.resources.pids.limit": ("pids", "limit", 77, "pids", "pids.max", "77"),
    "linux.resources.cpu.shares": ("cpu", "shares", 512, "cpu", "cpu.shares", "512"),
    "linux.resources.cpu.quota": ("cpu", "quota", 50000, "cpu", "cpu.cfs_quota_us", "50000"),
    "linux.resources.cpu.period": ("cpu", "period", 100000, "cpu", "cpu.cfs_period_us", "100000"),
    "linux.resources.cpu.burst": ("cpu", "burst", 10000, "cpu", "cpu.cfs_burst_us", "10000"),
    "linux.resources.cpu.cpus": ("cpu", "cpus", "0", "cpuset", "cpuset.cpus", "0"),
    "linux.resources.cpu.mems": ("cpu", "mems", "0", "cpuset", "cpuset.mems", "0"),
}
THROTTLE = (("throttleReadBpsDevice", "read_bps_device", 1048576),
            ("throttleWriteBpsDevice", "write_bps_device", 2097152),
            ("throttleReadIOPSDevice", "read_iops_device", 333),
            ("throttleWriteIOPSDevice", "write_iops_device", 444))


def t_cgroup_values(h, t):
    dev = block_device()
    want, skip = {}, {}   # check name -> (v1 ctrl, file, expected) / reason
    for name, (sect, key, val, ctrl, fname, exp) in VALUES.items():
        if v1_has(ctrl, fname):
            want[name] = (ctrl, fname, exp)
        else:
            skip[name] = f"no v1 {ctrl} hierarchy with {fname} on this host"
    for key, fname, rate in THROTTLE:
        name = f"linux.resources.blockIO.{key}"
        if not dev:
            skip[name] = "no block device in /sys/block"
        elif not v1_has("blkio", f"blkio.throttle.{fname}"):
            skip[name] = f"no v1 blkio hierarchy with blkio.throttle.{fname} on this host"
        else:
            want[name] = ("blkio", f"blkio.throttle.{fname}", "%d:%d %d" % (dev[0], dev[1], rate))

    def mut(c, b):
        r = c["linux"]["resources"]
        for name, (sect, key, val, *_) in VALUES.items():
            if name in want:
                r.setdefault(sect, {})[key] = val
        for key, fname, rate in THROTTLE:
            if f"linux.resources.blockIO.{key}" in want:
                r.setdefault("blockIO", {})[key] = [{"major": dev[0], "minor": dev[1], "rate": rate}]
    reads = sorted({f"read:{V1}/{ctrl}/{fname}" for ctrl, fname, _ in want.values()})
    f, cfg, _ = h.run("cgroups", mut, ["sched", f"write:{V1}/memory/memory.limit_in_bytes"] + reads)
    for name in list(VALUES) + [f"linux.resources.blockIO.{k}" for k, _, _ in THROTTLE]:
        if name in skip:
            t.skip(name, skip[name])
            continue
        ctrl, fname, v = want[name]
        check_facts(t, name, f, eqf(f"read.{V1}/{ctrl}/{fname}", v))
        if name == "linux.resources.cpu.cpus":
            check_facts(t, "linux.resources.cpu.cpus.affinity", f, eqf("affinity", "0"))
    if "linux.resources.cpu.cpus" in skip:
        t.skip("linux.resources.cpu.cpus.affinity", skip["linux.resources.cpu.cpus"])
    if v1_has("memory"):
        # the configured cgroup mount is "ro": the container cannot raise its own limits
        check_facts(t, "mounts.cgroup.readonly", f,
                    eqf(f"write.{V1}/memory/memory.limit_in_bytes", "ERR:EROFS"))
    else:
        t.skip("mounts.cgroup.readonly", "no v1 memory hierarchy")


def t_cgroup_cpu_idle(h, t):
    name = "linux.resources.cpu.idle"
    if not v1_has("cpu", "cpu.idle"):
        t.skip(name, "no v1 cpu.idle file")
        return

    def mut(c, b):
        c["linux"]["resources"]["cpu"] = {"idle": 1}
    f, cfg, _ = h.run("cpu_idle", mut, [f"read:{V1}/cpu/cpu.idle"])
    check_facts(t, name, f, eqf(f"read.{V1}/cpu/cpu.idle", "1"))


def t_cgroup_host_skips(h, t):
    """Controllers this host cannot exercise: recorded as skips with the reason."""
    if v1_has("blkio", "blkio.weight") or v1_has("blkio", "blkio.bfq.weight"):
        def mut(c, b):
            c["linux"]["resources"]["blockIO"] = {"weight": 300}
        wf = "blkio.weight" if v1_has("blkio", "blkio.weight") else "blkio.bfq.weight"
        f, cfg, _ = h.run("blkio_weight", mut, [f"read:{V1}/blkio/{wf}"])
        check_facts(t, "linux.resources.blockIO.weight", f,
                    lambda f: (f[f"read.{V1}/blkio/{wf}"].split()[-1] == "300", f[f"read.{V1}/blkio/{wf}"]))
    else:
        t.skip("linux.resources.blockIO.weight",
               "no blkio.weight/blkio.bfq.weight file (no CFQ/BFQ weight on this kernel's v1 blkio)")
    if v1_has("hugetlb"):
        t.skip("linux.resources.hugepageLimits", "not implemented for a v1 hugetlb hierarchy yet")
    else:
        t.skip("linux.resources.hugepageLimits",
               "no v1 hugetlb hierarchy (hugetlb is bound to the cgroup2 hierarchy at /sys/fs/cgroup/unified)")
    if v1_has("net_cls"):
        t.skip("linux.resources.network.classID", "not implemented for a v1 net_cls hierarchy yet")
    else:
        t.skip("linux.resources.network.classID", "no net_cls hierarchy mounted on this host")


def t_cgroup_unified_absent(h, t):
    """config-linux.md "Unified": the runtime MUST generate an error when the configuration
    refers to a cgroup controller that is not present or cannot be enabled."""
    name = "linux.resources.unified.absent_controller_fails"
    try:
        with open(os.path.join(V1, "unified", "cgroup.controllers")) as f:
            ctrls = f.read().split()
    except OSError:
        t.skip(name, "no hybrid cgroup2 hierarchy at /sys/fs/cgroup/unified")
        return
    if "memory" in ctrls or not v1_has("memory"):
        t.skip(name, "memory is available in cgroup2 here")
        return

    def mut(c, b):
        c["linux"]["resources"]["unified"] = {"memory.max": str(64 * MiB)}
    rc, rc2, cid, b, st, out = h.try_create(mut, ["sh", "-c", "true"], start=True)
    t.ok(name, rc != 0, f"create succeeded (start rc={rc2}) with unified memory.max while the "
                        f"cgroup2 hierarchy only has {ctrls}")


TESTS = [t_cgroup_values, t_cgroup_cpu_idle, t_cgroup_host_skips, t_cgroup_unified_absent]
