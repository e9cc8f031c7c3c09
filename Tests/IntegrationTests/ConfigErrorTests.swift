import Foundation
import XCTest

/// Every malformed fixture is refused with one line naming the field, a non-zero exit, the
/// same error in --log (runc's JSON format), and nothing left behind.
final class ConfigErrorTests: IntegrationCase {
    func testMalformedConfigsNameTheFieldAndLeaveNothing() throws {
        let dir = Self.repo.appendingPathComponent("spec-fixtures/malformed")
        let expected = try String(contentsOf: dir.appendingPathComponent("expected.txt"), encoding: .utf8)
            .split(separator: "\n").map { $0.split(separator: "\t", maxSplits: 1).map(String.init) }
        XCTAssertGreaterThanOrEqual(expected.count, 20)
        let mountsBefore = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).split(separator: "\n").count
        for e in expected {
            let (file, field) = (e[0], e[1])
            try FileManager.default.removeItem(at: bundle.appendingPathComponent("config.json"))
            try FileManager.default.copyItem(at: dir.appendingPathComponent(file), to: bundle.appendingPathComponent("config.json"))
            let id = newID(file)
            let log = tmp.appendingPathComponent("log-\(id).json").path
            let r = sh(Self.binary, ["--root", stateRoot, "--log", log, "--log-format", "json", "create", "-b", bundle.path, id])
            XCTAssertNotEqual(r.code, 0, "\(file) was accepted")
            let lines = r.err.split(separator: "\n")
            XCTAssertEqual(lines.count, 1, "\(file): not one line: \(r.err)")
            XCTAssertTrue(r.err.contains(field), "\(file): error does not name \(field): \(r.err)")
            let logged = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            let obj = try? JSONSerialization.jsonObject(with: Data(logged.split(separator: "\n").last.map(String.init)?.utf8 ?? "".utf8)) as? [String: Any]
            XCTAssertEqual(obj?["level"] as? String, "error", "\(file): log: \(logged)")
            XCTAssertTrue((obj?["msg"] as? String ?? "").contains(field), "\(file): log msg: \(logged)")
            XCTAssertFalse(FileManager.default.fileExists(atPath: stateRoot + "/" + id), "\(file): state dir left")
            assertNoCgroup(id)
        }
        let mountsAfter = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8).split(separator: "\n").count
        XCTAssertEqual(mountsBefore, mountsAfter, "mounts changed")
    }

    func testRuntimeFailureNamesStepAndErrnoAndCleansUp() throws {
        // A bind mount whose source does not exist fails inside the init, after the cgroup
        // and state dir exist: all of it must be undone.
        try editConfig { c in
            var m = c["mounts"] as! [[String: Any]]
            m.append(["destination": "/x", "type": "bind", "source": "/nonexistent-swiftrun-src", "options": ["bind"]])
            c["mounts"] = m
        }
        let id = newID()
        try useTestCgroup(id)
        let r = swiftrun(["create", "-b", bundle.path, id])
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("mounts[") && r.err.contains("ENOENT"), r.err)
        XCTAssertFalse(FileManager.default.fileExists(atPath: stateRoot + "/" + id))
        assertNoCgroup(id)
    }

    /// A confinement the host cannot apply is an error, never silently dropped.
    func testSecurityLabelsTheHostCannotApplyAreRefused() throws {
        for (key, field) in [("apparmorProfile", "process.apparmorProfile"), ("selinuxLabel", "process.selinuxLabel")] {
            try editConfig { c in
                var p = c["process"] as! [String: Any]
                p.removeValue(forKey: "apparmorProfile"); p.removeValue(forKey: "selinuxLabel")
                p[key] = "some-profile"
                c["process"] = p
            }
            let id = newID(key)
            try useTestCgroup(id)
            let r = swiftrun(["create", "-b", bundle.path, id])
            XCTAssertNotEqual(r.code, 0, "\(key) accepted")
            XCTAssertTrue(r.err.contains(field), r.err)
            XCTAssertFalse(FileManager.default.fileExists(atPath: stateRoot + "/" + id))
            assertNoCgroup(id)
        }
    }

    func testUnknownCommandAndFlag() throws {
        XCTAssertNotEqual(swiftrun(["frobnicate"]).code, 0)
        let r = swiftrun(["create", "--no-such-flag", "x"])
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("--no-such-flag"), r.err)
        // flags runc has must be accepted even when they change nothing here
        let s = swiftrun(["--systemd-cgroup=false", "--criu", "criu", "list", "-q"])
        XCTAssertEqual(s.code, 0, s.err)
    }
}
