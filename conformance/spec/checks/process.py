"""process.* beyond the first slice (config.md "Process", "POSIX process",
"Linux Process"): the remaining rlimits and their errors, scheduler, ioPriority,
personality, inherited umask / oom_score_adj when unset, args (verbatim, PATH
lookup), only stdio fds open (runtime-linux.md),
unknown capabilities, a program that cannot be found."""
import os
import shutil

from .harness import capmask, check_facts, eqf, expected_caps

GiB = 1 << 30
MiB = 1 << 20
# (soft, hard) wanted; capped at the host's hard limit (the runtime may lower, never raise)
RLIMITS = {"CPU": (3600, 7200), "FSIZE": (GiB, 2 * GiB), "DATA": (8 * GiB, 16 * GiB),
           "STACK": (6 * MiB, 64 * MiB), "RSS": (GiB, 2 * GiB), "MEMLOCK": (4 * MiB, 8 * MiB),
           "AS": (32 * GiB, 64 * GiB), "LOCKS": (1000, 2000), "SIGPENDING": (1000, 2000),
           "NICE": (1, 2), "RTPRIO": (1, 2), "RTTIME": (1000000, 2000000)}


def _host_hard(h, name):
    v = h.host["rlimit.RLIMIT_" + name].split()[1]
    return None if v == "inf" else int(v)


def _has_host_cap(h, cap):
    return bool(int(h.host["CapBnd"], 16) & capmask([cap]))


def t_rlimits_all(h, t):
    want, skipped = {}, {}
    for n, (soft, hard) in RLIMITS.items():
        hh = _host_hard(h, n)
        if hh is not None and hh < soft and not _has_host_cap(h, "CAP_SYS_RESOURCE"):
            skipped[n] = (f"host hard limit is {hh} and cannot be raised "
                          "(CAP_SYS_RESOURCE not in the bounding set)")
            continue
        if hh is not None and hh < hard and not _has_host_cap(h, "CAP_SYS_RESOURCE"):
            hard = hh
        want[n] = (soft, hard)

    def mut(c, b):
        c["process"]["rlimits"] = c["process"]["rlimits"] + [
            {"type": "RLIMIT_" + n, "soft": s, "hard": hd} for n, (s, hd) in want.items()]
    f, cfg, _ = h.run("rlimits", mut, ["facts"])
    for n in RLIMITS:
        if n in skipped:
            t.skip(f"process.rlimits.{n}", skipped[n])
        else:
            check_facts(t, f"process.rlimits.{n}", f, eqf("rlimit.RLIMIT_" + n, "%d %d" % want[n]))


