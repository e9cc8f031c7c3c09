// The v1 driver against a fake cgroupfs tree: which file gets which value.
import Glibc
import XCTest
import OCISpec
@testable import Cgroups

final class FakeV1Tests: XCTestCase {
    var tree: FakeTree!
    var log: WriteLog!

    override func setUp() { tree = FakeTree.standardV1(); log = WriteLog() }
    override func tearDown() { log.stop(); tree.remove() }

    func manager(_ path: String? = "/swiftrun/c1", id: String = "c1") throws -> V1Manager {
        let spec = try CgroupPathSpec.resolve(path, containerID: id)
        return try Cgroups.build(layout: tree.layout, spec: spec, own: [:], ctx: tree.ctx) as! V1Manager
    }

    static func fullResources() -> Resources {
        var r = Resources()
        var m = MemoryResources()
        m.limit = 64 << 20; m.reservation = 32 << 20; m.swap = 128 << 20; m.kernel = 1 << 20; m.kernelTCP = 2 << 20
        m.swappiness = 10; m.disableOOMKiller = true; m.useHierarchy = true; m.checkBeforeUpdate = true
        r.memory = m
        var c = CPUResources()
        c.shares = 512; c.quota = 50000; c.period = 100000; c.burst = 10000
        c.realtimeRuntime = 950; c.realtimePeriod = 1000; c.cpus = "0-1"; c.mems = "0"; c.idle = 0
        r.cpu = c
        r.pids = PidsResources(limit: 32)
        var b = BlockIOResources()
        b.weight = 300; b.leafWeight = 200
        var wd = BlockIODevice(major: 8, minor: 0); wd.weight = 500; wd.leafWeight = 300
        b.weightDevice = [wd]
        var t = BlockIODevice(major: 8, minor: 16); t.rate = 1 << 20
        b.throttleReadBpsDevice = [t]; b.throttleWriteBpsDevice = [t]; b.throttleReadIOPSDevice = [t]; b.throttleWriteIOPSDevice = [t]
        r.blockIO = b
        r.hugepageLimits = [HugepageLimit(pageSize: "2MB", limit: 4 << 20)]
        var n = NetworkResources(); n.classID = 0x100001; n.priorities = [(name: "eth0", priority: 5)]
        r.network = n
        var rd = RdmaLimit(); rd.hcaHandles = 2; rd.hcaObjects = 100
        r.rdma = ["mlx5_0": rd]
        var deny = DeviceCgroupRule(allow: false); deny.access = "rwm"
        var null = DeviceCgroupRule(allow: true); null.type = "c"; null.major = 1; null.minor = 3; null.access = "rwm"
        var blk = DeviceCgroupRule(allow: false); blk.type = "b"; blk.major = 8; blk.access = "r"
        r.devices = [deny, null, blk]
        return r
    }

    func testDefaultPathsAndCreate() throws {
        let m = try manager()
        XCTAssertEqual(m.paths["memory"], tree.root + "/memory/swiftrun/c1")
        XCTAssertEqual(m.paths["cpu"], tree.root + "/cpu,cpuacct/swiftrun/c1")
        XCTAssertEqual(m.paths["cpuacct"], m.paths["cpu"])
        XCTAssertEqual(m.paths["name=systemd"], tree.root + "/systemd/swiftrun/c1")
        XCTAssertNil(m.paths[""])
        try m.create()
        for (_, d) in m.paths { XCTAssertTrue(FS.isDir(d), d) }
        // cpuset: cpus/mems copied down from the root through the new parent.
        XCTAssertEqual(tree.get("cpuset/swiftrun/cpuset.cpus"), "0-1")
        XCTAssertEqual(tree.get("cpuset/swiftrun/c1/cpuset.cpus"), "0-1")
        XCTAssertEqual(tree.get("cpuset/swiftrun/c1/cpuset.mems"), "0")
        XCTAssertEqual(m.created.filter { $0.hasSuffix("/swiftrun") }.count, 12)   // 12 hierarchies
        try m.destroy()
        for (_, d) in m.paths { XCTAssertFalse(FS.exists(d), d) }
        XCTAssertFalse(tree.exists("memory/swiftrun"))
    }

