// PreparedProcess: the container process's settings with every name resolved to a number.
// Built in the parent before fork (prepare), applied in the child (the apply* methods in
// Apply.swift, Credentials.swift, Exec.swift).
import Glibc
import OCISpec
import CShim

/// Capability sets as masks (bit n = capability number n).
public struct CapabilitySets: Sendable, Equatable {
    public var bounding: UInt64 = 0
    public var effective: UInt64 = 0
    public var permitted: UInt64 = 0
    public var inheritable: UInt64 = 0
    public var ambient: UInt64 = 0
    public init() {}
}

/// A list of CPUs as an affinity mask (bit n of words[n / 64] = CPU n), with its source text.
public struct CPUMask: Sendable, Equatable {
    public let words: [UInt64]
    public let text: String
    public var cpus: [Int] {
        var out: [Int] = []
        for (i, w) in words.enumerated() where w != 0 {
            for b in 0..<64 where w & (1 << UInt64(b)) != 0 { out.append(i * 64 + b) }
        }
        return out
    }
}

struct ResolvedRlimit: Equatable {
    let index: Int          // position in process.rlimits
    let name: String
    let resource: Int32
    let soft: UInt64
    let hard: UInt64
}

struct ResolvedScheduler: Equatable {
    let policyName: String
    let policy: UInt32
    let flags: UInt64
    let nice: Int32
    let priority: UInt32
    let runtime: UInt64, deadline: UInt64, period: UInt64
}

public struct PreparedProcess {
    public let args: [String]
    public let cwd: String
    /// process.env, validated and de-duplicated like runc (the last entry of a name wins and
    /// keeps its position). HOME is added in the child by environment() when absent or empty.
    public let env: [String]
    public let uid: UInt32
    public let gid: UInt32
    public let additionalGids: [UInt32]
    /// user.umask, or 0o022 (runc's default) when absent.
    public let umask: UInt32
    public let noNewPrivileges: Bool
    /// Resolved capability sets (absent `capabilities` = all empty, as runc).
    public let capabilities: CapabilitySets
    /// Things the spec says to warn about rather than fail on (unknown or kernel-unsupported
    /// capabilities, ambient capabilities that cannot be raised, personality flags).
    /// The caller logs them.
    public let warnings: [String]

    let rlimits: [ResolvedRlimit]
    let oomScoreAdj: Int?
    let ioPriority: (class: String, value: Int32)?
    let scheduler: ResolvedScheduler?
    let personality: (domain: String, value: UInt)?
    let cpuInitial: CPUMask?
    let cpuFinal: CPUMask?
    /// No non-empty HOME in env: the child adds HOME from /etc/passwd (or "/"), as runc.
    let needsHome: Bool

