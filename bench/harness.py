#!/usr/bin/env python3
"""Timing harness for bench/run (swiftrun vs runc vs crun).

Not meant to be called directly: bench/run builds the bundles, enters a private
mount namespace (so crun 1.8.1 accepts this hybrid cgroup host) and then runs
this script.  Every runtime is measured in the same namespace, with the same
bundles, interleaved per iteration (the order rotates every iteration).

Timing: time.perf_counter_ns() around subprocess.run() of the runtime's CLI,
stdin=/dev/null, stdout=/dev/null, stderr captured.  That includes the
harness's own fork/exec cost, which is reported as the "baseline" row.
"""
import argparse
import concurrent.futures as cf
import ctypes
import datetime
import json
import os
import platform
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

DEVNULL = subprocess.DEVNULL


class BenchError(Exception):
    pass


def ms_since(t0):
    return (time.perf_counter_ns() - t0) / 1e6


def call(argv, check=True, out=False):
    """Run argv; return (milliseconds, CompletedProcess).  No subprocess timeout on purpose:
    with a timeout, Popen.wait() polls with growing sleeps (0.5, 1, 2, 4 ... 50 ms), which
    quantizes the measurement.  A global alarm() in main() guards against hangs."""
    # stderr goes to a file, not a pipe: after `create` the container init inherits the
    # runtime's stdio and would hold a pipe open (communicate() would wait for it).
    with tempfile.TemporaryFile() as err:
        t0 = time.perf_counter_ns()
        p = subprocess.run(argv, stdin=DEVNULL, stdout=subprocess.PIPE if out else DEVNULL,
                           stderr=err)
        dt = ms_since(t0)
        err.seek(0)
        p.stderr = err.read()
    if check and p.returncode != 0:
        raise BenchError("%s -> exit %d: %s" % (" ".join(argv), p.returncode,
                                                 p.stderr.decode(errors="replace").strip()))
    return dt, p


def reap_all():
    """Reap orphaned container processes (we are a child subreaper). Only call this
    when no subprocess.run() is in flight."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def alive(pid):
    """True while pid exists and is not a zombie."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            s = f.read()
    except OSError:
        return False
    return s[s.rindex(")") + 2] not in "ZX"


