// config.json → Spec: every field of config.md and config-linux.md, with the field path in
// every error. Types follow the JSON schema (uint32, int64, ...); enumerations are checked
// against KnownLists; required fields per schema and spec text. Unknown keys (solaris,
// windows, vm, zos, freebsd, future fields) are ignored, like runc. `null` counts as absent.

extension Spec {
    public static func decode(_ bytes: [UInt8], file: String = "config.json") throws(SpecError) -> Spec {
        do throws(SpecError) {
            return try decode(json: JSON.parse(bytes))
        } catch {
            var e = error
            e.file = file
            throw e
        }
    }

    /// Decodes an already parsed document (errors carry file "config.json").
    public static func decode(json: JSON) throws(SpecError) -> Spec {
        let o = try Val(json, .root).object()
        var s = Spec()
        let version = try o.req("ociVersion")
        s.ociVersion = try version.string()
        if let why = Spec.checkVersion(s.ociVersion) { throw version.fail(why) }
        if let v = o["process"] { s.process = try decodeProcess(v) }
        if let r = try o.object("root") {
            s.root = Root(path: try r.req("path").string(), readonly: try r.bool("readonly") ?? false)
        }
        s.hostname = try o.string("hostname")
        s.domainname = try o.string("domainname")
        if let v = o["mounts"] { s.mounts = try v.list(decodeMount) }
        if let h = try o.object("hooks") {
            var hooks = Hooks()
            func list(_ k: String) throws(SpecError) -> [Hook] { try h[k]?.list(decodeHook) ?? [] }
            hooks.prestart = try list("prestart")
            hooks.createRuntime = try list("createRuntime")
            hooks.createContainer = try list("createContainer")
            hooks.startContainer = try list("startContainer")
            hooks.poststart = try list("poststart")
            hooks.poststop = try list("poststop")
            s.hooks = hooks
        }
        if let v = o["annotations"] { s.annotations = try v.stringMap() }
        if let v = o["linux"] { s.linux = try decodeLinux(v) }
        return s
    }

    /// Supported spec versions: 1.0.0 … 1.3.x, with optional pre-release/build suffix
    /// ("1.0.2-dev", "1.1.0-rc.1", "1.2.0+dev"). Returns the reason when not accepted.
    public static func checkVersion(_ v: String) -> String? {
        var core = Substring(v)
        if let i = core.firstIndex(where: { $0 == "-" || $0 == "+" }) {
            if core[i...].count < 2 { return "invalid version \(q(v)) (not SemVer)" }
            core = core[..<i]
        }
        let parts = core.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 3, parts.allSatisfy({ p in !p.isEmpty && p.allSatisfy { $0.isASCII && $0.isNumber } }),
              let major = Int(parts[0]), let minor = Int(parts[1])
        else { return "invalid version \(q(v)) (not SemVer)" }
        guard major == 1, minor <= 3 else { return "unsupported version \(q(v)) (supported: 1.0.0 to 1.3.x)" }
        return nil
    }

    static func decodeHook(_ v: Val) throws(SpecError) -> Hook {
        let o = try v.object()
        var h = Hook(path: try o.req("path").string())
        h.args = try o.strings("args") ?? []
        h.env = try o.strings("env") ?? []
        h.timeout = try o.int("timeout", Int.self)
        return h
    }

    static func decodeIDMapping(_ v: Val) throws(SpecError) -> IDMapping {
        let o = try v.object()
        return IDMapping(containerID: try o.req("containerID").uint(), hostID: try o.req("hostID").uint(),
                         size: try o.req("size").uint())
    }

    static func decodeMount(_ v: Val) throws(SpecError) -> Mount {
        let o = try v.object()
        var m = Mount(destination: try o.req("destination").string())
        m.type = try o.string("type")
        m.source = try o.string("source")
        m.options = try o.strings("options") ?? []
        m.uidMappings = try o["uidMappings"]?.list(decodeIDMapping) ?? []
        m.gidMappings = try o["gidMappings"]?.list(decodeIDMapping) ?? []
        return m
    }

    static func decodeProcess(_ v: Val) throws(SpecError) -> Process {
        let o = try v.object()
        var p = Process()
        p.terminal = try o.bool("terminal") ?? false
        if let c = try o.object("consoleSize") {
            p.consoleSize = ConsoleSize(height: try c.req("height").uint(), width: try c.req("width").uint())
        }
        if let u = try o.object("user") {
            p.user.uid = try u.uint("uid") ?? 0
            p.user.gid = try u.uint("gid") ?? 0
            p.user.umask = try u.uint("umask")
            p.user.additionalGids = try u["additionalGids"]?.list { (x: Val) throws(SpecError) in try x.uint(UInt32.self) } ?? []
            p.user.username = try u.string("username")
        }
        p.args = try o.strings("args") ?? []
        p.commandLine = try o.string("commandLine")
        p.env = try o.strings("env") ?? []
        p.cwd = try o.req("cwd").string()
        if let c = try o.object("capabilities") {
            var caps = Capabilities()
            func set(_ k: String) throws(SpecError) -> [String]? {
                // Unknown names are warnings, not errors (config.md: "MUST be logged as a
                // warning ... SHOULD NOT fail"); ProcessSetup reports and skips them.
                try c[k]?.strings()
            }
            caps.bounding = try set("bounding")
            caps.effective = try set("effective")
            caps.inheritable = try set("inheritable")
            caps.permitted = try set("permitted")
            caps.ambient = try set("ambient")
            p.capabilities = caps
        }
        if let r = o["rlimits"] {
            p.rlimits = try r.list { (x: Val) throws(SpecError) in
                let e = try x.object()
                return Rlimit(type: try e.req("type").oneOf(KnownLists.rlimitNames, "rlimit"),
                              soft: try e.req("soft").uint(), hard: try e.req("hard").uint())
            }
        }
        p.noNewPrivileges = try o.bool("noNewPrivileges") ?? false
        p.apparmorProfile = try o.string("apparmorProfile")
        p.oomScoreAdj = try o.int("oomScoreAdj", Int.self)
        p.selinuxLabel = try o.string("selinuxLabel")
        if let io = try o.object("ioPriority") {
            p.ioPriority = IOPriority(class: try io.req("class").oneOf(KnownLists.ioPriorityClassNames, "ioPriority class"),
                                      priority: try io.int("priority") ?? 0)
        }
        if let so = try o.object("scheduler") {
            var sc = Scheduler(policy: try so.req("policy").oneOf(KnownLists.schedulerPolicyNames, "scheduler policy"))
            sc.nice = try so.int("nice") ?? 0
            sc.priority = try so.int("priority") ?? 0
            sc.flags = try so["flags"]?.allOf(KnownLists.schedulerFlagNames, "scheduler flag") ?? []
            sc.runtime = try so.uint("runtime") ?? 0
            sc.deadline = try so.uint("deadline") ?? 0
            sc.period = try so.uint("period") ?? 0
            p.scheduler = sc
        }
        if let a = try o.object("execCPUAffinity") {
            var aff = CPUAffinity()
            aff.initial = try a.string("initial")
            aff.final = try a.string("final")
            p.execCPUAffinity = aff
        }
        return p
    }
}
