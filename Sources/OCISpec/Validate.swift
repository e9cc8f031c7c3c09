// Semantic checks after decoding: the spec's MUSTs plus what runc's libcontainer/configs/validate
// rejects before touching the host. Host-dependent checks (does the path exist, is the kernel
// new enough) belong to the runtime, not here. Every error names the field path.

extension Spec {
    public func validate() throws(SpecError) {
        func fail(_ path: String, _ reason: String) -> SpecError { SpecError(path: path, reason: reason) }

        guard let root else { throw fail("root", "missing (required on Linux)") }
        if root.path.isEmpty { throw fail("root.path", "must not be empty") }
        guard let process else { throw fail("process", "missing (required to create a container)") }
        try process.validate()

        for (i, m) in mounts.enumerated() {
            let p = "mounts[\(i)]"
            if m.destination.isEmpty { throw fail(p + ".destination", "must not be empty") }
            if m.uidMappings.isEmpty != m.gidMappings.isEmpty {
                throw fail(p + (m.uidMappings.isEmpty ? ".gidMappings" : ".uidMappings"),
                           "uidMappings and gidMappings must be specified together")
            }
            let opts = m.options
            if (opts.contains("idmap") || opts.contains("ridmap")) && m.uidMappings.isEmpty
                && linux?.namespace(.user) == nil {
                throw fail(p + ".options", "idmap requires uidMappings/gidMappings or a user namespace")
            }
            for (j, mp) in (m.uidMappings + m.gidMappings).enumerated() where mp.size == 0 {
                let which = j < m.uidMappings.count ? "uidMappings[\(j)]" : "gidMappings[\(j - m.uidMappings.count)]"
                throw fail("\(p).\(which).size", "must be greater than zero")
            }
        }
        if let hooks {
            let kinds: [(String, [Hook])] = [
                ("prestart", hooks.prestart), ("createRuntime", hooks.createRuntime),
                ("createContainer", hooks.createContainer), ("startContainer", hooks.startContainer),
                ("poststart", hooks.poststart), ("poststop", hooks.poststop),
            ]
            for (k, list) in kinds {
                for (i, h) in list.enumerated() {
                    if !h.path.hasPrefix("/") { throw fail("hooks.\(k)[\(i)].path", "must be an absolute path, got \(q(h.path))") }
                    if let t = h.timeout, t <= 0 { throw fail("hooks.\(k)[\(i)].timeout", "must be greater than zero, got \(t)") }
                }
            }
        }
        for key in annotations.keys where key.isEmpty { throw fail("annotations", "keys must not be empty") }

        let linux = self.linux ?? Linux()
        let has = { (t: NamespaceType) in linux.namespace(t) != nil }
        if let h = hostname, !h.isEmpty, !has(.uts) {
            throw fail("hostname", "unable to set hostname without a private UTS namespace")
        }
        if let d = domainname, !d.isEmpty, !has(.uts) {
            throw fail("domainname", "unable to set domainname without a private UTS namespace")
        }
        try linux.validate()
    }
}

