// cgroup v1 driver (also the v1 half of a hybrid host; the unified half is a V2Manager).
//
// Field (linux.resources.*)   v1 file(s)                                 notes
// ---------------------------------------------------------------------------------------------
// memory.limit                memory.limit_in_bytes                      0 = unset (runc); -1 = unlimited
// memory.swap                 memory.memsw.limit_in_bytes                spec: memory+swap, written as is;
//                                                                        limit -1 & swap unset -> swap -1 (runc);
//                                                                        write order by current limit (runc);
//                                                                        no memsw file: -1 ignored, else error
// memory.reservation          memory.soft_limit_in_bytes                 0 = unset
// memory.kernel               (none)                                     IGNORED: deprecated, kernels >= 6.x
//                                                                        accept and ignore it, runc ignores it
// memory.kernelTCP            memory.kmem.tcp.limit_in_bytes             0 = unset
// memory.swappiness           memory.swappiness                          0-100, else error
// memory.disableOOMKiller     memory.oom_control                         true -> 1, false -> 0
// memory.useHierarchy         memory.use_hierarchy                       false errors on kernels where it is fixed on
// memory.checkBeforeUpdate    (none)                                     the v1 kernel itself rejects a limit < usage
// cpu.shares                  cpu.shares                                 read back; clamped value -> error
// cpu.quota/period/burst      cpu.cfs_quota_us / _period_us / _burst_us  period & burst retried after quota on EINVAL
// cpu.realtimeRuntime/Period  cpu.rt_runtime_us / cpu.rt_period_us       period retried after runtime on EINVAL
// cpu.idle                    cpu.idle
// cpu.cpus / cpu.mems         cpuset.cpus / cpuset.mems                  new cpuset dirs get the parent's values at create
// pids.limit                  pids.max                                   < 0 -> "max"; 0 is a real limit (spec)
// blockIO.weight/leafWeight   blkio.bfq.weight or blkio.weight, blkio.leaf_weight     0 = unset; missing -> error
// blockIO.weightDevice        blkio.bfq.weight_device or blkio.weight_device, blkio.leaf_weight_device
// blockIO.throttle*           blkio.throttle.{read,write}_{bps,iops}_device  "maj:min rate"
// hugepageLimits              hugetlb.<size>.limit_in_bytes (+ .rsvd.limit_in_bytes when present);
//                             no v1 hugetlb: hugetlb.<size>.max on the unified half (hybrid), else error
// network.classID/priorities  net_cls.classid / net_prio.ifpriomap         controller not mounted -> error
// rdma                        rdma.max "dev hca_handle=N hca_object=M"  v1 rdma, else unified half, else error
// devices                     "a" -> devices.deny, then each rule in order to devices.allow/deny
//                             (skipped when devices.list already shows the reduced rule set);
//                             no v1 devices controller: eBPF on the unified half (hybrid), else error
// unified                     raw writes on the unified half (hybrid); v1-only host -> error
import Glibc
import OCISpec

final class V1Manager: CgroupManager {
    let dirs: [String: String]
    let roots: [String: String]
    let unified: V2Manager?
    let ctx: FSContext
    private(set) var created: [String] = []
    /// create() failed and undid itself: destroy() must then leave alone what it did not make
    /// (a directory that already held processes belongs to another container).
    private(set) var createFailed = false

    init(dirs: [String: String], roots: [String: String], unified: V2Manager?, ctx: FSContext) {
        self.dirs = dirs; self.roots = roots; self.unified = unified; self.ctx = ctx
    }

    var paths: [String: String] {
        var p = dirs
        if let u = unified { p[""] = u.dir }
        return p
    }

    /// Each directory once, with one controller naming it; sorted for a stable order.
    var uniqueDirs: [(ctrl: String, dir: String)] {
        var seen = Set<String>()
        var out: [(String, String)] = []
        for k in dirs.keys.sorted() where seen.insert(dirs[k]!).inserted { out.append((k, dirs[k]!)) }
        return out
    }

    func need(_ ctrl: String, _ field: String) throws -> String {
        guard let d = dirs[ctrl] else { throw CgroupError.unsupported(field, "\(ctrl) controller not mounted") }
        return d
    }