    func testApplyFullResources() throws {
        let m = try manager()
        try m.create()
        try m.apply(FakeV1Tests.fullResources())
        let d = "swiftrun/c1"
        XCTAssertEqual(tree.get("memory/\(d)/memory.limit_in_bytes"), "67108864")
        XCTAssertEqual(tree.get("memory/\(d)/memory.memsw.limit_in_bytes"), "134217728")   // spec: memory+swap as is
        XCTAssertEqual(tree.get("memory/\(d)/memory.soft_limit_in_bytes"), "33554432")
        XCTAssertEqual(tree.get("memory/\(d)/memory.kmem.tcp.limit_in_bytes"), "2097152")
        XCTAssertEqual(tree.get("memory/\(d)/memory.swappiness"), "10")
        XCTAssertEqual(tree.get("memory/\(d)/memory.oom_control"), "1")
        XCTAssertEqual(tree.get("memory/\(d)/memory.use_hierarchy"), "1")
        XCTAssertFalse(log.entries.contains { $0.0.contains("kmem.limit_in_bytes") }, "memory.kernel is ignored")
        XCTAssertEqual(tree.get("cpu,cpuacct/\(d)/cpu.shares"), "512")
        XCTAssertEqual(tree.get("cpu,cpuacct/\(d)/cpu.cfs_quota_us"), "50000")
        XCTAssertEqual(tree.get("cpu,cpuacct/\(d)/cpu.cfs_period_us"), "100000")
        XCTAssertEqual(tree.get("cpu,cpuacct/\(d)/cpu.cfs_burst_us"), "10000")
        XCTAssertEqual(tree.get("cpu,cpuacct/\(d)/cpu.rt_runtime_us"), "950")
        XCTAssertEqual(tree.get("cpu,cpuacct/\(d)/cpu.rt_period_us"), "1000")
        XCTAssertEqual(tree.get("cpu,cpuacct/\(d)/cpu.idle"), "0")
        XCTAssertEqual(tree.get("cpuset/\(d)/cpuset.cpus"), "0-1")
        XCTAssertEqual(tree.get("pids/\(d)/pids.max"), "32")
        XCTAssertEqual(tree.get("blkio/\(d)/blkio.weight"), "300")
        XCTAssertEqual(tree.get("blkio/\(d)/blkio.leaf_weight"), "200")
        XCTAssertEqual(tree.get("blkio/\(d)/blkio.weight_device"), "8:0 500")
        XCTAssertEqual(tree.get("blkio/\(d)/blkio.leaf_weight_device"), "8:0 300")
        for f in ["read_bps_device", "write_bps_device", "read_iops_device", "write_iops_device"] {
            XCTAssertEqual(tree.get("blkio/\(d)/blkio.throttle.\(f)"), "8:16 1048576")
        }
        XCTAssertEqual(tree.get("hugetlb/\(d)/hugetlb.2MB.limit_in_bytes"), "4194304")
        XCTAssertEqual(tree.get("net_cls/\(d)/net_cls.classid"), "1048577")
        XCTAssertEqual(tree.get("net_prio/\(d)/net_prio.ifpriomap"), "eth0 5")
        XCTAssertEqual(tree.get("rdma/\(d)/rdma.max"), "mlx5_0 hca_handle=2 hca_object=100")
        // devices: deny-all first, then the rules in order.
        XCTAssertEqual(log.writes("devices.allow", "devices.deny"),
                       ["devices.deny=a", "devices.allow=c 1:3 rwm", "devices.deny=b 8:* r"])
        // quota before the retried period only on EINVAL: here period, burst, quota in runc's order.
        XCTAssertEqual(log.writes("cpu.cfs_period_us", "cpu.cfs_burst_us", "cpu.cfs_quota_us"),
                       ["cpu.cfs_period_us=100000", "cpu.cfs_burst_us=10000", "cpu.cfs_quota_us=50000"])
    }

