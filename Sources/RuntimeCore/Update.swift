// `update`: change a live container's cgroup resources (runc update), and `events`: its stats
// and OOM kills (runc events), polled synchronously.
import Cgroups
import Glibc
import OCISpec

extension Runtime {
    /// Applies `changes` to the container's cgroups and records the result in its config
    /// snapshot (linux.resources), so later commands (exec, a second update) see it.
    ///
    /// Each section `changes` touches (memory, cpu, blockIO, ...) is written whole, merged over
    /// the current values: memory limit and swap, cpu quota and period go to the kernel
    /// together (v1 write order, v2 memory.swap.max / cpu.max need both). Devices are only
    /// rewritten when `changes` lists device rules (then with runc's defaults and
    /// linux.devices, as at create). On a failed write the previous values of those sections
    /// are written back (runc does the same) and nothing is recorded.
    public func update(id: String, resources changes: Resources) throws {
        let lock = try store.lock(id)
        defer { lock.release() }
        let r = try store.load(id)
        guard status(r) != .stopped else { throw RuntimeError("container \"\(id)\" is not running: cannot update a stopped container") }
        let cg = try cgroup(of: r)
        var spec = try store.loadSpec(id)
        var linux = spec.linux ?? Linux()
        let old = linux.resources ?? Resources()
        let merged = old.merging(changes)
        var after = linux
        after.resources = merged
        do {
            try cg.apply(Runtime.sections(of: merged, touchedBy: changes, linux: after))
        } catch {
            try? cg.apply(Runtime.sections(of: old, touchedBy: changes, linux: linux))
            throw RuntimeError("update \(id): \(error)")
        }
        linux.resources = merged
        spec.linux = linux
        try writeAtomically(store.configPath(id), Array(spec.encoded().serialized(pretty: true).utf8))
    }

    /// The parts of `res` in the sections that `changes` sets.
    static func sections(of res: Resources, touchedBy c: Resources, linux: Linux) -> Resources {
        var a = Resources()
        if c.memory != nil { a.memory = res.memory }
        if c.cpu != nil { a.cpu = res.cpu }
        if c.pids != nil { a.pids = res.pids }
        if c.blockIO != nil { a.blockIO = res.blockIO }
        if !c.hugepageLimits.isEmpty {
            let sizes = Set(c.hugepageLimits.map(\.pageSize))
            a.hugepageLimits = res.hugepageLimits.filter { sizes.contains($0.pageSize) }
        }
        if c.network != nil { a.network = res.network }
        for k in c.rdma.keys { a.rdma[k] = res.rdma[k] }
        for k in c.unified.keys { a.unified[k] = res.unified[k] }
        if !c.devices.isEmpty { a.devices = Cgroups.effectiveDeviceRules(linux) }
        return a
    }

    // MARK: events

    /// `events --stats`: one stats event. Otherwise a stats event every `intervalMillis`
    /// (the first after one interval, like runc) and an "oom" event for each OOM kill seen in
    /// the container's memory cgroup (polled every 100 ms at most), until the container stops.
    public func events(id: String, statsOnce: Bool, intervalMillis: Int64, emit: (String) -> Void) throws {
        try StateStore.validate(id: id)
        let r = try store.load(id)
        guard status(r) != .stopped else { throw RuntimeError("container \"\(id)\" is not running") }
        let cg = try cgroup(of: r)
        let quotedID = JSON.string(id).serialized()
        func statsEvent() throws -> String {
            let s: CgroupStats
            do { s = try cg.stats() } catch { throw RuntimeError("events \(id): stats: \(error)") }
            return "{\"type\":\"stats\",\"id\":\(quotedID),\"data\":\(s.json())}"
        }
        if statsOnce {
            emit(try statsEvent())
            return
        }
        let interval = max(intervalMillis, 1)
        var ooms = Cgroups.oomKillCount(paths: r.cgroupPaths) ?? 0
        var next = monotonicMs() + interval
        while true {
            // Gone: stopped, deleted (state file removed) or its pid reused by another container.
            let cur = try? store.load(id)
            let alive = cur != nil && cur!.startTime == r.startTime && status(cur!) != .stopped
            // Counted before returning too: an OOM kill of the init itself stops the container
            // within the same poll interval.
            if let n = Cgroups.oomKillCount(paths: r.cgroupPaths), n != ooms {
                if n > ooms { for _ in 0..<min(n - ooms, 1000) { emit("{\"type\":\"oom\",\"id\":\(quotedID)}") } }
                ooms = n
            }
            if !alive { return }
            let now = monotonicMs()
            if now >= next {
                if let e = try? statsEvent() { emit(e) }
                next += interval
                if next <= now { next = now + interval }   // fell behind (suspended): no burst
            }
            usleep(UInt32(min(max(next - monotonicMs(), 1), 100)) * 1000)
        }
    }

