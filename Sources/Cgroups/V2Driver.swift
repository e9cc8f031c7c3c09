// cgroup v2 driver (also the unified half of a hybrid host, where it only carries the
// directory, processes, hugetlb/rdma/devices fallbacks and `unified` writes).
//
// create: mkdir (missing parents too), then "+<every controller in the root's
// cgroup.controllers>" into cgroup.subtree_control of the root and each ancestor of the leaf
// (one write per level, one by one on failure; runc's CreateCgroupPath).
//
// Field (linux.resources.*)   v2 file                     conversion / choice
// ---------------------------------------------------------------------------------------------
// memory.limit                memory.max                  0 = unset, -1 = "max"
// memory.swap                 memory.swap.max             runc: swap - limit (spec swap = memory+swap);
//                                                         limit -1 & swap unset -> max; swap == limit -> 0;
//                                                         swap < limit or without a limit -> error;
//                                                         no file: "max"/"0" ignored, else error
// memory.reservation          memory.low
// memory.kernel               (none)                      IGNORED (deprecated; runc ignores it)
// memory.kernelTCP            (none)                      error unless 0 / -1
// memory.swappiness           (none)                      error (no v2 knob)
// memory.disableOOMKiller     (none)                      true -> error, false -> nothing to do
// memory.useHierarchy         (none)                      v2 is always hierarchical: false -> error
// memory.checkBeforeUpdate    reads memory.current        limit below current usage -> error (spec)
// cpu.shares                  cpu.weight                  1 + ((shares-2)*9999)/262142 (runc), clamped 1..10000
// cpu.quota/period            cpu.max                     "<quota|max> [period]"; quota <= 0 -> max
// cpu.burst                   cpu.max.burst               retried after cpu.max on EINVAL
// cpu.realtime*               (none)                      error (no RT group scheduling knobs in v2)
// cpu.idle                    cpu.idle
// cpu.cpus / cpu.mems         cpuset.cpus / cpuset.mems
// pids.limit                  pids.max                    < 0 -> "max"; 0 is a real limit (spec)
// blockIO.weight              io.bfq.weight if present (as is), else io.weight = 1 + (w-10)*9999/990 (runc)
// blockIO.leafWeight          (none)                      error (no leaf weights in v2)
// blockIO.weightDevice        io.bfq.weight "maj:min w", else io.weight "maj:min converted"; leafWeight -> error
// blockIO.throttle*           io.max "maj:min rbps=|wbps=|riops=|wiops=N"
// hugepageLimits              hugetlb.<size>.max (+ hugetlb.<size>.rsvd.max when present)
// network                     (none)                      error (net_cls/net_prio are v1-only)
// rdma                        rdma.max
// devices                     eBPF BPF_PROG_TYPE_CGROUP_DEVICE on the directory (Devices.swift reduction)
// unified                     <key> written as is (last, so it overrides the conversions); a missing
//                             file is an error naming the key and whether its controller is enabled
import Glibc
import OCISpec

final class V2Manager: CgroupManager {
    let root: String?
    let dir: String
    let ctx: FSContext
    /// The unified half of a hybrid host: processes are killed/frozen through v1.
    let hybridPart: Bool
    private(set) var created: [String] = []
    /// create() failed and undid itself: destroy() leaves the directory alone (see V1Manager).
    private(set) var createFailed = false

    init(root: String?, dir: String, ctx: FSContext, hybridPart: Bool = false) {
        self.root = root; self.dir = dir; self.ctx = ctx; self.hybridPart = hybridPart
    }

    var paths: [String: String] { ["": dir] }

    // MARK: lifecycle

    func create() throws {
        guard let root else { throw CgroupError("cgroup: create \(dir): hierarchy root unknown (manager loaded from state)") }
        let made: [String], existed: Bool
        do { (made, existed) = try FS.mkdirAll(dir, root: root, ctx: ctx) } catch { createFailed = true; throw error }
        created = made
        do {
            if existed { try V1Manager.checkEmpty(dir) }
            enableControllers(root)
        } catch {
            for d in created.reversed() { FS.removeDir(d, ctx: ctx) }
            created = []
            createFailed = true
            throw error
        }
    }

    /// Errors are not fatal here (rootless, containerized): a field needing a controller that
    /// could not be enabled fails later with the field named.
    func enableControllers(_ root: String) {
        guard dir.hasPrefix(root) else { return }
        let ctrls = (FS.value(root + "/cgroup.controllers") ?? "").split(separator: " ")
        guard !ctrls.isEmpty else { return }
        let all = ctrls.map { "+" + $0 }.joined(separator: " ")
        var levels = [root]
        var cur = root
        for comp in dir.dropFirst(root.count).split(separator: "/").dropLast() {
            cur += "/" + comp
            levels.append(cur)
        }
        for l in levels where FS.tryWrite(l + "/cgroup.subtree_control", all) != 0 {
            for c in ctrls { _ = FS.tryWrite(l + "/cgroup.subtree_control", "+" + c) }
        }
    }

