// The names swiftrun recognizes: one list for decoding, validation and `features`.
// Enumerations follow runtime-spec 1.3.0+dev schema/defs-linux.json; numeric values are the
// Linux UAPI / libseccomp constants, spelled out so no C headers are needed.

public enum KnownLists {
    /// linux.namespaces[].type, in spec order.
    public static let namespaces: [String] = NamespaceType.allCases.map(\.rawValue)

    /// capabilities(7): name and bit number, CAP_CHOWN = 0 … CAP_CHECKPOINT_RESTORE = 40.
    public static let capabilities: [(name: String, value: Int32)] = [
        ("CAP_CHOWN", 0), ("CAP_DAC_OVERRIDE", 1), ("CAP_DAC_READ_SEARCH", 2), ("CAP_FOWNER", 3),
        ("CAP_FSETID", 4), ("CAP_KILL", 5), ("CAP_SETGID", 6), ("CAP_SETUID", 7), ("CAP_SETPCAP", 8),
        ("CAP_LINUX_IMMUTABLE", 9), ("CAP_NET_BIND_SERVICE", 10), ("CAP_NET_BROADCAST", 11),
        ("CAP_NET_ADMIN", 12), ("CAP_NET_RAW", 13), ("CAP_IPC_LOCK", 14), ("CAP_IPC_OWNER", 15),
        ("CAP_SYS_MODULE", 16), ("CAP_SYS_RAWIO", 17), ("CAP_SYS_CHROOT", 18), ("CAP_SYS_PTRACE", 19),
        ("CAP_SYS_PACCT", 20), ("CAP_SYS_ADMIN", 21), ("CAP_SYS_BOOT", 22), ("CAP_SYS_NICE", 23),
        ("CAP_SYS_RESOURCE", 24), ("CAP_SYS_TIME", 25), ("CAP_SYS_TTY_CONFIG", 26), ("CAP_MKNOD", 27),
        ("CAP_LEASE", 28), ("CAP_AUDIT_WRITE", 29), ("CAP_AUDIT_CONTROL", 30), ("CAP_SETFCAP", 31),
        ("CAP_MAC_OVERRIDE", 32), ("CAP_MAC_ADMIN", 33), ("CAP_SYSLOG", 34), ("CAP_WAKE_ALARM", 35),
        ("CAP_BLOCK_SUSPEND", 36), ("CAP_AUDIT_READ", 37), ("CAP_PERFMON", 38), ("CAP_BPF", 39),
        ("CAP_CHECKPOINT_RESTORE", 40),
    ]
    public static let capabilityNames: [String] = capabilities.map(\.name)
    public static func capability(_ name: String) -> Int32? { capabilities.first { $0.name == name }?.value }

    /// getrlimit(2) resources: RLIMIT_CPU = 0 … RLIMIT_RTTIME = 15.
    public static let rlimits: [(name: String, resource: Int32)] = [
        ("RLIMIT_CPU", 0), ("RLIMIT_FSIZE", 1), ("RLIMIT_DATA", 2), ("RLIMIT_STACK", 3), ("RLIMIT_CORE", 4),
        ("RLIMIT_RSS", 5), ("RLIMIT_NPROC", 6), ("RLIMIT_NOFILE", 7), ("RLIMIT_MEMLOCK", 8), ("RLIMIT_AS", 9),
        ("RLIMIT_LOCKS", 10), ("RLIMIT_SIGPENDING", 11), ("RLIMIT_MSGQUEUE", 12), ("RLIMIT_NICE", 13),
        ("RLIMIT_RTPRIO", 14), ("RLIMIT_RTTIME", 15),
    ]
    public static let rlimitNames: [String] = rlimits.map(\.name)
    public static func rlimit(_ name: String) -> Int32? { rlimits.first { $0.name == name }?.resource }

    /// config.json hooks, in execution order of the lifecycle.
    public static let hooks: [String] = [
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
    ]

    // MARK: seccomp (libseccomp names)

    public static let seccompActions: [String] = [
        "SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP", "SCMP_ACT_ERRNO",
        "SCMP_ACT_TRACE", "SCMP_ACT_ALLOW", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY",
    ]
    /// Actions that take an errno (errnoRet / defaultErrnoRet).
    public static let seccompErrnoActions: [String] = ["SCMP_ACT_ERRNO", "SCMP_ACT_TRACE"]
    /// Operators with their libseccomp `enum scmp_compare` values.
    public static let seccompOperators: [(name: String, value: Int32)] = [
        ("SCMP_CMP_NE", 1), ("SCMP_CMP_LT", 2), ("SCMP_CMP_LE", 3), ("SCMP_CMP_EQ", 4),
        ("SCMP_CMP_GE", 5), ("SCMP_CMP_GT", 6), ("SCMP_CMP_MASKED_EQ", 7),
    ]
    public static let seccompOperatorNames: [String] = seccompOperators.map(\.name)
    public static let seccompArchs: [String] = [
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K", "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32",
        "SCMP_ARCH_MIPSEL", "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
        "SCMP_ARCH_PARISC", "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64",
    ]
    /// seccomp(2) SECCOMP_FILTER_FLAG_* with their kernel values.
    public static let seccompFlags: [(name: String, value: UInt32)] = [
        ("SECCOMP_FILTER_FLAG_TSYNC", 1), ("SECCOMP_FILTER_FLAG_LOG", 2),
        ("SECCOMP_FILTER_FLAG_SPEC_ALLOW", 4), ("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", 32),
    ]
    public static let seccompFlagNames: [String] = seccompFlags.map(\.name)

