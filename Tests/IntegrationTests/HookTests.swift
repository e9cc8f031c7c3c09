import Foundation
import XCTest

/// OCI hooks (config.md "POSIX-platform Hooks", runtime.md lifecycle steps 3-13): when each
/// kind runs, in which namespaces, with which state on stdin, and what a failure does.
final class HookTests: IntegrationCase {
    static let path = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

    /// A hook appending `kind|pid ns|mnt ns|argv[0]|$HOME|state` to $LOG. argv[0] is read
    /// from /proc/self/cmdline by the `read` builtin of a subshell (a fork: the hook's argv;
    /// the shell drops the NULs, so argv[0] is what precedes "-c").
    func logHook(_ kind: String, log: String, argv0: String = "sh") -> [String: Any] {
        let script = #"s=$(cat | tr -d '\n'); printf '%s|%s|%s|%s|%s|%s\n' "$KIND" "$(readlink /proc/self/ns/pid)" "$(readlink /proc/self/ns/mnt)" "$(read -r a </proc/self/cmdline; printf %s "${a%%-c*}")" "${HOME-unset}" "$s" >>"$LOG""#
        return ["path": "/bin/sh", "args": [argv0, "-c", script],
                "env": [Self.path, "KIND=\(kind)", "LOG=\(log)"], "timeout": 10]
    }

    func shHook(_ script: String, timeout: Int? = 10) -> [String: Any] {
        var h: [String: Any] = ["path": "/bin/sh", "args": ["sh", "-c", script], "env": [Self.path]]
        if let timeout { h["timeout"] = timeout }
        return h
    }

    func setHooks(_ hooks: [String: [[String: Any]]]) throws {
        try editConfig { c in c["hooks"] = hooks }
    }

    /// `<bundle>/hooks` (made by make-bundle.sh) bind-mounted read-write on /mnt.
    func mountHooksDir() throws {
        try editConfig { c in
            var m = c["mounts"] as! [[String: Any]]
            m.append(["destination": "/mnt", "type": "bind", "source": "hooks", "options": ["bind", "rw", "nosuid", "nodev"]])
            c["mounts"] = m
        }
    }

