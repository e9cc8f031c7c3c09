"""linux.seccomp (config-linux.md "Seccomp"), checked from inside the container:
the checker makes one harmless syscall (`syscall:NAME`), or makes it in a forked
child and reports how the child ended (`sigsys:NAME`, `trap:NAME` with a SIGSYS
handler).  The syscalls used (getpriority, sysinfo, personality, getsid, getpgid,
mincore, getitimer) are not made by the runtimes between loading the filter and
execve, nor by the static checker's startup."""
import re

from .harness import check_facts, eqf

PER_LINUX32 = 0x0008
ADDR_NO_RANDOMIZE = 0x0040000
SIGSYS = 31
UNISTD = "/usr/include/x86_64-linux-gnu/asm/unistd_64.h"


def _rules(c, seccomp, nnp=True):
    c["linux"]["seccomp"] = seccomp
    c["process"]["noNewPrivileges"] = nnp


def t_seccomp_actions(h, t):
    """defaultAction ALLOW with one rule per action / argument filter."""
    def mut(c, b):
        _rules(c, {
            "defaultAction": "SCMP_ACT_ALLOW",
            "architectures": ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"],
            "syscalls": [
                {"names": ["getpriority"], "action": "SCMP_ACT_ERRNO"},
                {"names": ["sysinfo"], "action": "SCMP_ACT_ERRNO", "errnoRet": 77},
                {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 71,
                 "args": [{"index": 0, "value": PER_LINUX32, "op": "SCMP_CMP_EQ"}]},
                {"names": ["personality"], "action": "SCMP_ACT_ERRNO", "errnoRet": 72,
                 "args": [{"index": 0, "value": ADDR_NO_RANDOMIZE, "valueTwo": ADDR_NO_RANDOMIZE,
                           "op": "SCMP_CMP_MASKED_EQ"}]},
                {"names": ["getsid"], "action": "SCMP_ACT_KILL_PROCESS"},
                {"names": ["getpgid"], "action": "SCMP_ACT_KILL"},
                {"names": ["mincore"], "action": "SCMP_ACT_TRAP"},
                {"names": ["getitimer"], "action": "SCMP_ACT_LOG"},
            ]})
    f, cfg, _ = h.run("seccomp", mut, [
        "facts", "syscall:getpriority", "syscall:sysinfo", "syscall:getppid",
        "syscall:personality_linux32", "syscall:personality_linux", "syscall:personality_norandom",
        "sigsys:getsid", "sigsys:getpgid", "trap:mincore_bad", "syscall:getitimer"])
    check_facts(t, "linux.seccomp.filter_mode_in_status", f, eqf("Seccomp", "2"))
    check_facts(t, "linux.seccomp.errno.default_EPERM", f, eqf("syscall.getpriority", "ERR:EPERM"))
    check_facts(t, "linux.seccomp.errno.errnoRet", f, eqf("syscall.sysinfo", "ERR:E77"))
    check_facts(t, "linux.seccomp.unmatched_syscall_default_allow", f, eqf("syscall.getppid", "OK"))
    check_facts(t, "linux.seccomp.args.eq_matching_value_denied", f,
                eqf("syscall.personality_linux32", "ERR:E71"))
    check_facts(t, "linux.seccomp.args.eq_other_value_allowed", f, eqf("syscall.personality_linux", "OK"))
    check_facts(t, "linux.seccomp.args.masked_eq", f, eqf("syscall.personality_norandom", "ERR:E72"))
    check_facts(t, "linux.seccomp.kill_process_SIGSYS", f, eqf("sigsys.getsid", f"killed:{SIGSYS}"))
    check_facts(t, "linux.seccomp.kill_SIGSYS", f, eqf("sigsys.getpgid", f"killed:{SIGSYS}"))
    check_facts(t, "linux.seccomp.trap_SIGSYS_siginfo", f, eqf("trap.mincore_bad", "sigsys code_ok=1"))
    check_facts(t, "linux.seccomp.log_allows", f, eqf("syscall.getitimer", "OK"))


def _syscall_names():
    try:
        with open(UNISTD) as f:
            return sorted(set(re.findall(r"#define __NR_(\w+) \d+", f.read())))
    except OSError:
        return []


