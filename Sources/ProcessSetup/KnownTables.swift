// Name <-> number tables used by ProcessSetup. Kept together, internal, so the lead can move
// them to OCISpec.KnownLists (which did not exist yet when this was written) and dedupe.

enum KnownTables {
    /// Capability names by number: capabilities[n] is the name of capability n
    /// (linux/capability.h; 41 entries, CAP_CHOWN = 0 ... CAP_CHECKPOINT_RESTORE = 40).
    static let capabilities: [String] = [
        "CAP_CHOWN", "CAP_DAC_OVERRIDE", "CAP_DAC_READ_SEARCH", "CAP_FOWNER", "CAP_FSETID",       // 0-4
        "CAP_KILL", "CAP_SETGID", "CAP_SETUID", "CAP_SETPCAP", "CAP_LINUX_IMMUTABLE",            // 5-9
        "CAP_NET_BIND_SERVICE", "CAP_NET_BROADCAST", "CAP_NET_ADMIN", "CAP_NET_RAW",             // 10-13
        "CAP_IPC_LOCK", "CAP_IPC_OWNER", "CAP_SYS_MODULE", "CAP_SYS_RAWIO", "CAP_SYS_CHROOT",    // 14-18
        "CAP_SYS_PTRACE", "CAP_SYS_PACCT", "CAP_SYS_ADMIN", "CAP_SYS_BOOT", "CAP_SYS_NICE",      // 19-23
        "CAP_SYS_RESOURCE", "CAP_SYS_TIME", "CAP_SYS_TTY_CONFIG", "CAP_MKNOD", "CAP_LEASE",      // 24-28
        "CAP_AUDIT_WRITE", "CAP_AUDIT_CONTROL", "CAP_SETFCAP", "CAP_MAC_OVERRIDE",               // 29-32
        "CAP_MAC_ADMIN", "CAP_SYSLOG", "CAP_WAKE_ALARM", "CAP_BLOCK_SUSPEND", "CAP_AUDIT_READ",  // 33-37
        "CAP_PERFMON", "CAP_BPF", "CAP_CHECKPOINT_RESTORE",                                      // 38-40
    ]

    /// Exact, case-sensitive lookup ("CAP_CHOWN" -> 0), as runc's capability map.
    static func capabilityNumber(_ name: String) -> Int? {
        capabilities.firstIndex(of: name)
    }

    static func capabilityName(_ n: Int) -> String {
        n >= 0 && n < capabilities.count ? capabilities[n] : "CAP_\(n)"
    }

    /// RLIMIT_* names by resource number (asm-generic/resource.h; 16 entries).
    static let rlimits: [String] = [
        "RLIMIT_CPU", "RLIMIT_FSIZE", "RLIMIT_DATA", "RLIMIT_STACK", "RLIMIT_CORE",          // 0-4
        "RLIMIT_RSS", "RLIMIT_NPROC", "RLIMIT_NOFILE", "RLIMIT_MEMLOCK", "RLIMIT_AS",        // 5-9
        "RLIMIT_LOCKS", "RLIMIT_SIGPENDING", "RLIMIT_MSGQUEUE", "RLIMIT_NICE",               // 10-13
        "RLIMIT_RTPRIO", "RLIMIT_RTTIME",                                                    // 14-15
    ]

    static func rlimitNumber(_ name: String) -> Int32? {
        rlimits.firstIndex(of: name).map { Int32($0) }
    }

    /// ioprio classes (linux/ioprio.h).
    static let ioPriorityClasses: [String: Int32] = [
        "IOPRIO_CLASS_RT": 1, "IOPRIO_CLASS_BE": 2, "IOPRIO_CLASS_IDLE": 3,
    ]

    /// Scheduling policies (linux/sched.h).
    static let schedulerPolicies: [String: UInt32] = [
        "SCHED_OTHER": 0, "SCHED_FIFO": 1, "SCHED_RR": 2, "SCHED_BATCH": 3,
        "SCHED_ISO": 4, "SCHED_IDLE": 5, "SCHED_DEADLINE": 6,
    ]

    /// sched_setattr flags (linux/sched.h).
    static let schedulerFlags: [String: UInt64] = [
        "SCHED_FLAG_RESET_ON_FORK": 0x01, "SCHED_FLAG_RECLAIM": 0x02, "SCHED_FLAG_DL_OVERRUN": 0x04,
        "SCHED_FLAG_KEEP_POLICY": 0x08, "SCHED_FLAG_KEEP_PARAMS": 0x10,
        "SCHED_FLAG_UTIL_CLAMP_MIN": 0x20, "SCHED_FLAG_UTIL_CLAMP_MAX": 0x40,
    ]

    /// Personality execution domains (linux/personality.h): PER_LINUX, PER_LINUX32.
    static let personalityDomains: [String: UInt] = ["LINUX": 0x0000, "LINUX32": 0x0008]
}