    // MARK: lifecycle

    func create() throws {
        do {
            for (ctrl, dir) in uniqueDirs {
                guard let root = roots[ctrl] else {
                    throw CgroupError("cgroup: create \(dir): hierarchy root unknown (manager loaded from state)")
                }
                let (made, existed) = try FS.mkdirAll(dir, root: root, ctx: ctx)
                created += made
                if existed { try V1Manager.checkEmpty(dir) }
                if dirs["cpuset"] == dir { try ensureCpuset(dir, root: root, fresh: !existed) }
            }
            try unified?.create()
        } catch {
            for d in created.reversed() { FS.removeDir(d, ctx: ctx) }
            created = []
            createFailed = true
            throw error
        }
    }

    static func checkEmpty(_ dir: String) throws {
        let p = try FS.procs(dir, recursive: false)
        if !p.isEmpty {
            let list = p.prefix(5).map(String.init).joined(separator: ", ")
            throw CgroupError("cgroup: \(dir) already holds processes (\(list)): in use by another container?", errno: EBUSY)
        }
    }

    /// A v1 cpuset cgroup without cpus/mems cannot take tasks: copy them down from the
    /// nearest populated ancestor, like runc's cpuset ensureParent. `fresh`: just created by us,
    /// so known to be empty (no read needed).
    func ensureCpuset(_ dir: String, root: String, fresh: Bool) throws {
        guard dir != root, dir.hasPrefix(root) else { return }
        for f in ["cpuset.cpus", "cpuset.mems"] {
            if !fresh, let v = FS.value(dir + "/" + f), !v.isEmpty { continue }
            let parent = dirname(dir)
            var pv = FS.value(parent + "/" + f) ?? ""
            if pv.isEmpty {
                try ensureCpuset(parent, root: root, fresh: false)
                pv = FS.value(parent + "/" + f) ?? ""
            }
            try FS.write(dir + "/" + f, pv)
        }
    }

    func addProcess(_ pid: Int32, skipV1: Bool, skipV2: Bool) throws {
        if !skipV1 { for (_, dir) in uniqueDirs { try FS.write(dir + "/cgroup.procs", String(pid)) } }
        try unified?.addProcess(pid, skipV1: true, skipV2: skipV2)
    }

    // MARK: freezer

    func freeze() throws {
        guard let dir = dirs["freezer"] else { throw CgroupError("cgroup: freeze: freezer controller not mounted") }
        let path = dir + "/freezer.state"
        let fd = open(path, O_RDWR | O_CLOEXEC)
        if fd < 0 { throw CgroupError.sys("open", path, Glibc.errno) }
        defer { close(fd) }
        func put(_ s: String) -> Int32 {
            var v = s
            return v.withUTF8 { p in pwrite(fd, p.baseAddress, p.count, 0) } < 0 ? Glibc.errno : 0
        }
        // runc's loop: FREEZING can persist while tasks fork; thaw and retry now and then.
        for i in 0..<1000 {
            if i % 50 == 49 { _ = put("THAWED"); usleep(10_000) }
            let e = put("FROZEN")
            if e != 0 { throw CgroupError.sys("write FROZEN to", path, e) }
            if i % 25 == 24 { usleep(10) }
            let state = trim(try FS.readFD(fd, path, offset: true))
            if state == "FROZEN" { return }
            if state != "FREEZING" { throw CgroupError("cgroup: freeze \(path): unexpected state \(state)") }
        }
        _ = put("THAWED")
        throw CgroupError("cgroup: freeze \(path): stuck in FREEZING, thawed again", errno: EBUSY)
    }

    func thaw() throws {
        guard let dir = dirs["freezer"] else { throw CgroupError("cgroup: thaw: freezer controller not mounted") }
        try FS.write(dir + "/freezer.state", "THAWED")
    }

    func isFrozen() -> Bool {
        guard let dir = dirs["freezer"] else { return false }
        let s = FS.value(dir + "/freezer.state")
        return s == "FROZEN" || s == "FREEZING"
    }

    // MARK: processes

