// The process attributes other than credentials: rlimits, oom_score_adj, I/O priority,
// scheduler, personality, CPU affinity, umask, no_new_privs.
import Glibc
import CShim

extension PreparedProcess {
    /// setrlimit each process.rlimits entry, with prlimit(2) on `pid` (0 = the caller).
    /// runc does this from the parent on the child's pid, before the child enters a user
    /// namespace, so that raising a hard limit is still allowed.
    public func applyRlimits(pid: Int32 = 0) throws {
        for r in rlimits where sr_prlimit_set(pid, r.resource, r.soft, r.hard) != 0 {
            let e = Glibc.errno
            var hint: [String] = []
            if e == EPERM {
                var soft: UInt64 = 0, hard: UInt64 = 0
                if sr_prlimit_get(pid, r.resource, &soft, &hard) == 0, r.hard > hard {
                    hint.append("hard limit above the runtime's")
                    if !Self.haveEffectiveCap(24) { hint.append("CAP_SYS_RESOURCE missing") }
                }
                if r.resource == 7, let nrOpen = readSmallFile("/proc/sys/fs/nr_open").flatMap({ UInt64($0) }),
                   r.hard > nrOpen {
                    hint.append("above fs.nr_open \(nrOpen)")
                }
            }
            throw ProcessSetupError.sys(
                "process.rlimits[\(r.index)]: setrlimit \(r.name) \(limitText(r.soft))/\(limitText(r.hard))", e,
                hint: hint.joined(separator: "; "))
        }
    }

    /// Writes process.oomScoreAdj to /proc/PID/oom_score_adj (pid <= 0: /proc/self). No-op
    /// when oomScoreAdj is absent (the spec says not to touch it then).
    public func applyOOMScoreAdj(pid: Int32) throws {
        guard let v = oomScoreAdj else { return }
        let path = pid > 0 ? "/proc/\(pid)/oom_score_adj" : "/proc/self/oom_score_adj"
        let what = "process.oomScoreAdj: write \(path) \(v)"
        let fd = open(path, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ProcessSetupError.sys(what, Glibc.errno) }
        defer { close(fd) }
        let text = String(v)
        let n = text.withCString { write(fd, $0, strlen($0)) }
        if n < 0 {
            let e = Glibc.errno
            throw ProcessSetupError.sys(what, e, hint: e == EACCES ? "lowering oom_score_adj needs CAP_SYS_RESOURCE" : nil)
        }
    }

    /// ioprio_set(IOPRIO_WHO_PROCESS, 0, class << 13 | priority), as runc.
    public func applyIOPriority() throws {
        guard let io = ioPriority else { return }
        if sr_ioprio_set(1 /* IOPRIO_WHO_PROCESS */, 0, io.value) != 0 {
            throw ProcessSetupError.sys("process.ioPriority: ioprio_set \(io.class) \(io.value & 7)", Glibc.errno)
        }
    }

    /// sched_setattr(0, ...) with process.scheduler.
    public func applyScheduler() throws {
        guard let s = scheduler else { return }
        if sr_sched_setattr(0, s.policy, s.flags, s.nice, s.priority, s.runtime, s.deadline, s.period) != 0 {
            let e = Glibc.errno
            var hint: String?
            if e == EPERM && s.policy == 6 {
                hint = "SCHED_DEADLINE needs CAP_SYS_NICE and a CPU affinity of all CPUs (no cpuset limit)"
            } else if e == EPERM && (s.policy == 1 || s.policy == 2) {
                hint = "real-time policies need CAP_SYS_NICE or RLIMIT_RTPRIO"
            }
            throw ProcessSetupError.sys(
                "process.scheduler: sched_setattr \(s.policyName) nice \(s.nice) priority \(s.priority)", e, hint: hint)
        }
    }

    /// personality(2) with linux.personality.domain. Call before seccomp is loaded.
    public func applyPersonality() throws {
        guard let p = personality else { return }
        if sr_personality(p.value) != 0 {
            throw ProcessSetupError.sys("linux.personality: personality \(p.domain)", Glibc.errno)
        }
    }

    /// sched_setaffinity with execCPUAffinity.initial (before the move into the container's
    /// cgroup) or .final (after it). No-op when that list is absent or empty. `pid` 0 = the
    /// caller (runc sets `initial` from the parent on the child's pid).
    public func applyCPUAffinity(initial: Bool, pid: Int32 = 0) throws {
        guard let mask = initial ? cpuInitial : cpuFinal else { return }
        if Self.setAffinity(mask.words, pid: pid) != 0 {
            let e = Glibc.errno
            throw ProcessSetupError.sys(
                "process.execCPUAffinity.\(initial ? "initial" : "final"): sched_setaffinity \(quoted(mask.text))", e,
                hint: e == EINVAL ? "none of these CPUs is online or allowed by the cgroup's cpuset" : nil)
        }
    }

    /// Allow every CPU (the kernel narrows it to the cgroup's cpuset). runc does this for a
    /// new process without execCPUAffinity.final, so it does not inherit the runtime's own
    /// pinning.
    public static func resetCPUAffinity(pid: Int32 = 0) throws {
        let all = [UInt64](repeating: ~0, count: (maxCPU + 1) / 64)
        if setAffinity(all, pid: pid) != 0 {
            throw ProcessSetupError.sys("reset CPU affinity: sched_setaffinity", Glibc.errno)
        }
    }

    static func setAffinity(_ words: [UInt64], pid: Int32) -> Int32 {
        // At least 1024 bits so the kernel sees a full glibc-sized cpu_set_t.
        var w = words
        while w.count < 16 { w.append(0) }
        return w.withUnsafeBufferPointer { sr_sched_setaffinity_mask(pid, $0.baseAddress, $0.count) }
    }

    /// umask(user.umask), 0o022 when absent (runc).
    public func applyUmask() {
        _ = Glibc.umask(mode_t(umask & 0o7777))
    }

    /// prctl(PR_SET_NO_NEW_PRIVS, 1) when process.noNewPrivileges.
    public func applyNoNewPrivileges() throws {
        guard noNewPrivileges else { return }
        if sr_set_no_new_privs() != 0 {
            throw ProcessSetupError.sys("process.noNewPrivileges: prctl PR_SET_NO_NEW_PRIVS", Glibc.errno)
        }
    }

    static func haveEffectiveCap(_ n: Int) -> Bool {
        var e: UInt64 = 0, p: UInt64 = 0, i: UInt64 = 0
        return sr_capget_self(&e, &p, &i) == 0 && e & (1 << UInt64(n)) != 0
    }
}

/// Reads a small file (≤ 64 KiB), trimming trailing whitespace; nil on any error. Opens
/// non-blocking and reads only regular files (as /proc entries are), so a FIFO or device
/// planted in a container rootfs cannot block the caller.
func readSmallFile(_ path: String, limit: Int = 1 << 16) -> String? {
    guard let bytes = readFileBytes(path, limit: limit) else { return nil }
    var s = String(decoding: bytes, as: UTF8.self)
    while let l = s.last, l == "\n" || l == " " || l == "\t" { s.removeLast() }
    return s
}

func readFileBytes(_ path: String, limit: Int) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
    guard fd >= 0 else { return nil }
    defer { close(fd) }
    var st = stat()
    guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 8192)
    while out.count < limit {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && Glibc.errno == EINTR { continue }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out.count <= limit ? out : Array(out[0..<limit])
}
