import Foundation
import XCTest

final class NamespaceAndSecurityTests: IntegrationCase {
    /// process.cwd through a file descriptor the runtime holds while setting up (the state
    /// directory, the sync socket, ...) must not give the program a working directory outside
    /// its root (runc CVE-2024-21626): every such cwd is refused, by run and by exec.
    func testCwdThroughALeakedDescriptorIsRefused() throws {
        for n in 3...9 {
            try editConfig { c in
                var p = c["process"] as! [String: Any]
                p["cwd"] = "/proc/self/fd/\(n)"
                p["args"] = ["sh", "-c", "pwd; ls ../../.."]
                c["process"] = p
            }
            let id = newID("cwdfd\(n)")
            try useTestCgroup(id)
            let r = swiftrun(["run", "-b", bundle.path, id])
            XCTAssertNotEqual(r.code, 0, "fd \(n): ran in \(r.out)")
            XCTAssertTrue(r.err.contains("process.cwd"), "fd \(n): \(r.err)")
        }
        try setArgs(["sleep", "100"])
        try editConfig { c in
            var p = c["process"] as! [String: Any]
            p["cwd"] = "/"
            c["process"] = p
        }
        let id = newID("cwdfdexec")
        try useTestCgroup(id)
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, id]).code, 0)
        for n in 3...9 {
            let r = swiftrun(["exec", "--cwd", "/proc/self/fd/\(n)", id, "sh", "-c", "pwd; ls ../../.."])
            XCTAssertNotEqual(r.code, 0, "exec fd \(n): ran in \(r.out)")
        }
        XCTAssertEqual(swiftrun(["delete", "--force", id]).code, 0)
    }

    func testUserNamespaceWithMappings() throws {
        try useUserNamespace()
        let r = try runShell("id -u; cat /proc/self/uid_map | tr -s ' '; echo $$; stat -c '%u %t:%T' /dev/null")
        XCTAssertEqual(r.code, 0, r.err)
        // /dev/null is the host's node bound in: its owner as the container sees it
        // (host root is unmapped: the overflow uid 65534)
        var st = stat()
        XCTAssertEqual(stat("/dev/null", &st), 0)
        let owner = st.st_uid >= 100000 && st.st_uid < 165536 ? st.st_uid - 100000 : 65534
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init), ["0", " 0 100000 65536", "1", "\(owner) 1:3"])
    }

    /// With a cgroup namespace the container sees its own cgroup as "/" in every hierarchy
    /// (the namespace is made after the init joined its cgroups), and its cgroup mount shows
    /// its own limits.
    func testCgroupNamespaceRootIsTheContainersCgroup() throws {
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            l["resources"] = ["pids": ["limit": 77]]
            c["linux"] = l
        }
        let r = try runShell("cut -d: -f3 /proc/self/cgroup | sort -u; cat /sys/fs/cgroup/pids/pids.max")
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").map(String.init), ["/", "77"])
    }

    func testTimeNamespaceOffsets() throws {
        try editConfig { c in
            c["ociVersion"] = "1.2.0"
            var l = c["linux"] as! [String: Any]
            var ns = l["namespaces"] as! [[String: Any]]
            ns.append(["type": "time"])
            l["namespaces"] = ns
            l["timeOffsets"] = ["monotonic": ["secs": 86400 * 365, "nanosecs": 0], "boottime": ["secs": 7200, "nanosecs": 0]]
            c["linux"] = l
        }
        let hostUptime = try Double(String(contentsOfFile: "/proc/uptime", encoding: .utf8).split(separator: " ")[0])!
        let r = try runShell("cat /proc/uptime; cat /proc/self/timens_offsets")
        XCTAssertEqual(r.code, 0, r.err)
        let lines = r.out.split(separator: "\n").map(String.init)
        let inner = try XCTUnwrap(Double(lines.first?.split(separator: " ").first ?? ""))
        XCTAssertEqual(inner - hostUptime, 7200, accuracy: 30, r.out)
        XCTAssertTrue(lines.contains { $0.hasPrefix("monotonic") && $0.contains("31536000") }, r.out)
    }

    /// CVE-2019-5736: no process in the container may ever run the host's runtime binary.
    /// Exec'ing /proc/self/exe from the container's program start must reach the sealed
    /// trampoline, never swiftrun itself.
    func testProcSelfExeIsNotTheRuntimeBinary() throws {
        try setArgs(["/proc/self/exe", "--version"])
        let id = newID()
        try useTestCgroup(id)
        let r = swiftrun(["run", "-b", bundle.path, id])
        XCTAssertFalse(r.out.contains("swiftrun version"), "the container ran the host's swiftrun binary: \(r.out)")
        XCTAssertNotEqual(r.code, 0)
        // and the init is not dumpable before exec: a created container's /proc/PID/exe
        // cannot be opened by an unprivileged process.
        try setArgs(["true"])
        let id2 = newID("created")
        try useTestCgroup(id2)
        XCTAssertEqual(swiftrun(["create", "-b", bundle.path, id2]).code, 0)
        let pid = try XCTUnwrap(try stateOf(id2)["pid"] as? Int)
        let st = try String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)
        XCTAssertTrue(st.contains("\nUid:\t0"), st)
        let probe = sh("/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "/usr/bin/readlink", "/proc/\(pid)/exe"])
        XCTAssertNotEqual(probe.code, 0, "nobody could read the init's exe link: \(probe.out)")
        XCTAssertEqual(swiftrun(["delete", id2]).code, 0)
    }

    func testSeccompErrnoAndKill() throws {
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            l["seccomp"] = [
                "defaultAction": "SCMP_ACT_ALLOW",
                "syscalls": [
                    ["names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_ERRNO", "errnoRet": 1],
                    ["names": ["sync"], "action": "SCMP_ACT_KILL_PROCESS"],
                ],
            ]
            c["linux"] = l
            var root = c["root"] as! [String: Any]
            root["readonly"] = false
            c["root"] = root
        }
        let r = try runShell("mkdir /x 2>&1; echo mkdir=$?; sync; echo sub=$?")
        XCTAssertEqual(r.code, 0, r.err)
        let l = r.out.split(separator: "\n").map(String.init)
        XCTAssertTrue(l.first?.contains("Operation not permitted") == true, r.out)
        XCTAssertTrue(l.contains("mkdir=1"), r.out)
        XCTAssertTrue(l.contains("sub=159"), r.out) // SIGSYS
    }
}
