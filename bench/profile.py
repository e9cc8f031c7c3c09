#!/usr/bin/env python3
"""Where does `RUNTIME run` of /bin/true spend its time?  Called by bench/profile (inside the
same private mount namespace as bench/run); writes PROFILE.md.

For each runtime: strace -f -c -w (syscall wall-time summary), strace -f -tt -T (timeline,
parsed below into phases and categories) and, if perf works, perf stat -r REPS without strace
(CPU time, context switches, page faults: strace inflates everything, so absolute costs come
from perf, proportions from strace).
"""
import argparse
import collections
import os
import re
import subprocess
import sys

LOADER = {"openat", "read", "pread64", "mmap", "mprotect", "close", "newfstatat", "fstat", "brk",
          "arch_prctl", "access", "set_tid_address", "set_robust_list", "rseq", "prlimit64",
          "munmap", "getrandom", "execve", "execveat", "futex", "readlink", "sched_getaffinity"}
MOUNTS = {"mount", "umount2", "pivot_root", "mount_setattr", "open_tree", "move_mount", "fsopen",
          "fsconfig", "fsmount", "chroot"}
WAITS = {"wait4", "waitid", "futex", "epoll_wait", "epoll_pwait", "poll", "ppoll", "select",
         "pselect6", "recvmsg", "recvfrom", "nanosleep", "clock_nanosleep", "pause", "rt_sigsuspend"}
LINE = re.compile(r"^(\d+)\s+(\d+):(\d+):([\d.]+)\s+(.*)$")


def parse(path):
    """-> list of dict(pid, t, name, args, ret, dur), plus exits {pid: t}."""
    pend, recs, exits = {}, [], {}
    for raw in open(path, errors="replace"):
        m = LINE.match(raw.rstrip("\n"))
        if not m:
            continue
        pid, h, mi, s, rest = m.groups()
        t = int(h) * 3600 + int(mi) * 60 + float(s)
        if rest.startswith("+++ exited") or rest.startswith("+++ killed"):
            exits[pid] = t
            continue
        if rest.startswith("---"):
            continue
        if rest.endswith("<unfinished ...>"):
            pend[pid] = (t, rest[: -len("<unfinished ...>")])
            continue
        start = t
        if rest.startswith("<..."):
            mm = re.match(r"<\.\.\. (\w+) resumed>(.*)$", rest)
            st, head = pend.pop(pid, (t, (mm.group(1) + "(") if mm else ""))
            start = st
            rest = head + (mm.group(2) if mm else "")
        mm = re.match(r"(\w+)\((.*)\)\s+=\s+(.*?)(?:\s+<([\d.]+)>)?$", rest)
        if not mm:
            continue
        name, args, ret, dur = mm.groups()
        recs.append({"pid": pid, "t": start, "name": name, "args": args, "ret": ret,
                     "dur": float(dur) if dur else 0.0})
    return recs, exits