    func testMemorySwapWriteOrder() throws {
        let m = try manager()
        try m.create()
        var r = Resources(); var mem = MemoryResources()
        mem.limit = 64 << 20; mem.swap = 64 << 20      // current limit (max) >= swap: limit first
        r.memory = mem
        try m.apply(r)
        XCTAssertEqual(log.writes("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"),
                       ["memory.limit_in_bytes=67108864", "memory.memsw.limit_in_bytes=67108864"])
        log.entries = []
        mem.limit = 256 << 20; mem.swap = 512 << 20    // growing: current 64M < new swap -> swap first
        r.memory = mem
        try m.apply(r)
        XCTAssertEqual(log.writes("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"),
                       ["memory.memsw.limit_in_bytes=536870912", "memory.limit_in_bytes=268435456"])
        log.entries = []
        mem.limit = -1; mem.swap = nil                 // unlimited: swap -1 too, swap first
        r.memory = mem
        try m.apply(r)
        XCTAssertEqual(log.writes("memory.limit_in_bytes", "memory.memsw.limit_in_bytes"),
                       ["memory.memsw.limit_in_bytes=-1", "memory.limit_in_bytes=-1"])
    }

    func testPidsLimitValues() throws {
        let m = try manager()
        try m.create()
        for (limit, want) in [(Int64(-1), "max"), (0, "0"), (100, "100")] {
            var r = Resources(); r.pids = PidsResources(limit: limit)
            try m.apply(r)
            XCTAssertEqual(tree.get("pids/swiftrun/c1/pids.max"), want)
        }
    }

    func testUnsupportedFieldsNameTheField() throws {
        // No blkio weight files (like this host's kernel), no net_cls mounted, v1-only host.
        let m = try manager()
        try m.create()
        unlink(m.paths["blkio"]! + "/blkio.weight")
        var r = Resources(); var b = BlockIOResources(); b.weight = 100; r.blockIO = b
        XCTAssertThrowsError(try m.apply(r)) {
            XCTAssertEqual("\($0)", "linux.resources.blockIO.weight: not supported by this host (no blkio.weight)")
        }
        r = Resources(); r.unified = ["memory.high": "1"]
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".hasPrefix("linux.resources.unified: not supported")) }
        r = Resources(); var mem = MemoryResources(); mem.swappiness = 101; r.memory = mem
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".hasPrefix("linux.resources.memory.swappiness: invalid")) }
        r = Resources(); mem = MemoryResources(); mem.swap = 1 << 30; r.memory = mem
        unlink(m.paths["memory"]! + "/memory.memsw.limit_in_bytes")
        XCTAssertThrowsError(try m.apply(r)) {
            XCTAssertEqual("\($0)", "linux.resources.memory.swap: not supported by this host (no memory.memsw.limit_in_bytes; swap accounting disabled)")
        }
        mem.swap = -1; r.memory = mem
        XCTAssertNoThrow(try m.apply(r), "swap -1 without memsw is a no-op")
        r = Resources(); var hp = [HugepageLimit(pageSize: "2XB", limit: 1)]
        r.hugepageLimits = hp
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".hasPrefix("linux.resources.hugepageLimits[0].pageSize: invalid")) }
        hp = [HugepageLimit(pageSize: "1GB", limit: 1)]; r.hugepageLimits = hp
        XCTAssertThrowsError(try m.apply(r)) {
            XCTAssertEqual("\($0)", "linux.resources.hugepageLimits[0]: not supported by this host (no hugetlb.1GB.limit_in_bytes)")
        }
    }

    func testMissingControllerIsNamed() throws {
        let small = FakeTree(v2: false, hierarchies: ["memory": ["memory"], "freezer": ["freezer"]])
        defer { small.remove() }
        let m = try Cgroups.build(layout: small.layout, spec: .absolute("/x"), own: [:], ctx: small.ctx)
        try m.create()
        var r = Resources(); r.pids = PidsResources(limit: 5)
        XCTAssertThrowsError(try m.apply(r)) {
            XCTAssertEqual("\($0)", "linux.resources.pids.limit: not supported by this host (pids controller not mounted)")
        }
        r = Resources(); var n = NetworkResources(); n.classID = 1; r.network = n
        XCTAssertThrowsError(try m.apply(r)) { XCTAssertTrue("\($0)".contains("net_cls controller not mounted")) }
        try m.destroy()
    }