def wait_gone(pid, timeout=15.0):
    """Wait until pid has exited (reaping it if it was re-parented to us)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            r, _ = os.waitpid(pid, os.WNOHANG)
            if r == pid:
                return
        except ChildProcessError:
            if not alive(pid):
                return
        if time.monotonic() > deadline:
            raise BenchError("pid %d still running after %.0fs" % (pid, timeout))
        time.sleep(0.0005)


class Runtime:
    def __init__(self, name, binary, root):
        self.name, self.binary, self.root = name, binary, root

    def cmd(self, *a):
        return [self.binary, "--root", self.root] + list(a)

    def pid_of(self, cid):
        _, p = call(self.cmd("state", cid), out=True)
        return int(json.loads(p.stdout)["pid"])


def stats(xs):
    if not xs:
        return None
    return {"median": statistics.median(xs), "min": min(xs), "max": max(xs), "n": len(xs)}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--swiftrun", required=True)
    ap.add_argument("--runc", required=True)
    ap.add_argument("--crun", required=True)
    ap.add_argument("--tmp", required=True)
    ap.add_argument("--tag", required=True, help="container id prefix, e.g. bench-1234")
    ap.add_argument("--bundle-true", required=True)
    ap.add_argument("--bundle-long", required=True, help="args: sleep 600 (exec target)")
    ap.add_argument("--bundle-sleep5", required=True)
    ap.add_argument("--bundle-check", required=True)
    ap.add_argument("-n", type=int, default=30)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--par", type=int, default=50)
    ap.add_argument("--rss-iters", type=int, default=5)
    ap.add_argument("--json", required=True)
    ap.add_argument("--max-seconds", type=int, default=1800)
    a = ap.parse_args()

    def on_alarm(*_):
        raise BenchError("gave up after %d s (a runtime hung?)" % a.max_seconds)
    signal.signal(signal.SIGALRM, on_alarm)
    signal.alarm(a.max_seconds)

    # Container inits orphaned by `create` are re-parented to us, so we can wait for them
    # (and reap them) like a shim does, instead of relying on the host's PID 1.
    libc = ctypes.CDLL(None, use_errno=True)
    PR_SET_CHILD_SUBREAPER = 36
    if libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0:
        raise BenchError("prctl(PR_SET_CHILD_SUBREAPER) failed")

    rts = [Runtime("swiftrun", a.swiftrun, os.path.join(a.tmp, "root-swiftrun")),
           Runtime("runc", a.runc, os.path.join(a.tmp, "root-runc")),
           Runtime("crun", a.crun, os.path.join(a.tmp, "root-crun"))]
    short = {"swiftrun": "sr", "runc": "rc", "crun": "cr"}
    res = {rt.name: {} for rt in rts}
    res["baseline"] = {}
    log = lambda *m: print("  ", *m, file=sys.stderr, flush=True)

    def cid(rt, phase, i):
        return "%s-%s-%s-%d" % (a.tag, short[rt.name], phase, i)

    def order(i):
        k = i % len(rts)
        return rts[k:] + rts[:k]

    # ---- 0. sanity: each runtime really runs a container ---------------------------------
    log("sanity check")
    for rt in rts:
        _, p = call(rt.cmd("run", "-b", a.bundle_check, cid(rt, "check", 0)), out=True)
        got = p.stdout.decode().strip()
        host_pidns = os.readlink("/proc/self/ns/pid")
        m = re.fullmatch(r"ok host=(\S+) pid1=(\S+) pidns=(\S+)", got)
        if not m or m.group(1) != "swiftrun" or m.group(2) != "sh" or m.group(3) == host_pidns:
            raise BenchError("%s: container sanity check failed, output %r" % (rt.name, got))
        res[rt.name]["sanity"] = got
    reap_all()

    # ---- baseline and CLI startup ------------------------------------------------------------
    log("baseline + --version startup")
    base, ver = [], {rt.name: [] for rt in rts}
    for i in range(a.n):
        base.append(call(["/bin/true"])[0])
        for rt in order(i):
            ver[rt.name].append(call([rt.binary, "--version"])[0])
    res["baseline"]["spawn_true"] = stats(base)
    for rt in rts:
        res[rt.name]["version"] = stats(ver[rt.name])

    # ---- 1. run /bin/true ---------------------------------------------------------------------
    log("run /bin/true x%d" % a.n)
    t = {rt.name: [] for rt in rts}
    for i in range(a.n):
        for rt in order(i):
            t[rt.name].append(call(rt.cmd("run", "-b", a.bundle_true, cid(rt, "run", i)))[0])
    reap_all()
    for rt in rts:
        res[rt.name]["run"] = stats(t[rt.name])

    # ---- 1b. run /bin/true on an idle host: 0.3 s of quiet before each run ---------------------
    # Back to back, a runtime's first cgroup.procs write often finds the kernel's rcu_sync for
    # cgroup_threadgroup_rwsem still active from the previous runtime's write and skips the RCU
    # grace period it otherwise waits for (4-24 ms). A container started on a quiet host pays it.
    log("run /bin/true after 0.3 s idle x%d" % a.n)
    t = {rt.name: [] for rt in rts}
    for i in range(a.n):
        for rt in order(i):
            time.sleep(0.3)
            t[rt.name].append(call(rt.cmd("run", "-b", a.bundle_true, cid(rt, "runidle", i)))[0])
    reap_all()
    for rt in rts:
        res[rt.name]["run_idle"] = stats(t[rt.name])

    # ---- 2. create / start / delete -----------------------------------------------------------
    log("create/start/delete x%d" % a.n)
    tc, ts, td = ({rt.name: [] for rt in rts} for _ in range(3))
    for i in range(a.n):
        for rt in order(i):
            c = cid(rt, "life", i)
            tc[rt.name].append(call(rt.cmd("create", "-b", a.bundle_true, c))[0])
            pid = rt.pid_of(c)                       # untimed
            ts[rt.name].append(call(rt.cmd("start", c))[0])
            wait_gone(pid)                           # untimed: /bin/true exits, we reap it
            td[rt.name].append(call(rt.cmd("delete", c))[0])
    reap_all()
    for rt in rts:
        res[rt.name]["create"] = stats(tc[rt.name])
        res[rt.name]["start"] = stats(ts[rt.name])
        res[rt.name]["delete"] = stats(td[rt.name])

    # ---- 3. exec /bin/true into a running container ------------------------------------------
    log("exec x%d" % a.n)
    target, pids, te = {}, {}, {rt.name: [] for rt in rts}
    for rt in rts:
        c = cid(rt, "exec", 0)
        call(rt.cmd("create", "-b", a.bundle_long, c))
        call(rt.cmd("start", c))
        pids[rt.name] = rt.pid_of(c)
        _, p = call(rt.cmd("exec", c, "/bin/true"), check=False)
        if p.returncode != 0:
            msg = p.stderr.decode(errors="replace").strip()
            res[rt.name]["exec_na"] = msg
            log("%s exec unsupported: %s" % (rt.name, msg))
        else:
            target[rt.name] = c
    for i in range(a.n):
        for rt in order(i):
            if rt.name in target:
                te[rt.name].append(call(rt.cmd("exec", target[rt.name], "/bin/true"))[0])
    for rt in rts:
        c = cid(rt, "exec", 0)
        call(rt.cmd("kill", c, "KILL"), check=False)
        wait_gone(pids[rt.name])
        call(rt.cmd("delete", "--force", c))
        res[rt.name]["exec"] = stats(te[rt.name])
    reap_all()

    # ---- 4. N containers created+started concurrently ---------------------------------------
    log("%d concurrent create+start x%d rounds" % (a.par, a.rounds))
    for rt in rts:
        res[rt.name]["conc"] = {"wall": [], "slowest": [], "delete_wall": []}

    def one(rt, c):
        t0 = time.perf_counter_ns()
        call(rt.cmd("create", "-b", a.bundle_sleep5, c))
        call(rt.cmd("start", c))
        return ms_since(t0), time.perf_counter_ns()

    for r in range(a.rounds):
        for rt in order(r):
            ids = [cid(rt, "par%d" % r, j) for j in range(a.par)]
            t0 = time.perf_counter_ns()
            with cf.ThreadPoolExecutor(a.par) as ex:
                outs = list(ex.map(lambda c: one(rt, c), ids))
            wall = (max(e for _, e in outs) - t0) / 1e6
            res[rt.name]["conc"]["wall"].append(wall)
            res[rt.name]["conc"]["slowest"].append(max(d for d, _ in outs))
            # Untimed: find the inits, SIGKILL them and wait until they are gone, so that
            # the timed delete --force does not include runc's fixed 100 ms kill-poll.
            with cf.ThreadPoolExecutor(8) as ex:
                ps = list(ex.map(rt.pid_of, ids))
            with cf.ThreadPoolExecutor(8) as ex:
                list(ex.map(lambda c: call(rt.cmd("kill", c, "KILL"), check=False), ids))
            for p in ps:
                wait_gone(p)
            t0 = time.perf_counter_ns()
            with cf.ThreadPoolExecutor(a.par) as ex:
                list(ex.map(lambda c: call(rt.cmd("delete", "--force", c)), ids))
            res[rt.name]["conc"]["delete_wall"].append(ms_since(t0))
            reap_all()
    for rt in rts:
        c = res[rt.name]["conc"]
        for k in list(c):
            c[k] = stats(c[k])

    # ---- 5. peak RSS of `run /bin/true` --------------------------------------------------------
    log("peak RSS x%d" % a.rss_iters)
    rss = {rt.name: [] for rt in rts}
    tf = os.path.join(a.tmp, "time.out")
    for i in range(a.rss_iters):
        for rt in order(i):
            call(["/usr/bin/time", "-f", "%M", "-o", tf] +
                 rt.cmd("run", "-b", a.bundle_true, cid(rt, "rss", i)))
            with open(tf) as f:
                rss[rt.name].append(int(f.read().split()[-1]))
    reap_all()
    for rt in rts:
        res[rt.name]["rss_kb"] = stats(rss[rt.name])

    # ---- 6. binary size ---------------------------------------------------------------------
    for rt in rts:
        res[rt.name]["binary"] = rt.binary
        res[rt.name]["size"] = os.stat(rt.binary).st_size

    with open(a.json, "w") as f:
        json.dump(res, f, indent=1)


if __name__ == "__main__":
    try:
        main()
    except BenchError as e:
        print("bench: %s" % e, file=sys.stderr)
        sys.exit(1)