    /// The hierarchy to list tasks from: one that every process joined.
    var taskDir: String? {
        for c in ["pids", "freezer", "devices", "memory", "cpu", "name=systemd"] { if let d = dirs[c] { return d } }
        return uniqueDirs.first?.dir ?? unified?.dir
    }

    func pids() throws -> [Int32] {
        guard let d = taskDir else { return [] }
        return try FS.procs(d, recursive: true)
    }

    func killAll(signal: Int32) throws {
        // Freeze first so nothing forks between listing and signalling (runc).
        let wasFrozen = isFrozen()
        var froze = false
        if !wasFrozen && dirs["freezer"] != nil && ctx.real { froze = (try? freeze()) != nil }
        defer { if froze || (wasFrozen && signal == SIGKILL) { try? thaw() } }
        try signalAll(try pids(), signal)
    }

    func destroy() throws {
        if createFailed { return }
        if ctx.real, let p = try? pids(), !p.isEmpty {
            try? killAll(signal: SIGKILL)
            waitEmpty { (try? self.pids())?.isEmpty ?? true }
        }
        var firstError: CgroupError?
        for (_, dir) in uniqueDirs {
            let e = FS.removeDir(dir, ctx: ctx)
            if e != 0 && firstError == nil { firstError = CgroupError.sys("rmdir", dir, e) }
        }
        do { try unified?.destroy() } catch let e as CgroupError { if firstError == nil { firstError = e } }
        removeParents(created: created, leaves: Set(dirs.values), ctx: ctx)
        created = []
        if let e = firstError { throw e }
    }

    // MARK: apply

    func apply(_ r: Resources) throws {
        if let m = r.memory { try applyMemory(m) }
        if let c = r.cpu { try applyCPU(c) }
        if let p = r.pids {
            try FS.writeField(try need("pids", "linux.resources.pids.limit"), "pids.max",
                              p.limit < 0 ? "max" : String(p.limit), field: "linux.resources.pids.limit")
        }
        if let b = r.blockIO { try applyBlkio(b) }
        if !r.hugepageLimits.isEmpty {
            if let d = dirs["hugetlb"] {
                for (i, h) in r.hugepageLimits.enumerated() {
                    let f = "linux.resources.hugepageLimits[\(i)]"
                    try validatePageSize(h.pageSize, field: f + ".pageSize")
                    try FS.writeField(d, "hugetlb.\(h.pageSize).limit_in_bytes", String(h.limit), field: f)
                    let rsvd = "hugetlb.\(h.pageSize).rsvd.limit_in_bytes"
                    if FS.exists(d + "/" + rsvd) { try FS.writeField(d, rsvd, String(h.limit), field: f) }
                }
            } else if let u = unified {
                try u.applyHugetlb(r.hugepageLimits)
            } else {
                throw CgroupError.unsupported("linux.resources.hugepageLimits", "hugetlb controller not mounted")
            }
        }
        if let n = r.network { try applyNetwork(n) }
        if !r.rdma.isEmpty {
            if let d = dirs["rdma"] { try writeRdma(d, r.rdma) } else if let u = unified { try u.applyRdma(r.rdma) } else {
                throw CgroupError.unsupported("linux.resources.rdma", "rdma controller not mounted")
            }
        }
        if !r.devices.isEmpty {
            if let d = dirs["devices"] { try applyV1Devices(d, r.devices) } else if let u = unified {
                try u.applyDevices(r.devices)
            } else {
                throw CgroupError.unsupported("linux.resources.devices", "devices controller not mounted")
            }
        }
        try applyUnifiedPart(r)
    }

    func applyV1Devices(_ d: String, _ rules: [DeviceCgroupRule]) throws {
        // Already in effect (update, re-apply): skip, so a live container never sees the
        // transient deny-all and nested cgroups (which make "a" fail with EINVAL) are fine.
        if let want = DeviceRules.v1List(try DeviceRules.reduce(rules)),
           let cur = FS.readIfExists(d + "/devices.list"),
           Set(cur.split(separator: "\n").map(String.init)) == want { return }
        for (file, value) in try DeviceRules.v1Writes(rules) {
            try FS.write(d + "/" + file, value, note: "linux.resources.devices")
        }
    }

