import Foundation
import XCTest

/// What the config asks for is what the process sees, checked from inside the container.
final class IsolationTests: IntegrationCase {
    func testNewNetworkNamespaceHasOnlyLoopback() throws {
        let r = try runShell("cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n"), ["lo"])
    }

    func testNoNetworkNamespaceSeesHostInterfaces() throws {
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            l["namespaces"] = (l["namespaces"] as! [[String: Any]]).filter { ($0["type"] as? String) != "network" }
            // sysfs cannot be mounted for the host network namespace without caps: bind it instead
            c["linux"] = l
        }
        let host = try String(contentsOfFile: "/proc/net/dev", encoding: .utf8)
            .split(separator: "\n").dropFirst(2).map { $0.split(separator: ":")[0].trimmingCharacters(in: .whitespaces) }.sorted()
        let r = try runShell("cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' '")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init).sorted(), host)
    }

    func testJoinedNetworkNamespaceSeesPeerInterfaces() throws {
        let ns = "swift-test-\(UUID().uuidString.prefix(6).lowercased())"
        let add = sh("/usr/sbin/ip", ["netns", "add", ns])
        XCTAssertEqual(add.code, 0, "ip netns add: out=\(add.out) err=\(add.err)")
        defer { sh("/usr/sbin/ip", ["netns", "del", ns]) }
        // (no dummy driver on this kernel: a veth pair lives entirely in the namespace)
        XCTAssertEqual(sh("/usr/sbin/ip", ["-n", ns, "link", "add", "swt0", "type", "veth", "peer", "name", "swt1"]).code, 0)
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            l["namespaces"] = (l["namespaces"] as! [[String: Any]]).map { n in
                (n["type"] as? String) == "network" ? ["type": "network", "path": "/var/run/netns/\(ns)"] : n
            }
            c["linux"] = l
        }
        let r = try runShell("cat /proc/net/dev | tail -n +3 | cut -d: -f1 | tr -d ' ' | sort")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n"), ["lo", "swt0", "swt1"])

        // and a second container joins the first one's namespace by /proc/PID/ns/net
        try setArgs(["sleep", "100"])
        let a = newID("peer")
        try useTestCgroup(a)
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, a]).code, 0)
        let pid = try XCTUnwrap(try stateOf(a)["pid"] as? Int)
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            l["namespaces"] = (l["namespaces"] as! [[String: Any]]).map { n in
                (n["type"] as? String) == "network" ? ["type": "network", "path": "/proc/\(pid)/ns/net"] : n
            }
            c["linux"] = l
        }
        let r2 = try runShell("readlink /proc/self/ns/net")
        let peer = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/net")
        XCTAssertEqual(r2.out.trimmingCharacters(in: .whitespacesAndNewlines), peer)
        XCTAssertEqual(swiftrun(["delete", "-f", a]).code, 0)
    }

    func testMaskedAndReadonlyPathsAndReadonlyRoot() throws {
        let r = try runShell("""
            cat /proc/kcore >/dev/null 2>&1 && echo kcore-readable || echo kcore-masked
            [ -s /proc/keys ] && echo keys-visible || echo keys-masked
            ls /proc/acpi 2>/dev/null | wc -l
            echo 1 > /proc/sys/kernel/domainname 2>/dev/null && echo sys-writable || echo sys-readonly
            touch /newfile 2>/dev/null && echo root-writable || echo root-readonly
            touch /tmp/x 2>/dev/null && echo tmp-writable || echo tmp-readonly
            """)
        XCTAssertEqual(r.code, 0, r.err)
        let l = r.out.split(separator: "\n").map(String.init)
        XCTAssertEqual(l, ["kcore-masked", "keys-masked", "0", "sys-readonly", "root-readonly",
                           "tmp-readonly"], r.out)
    }

    func testCapabilitiesNoNewPrivsRlimits() throws {
        try editConfig { c in
            var p = c["process"] as! [String: Any]
            p["rlimits"] = [["type": "RLIMIT_NOFILE", "soft": 512, "hard": 1000], ["type": "RLIMIT_NPROC", "soft": 300, "hard": 300]]
            p["noNewPrivileges"] = true
            let caps = ["CAP_KILL", "CAP_NET_BIND_SERVICE", "CAP_CHOWN"]
            p["capabilities"] = ["bounding": caps, "effective": caps, "permitted": caps]
            c["process"] = p
        }
        let r = try runShell("grep -E '^(CapEff|CapPrm|CapBnd|CapInh|CapAmb|NoNewPrivs)' /proc/self/status | tr -s '\\t' ' '; ulimit -n; ulimit -Hn; ulimit -u")
        XCTAssertEqual(r.code, 0, r.err)
        // CAP_CHOWN=0, CAP_KILL=5, CAP_NET_BIND_SERVICE=10 → 0x421
        let want = ["CapInh: 0000000000000000", "CapPrm: 0000000000000421", "CapEff: 0000000000000421",
                    "CapBnd: 0000000000000421", "CapAmb: 0000000000000000", "NoNewPrivs: 1", "512", "1000", "300"]
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init), want)
    }

    func testUserGroupsUmaskCwdEnv() throws {
        try editConfig { c in
            var p = c["process"] as! [String: Any]
            p["user"] = ["uid": 1000, "gid": 1000, "additionalGids": [10, 20], "umask": 23]
            p["cwd"] = "/tmp"
            p["env"] = ["PATH=/bin:/usr/bin", "GREETING=hello"]
            c["process"] = p
            var root = c["root"] as! [String: Any]
            root["readonly"] = false
            c["root"] = root
        }
        let r = try runShell("id -u; id -g; id -G; umask; pwd; echo $GREETING")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init), ["1000", "1000", "1000 10 20", "0027", "/tmp", "hello"])
    }

    func testDevicesAndDevLinks() throws {
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            l["devices"] = [["path": "/dev/fuse", "type": "c", "major": 10, "minor": 229, "fileMode": 0o640, "uid": 0, "gid": 0]]
            c["linux"] = l
        }
        let r = try runShell("for d in null zero full random urandom tty fuse; do stat -c '%n %t:%T %a %F' /dev/$d; done; readlink /dev/fd; readlink /dev/stdin; readlink /dev/ptmx; echo hi > /dev/null && echo ok")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init), [
            "/dev/null 1:3 666 character special file", "/dev/zero 1:5 666 character special file",
            "/dev/full 1:7 666 character special file", "/dev/random 1:8 666 character special file",
            "/dev/urandom 1:9 666 character special file", "/dev/tty 5:0 666 character special file",
            "/dev/fuse a:e5 640 character special file", "/proc/self/fd", "/proc/self/fd/0", "pts/ptmx", "ok",
        ])
    }

    func testHostnameDomainnameSysctl() throws {
        try editConfig { c in
            c["hostname"] = "box1"
            c["domainname"] = "example.test"
            var l = c["linux"] as! [String: Any]
            l["sysctl"] = ["net.ipv4.ip_forward": "1", "kernel.shmmax": "65536"]
            c["linux"] = l
        }
        let r = try runShell("hostname; cat /proc/sys/kernel/domainname /proc/sys/net/ipv4/ip_forward /proc/sys/kernel/shmmax")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init), ["box1", "example.test", "1", "65536"])
    }

    func testMountsTmpfsBindReadonlyAndOptions() throws {
        let data = bundle.appendingPathComponent("data2")
        try FileManager.default.createDirectory(at: data, withIntermediateDirectories: true)
        try "from-host\n".write(to: data.appendingPathComponent("f"), atomically: true, encoding: .utf8)
        try editConfig { c in
            var m = c["mounts"] as! [[String: Any]]
            m.append(["destination": "/scratch", "type": "tmpfs", "source": "tmpfs", "options": ["nosuid", "nodev", "noexec", "size=1m", "mode=1770"]])
            m.append(["destination": "/data/ro", "type": "bind", "source": "data2", "options": ["rbind", "ro"]])
            m.append(["destination": "/data/rw", "type": "none", "source": data.path, "options": ["bind", "rw"]])
            c["mounts"] = m
        }
        let r = try runShell("""
            stat -c %a /scratch; grep ' /scratch ' /proc/self/mountinfo | cut -d' ' -f6
            cat /data/ro/f; touch /data/ro/x 2>/dev/null && echo ro-writable || echo ro-readonly
            touch /data/rw/x && echo rw-ok
            """)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init),
                       ["1770", "rw,nosuid,nodev,noexec,relatime", "from-host", "ro-readonly", "rw-ok"])
        XCTAssertTrue(FileManager.default.fileExists(atPath: data.appendingPathComponent("x").path))
    }

    func testSymlinkedMountDestinationStaysInsideRootfs() throws {
        // /evil -> /tmp on the host would be an escape; resolved in the root it is rootfs/tmp.
        let outside = tmp.appendingPathComponent("outside")
        try FileManager.default.createDirectory(at: outside, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: bundle.appendingPathComponent("rootfs/evil").path,
                                                   withDestinationPath: outside.path)
        try editConfig { c in
            var m = c["mounts"] as! [[String: Any]]
            m.append(["destination": "/evil/sub", "type": "tmpfs", "source": "tmpfs"])
            c["mounts"] = m
        }
        let r = try runShell("grep -c ' /evil/sub ' /proc/self/mountinfo; grep -c ' \(outside.path)/sub ' /proc/self/mountinfo")
        XCTAssertEqual(r.out.split(separator: "\n"), ["0", "1"], r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: outside.appendingPathComponent("sub").path),
                       "mount destination escaped the rootfs")
    }

    func testOverlayWithTwoLowerdirsAndRecursiveReadonlyBind() throws {
        let fm = FileManager.default
        for d in ["lower1", "lower2", "upper", "work", "tree/sub"] {
            try fm.createDirectory(at: tmp.appendingPathComponent(d), withIntermediateDirectories: true)
        }
        try "one\n".write(to: tmp.appendingPathComponent("lower1/a"), atomically: true, encoding: .utf8)
        try "two\n".write(to: tmp.appendingPathComponent("lower2/b"), atomically: true, encoding: .utf8)
        let t = tmp.path
        try editConfig { c in
            var m = c["mounts"] as! [[String: Any]]
            m.append(["destination": "/ov", "type": "overlay", "source": "overlay",
                      "options": ["lowerdir=\(t)/lower1:\(t)/lower2", "upperdir=\(t)/upper", "workdir=\(t)/work"]])
            // rro: read-only all the way down, the tmpfs mounted below tree/sub included
            m.append(["destination": "/tree", "type": "bind", "source": "\(t)/tree", "options": ["rbind"]])
            m.append(["destination": "/tree/sub", "type": "tmpfs", "source": "tmpfs"])
            m.append(["destination": "/rtree", "type": "bind", "source": "\(t)/tree", "options": ["rbind", "rro"]])
            c["mounts"] = m
        }
        let r = try runShell("""
            cat /ov/a /ov/b; echo new > /ov/c && echo ov-writable
            touch /tree/sub/x && echo sub-writable
            touch /rtree/sub/y 2>/dev/null && echo rro-broken || echo rro-readonly
            """)
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init), ["one", "two", "ov-writable", "sub-writable", "rro-readonly"])
        XCTAssertEqual(try String(contentsOf: tmp.appendingPathComponent("upper/c"), encoding: .utf8), "new\n")
    }

    func testOomScoreAdjSchedulerPersonalityIoPriority() throws {
        try editConfig { c in
            c["ociVersion"] = "1.2.0"
            var p = c["process"] as! [String: Any]
            p["oomScoreAdj"] = 123
            p["scheduler"] = ["policy": "SCHED_BATCH", "nice": 5]
            p["ioPriority"] = ["class": "IOPRIO_CLASS_BE", "priority": 6]
            c["process"] = p
            var l = c["linux"] as! [String: Any]
            l["personality"] = ["domain": "LINUX32"]
            c["linux"] = l
        }
        let r = try runShell("cat /proc/self/oom_score_adj; grep -E '^policy' /proc/self/sched | tr -d ' '; cut -d' ' -f19 /proc/self/stat; uname -m")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init), ["123", "policy:3", "5", "i686"])
    }
}