extension Process {
    public func validate() throws(SpecError) {
        func fail(_ path: String, _ reason: String) -> SpecError { SpecError(path: path, reason: reason) }
        if args.isEmpty { throw fail("process.args", "must contain at least one element") }
        if !cwd.hasPrefix("/") { throw fail("process.cwd", "must be an absolute path, got \(q(cwd))") }
        for (i, e) in env.enumerated() {
            guard let eq = e.firstIndex(of: "="), eq != e.startIndex else {
                throw fail("process.env[\(i)]", "invalid environment variable \(q(e)) (want NAME=value)")
            }
        }
        var seen: [String] = []
        for (i, r) in rlimits.enumerated() {
            if seen.contains(r.type) { throw fail("process.rlimits[\(i)].type", "duplicate rlimit \(q(r.type))") }
            seen.append(r.type)
        }
        if let io = ioPriority, !(0...7).contains(io.priority) {
            throw fail("process.ioPriority.priority", "must be between 0 and 7, got \(io.priority)")
        }
        if let s = scheduler {
            if !(-20...19).contains(s.nice) { throw fail("process.scheduler.nice", "must be between -20 and 19, got \(s.nice)") }
            if s.priority != 0 && s.policy != "SCHED_FIFO" && s.policy != "SCHED_RR" {
                throw fail("process.scheduler.priority", "can only be specified for SCHED_FIFO or SCHED_RR policy")
            }
            if s.policy != "SCHED_DEADLINE" && (s.runtime != 0 || s.deadline != 0 || s.period != 0) {
                throw fail("process.scheduler", "runtime, deadline and period can only be specified for SCHED_DEADLINE policy")
            }
        }
        if let a = execCPUAffinity {
            for (k, v) in [("initial", a.initial), ("final", a.final)] {
                if let v, !Linux.isCPUList(v) { throw fail("process.execCPUAffinity.\(k)", "invalid CPU list \(q(v))") }
            }
        }
    }
}

extension Linux {
    public func validate() throws(SpecError) {
        func fail(_ path: String, _ reason: String) -> SpecError { SpecError(path: path, reason: reason) }
        for (i, ns) in namespaces.enumerated() {
            if namespaces[..<i].contains(where: { $0.type == ns.type }) {
                throw fail("linux.namespaces[\(i)].type", "duplicate namespace \(q(ns.type.rawValue))")
            }
            if let p = ns.path, !p.hasPrefix("/") {
                throw fail("linux.namespaces[\(i)].path", "must be an absolute path, got \(q(p))")
            }
        }
        let has = { (t: NamespaceType) in self.namespace(t) != nil }
        if !has(.user) {
            if !uidMappings.isEmpty { throw fail("linux.uidMappings", "user namespace mappings specified, but no user namespace configured") }
            if !gidMappings.isEmpty { throw fail("linux.gidMappings", "user namespace mappings specified, but no user namespace configured") }
        }
        for (k, list) in [("uidMappings", uidMappings), ("gidMappings", gidMappings)] {
            for (i, m) in list.enumerated() where m.size == 0 { throw fail("linux.\(k)[\(i)].size", "must be greater than zero") }
        }
        if !timeOffsets.isEmpty {
            for k in timeOffsets.keys.sorted() where !KnownLists.timeOffsetClocks.contains(k) {
                throw fail("linux.timeOffsets[\(q(k))]", "unknown clock (want \"monotonic\" or \"boottime\")")
            }
            guard let t = namespace(.time) else {
                throw fail("linux.timeOffsets", "time namespace is required when time offsets are specified")
            }
            if t.path != nil { throw fail("linux.timeOffsets", "time offsets cannot be set when joining an existing time namespace") }
            for k in timeOffsets.keys.sorted() where timeOffsets[k]!.nanosecs >= 1_000_000_000 {
                throw fail("linux.timeOffsets[\(q(k))].nanosecs", "must be less than 1000000000")
            }
        }
        for (i, d) in devices.enumerated() {
            let p = "linux.devices[\(i)]"
            if !d.path.hasPrefix("/") { throw fail(p + ".path", "must be an absolute path, got \(q(d.path))") }
            if d.type != "p" {
                if d.major == nil { throw fail(p, "missing required field \"major\" for device type \(q(d.type))") }
                if d.minor == nil { throw fail(p, "missing required field \"minor\" for device type \(q(d.type))") }
            }
        }
        for k in netDevices.keys.sorted() {
            if !has(.network) {
                throw fail("linux.netDevices", "unable to move network devices without a private network namespace")
            }
            if !Linux.isInterfaceName(k) { throw fail("linux.netDevices[\(q(k))]", "invalid network device name") }
            if let n = netDevices[k]!.name, !Linux.isInterfaceName(n) {
                throw fail("linux.netDevices[\(q(k))].name", "invalid network device name \(q(n))")
            }
        }
        for k in sysctl.keys.sorted() {
            if let why = sysctlProblem(k) { throw fail("linux.sysctl[\(q(k))]", why) }
        }
        if let s = seccomp { try s.validate() }
        for (i, p) in maskedPaths.enumerated() where !p.hasPrefix("/") {
            throw fail("linux.maskedPaths[\(i)]", "must be an absolute path, got \(q(p))")
        }
        for (i, p) in readonlyPaths.enumerated() where !p.hasPrefix("/") {
            throw fail("linux.readonlyPaths[\(i)]", "must be an absolute path, got \(q(p))")
        }
        if let r = resources { try r.validate() }
        if let r = intelRdt {
            if let m = r.memBwSchema, !m.hasPrefix("MB:") || m.contains("\n") {
                throw fail("linux.intelRdt.memBwSchema", "must start with \"MB:\" and contain no newline")
            }
            if let l = r.l3CacheSchema, l.contains("\n") { throw fail("linux.intelRdt.l3CacheSchema", "must not contain a newline") }
            for (i, s) in r.schemata.enumerated() where s.contains("\n") {
                throw fail("linux.intelRdt.schemata[\(i)]", "must not contain a newline")
            }
        }
        if let m = memoryPolicy {
            let nodes = m.nodes ?? ""
            if (m.mode == "MPOL_DEFAULT" || m.mode == "MPOL_LOCAL") && !nodes.isEmpty {
                throw fail("linux.memoryPolicy.nodes", "must be empty for mode \(m.mode)")
            }
            if ["MPOL_BIND", "MPOL_INTERLEAVE", "MPOL_WEIGHTED_INTERLEAVE", "MPOL_PREFERRED_MANY"].contains(m.mode) && nodes.isEmpty {
                throw fail("linux.memoryPolicy.nodes", "required for mode \(m.mode)")
            }
            if !nodes.isEmpty && !Linux.isCPUList(nodes) { throw fail("linux.memoryPolicy.nodes", "invalid node list \(q(nodes))") }
            if m.flags.contains("MPOL_F_STATIC_NODES") && m.flags.contains("MPOL_F_RELATIVE_NODES") {
                throw fail("linux.memoryPolicy.flags", "MPOL_F_STATIC_NODES and MPOL_F_RELATIVE_NODES are mutually exclusive")
            }
        }
    }