def t_seccomp_allowlist(h, t):
    """defaultAction ERRNO with an allowlist (every x86_64 syscall but the denied ones)."""
    names = _syscall_names()
    for errno_ret, sfx in ((78, "defaultErrnoRet"), (None, "default_EPERM")):
        name = f"linux.seccomp.defaultAction_errno.{sfx}"
        if not names:
            why = f"{UNISTD} missing (linux-libc-dev): no syscall list for the allowlist"
            t.skip(name, why)
            if errno_ret:
                t.skip("linux.seccomp.defaultAction_errno.allowlisted_syscall_works", why)
            continue
        allow = [n for n in names if n not in ("getpriority", "sysinfo")]

        def mut(c, b, errno_ret=errno_ret):
            sc = {"defaultAction": "SCMP_ACT_ERRNO",
                  "syscalls": [{"names": allow, "action": "SCMP_ACT_ALLOW"}]}
            if errno_ret is not None:
                sc["defaultErrnoRet"] = errno_ret
            else:   # as Docker's profile lists them (runc stubs only the listed architectures)
                sc["architectures"] = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
            _rules(c, sc)
        f, cfg, _ = h.run("seccomp_allowlist", mut, ["syscall:getpriority", "syscall:getppid", "syscall:nr1000"])
        check_facts(t, name, f, eqf("syscall.getpriority", f"ERR:E{errno_ret}" if errno_ret else "ERR:EPERM"))
        if not errno_ret:
            # runc's -ENOSYS stub (not a spec MUST): a syscall numbered above all the profile
            # names answers ENOSYS, so a libc newer than the profile falls back.
            check_facts(t, "linux.seccomp.enosys_above_profile", f, eqf("syscall.nr1000", "ERR:ENOSYS"))
        if errno_ret:
            check_facts(t, "linux.seccomp.defaultAction_errno.allowlisted_syscall_works", f,
                        eqf("syscall.getppid", "OK"))


def t_seccomp_nonroot_without_nnp(h, t):
    """Without no_new_privs only a CAP_SYS_ADMIN task may load a filter: the runtime must
    load it before dropping to the non-root user."""
    def mut(c, b):
        _rules(c, {"defaultAction": "SCMP_ACT_ALLOW",
                   "syscalls": [{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO"}]}, nnp=False)
        c["process"]["user"] = {"uid": 1000, "gid": 1000}
    f, cfg, _ = h.run("seccomp_nonroot", mut, ["facts", "syscall:getpriority"])
    check_facts(t, "linux.seccomp.nonroot_without_noNewPrivileges", f,
                lambda f: (f["Seccomp"] == "2" and f["syscall.getpriority"] == "ERR:EPERM"
                           and f["Uid"].split()[0] == "1000",
                           f"Seccomp={f['Seccomp']} getpriority={f['syscall.getpriority']} Uid={f['Uid']}"))


def t_seccomp_errors(h, t):
    cases = [
        ("linux.seccomp.errors.errnoRet_with_kill_fails",
         {"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["getpriority"], "action": "SCMP_ACT_KILL", "errnoRet": 5}]}),
        ("linux.seccomp.errors.defaultErrnoRet_with_allow_fails",
         {"defaultAction": "SCMP_ACT_ALLOW", "defaultErrnoRet": 5,
          "syscalls": [{"names": ["getpriority"], "action": "SCMP_ACT_ERRNO"}]}),
        ("linux.seccomp.errors.unknown_action_fails",
         {"defaultAction": "SCMP_ACT_ALLOW",
          "syscalls": [{"names": ["getpriority"], "action": "SCMP_ACT_CONF_BOGUS"}]}),
    ]
    for name, sc in cases:
        rc, rc2, cid, b, st, out = h.try_create(lambda c, b, sc=sc: _rules(c, sc), ["sh", "-c", "true"],
                                                start=True)
        t.ok(name, rc != 0, f"create succeeded (start rc={rc2}) with seccomp {sc}")


TESTS = [t_seccomp_actions, t_seccomp_allowlist, t_seccomp_nonroot_without_nnp, t_seccomp_errors]
