import Foundation
import XCTest

/// Cgroup resources end to end: limits in the host's cgroup files and their effect inside the
/// container, update, events, ps, cleanup after delete/failed create, relative and absolute
/// cgroupsPath, one cgroup per running container. v1/hybrid hosts are checked through the v1
/// files; on a pure v2 host the v2 files are read instead.
final class CgroupTests: IntegrationCase {
    enum Mode { case v1, hybrid, v2 }

    var mode: Mode {
        if FileManager.default.fileExists(atPath: "/sys/fs/cgroup/cgroup.controllers") { return .v2 }
        return FileManager.default.fileExists(atPath: "/sys/fs/cgroup/unified/cgroup.procs") ? .hybrid : .v1
    }

    /// The directory of cgroup path `path` (as under a hierarchy root) for `ctrl` ("" = cgroup2).
    func dir(_ ctrl: String, _ path: String) -> String {
        switch (mode, ctrl) {
        case (.v2, _): return "/sys/fs/cgroup" + path
        case (_, ""): return "/sys/fs/cgroup/unified" + path
        default: return "/sys/fs/cgroup/\(ctrl)" + path
        }
    }

    func read(_ path: String) -> String {
        ((try? String(contentsOfFile: path, encoding: .utf8)) ?? "<missing \(path)>").trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// v1 hierarchies the host mounts (memory, pids, ...), from /proc/self/cgroup.
    var v1Controllers: [String] {
        ownCgroups().keys.filter { !$0.isEmpty && FileManager.default.fileExists(atPath: "/sys/fs/cgroup/\($0)") }.sorted()
    }

    /// /proc/self/cgroup: controller (or "name=x" as its mount dir "x"; "" for cgroup2) -> path.
    func ownCgroups() -> [String: String] {
        var out: [String: String] = [:]
        for line in read("/proc/self/cgroup").split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { continue }
            if f[1].isEmpty { out[""] = String(f[2]); continue }
            for c in f[1].split(separator: ",") {
                out[c.hasPrefix("name=") ? String(c.dropFirst(5)) : String(c)] = String(f[2])
            }
        }
        return out
    }

    /// Every directory named `name` anywhere under /sys/fs/cgroup.
    func cgroupDirs(named name: String) -> [String] {
        sh("/usr/bin/find", ["/sys/fs/cgroup", "-type", "d", "-name", name]).out
            .split(separator: "\n").map(String.init)
    }

    func setResources(_ res: [String: Any], cgroupsPath: String? = nil) throws {
        try editConfig { c in
            var l = c["linux"] as? [String: Any] ?? [:]
            l["resources"] = res
            if let cgroupsPath { l["cgroupsPath"] = cgroupsPath }
            c["linux"] = l
        }
    }

    static let mib64 = 64 * 1024 * 1024

    // MARK: (a) limits in the host's files and inside the container