    func addProcess(_ pid: Int32, skipV1: Bool, skipV2: Bool) throws {
        if !skipV2 { try FS.write(dir + "/cgroup.procs", String(pid)) }
    }

    func pids() throws -> [Int32] { try FS.procs(dir, recursive: true) }

    func isFrozen() -> Bool { FS.value(dir + "/cgroup.freeze") == "1" }

    func freeze() throws { try setFrozen(true) }
    func thaw() throws { try setFrozen(false) }

    func setFrozen(_ on: Bool) throws {
        let path = dir + "/cgroup.freeze"
        let e = FS.tryWrite(path, on ? "1" : "0")
        if e == ENOENT { throw CgroupError("cgroup: \(on ? "freeze" : "thaw") \(dir): no cgroup.freeze (kernel without the v2 freezer)", errno: e) }
        if e != 0 { throw CgroupError.sys("write \(on ? 1 : 0) to", path, e) }
        if try waitEvent("frozen", on ? "1" : "0", timeoutMs: 10_000) { return }
        if on { _ = FS.tryWrite(path, "0") }
        throw CgroupError("cgroup: \(on ? "freeze" : "thaw") \(dir): timed out waiting for cgroup.events frozen \(on ? 1 : 0)", errno: ETIMEDOUT)
    }

    /// Waits until cgroup.events has "<key> <value>" (poll(2) POLLPRI wakes on changes).
    /// Returns true when seen or when the file/key does not exist (nothing to wait on).
    func waitEvent(_ key: String, _ value: String, timeoutMs: Int64) throws -> Bool {
        let path = dir + "/cgroup.events"
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { return true }
        defer { close(fd) }
        let deadline = monotonicMillis() + timeoutMs
        while true {
            let text = try FS.readFD(fd, path, offset: true)
            var found = false
            for line in text.split(separator: "\n") {
                let f = line.split(separator: " ")
                if f.count == 2 && f[0] == key {
                    found = true
                    if f[1] == value { return true }
                }
            }
            if !found { return true }
            let left = deadline - monotonicMillis()
            if left <= 0 { return false }
            var p = pollfd(fd: fd, events: Int16(POLLPRI), revents: 0)
            _ = poll(&p, 1, Int32(min(left, 10)))
        }
    }

    func killAll(signal: Int32) throws {
        if signal == SIGKILL && FS.tryWrite(dir + "/cgroup.kill", "1") == 0 { return }
        let wasFrozen = isFrozen()
        var froze = false
        if !wasFrozen && ctx.real && FS.exists(dir + "/cgroup.freeze") { froze = (try? freeze()) != nil }
        defer { if froze || (wasFrozen && signal == SIGKILL) { try? thaw() } }
        try signalAll(try pids(), signal)
    }

    func destroy() throws {
        if createFailed { return }
        if ctx.real && !hybridPart, let p = try? pids(), !p.isEmpty {
            try? killAll(signal: SIGKILL)
            waitEmpty { (try? self.pids())?.isEmpty ?? true }
        }
        let e = FS.removeDir(dir, ctx: ctx)
        removeParents(created: created, leaves: [dir], ctx: ctx)
        created = []
        if e != 0 { throw CgroupError.sys("rmdir", dir, e) }
    }

    // MARK: apply

    func apply(_ r: Resources) throws {
        if let p = r.pids {
            try FS.writeField(dir, "pids.max", p.limit < 0 ? "max" : String(p.limit), field: "linux.resources.pids.limit")
        }
        if let m = r.memory { try applyMemory(m) }
        if let b = r.blockIO { try applyIO(b) }
        if let c = r.cpu { try applyCPU(c) }
        if !r.hugepageLimits.isEmpty { try applyHugetlb(r.hugepageLimits) }
        if !r.rdma.isEmpty { try applyRdma(r.rdma) }
        if let n = r.network {
            if n.classID != nil { throw CgroupError.unsupported("linux.resources.network.classID", "net_cls is a cgroup v1 controller") }
            if !n.priorities.isEmpty {
                throw CgroupError.unsupported("linux.resources.network.priorities", "net_prio is a cgroup v1 controller")
            }
        }
        if !r.devices.isEmpty { try applyDevices(r.devices) }
        if !r.unified.isEmpty { try applyUnified(r.unified) }
    }

    static func numToStr(_ v: Int64) -> String? { v == 0 ? nil : v == -1 ? "max" : String(v) }