    func applyUnifiedPart(_ r: Resources) throws {
        if !r.unified.isEmpty {
            guard let u = unified else {
                throw CgroupError.unsupported("linux.resources.unified", "cgroup v1 host without a cgroup2 hierarchy")
            }
            try u.applyUnified(r.unified)
        }
    }

    func applyMemory(_ m: MemoryResources) throws {
        let F = "linux.resources.memory"
        let isSet = (m.limit ?? 0) != 0 || (m.swap ?? 0) != 0 || (m.reservation ?? 0) != 0 || (m.kernelTCP ?? 0) != 0
            || m.swappiness != nil || m.disableOOMKiller != nil || m.useHierarchy != nil
        guard isSet else { return }
        let dir = try need("memory", F)
        let limit = m.limit ?? 0
        var swap = m.swap ?? 0
        let memsw = "memory.memsw.limit_in_bytes"
        let haveMemsw = FS.exists(dir + "/" + memsw)
        if limit == -1 && swap == 0 && haveMemsw { swap = -1 }

        func setLimit() throws {
            guard limit != 0 else { return }
            let path = dir + "/memory.limit_in_bytes"
            let e = FS.tryWrite(path, String(limit))
            if e == 0 { return }
            if e == EBUSY {
                let use = FS.value(dir + "/memory.usage_in_bytes") ?? "?"
                let peak = FS.value(dir + "/memory.max_usage_in_bytes") ?? "?"
                throw CgroupError.sys("write \(limit) to", path, e, note: "\(F).limit below current usage \(use), peak \(peak)")
            }
            throw CgroupError.sys("write \(limit) to", path, e, note: F + ".limit")
        }
        func setSwap() throws {
            guard swap != 0 else { return }
            if !haveMemsw {
                if swap == -1 { return }
                throw CgroupError.unsupported(F + ".swap", "no \(memsw); swap accounting disabled")
            }
            try FS.write(dir + "/" + memsw, String(swap), note: F + ".swap")
        }
        if limit != 0 && swap != 0 {
            let cur = FS.uint(dir + "/memory.limit_in_bytes") ?? 0
            if swap == -1 || cur < UInt64(swap) { try setSwap(); try setLimit() } else { try setLimit(); try setSwap() }
        } else {
            try setLimit(); try setSwap()
        }
        if let v = m.reservation, v != 0 {
            try FS.writeField(dir, "memory.soft_limit_in_bytes", String(v), field: F + ".reservation")
        }
        if let v = m.kernelTCP, v != 0 {
            try FS.writeField(dir, "memory.kmem.tcp.limit_in_bytes", String(v), field: F + ".kernelTCP")
        }
        if let v = m.swappiness {
            if v > 100 { throw CgroupError.invalid(F + ".swappiness", "invalid value \(v) (valid range 0-100)") }
            try FS.writeField(dir, "memory.swappiness", String(v), field: F + ".swappiness")
        }
        if let v = m.disableOOMKiller {
            try FS.writeField(dir, "memory.oom_control", v ? "1" : "0", field: F + ".disableOOMKiller")
        }
        if let v = m.useHierarchy {
            let e = FS.tryWrite(dir + "/memory.use_hierarchy", v ? "1" : "0")
            if e == EINVAL && !v {
                throw CgroupError.unsupported(F + ".useHierarchy", "hierarchical accounting cannot be disabled on this kernel")
            }
            if e != 0 { throw CgroupError.sys("write \(v ? 1 : 0) to", dir + "/memory.use_hierarchy", e, note: F + ".useHierarchy") }
        }
    }