    func testLimitsInHostFilesAndInsideTheContainer() throws {
        let id = newID()
        try useTestCgroup(id)
        try setResources([
            "memory": ["limit": Self.mib64],
            "pids": ["limit": 32],
            "cpu": ["quota": 50000, "period": 100000],
            "devices": [["allow": false, "access": "rwm"],
                        ["allow": true, "type": "c", "major": 1, "minor": 3, "access": "rwm"]],
        ])
        // A host device that is in neither the config's rules nor runc's defaults: present in
        // the container (bind mount) but denied by the device cgroup.
        try editConfig { c in
            var m = c["mounts"] as! [[String: Any]]
            m.append(["destination": "/dev/kmsg", "type": "bind", "source": "/dev/kmsg", "options": ["bind"]])
            c["mounts"] = m
        }
        // busybox sh gives up at the first failed fork: a subshell forks until refused, then
        // the init takes the slot it freed.
        try setArgs(["sh", "-c", "(for i in $(seq 100); do sleep 30 & done) 2>/dev/null; sleep 30; exit 0"])
        let r = swiftrun(["run", "-d", "-b", bundle.path, id])
        XCTAssertEqual(r.code, 0, r.err)
        let p = "/swift-test/\(id)"

        if mode == .v2 {
            XCTAssertEqual(read(dir("", p) + "/memory.max"), String(Self.mib64))
            XCTAssertEqual(read(dir("", p) + "/pids.max"), "32")
            XCTAssertEqual(read(dir("", p) + "/cpu.max"), "50000 100000")
        } else {
            XCTAssertEqual(read(dir("memory", p) + "/memory.limit_in_bytes"), String(Self.mib64))
            XCTAssertEqual(read(dir("pids", p) + "/pids.max"), "32")
            XCTAssertEqual(read(dir("cpu", p) + "/cpu.cfs_quota_us"), "50000")
            XCTAssertEqual(read(dir("cpu", p) + "/cpu.cfs_period_us"), "100000")
            let list = Set(read(dir("devices", p) + "/devices.list").split(separator: "\n").map(String.init))
            XCTAssertTrue(list.contains("c 1:3 rwm"), "\(list)")
            XCTAssertFalse(list.contains("a *:* rwm"), "deny-all not in effect: \(list)")
            XCTAssertFalse(list.contains { $0.hasPrefix("c 1:11 ") || $0.hasPrefix("c 1:* ") }, "\(list)")
        }

        // The fork bomb stops at 32 pids: the shell and 31 sleeps, the rest failed to fork.
        let pidsDir = mode == .v2 ? dir("", p) : dir("pids", p)
        try waitFor("the pids cgroup to fill", timeout: 20) { read(pidsDir + "/pids.current") == "32" }
        XCTAssertEqual(read(pidsDir + "/pids.current"), "32")
        let events = read(pidsDir + "/pids.events")    // "max N": forks refused by the limit
        XCTAssertTrue(events.hasPrefix("max ") && events != "max 0", "pids.events: \(events)")
        // ps lists every one of them.
        let ps = swiftrun(["ps", "--format", "json", id])
        XCTAssertEqual(ps.code, 0, ps.err)
        let listed = try JSONSerialization.jsonObject(with: Data(ps.out.utf8)) as? [Int] ?? []
        XCTAssertEqual(listed.count, 32, ps.out)
        // The table form runs the host's ps: header plus one line per pid.
        let table = swiftrun(["ps", id])
        XCTAssertEqual(table.code, 0, table.err)
        XCTAssertEqual(table.out.split(separator: "\n").count, 33, table.out)

        XCTAssertEqual(swiftrun(["delete", "--force", id]).code, 0)
        XCTAssertEqual(cgroupDirs(named: id), [])

        // The device checks again in a foreground run, whose output we get.
        try setArgs(["sh", "-c", "echo x > /dev/null && echo null-ok; head -c1 /dev/kmsg > /dev/null; echo kmsg=$?"])
        let id2 = newID("devices")
        try useTestCgroup(id2)
        let fg = swiftrun(["run", "-b", bundle.path, id2])
        XCTAssertEqual(fg.code, 0, fg.err)
        XCTAssertTrue(fg.out.contains("null-ok"), fg.out + fg.err)
        XCTAssertTrue(fg.out.contains("kmsg=1"), fg.out + fg.err)
        XCTAssertTrue(fg.err.contains("Operation not permitted"), "denied device must fail with EPERM: \(fg.err)")
        XCTAssertEqual(cgroupDirs(named: id2), [], "a foreground run deletes its cgroup")
    }

    // MARK: (b) pause/resume: see LifecycleTests.testPauseResumeAndPs

    // MARK: (c) update, events, ps

