import Foundation
import XCTest

/// Runs the real swiftrun binary on real bundles (busybox rootfs from spec-fixtures) as root.
/// Each test gets its own state root and bundle in a temp dir; tearDown force-deletes every
/// container left in that root and checks nothing survived (state, mounts, cgroups).
class IntegrationCase: XCTestCase {
    static let repo: URL = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()

    static let binary: String = {
        if let b = ProcessInfo.processInfo.environment["SWIFTRUN_BIN"] { return b }
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        // xctest may be run from inside the .xctest bundle on some layouts
        for _ in 0..<3 {
            let c = dir.appendingPathComponent("swiftrun").path
            if FileManager.default.isExecutableFile(atPath: c) { return c }
            dir = dir.deletingLastPathComponent()
        }
        return repo.appendingPathComponent(".build/debug/swiftrun").path
    }()

    var tmp: URL!
    var stateRoot: String { tmp.appendingPathComponent("state").path }
    var bundle: URL { tmp.appendingPathComponent("bundle") }
    var ids: [String] = []

    override func setUpWithError() throws {
        guard getuid() == 0 else { throw XCTSkip("integration tests run containers and need root") }
        tmp = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("swiftrun-it-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let r = sh("\(Self.repo.path)/spec-fixtures/make-bundle.sh", [bundle.path])
        XCTAssertEqual(r.code, 0, "make-bundle.sh failed: \(r.err)")
    }

    override func tearDownWithError() throws {
        guard let tmp else { return }
        for id in (try? FileManager.default.contentsOfDirectory(atPath: stateRoot)) ?? [] {
            _ = swiftrun(["delete", "--force", id])
        }
        let left = (try? FileManager.default.contentsOfDirectory(atPath: stateRoot)) ?? []
        XCTAssertEqual(left, [], "state left behind in \(stateRoot)")
        let mounts = (try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? ""
        XCTAssertFalse(mounts.contains(tmp.path), "mounts left behind under \(tmp.path)")
        for id in ids { assertNoCgroup(id) }
        try? FileManager.default.removeItem(at: tmp)
        // the shared parent of the tests' cgroups (rmdir only succeeds once it is empty)
        for d in (try? FileManager.default.contentsOfDirectory(atPath: "/sys/fs/cgroup")) ?? [] {
            rmdir("/sys/fs/cgroup/\(d)/swift-test")
        }
    }

    func assertNoCgroup(_ name: String, file: StaticString = #filePath, line: UInt = #line) {
        let found = sh("/usr/bin/find", ["/sys/fs/cgroup", "-maxdepth", "4", "-type", "d", "-name", name]).out
        XCTAssertEqual(found.trimmingCharacters(in: .whitespacesAndNewlines), "", "cgroup dirs left for \(name)", file: file, line: line)
    }

    struct Result { var code: Int32; var out: String; var err: String }

    /// Run a command; stdout/stderr go to files, not pipes: a container init started by
    /// `create`/`run -d` inherits them and would hold a pipe open for its whole life.
    @discardableResult
    func sh(_ exe: String, _ args: [String], stdin: String? = nil, timeout: TimeInterval = 60) -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: exe)
        p.arguments = args
        let base = (tmp ?? URL(fileURLWithPath: NSTemporaryDirectory())).appendingPathComponent("io-\(UUID().uuidString.prefix(8))")
        let outURL = base.appendingPathExtension("out"), errURL = base.appendingPathExtension("err")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        defer { try? FileManager.default.removeItem(at: outURL); try? FileManager.default.removeItem(at: errURL) }
        guard let o = FileHandle(forWritingAtPath: outURL.path), let e = FileHandle(forWritingAtPath: errURL.path) else {
            return Result(code: -1, out: "", err: "cannot create output files")
        }
        p.standardOutput = o
        p.standardError = e
        if let stdin {
            let inURL = base.appendingPathExtension("in")
            try? stdin.write(to: inURL, atomically: true, encoding: .utf8)
            p.standardInput = FileHandle(forReadingAtPath: inURL.path)
        } else {
            p.standardInput = FileHandle.nullDevice
        }
        do { try p.run() } catch { return Result(code: -1, out: "", err: "\(error)") }
        let end = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < end { usleep(2000) }
        if p.isRunning {
            p.terminate()
            XCTFail("timed out: \(exe) \(args)")
        }
        p.waitUntilExit()
        try? o.close(); try? e.close()
        let out = (try? String(contentsOf: outURL, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOf: errURL, encoding: .utf8)) ?? ""
        return Result(code: p.terminationStatus, out: out, err: err)
    }

    @discardableResult
    func swiftrun(_ args: [String], timeout: TimeInterval = 60) -> Result {
        sh(Self.binary, ["--root", stateRoot] + args, timeout: timeout)
    }

    func newID(_ base: String = #function) -> String {
        let id = "swift-test-" + base.filter { $0.isLetter || $0.isNumber }.prefix(30) + "-" + String(UUID().uuidString.prefix(6)).lowercased()
        ids.append(id)
        return id
    }

    // MARK: config editing

    func loadConfig() throws -> [String: Any] {
        let d = try Data(contentsOf: bundle.appendingPathComponent("config.json"))
        return try JSONSerialization.jsonObject(with: d) as! [String: Any]
    }

    func saveConfig(_ c: [String: Any]) throws {
        let d = try JSONSerialization.data(withJSONObject: c, options: [.prettyPrinted, .sortedKeys])
        try d.write(to: bundle.appendingPathComponent("config.json"))
    }

    /// Edit the bundle's config.json. The closure gets the whole document.
    func editConfig(_ f: (inout [String: Any]) -> Void) throws {
        var c = try loadConfig()
        f(&c)
        try saveConfig(c)
    }

    func setArgs(_ args: [String]) throws {
        try editConfig { c in
            var p = c["process"] as! [String: Any]
            p["args"] = args
            c["process"] = p
        }
    }

    /// A new user namespace mapping container ids 0-65535 to host 100000-165535.
    func useUserNamespace() throws {
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            var ns = l["namespaces"] as! [[String: Any]]
            ns.append(["type": "user"])
            l["namespaces"] = ns
            l["uidMappings"] = [["containerID": 0, "hostID": 100000, "size": 65536]]
            l["gidMappings"] = [["containerID": 0, "hostID": 100000, "size": 65536]]
            c["linux"] = l
        }
        chmod(tmp.path, 0o755)   // host uid 100000 must be able to reach the rootfs
    }

    /// Put the container in a cgroup path unique to this test (leak checks look for it).
    func useTestCgroup(_ id: String) throws {
        try editConfig { c in
            var l = c["linux"] as? [String: Any] ?? [:]
            l["cgroupsPath"] = "/swift-test/\(id)"
            c["linux"] = l
        }
    }

    /// Run a shell snippet in a fresh container from this bundle, return its output.
    func runShell(_ script: String, file: StaticString = #filePath, line: UInt = #line) throws -> Result {
        try setArgs(["sh", "-c", script])
        let id = newID()
        try useTestCgroup(id)
        return swiftrun(["run", "--bundle", bundle.path, id])
    }

    func stateOf(_ id: String) throws -> [String: Any] {
        let r = swiftrun(["state", id])
        guard r.code == 0 else { throw NSError(domain: "state", code: Int(r.code), userInfo: [NSLocalizedDescriptionKey: r.err]) }
        return try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
    }

    func waitFor(_ what: String, timeout: TimeInterval = 10, _ cond: () throws -> Bool) rethrows {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            if try cond() { return }
            usleep(20_000)
        }
        XCTFail("timed out waiting for \(what)")
    }
}
