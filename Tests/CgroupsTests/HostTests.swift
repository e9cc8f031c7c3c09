// Real cgroups on this host (root required). Cgroups are named /swift-test-<pid>-<name> and
// removed in tearDown even when a test fails; child processes are killed and reaped.
import Glibc
import XCTest
import OCISpec
@testable import Cgroups

final class HostTests: XCTestCase {
    var cleanupDirs: [String] = []
    var children: [Child] = []

    override func tearDown() {
        cleanupHost(cleanupDirs.sorted { $0.count > $1.count }, children)
        cleanupDirs = []; children = []
    }

    func layoutOrSkip(_ modes: Set<CgroupMode>) throws -> HostLayout {
        guard getuid() == 0 else { throw XCTSkip("needs root") }
        let l = try Probe.layout()
        guard modes.contains(l.mode) else { throw XCTSkip("host cgroup mode is \(l.mode.rawValue)") }
        return l
    }

    func name(_ s: String) -> String { "/swift-test-\(getpid())-\(s)" }

    func track(_ m: CgroupManager) { cleanupDirs += m.paths.values }

    static let deviceScript = """
        if ( : </dev/zero ) 2>/dev/null; then echo zero-ok; else echo zero-denied; fi; \
        if ( : </dev/null ) 2>/dev/null; then echo null-ok; else echo null-denied; fi; exec sleep 300
        """

    func testProbe() throws {
        _ = try layoutOrSkip([.v1, .v2, .hybrid])
        XCTAssertTrue(["v1", "v2", "hybrid"].contains(Cgroups.hostMode))
    }

    /// The brief's scenario on the v1 hierarchy: limits, devices, a child, freeze/thaw, stats, destroy.
    func testV1Lifecycle() throws {
        let layout = try layoutOrSkip([.v1, .hybrid])
        let m = try Cgroups.manager(cgroupsPath: name("life"), containerID: "unused")
        track(m)
        XCTAssertEqual(m.paths["memory"], layout.v1["memory"]!.mountpoint + name("life"))
        try m.create()
        var r = Resources()
        var mem = MemoryResources(); mem.limit = 64 << 20; r.memory = mem
        r.pids = PidsResources(limit: 32)
        var cpu = CPUResources(); cpu.quota = 50000; cpu.period = 100000; r.cpu = cpu
        var deny = DeviceCgroupRule(allow: false); deny.access = "rwm"
        var null = DeviceCgroupRule(allow: true); null.type = "c"; null.major = 1; null.minor = 3; null.access = "rwm"
        r.devices = [deny, null]
        try m.apply(r)
        let p = m.paths
        XCTAssertEqual(FS.value(p["memory"]! + "/memory.limit_in_bytes"), "67108864")
        XCTAssertEqual(FS.value(p["pids"]! + "/pids.max"), "32")
        XCTAssertEqual(FS.value(p["cpu"]! + "/cpu.cfs_quota_us"), "50000")
        XCTAssertEqual(FS.value(p["cpu"]! + "/cpu.cfs_period_us"), "100000")
        XCTAssertEqual(FS.value(p["devices"]! + "/devices.list"), "c 1:3 rwm")
        // Re-applying (update) leaves the device list alone when it is already in effect.
        let log = WriteLog()
        try m.apply(r)
        log.stop()
        XCTAssertEqual(log.writes("devices.allow", "devices.deny"), [])
        XCTAssertEqual(log.writes("memory.limit_in_bytes"), ["memory.limit_in_bytes=67108864"])
        if let cs = p["cpuset"] { XCTAssertFalse((FS.value(cs + "/cpuset.cpus") ?? "").isEmpty, "cpuset.cpus copied") }

        let child = try Child(script: HostTests.deviceScript)
        children.append(child)
        try m.addProcess(child.pid)
        child.go()
        XCTAssertEqual(child.readLines(2), ["zero-denied", "null-ok"])
        XCTAssertEqual(try m.pids(), [child.pid])
        for (_, d) in p { XCTAssertTrue((try FS.procs(d, recursive: false)).contains(child.pid), d) }

        // A second container on the same path is refused.
        let other = try Cgroups.manager(cgroupsPath: name("life"), containerID: "unused")
        XCTAssertThrowsError(try other.create()) { XCTAssertTrue("\($0)".contains("already holds processes"), "\($0)") }

        try m.freeze()
        XCTAssertTrue(m.isFrozen())
        XCTAssertEqual(FS.value(p["freezer"]! + "/freezer.state"), "FROZEN")
        let frozenState = child.state()
        XCTAssertTrue(frozenState.hasPrefix("D") || frozenState.hasPrefix("S"), frozenState)
        try m.thaw()
        XCTAssertFalse(m.isFrozen())
        XCTAssertEqual(FS.value(p["freezer"]! + "/freezer.state"), "THAWED")

        let s = try m.stats()
        XCTAssertGreaterThanOrEqual(s.pids.current, 1)
        XCTAssertEqual(s.pids.limit, 32)
        XCTAssertEqual(s.memory.usage.limit, 64 << 20)
        XCTAssertGreaterThan(s.memory.usage.usage, 0)
        XCTAssertGreaterThan(s.cpu.usage.total, 0)
        XCTAssertFalse(s.cpu.usage.percpu.isEmpty)
        XCTAssertTrue(s.json().contains("\"pids\":{\"current\":"))

        try m.destroy()
        child.finish()
        for (_, d) in p { XCTAssertFalse(FS.exists(d), "left behind: \(d)") }
    }

