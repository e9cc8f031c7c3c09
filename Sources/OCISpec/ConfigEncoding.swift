// Spec → JSON. Member order follows the Go specs-go structs; defaults and empty collections
// are omitted like Go's `omitempty` so `decode(encoded())` gives back the same Spec.

extension Spec {
    public func encoded() -> JSON {
        var o = ObjectBuilder()
        o.add("ociVersion", .string(ociVersion))
        if let p = process { o.add("process", p.encoded()) }
        if let r = root {
            var b = ObjectBuilder()
            b.add("path", .string(r.path))
            b.add("readonly", ifTrue: r.readonly)
            o.add("root", b.json)
        }
        o.add("hostname", hostname)
        o.add("domainname", domainname)
        o.add("mounts", nonEmpty: mounts.map { $0.encoded() })
        if let h = hooks { o.add("hooks", h.encoded()) }
        o.add("annotations", nonEmpty: annotations)
        if let l = linux { o.add("linux", l.encoded()) }
        return o.json
    }
}

extension IDMapping {
    public func encoded() -> JSON {
        ["containerID": JSON(containerID), "hostID": JSON(hostID), "size": JSON(size)]
    }
}

extension Mount {
    public func encoded() -> JSON {
        var o = ObjectBuilder()
        o.add("destination", .string(destination))
        o.add("type", type)
        o.add("source", source)
        o.add("options", nonEmpty: options)
        o.add("uidMappings", nonEmpty: uidMappings.map { $0.encoded() })
        o.add("gidMappings", nonEmpty: gidMappings.map { $0.encoded() })
        return o.json
    }
}

extension Hooks {
    public func encoded() -> JSON {
        var o = ObjectBuilder()
        func add(_ k: String, _ l: [Hook]) { o.add(k, nonEmpty: l.map { $0.encoded() }) }
        add("prestart", prestart)
        add("createRuntime", createRuntime)
        add("createContainer", createContainer)
        add("startContainer", startContainer)
        add("poststart", poststart)
        add("poststop", poststop)
        return o.json
    }
}

extension Hook {
    public func encoded() -> JSON {
        var o = ObjectBuilder()
        o.add("path", .string(path))
        o.add("args", nonEmpty: args)
        o.add("env", nonEmpty: env)
        o.add("timeout", timeout)
        return o.json
    }
}

extension Process {
    public func encoded() -> JSON {
        var o = ObjectBuilder()
        o.add("terminal", ifTrue: terminal)
        if let c = consoleSize { o.add("consoleSize", ["height": JSON(c.height), "width": JSON(c.width)]) }
        var u = ObjectBuilder()
        u.add("uid", JSON(user.uid))
        u.add("gid", JSON(user.gid))
        u.add("umask", user.umask)
        u.add("additionalGids", nonEmpty: user.additionalGids.map { JSON($0) })
        u.add("username", user.username)
        o.add("user", u.json)
        o.add("args", nonEmpty: args)
        o.add("commandLine", commandLine)
        o.add("env", nonEmpty: env)
        o.add("cwd", .string(cwd))
        if let c = capabilities {
            var b = ObjectBuilder()
            b.add("bounding", c.bounding.map { JSON($0) })
            b.add("effective", c.effective.map { JSON($0) })
            b.add("inheritable", c.inheritable.map { JSON($0) })
            b.add("permitted", c.permitted.map { JSON($0) })
            b.add("ambient", c.ambient.map { JSON($0) })
            o.add("capabilities", b.json)
        }
        o.add("rlimits", nonEmpty: rlimits.map { ["type": JSON($0.type), "hard": JSON($0.hard), "soft": JSON($0.soft)] })
        o.add("noNewPrivileges", ifTrue: noNewPrivileges)
        o.add("apparmorProfile", apparmorProfile)
        o.add("oomScoreAdj", oomScoreAdj)
        if let s = scheduler {
            var b = ObjectBuilder()
            b.add("policy", .string(s.policy))
            b.add("nice", nonZero: s.nice)
            b.add("priority", nonZero: s.priority)
            b.add("flags", nonEmpty: s.flags)
            b.add("runtime", nonZero: s.runtime)
            b.add("deadline", nonZero: s.deadline)
            b.add("period", nonZero: s.period)
            o.add("scheduler", b.json)
        }
        o.add("selinuxLabel", selinuxLabel)
        if let io = ioPriority { o.add("ioPriority", ["class": JSON(io.class), "priority": JSON(io.priority)]) }
        if let a = execCPUAffinity {
            var b = ObjectBuilder()
            b.add("initial", a.initial)
            b.add("final", a.final)
            o.add("execCPUAffinity", b.json)
        }
        return o.json
    }
}

