// Pure logic: device rule reduction and v1 strings, cgroupsPath resolution, mountinfo parsing.
import XCTest
import OCISpec
@testable import Cgroups

final class RulesAndPathsTests: XCTestCase {
    func rule(_ allow: Bool, _ type: String? = nil, _ major: Int64? = nil, _ minor: Int64? = nil, _ access: String? = nil) -> DeviceCgroupRule {
        var r = DeviceCgroupRule(allow: allow)
        r.type = type; r.major = major; r.minor = minor; r.access = access
        return r
    }

    func ex(_ t: Character, _ ma: Int64, _ mi: Int64, _ acc: String) -> DeviceException {
        var a: UInt32 = 0
        for c in acc { a |= c == "r" ? accRead : c == "w" ? accWrite : accMknod }
        return DeviceException(type: t, major: ma, minor: mi, access: a)
    }

    func testReduce() throws {
        XCTAssertEqual(try DeviceRules.reduce([]), DeviceProgram(defaultAllow: false, exceptions: []))
        XCTAssertEqual(try DeviceRules.reduce([rule(false, nil, nil, nil, "rwm"), rule(true, "c", 1, 3, "rwm")]),
                       DeviceProgram(defaultAllow: false, exceptions: [ex("c", 1, 3, "rwm")]))
        XCTAssertEqual(try DeviceRules.reduce([rule(true, "a")]), DeviceProgram(defaultAllow: true, exceptions: []))
        XCTAssertEqual(try DeviceRules.reduce([rule(true, "a"), rule(false, "c", 1, 3, "w")]),
                       DeviceProgram(defaultAllow: true, exceptions: [ex("c", 1, 3, "w")]))
        // merging and partial removal, kernel style
        XCTAssertEqual(try DeviceRules.reduce([rule(false), rule(true, "c", nil, nil, "m"), rule(true, "c", 1, 3, "rw"),
                                               rule(true, "c", 1, 3, "m"), rule(false, "c", 1, 3, "w")]),
                       DeviceProgram(defaultAllow: false, exceptions: [ex("c", -1, -1, "m"), ex("c", 1, 3, "rm")]))
        // a later "a" resets everything before it
        XCTAssertEqual(try DeviceRules.reduce([rule(true, "c", 1, 3), rule(false, "a", nil, nil, "rwm"), rule(true, "b", 8, nil, "r")]),
                       DeviceProgram(defaultAllow: false, exceptions: [ex("b", 8, -1, "r")]))
        // the runtime's default set reduces without loss
        let p = try DeviceRules.reduce([rule(false)] + Cgroups.defaultDeviceRules)
        XCTAssertEqual(p.exceptions.count, Cgroups.defaultDeviceRules.count)
    }

    func testInvalidRulesNameTheIndex() {
        XCTAssertThrowsError(try DeviceRules.reduce([rule(false), rule(true, "x")])) {
            XCTAssertEqual("\($0)", "linux.resources.devices[1].type: invalid device type \"x\" (want a, b or c)")
        }
        XCTAssertThrowsError(try DeviceRules.v1Writes([rule(true, "c", 1, 3, "rwx")])) {
            XCTAssertTrue("\($0)".hasPrefix("linux.resources.devices[0].access: invalid access"))
        }
    }

    func testV1Strings() throws {
        let w = try DeviceRules.v1Writes([rule(false, nil, nil, nil, "rwm"), rule(true, "c", 1, 3, "rwm"),
                                          rule(true, "c", nil, nil, "m"), rule(false, "b", 8, nil, "r"), rule(true, "c", 136, nil, nil)])
        XCTAssertEqual(w.map { "\($0.file)=\($0.value)" },
                       ["devices.deny=a", "devices.allow=c 1:3 rwm", "devices.allow=c *:* m",
                        "devices.deny=b 8:* r", "devices.allow=c 136:* rwm"])
    }

    func testV1StringsStartFromDenyAll() throws {
        let w = try DeviceRules.v1Writes([rule(true, "c", 1, 3, "rw")])
        XCTAssertEqual(w.map { "\($0.file)=\($0.value)" }, ["devices.deny=a", "devices.allow=c 1:3 rw"])
        XCTAssertEqual(try DeviceRules.v1Writes([rule(true)]).map { "\($0.file)=\($0.value)" }, ["devices.allow=a"])
        XCTAssertEqual(DeviceRules.v1List(try DeviceRules.reduce([rule(false), rule(true, "c", 1, 3, "rwm")])), ["c 1:3 rwm"])
        XCTAssertNil(DeviceRules.v1List(try DeviceRules.reduce([rule(true), rule(false, "c", 1, 3, "w")])))
    }

    func testEffectiveDeviceRules() throws {
        var linux = Linux()
        var res = Resources(); res.devices = [rule(false, nil, nil, nil, "rwm")]
        linux.resources = res
        var fuse = Device(type: "c", path: "/dev/fuse"); fuse.major = 10; fuse.minor = 229
        var fifo = Device(type: "p", path: "/dev/fifo"); fifo.major = 0; fifo.minor = 0
        linux.devices = [fuse, fifo]
        let rules = Cgroups.effectiveDeviceRules(linux)
        XCTAssertEqual(rules.count, 1 + Cgroups.defaultDeviceRules.count + 1)
        XCTAssertEqual(rules.last, rule(true, "c", 10, 229, "rwm"))
        let p = try DeviceRules.reduce(rules)
        XCTAssertFalse(p.defaultAllow)
        XCTAssertTrue(p.exceptions.contains(ex("c", 1, 3, "rwm")))
        XCTAssertTrue(p.exceptions.contains(ex("c", 10, 229, "rwm")))
    }

