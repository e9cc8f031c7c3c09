// The v2 driver against a fake cgroupfs tree: conversions and file values.
import Glibc
import XCTest
import OCISpec
@testable import Cgroups

final class FakeV2Tests: XCTestCase {
    var tree: FakeTree!
    var log: WriteLog!

    override func setUp() { tree = FakeTree(v2: true); log = WriteLog() }
    override func tearDown() { log.stop(); tree.remove() }

    func manager(_ path: String? = "/swiftrun/c2", own: [String: String] = [:]) throws -> V2Manager {
        let spec = try CgroupPathSpec.resolve(path, containerID: "c2")
        return try Cgroups.build(layout: tree.layout, spec: spec, own: own, ctx: tree.ctx) as! V2Manager
    }

    func testCreateEnablesControllersOnAncestors() throws {
        let m = try manager()
        XCTAssertEqual(m.paths, ["": tree.root + "/swiftrun/c2"])
        try m.create()
        let all = "+cpuset +cpu +io +memory +hugetlb +pids +rdma"
        XCTAssertEqual(tree.get("cgroup.subtree_control"), all)
        XCTAssertEqual(tree.get("swiftrun/cgroup.subtree_control"), all)
        XCTAssertEqual(tree.get("swiftrun/c2/cgroup.subtree_control"), "", "not on the leaf")
        try m.destroy()
        XCTAssertFalse(tree.exists("swiftrun"))
    }

    func testApplyFullResourcesConverted() throws {
        let m = try manager()
        try m.create()
        var r = Resources()
        var mem = MemoryResources()
        mem.limit = 64 << 20; mem.swap = 96 << 20; mem.reservation = 16 << 20; mem.kernel = 1 << 20
        mem.disableOOMKiller = false; mem.useHierarchy = true
        r.memory = mem
        var c = CPUResources()
        c.shares = 1024; c.quota = 50000; c.period = 100000; c.burst = 1000; c.cpus = "1"; c.mems = "0"; c.idle = 1
        r.cpu = c
        r.pids = PidsResources(limit: 32)
        var b = BlockIOResources(); b.weight = 500
        var wd = BlockIODevice(major: 8, minor: 0); wd.weight = 1000
        b.weightDevice = [wd]
        var t = BlockIODevice(major: 259, minor: 0); t.rate = 2097152
        b.throttleReadBpsDevice = [t]
        var t2 = BlockIODevice(major: 259, minor: 0); t2.rate = 120
        b.throttleWriteIOPSDevice = [t2]
        r.blockIO = b
        r.hugepageLimits = [HugepageLimit(pageSize: "2MB", limit: 8 << 20)]
        var rd = RdmaLimit(); rd.hcaHandles = 3
        r.rdma = ["mlx4_0": rd]
        var deny = DeviceCgroupRule(allow: false); deny.access = "rwm"
        var null = DeviceCgroupRule(allow: true); null.type = "c"; null.major = 1; null.minor = 3; null.access = "rw"
        r.devices = [deny, null]
        r.unified = ["memory.high": "50000000", "cpu.weight": "77"]
        try m.apply(r)
        XCTAssertEqual(tree.get("swiftrun/c2/memory.max"), "67108864")
        XCTAssertEqual(tree.get("swiftrun/c2/memory.swap.max"), "33554432", "spec swap (memory+swap) minus limit")
        XCTAssertEqual(tree.get("swiftrun/c2/memory.low"), "16777216")
        XCTAssertEqual(tree.get("swiftrun/c2/cpu.max"), "50000 100000")
        XCTAssertEqual(tree.get("swiftrun/c2/cpu.max.burst"), "1000")
        XCTAssertEqual(tree.get("swiftrun/c2/cpu.idle"), "1")
        XCTAssertEqual(tree.get("swiftrun/c2/cpuset.cpus"), "1")
        XCTAssertEqual(tree.get("swiftrun/c2/cpuset.mems"), "0")
        XCTAssertEqual(tree.get("swiftrun/c2/pids.max"), "32")
        XCTAssertEqual(tree.get("swiftrun/c2/io.weight"), "8:0 10000", "per-device weight converted, last write")
        XCTAssertEqual(log.writes("io.weight"), ["io.weight=4950", "io.weight=8:0 10000"])
        XCTAssertEqual(log.writes("io.max"), ["io.max=259:0 rbps=2097152", "io.max=259:0 wiops=120"])
        XCTAssertEqual(tree.get("swiftrun/c2/hugetlb.2MB.max"), "8388608")
        XCTAssertEqual(tree.get("swiftrun/c2/hugetlb.2MB.rsvd.max"), "8388608")
        XCTAssertEqual(tree.get("swiftrun/c2/rdma.max"), "mlx4_0 hca_handle=3")
        XCTAssertEqual(tree.get("swiftrun/c2/memory.high"), "50000000")
        // unified is written last and overrides the shares conversion (39).
        XCTAssertEqual(log.writes("cpu.weight"), ["cpu.weight=39", "cpu.weight=77"])
        XCTAssertEqual(tree.installed.count, 1)
        XCTAssertEqual(tree.installed.first?.0, m.dir)
        XCTAssertEqual(tree.installed.first?.1, DeviceProgram(defaultAllow: false, exceptions: [
            DeviceException(type: "c", major: 1, minor: 3, access: accRead | accWrite)]))
    }