    func applyCPU(_ c: CPUResources) throws {
        let F = "linux.resources.cpu"
        if let v = c.shares, v != 0 {
            let d = try need("cpu", F + ".shares")
            try FS.writeField(d, "cpu.shares", String(v), field: F + ".shares")
            if let got = FS.uint(d + "/cpu.shares"), got != v {
                throw CgroupError.invalid(F + ".shares", v > got ? "\(v) is above the maximum allowed cpu-shares \(got)"
                                                                 : "\(v) is below the minimum allowed cpu-shares \(got)")
            }
        }
        let quota = c.quota ?? 0, period = c.period ?? 0
        if quota != 0 || period != 0 || c.burst != nil {
            let d = try need("cpu", F + (quota != 0 ? ".quota" : period != 0 ? ".period" : ".burst"))
            try writeRetrying(d, [("cpu.cfs_period_us", period != 0 ? String(period) : nil, F + ".period"),
                                  ("cpu.cfs_burst_us", c.burst.map(String.init), F + ".burst")],
                              then: ("cpu.cfs_quota_us", quota != 0 ? String(quota) : nil, F + ".quota"))
        }
        let rtr = c.realtimeRuntime ?? 0, rtp = c.realtimePeriod ?? 0
        if rtr != 0 || rtp != 0 {
            let d = try need("cpu", F + (rtr != 0 ? ".realtimeRuntime" : ".realtimePeriod"))
            try writeRetrying(d, [("cpu.rt_period_us", rtp != 0 ? String(rtp) : nil, F + ".realtimePeriod")],
                              then: ("cpu.rt_runtime_us", rtr != 0 ? String(rtr) : nil, F + ".realtimeRuntime"))
        }
        if let v = c.idle {
            let d = try need("cpu", F + ".idle")
            if v != 0 || FS.exists(d + "/cpu.idle") { try FS.writeField(d, "cpu.idle", String(v), field: F + ".idle") }
        }
        if let v = c.cpus, !v.isEmpty {
            try FS.writeField(try need("cpuset", F + ".cpus"), "cpuset.cpus", v, field: F + ".cpus")
        }
        if let v = c.mems, !v.isEmpty {
            try FS.writeField(try need("cpuset", F + ".mems"), "cpuset.mems", v, field: F + ".mems")
        }
    }

    func applyBlkio(_ b: BlockIOResources) throws {
        let F = "linux.resources.blockIO"
        let any = (b.weight ?? 0) != 0 || (b.leafWeight ?? 0) != 0 || !b.weightDevice.isEmpty
            || !b.throttleReadBpsDevice.isEmpty || !b.throttleWriteBpsDevice.isEmpty
            || !b.throttleReadIOPSDevice.isEmpty || !b.throttleWriteIOPSDevice.isEmpty
        guard any else { return }
        let d = try need("blkio", F)
        let bfq = FS.exists(d + "/blkio.bfq.weight")
        let wFile = bfq ? "blkio.bfq.weight" : "blkio.weight"
        let wdFile = bfq ? "blkio.bfq.weight_device" : "blkio.weight_device"
        if let w = b.weight, w != 0 { try FS.writeField(d, wFile, String(w), field: F + ".weight") }
        if let w = b.leafWeight, w != 0 { try FS.writeField(d, "blkio.leaf_weight", String(w), field: F + ".leafWeight") }
        for (i, wd) in b.weightDevice.enumerated() {
            if let w = wd.weight, w != 0 {
                try FS.writeField(d, wdFile, "\(wd.major):\(wd.minor) \(w)", field: "\(F).weightDevice[\(i)].weight")
            }
            if let w = wd.leafWeight, w != 0 {
                try FS.writeField(d, "blkio.leaf_weight_device", "\(wd.major):\(wd.minor) \(w)",
                                  field: "\(F).weightDevice[\(i)].leafWeight")
            }
        }
        for (list, file, name) in [(b.throttleReadBpsDevice, "read_bps_device", "throttleReadBpsDevice"),
                                   (b.throttleWriteBpsDevice, "write_bps_device", "throttleWriteBpsDevice"),
                                   (b.throttleReadIOPSDevice, "read_iops_device", "throttleReadIOPSDevice"),
                                   (b.throttleWriteIOPSDevice, "write_iops_device", "throttleWriteIOPSDevice")] {
            for (i, t) in list.enumerated() {
                try FS.writeField(d, "blkio.throttle." + file, "\(t.major):\(t.minor) \(t.rate ?? 0)",
                                  field: "\(F).\(name)[\(i)]")
            }
        }
    }