def t_rlimit_errors(h, t):
    nofile = [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": 1024}]
    cases = [("process.rlimits.errors.duplicate_type_fails",
              nofile + [{"type": "RLIMIT_NOFILE", "soft": 512, "hard": 512}]),
             ("process.rlimits.errors.unknown_type_fails",
              nofile + [{"type": "RLIMIT_CONF_BOGUS", "soft": 1, "hard": 1}])]
    hh = _host_hard(h, "NOFILE")
    if hh is not None and not _has_host_cap(h, "CAP_SYS_RESOURCE"):
        cases.append(("process.rlimits.errors.hard_above_host_fails",
                      [{"type": "RLIMIT_NOFILE", "soft": 1024, "hard": hh + 1000}]))
    else:
        t.skip("process.rlimits.errors.hard_above_host_fails",
               "the host can raise RLIMIT_NOFILE (unlimited or CAP_SYS_RESOURCE)")
    for name, rl in cases:
        rc, rc2, cid, b, st, out = h.try_create(
            lambda c, b, rl=rl: c["process"].__setitem__("rlimits", rl), ["sh", "-c", "true"], start=True)
        t.ok(name, rc != 0, f"create succeeded (start rc={rc2}) with rlimits {rl}")


def t_sched(h, t):
    def mut(c, b):
        c["process"]["scheduler"] = {"policy": "SCHED_BATCH", "nice": 7}
    f, cfg, _ = h.run("scheduler", mut, ["sched"])
    check_facts(t, "process.scheduler.policy", f, eqf("sched.policy", "3"))   # SCHED_BATCH
    check_facts(t, "process.scheduler.nice", f, eqf("sched.nice", "7"))

    def mut(c, b):
        c["process"]["ioPriority"] = {"class": "IOPRIO_CLASS_BE", "priority": 6}
    f, cfg, _ = h.run("ioprio", mut, ["sched"])
    check_facts(t, "process.ioPriority", f, eqf("ioprio", "2 6"))   # class BE = 2


def t_personality(h, t):
    def mut(c, b):
        c["linux"]["personality"] = {"domain": "LINUX32"}
    f, cfg, _ = h.run("personality", mut, ["persona"])
    check_facts(t, "linux.personality.LINUX32", f,
                lambda f: ((int(f["personality"], 16) & 0xff) == 0x0008, f"personality {f['personality']}"))
    check_facts(t, "linux.personality.LINUX32_uname_machine", f, eqf("uname.machine", "i686"))


def t_inherited(h, t):
    """umask and oom_score_adj unset in config.json: inherited from the runtime's caller."""
    def pre():
        os.umask(0o007)
        with open("/proc/self/oom_score_adj", "w") as fh:   # raising needs no privilege
            fh.write("345")
    f, cfg, _ = h.run("inherited", None, ["facts"], preexec=pre)
    check_facts(t, "process.user.umask_unset_inherited", f, eqf("Umask", "0007"))
    check_facts(t, "process.oomScoreAdj.unset_unchanged", f, eqf("oom_score_adj", "345"))


def t_args(h, t):
    args = ["/checker", "argv", "two words", "", "tab\there", "  lead", "x=y", "$HOME", "*"]
    f, cfg, _ = h.run("args", None, argv=args)
    check_facts(t, "process.args.verbatim", f,
                lambda f: ([f.get(f"argv.{i}") for i in range(int(f["argc"]))] == args,
                           f"argv {[f.get(f'argv.{i}') for i in range(int(f['argc']))]!r}, want {args!r}"))

    def mut(c, b):
        shutil.copy(h.checker, os.path.join(b, "rootfs", "usr", "local", "bin", "conf-checker"))
    f, cfg, _ = h.run("args_path", mut, argv=["conf-checker", "argv"])
    check_facts(t, "process.args.path_lookup", f, eqf("argc", "2"))
    check_facts(t, "process.args.argv0_unchanged", f, eqf("argv.0", "conf-checker"))

    rc, rc2, cid, b, st, out = h.try_create(None, ["conf-no-such-program"], start=True)
    t.ok("errors.process_args_not_found_fails", rc != 0 or rc2 != 0,
         f"create rc={rc}, start rc={rc2} for a program that does not exist")


def t_stdio(h, t):
    # runtime-linux.md: by default only stdin, stdout and stderr are kept open (they MAY be
    # redirected, e.g. runc's foreground `run` gives the process pipes it copies from/to)
    f, cfg, _ = h.run("stdio", None, ["fds"])
    check_facts(t, "runtime.fds.only_stdio_open", f, eqf("fds", "0,1,2"))


def t_unknown_cap(h, t):
    def mut(c, b):
        for k in ("bounding", "effective", "permitted"):
            c["process"]["capabilities"][k] = c["process"]["capabilities"][k] + ["CAP_CONF_BOGUS"]
    f, cfg, _ = h.run("unknown_cap", mut, ["facts"])
    known = dict(cfg["process"])
    known["capabilities"] = {k: [x for x in v if x != "CAP_CONF_BOGUS"]
                             for k, v in cfg["process"]["capabilities"].items()}
    exp = expected_caps(known)
    check_facts(t, "process.capabilities.unknown_is_warning_not_error", f,
                lambda f: (int(f["CapBnd"], 16) == exp["CapBnd"] and int(f["CapEff"], 16) == exp["CapEff"],
                           f"CapBnd={f['CapBnd']} CapEff={f['CapEff']}"))


TESTS = [t_rlimits_all, t_rlimit_errors, t_sched, t_personality, t_inherited, t_args, t_stdio,
         t_unknown_cap]
