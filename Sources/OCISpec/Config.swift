// runtime-spec config.json types (config.md, config-linux.md), version 1.0.0 – 1.3.x.
// Property names are the JSON names. Optional = absent in JSON. Decoding lives in
// ConfigDecoding.swift, encoding in ConfigEncoding.swift, semantic checks in Validate.swift.

public struct Spec: Sendable, Equatable {
    public var ociVersion: String = "1.3.0"
    public var process: Process?
    public var root: Root?
    public var hostname: String?
    public var domainname: String?
    public var mounts: [Mount] = []
    public var hooks: Hooks?
    public var annotations: [String: String] = [:]
    public var linux: Linux?
    public init() {}
}

public struct Root: Sendable, Equatable {
    public var path: String
    public var readonly: Bool = false
    public init(path: String, readonly: Bool = false) { self.path = path; self.readonly = readonly }
}

public struct Mount: Sendable, Equatable {
    public var destination: String
    public var type: String?
    public var source: String?
    public var options: [String] = []
    public var uidMappings: [IDMapping] = []
    public var gidMappings: [IDMapping] = []
    public init(destination: String, type: String? = nil, source: String? = nil, options: [String] = []) {
        self.destination = destination; self.type = type; self.source = source; self.options = options
    }
}

public struct Process: Sendable, Equatable {
    public var terminal: Bool = false
    public var consoleSize: ConsoleSize?
    public var user: User = User()
    public var args: [String] = []
    public var commandLine: String?
    public var env: [String] = []
    public var cwd: String = "/"
    public var capabilities: Capabilities?
    public var rlimits: [Rlimit] = []
    public var noNewPrivileges: Bool = false
    public var apparmorProfile: String?
    public var oomScoreAdj: Int?
    public var selinuxLabel: String?
    public var ioPriority: IOPriority?
    public var scheduler: Scheduler?
    public var execCPUAffinity: CPUAffinity?
    public init() {}
}

public struct ConsoleSize: Sendable, Equatable {
    public var height: UInt64
    public var width: UInt64
    public init(height: UInt64, width: UInt64) { self.height = height; self.width = width }
}

public struct User: Sendable, Equatable {
    public var uid: UInt32 = 0
    public var gid: UInt32 = 0
    public var umask: UInt32?
    public var additionalGids: [UInt32] = []
    public var username: String?
    public init() {}
}

/// Each set holds capability names as in the spec ("CAP_CHOWN"), already validated.
public struct Capabilities: Sendable, Equatable {
    public var bounding: [String]?
    public var effective: [String]?
    public var inheritable: [String]?
    public var permitted: [String]?
    public var ambient: [String]?
    public init() {}
}

public struct Rlimit: Sendable, Equatable {
    public var type: String      // "RLIMIT_NOFILE"
    public var soft: UInt64
    public var hard: UInt64
    public init(type: String, soft: UInt64, hard: UInt64) { self.type = type; self.soft = soft; self.hard = hard }
}

public struct IOPriority: Sendable, Equatable {
    public var `class`: String   // IOPRIO_CLASS_RT | IOPRIO_CLASS_BE | IOPRIO_CLASS_IDLE
    public var priority: Int32 = 0
    public init(class c: String, priority: Int32 = 0) { self.class = c; self.priority = priority }
}

public struct Scheduler: Sendable, Equatable {
    public var policy: String    // SCHED_OTHER ...
    public var nice: Int32 = 0
    public var priority: Int32 = 0
    public var flags: [String] = []
    public var runtime: UInt64 = 0
    public var deadline: UInt64 = 0
    public var period: UInt64 = 0
    public init(policy: String) { self.policy = policy }
}

public struct CPUAffinity: Sendable, Equatable {
    public var initial: String?
    public var final: String?
    public init() {}
}

public struct Hooks: Sendable, Equatable {
    public var prestart: [Hook] = []
    public var createRuntime: [Hook] = []
    public var createContainer: [Hook] = []
    public var startContainer: [Hook] = []
    public var poststart: [Hook] = []
    public var poststop: [Hook] = []
    public init() {}
}

public struct Hook: Sendable, Equatable {
    public var path: String
    public var args: [String] = []
    public var env: [String] = []
    public var timeout: Int?
    public init(path: String) { self.path = path }
}

public enum NamespaceType: String, Sendable, Equatable, CaseIterable {
    case pid, network, mount, ipc, uts, user, cgroup, time
}

public struct Namespace: Sendable, Equatable {
    public var type: NamespaceType
    public var path: String?
    public init(type: NamespaceType, path: String? = nil) { self.type = type; self.path = path }
}

public struct IDMapping: Sendable, Equatable {
    public var containerID: UInt32
    public var hostID: UInt32
    public var size: UInt32
    public init(containerID: UInt32, hostID: UInt32, size: UInt32) {
        self.containerID = containerID; self.hostID = hostID; self.size = size
    }
}

public struct Device: Sendable, Equatable {
    public var type: String      // c, b, u, p
    public var path: String
    public var major: Int64?
    public var minor: Int64?
    public var fileMode: UInt32?
    public var uid: UInt32?
    public var gid: UInt32?
    public init(type: String, path: String) { self.type = type; self.path = path }
}

public struct NetDevice: Sendable, Equatable {
    public var name: String?
    public init() {}
}

public struct TimeOffset: Sendable, Equatable {
    public var secs: Int64 = 0
    public var nanosecs: UInt32 = 0
    public init() {}
}

public struct Personality: Sendable, Equatable {
    public var domain: String    // LINUX | LINUX32
    public var flags: [String] = []
    public init(domain: String) { self.domain = domain }
}