    /// Resolves and checks everything that can be checked before fork.
    /// - strictCapabilities: unknown capability names are errors instead of warnings.
    ///   The spec (config.md, "capabilities") says to warn and not fail; runc warns.
    public static func prepare(_ p: Process, personality: Personality?,
                               strictCapabilities: Bool = false) throws -> PreparedProcess {
        var warnings: [String] = []

        guard !p.args.isEmpty else { throw ProcessSetupError("process.args: must have at least one entry") }
        guard p.cwd.hasPrefix("/") else {
            throw ProcessSetupError("process.cwd: \(quoted(p.cwd)) is not an absolute path")
        }
        let (env, hasHome) = try prepareEnv(p.env)

        // Capabilities.
        var caps = CapabilitySets()
        if let c = p.capabilities {
            let last = Int(sr_cap_last_cap())
            let lastCap = last >= 0 ? last : KnownTables.capabilities.count - 1
            func mask(_ names: [String]?, _ set: String) throws -> UInt64 {
                var m: UInt64 = 0
                for name in names ?? [] {
                    guard let n = KnownTables.capabilityNumber(name) else {
                        let msg = "process.capabilities.\(set): unknown capability \(quoted(name))"
                        if strictCapabilities { throw ProcessSetupError(msg) }
                        warnings.append(msg + " (ignored)")
                        continue
                    }
                    guard n <= lastCap else {
                        warnings.append("process.capabilities.\(set): \(name) is not supported by this kernel (ignored)")
                        continue
                    }
                    m |= 1 << UInt64(n)
                }
                return m
            }
            caps.bounding = try mask(c.bounding, "bounding")
            caps.effective = try mask(c.effective, "effective")
            caps.inheritable = try mask(c.inheritable, "inheritable")
            caps.permitted = try mask(c.permitted, "permitted")
            caps.ambient = try mask(c.ambient, "ambient")
            // config.md: a capability that cannot be granted MUST be logged as a warning and
            // SHOULD NOT fail the container. What the runtime's own bounding set lacks (this
            // host: CAP_SYS_RESOURCE) can be granted in no namespace: warn and leave it out.
            var bnd: UInt64 = 0
            if sr_capbset_get(&bnd) == 0 {
                let requested = caps.bounding | caps.effective | caps.permitted | caps.inheritable | caps.ambient
                for n in bits(requested & ~bnd) {
                    warnings.append("process.capabilities: \(capName(n)) cannot be granted: the runtime's bounding set lacks it (left out)")
                }
                caps.bounding &= bnd; caps.effective &= bnd; caps.permitted &= bnd
                caps.inheritable &= bnd; caps.ambient &= bnd
            }
            let notPermitted = caps.effective & ~caps.permitted
            if notPermitted != 0 {
                throw ProcessSetupError("process.capabilities.effective: \(capName(lowestBit(notPermitted))) is not in "
                    + "process.capabilities.permitted (capset refuses an effective capability that is not permitted)")
            }
            // runc raises ambient capabilities one by one and only warns on failure; the
            // kernel refuses those not both permitted and inheritable.
            let unraisable = caps.ambient & ~(caps.permitted & caps.inheritable)
            if unraisable != 0 {
                for n in bits(unraisable) {
                    warnings.append("process.capabilities.ambient: \(capName(n)) is not both permitted and inheritable (not raised)")
                }
                caps.ambient &= ~unraisable
            }
        }

        // Rlimits.
        var rlimits: [ResolvedRlimit] = []
        var seen: [String: Int] = [:]
        for (i, r) in p.rlimits.enumerated() {
            let field = "process.rlimits[\(i)]"
            guard let res = KnownTables.rlimitNumber(r.type) else {
                throw ProcessSetupError("\(field): unknown rlimit type \(quoted(r.type))")
            }
            if let first = seen[r.type] {
                throw ProcessSetupError("\(field): duplicate rlimit type \(r.type) (also process.rlimits[\(first)])")
            }
            seen[r.type] = i
            if r.soft > r.hard {
                throw ProcessSetupError("\(field): \(r.type) soft limit \(limitText(r.soft)) is above the hard limit \(limitText(r.hard))")
            }
            rlimits.append(ResolvedRlimit(index: i, name: r.type, resource: res, soft: r.soft, hard: r.hard))
        }

        if let v = p.oomScoreAdj, v < -1000 || v > 1000 {
            throw ProcessSetupError("process.oomScoreAdj: \(v) is outside [-1000, 1000]")
        }

        var ioPriority: (class: String, value: Int32)?
        if let io = p.ioPriority {
            guard let cls = KnownTables.ioPriorityClasses[io.class] else {
                throw ProcessSetupError("process.ioPriority.class: unknown class \(quoted(io.class))")
            }
            guard io.priority >= 0 && io.priority <= 7 else {
                throw ProcessSetupError("process.ioPriority.priority: \(io.priority) is outside [0, 7]")
            }
            ioPriority = (io.class, cls << 13 | io.priority)
        }

        let scheduler = try p.scheduler.map(resolveScheduler)

        var persona: (domain: String, value: UInt)?
        if let pers = personality {
            guard let v = KnownTables.personalityDomains[pers.domain] else {
                throw ProcessSetupError("linux.personality.domain: unknown domain \(quoted(pers.domain)) (LINUX or LINUX32)")
            }
            for f in pers.flags {
                warnings.append("linux.personality.flags: flag \(quoted(f)) is not supported (ignored)")
            }
            persona = (pers.domain, v)
        }

        let cpuInitial = try p.execCPUAffinity?.initial.flatMap { try parseCPUList($0, field: "process.execCPUAffinity.initial") }
        let cpuFinal = try p.execCPUAffinity?.final.flatMap { try parseCPUList($0, field: "process.execCPUAffinity.final") }

        return PreparedProcess(
            args: p.args, cwd: p.cwd, env: env, uid: p.user.uid, gid: p.user.gid,
            additionalGids: p.user.additionalGids, umask: p.user.umask ?? 0o022,
            noNewPrivileges: p.noNewPrivileges, capabilities: caps, warnings: warnings,
            rlimits: rlimits, oomScoreAdj: p.oomScoreAdj, ioPriority: ioPriority, scheduler: scheduler,
            personality: persona, cpuInitial: cpuInitial, cpuFinal: cpuFinal, needsHome: !hasHome)
    }