extension Linux {
    public func encoded() -> JSON {
        var o = ObjectBuilder()
        o.add("uidMappings", nonEmpty: uidMappings.map { $0.encoded() })
        o.add("gidMappings", nonEmpty: gidMappings.map { $0.encoded() })
        if !sysctl.isEmpty { o.add("sysctl", JSON(sysctl)) }
        if let r = resources { o.add("resources", r.encoded()) }
        o.add("cgroupsPath", cgroupsPath)
        o.add("namespaces", nonEmpty: namespaces.map { ns -> JSON in
            var b = ObjectBuilder()
            b.add("type", .string(ns.type.rawValue))
            b.add("path", ns.path)
            return b.json
        })
        o.add("devices", nonEmpty: devices.map { d -> JSON in
            var b = ObjectBuilder()
            b.add("path", .string(d.path))
            b.add("type", .string(d.type))
            b.add("major", d.major)
            b.add("minor", d.minor)
            b.add("fileMode", d.fileMode)
            b.add("uid", d.uid)
            b.add("gid", d.gid)
            return b.json
        })
        if !netDevices.isEmpty {
            o.add("netDevices", .object(netDevices.keys.sorted().map { k in
                var b = ObjectBuilder()
                b.add("name", netDevices[k]!.name)
                return (key: k, value: b.json)
            }))
        }
        if let s = seccomp { o.add("seccomp", s.encoded()) }
        o.add("rootfsPropagation", rootfsPropagation)
        o.add("maskedPaths", nonEmpty: maskedPaths)
        o.add("readonlyPaths", nonEmpty: readonlyPaths)
        o.add("mountLabel", mountLabel)
        if let r = intelRdt {
            var b = ObjectBuilder()
            b.add("closID", r.closID)
            b.add("l3CacheSchema", r.l3CacheSchema)
            b.add("memBwSchema", r.memBwSchema)
            b.add("schemata", nonEmpty: r.schemata)
            b.add("enableMonitoring", ifTrue: r.enableMonitoring)
            o.add("intelRdt", b.json)
        }
        if let p = personality {
            var b = ObjectBuilder()
            b.add("domain", .string(p.domain))
            b.add("flags", nonEmpty: p.flags)
            o.add("personality", b.json)
        }
        if !timeOffsets.isEmpty {
            o.add("timeOffsets", .object(timeOffsets.keys.sorted().map { k in
                let t = timeOffsets[k]!
                return (key: k, value: ["secs": JSON(t.secs), "nanosecs": JSON(t.nanosecs)])
            }))
        }
        if let m = memoryPolicy {
            var b = ObjectBuilder()
            b.add("mode", .string(m.mode))
            b.add("nodes", m.nodes)
            b.add("flags", nonEmpty: m.flags)
            o.add("memoryPolicy", b.json)
        }
        return o.json
    }
}