public struct IntelRdt: Sendable, Equatable {
    public var closID: String?
    public var l3CacheSchema: String?
    public var memBwSchema: String?
    public var schemata: [String] = []
    public var enableMonitoring: Bool = false
    public init() {}
}

public struct MemoryPolicy: Sendable, Equatable {
    public var mode: String
    public var nodes: String?
    public var flags: [String] = []
    public init(mode: String) { self.mode = mode }
}

public struct Linux: Sendable, Equatable {
    public var namespaces: [Namespace] = []
    public var uidMappings: [IDMapping] = []
    public var gidMappings: [IDMapping] = []
    public var timeOffsets: [String: TimeOffset] = [:]   // "monotonic", "boottime"
    public var devices: [Device] = []
    public var netDevices: [String: NetDevice] = [:]
    public var cgroupsPath: String?
    public var resources: Resources?
    public var rootfsPropagation: String?
    public var seccomp: SeccompConfig?
    public var sysctl: [String: String] = [:]
    public var maskedPaths: [String] = []
    public var readonlyPaths: [String] = []
    public var mountLabel: String?
    public var personality: Personality?
    public var intelRdt: IntelRdt?
    public var memoryPolicy: MemoryPolicy?
    public init() {}

    public func namespace(_ t: NamespaceType) -> Namespace? { namespaces.first { $0.type == t } }
}

// MARK: resources (cgroups)

public struct Resources: Sendable, Equatable {
    public var devices: [DeviceCgroupRule] = []
    public var memory: MemoryResources?
    public var cpu: CPUResources?
    public var pids: PidsResources?
    public var blockIO: BlockIOResources?
    public var hugepageLimits: [HugepageLimit] = []
    public var network: NetworkResources?
    public var rdma: [String: RdmaLimit] = [:]
    public var unified: [String: String] = [:]
    public init() {}
}

public struct DeviceCgroupRule: Sendable, Equatable {
    public var allow: Bool
    public var type: String?     // a, c, b (absent = a)
    public var major: Int64?
    public var minor: Int64?
    public var access: String?   // rwm
    public init(allow: Bool) { self.allow = allow }
}

public struct MemoryResources: Sendable, Equatable {
    public var limit: Int64?
    public var reservation: Int64?
    public var swap: Int64?
    public var kernel: Int64?
    public var kernelTCP: Int64?
    public var swappiness: UInt64?
    public var disableOOMKiller: Bool?
    public var useHierarchy: Bool?
    public var checkBeforeUpdate: Bool?
    public init() {}
}

public struct CPUResources: Sendable, Equatable {
    public var shares: UInt64?
    public var quota: Int64?
    public var burst: UInt64?
    public var period: UInt64?
    public var realtimeRuntime: Int64?
    public var realtimePeriod: UInt64?
    public var cpus: String?
    public var mems: String?
    public var idle: Int64?
    public init() {}
}

public struct PidsResources: Sendable, Equatable {
    public var limit: Int64
    public init(limit: Int64) { self.limit = limit }
}

public struct BlockIODevice: Sendable, Equatable {
    public var major: Int64
    public var minor: Int64
    public var weight: UInt16?
    public var leafWeight: UInt16?
    public var rate: UInt64?     // throttle entries
    public init(major: Int64, minor: Int64) { self.major = major; self.minor = minor }
}

public struct BlockIOResources: Sendable, Equatable {
    public var weight: UInt16?
    public var leafWeight: UInt16?
    public var weightDevice: [BlockIODevice] = []
    public var throttleReadBpsDevice: [BlockIODevice] = []
    public var throttleWriteBpsDevice: [BlockIODevice] = []
    public var throttleReadIOPSDevice: [BlockIODevice] = []
    public var throttleWriteIOPSDevice: [BlockIODevice] = []
    public init() {}
}

public struct HugepageLimit: Sendable, Equatable {
    public var pageSize: String
    public var limit: UInt64
    public init(pageSize: String, limit: UInt64) { self.pageSize = pageSize; self.limit = limit }
}

public struct NetworkResources: Sendable, Equatable {
    public var classID: UInt32?
    public var priorities: [(name: String, priority: UInt32)] = []
    public init() {}
    public static func == (a: Self, b: Self) -> Bool {
        a.classID == b.classID && a.priorities.map(\.name) == b.priorities.map(\.name)
            && a.priorities.map(\.priority) == b.priorities.map(\.priority)
    }
}

public struct RdmaLimit: Sendable, Equatable {
    public var hcaHandles: UInt32?
    public var hcaObjects: UInt32?
    public init() {}
}

// MARK: seccomp

public struct SeccompConfig: Sendable, Equatable {
    public var defaultAction: String           // SCMP_ACT_*
    public var defaultErrnoRet: UInt32?
    public var architectures: [String] = []    // SCMP_ARCH_*
    public var flags: [String] = []            // SECCOMP_FILTER_FLAG_*
    public var listenerPath: String?
    public var listenerMetadata: String?
    public var syscalls: [SeccompSyscall] = []
    public init(defaultAction: String) { self.defaultAction = defaultAction }
}

public struct SeccompSyscall: Sendable, Equatable {
    public var names: [String]
    public var action: String
    public var errnoRet: UInt32?
    public var args: [SeccompArg] = []
    public init(names: [String], action: String) { self.names = names; self.action = action }
}

public struct SeccompArg: Sendable, Equatable {
    public var index: UInt32
    public var value: UInt64
    public var valueTwo: UInt64 = 0
    public var op: String                      // SCMP_CMP_*
    public init(index: UInt32, value: UInt64, op: String) { self.index = index; self.value = value; self.op = op }
}
