// config-linux.md: the `linux` object, cgroup resources and seccomp.

extension Spec {
    static func decodeLinux(_ v: Val) throws(SpecError) -> Linux {
        let o = try v.object()
        var l = Linux()
        if let ns = o["namespaces"] {
            l.namespaces = try ns.list { (x: Val) throws(SpecError) in
                let e = try x.object()
                let t = try e.req("type")
                guard let type = NamespaceType(rawValue: try t.string()) else {
                    throw t.fail("unknown namespace \(q(try t.string()))")
                }
                return Namespace(type: type, path: try e.string("path"))
            }
        }
        l.uidMappings = try o["uidMappings"]?.list(decodeIDMapping) ?? []
        l.gidMappings = try o["gidMappings"]?.list(decodeIDMapping) ?? []
        if let t = o["timeOffsets"] {
            l.timeOffsets = try t.map { (x: Val) throws(SpecError) in
                let e = try x.object()
                var off = TimeOffset()
                off.secs = try e.int("secs") ?? 0
                off.nanosecs = try e.uint("nanosecs") ?? 0
                return off
            }
        }
        if let d = o["devices"] { l.devices = try d.list(decodeDevice) }
        if let n = o["netDevices"] {
            l.netDevices = try n.map { (x: Val) throws(SpecError) in
                var nd = NetDevice()
                nd.name = try x.object().string("name")
                return nd
            }
        }
        l.cgroupsPath = try o.string("cgroupsPath")
        if let r = o["resources"] { l.resources = try decodeResources(r) }
        l.rootfsPropagation = try o["rootfsPropagation"]?.oneOf(KnownLists.rootfsPropagationNames, "rootfsPropagation")
        if let s = o["seccomp"] { l.seccomp = try decodeSeccomp(s) }
        if let s = o["sysctl"] { l.sysctl = try s.stringMap() }
        l.maskedPaths = try o.strings("maskedPaths") ?? []
        l.readonlyPaths = try o.strings("readonlyPaths") ?? []
        l.mountLabel = try o.string("mountLabel")
        if let p = try o.object("personality") {
            var pers = Personality(domain: try p.req("domain").oneOf(KnownLists.personalityDomainNames, "personality domain"))
            pers.flags = try p["flags"]?.allOf(KnownLists.personalityFlags, "personality flag") ?? []
            l.personality = pers
        }
        if let r = try o.object("intelRdt") {
            var rdt = IntelRdt()
            rdt.closID = try r.string("closID")
            rdt.l3CacheSchema = try r.string("l3CacheSchema")
            rdt.memBwSchema = try r.string("memBwSchema")
            rdt.schemata = try r.strings("schemata") ?? []
            rdt.enableMonitoring = try r.bool("enableMonitoring") ?? false
            l.intelRdt = rdt
        }
        if let m = try o.object("memoryPolicy") {
            var mp = MemoryPolicy(mode: try m.req("mode").oneOf(KnownLists.memoryPolicyModeNames, "memoryPolicy mode"))
            mp.nodes = try m.string("nodes")
            mp.flags = try m["flags"]?.allOf(KnownLists.memoryPolicyFlagNames, "memoryPolicy flag") ?? []
            l.memoryPolicy = mp
        }
        return l
    }

    static func decodeDevice(_ v: Val) throws(SpecError) -> Device {
        let o = try v.object()
        let t = try o.req("type")
        let type = try t.string()
        guard KnownLists.deviceTypes.contains(type) else {
            throw t.fail("unknown device type \(q(type)) (want c, b, u or p)")
        }
        var d = Device(type: type, path: try o.req("path").string())
        d.major = try o.int("major")
        d.minor = try o.int("minor")
        d.fileMode = try o.uint("fileMode")
        d.uid = try o.uint("uid")
        d.gid = try o.uint("gid")
        return d
    }