    // MARK: process

    /// ioprio_set(2) classes.
    public static let ioPriorityClasses: [(name: String, value: Int32)] = [
        ("IOPRIO_CLASS_RT", 1), ("IOPRIO_CLASS_BE", 2), ("IOPRIO_CLASS_IDLE", 3),
    ]
    public static let ioPriorityClassNames: [String] = ioPriorityClasses.map(\.name)

    /// sched_setattr(2) policies.
    public static let schedulerPolicies: [(name: String, value: UInt32)] = [
        ("SCHED_OTHER", 0), ("SCHED_FIFO", 1), ("SCHED_RR", 2), ("SCHED_BATCH", 3), ("SCHED_ISO", 4),
        ("SCHED_IDLE", 5), ("SCHED_DEADLINE", 6),
    ]
    public static let schedulerPolicyNames: [String] = schedulerPolicies.map(\.name)
    /// sched_attr.sched_flags bits.
    public static let schedulerFlags: [(name: String, value: UInt64)] = [
        ("SCHED_FLAG_RESET_ON_FORK", 0x01), ("SCHED_FLAG_RECLAIM", 0x02), ("SCHED_FLAG_DL_OVERRUN", 0x04),
        ("SCHED_FLAG_KEEP_POLICY", 0x08), ("SCHED_FLAG_KEEP_PARAMS", 0x10), ("SCHED_FLAG_UTIL_CLAMP_MIN", 0x20),
        ("SCHED_FLAG_UTIL_CLAMP_MAX", 0x40),
    ]
    public static let schedulerFlagNames: [String] = schedulerFlags.map(\.name)

    /// personality(2) domains (PER_LINUX, PER_LINUX32).
    public static let personalityDomains: [(name: String, value: UInt32)] = [("LINUX", 0x0000), ("LINUX32", 0x0008)]
    public static let personalityDomainNames: [String] = personalityDomains.map(\.name)
    /// The spec defines no personality flags yet.
    public static let personalityFlags: [String] = []

    // MARK: linux

    /// set_mempolicy(2) modes.
    public static let memoryPolicyModes: [(name: String, value: Int32)] = [
        ("MPOL_DEFAULT", 0), ("MPOL_PREFERRED", 1), ("MPOL_BIND", 2), ("MPOL_INTERLEAVE", 3),
        ("MPOL_LOCAL", 4), ("MPOL_PREFERRED_MANY", 5), ("MPOL_WEIGHTED_INTERLEAVE", 6),
    ]
    public static let memoryPolicyModeNames: [String] = memoryPolicyModes.map(\.name)
    /// set_mempolicy(2) mode flags (or-ed into mode).
    public static let memoryPolicyFlags: [(name: String, value: Int32)] = [
        ("MPOL_F_NUMA_BALANCING", 1 << 13), ("MPOL_F_RELATIVE_NODES", 1 << 14), ("MPOL_F_STATIC_NODES", 1 << 15),
    ]
    public static let memoryPolicyFlagNames: [String] = memoryPolicyFlags.map(\.name)

    /// linux.rootfsPropagation values with their MS_* flag (MS_REC added by the runtime as needed).
    public static let rootfsPropagations: [(name: String, flag: UInt)] = [
        ("private", MountOptions.MS_PRIVATE), ("shared", MountOptions.MS_SHARED),
        ("slave", MountOptions.MS_SLAVE), ("unbindable", MountOptions.MS_UNBINDABLE),
    ]
    public static let rootfsPropagationNames: [String] = rootfsPropagations.map(\.name)

    /// linux.devices[].type.
    public static let deviceTypes: [String] = ["c", "b", "u", "p"]

    /// linux.timeOffsets keys (clocks a time namespace can offset).
    public static let timeOffsetClocks: [String] = ["monotonic", "boottime"]

    /// Every mount option name MountOptions.parse recognizes (sorted), for features.mountOptions.
    /// Anything else is filesystem data.
    public static var mountOptions: [String] { MountOptions.knownOptions }
}

extension NamespaceType {
    /// clone(2) / setns(2) CLONE_NEW* flag.
    public var cloneFlag: Int32 {
        switch self {
        case .mount: return 0x0002_0000
        case .cgroup: return 0x0200_0000
        case .uts: return 0x0400_0000
        case .ipc: return 0x0800_0000
        case .user: return 0x1000_0000
        case .pid: return 0x2000_0000
        case .network: return 0x4000_0000
        case .time: return 0x0000_0080
        }
    }

    /// The /proc/<pid>/ns/ entry name.
    public var procName: String {
        switch self {
        case .mount: return "mnt"
        case .network: return "net"
        default: return rawValue
        }
    }
}