    /// runc's ConvertMemorySwapToCgroupV2Value: spec swap is memory+swap, v2 wants swap alone.
    static func swapValue(swap: Int64, limit: Int64) throws -> Int64 {
        let F = "linux.resources.memory"
        if limit == -1 && swap == 0 { return -1 }
        if swap == -1 || swap == 0 { return swap }
        if limit == 0 || limit == -1 { throw CgroupError.invalid(F + ".swap", "cannot set a swap limit without a memory limit") }
        if limit < 0 { throw CgroupError.invalid(F + ".limit", "invalid value \(limit)") }
        if swap < limit { throw CgroupError.invalid(F + ".swap", "memory+swap limit \(swap) is below the memory limit \(limit)") }
        return swap - limit
    }

    func applyMemory(_ m: MemoryResources) throws {
        let F = "linux.resources.memory"
        let limit = m.limit ?? 0, swapSpec = m.swap ?? 0
        let swap = try V2Manager.swapValue(swap: swapSpec, limit: limit)
        var swapStr = V2Manager.numToStr(swap)
        if swapStr == nil && swap == 0 && swapSpec > 0 { swapStr = "0" }   // swap == limit: no swap
        if let s = swapStr {
            let e = FS.tryWrite(dir + "/memory.swap.max", s)
            if e == ENOENT && (s == "max" || s == "0") {
                // swap accounting off: "no limit"/"no swap" hold anyway
            } else if e == ENOENT {
                throw CgroupError.unsupported(F + ".swap", "no memory.swap.max; swap accounting disabled")
            } else if e != 0 {
                throw CgroupError.sys("write \(s) to", dir + "/memory.swap.max", e, note: F + ".swap")
            }
        }
        if let s = V2Manager.numToStr(limit) {
            if m.checkBeforeUpdate == true && limit > 0, let cur = FS.uint(dir + "/memory.current"), cur > UInt64(limit) {
                throw CgroupError.invalid(F + ".limit", "rejecting memory limit \(limit) below current usage \(cur) (checkBeforeUpdate)")
            }
            try FS.writeField(dir, "memory.max", s, field: F + ".limit")
        }
        if let s = V2Manager.numToStr(m.reservation ?? 0) { try FS.writeField(dir, "memory.low", s, field: F + ".reservation") }
        if let v = m.kernelTCP, v != 0 && v != -1 {
            throw CgroupError.unsupported(F + ".kernelTCP", "no kernel TCP memory limit in cgroup v2")
        }
        if m.swappiness != nil { throw CgroupError.unsupported(F + ".swappiness", "no per-cgroup swappiness in cgroup v2") }
        if m.disableOOMKiller == true {
            throw CgroupError.unsupported(F + ".disableOOMKiller", "the OOM killer cannot be disabled in cgroup v2")
        }
        if m.useHierarchy == false {
            throw CgroupError.unsupported(F + ".useHierarchy", "cgroup v2 accounting is always hierarchical")
        }
    }

    /// runc's ConvertCPUSharesToCgroupV2Value (shares 2..262144 -> weight 1..10000).
    static func cpuWeight(shares: UInt64) -> UInt64 {
        if shares == 0 { return 0 }
        let s = min(max(shares, 2), 262_144)
        return 1 + ((s - 2) * 9999) / 262_142
    }

    /// runc's ConvertBlkIOToIOWeightValue (blkio 10..1000 -> io.weight 1..10000).
    static func ioWeight(_ w: UInt16) -> UInt64 { 1 + (UInt64(w) - 10) * 9999 / 990 }

    func applyCPU(_ c: CPUResources) throws {
        let F = "linux.resources.cpu"
        if let s = c.shares, s != 0 {
            try FS.writeField(dir, "cpu.weight", String(V2Manager.cpuWeight(shares: s)), field: F + ".shares")
        }
        let quota = c.quota ?? 0, period = c.period ?? 0
        var max: String?
        if quota != 0 || period != 0 {
            max = quota > 0 ? String(quota) : "max"
            if period != 0 { max! += " " + String(period) }
        }
        if max != nil || c.burst != nil {
            try writeRetrying(dir, [("cpu.max.burst", c.burst.map(String.init), F + ".burst")],
                                 then: ("cpu.max", max, F + (quota != 0 ? ".quota" : ".period")))
        }
        if (c.realtimeRuntime ?? 0) != 0 {
            throw CgroupError.unsupported(F + ".realtimeRuntime", "no realtime group scheduling in cgroup v2")
        }
        if (c.realtimePeriod ?? 0) != 0 {
            throw CgroupError.unsupported(F + ".realtimePeriod", "no realtime group scheduling in cgroup v2")
        }
        if let v = c.idle, v != 0 || FS.exists(dir + "/cpu.idle") {   // idle 0 = default: fine without the knob
            try FS.writeField(dir, "cpu.idle", String(v), field: F + ".idle")
        }
        if let v = c.cpus, !v.isEmpty { try FS.writeField(dir, "cpuset.cpus", v, field: F + ".cpus") }
        if let v = c.mems, !v.isEmpty { try FS.writeField(dir, "cpuset.mems", v, field: F + ".mems") }
    }