    func monotonicMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}

extension Resources {
    /// `c` over `self`: every field `c` sets replaces the current one; device rules and the
    /// block IO / network lists replace when non-empty; hugepageLimits, rdma and unified merge
    /// by key.
    func merging(_ c: Resources) -> Resources {
        var r = self
        if !c.devices.isEmpty { r.devices = c.devices }
        if let m = c.memory {
            var o = r.memory ?? MemoryResources()
            o.limit = m.limit ?? o.limit
            o.reservation = m.reservation ?? o.reservation
            o.swap = m.swap ?? o.swap
            o.kernel = m.kernel ?? o.kernel
            o.kernelTCP = m.kernelTCP ?? o.kernelTCP
            o.swappiness = m.swappiness ?? o.swappiness
            o.disableOOMKiller = m.disableOOMKiller ?? o.disableOOMKiller
            o.useHierarchy = m.useHierarchy ?? o.useHierarchy
            o.checkBeforeUpdate = m.checkBeforeUpdate ?? o.checkBeforeUpdate
            r.memory = o
        }
        if let x = c.cpu {
            var o = r.cpu ?? CPUResources()
            o.shares = x.shares ?? o.shares
            o.quota = x.quota ?? o.quota
            o.burst = x.burst ?? o.burst
            o.period = x.period ?? o.period
            o.realtimeRuntime = x.realtimeRuntime ?? o.realtimeRuntime
            o.realtimePeriod = x.realtimePeriod ?? o.realtimePeriod
            o.cpus = x.cpus ?? o.cpus
            o.mems = x.mems ?? o.mems
            o.idle = x.idle ?? o.idle
            r.cpu = o
        }
        if let p = c.pids { r.pids = p }
        if let b = c.blockIO {
            var o = r.blockIO ?? BlockIOResources()
            o.weight = b.weight ?? o.weight
            o.leafWeight = b.leafWeight ?? o.leafWeight
            if !b.weightDevice.isEmpty { o.weightDevice = b.weightDevice }
            if !b.throttleReadBpsDevice.isEmpty { o.throttleReadBpsDevice = b.throttleReadBpsDevice }
            if !b.throttleWriteBpsDevice.isEmpty { o.throttleWriteBpsDevice = b.throttleWriteBpsDevice }
            if !b.throttleReadIOPSDevice.isEmpty { o.throttleReadIOPSDevice = b.throttleReadIOPSDevice }
            if !b.throttleWriteIOPSDevice.isEmpty { o.throttleWriteIOPSDevice = b.throttleWriteIOPSDevice }
            r.blockIO = o
        }
        for h in c.hugepageLimits {
            if let i = r.hugepageLimits.firstIndex(where: { $0.pageSize == h.pageSize }) { r.hugepageLimits[i] = h } else {
                r.hugepageLimits.append(h)
            }
        }
        if let n = c.network {
            var o = r.network ?? NetworkResources()
            o.classID = n.classID ?? o.classID
            if !n.priorities.isEmpty { o.priorities = n.priorities }
            r.network = o
        }
        for (k, v) in c.rdma { r.rdma[k] = v }
        for (k, v) in c.unified { r.unified[k] = v }
        return r
    }
}