    func testBFQWeightUsedAsIs() throws {
        let m = try manager()
        try m.create()
        tree.put("swiftrun/c2/io.bfq.weight", "100")
        var r = Resources(); var b = BlockIOResources(); b.weight = 500; r.blockIO = b
        try m.apply(r)
        XCTAssertEqual(tree.get("swiftrun/c2/io.bfq.weight"), "500")
    }

    func testConversions() throws {
        XCTAssertEqual(V2Manager.cpuWeight(shares: 2), 1)
        XCTAssertEqual(V2Manager.cpuWeight(shares: 1024), 39)
        XCTAssertEqual(V2Manager.cpuWeight(shares: 262144), 10000)
        XCTAssertEqual(V2Manager.cpuWeight(shares: 1), 1)
        XCTAssertEqual(V2Manager.ioWeight(10), 1)
        XCTAssertEqual(V2Manager.ioWeight(500), 4950)
        XCTAssertEqual(V2Manager.ioWeight(1000), 10000)
        XCTAssertEqual(try V2Manager.swapValue(swap: 0, limit: -1), -1)
        XCTAssertEqual(try V2Manager.swapValue(swap: -1, limit: 100), -1)
        XCTAssertEqual(try V2Manager.swapValue(swap: 0, limit: 100), 0)
        XCTAssertEqual(try V2Manager.swapValue(swap: 300, limit: 100), 200)
        XCTAssertThrowsError(try V2Manager.swapValue(swap: 50, limit: 100))
        XCTAssertThrowsError(try V2Manager.swapValue(swap: 50, limit: 0))
    }

    func testMemorySpecialCases() throws {
        let m = try manager()
        try m.create()
        var r = Resources(); var mem = MemoryResources()
        mem.limit = 100 << 20; mem.swap = 100 << 20; r.memory = mem   // swap == limit: no swap
        try m.apply(r)
        XCTAssertEqual(tree.get("swiftrun/c2/memory.swap.max"), "0")
        mem.limit = -1; mem.swap = nil; r.memory = mem
        try m.apply(r)
        XCTAssertEqual(tree.get("swiftrun/c2/memory.swap.max"), "max")
        XCTAssertEqual(tree.get("swiftrun/c2/memory.max"), "max")
        mem = MemoryResources(); mem.limit = 4096; mem.checkBeforeUpdate = true; r.memory = mem   // usage is 8192
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".contains("below current usage 8192"), "\($0)") }
        unlink(m.dir + "/memory.swap.max")
        mem = MemoryResources(); mem.limit = 1 << 20; mem.swap = 1 << 20; r.memory = mem
        XCTAssertNoThrow(try m.apply(r), "no swap accounting: disabling swap is a no-op")
        mem.swap = 2 << 20; r.memory = mem
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".hasPrefix("linux.resources.memory.swap: not supported")) }
    }