    static func decodeResources(_ v: Val) throws(SpecError) -> Resources {
        let o = try v.object()
        var r = Resources()
        if let d = o["devices"] {
            r.devices = try d.list { (x: Val) throws(SpecError) in
                let e = try x.object()
                var rule = DeviceCgroupRule(allow: try e.req("allow").bool())
                rule.type = try e.string("type")
                rule.major = try e.int("major")
                rule.minor = try e.int("minor")
                rule.access = try e.string("access")
                return rule
            }
        }
        if let m = try o.object("memory") {
            var mem = MemoryResources()
            mem.limit = try m.int("limit")
            mem.reservation = try m.int("reservation")
            mem.swap = try m.int("swap")
            mem.kernel = try m.int("kernel")
            mem.kernelTCP = try m.int("kernelTCP")
            mem.swappiness = try m.uint("swappiness")
            mem.disableOOMKiller = try m.bool("disableOOMKiller")
            mem.useHierarchy = try m.bool("useHierarchy")
            mem.checkBeforeUpdate = try m.bool("checkBeforeUpdate")
            r.memory = mem
        }
        if let c = try o.object("cpu") {
            var cpu = CPUResources()
            cpu.shares = try c.uint("shares")
            cpu.quota = try c.int("quota")
            cpu.burst = try c.uint("burst")
            cpu.period = try c.uint("period")
            cpu.realtimeRuntime = try c.int("realtimeRuntime")
            cpu.realtimePeriod = try c.uint("realtimePeriod")
            cpu.cpus = try c.string("cpus")
            cpu.mems = try c.string("mems")
            cpu.idle = try c.int("idle")
            r.cpu = cpu
        }
        if let p = try o.object("pids") { r.pids = PidsResources(limit: try p.req("limit").int()) }
        if let b = try o.object("blockIO") {
            var bio = BlockIOResources()
            bio.weight = try b.uint("weight")
            bio.leafWeight = try b.uint("leafWeight")
            bio.weightDevice = try b["weightDevice"]?.list { (x: Val) throws(SpecError) in
                let e = try x.object()
                var d = BlockIODevice(major: try e.req("major").int(), minor: try e.req("minor").int())
                d.weight = try e.uint("weight")
                d.leafWeight = try e.uint("leafWeight")
                return d
            } ?? []
            func throttle(_ k: String) throws(SpecError) -> [BlockIODevice] {
                try b[k]?.list { (x: Val) throws(SpecError) in
                    let e = try x.object()
                    var d = BlockIODevice(major: try e.req("major").int(), minor: try e.req("minor").int())
                    d.rate = try e.req("rate").uint()
                    return d
                } ?? []
            }
            bio.throttleReadBpsDevice = try throttle("throttleReadBpsDevice")
            bio.throttleWriteBpsDevice = try throttle("throttleWriteBpsDevice")
            bio.throttleReadIOPSDevice = try throttle("throttleReadIOPSDevice")
            bio.throttleWriteIOPSDevice = try throttle("throttleWriteIOPSDevice")
            r.blockIO = bio
        }
        if let h = o["hugepageLimits"] {
            r.hugepageLimits = try h.list { (x: Val) throws(SpecError) in
                let e = try x.object()
                let ps = try e.req("pageSize")
                let size = try ps.string()
                guard Spec.isHugepageSize(size) else {
                    throw ps.fail("invalid page size \(q(size)) (want e.g. \"2MB\", \"1GB\")")
                }
                return HugepageLimit(pageSize: size, limit: try e.req("limit").uint())
            }
        }
        if let n = try o.object("network") {
            var net = NetworkResources()
            net.classID = try n.uint("classID")
            net.priorities = try n["priorities"]?.list { (x: Val) throws(SpecError) in
                let e = try x.object()
                return (name: try e.req("name").string(), priority: try e.req("priority").uint(UInt32.self))
            } ?? []
            r.network = net
        }
        if let rd = o["rdma"] {
            r.rdma = try rd.map { (x: Val) throws(SpecError) in
                let e = try x.object()
                var lim = RdmaLimit()
                lim.hcaHandles = try e.uint("hcaHandles")
                lim.hcaObjects = try e.uint("hcaObjects")
                return lim
            }
        }
        if let u = o["unified"] { r.unified = try u.stringMap() }
        return r
    }

    /// `^[1-9][0-9]*[KMG]B$` (schema pattern for hugepageLimits[].pageSize).
    static func isHugepageSize(_ s: String) -> Bool {
        let b = Array(s.utf8)
        guard b.count >= 3, b.last == UInt8(ascii: "B"), [UInt8(ascii: "K"), UInt8(ascii: "M"), UInt8(ascii: "G")].contains(b[b.count - 2]),
              b[0] >= UInt8(ascii: "1"), b[0] <= UInt8(ascii: "9") else { return false }
        return b[1..<(b.count - 2)].allSatisfy { $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }
    }

    static func decodeSeccomp(_ v: Val) throws(SpecError) -> SeccompConfig {
        let o = try v.object()
        var s = SeccompConfig(defaultAction: try o.req("defaultAction").oneOf(KnownLists.seccompActions, "seccomp action"))
        s.defaultErrnoRet = try o.uint("defaultErrnoRet")
        s.architectures = try o["architectures"]?.allOf(KnownLists.seccompArchs, "seccomp architecture") ?? []
        s.flags = try o["flags"]?.allOf(KnownLists.seccompFlagNames, "seccomp flag") ?? []
        s.listenerPath = try o.string("listenerPath")
        s.listenerMetadata = try o.string("listenerMetadata")
        if let sc = o["syscalls"] {
            s.syscalls = try sc.list { (x: Val) throws(SpecError) in
                let e = try x.object()
                let namesVal = try e.req("names")
                let names = try namesVal.strings()
                if names.isEmpty { throw namesVal.fail("must contain at least one syscall name") }
                var call = SeccompSyscall(names: names, action: try e.req("action").oneOf(KnownLists.seccompActions, "seccomp action"))
                call.errnoRet = try e.uint("errnoRet")
                call.args = try e["args"]?.list { (y: Val) throws(SpecError) in
                    let a = try y.object()
                    var arg = SeccompArg(index: try a.req("index").uint(), value: try a.req("value").uint(),
                                         op: try a.req("op").oneOf(KnownLists.seccompOperatorNames, "seccomp operator"))
                    arg.valueTwo = try a.uint("valueTwo") ?? 0
                    return arg
                } ?? []
                return call
            }
        }
        return s
    }
}
