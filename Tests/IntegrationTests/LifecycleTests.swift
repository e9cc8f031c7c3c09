import Foundation
import XCTest

final class LifecycleTests: IntegrationCase {
    func testRunPrintsPid1HostnameUidMapAndRootfs() throws {
        let r = try runShell("echo $$; hostname; cat /proc/self/uid_map; ls /")
        XCTAssertEqual(r.code, 0, r.err)
        let lines = r.out.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
        XCTAssertEqual(lines.first, "1", r.out)
        XCTAssertEqual(lines.dropFirst().first, "swiftrun", r.out)
        XCTAssertTrue(lines.contains { $0.split(separator: " ").filter { !$0.isEmpty } == ["0", "0", "4294967295"] }, r.out)
        for d in ["bin", "dev", "etc", "proc", "sys", "tmp"] { XCTAssertTrue(lines.contains(d), "\(d) missing: \(r.out)") }
    }

    func testRunReturnsExitCode() throws {
        XCTAssertEqual(try runShell("exit 7").code, 7)
        // killed by a signal: 128+n, like a shell. (A pid-namespace init cannot kill itself:
        // the signal comes from outside.)
        try setArgs(["sleep", "100"])
        let id = newID("killed")
        try useTestCgroup(id)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["--root", stateRoot, "run", "-b", bundle.path, id]
        p.standardInput = FileHandle.nullDevice
        try p.run()
        try waitFor("the container to run") { (try? stateOf(id)["status"] as? String) == "running" }
        XCTAssertEqual(swiftrun(["kill", id, "SIGKILL"]).code, 0)
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 137)
    }

    func testCreateStartStateDelete() throws {
        try setArgs(["sh", "-c", "sleep 0.3"])
        let id = newID()
        try useTestCgroup(id)
        let c = swiftrun(["create", "--bundle", bundle.path, "--pid-file", tmp.appendingPathComponent("pid").path, id])
        XCTAssertEqual(c.code, 0, c.err)
        var st = try stateOf(id)
        XCTAssertEqual(st["status"] as? String, "created")
        let pid = try XCTUnwrap(st["pid"] as? Int)
        XCTAssertGreaterThan(pid, 0)
        XCTAssertTrue(FileManager.default.fileExists(atPath: "/proc/\(pid)/status"))
        XCTAssertEqual(try String(contentsOf: tmp.appendingPathComponent("pid"), encoding: .utf8), String(pid))
        XCTAssertEqual(st["bundle"] as? String, bundle.resolvingSymlinksInPath().path)
        try validateState(swiftrun(["state", id]).out)

        // a created container can be deleted (its blocked init is killed)
        let del = swiftrun(["delete", id])
        XCTAssertEqual(del.code, 0, del.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: "/proc/\(pid)/status") &&
                       ((try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8))?.contains("State:\tZ") == false),
                       "init still alive after delete")
        let id2 = newID("start")
        try useTestCgroup(id2)
        XCTAssertEqual(swiftrun(["create", "--bundle", bundle.path, id2]).code, 0)
        let s = swiftrun(["start", id2])
        XCTAssertEqual(s.code, 0, s.err)
        st = try stateOf(id2)
        XCTAssertEqual(st["status"] as? String, "running")
        XCTAssertNotEqual(swiftrun(["start", id2]).code, 0, "start twice must fail")
        try waitFor("container to stop") { (try stateOf(id2)["status"] as? String) == "stopped" }
        try validateState(swiftrun(["state", id2]).out)
        let d = swiftrun(["delete", id2])
        XCTAssertEqual(d.code, 0, d.err)
        XCTAssertNotEqual(swiftrun(["state", id2]).code, 0)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stateRoot + "/" + id2))
        assertNoCgroup(id2)
    }

    /// containerd's runc shim passes `--root /run/containerd/runc/<namespace>` and never
    /// creates it: like runc (os.MkdirAll) the missing parents are created.
    func testStateRootIsCreatedWithItsParents() throws {
        let root = tmp.appendingPathComponent("deep/er/root").path
        let id = newID("deeproot")
        try useTestCgroup(id)
        let r = sh(Self.binary, ["--root", root, "run", "-b", bundle.path, id])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertTrue(FileManager.default.fileExists(atPath: root))
        // run (without --keep) deleted it again: the root is left, empty
        XCTAssertEqual((try? FileManager.default.contentsOfDirectory(atPath: root)) ?? ["?"], [])
        // a file in the way is an error naming the path
        FileManager.default.createFile(atPath: tmp.appendingPathComponent("file").path, contents: nil)
        let bad = sh(Self.binary, ["--root", tmp.appendingPathComponent("file/root").path, "run", "-b", bundle.path, id])
        XCTAssertNotEqual(bad.code, 0)
        XCTAssertTrue(bad.err.contains("file") && bad.err.contains("ENOTDIR"), bad.err)
    }

    func testDeleteOfUnknownContainer() throws {
        let plain = swiftrun(["delete", "swift-test-nosuch"])
        XCTAssertNotEqual(plain.code, 0)
        XCTAssertTrue(plain.err.contains("does not exist"), plain.err)
        // like runc, --force of a missing container is a silent success (podman relies on it)
        let forced = swiftrun(["delete", "--force", "swift-test-nosuch"])
        XCTAssertEqual(forced.code, 0, forced.err)
        XCTAssertEqual(forced.err, "")
    }

    func testCreateTwiceFails() throws {
        try setArgs(["true"])
        let id = newID()
        try useTestCgroup(id)
        XCTAssertEqual(swiftrun(["create", "-b", bundle.path, id]).code, 0)
        let again = swiftrun(["create", "-b", bundle.path, id])
        XCTAssertNotEqual(again.code, 0)
        XCTAssertTrue(again.err.contains("already exists"), again.err)
        XCTAssertEqual(swiftrun(["delete", id]).code, 0)
    }

    func testKillSignalsAndForceDelete() throws {
        try setArgs(["sh", "-c", "trap 'exit 3' TERM; while true; do sleep 0.05; done"])
        let id = newID()
        try useTestCgroup(id)
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, id]).code, 0)
        XCTAssertEqual(try stateOf(id)["status"] as? String, "running")
        let k = swiftrun(["kill", id, "TERM"])
        XCTAssertEqual(k.code, 0, k.err)
        try waitFor("TERM to stop it") { (try stateOf(id)["status"] as? String) == "stopped" }
        XCTAssertNotEqual(swiftrun(["kill", id, "KILL"]).code, 0, "kill on a stopped container must fail")
        XCTAssertEqual(swiftrun(["delete", id]).code, 0)

        try setArgs(["sleep", "100"])
        let id2 = newID("kill9")
        try useTestCgroup(id2)
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, id2]).code, 0)
        XCTAssertNotEqual(swiftrun(["delete", id2]).code, 0, "delete of a running container needs --force")
        XCTAssertEqual(swiftrun(["kill", id2, "9"]).code, 0)
        try waitFor("SIGKILL (9) to stop it") { (try stateOf(id2)["status"] as? String) == "stopped" }
        XCTAssertEqual(swiftrun(["delete", id2]).code, 0)

        let id3 = newID("force")
        try useTestCgroup(id3)
        XCTAssertEqual(swiftrun(["run", "--detach", "--bundle", bundle.path, id3]).code, 0)
        XCTAssertNotEqual(swiftrun(["kill", id3, "NOSUCHSIG"]).code, 0)
        let d = swiftrun(["delete", "--force", id3])
        XCTAssertEqual(d.code, 0, d.err)
        XCTAssertNotEqual(swiftrun(["state", id3]).code, 0)
        assertNoCgroup(id3)
    }

    func testListFormats() throws {
        try setArgs(["sleep", "100"])
        let id = newID()
        try useTestCgroup(id)
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, id]).code, 0)
        let t = swiftrun(["list"])
        XCTAssertTrue(t.out.hasPrefix("ID"), t.out)
        XCTAssertTrue(t.out.contains(id) && t.out.contains("running"), t.out)
        XCTAssertEqual(swiftrun(["list", "-q"]).out, id + "\n")
        let j = swiftrun(["list", "--format", "json"])
        let arr = try JSONSerialization.jsonObject(with: Data(j.out.utf8)) as! [[String: Any]]
        XCTAssertEqual(arr.first?["id"] as? String, id)
        XCTAssertEqual(swiftrun(["delete", "-f", id]).code, 0)
    }

    func testSessionKeyringAndNoNewKeyring() throws {
        try setArgs(["true"])
        let id = newID()
        try useTestCgroup(id)
        XCTAssertEqual(swiftrun(["create", "-b", bundle.path, id]).code, 0)
        let keys = try String(contentsOfFile: "/proc/keys", encoding: .utf8)
        XCTAssertTrue(keys.contains("keyring   \(id):") || keys.contains(" \(id): "), "no session keyring named \(id)")
        XCTAssertEqual(swiftrun(["delete", id]).code, 0)
        let id2 = newID("nokeyring")
        try useTestCgroup(id2)
        XCTAssertEqual(swiftrun(["create", "--no-new-keyring", "-b", bundle.path, id2]).code, 0)
        XCTAssertFalse(try String(contentsOfFile: "/proc/keys", encoding: .utf8).contains(id2))
        XCTAssertEqual(swiftrun(["delete", id2]).code, 0)

        // exec makes a session keyring of its own (runc's "_ses.<id>"), except in a container
        // created with --no-new-keyring (remembered in the state).
        try setArgs(["sleep", "100"])
        for (flags, want) in [([String](), true), (["--no-new-keyring"], false)] {
            let c = newID(want ? "execkeyring" : "execnokeyring")
            try useTestCgroup(c)
            XCTAssertEqual(swiftrun(["run", "-d"] + flags + ["-b", bundle.path, c]).code, 0)
            XCTAssertEqual(swiftrun(["exec", "-d", c, "sleep", "10"]).code, 0)
            let k = try String(contentsOfFile: "/proc/keys", encoding: .utf8)
            XCTAssertEqual(k.contains("_ses.\(c)"), want, "exec keyring with \(flags)")
            XCTAssertEqual(swiftrun(["delete", "--force", c]).code, 0)
        }
    }

    func testPauseResumeAndPs() throws {
        try setArgs(["sleep", "100"])
        let id = newID()
        try useTestCgroup(id)
        XCTAssertEqual(swiftrun(["run", "-d", "-b", bundle.path, id]).code, 0)
        let pid = try XCTUnwrap(try stateOf(id)["pid"] as? Int)
        let ps = swiftrun(["ps", "--format", "json", id])
        XCTAssertEqual(ps.out.trimmingCharacters(in: .whitespacesAndNewlines), "[\(pid)]", ps.err)
        XCTAssertEqual(swiftrun(["pause", id]).code, 0)
        XCTAssertEqual(try stateOf(id)["status"] as? String, "paused")
        // The kernel's view: v1 freezer.state FROZEN / v2 cgroup.freeze 1, and the task frozen.
        let freezer = "/sys/fs/cgroup/freezer/swift-test/\(id)/freezer.state"
        let v2freeze = "/sys/fs/cgroup/swift-test/\(id)/cgroup.freeze"
        func frozenFile() -> String? {
            for f in [freezer, v2freeze] { if let s = try? String(contentsOfFile: f, encoding: .utf8) { return s.trimmingCharacters(in: .whitespacesAndNewlines) } }
            return nil
        }
        XCTAssertTrue(["FROZEN", "1"].contains(frozenFile() ?? "none"), "freezer: \(frozenFile() ?? "none")")
        let procState = { () -> String in
            let s = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
            return s.split(separator: "\n").first { $0.hasPrefix("State:") }.map(String.init) ?? ""
        }
        // frozen tasks sleep uninterruptibly (D, or T on older kernels), never R/S
        XCTAssertTrue(procState().contains("D") || procState().contains("T"), procState())
        XCTAssertNotEqual(swiftrun(["pause", id]).code, 0, "pausing a paused container must fail")
        XCTAssertEqual(swiftrun(["resume", id]).code, 0)
        XCTAssertEqual(try stateOf(id)["status"] as? String, "running")
        XCTAssertTrue(["THAWED", "0"].contains(frozenFile() ?? "none"), "freezer: \(frozenFile() ?? "none")")
        XCTAssertTrue(procState().contains("S"), procState())
        XCTAssertEqual(swiftrun(["pause", id]).code, 0)
        let d = swiftrun(["delete", "--force", id])
        XCTAssertEqual(d.code, 0, d.err)
        assertNoCgroup(id)
    }

    /// state-schema.json via python3-jsonschema (installed by .ci/run).
    func validateState(_ json: String, file: StaticString = #filePath, line: UInt = #line) throws {
        try validate(json, schema: "state-schema.json", file: file, line: line)
    }
}

extension IntegrationCase {
    func validate(_ json: String, schema: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let specDir = Self.repo.deletingLastPathComponent().appendingPathComponent("shared/runtime-spec/schema")
        guard FileManager.default.fileExists(atPath: specDir.path) else {
            throw XCTSkip("runtime-spec schema not found at \(specDir.path)")
        }
        let script = """
            import json, sys, pathlib
            import jsonschema
            d = pathlib.Path(sys.argv[1])
            schema = json.load(open(d / sys.argv[2]))
            resolver = jsonschema.RefResolver(base_uri=d.as_uri() + '/', referrer=schema)
            jsonschema.validate(json.loads(sys.stdin.read()), schema, resolver=resolver)
            """
        let r = sh("/usr/bin/python3", ["-c", script, specDir.path, schema], stdin: json)
        XCTAssertEqual(r.code, 0, "\(schema) validation failed: \(r.err)\n\(json)", file: file, line: line)
    }
}