    /// pause/ps/delete from a later process: a manager re-opened from the persisted paths.
    func testLoadFromPathsAndKill() throws {
        _ = try layoutOrSkip([.v1, .hybrid, .v2])
        let m = try Cgroups.manager(cgroupsPath: name("load"), containerID: "unused")
        track(m)
        try m.create()
        let child = try Child(script: "exec sleep 300")
        children.append(child)
        try m.addProcess(child.pid)
        let loaded = Cgroups.load(paths: m.paths)
        XCTAssertEqual(loaded.paths, m.paths)
        XCTAssertEqual(try loaded.pids(), [child.pid])
        try loaded.freeze()
        XCTAssertTrue(loaded.isFrozen())
        try loaded.thaw()
        try loaded.killAll(signal: SIGTERM)
        var st: Int32 = 0
        XCTAssertEqual(waitpid(child.pid, &st, 0), child.pid)
        child.reaped = true
        XCTAssertEqual(st & 0x7f, SIGTERM)
        try loaded.destroy()
        for (_, d) in m.paths { XCTAssertFalse(FS.exists(d), d) }
    }

    func testDestroyKillsRemainingProcesses() throws {
        _ = try layoutOrSkip([.v1, .hybrid, .v2])
        let m = try Cgroups.manager(cgroupsPath: name("kill") + "/leaf", containerID: "unused")
        track(m)
        cleanupDirs += m.paths.values.map { dirname($0) }
        try m.create()
        let child = try Child(script: "exec sleep 300")
        children.append(child)
        try m.addProcess(child.pid)
        try m.freeze()             // destroy must also cope with a frozen container
        try m.destroy()
        var st: Int32 = 0
        XCTAssertEqual(waitpid(child.pid, &st, 0), child.pid)
        child.reaped = true
        XCTAssertEqual(st & 0x7f, SIGKILL)
        for (_, d) in m.paths {
            XCTAssertFalse(FS.exists(d), d)
            XCTAssertFalse(FS.exists(dirname(d)), "parent created by this manager: \(dirname(d))")
        }
    }

    func testV1MemorySwapUpdateOrderOnKernel() throws {
        let layout = try layoutOrSkip([.v1, .hybrid])
        guard let memRoot = layout.v1["memory"]?.mountpoint, FS.exists(memRoot + "/memory.memsw.limit_in_bytes") else {
            throw XCTSkip("no memory.memsw (swap accounting off)")
        }
        let m = try Cgroups.manager(cgroupsPath: name("swap"), containerID: "unused")
        track(m)
        try m.create()
        var r = Resources(); var mem = MemoryResources()
        mem.limit = 64 << 20; mem.swap = 96 << 20; r.memory = mem
        try m.apply(r)
        mem.limit = 256 << 20; mem.swap = 512 << 20; r.memory = mem   // kernel refuses limit > memsw: swap must go first
        try m.apply(r)
        XCTAssertEqual(FS.value(m.paths["memory"]! + "/memory.memsw.limit_in_bytes"), "536870912")
        mem.limit = 32 << 20; mem.swap = 48 << 20; r.memory = mem      // shrinking: limit first
        try m.apply(r)
        XCTAssertEqual(FS.value(m.paths["memory"]! + "/memory.limit_in_bytes"), "33554432")
        mem.limit = -1; mem.swap = nil; r.memory = mem
        try m.apply(r)
        XCTAssertEqual(FS.value(m.paths["memory"]! + "/memory.limit_in_bytes"), "9223372036854771712")
        try m.destroy()
    }

