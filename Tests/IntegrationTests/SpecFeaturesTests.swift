import Foundation
import XCTest

final class SpecFeaturesTests: IntegrationCase {
    func testFeaturesValidatesAgainstSchema() throws {
        let r = swiftrun(["features"])
        XCTAssertEqual(r.code, 0, r.err)
        try validate(r.out, schema: "features-schema.json")
        let f = try JSONSerialization.jsonObject(with: Data(r.out.utf8)) as! [String: Any]
        let linux = try XCTUnwrap(f["linux"] as? [String: Any])
        XCTAssertEqual(Set(linux["namespaces"] as? [String] ?? []),
                       ["cgroup", "ipc", "mount", "network", "pid", "time", "user", "uts"])
    }

    func testSpecOutputRunsUnchanged() throws {
        let dir = tmp.appendingPathComponent("specbundle")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        try FileManager.default.moveItem(at: bundle.appendingPathComponent("rootfs"), to: dir.appendingPathComponent("rootfs"))
        let s = sh(Self.binary, ["spec", "--bundle", dir.path])
        XCTAssertEqual(s.code, 0, s.err)
        XCTAssertNotEqual(sh(Self.binary, ["spec", "--bundle", dir.path]).code, 0, "spec must not overwrite")
        try validate(try String(contentsOf: dir.appendingPathComponent("config.json"), encoding: .utf8), schema: "config-schema.json")
        // `runc spec` asks for a terminal running "sh": without a console socket `run` proxies
        // the pty; sh reads our input from it and its output comes back through it.
        let id = newID()
        let r = sh(Self.binary, ["--root", stateRoot, "run", "--bundle", dir.path, id],
                   stdin: "echo tty=$(tty) term=$TERM\nexit 3\n")
        XCTAssertEqual(r.code, 3, r.err)
        XCTAssertTrue(r.out.contains("tty=/dev/pts/0 term=xterm"), r.out)
    }
}