extension Resources {
    public func encoded() -> JSON {
        var o = ObjectBuilder()
        o.add("devices", nonEmpty: devices.map { d -> JSON in
            var b = ObjectBuilder()
            b.add("allow", .bool(d.allow))
            b.add("type", d.type)
            b.add("major", d.major)
            b.add("minor", d.minor)
            b.add("access", d.access)
            return b.json
        })
        if let m = memory {
            var b = ObjectBuilder()
            b.add("limit", m.limit)
            b.add("reservation", m.reservation)
            b.add("swap", m.swap)
            b.add("kernel", m.kernel)
            b.add("kernelTCP", m.kernelTCP)
            b.add("swappiness", m.swappiness)
            b.add("disableOOMKiller", m.disableOOMKiller)
            b.add("useHierarchy", m.useHierarchy)
            b.add("checkBeforeUpdate", m.checkBeforeUpdate)
            o.add("memory", b.json)
        }
        if let c = cpu {
            var b = ObjectBuilder()
            b.add("shares", c.shares)
            b.add("quota", c.quota)
            b.add("burst", c.burst)
            b.add("period", c.period)
            b.add("realtimeRuntime", c.realtimeRuntime)
            b.add("realtimePeriod", c.realtimePeriod)
            b.add("cpus", c.cpus)
            b.add("mems", c.mems)
            b.add("idle", c.idle)
            o.add("cpu", b.json)
        }
        if let p = pids { o.add("pids", ["limit": JSON(p.limit)]) }
        if let bio = blockIO {
            var b = ObjectBuilder()
            b.add("weight", bio.weight)
            b.add("leafWeight", bio.leafWeight)
            b.add("weightDevice", nonEmpty: bio.weightDevice.map { d -> JSON in
                var e = ObjectBuilder()
                e.add("major", JSON(d.major))
                e.add("minor", JSON(d.minor))
                e.add("weight", d.weight)
                e.add("leafWeight", d.leafWeight)
                return e.json
            })
            func throttle(_ l: [BlockIODevice]) -> [JSON] {
                l.map { ["major": JSON($0.major), "minor": JSON($0.minor), "rate": JSON($0.rate ?? 0)] }
            }
            b.add("throttleReadBpsDevice", nonEmpty: throttle(bio.throttleReadBpsDevice))
            b.add("throttleWriteBpsDevice", nonEmpty: throttle(bio.throttleWriteBpsDevice))
            b.add("throttleReadIOPSDevice", nonEmpty: throttle(bio.throttleReadIOPSDevice))
            b.add("throttleWriteIOPSDevice", nonEmpty: throttle(bio.throttleWriteIOPSDevice))
            o.add("blockIO", b.json)
        }
        o.add("hugepageLimits", nonEmpty: hugepageLimits.map { ["pageSize": JSON($0.pageSize), "limit": JSON($0.limit)] })
        if let n = network {
            var b = ObjectBuilder()
            b.add("classID", n.classID)
            b.add("priorities", nonEmpty: n.priorities.map { ["name": JSON($0.name), "priority": JSON($0.priority)] })
            o.add("network", b.json)
        }
        if !rdma.isEmpty {
            o.add("rdma", .object(rdma.keys.sorted().map { k in
                var b = ObjectBuilder()
                b.add("hcaHandles", rdma[k]!.hcaHandles)
                b.add("hcaObjects", rdma[k]!.hcaObjects)
                return (key: k, value: b.json)
            }))
        }
        o.add("unified", nonEmpty: unified)
        return o.json
    }
}

extension SeccompConfig {
    public func encoded() -> JSON {
        var o = ObjectBuilder()
        o.add("defaultAction", .string(defaultAction))
        o.add("defaultErrnoRet", defaultErrnoRet)
        o.add("architectures", nonEmpty: architectures)
        o.add("flags", nonEmpty: flags)
        o.add("listenerPath", listenerPath)
        o.add("listenerMetadata", listenerMetadata)
        o.add("syscalls", nonEmpty: syscalls.map { s -> JSON in
            var b = ObjectBuilder()
            b.add("names", JSON(s.names))
            b.add("action", .string(s.action))
            b.add("errnoRet", s.errnoRet)
            b.add("args", nonEmpty: s.args.map { a -> JSON in
                var e = ObjectBuilder()
                e.add("index", JSON(a.index))
                e.add("value", JSON(a.value))
                e.add("valueTwo", nonZero: a.valueTwo)
                e.add("op", .string(a.op))
                return e.json
            })
            return b.json
        })
        return o.json
    }
}