def analyse(path, user_cmd):
    recs, exits = parse(path)
    t0 = min(r["t"] for r in recs)
    t_end = max([r["t"] + r["dur"] for r in recs] + list(exits.values()))
    ms = lambda x: x * 1e3
    a = {"wall": ms(t_end - t0), "syscalls": len(recs),
         "tasks": len({r["pid"] for r in recs})}
    # phases: runtime start -> exec of the user command -> its exit -> runtime exit
    ue = [r for r in recs if r["name"] == "execve" and r["args"].startswith('"%s"' % user_cmd)
          and r["ret"].startswith("0")]
    if ue:
        u = ue[-1]
        tx = exits.get(u["pid"], u["t"])
        a["setup"], a["workload"], a["teardown"] = ms(u["t"] - t0), ms(tx - u["t"]), ms(t_end - tx)
    a["execs"] = [r["args"].split(",")[0] + (" (" + r["name"] + ")" if r["name"] != "execve" else "")
                  for r in recs if r["name"] in ("execve", "execveat") and r["ret"].startswith("0")]
    a["clones"] = sum(1 for r in recs if r["name"] in ("clone", "clone3", "fork", "vfork"))
    a["thread_clones"] = sum(1 for r in recs if r["name"] in ("clone", "clone3") and "CLONE_THREAD" in r["args"])
    # dynamic loading of the first process: shared objects opened, time until the loader is done
    main = recs[0]["pid"]
    sos = [r for r in recs if r["name"] in ("openat", "open") and re.search(r'/[^/"]+\.so(\.[0-9.]+)?"', r["args"])
           and not r["ret"].startswith("-")]
    a["shared_objects"] = len({re.search(r'"([^"]*)"', r["args"]).group(1).rsplit("/", 1)[-1] for r in sos})
    first_real = next((r for r in recs if r["pid"] == main and r["name"] not in LOADER), None)
    a["loader_ms"] = ms(first_real["t"] - t0) if first_real else 0.0
    # fd -> path, to attribute writes to cgroupfs files
    fdpath, cg_ops, cg_ms, procs_w = {}, 0, 0.0, []
    mount_ops, mount_ms = 0, 0.0
    cats = collections.Counter()
    for r in recs:
        n = r["name"]
        if n in ("openat", "openat2", "open") and re.match(r"\d+", r["ret"]):
            p = re.search(r'"([^"]*)"', r["args"])
            fdpath[(r["pid"], r["ret"].split()[0])] = p.group(1) if p else ""
        path = r["args"]
        fd = re.match(r"(\d+),", r["args"])
        if fd and n in ("write", "read", "pwrite64", "pread64"):
            path = fdpath.get((r["pid"], fd.group(1)), "")
            if path.endswith("cgroup.procs") and n == "write":
                procs_w.append(ms(r["dur"]))
        if "/sys/fs/cgroup" in path:
            cg_ops += 1
            cg_ms += ms(r["dur"])
            cats["cgroupfs"] += r["dur"]
        elif n in MOUNTS:
            mount_ops += 1
            mount_ms += ms(r["dur"])
            cats["mounts/pivot_root"] += r["dur"]
        elif n in WAITS or (n == "read" and r["dur"] > 0.001):
            cats["blocked waiting (other process)"] += r["dur"]
        elif n in ("execve", "execveat"):
            cats["execve"] += r["dur"]
        elif n in ("clone", "clone3", "fork", "vfork", "unshare", "setns"):
            cats["clone/unshare/setns"] += r["dur"]
        else:
            cats["other"] += r["dur"]
    a["cgroup_ops"], a["cgroup_ms"] = cg_ops, cg_ms
    a["procs_writes"] = procs_w
    a["mount_ops"], a["mount_ms"] = mount_ops, mount_ms
    a["cats"] = {k: ms(v) for k, v in cats.most_common()}
    top = sorted(recs, key=lambda r: -r["dur"])[:6]
    a["top"] = ["%.2f ms %s(%s) = %s" % (ms(r["dur"]), r["name"], r["args"][:70], r["ret"][:20]) for r in top]
    return a