    func applyIO(_ b: BlockIOResources) throws {
        let F = "linux.resources.blockIO"
        let bfq = ((b.weight ?? 0) != 0 || !b.weightDevice.isEmpty) && FS.exists(dir + "/io.bfq.weight")
        func checkRange(_ w: UInt16, _ field: String) throws {
            if w < 10 || w > 1000 { throw CgroupError.invalid(field, "invalid weight \(w) (valid range 10-1000)") }
        }
        if let w = b.weight, w != 0 {
            try checkRange(w, F + ".weight")
            if bfq { try FS.writeField(dir, "io.bfq.weight", String(w), field: F + ".weight") }
            else { try FS.writeField(dir, "io.weight", String(V2Manager.ioWeight(w)), field: F + ".weight") }
        }
        if (b.leafWeight ?? 0) != 0 { throw CgroupError.unsupported(F + ".leafWeight", "no leaf weights in cgroup v2") }
        for (i, wd) in b.weightDevice.enumerated() {
            let f = "\(F).weightDevice[\(i)]"
            if (wd.leafWeight ?? 0) != 0 { throw CgroupError.unsupported(f + ".leafWeight", "no leaf weights in cgroup v2") }
            guard let w = wd.weight, w != 0 else { continue }
            try checkRange(w, f + ".weight")
            if bfq { try FS.writeField(dir, "io.bfq.weight", "\(wd.major):\(wd.minor) \(w)", field: f + ".weight") }
            else { try FS.writeField(dir, "io.weight", "\(wd.major):\(wd.minor) \(V2Manager.ioWeight(w))", field: f + ".weight") }
        }
        for (list, key, name) in [(b.throttleReadBpsDevice, "rbps", "throttleReadBpsDevice"),
                                  (b.throttleWriteBpsDevice, "wbps", "throttleWriteBpsDevice"),
                                  (b.throttleReadIOPSDevice, "riops", "throttleReadIOPSDevice"),
                                  (b.throttleWriteIOPSDevice, "wiops", "throttleWriteIOPSDevice")] {
            for (i, t) in list.enumerated() {
                try FS.writeField(dir, "io.max", "\(t.major):\(t.minor) \(key)=\(t.rate ?? 0)", field: "\(F).\(name)[\(i)]")
            }
        }
    }

    func applyHugetlb(_ limits: [HugepageLimit]) throws {
        for (i, h) in limits.enumerated() {
            let f = "linux.resources.hugepageLimits[\(i)]"
            try validatePageSize(h.pageSize, field: f + ".pageSize")
            try FS.writeField(dir, "hugetlb.\(h.pageSize).max", String(h.limit), field: f)
            let rsvd = "hugetlb.\(h.pageSize).rsvd.max"
            if FS.exists(dir + "/" + rsvd) { try FS.writeField(dir, rsvd, String(h.limit), field: f) }
        }
    }

    func applyRdma(_ rdma: [String: RdmaLimit]) throws { try writeRdma(dir, rdma) }

    func applyDevices(_ rules: [DeviceCgroupRule]) throws {
        let program = try DeviceRules.reduce(rules)
        guard let install = ctx.installDeviceFilter else {
            throw CgroupError.unsupported("linux.resources.devices", "no eBPF device filter installer")
        }
        try install(dir, program)
    }

    func applyUnified(_ u: [String: String]) throws {
        for key in u.keys.sorted() {
            let f = "linux.resources.unified[\"\(key)\"]"
            if key.isEmpty || key.contains("/") || key == "." || key == ".." {
                throw CgroupError.invalid(f, "not a cgroup file name")
            }
            let value = u[key]!
            let e = FS.tryWrite(dir + "/" + key, value)
            if e == 0 { continue }
            if e == ENOENT {
                let ctrl = key.split(separator: ".").first.map(String.init) ?? key
                let enabled = (FS.value(dir + "/cgroup.controllers") ?? "").split(separator: " ").contains { $0 == ctrl }
                throw CgroupError.unsupported(f, enabled || ctrl == "cgroup" ? "no \(key) in \(dir)"
                                                 : "controller \(ctrl) not available in \(dir)")
            }
            throw CgroupError.sys("write \(shown(value)) to", dir + "/" + key, e, note: f)
        }
    }
}