    func testUpdateFlagsAndResourcesFromStdin() throws {
        let id = newID()
        try useTestCgroup(id)
        try setResources(["memory": ["limit": Self.mib64], "pids": ["limit": 32], "cpu": ["quota": 50000, "period": 100000]])
        try setArgs(["sleep", "100"])
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, id]).code, 0)
        let p = "/swift-test/\(id)"
        let memFile = mode == .v2 ? dir("", p) + "/memory.max" : dir("memory", p) + "/memory.limit_in_bytes"
        let pidsFile = (mode == .v2 ? dir("", p) : dir("pids", p)) + "/pids.max"

        var u = swiftrun(["update", "--memory", "128M", id])
        XCTAssertEqual(u.code, 0, u.err)
        XCTAssertEqual(read(memFile), String(128 * 1024 * 1024))
        u = swiftrun(["update", "--pids-limit", "-1", "--cpu-shares", "512", id])
        XCTAssertEqual(u.code, 0, u.err)
        XCTAssertEqual(read(pidsFile), "max")
        if mode != .v2 { XCTAssertEqual(read(dir("cpu", p) + "/cpu.shares"), "512") }
        // runc's size syntax (units.RAMInBytes): binary units, any case, optional "i"/"b".
        u = swiftrun(["update", "--memory-reservation", "65536k", id])
        XCTAssertEqual(u.code, 0, u.err)
        XCTAssertEqual(read(mode == .v2 ? dir("", p) + "/memory.low" : dir("memory", p) + "/memory.soft_limit_in_bytes"), String(Self.mib64))
        u = swiftrun(["update", "--memory-reservation", "0.0625GiB", id])
        XCTAssertEqual(u.code, 0, u.err)

        let json = #"{"memory": {"limit": 100663296}, "pids": {"limit": 50}, "cpu": {"quota": 20000}}"#
        u = sh(Self.binary, ["--root", stateRoot, "update", "-r", "-", id], stdin: json)
        XCTAssertEqual(u.code, 0, u.err)
        XCTAssertEqual(read(memFile), "100663296")
        XCTAssertEqual(read(pidsFile), "50")
        if mode == .v2 {
            XCTAssertEqual(read(dir("", p) + "/cpu.max"), "20000 100000")
        } else {
            XCTAssertEqual(read(dir("cpu", p) + "/cpu.cfs_quota_us"), "20000")
            XCTAssertEqual(read(dir("cpu", p) + "/cpu.cfs_period_us"), "100000")
        }
        // A file, with a flag over it.
        let file = tmp.appendingPathComponent("res.json")
        try #"{"pids": {"limit": 40}, "memory": {"limit": 67108864}}"#.write(to: file, atomically: true, encoding: .utf8)
        u = swiftrun(["update", "--resources", file.path, "--memory", "80m", id])
        XCTAssertEqual(u.code, 0, u.err)
        XCTAssertEqual(read(pidsFile), "40")
        XCTAssertEqual(read(memFile), String(80 * 1024 * 1024))

        // Persisted: the container's config snapshot has the merged resources.
        let snap = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(stateRoot)/\(id)/config.json"))) as! [String: Any]
        let res = (snap["linux"] as? [String: Any])?["resources"] as? [String: Any] ?? [:]
        XCTAssertEqual((res["memory"] as? [String: Any])?["limit"] as? Int, 80 * 1024 * 1024, "\(res)")
        XCTAssertEqual((res["pids"] as? [String: Any])?["limit"] as? Int, 40, "\(res)")
        XCTAssertEqual((res["cpu"] as? [String: Any])?["quota"] as? Int, 20000, "\(res)")
        XCTAssertEqual((res["cpu"] as? [String: Any])?["period"] as? Int, 100000, "\(res)")
        XCTAssertEqual((res["cpu"] as? [String: Any])?["shares"] as? Int, 512, "\(res)")

        // Errors: bad JSON names resources.json and the field, bad sizes, unknown container.
        u = sh(Self.binary, ["--root", stateRoot, "update", "-r", "-", id], stdin: #"{"pids": {"limit": "x"}}"#)
        XCTAssertNotEqual(u.code, 0)
        XCTAssertTrue(u.err.contains("resources.json: pids.limit:"), u.err)
        u = swiftrun(["update", "--memory", "12x", id])
        XCTAssertNotEqual(u.code, 0)
        XCTAssertTrue(u.err.contains("--memory"), u.err)
        XCTAssertEqual(read(pidsFile), "40", "a failed update changed nothing")
        XCTAssertNotEqual(swiftrun(["update", "--memory", "1G", "no-such-container"]).code, 0)

        // A stopped container is refused.
        XCTAssertEqual(swiftrun(["kill", id, "KILL"]).code, 0)
        try waitFor("the container to stop") { (try stateOf(id)["status"] as? String) == "stopped" }
        u = swiftrun(["update", "--memory", "128M", id])
        XCTAssertNotEqual(u.code, 0)
        XCTAssertTrue(u.err.contains("not running"), u.err)
        XCTAssertEqual(swiftrun(["delete", id]).code, 0)
    }

    func testEventsStatsAndStream() throws {
        let id = newID()
        try useTestCgroup(id)
        try setResources(["memory": ["limit": Self.mib64], "pids": ["limit": 32]])
        try setArgs(["sh", "-c", "sleep 100 & sleep 100"])   // sh execs the last command: 2 pids
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, id]).code, 0)
        try waitFor("both processes") { (try? JSONSerialization.jsonObject(with: Data(swiftrun(["ps", "-f", "json", id]).out.utf8)) as? [Int])?.count == 2 }

        let r = swiftrun(["events", "--stats", id])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(r.out.split(separator: "\n").count, 1, r.out)
        let ev = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as? [String: Any], r.out)
        XCTAssertEqual(ev["type"] as? String, "stats")
        XCTAssertEqual(ev["id"] as? String, id)
        let data = try XCTUnwrap(ev["data"] as? [String: Any])
        let mem = try XCTUnwrap((data["memory"] as? [String: Any])?["usage"] as? [String: Any], "\(data)")
        XCTAssertGreaterThan(mem["usage"] as? Int ?? 0, 0, "\(mem)")
        XCTAssertEqual(mem["limit"] as? Int, Self.mib64, "\(mem)")
        let pids = try XCTUnwrap(data["pids"] as? [String: Any])
        XCTAssertEqual(pids["current"] as? Int, 2, "\(pids)")
        XCTAssertEqual(pids["limit"] as? Int, 32, "\(pids)")
        let cpu = try XCTUnwrap((data["cpu"] as? [String: Any])?["usage"] as? [String: Any], "\(data)")
        XCTAssertGreaterThan(cpu["total"] as? Int ?? 0, 0, "\(cpu)")
        XCTAssertNotNil(data["blkio"])

        // Streaming: stats every interval until the container stops, then exit 0.
        let out = tmp.appendingPathComponent("events.out")
        FileManager.default.createFile(atPath: out.path, contents: nil)
        let proc = Process()
        proc.executableURL = URL(fileURLWithPath: Self.binary)
        proc.arguments = ["--root", stateRoot, "events", "--interval", "200ms", id]
        proc.standardOutput = try FileHandle(forWritingTo: out)
        proc.standardInput = FileHandle.nullDevice
        try proc.run()
        try waitFor("two stats events") { read(out.path).split(separator: "\n").count >= 2 }
        XCTAssertEqual(swiftrun(["kill", id, "KILL"]).code, 0)
        let end = Date().addingTimeInterval(10)
        while proc.isRunning && Date() < end { usleep(20_000) }
        if proc.isRunning { proc.terminate(); XCTFail("events did not exit when the container stopped") }
        proc.waitUntilExit()
        XCTAssertEqual(proc.terminationStatus, 0)
        for line in read(out.path).split(separator: "\n") {
            let e = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
            XCTAssertEqual(e?["type"] as? String, "stats", String(line))
            XCTAssertEqual(e?["id"] as? String, id)
        }
        // A stopped container has no events.
        XCTAssertNotEqual(swiftrun(["events", "--stats", id]).code, 0)
        XCTAssertNotEqual(swiftrun(["events", "--interval", "0s", id]).code, 0)
        XCTAssertEqual(swiftrun(["delete", id]).code, 0)
    }

    /// An OOM kill in the container is an "oom" event, also when the killed process is the
    /// init itself and the container stops in the same poll interval (the second script).
    func testEventsReportsOOMKill() throws {
        for (i, script) in ["sleep 1; head -c 400000000 /dev/zero | tail; sleep 1", "sleep 1; exec tail /dev/zero"].enumerated() {
            let id = newID("oom\(i)")
            try useTestCgroup(id)
            // memory+swap = memory: the hog cannot escape into swap.
            try setResources(["memory": ["limit": 32 * 1024 * 1024, "swap": 32 * 1024 * 1024]])
            try setArgs(["sh", "-c", script])
            let r = swiftrun(["run", "-d", "-b", bundle.path, id])
            if r.code != 0 && r.err.contains("swap") { throw XCTSkip("no swap accounting on this host: \(r.err)") }
            XCTAssertEqual(r.code, 0, r.err)
            let ev = sh(Self.binary, ["--root", stateRoot, "events", "--interval", "500ms", id], timeout: 30)
            XCTAssertEqual(ev.code, 0, ev.err)
            let types = ev.out.split(separator: "\n").compactMap {
                (try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])?["type"] as? String
            }
            XCTAssertTrue(types.contains("oom"), "\(script): \(ev.out)")
            XCTAssertTrue(ev.out.contains(#"{"type":"oom","id":"\#(id)"}"#), ev.out)
            XCTAssertEqual(swiftrun(["delete", id]).code, 0)
        }
    }

    // MARK: (d) nothing left after delete, delete --force, failed create

    func testNoCgroupLeftAfterDeleteForceDeleteAndFailedCreate() throws {
        try setResources(["pids": ["limit": 100]])
        try setArgs(["true"])
        let a = newID("deleted")
        try useTestCgroup(a)
        XCTAssertEqual(swiftrun(["run", "--keep", "-b", bundle.path, a]).code, 0)
        XCTAssertFalse(cgroupDirs(named: a).isEmpty, "run --keep keeps the cgroup until delete")
        XCTAssertEqual(swiftrun(["delete", a]).code, 0)
        XCTAssertEqual(cgroupDirs(named: a), [])

        try setArgs(["sh", "-c", "sleep 100 & sleep 100"])
        let b = newID("forced")
        try useTestCgroup(b)
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, b]).code, 0)
        XCTAssertEqual(swiftrun(["pause", b]).code, 0)       // frozen ones too
        let f = swiftrun(["delete", "--force", b])
        XCTAssertEqual(f.code, 0, f.err)
        XCTAssertEqual(cgroupDirs(named: b), [])

        // Fails in the init, after the cgroups were made and joined.
        try editConfig { c in
            var m = c["mounts"] as! [[String: Any]]
            m.append(["destination": "/nope", "type": "bind", "source": "/no/such/source", "options": ["bind"]])
            c["mounts"] = m
        }
        let c = newID("failed")
        try useTestCgroup(c)
        let r = swiftrun(["create", "-b", bundle.path, c])
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("/no/such/source"), r.err)
        XCTAssertEqual(cgroupDirs(named: c), [])
        XCTAssertFalse(FileManager.default.fileExists(atPath: stateRoot + "/" + c))
    }

    // MARK: (e) relative and absolute cgroupsPath; one cgroup, one container

    func testRelativeAndAbsoluteCgroupsPath() throws {
        try setArgs(["sleep", "100"])
        // Absolute: below every hierarchy root.
        let abs = newID("abs")
        try useTestCgroup(abs)
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, abs]).code, 0)
        let pid = try XCTUnwrap(try stateOf(abs)["pid"] as? Int)
        let own = ownCgroups()
        let ctrls = mode == .v2 ? [""] : v1Controllers + (mode == .hybrid ? [""] : [])
        for c in ctrls {
            let d = dir(c, "/swift-test/\(abs)")
            XCTAssertTrue(read(d + "/cgroup.procs").split(separator: "\n").contains(Substring(String(pid))), "\(pid) not in \(d)")
        }
        XCTAssertEqual(swiftrun(["delete", "--force", abs]).code, 0)

        // Relative: runc 1.1 — v1 below the caller's own cgroup in each hierarchy, cgroup2
        // below the parent of the caller's cgroup.
        let rel = newID("rel")
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            l["cgroupsPath"] = "swift-test-rel/\(rel)"
            c["linux"] = l
        }
        var parents: [String] = []
        addTeardownBlock { for p in parents.reversed() { rmdir(p) } }
        for c in ctrls {
            var base = own[c] ?? "/"
            if c.isEmpty { base = (base as NSString).deletingLastPathComponent }
            if base == "/" { base = "" }
            parents.append(dir(c, base + "/swift-test-rel"))
        }
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, rel]).code, 0)
        let rpid = try XCTUnwrap(try stateOf(rel)["pid"] as? Int)
        for p in parents {
            let d = p + "/" + rel
            XCTAssertTrue(read(d + "/cgroup.procs").split(separator: "\n").contains(Substring(String(rpid))), "\(rpid) not in \(d)")
        }
        XCTAssertEqual(swiftrun(["delete", "--force", rel]).code, 0)
        XCTAssertEqual(cgroupDirs(named: rel), [])
        for p in parents.reversed() { XCTAssertEqual(rmdir(p), 0, "rmdir \(p)") }
        parents = []
        XCTAssertEqual(cgroupDirs(named: "swift-test-rel"), [])
    }

    func testTwoContainersCannotShareACgroup() throws {
        try setArgs(["sleep", "100"])
        let first = newID("first"), second = newID("second")
        let shared = "/swift-test/\(first)"
        try setResources(["pids": ["limit": 10]], cgroupsPath: shared)
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, first]).code, 0)
        let pid = try XCTUnwrap(try stateOf(first)["pid"] as? Int)

        let r = swiftrun(["create", "-b", bundle.path, second])
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("already holds processes"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stateRoot + "/" + second), "state of the failed create left")
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, second]).code, 1)
        // The first one is untouched: still running, still in its cgroup.
        XCTAssertEqual(try stateOf(first)["status"] as? String, "running")
        let pidsDir = mode == .v2 ? dir("", shared) : dir("pids", shared)
        XCTAssertEqual(read(pidsDir + "/cgroup.procs"), String(pid))
        XCTAssertEqual(read(pidsDir + "/pids.max"), "10")
        XCTAssertEqual(swiftrun(["delete", "--force", first]).code, 0)
        XCTAssertEqual(cgroupDirs(named: first), [])
    }

    /// create forks the init straight into its cgroups (the runtime steps into each v1 cgroup
    /// through `tasks` and back, v2 by CLONE_INTO_CGROUP) unless pids.max leaves no room, when it
    /// writes cgroup.procs instead. Either way: the init alone is in the container's cgroups, and
    /// the runtime is back in its own ones (seen by a createRuntime hook, the runtime's child).
    func testInitIsBornInItsCgroupsAndTheRuntimeGoesBack() throws {
        try setArgs(["sleep", "100"])
        let own = try String(contentsOfFile: "/proc/self/cgroup", encoding: .utf8)
        for (i, pids) in [nil, 2].enumerated() {
            let id = newID("born\(i)")
            try useTestCgroup(id)
            let seen = tmp.appendingPathComponent("runtime-cgroup-\(i)").path
            try editConfig { c in
                c["hooks"] = ["createRuntime": [["path": "/bin/sh", "args": ["sh", "-c", "cat /proc/$PPID/cgroup > \(seen)"]]]]
                if let pids {
                    var l = c["linux"] as! [String: Any]
                    l["resources"] = ["pids": ["limit": pids]]
                    c["linux"] = l
                }
            }
            let r = swiftrun(["create", "-b", bundle.path, id])
            XCTAssertEqual(r.code, 0, r.err)
            let pid = try XCTUnwrap(try stateOf(id)["pid"] as? Int)
            let ctrls = mode == .v2 ? [""] : v1Controllers + (mode == .hybrid ? [""] : [])
            for c in ctrls {
                let d = dir(c, "/swift-test/\(id)")
                XCTAssertEqual(read(d + "/cgroup.procs"), String(pid), "\(d) (pids.max \(pids.map(String.init) ?? "unset"))")
            }
            XCTAssertEqual(try String(contentsOfFile: seen, encoding: .utf8), own, "the runtime's cgroups after the fork")
            XCTAssertEqual(swiftrun(["delete", "--force", id]).code, 0)
        }
    }
}
