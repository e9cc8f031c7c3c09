import Foundation
import XCTest

final class SeccompAndConsoleTests: IntegrationCase {
    /// podman's default profile (OCI form, from ../shared/examples) is enforced: with
    /// CAP_SYS_ADMIN, swapoff reaches the kernel (ENOENT) without it and is refused (EPERM,
    /// errnoRet 1) with it, while ordinary programs run. (podman's profile allows mount and
    /// unshare, leaving them to capabilities.)
    func testPodmanDefaultSeccompProfile() throws {
        let profileURL = Self.repo.deletingLastPathComponent().appendingPathComponent("shared/examples/podman-default-seccomp.json")
        guard let data = try? Data(contentsOf: profileURL) else { throw XCTSkip("no \(profileURL.path)") }
        let profile = try JSONSerialization.jsonObject(with: data)
        let script = "ls / >/dev/null && echo ls-ok; swapoff /nonexistent 2>&1 | grep -o 'Operation not permitted\\|No such file or directory' | head -1; unshare -m true && echo unshare-ok"
        try editConfig { c in
            var p = c["process"] as! [String: Any]
            let caps = ["CAP_SYS_ADMIN", "CAP_KILL", "CAP_AUDIT_WRITE"]
            p["capabilities"] = ["bounding": caps, "effective": caps, "permitted": caps]
            c["process"] = p
        }
        // control: the caps alone allow both
        let without = try runShell(script)
        XCTAssertEqual(without.out.split(separator: "\n").map(String.init), ["ls-ok", "No such file or directory", "unshare-ok"], without.err)
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            l["seccomp"] = profile
            c["linux"] = l
        }
        let with = try runShell(script)
        XCTAssertEqual(with.code, 0, with.err)
        XCTAssertEqual(with.out.split(separator: "\n").map(String.init), ["ls-ok", "Operation not permitted", "unshare-ok"], with.err)
    }

    /// create --console-socket: the pty master arrives over the socket (runc's protocol) and
    /// carries the container's terminal.
    func testCreateWithConsoleSocket() throws {
        try editConfig { c in
            var p = c["process"] as! [String: Any]
            p["terminal"] = true
            p["args"] = ["sh", "-c", "echo tty=$(tty); stty size"]
            p["consoleSize"] = ["height": 33, "width": 111]
            c["process"] = p
        }
        let sock = tmp.appendingPathComponent("console.sock").path
        let out = tmp.appendingPathComponent("console.out").path
        let receiver = """
            import socket, sys, os, time
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(sys.argv[1]); s.listen(1)
            open(sys.argv[1] + ".ready", "w").close()
            c, _ = s.accept()
            msg, fds, flags, addr = socket.recv_fds(c, 1024, 1)
            data = b""
            end = time.time() + 10
            while time.time() < end:
                try:
                    b = os.read(fds[0], 4096)
                except OSError:
                    break
                if not b: break
                data += b
            open(sys.argv[2], "wb").write(data)
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", receiver, sock, out]
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        try waitFor("the console socket receiver") { FileManager.default.fileExists(atPath: sock + ".ready") }
        let id = newID()
        try useTestCgroup(id)
        let c = swiftrun(["create", "--console-socket", sock, "-b", bundle.path, id])
        XCTAssertEqual(c.code, 0, c.err)
        XCTAssertEqual(swiftrun(["start", id]).code, 0)
        p.waitUntilExit()
        let text = (try? String(contentsOfFile: out, encoding: .utf8)) ?? ""
        XCTAssertTrue(text.contains("tty=/dev/pts/0"), text)
        XCTAssertTrue(text.contains("33 111"), text)
        XCTAssertEqual(swiftrun(["delete", "--force", id]).code, 0)
        // a terminal without a console socket cannot be detached
        let id2 = newID("nosock")
        let r = swiftrun(["create", "-b", bundle.path, id2])
        XCTAssertNotEqual(r.code, 0)
        XCTAssertTrue(r.err.contains("console socket"), r.err)
    }
}