    /// runc's sysctl rule: only namespaced sysctls, and only when that namespace is the container's own.
    func sysctlProblem(_ key: String) -> String? {
        let s = String(key.map { $0 == "/" ? "." : $0 })
        if Linux.ipcSysctls.contains(s) || s.hasPrefix("fs.mqueue.") {
            return namespace(.ipc) != nil ? nil : "sysctl is not allowed in the host's ipc namespace"
        }
        if s.hasPrefix("net.") {
            return namespace(.network) != nil ? nil : "sysctl is not allowed in the host's network namespace"
        }
        if namespace(.uts) != nil {
            if s == "kernel.domainname" { return nil }
            if s == "kernel.hostname" { return "sysctl is not allowed as it conflicts with the \"hostname\" field" }
        }
        return "sysctl is not in a separate kernel namespace"
    }

    /// IPC-namespaced sysctls (besides fs.mqueue.*), as in runc's validator.
    static let ipcSysctls = ["kernel.msgmax", "kernel.msgmnb", "kernel.msgmni", "kernel.sem", "kernel.shmall",
                             "kernel.shmmax", "kernel.shmmni", "kernel.shm_rmid_forced"]

    /// "0-3,7" style list (also the schema's `^[0-9, -]*$` with structure checked).
    static func isCPUList(_ s: String) -> Bool {
        for part in s.split(separator: ",", omittingEmptySubsequences: false) {
            let t = part.filter { $0 != " " }
            let ends = t.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count),
                  ends.allSatisfy({ e in !e.isEmpty && e.allSatisfy { $0.isASCII && $0.isNumber } })
            else { return s.isEmpty }
        }
        return true
    }

    /// Linux interface name: 1…15 bytes, not "." or "..", no "/", ":" or whitespace.
    static func isInterfaceName(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard (1...15).contains(b.count), s != ".", s != ".." else { return false }
        return !b.contains { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: ":") || $0 <= 0x20 || $0 == 0x7F }
    }
}