    func testCreateRefusesBusyCgroup() throws {
        mkdir(tree.root + "/memory/busy", 0o755)
        tree.populate(tree.root + "/memory/busy")
        tree.put("memory/busy/cgroup.procs", "4242\n")
        let m = try manager("/busy")
        XCTAssertThrowsError(try m.create()) { XCTAssertTrue("\($0)".contains("already holds processes (4242)"), "\($0)") }
        XCTAssertTrue(tree.exists("memory/busy"), "a directory we did not create is left alone")
        XCTAssertFalse(tree.exists("pids/busy"), "directories created before the error are rolled back")
        // create's caller undoes a failed create with destroy(): the other container's cgroup stays.
        try m.destroy()
        XCTAssertTrue(tree.exists("memory/busy"), "destroy after a failed create removed another container's cgroup")
        XCTAssertEqual(tree.get("memory/busy/cgroup.procs"), "4242")
    }

    func testFreezeAndPidsAndLoad() throws {
        let m = try manager()
        try m.create()
        try m.freeze()
        XCTAssertEqual(tree.get("freezer/swiftrun/c1/freezer.state"), "FROZEN")
        XCTAssertTrue(m.isFrozen())
        try m.thaw()
        XCTAssertFalse(m.isFrozen())
        tree.put("pids/swiftrun/c1/cgroup.procs", "10\n11\n")
        mkdir(tree.root + "/pids/swiftrun/c1/sub", 0o755)
        tree.put("pids/swiftrun/c1/sub/cgroup.procs", "12\n")
        XCTAssertEqual(try m.pids(), [10, 11, 12])
        let loaded = Cgroups.load(paths: m.paths, ctx: tree.ctx)
        XCTAssertTrue(loaded is V1Manager)
        XCTAssertEqual(loaded.paths, m.paths)
        XCTAssertEqual(try loaded.pids(), [10, 11, 12])
        try m.addProcess(99)
        XCTAssertEqual(tree.get("memory/swiftrun/c1/cgroup.procs"), "99")
        XCTAssertEqual(log.writes("cgroup.procs").count, 12, "one write per distinct directory")
    }

    func testStats() throws {
        let m = try manager()
        try m.create()
        let s = try m.stats()
        XCTAssertEqual(s.cpu.usage.total, 123456)
        XCTAssertEqual(s.cpu.usage.percpu, [100000, 23456])
        XCTAssertEqual(s.cpu.usage.percpuKernel, [1000, 2000])
        XCTAssertEqual(s.cpu.usage.user, 10 * (1_000_000_000 / UInt64(sysconf(Int32(_SC_CLK_TCK)))))
        XCTAssertEqual(s.cpu.throttling, .init(periods: 10, throttledPeriods: 2, throttledTime: 5000))
        XCTAssertEqual(s.memory.usage, .init(limit: 9223372036854771712, usage: 4096, max: 8192, failcnt: 3))
        XCTAssertEqual(s.memory.swap.usage, 5000)
        XCTAssertEqual(s.memory.cache, 100)
        XCTAssertEqual(s.memory.raw["rss"], 200)
        XCTAssertEqual(s.pids, .init(current: 1, limit: 0))
        XCTAssertEqual(s.blkio.ioServiceBytesRecursive, [.init(major: 8, minor: 0, op: "Read", value: 100),
                                                         .init(major: 8, minor: 0, op: "Write", value: 200)])
        XCTAssertEqual(s.blkio.ioServicedRecursive.count, 2)
        let j = s.json()
        XCTAssertTrue(j.hasPrefix("{\"cpu\":{\"usage\":{\"total\":123456,\"percpu\":[100000,23456]"), j)
        XCTAssertTrue(j.contains("\"pids\":{\"current\":1}"), j)
        XCTAssertTrue(j.contains("\"ioServiceBytesRecursive\":[{\"major\":8,\"op\":\"Read\",\"value\":100},"), j)
    }

    func testRelativePathUsesCallersCgroup() throws {
        let own = ["memory": "/process_api/abc", "cpu": "/", "cpuacct": "/"]
        let m = try Cgroups.build(layout: tree.layout, spec: .relative("a/b"), own: own, ctx: tree.ctx)
        XCTAssertEqual(m.paths["memory"], tree.root + "/memory/process_api/abc/a/b")
        XCTAssertEqual(m.paths["cpu"], tree.root + "/cpu,cpuacct/a/b")
        XCTAssertEqual(m.paths["pids"], tree.root + "/pids/a/b")
    }
}