    func ns(_ pid: String, _ kind: String) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(kind)")) ?? "?"
    }

    struct Record { var kind, pidNS, mntNS, argv0, home: String; var state: [String: Any] }

    func records(_ log: String) throws -> [Record] {
        let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
        return try text.split(separator: "\n").map { line in
            let f = line.split(separator: "|", maxSplits: 5, omittingEmptySubsequences: false).map(String.init)
            guard f.count == 6 else { throw NSError(domain: "log", code: 1, userInfo: [NSLocalizedDescriptionKey: "bad line \(line)"]) }
            let st = try JSONSerialization.jsonObject(with: Data(f[5].utf8)) as! [String: Any]
            return Record(kind: f[0], pidNS: f[1], mntNS: f[2], argv0: f[3], home: f[4], state: st)
        }
    }

    /// Processes (other than us) whose command line contains `needle`.
    func processes(containing needle: String) -> [String] {
        let me = getpid()
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { p in
            guard let n = Int32(p), n != me, let d = FileManager.default.contents(atPath: "/proc/\(p)/cmdline") else { return nil }
            let cmd = String(decoding: d.map { $0 == 0 ? 32 : $0 }, as: UTF8.self)
            return cmd.contains(needle) ? "\(p): \(cmd)" : nil
        }
    }

    func assertNothingLeft(_ id: String, file: StaticString = #filePath, line: UInt = #line) {
        let left = (try? FileManager.default.contentsOfDirectory(atPath: stateRoot)) ?? []
        XCTAssertEqual(left, [], "state dir left behind", file: file, line: line)
        assertNoCgroup(id, file: file, line: line)
        XCTAssertEqual(processes(containing: id), [], "processes left behind", file: file, line: line)
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        XCTAssertFalse(mounts.contains(tmp.path), "mounts left behind", file: file, line: line)
    }

    // MARK: all six kinds

    func testAllSixHooksOrderNamespacesAndState() throws {
        let log = bundle.appendingPathComponent("hooks/hooks.log").path
        try mountHooksDir()
        try setArgs(["sleep", "100"])
        try setHooks([
            "prestart": [logHook("prestart", log: log, argv0: "prestart-argv0")],
            "createRuntime": [logHook("createRuntime", log: log)],
            "createContainer": [logHook("createContainer", log: log)],
            // runs in the container: its /bin/sh is the rootfs's busybox, the log is on /mnt
            // (busybox picks the applet from argv[0]: "sh" must arrive as is)
            "startContainer": [logHook("startContainer", log: "/mnt/hooks.log")],
            "poststart": [logHook("poststart", log: log)],
            "poststop": [logHook("poststop", log: log)],
        ])
        try editConfig { c in c["annotations"] = ["org.example.hook-test": "yes"] }
        let id = newID()
        try useTestCgroup(id)
        let hostPidNS = ns("self", "pid"), hostMntNS = ns("self", "mnt")

        let c = swiftrun(["create", "--bundle", bundle.path, id])
        XCTAssertEqual(c.code, 0, c.err)
        XCTAssertEqual(try records(log).map(\.kind), ["prestart", "createRuntime", "createContainer"])
        let pid = try XCTUnwrap(try stateOf(id)["pid"] as? Int)
        let ctrPidNS = ns(String(pid), "pid"), ctrMntNS = ns(String(pid), "mnt")
        XCTAssertNotEqual(ctrPidNS, hostPidNS)
        XCTAssertNotEqual(ctrMntNS, hostMntNS)

        let s = swiftrun(["start", id])
        XCTAssertEqual(s.code, 0, s.err)
        // start returns after the program was executed and the poststart hooks ran
        XCTAssertEqual(try records(log).map(\.kind),
                       ["prestart", "createRuntime", "createContainer", "startContainer", "poststart"])
        XCTAssertEqual(try stateOf(id)["status"] as? String, "running")
        XCTAssertEqual(swiftrun(["kill", id, "KILL"]).code, 0)
        waitFor("the container to stop") { (try? stateOf(id)["status"] as? String) == "stopped" }
        let d = swiftrun(["delete", id])
        XCTAssertEqual(d.code, 0, d.err)
        XCTAssertEqual(d.err, "")

        let recs = try records(log)
        XCTAssertEqual(recs.map(\.kind), ["prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop"])
        let want: [String: (status: String, pid: Int, pidNS: String, mntNS: String)] = [
            "prestart": ("creating", pid, hostPidNS, hostMntNS),
            "createRuntime": ("creating", pid, hostPidNS, hostMntNS),
            // the container's namespaces (mount, pid...), before pivot_root; pid as seen inside
            "createContainer": ("creating", 1, ctrPidNS, ctrMntNS),
            // in the container, before the program: not running yet
            "startContainer": ("created", 1, ctrPidNS, ctrMntNS),
            "poststart": ("running", pid, hostPidNS, hostMntNS),
            "poststop": ("stopped", 0, hostPidNS, hostMntNS),
        ]
        for r in recs {
            let w = try XCTUnwrap(want[r.kind])
            XCTAssertEqual(r.state["status"] as? String, w.status, r.kind)
            XCTAssertEqual(r.state["pid"] as? Int ?? 0, w.pid, r.kind)
            XCTAssertEqual(r.pidNS, w.pidNS, "\(r.kind): pid namespace")
            XCTAssertEqual(r.mntNS, w.mntNS, "\(r.kind): mount namespace")
            XCTAssertEqual(r.state["id"] as? String, id, r.kind)
            XCTAssertEqual(r.state["bundle"] as? String, bundle.resolvingSymlinksInPath().path, r.kind)
            XCTAssertEqual((r.state["annotations"] as? [String: String])?["org.example.hook-test"], "yes", r.kind)
            XCTAssertNotNil(r.state["ociVersion"] as? String, r.kind)
            // env is exactly the hook's (nothing inherited from the runtime), argv[0] its args[0]
            XCTAssertEqual(r.home, "unset", "\(r.kind): environment inherited")
            XCTAssertEqual(r.argv0, r.kind == "prestart" ? "prestart-argv0" : "sh", r.kind)
        }
    }

    // MARK: failures

    /// Working directory, as runc: `create` runs prestart/createRuntime in the bundle,
    /// createContainer in the rootfs (host path, before pivot_root); poststart keeps the
    /// caller's directory.
    func testHookWorkingDirectories() throws {
        let out = bundle.appendingPathComponent("hooks").path
        try setArgs(["true"])
        try setHooks([
            "prestart": [shHook("pwd >\(out)/prestart")],
            "createRuntime": [shHook("pwd >\(out)/createRuntime")],
            "createContainer": [shHook("pwd >\(out)/createContainer")],
        ])
        let id = newID()
        try useTestCgroup(id)
        let r = swiftrun(["run", "--bundle", bundle.path, id])
        XCTAssertEqual(r.code, 0, r.err)
        func read(_ k: String) -> String {
            ((try? String(contentsOfFile: out + "/" + k, encoding: .utf8)) ?? "<none>").trimmingCharacters(in: .newlines)
        }
        let real = URL(fileURLWithPath: bundle.path).resolvingSymlinksInPath().path
        XCTAssertEqual(read("prestart"), real)
        XCTAssertEqual(read("createRuntime"), real)
        XCTAssertEqual(read("createContainer"), real + "/rootfs")
    }

    func testFailingCreateRuntimeHookFailsCreateAndLeavesNothing() throws {
        let marker = bundle.appendingPathComponent("hooks/poststop-ran").path
        try setArgs(["sleep", "100"])
        try setHooks([
            "createRuntime": [shHook("echo from-the-hook >&2; exit 3")],
            "createContainer": [shHook("touch \(bundle.path)/hooks/must-not-run")],
            // runtime.md: a failing create hook continues the lifecycle at step 12, then 13
            "poststop": [shHook("cat >\(marker)")],
        ])
        let id = newID()
        try useTestCgroup(id)
        let c = swiftrun(["create", "--bundle", bundle.path, id])
        XCTAssertNotEqual(c.code, 0)
        XCTAssertTrue(c.err.contains("hooks.createRuntime[0] /bin/sh: exit status 3"), c.err)
        XCTAssertTrue(c.err.contains("from-the-hook"), "the hook's stderr is the runtime's: \(c.err)")
        XCTAssertFalse(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("hooks/must-not-run").path))
        XCTAssertTrue((try? String(contentsOfFile: marker, encoding: .utf8))?.contains(#""status":"stopped""#) == true)
        assertNothingLeft(id)
    }

    func testFailingCreateContainerHookFailsCreateAndLeavesNothing() throws {
        try setHooks(["createContainer": [shHook("exit 4")]])
        let id = newID()
        try useTestCgroup(id)
        let c = swiftrun(["create", "--bundle", bundle.path, id])
        XCTAssertNotEqual(c.code, 0)
        XCTAssertTrue(c.err.contains("hooks.createContainer[0] /bin/sh: exit status 4"), c.err)
        assertNothingLeft(id)
    }

    func testFailingStartContainerHookFailsStartAndLeavesNothing() throws {
        let ran = bundle.appendingPathComponent("hooks/program-ran").path
        try mountHooksDir()
        try setArgs(["touch", "/mnt/program-ran"])
        try setHooks(["startContainer": [shHook("exit 6")]])
        let id = newID()
        try useTestCgroup(id)
        let c = swiftrun(["create", "--bundle", bundle.path, id])
        XCTAssertEqual(c.code, 0, c.err)
        let s = swiftrun(["start", id])
        XCTAssertNotEqual(s.code, 0)
        XCTAssertTrue(s.err.contains("hooks.startContainer[0] /bin/sh: exit status 6"), s.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: ran), "the program ran after a failing startContainer hook")
        assertNothingLeft(id)
    }

    func testFailingPoststartHookStopsTheContainer() throws {
        try setArgs(["sleep", "100"])
        try setHooks(["poststart": [shHook("exit 7")]])
        let id = newID()
        try useTestCgroup(id)
        XCTAssertEqual(swiftrun(["create", "--bundle", bundle.path, id]).code, 0)
        let s = swiftrun(["start", id])
        XCTAssertNotEqual(s.code, 0)
        XCTAssertTrue(s.err.contains("hooks.poststart[0] /bin/sh: exit status 7"), s.err)
        assertNothingLeft(id)
    }

    func testHookTimeoutKillsTheHookAndFails() throws {
        // a child of the hook must die too (the hook gets its own process group)
        try setHooks(["createRuntime": [shHook("sleep 36.125; true", timeout: 1)]])
        let id = newID()
        try useTestCgroup(id)
        let t0 = Date()
        let c = swiftrun(["create", "--bundle", bundle.path, id])
        XCTAssertNotEqual(c.code, 0)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 10)
        XCTAssertTrue(c.err.contains("hooks.createRuntime[0] /bin/sh: timed out after 1s"), c.err)
        XCTAssertEqual(processes(containing: "36.125"), [], "the hook's child survived the timeout")
        assertNothingLeft(id)
    }

    func testFailingPoststopHookIsOnlyAWarning() throws {
        try setArgs(["true"])
        try setHooks(["poststop": [shHook("exit 9"), shHook("touch \(bundle.path)/hooks/second-ran")]])
        let id = newID()
        try useTestCgroup(id)
        let r = swiftrun(["run", "--bundle", bundle.path, "--detach", id])
        XCTAssertEqual(r.code, 0, r.err)
        waitFor("the container to stop") { (try? stateOf(id)["status"] as? String) == "stopped" }
        let d = swiftrun(["delete", id])
        XCTAssertEqual(d.code, 0, d.err)
        XCTAssertTrue(d.err.contains("warning") && d.err.contains("hooks.poststop[0] /bin/sh: exit status 9"), d.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: bundle.appendingPathComponent("hooks/second-ran").path),
                      "the remaining poststop hooks run")
        assertNothingLeft(id)
    }

    // MARK: bridge network (spec-fixtures/hooks/bridge-hook.sh)

    func testBridgeHookGivesTheContainerANetwork() throws {
        guard FileManager.default.isExecutableFile(atPath: "/usr/sbin/ip"),
              FileManager.default.isExecutableFile(atPath: "/usr/bin/nsenter") else {
            throw XCTSkip("needs iproute2 and nsenter")
        }
        // Everything lives in a network namespace of the test's own: the host's network is
        // never touched (192.0.2.0/24 is TEST-NET-1).
        let netns = "swift-test-br-" + String(UUID().uuidString.prefix(6)).lowercased()
        let ip = "/usr/sbin/ip"
        let add = sh(ip, ["netns", "add", netns])
        XCTAssertEqual(add.code, 0, add.err)
        defer {
            sh(ip, ["netns", "del", netns])
            XCTAssertFalse(sh(ip, ["netns", "list"]).out.contains(netns), "netns left behind")
        }
        for cmd in [["link", "add", "br0", "type", "bridge"], ["addr", "add", "192.0.2.1/24", "dev", "br0"],
                    ["link", "set", "br0", "up"], ["link", "set", "lo", "up"]] {
            let r = sh(ip, ["-n", netns] + cmd)
            XCTAssertEqual(r.code, 0, "ip \(cmd): \(r.err)")
        }
        let script = Self.repo.appendingPathComponent("spec-fixtures/hooks/bridge-hook.sh").path
        let env = ["BRIDGE=br0", "BRIDGE_NETNS=\(netns)", "CONTAINER_IP=192.0.2.2/24", "GATEWAY=192.0.2.1"]
        try setHooks([
            "createRuntime": [["path": script, "args": ["bridge-hook.sh"], "env": env, "timeout": 20]],
            "poststop": [["path": script, "args": ["bridge-hook.sh"], "env": env, "timeout": 20]],
        ])
        try editConfig { c in
            // busybox ping needs a raw socket
            var p = c["process"] as! [String: Any]
            var caps = p["capabilities"] as! [String: [String]]
            for k in ["bounding", "effective", "permitted"] { caps[k, default: []].append("CAP_NET_RAW") }
            p["capabilities"] = caps
            c["process"] = p
            let nss = (c["linux"] as! [String: Any])["namespaces"] as! [[String: Any]]
            XCTAssertTrue(nss.contains { $0["type"] as? String == "network" && $0["path"] == nil })
        }
        try setArgs(["sh", "-c", "ip -4 -o addr show dev eth0; ip route; ping -c 1 -W 2 192.0.2.1"])
        let id = newID()
        try useTestCgroup(id)
        let r = swiftrun(["run", "--bundle", bundle.path, id], timeout: 60)
        XCTAssertEqual(r.code, 0, "out=\(r.out) err=\(r.err)")
        XCTAssertTrue(r.out.contains("192.0.2.2/24"), r.out)
        XCTAssertTrue(r.out.contains("default via 192.0.2.1"), r.out)
        XCTAssertTrue(r.out.contains("1 packets received"), r.out)
        XCTAssertEqual(r.err, "", "poststop must succeed too")
        // poststop removed the host side (only the bridge and lo remain in the test netns)
        let links = sh(ip, ["-n", netns, "-o", "link", "show"]).out
        XCTAssertFalse(links.contains("vsr"), links)
        assertNothingLeft(id)
    }
}