extension SeccompConfig {
    public func validate() throws(SpecError) {
        func fail(_ path: String, _ reason: String) -> SpecError { SpecError(path: path, reason: reason) }
        let errnoActions = KnownLists.seccompErrnoActions
        if defaultErrnoRet != nil && !errnoActions.contains(defaultAction) {
            throw fail("linux.seccomp.defaultErrnoRet", "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not \(defaultAction)")
        }
        if defaultAction == "SCMP_ACT_NOTIFY" {
            throw fail("linux.seccomp.defaultAction", "SCMP_ACT_NOTIFY cannot be used as the default action")
        }
        if listenerMetadata != nil && (listenerPath ?? "").isEmpty {
            throw fail("linux.seccomp.listenerMetadata", "must not be set without listenerPath")
        }
        for (i, s) in syscalls.enumerated() {
            let p = "linux.seccomp.syscalls[\(i)]"
            if s.errnoRet != nil && !errnoActions.contains(s.action) {
                throw fail(p + ".errnoRet", "only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not \(s.action)")
            }
            if s.action == "SCMP_ACT_NOTIFY" {
                if (listenerPath ?? "").isEmpty {
                    throw fail(p + ".action", "SCMP_ACT_NOTIFY requires linux.seccomp.listenerPath")
                }
                if s.names.contains("write") { throw fail(p + ".action", "SCMP_ACT_NOTIFY cannot be used for the write syscall") }
            }
            for (j, n) in s.names.enumerated() where n.isEmpty { throw fail("\(p).names[\(j)]", "must not be empty") }
            for (j, a) in s.args.enumerated() where a.index > 5 {
                throw fail("\(p).args[\(j)].index", "must be between 0 and 5, got \(a.index)")
            }
        }
    }
}

extension Resources {
    public func validate() throws(SpecError) {
        func fail(_ path: String, _ reason: String) -> SpecError { SpecError(path: path, reason: reason) }
        let p = "linux.resources"
        for (i, d) in devices.enumerated() {
            if let t = d.type, !["a", "b", "c"].contains(t) {
                throw fail("\(p).devices[\(i)].type", "unknown device type \(q(t)) (want a, b or c)")
            }
            if let a = d.access, !a.allSatisfy({ "rwm".contains($0) }) {
                throw fail("\(p).devices[\(i)].access", "invalid access \(q(a)) (want a combination of r, w, m)")
            }
        }
        if let b = blockIO {
            for (i, d) in b.weightDevice.enumerated() where d.weight == nil && d.leafWeight == nil {
                throw fail("\(p).blockIO.weightDevice[\(i)]", "must specify weight or leafWeight")
            }
        }
        for k in rdma.keys.sorted() where rdma[k]!.hcaHandles == nil && rdma[k]!.hcaObjects == nil {
            throw fail("\(p).rdma[\(q(k))]", "must specify hcaHandles or hcaObjects")
        }
    }
}

extension Spec {
    /// Non-fatal findings the runtime should log as warnings (runtime.md "Warnings"):
    /// relative mount destinations (deprecated; interpreted relative to "/").
    public func warnings() -> [String] {
        var out: [String] = []
        for (i, m) in mounts.enumerated() where !m.destination.isEmpty && !m.destination.hasPrefix("/") {
            out.append("mounts[\(i)].destination: relative path \(q(m.destination)) is deprecated, using \(q(m.resolvedDestination))")
        }
        return out
    }
}

extension Mount {
    /// The destination as an absolute path (relative destinations are relative to "/").
    public var resolvedDestination: String { destination.hasPrefix("/") ? destination : "/" + destination }
}