def perf_stat(argv, reps):
    ev = "task-clock,context-switches,cpu-migrations,page-faults"
    p = subprocess.run(["perf", "stat", "-x", ",", "-r", str(reps), "-e", ev, "--"] + argv,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        return None
    out = {}
    for line in p.stderr.splitlines():
        f = line.split(",")
        if len(f) > 3 and f[2] in ev.split(",") and f[0] not in ("<not supported>", "<not counted>"):
            out[f[2]] = float(f[0])
    return out or None


KSYMS = [("asm_exc_page_fault", "page faults"), ("cgroup_mkdir", "cgroup mkdir"),
         ("cgroup_rmdir", "cgroup rmdir"), ("copy_net_ns", "net namespace setup"),
         ("load_elf_binary", "ELF loading (exec)"), ("copy_process", "fork/clone"),
         ("__x64_sys_mount", "mount(2)"), ("__x64_sys_openat", "openat(2)")]


def perf_record(argv, reps, out):
    """CPU profile of `reps` runs (cpu-clock, all tasks) -> ms per run by DSO and for some kernel
    paths (inclusive).  The driver loop (sh) is excluded."""
    loop = 'i=0; while [ $i -lt %d ]; do "$@" >/dev/null 2>&1; i=$((i+1)); done' % reps
    p = subprocess.run(["perf", "record", "-q", "-e", "cpu-clock", "-F", "20000", "-g", "-o", out,
                        "--", "sh", "-c", loop, "sh"] + argv,
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    if p.returncode != 0:
        return None
    rep = lambda *x: subprocess.run(["perf", "report", "-i", out, "-q", "-g", "none"] + list(x),
                                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True).stdout
    dso, alltotal = collections.Counter(), 0
    skip = ("sh", "dash", "seq")
    for line in rep("--no-children", "--sort", "comm,dso", "-F", "period,comm,dso").splitlines():
        f = line.split()
        if len(f) >= 3 and f[0].isdigit():
            alltotal += int(f[0])
            if f[1] not in skip:
                name = "kernel" if f[2] == "[kernel.kallsyms]" else f[2].rsplit("/", 1)[-1] or "/"
                dso[name] += int(f[0])
    total = sum(dso.values())
    if not total:
        return None
    r = {"total": total / 1e6 / reps, "dso": [(k, v / 1e6 / reps) for k, v in dso.most_common(5)],
         "ksyms": collections.Counter()}
    want = {k for k, _ in KSYMS}
    # children (inclusive) percentages are of all samples, per comm: sum over the runtime's comms
    for line in rep("--children", "--sort", "comm,sym").splitlines():
        f = line.split()
        if len(f) >= 5 and f[-1] in want and f[0].endswith("%") and f[2] not in skip:
            r["ksyms"][f[-1]] += float(f[0][:-1]) / 100 * alltotal / 1e6 / reps
    return r


def elapsed(argv, reps):
    import time
    xs = []
    for _ in range(reps):
        t = time.perf_counter_ns()
        subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        xs.append((time.perf_counter_ns() - t) / 1e6)
    xs.sort()
    return xs[len(xs) // 2]


def main():
    ap = argparse.ArgumentParser()
    for k in ("swiftrun", "runc", "crun", "tmp", "tag", "bundle", "out", "notes"):
        ap.add_argument("--" + k, required=True)
    ap.add_argument("--reps", type=int, default=10)
    a = ap.parse_args()
    rts = [("swiftrun", a.swiftrun), ("runc", a.runc), ("crun", a.crun)]
    have_perf = subprocess.run(["sh", "-c", "command -v perf && perf stat -e task-clock true"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode == 0
    res = {}
    for i, (name, binary) in enumerate(rts):
        root = os.path.join(a.tmp, "root-" + name)
        cid = "%s-%s-prof" % (a.tag, name)
        run = [binary, "--root", root, "run", "-b", a.bundle, cid]
        print("   %s: strace -c -w, strace -tt -T%s" % (name, ", perf stat" if have_perf else ""), file=sys.stderr)
        c_out = os.path.join(a.tmp, name + ".c")
        tt_out = os.path.join(a.tmp, name + ".tt")
        subprocess.run(["strace", "-f", "-c", "-w", "-o", c_out] + run, check=True, stdin=subprocess.DEVNULL)
        subprocess.run(["strace", "-f", "-tt", "-T", "-o", tt_out] + run, check=True, stdin=subprocess.DEVNULL)
        r = analyse(tt_out, "/bin/true")
        r["c_top"] = open(c_out).read().splitlines()[:14]
        if have_perf:
            r["perf_run"] = perf_stat(run, a.reps)
            r["perf_version"] = perf_stat([binary, "--version"], a.reps)
            r["perf_record"] = perf_record(run, max(a.reps, 20), os.path.join(a.tmp, name + ".perf"))
        res[name] = r

    # untraced elapsed, runtimes interleaved (rotating order) like bench/run
    el = {n: {"run": [], "version": []} for n, _ in rts}
    for i in range(a.reps):
        for name, binary in rts[i % 3:] + rts[:i % 3]:
            root = os.path.join(a.tmp, "root-" + name)
            el[name]["run"].append(elapsed([binary, "--root", root, "run", "-b", a.bundle,
                                            "%s-%s-el" % (a.tag, name)], 1))
            el[name]["version"].append(elapsed([binary, "--version"], 1))
    for name, _ in rts:
        for k in ("run", "version"):
            xs = sorted(el[name][k])
            res[name]["elapsed_" + k] = xs[len(xs) // 2]

    # ---- markdown ----
    L = ["# Where `run` of /bin/true spends its time", "",
         "Generated by `bench/profile` (same bundle and namespace as `bench/run`). strace numbers are "
         "inflated by tracing: use them for proportions and counts; the perf/elapsed rows are untraced.", ""]
    names = [n for n, _ in rts]
    L.append("| | " + " | ".join(names) + " |")
    L.append("|---|" + "---:|" * len(names))

    def row(label, f):
        vals = []
        for n in names:
            try:
                vals.append(f(res[n]))
            except (KeyError, TypeError, IndexError):
                vals.append("-")
        L.append("| %s | %s |" % (label, " | ".join(vals)))

    row("untraced `run` elapsed, median of %d interleaved (ms)" % a.reps, lambda r: "%.1f" % r["elapsed_run"])
    if have_perf:
        row("perf: CPU (task-clock, all tasks) per `run` (ms)", lambda r: "%.1f" % r["perf_run"]["task-clock"])
        row("perf: context switches per `run`", lambda r: "%.0f" % r["perf_run"]["context-switches"])
        row("perf: page faults per `run`", lambda r: "%.0f" % r["perf_run"]["page-faults"])
        row("perf: CPU of `--version` (ms)", lambda r: "%.2f" % r["perf_version"]["task-clock"])
        row("perf: page faults of `--version`", lambda r: "%.0f" % r["perf_version"]["page-faults"])
    row("untraced `--version` elapsed (ms)", lambda r: "%.1f" % r["elapsed_version"])
    if have_perf:
        row("perf record: CPU per `run`, all tasks (ms)", lambda r: "%.1f" % r["perf_record"]["total"])
        row("... by DSO (ms)", lambda r: ", ".join("%s %.2f" % kv for kv in r["perf_record"]["dso"]))
        for sym, label in KSYMS:
            row("... kernel: %s `%s` (ms, inclusive)" % (label, sym),
                lambda r, sym=sym: "%.2f" % r["perf_record"]["ksyms"].get(sym, 0.0))
    row("traced wall (ms)", lambda r: "%.1f" % r["wall"])
    row("traced: setup until exec of /bin/true (ms)", lambda r: "%.1f" % r["setup"])
    row("traced: /bin/true running (ms)", lambda r: "%.1f" % r["workload"])
    row("traced: teardown after it exits (ms)", lambda r: "%.1f" % r["teardown"])
    row("syscalls", lambda r: str(r["syscalls"]))
    row("processes+threads (clones, of which threads)", lambda r: "%d (%d, %d)" % (r["tasks"], r["clones"], r["thread_clones"]))
    row("successful execs", lambda r: "%d" % len(r["execs"]))
    row("shared libraries loaded", lambda r: str(r["shared_objects"]))
    row("traced: exec+dynamic loading of the CLI (ms)", lambda r: "%.1f" % r["loader_ms"])
    row("cgroupfs syscalls (traced ms)", lambda r: "%d (%.1f)" % (r["cgroup_ops"], r["cgroup_ms"]))
    row("first / other cgroup.procs writes (ms)",
        lambda r: "%.1f / %.2f" % (r["procs_writes"][0], max(r["procs_writes"][1:] or [0])))
    row("mount/pivot_root syscalls (traced ms)", lambda r: "%d (%.1f)" % (r["mount_ops"], r["mount_ms"]))
    L.append("")
    L.append("Time inside syscalls by category (traced ms, summed over all tasks, so blocking waits "
             "overlap other tasks' work):\n")
    for n in names:
        L.append("* **%s**: " % n + ", ".join("%s %.1f" % kv for kv in res[n]["cats"].items()))
    L.append("")
    L.append("Execs:\n")
    for n in names:
        L.append("* **%s**: %s" % (n, "; ".join("`%s`" % e for e in res[n]["execs"])))
    L.append("")
    for n in names:
        L.append("<details><summary>%s: longest syscalls, strace -c -w top</summary>\n" % n)
        L.append("```")
        L += res[n]["top"]
        L.append("")
        L += res[n]["c_top"]
        L.append("```\n</details>\n")
    # keep the hand-written findings across regenerations
    notes = "<!-- findings -->\n## Findings\n\n(none written yet)\n<!-- /findings -->"
    if os.path.exists(a.notes):
        m = re.search(r"<!-- findings -->.*?<!-- /findings -->", open(a.notes).read(), re.S)
        if m:
            notes = m.group(0)
    with open(a.out, "w") as f:
        f.write("\n".join(L[:2]) + "\n" + notes + "\n\n" + "\n".join(L[2:]) + "\n")


if __name__ == "__main__":
    main()