    func testV1HostLimitations() throws {
        let layout = try layoutOrSkip([.v1, .hybrid])
        let m = try Cgroups.manager(cgroupsPath: name("limits"), containerID: "unused")
        track(m)
        try m.create()
        var r = Resources(); var mem = MemoryResources(); mem.kernel = 1 << 20; r.memory = mem
        XCTAssertNoThrow(try m.apply(r), "memory.kernel is ignored")
        if let b = m.paths["blkio"], !FS.exists(b + "/blkio.weight") && !FS.exists(b + "/blkio.bfq.weight") {
            r = Resources(); var bio = BlockIOResources(); bio.weight = 100; r.blockIO = bio
            XCTAssertThrowsError(try m.apply(r)) {
                XCTAssertEqual("\($0)", "linux.resources.blockIO.weight: not supported by this host (no blkio.weight)")
            }
        }
        if layout.v1["net_cls"] == nil {
            r = Resources(); var n = NetworkResources(); n.classID = 1; r.network = n
            XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".contains("net_cls controller not mounted")) }
        }
        r = Resources(); var cpu = CPUResources(); cpu.shares = 1 << 40; r.cpu = cpu
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".hasPrefix("linux.resources.cpu.shares: "), "\($0)") }
        try m.destroy()
    }

    func testV1KernelMemoryLimit() throws {
        throw XCTSkip("kernel 6.x ignores v1 kmem limits (memory.kmem.limit_in_bytes); linux.resources.memory.kernel is ignored by design")
    }

    func testV1BlkioWeight() throws {
        let layout = try layoutOrSkip([.v1, .hybrid])
        guard let b = layout.v1["blkio"]?.mountpoint, FS.exists(b + "/blkio.weight") || FS.exists(b + "/blkio.bfq.weight") else {
            throw XCTSkip("this host's v1 blkio has no weight files (no CFQ/BFQ); the error path is covered by testV1HostLimitations")
        }
        let m = try Cgroups.manager(cgroupsPath: name("blkio"), containerID: "unused")
        track(m)
        try m.create()
        var r = Resources(); var bio = BlockIOResources(); bio.weight = 200; r.blockIO = bio
        try m.apply(r)
        try m.destroy()
    }

    func testV1Hugetlb() throws {
        let layout = try layoutOrSkip([.v1, .hybrid])
        guard layout.v1["hugetlb"] != nil else {
            throw XCTSkip("hugetlb is not a v1 controller on this host (it is on the cgroup2 hierarchy: testHybridHugetlbViaUnified)")
        }
    }
}

/// Cleanup when a test fails half-way: a frozen cgroup with a live child, then tearDown alone.
final class HostCleanupTests: XCTestCase {
    func testTearDownCleansFrozenCgroupWithChild() throws {
        guard getuid() == 0, let l = try? Probe.layout(), l.mode != .v2 else { throw XCTSkip("needs root and v1") }
        let m = try Cgroups.manager(cgroupsPath: "/swift-test-\(getpid())-abandon", containerID: "unused")
        var kids: [Child] = []
        defer { cleanupHost(Array(m.paths.values), kids) }   // idempotent
        try m.create()
        let c = try Child(script: "exec sleep 300")
        kids.append(c)
        try m.addProcess(c.pid)
        try m.freeze()
        cleanupHost(Array(m.paths.values), [c])   // what tearDown runs after a failed assertion/throw
        for (_, d) in m.paths { XCTAssertFalse(FS.exists(d), d) }
        XCTAssertTrue(c.reaped)
    }
}