    func testPathResolution() throws {
        XCTAssertEqual(try CgroupPathSpec.resolve(nil, containerID: "abc"), .relative("abc"))
        XCTAssertEqual(try CgroupPathSpec.resolve("", containerID: "abc"), .relative("abc"))
        XCTAssertEqual(try CgroupPathSpec.resolve("/a/../../b//c/.", containerID: "x"), .absolute("/b/c"))
        XCTAssertEqual(try CgroupPathSpec.resolve("a/b", containerID: "x"), .relative("a/b"))
        XCTAssertEqual(try CgroupPathSpec.resolve("../../x", containerID: "x"), .relative("x"))
        XCTAssertEqual(try CgroupPathSpec.resolve("system.slice:docker:abc", containerID: "x"), .absolute("/system.slice/docker-abc.scope"))
        XCTAssertEqual(try CgroupPathSpec.resolve("a-b.slice:p:n", containerID: "x"), .absolute("/a.slice/a-b.slice/p-n.scope"))
        XCTAssertEqual(try CgroupPathSpec.resolve(":crio:x", containerID: "x"), .absolute("/system.slice/crio-x.scope"))
        XCTAssertEqual(try CgroupPathSpec.resolve("-.slice::k.slice", containerID: "x"), .absolute("/k.slice"))
        XCTAssertEqual(try CgroupPathSpec.resolve("foo:bar", containerID: "x"), .relative("foo:bar"))
        XCTAssertEqual(try CgroupPathSpec.resolve("a/b:c:d", containerID: "x"), .relative("a/b:c:d"))
        XCTAssertThrowsError(try CgroupPathSpec.resolve("notaslice:p:n", containerID: "x")) {
            XCTAssertTrue("\($0)".contains("systemd cgroup driver not supported"), "\($0)")
        }
        XCTAssertThrowsError(try CgroupPathSpec.resolve(nil, containerID: ".."))
    }

    func testMountinfoParsing() {
        let hybrid = """
        31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
        32 31 0:29 / /sys/fs/cgroup/cpu,cpuacct rw,relatime shared:9 - cgroup cgroup rw,cpu,cpuacct
        35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
        40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,xattr,name=systemd
        41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
        50 23 0:32 /docker/x /mnt/my\\040mem rw - cgroup cgroup rw,memory
        """
        let l = Probe.parseMountinfo(hybrid)
        XCTAssertEqual(l.mode, .hybrid)
        XCTAssertEqual(l.unified, "/sys/fs/cgroup/unified")
        XCTAssertEqual(l.v1["cpu"]?.mountpoint, "/sys/fs/cgroup/cpu,cpuacct")
        XCTAssertEqual(l.v1["cpuacct"]?.mountpoint, "/sys/fs/cgroup/cpu,cpuacct")
        XCTAssertEqual(l.v1["memory"]?.mountpoint, "/sys/fs/cgroup/memory", "first mount wins")
        XCTAssertEqual(l.v1["name=systemd"]?.mountpoint, "/sys/fs/cgroup/systemd")
        XCTAssertNil(l.v1["xattr"])
        XCTAssertEqual(Probe.unescape("/mnt/my\\040mem"), "/mnt/my mem")
        let v2 = Probe.parseMountinfo("30 23 0:26 / /sys/fs/cgroup rw - cgroup2 cgroup2 rw,nsdelegate")
        XCTAssertEqual(v2, HostLayout(mode: .v2, unified: "/sys/fs/cgroup"))
        let own = Probe.ownCgroups("9:name=systemd:/\n4:memory:/process_api/c8\n1:cpu,cpuacct:/a\n0::/\n")
        XCTAssertEqual(own["memory"], "/process_api/c8")
        XCTAssertEqual(own["cpuacct"], "/a")
        XCTAssertEqual(own["name=systemd"], "/")
        XCTAssertEqual(own[""], "/")
    }

    func testHelpers() {
        XCTAssertEqual(cleanPath("/"), "/")
        XCTAssertEqual(cleanPath("a/./b/"), "a/b")
        XCTAssertEqual(dirname("/a/b"), "/a")
        XCTAssertEqual(dirname("/a"), "/")
        XCTAssertEqual(joinPath("/sys/fs/cgroup/memory", "/x/y"), "/sys/fs/cgroup/memory/x/y")
        XCTAssertEqual(joinPath("/r", "/"), "/r")
        XCTAssertEqual(StatParse.blkio("8:0 Read 5\n8:0 5\nTotal 10\n"),
                       [.init(major: 8, minor: 0, op: "Read", value: 5), .init(major: 8, minor: 0, op: "", value: 5)])
        XCTAssertNoThrow(try validatePageSize("64KB", field: "f"))
        XCTAssertNoThrow(try validatePageSize("1GB", field: "f"))
        XCTAssertThrowsError(try validatePageSize("../x", field: "f"))
        XCTAssertThrowsError(try validatePageSize("MB", field: "f"))
    }

    func testStatsJSONShape() {
        var s = CgroupStats()
        s.memory.usage.limit = 5
        s.hugetlb["2MB"] = .init(usage: 1, max: 0, failcnt: 0)
        XCTAssertEqual(s.json(), """
        {"cpu":{"usage":{"kernel":0,"user":0},"throttling":{}},"memory":{"usage":{"limit":5,"failcnt":0},\
        "swap":{"limit":0,"failcnt":0},"kernel":{"limit":0,"failcnt":0},"kernelTCP":{"limit":0,"failcnt":0}},\
        "pids":{},"blkio":{},"hugetlb":{"2MB":{"usage":1,"failcnt":0}}}
        """)
    }
}