    func testUnsupportedOnV2NameTheField() throws {
        let m = try manager()
        try m.create()
        func expect(_ r: Resources, _ prefix: String, line: UInt = #line) {
            XCTAssertThrowsError(try m.apply(r), line: line) {
                XCTAssertTrue("\($0)".hasPrefix(prefix), "\($0)", line: line)
            }
        }
        var r = Resources(); var c = CPUResources(); c.realtimeRuntime = 1000; r.cpu = c
        expect(r, "linux.resources.cpu.realtimeRuntime: not supported by this host")
        r = Resources(); var n = NetworkResources(); n.classID = 1; r.network = n
        expect(r, "linux.resources.network.classID: not supported")
        r = Resources(); var mem = MemoryResources(); mem.swappiness = 0; r.memory = mem
        expect(r, "linux.resources.memory.swappiness: not supported")
        mem = MemoryResources(); mem.disableOOMKiller = true; r.memory = mem
        expect(r, "linux.resources.memory.disableOOMKiller: not supported")
        r = Resources(); var b = BlockIOResources(); b.leafWeight = 100; r.blockIO = b
        expect(r, "linux.resources.blockIO.leafWeight: not supported")
        r = Resources(); r.unified = ["misc.max": "x 1"]
        expect(r, "linux.resources.unified[\"misc.max\"]: not supported by this host (controller misc not available")
        r = Resources(); r.unified = ["../escape": "1"]
        expect(r, "linux.resources.unified[\"../escape\"]: not a cgroup file name")
        r = Resources(); r.hugepageLimits = [HugepageLimit(pageSize: "1GB", limit: 1)]
        expect(r, "linux.resources.hugepageLimits[0]: not supported by this host (no hugetlb.1GB.max)")
    }

    func testFreezeKillAndStats() throws {
        let m = try manager()
        try m.create()
        tree.put("swiftrun/c2/cgroup.events", "populated 1\nfrozen 1\n")
        try m.freeze()
        XCTAssertTrue(m.isFrozen())
        tree.put("swiftrun/c2/cgroup.events", "populated 1\nfrozen 0\n")
        try m.thaw()
        XCTAssertFalse(m.isFrozen())
        tree.put("swiftrun/c2/cgroup.kill", "")
        try m.killAll(signal: SIGKILL)
        XCTAssertEqual(log.writes("cgroup.kill"), ["cgroup.kill=1"])
        let s = try m.stats()
        XCTAssertEqual(s.cpu.usage.total, 2_000_000)
        XCTAssertEqual(s.cpu.usage.kernel, 500_000)
        XCTAssertEqual(s.cpu.throttling, .init(periods: 7, throttledPeriods: 1, throttledTime: 30_000))
        XCTAssertEqual(s.memory.usage, .init(limit: UInt64.max, usage: 8192, max: 16384, failcnt: 4))
        XCTAssertEqual(s.memory.swap.usage, 8292, "v1-compatible memory+swap")
        XCTAssertEqual(s.memory.cache, 20)
        XCTAssertEqual(s.pids, .init(current: 2, limit: 0))
        XCTAssertEqual(s.blkio.ioServiceBytesRecursive, [.init(major: 8, minor: 0, op: "Read", value: 100),
                                                         .init(major: 8, minor: 0, op: "Write", value: 200)])
        XCTAssertEqual(s.blkio.ioServicedRecursive.map(\.value), [1, 2])
    }

    func testRelativePathUsesParentOfCallersCgroup() throws {
        let m = try manager("ctr/x", own: ["": "/user.slice/session-1.scope"])
        XCTAssertEqual(m.dir, tree.root + "/user.slice/ctr/x")
        let loaded = Cgroups.load(paths: m.paths, ctx: tree.ctx)
        XCTAssertTrue(loaded is V2Manager)
    }

    func testDestroyAfterFailedCreateLeavesTheBusyCgroup() throws {
        mkdir(tree.root + "/busy", 0o755)
        tree.populate(tree.root + "/busy")
        tree.put("busy/cgroup.procs", "4242\n")
        let m = try manager("/busy")
        XCTAssertThrowsError(try m.create()) { XCTAssertTrue("\($0)".contains("already holds processes (4242)"), "\($0)") }
        try m.destroy()
        XCTAssertTrue(tree.exists("busy"), "destroy after a failed create removed another container's cgroup")
    }

    func testExistingParentIsKeptOnDestroy() throws {
        let a = try manager("/shared/a"), b = try manager("/shared/b")
        try a.create(); try b.create()
        try a.destroy()
        XCTAssertTrue(tree.exists("shared/b"))
        try b.destroy()
        XCTAssertTrue(tree.exists("shared"), "created by a, so b does not remove it")
    }
}