    /// runc's prepareEnv: every entry NAME=VALUE with a non-empty name and no NUL; duplicates
    /// removed keeping the last value (at the position of its last occurrence, like Go's
    /// dedupEnv). Returns whether a non-empty HOME remains.
    static func prepareEnv(_ env: [String]) throws -> ([String], Bool) {
        var out: [String] = []
        var seen = Set<Substring>()
        var home = false
        for (i, kv) in env.enumerated().reversed() {
            guard let eq = kv.firstIndex(of: "=") else {
                throw ProcessSetupError("process.env[\(i)]: invalid environment variable \(quoted(kv)): missing '='")
            }
            let key = kv[kv.startIndex..<eq]
            if key.isEmpty {
                throw ProcessSetupError("process.env[\(i)]: invalid environment variable \(quoted(kv)): name is empty")
            }
            if seen.contains(key) { continue }
            seen.insert(key)
            if kv.utf8.contains(0) {
                throw ProcessSetupError("process.env[\(i)]: invalid environment variable \(quoted(String(key))): contains a NUL byte")
            }
            if key == "HOME" { home = kv.utf8.count > 5 }
            out.append(kv)
        }
        out.reverse()
        return (out, home)
    }

    static func resolveScheduler(_ s: Scheduler) throws -> ResolvedScheduler {
        guard let policy = KnownTables.schedulerPolicies[s.policy] else {
            throw ProcessSetupError("process.scheduler.policy: unknown policy \(quoted(s.policy))")
        }
        var flags: UInt64 = 0
        for f in s.flags {
            guard let v = KnownTables.schedulerFlags[f] else {
                throw ProcessSetupError("process.scheduler.flags: unknown flag \(quoted(f))")
            }
            flags |= v
        }
        // runc's validation (libcontainer/configs/validate).
        guard s.nice >= -20 && s.nice <= 19 else {
            throw ProcessSetupError("process.scheduler.nice: \(s.nice) is outside [-20, 19]")
        }
        if s.priority != 0 && s.policy != "SCHED_FIFO" && s.policy != "SCHED_RR" {
            throw ProcessSetupError("process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority (policy is \(s.policy))")
        }
        if s.priority < 0 {
            throw ProcessSetupError("process.scheduler.priority: \(s.priority) is negative")
        }
        if s.policy != "SCHED_DEADLINE" && (s.runtime != 0 || s.deadline != 0 || s.period != 0) {
            throw ProcessSetupError("process.scheduler: runtime, deadline and period are only for SCHED_DEADLINE (policy is \(s.policy))")
        }
        return ResolvedScheduler(policyName: s.policy, policy: policy, flags: flags, nice: s.nice,
                                 priority: UInt32(s.priority), runtime: s.runtime, deadline: s.deadline, period: s.period)
    }

    /// Highest CPU number accepted in a CPU list (kernel NR_CPUS max).
    static let maxCPU = 8191

    /// Parses "0-3,7" like runc: spaces around elements allowed, empty elements skipped.
    /// nil for "" (no change); an error for a list that names no CPU.
    static func parseCPUList(_ s: String, field: String) throws -> CPUMask? {
        if s.isEmpty { return nil }
        func bad(_ why: String) -> ProcessSetupError {
            ProcessSetupError("\(field): invalid CPU list \(quoted(s)): \(why)")
        }
        func cpu(_ t: Substring) throws -> Int {
            let t = t.trimmingSpaces
            guard !t.isEmpty, t.utf8.allSatisfy({ $0 >= 48 && $0 <= 57 }), let v = Int(t) else {
                throw bad("\(quoted(String(t))) is not a CPU number")
            }
            guard v <= maxCPU else { throw bad("CPU \(v) is above \(maxCPU)") }
            return v
        }
        var words: [UInt64] = []
        func set(_ c: Int) {
            while words.count <= c / 64 { words.append(0) }
            words[c / 64] |= 1 << UInt64(c % 64)
        }
        for part in s.split(separator: ",", omittingEmptySubsequences: false) {
            let r = part.trimmingSpaces
            if r.isEmpty { continue }
            if let dash = r.firstIndex(of: "-") {
                let lo = try cpu(r[r.startIndex..<dash]), hi = try cpu(r[r.index(after: dash)...])
                guard lo <= hi else { throw bad("range \(r) is reversed") }
                for c in lo...hi { set(c) }
            } else {
                set(try cpu(r))
            }
        }
        guard !words.isEmpty else { throw bad("no CPUs") }
        return CPUMask(words: words, text: s)
    }
}

extension Substring {
    var trimmingSpaces: Substring {
        var s = self
        while let f = s.first, f == " " || f == "\t" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return s
    }
}

func capName(_ n: Int) -> String { KnownTables.capabilityName(n) }

func lowestBit(_ m: UInt64) -> Int { m.trailingZeroBitCount }

func bits(_ m: UInt64) -> [Int] { (0..<64).filter { m & (1 << UInt64($0)) != 0 } }

func limitText(_ v: UInt64) -> String { v == UInt64.max ? "unlimited" : String(v) }
