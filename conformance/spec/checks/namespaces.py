"""linux.namespaces beyond the first slice (config-linux.md "Namespaces", "User
namespace mappings", "Offset for Time Namespace"): time namespace offsets,
joining ipc/uts namespaces by path, the MUST errors (path of another type,
duplicated type) and an unknown type, file ownership with a user namespace."""
import os
import time

from .harness import use_userns, check_facts, eqf

MONO_OFF, BOOT_OFF = 100000, 200000


def _ns_ino(path):
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def t_timens(h, t):
    if not os.path.exists("/proc/self/ns/time"):
        for n in ("ns.time.new_namespace", "linux.timeOffsets.monotonic", "linux.timeOffsets.boottime"):
            t.skip(n, "kernel without time namespaces")
        return

    def mut(c, b):
        c["linux"]["namespaces"].append({"type": "time"})
        c["linux"]["timeOffsets"] = {"monotonic": {"secs": MONO_OFF, "nanosecs": 0},
                                     "boottime": {"secs": BOOT_OFF, "nanosecs": 0}}
    m0, b0 = time.clock_gettime(time.CLOCK_MONOTONIC), time.clock_gettime(time.CLOCK_BOOTTIME)
    f, cfg, _ = h.run("timens", mut, ["facts", "clock"])
    m1, b1 = time.clock_gettime(time.CLOCK_MONOTONIC), time.clock_gettime(time.CLOCK_BOOTTIME)
    check_facts(t, "ns.time.new_namespace", f,
                lambda f: (f["ns.time"] != h.host["ns.time"], f"ns.time {f['ns.time']} same as host"))
    for clock, lo, hi, off in (("monotonic", m0, m1, MONO_OFF), ("boottime", b0, b1, BOOT_OFF)):
        check_facts(t, f"linux.timeOffsets.{clock}", f,
                    lambda f, clock=clock, lo=lo, hi=hi, off=off: (
                        lo + off - 1 <= float(f["clock." + clock]) <= hi + off + 1,
                        f"CLOCK_{clock.upper()} inside {f['clock.' + clock]}, host {lo:.3f}..{hi:.3f} + {off}"))


def t_join_ipc_uts(h, t):
    p = h.spawn(["unshare", "--ipc", "--uts", "sleep", "300"])
    mine = (_ns_ino("/proc/self/ns/ipc"), _ns_ino("/proc/self/ns/uts"))
    end = time.time() + 5
    while time.time() < end and (_ns_ino(f"/proc/{p.pid}/ns/ipc"), _ns_ino(f"/proc/{p.pid}/ns/uts")) in ((None, None), mine):
        time.sleep(0.02)
    ipc, uts = f"/proc/{p.pid}/ns/ipc", f"/proc/{p.pid}/ns/uts"
    want = (_ns_ino(ipc), _ns_ino(uts))
    if None in want or want[0] == mine[0]:
        for n in ("ns.ipc.join_path", "ns.uts.join_path", "errors.namespace_path_of_other_type_fails"):
            t.skip(n, "unshare --ipc --uts failed")
    else:
        def mut(c, b):
            for n in c["linux"]["namespaces"]:
                if n["type"] == "ipc":
                    n["path"] = ipc
                if n["type"] == "uts":
                    n["path"] = uts
            c.pop("hostname", None)
        f, cfg, _ = h.run("join_ipc_uts", mut, ["facts"])
        check_facts(t, "ns.ipc.join_path", f, eqf("ns.ipc", str(want[0])))
        check_facts(t, "ns.uts.join_path", f, eqf("ns.uts", str(want[1])))

        def wrong(c, b):
            for n in c["linux"]["namespaces"]:
                if n["type"] == "ipc":
                    n["path"] = uts
        rc, rc2, cid, b, st, out = h.try_create(wrong, ["sh", "-c", "true"], start=True)
        t.ok("errors.namespace_path_of_other_type_fails", rc != 0,
             f"create succeeded (start rc={rc2}) with an ipc namespace path to a uts namespace")
    for name, extra in (("errors.namespace_duplicate_type_fails", {"type": "ipc"}),
                        ("errors.namespace_unknown_type_fails", {"type": "conf-bogus"})):
        rc, rc2, cid, b, st, out = h.try_create(
            lambda c, b, extra=extra: c["linux"]["namespaces"].append(extra), ["sh", "-c", "true"], start=True)
        t.ok(name, rc != 0, f"create succeeded (start rc={rc2}) with namespaces + {extra}")


def t_userns_files(h, t):
    probes = ["rootfs", "rootfs/checker", "rootfs/bin/busybox", "rootfs/etc/passwd", "rootfs/tmp"]

    def owners(b):
        out = {}
        for p in probes:
            st = os.lstat(os.path.join(b, p))
            out[p] = (st.st_uid, st.st_gid)
        return out
    before = {}

    def mut(c, b):
        use_userns(c)
        d = os.path.join(b, "data", "owned")
        os.makedirs(d, exist_ok=True)
        os.chown(d, 100000, 200000)
        c["mounts"].append({"destination": "/mnt", "type": "bind", "source": d, "options": ["bind", "rw"]})
        before.update(owners(b))
    f, cfg, b = h.run("userns_files", mut, ["touch:/mnt/conf-file", "stat:/mnt"])

    def host_owner(f):
        p = os.path.join(b, "data", "owned", "conf-file")
        try:
            st = os.lstat(p)
        except OSError as e:
            return False, f"{p}: {e} (touch: {f['touch./mnt/conf-file']})"
        return (st.st_uid, st.st_gid) == (100000, 200000), f"host owner {st.st_uid}:{st.st_gid}, want 100000:200000"
    check_facts(t, "ns.user.created_file_has_mapped_host_ids", f, host_owner)
    check_facts(t, "ns.user.mapped_ids_seen_inside", f,
                lambda f: (f["stat./mnt"].split()[4:] == ["0", "0"], f"/mnt inside: {f['stat./mnt']}"))
    after = owners(b)
    t.ok("ns.user.rootfs_ownership_unchanged", after == before, f"before {before} after {after}")


TESTS = [t_timens, t_join_ipc_uts, t_userns_files]
