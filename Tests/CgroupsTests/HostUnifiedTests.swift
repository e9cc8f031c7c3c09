// Real cgroup2 tests: the eBPF device filter and hugetlb through the unified hierarchy (on a
// hybrid host that is /sys/fs/cgroup/unified; on a v2 host the root itself).
import Glibc
import XCTest
import CShim
import OCISpec
@testable import Cgroups

final class HostUnifiedTests: XCTestCase {
    var cleanupDirs: [String] = []
    var children: [Child] = []

    override func tearDown() {
        cleanupHost(cleanupDirs, children)
        cleanupDirs = []; children = []
    }

    func unifiedRootOrSkip() throws -> String {
        guard getuid() == 0 else { throw XCTSkip("needs root") }
        let l = try Probe.layout()
        guard let u = l.unified else { throw XCTSkip("no cgroup2 hierarchy on this host") }
        return u
    }

    func rule(_ allow: Bool, _ t: String?, _ ma: Int64?, _ mi: Int64?, _ acc: String) -> DeviceCgroupRule {
        var r = DeviceCgroupRule(allow: allow); r.type = t; r.major = ma; r.minor = mi; r.access = acc
        return r
    }

    /// deny-all + allow c 1:3 as an eBPF program on a cgroup2 directory; then an update that
    /// also allows c 1:5 replaces the program (still exactly one attached).
    func testBPFDeviceFilter() throws {
        let root = try unifiedRootOrSkip()
        let dir = root + "/swift-test-\(getpid())-bpf"
        let m = V2Manager(root: root, dir: dir, ctx: FSContext(real: true, installDeviceFilter: DeviceRules.installBPF))
        cleanupDirs.append(dir)
        try m.create()
        var r = Resources()
        r.devices = [rule(false, nil, nil, nil, "rwm"), rule(true, "c", 1, 3, "rwm")]
        try m.apply(r)
        let fd = open(dir, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        XCTAssertEqual(sr_cgroup_device_prog_count(fd), 1)

        let a = try Child(script: HostTests.deviceScript)
        children.append(a)
        try m.addProcess(a.pid)
        a.go()
        XCTAssertEqual(a.readLines(2), ["zero-denied", "null-ok"])
        a.finish()

        r.devices.append(rule(true, "c", 1, 5, "r"))
        try m.apply(r)
        XCTAssertEqual(sr_cgroup_device_prog_count(fd), 1, "old program detached")
        let b = try Child(script: HostTests.deviceScript)
        children.append(b)
        try m.addProcess(b.pid)
        b.go()
        XCTAssertEqual(b.readLines(2), ["zero-ok", "null-ok"])

        // deny-list mode: allow all, deny c 1:3 w (a read-only open of /dev/null still works)
        r.devices = [rule(true, "a", nil, nil, "rwm"), rule(false, "c", 1, 3, "w")]
        try m.apply(r)
        let c = try Child(script: "if ( : </dev/null ) 2>/dev/zero; then echo r-ok; else echo r-denied; fi; "
                                + "if ( : >/dev/null ) 2>/dev/zero; then echo w-ok; else echo w-denied; fi; exec sleep 300")
        children.append(c)
        try m.addProcess(c.pid)
        c.go()
        XCTAssertEqual(c.readLines(2), ["r-ok", "w-denied"])
        try m.destroy()
        XCTAssertFalse(FS.exists(dir))
    }

    /// The v2 driver's own lifecycle on a real cgroup2 tree: freeze/thaw through cgroup.freeze +
    /// cgroup.events, kill via freeze-signal-thaw and cgroup.kill, stats, destroy.
    func testV2LifecycleOnRealCgroup2() throws {
        let root = try unifiedRootOrSkip()
        let dir = root + "/swift-test-\(getpid())-v2/leaf"
        let m = V2Manager(root: root, dir: dir, ctx: FSContext(real: true, installDeviceFilter: DeviceRules.installBPF))
        cleanupDirs += [dir, dirname(dir)]
        try m.create()
        let a = try Child(script: "exec sleep 300")
        children.append(a)
        try m.addProcess(a.pid)
        XCTAssertEqual(try m.pids(), [a.pid])
        try m.freeze()
        XCTAssertTrue(m.isFrozen())
        XCTAssertTrue((FS.readIfExists(dir + "/cgroup.events") ?? "").contains("frozen 1"))
        try m.thaw()
        XCTAssertFalse(m.isFrozen())
        XCTAssertTrue((FS.readIfExists(dir + "/cgroup.events") ?? "").contains("frozen 0"))
        try m.killAll(signal: SIGTERM)
        var st: Int32 = 0
        XCTAssertEqual(waitpid(a.pid, &st, 0), a.pid)
        a.reaped = true
        XCTAssertEqual(st & 0x7f, SIGTERM)
        let s = try m.stats()
        XCTAssertGreaterThan(s.cpu.usage.total, 0)
        let b = try Child(script: "exec sleep 300")
        children.append(b)
        try m.addProcess(b.pid)
        try m.destroy()            // cgroup.kill, wait, rmdir leaf and the parent we created
        XCTAssertEqual(waitpid(b.pid, &st, 0), b.pid)
        b.reaped = true
        XCTAssertEqual(st & 0x7f, SIGKILL)
        XCTAssertFalse(FS.exists(dir))
        XCTAssertFalse(FS.exists(dirname(dir)))
    }

    /// hugepageLimits land on the cgroup2 hierarchy when hugetlb is not a v1 controller.
    func testHybridHugetlbViaUnified() throws {
        _ = try unifiedRootOrSkip()
        let l = try Probe.layout()
        guard l.v1["hugetlb"] == nil else { throw XCTSkip("hugetlb is a v1 controller here") }
        guard (FS.value(l.unified! + "/cgroup.controllers") ?? "").split(separator: " ").contains("hugetlb") else {
            throw XCTSkip("hugetlb not available on the cgroup2 hierarchy")
        }
        guard let size = StatParse.hugePageSizes().first else { throw XCTSkip("no huge page sizes") }
        let m = try Cgroups.manager(cgroupsPath: "/swift-test-\(getpid())-huge", containerID: "unused")
        cleanupDirs += m.paths.values
        try m.create()
        var r = Resources()
        r.hugepageLimits = [HugepageLimit(pageSize: size, limit: 4 << 30)]
        try m.apply(r)
        let u = m.paths[""]!
        XCTAssertEqual(FS.value(u + "/hugetlb.\(size).max"), String(4 << 30))
        let s = try m.stats()
        XCTAssertNotNil(s.hugetlb[size])
        // unified keys go to the same directory on a hybrid host.
        // (limits are rounded down to whole pages, so use a multiple of 1 GiB)
        r = Resources(); r.unified = ["hugetlb.\(size).max": String(2 << 30)]
        try m.apply(r)
        XCTAssertEqual(FS.value(u + "/hugetlb.\(size).max"), String(2 << 30))
        r.unified = ["memory.high": "1"]
        XCTAssertThrowsError(try m.apply(r)) {
            XCTAssertTrue("\($0)".contains("controller memory not available"), "\($0)")
        }
        try m.destroy()
        XCTAssertFalse(FS.exists(u))
    }
}