    func applyNetwork(_ n: NetworkResources) throws {
        let F = "linux.resources.network"
        if let id = n.classID {
            try FS.writeField(try need("net_cls", F + ".classID"), "net_cls.classid", String(id), field: F + ".classID")
        }
        for (i, p) in n.priorities.enumerated() {
            let f = "\(F).priorities[\(i)]"
            if p.name.isEmpty || p.name.contains(" ") || p.name.contains("\n") {
                throw CgroupError.invalid(f + ".name", "invalid interface name \"\(p.name)\"")
            }
            try FS.writeField(try need("net_prio", f), "net_prio.ifpriomap", "\(p.name) \(p.priority)", field: f)
        }
    }
}

// MARK: shared helpers (v1 and v2)

/// Writes `first` entries (skipping nil), then `then`; a first entry failing with EINVAL while
/// `then` is to be written is retried after it (quota/period/burst ordering, as runc).
func writeRetrying(_ dir: String, _ first: [(String, String?, String)], then: (String, String?, String)) throws {
    var retry: [(String, String, String)] = []
    for (file, value, field) in first {
        guard let v = value else { continue }
        let e = FS.tryWrite(dir + "/" + file, v)
        if e == 0 { continue }
        if e == EINVAL && then.1 != nil { retry.append((file, v, field)); continue }
        if e == ENOENT && v == "0" { continue }   // e.g. burst 0 on a kernel without burst: nothing to do
        if e == ENOENT { throw CgroupError.unsupported(field, "no \(file)") }
        throw CgroupError.sys("write \(v) to", dir + "/" + file, e, note: field)
    }
    if let v = then.1 { try FS.writeField(dir, then.0, v, field: then.2) }
    for (file, v, field) in retry { try FS.writeField(dir, file, v, field: field) }
}

func validatePageSize(_ s: String, field: String) throws {
    let ok = s.count >= 3 && s.hasSuffix("B") && s.dropLast(2).allSatisfy(\.isNumber) && s.first!.isNumber
        && "KMGTP".contains(s[s.index(s.endIndex, offsetBy: -2)])
    if !ok { throw CgroupError.invalid(field, "invalid page size \"\(s)\" (want <size><K|M|G>B, e.g. 2MB)") }
}

func writeRdma(_ dir: String, _ rdma: [String: RdmaLimit]) throws {
    for dev in rdma.keys.sorted() {
        let l = rdma[dev]!
        let f = "linux.resources.rdma.\(dev)"
        if dev.isEmpty || dev.contains(" ") || dev.contains("\n") { throw CgroupError.invalid(f, "invalid device name") }
        var parts = [dev]
        if let h = l.hcaHandles { parts.append("hca_handle=\(h)") }
        if let o = l.hcaObjects { parts.append("hca_object=\(o)") }
        if parts.count == 1 { throw CgroupError.invalid(f, "neither hcaHandles nor hcaObjects given") }
        try FS.writeField(dir, "rdma.max", parts.joined(separator: " "), field: f)
    }
}

func signalAll(_ pids: [Int32], _ sig: Int32) throws {
    for p in pids where kill(p, sig) != 0 && Glibc.errno != ESRCH {
        throw CgroupError.sys("kill \(sig)", "pid \(p)", Glibc.errno)
    }
}

/// Polls `done` for up to ~5s with growing pauses.
func waitEmpty(_ done: () -> Bool) {
    let deadline = monotonicMillis() + 5000
    var pause: UInt32 = 500
    while !done() && monotonicMillis() < deadline {
        usleep(pause)
        pause = min(pause * 2, 50_000)
    }
}

/// After the leaves are gone: rmdir the parents this manager created, deepest first (only a
/// failed create undoes them; a manager loaded from state knows only the leaves and, like runc,
/// leaves shared parents alone). Errors (another container still below) are ignored.
func removeParents(created: [String], leaves: Set<String>, ctx: FSContext) {
    for d in created.reversed() where !leaves.contains(d) {
        if ctx.real { rmdir(d) } else if FS.listDirs(d).isEmpty { FS.removeDir(d, ctx: ctx) }
    }
}
