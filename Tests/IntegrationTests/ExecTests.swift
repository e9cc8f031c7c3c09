import Foundation
import XCTest

/// `swiftrun exec` into containers started from the busybox bundle.
final class ExecTests: IntegrationCase {
    /// A detached `sleep 100` container; returns its id and init pid.
    func startSleeper(_ name: String = #function) throws -> (id: String, pid: Int) {
        try setArgs(["sleep", "100"])
        let id = newID(name)
        try useTestCgroup(id)
        let r = swiftrun(["run", "-d", "-b", bundle.path, id])
        XCTAssertEqual(r.code, 0, r.err)
        return (id, try XCTUnwrap(try stateOf(id)["pid"] as? Int))
    }

    func lines(_ s: String) -> [String] { s.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) } }

    func testExecSeesContainerNamespacesCwdAndEnv() throws {
        let (id, _) = try startSleeper()
        let r = swiftrun(["exec", "--cwd", "/tmp", "-e", "FOO=bar", id, "sh", "-c",
                          "tr '\\0' ' ' < /proc/1/cmdline; echo; hostname; pwd; echo $FOO; echo $$; ls /bin/busybox; ps -o pid,comm"])
        XCTAssertEqual(r.code, 0, r.err)
        let l = lines(r.out)
        XCTAssertEqual(Array(l.prefix(4)), ["sleep 100", "swiftrun", "/tmp", "bar"], r.out)
        XCTAssertNotEqual(l.dropFirst(4).first, "1", "the exec'd shell must not be the pid namespace's init")
        XCTAssertTrue(l.contains("/bin/busybox"), "not in the container's rootfs: \(r.out)")
        XCTAssertTrue(l.contains { $0.hasPrefix("1 ") && $0.hasSuffix("sleep") }, "ps inside must show the init as pid 1: \(r.out)")
    }

    func testExecUserAndExitCode() throws {
        let (id, _) = try startSleeper()
        let u = swiftrun(["exec", "-u", "1000:1000", "-g", "10", id, "sh", "-c", "id -u; id -g; id -G"])
        XCTAssertEqual(u.code, 0, u.err)
        XCTAssertEqual(lines(u.out), ["1000", "1000", "1000 10"])
        XCTAssertEqual(swiftrun(["exec", id, "sh", "-c", "exit 5"]).code, 5)
    }

    func testExecMissingCommandAndBadStates() throws {
        let (id, _) = try startSleeper()
        let missing = swiftrun(["exec", id, "no-such-command"])
        XCTAssertEqual(missing.code, 255)
        XCTAssertTrue(missing.err.contains("not found"), missing.err)
        XCTAssertNotEqual(swiftrun(["exec", id]).code, 0, "a command is required")

        XCTAssertEqual(swiftrun(["pause", id]).code, 0)
        let paused = swiftrun(["exec", id, "true"])
        XCTAssertNotEqual(paused.code, 0)
        XCTAssertTrue(paused.err.contains("paused"), paused.err)
        XCTAssertEqual(swiftrun(["resume", id]).code, 0)

        XCTAssertEqual(swiftrun(["kill", id, "KILL"]).code, 0)
        try waitFor("the container to stop") { (try stateOf(id)["status"] as? String) == "stopped" }
        let stopped = swiftrun(["exec", id, "true"])
        XCTAssertNotEqual(stopped.code, 0)
        XCTAssertTrue(stopped.err.contains("cannot exec in a stopped container"), stopped.err)
        XCTAssertNotEqual(swiftrun(["exec", "no-such-container", "true"]).code, 0)
    }

    func testExecDetachPidFileJoinsNamespacesAndCgroup() throws {
        let (id, initPid) = try startSleeper()
        let pidFile = tmp.appendingPathComponent("exec.pid").path
        let r = swiftrun(["exec", "-d", "--pid-file", pidFile, id, "sleep", "50"])
        XCTAssertEqual(r.code, 0, r.err)
        let pid = try XCTUnwrap(Int(try String(contentsOfFile: pidFile, encoding: .utf8)))
        XCTAssertNotEqual(pid, initPid)
        let cmd = try String(contentsOfFile: "/proc/\(pid)/cmdline", encoding: .utf8)
        XCTAssertEqual(cmd, "sleep\u{0}50\u{0}")
        let fm = FileManager.default
        for ns in ["pid", "mnt", "net", "ipc", "uts", "cgroup"] {
            XCTAssertEqual(try fm.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/\(ns)"),
                           try fm.destinationOfSymbolicLink(atPath: "/proc/\(initPid)/ns/\(ns)"), "\(ns) namespace")
        }
        XCTAssertTrue(try String(contentsOfFile: "/proc/\(pid)/cgroup", encoding: .utf8).contains(id), "not in the container's cgroup")
        XCTAssertTrue(try fm.destinationOfSymbolicLink(atPath: "/proc/\(pid)/exe").hasSuffix("busybox"))
        let ps = swiftrun(["ps", "--format", "json", id])
        XCTAssertTrue(ps.out.contains(String(pid)), ps.out)
    }

    func testExecProcessFileAndCap() throws {
        let (id, _) = try startSleeper()
        let file = tmp.appendingPathComponent("process.json")
        try #"{"args": ["sh", "-c", "echo $X; pwd; id -u"], "env": ["PATH=/bin", "X=fromfile"], "cwd": "/etc", "user": {"uid": 7, "gid": 7}}"#
            .write(to: file, atomically: true, encoding: .utf8)
        let r = swiftrun(["exec", "--process", file.path, id])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(lines(r.out), ["fromfile", "/etc", "7"])
        try #"{"args": [], "cwd": "/"}"#.write(to: file, atomically: true, encoding: .utf8)
        let bad = swiftrun(["exec", "-p", file.path, id])
        XCTAssertNotEqual(bad.code, 0)
        XCTAssertTrue(bad.err.contains("process.json: args"), bad.err)

        // CAP_SYS_ADMIN is bit 21; the default config grants only AUDIT_WRITE, KILL, NET_BIND_SERVICE.
        let caps = swiftrun(["exec", "--cap", "CAP_SYS_ADMIN", id, "grep", "CapEff", "/proc/self/status"])
        XCTAssertEqual(caps.code, 0, caps.err)
        let eff = UInt64(caps.out.split(separator: "\t").last!.trimmingCharacters(in: .whitespacesAndNewlines), radix: 16) ?? 0
        XCTAssertNotEqual(eff & (1 << 21), 0, caps.out)
    }

    func testExecForwardsSignals() throws {
        let (id, _) = try startSleeper()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.binary)
        p.arguments = ["--root", stateRoot, "exec", id, "sleep", "100"]
        p.standardInput = FileHandle.nullDevice
        try p.run()
        waitFor("the exec'd sleep") { (try? stateOf(id)) != nil && swiftrun(["ps", "--format", "json", id]).out.split(separator: ",").count >= 2 }
        p.terminate()   // SIGTERM to swiftrun, forwarded to sleep
        p.waitUntilExit()
        XCTAssertEqual(p.terminationStatus, 143)
    }

    func testExecTerminalForegroundProxy() throws {
        let (id, _) = try startSleeper()
        let r = sh(Self.binary, ["--root", stateRoot, "exec", "-t", id, "sh"], stdin: "tty\nexit 3\n")
        XCTAssertEqual(r.code, 3, r.err)
        XCTAssertTrue(r.out.contains("/dev/pts/"), r.out)
    }

    func testExecTerminalThroughConsoleSocket() throws {
        let python = "/usr/bin/python3"
        guard FileManager.default.isExecutableFile(atPath: python) else { throw XCTSkip("no \(python)") }
        let (id, _) = try startSleeper()
        let sock = tmp.appendingPathComponent("console.sock").path
        // Receives the pty master (runc's console-socket protocol) and prints what the process writes.
        let receiver = """
            import os, socket, sys
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(sys.argv[1]); s.listen(1)
            c, _ = s.accept()
            _, fds, _, _ = socket.recv_fds(c, 64, 1)
            out = b""
            while True:
                try: b = os.read(fds[0], 4096)
                except OSError: break
                if not b: break
                out += b
            sys.stdout.write(out.decode(errors="replace"))
            """
        let outURL = tmp.appendingPathComponent("receiver.out")
        _ = FileManager.default.createFile(atPath: outURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: python)
        p.arguments = ["-c", receiver, sock]
        p.standardOutput = out
        p.standardError = out
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        waitFor("the console socket") { FileManager.default.fileExists(atPath: sock) }

        let r = swiftrun(["exec", "-t", "-d", "--console-socket", sock, id, "sh", "-c", "tty; echo hello-tty"])
        XCTAssertEqual(r.code, 0, r.err)
        waitFor("the receiver to finish") { !p.isRunning }
        try out.close()
        let text = try String(contentsOf: outURL, encoding: .utf8)
        XCTAssertTrue(text.contains("/dev/pts/"), text)
        XCTAssertTrue(text.contains("hello-tty"), text)

        // runc's terminal rules
        let noSocket = swiftrun(["exec", "-t", "-d", id, "true"])
        XCTAssertNotEqual(noSocket.code, 0)
        XCTAssertTrue(noSocket.err.contains("cannot allocate tty"), noSocket.err)
        let noTty = swiftrun(["exec", "--console-socket", sock, id, "true"])
        XCTAssertNotEqual(noTty.code, 0)
        XCTAssertTrue(noTty.err.contains("cannot use console socket"), noTty.err)
    }

    func testExecIntoUserNamespaceContainer() throws {
        try useUserNamespace()
        let (id, initPid) = try startSleeper()
        let r = swiftrun(["exec", id, "sh", "-c", "id -u; tr -s ' ' < /proc/self/uid_map; tr '\\0' ' ' < /proc/1/cmdline; echo; hostname"])
        XCTAssertEqual(r.code, 0, r.err)
        XCTAssertEqual(lines(r.out), ["0", "0 100000 65536", "sleep 100", "swiftrun"])
        let u = swiftrun(["exec", "-u", "1000:1000", id, "sh", "-c", "id -u; exit 4"])
        XCTAssertEqual(u.code, 4, u.err)
        XCTAssertEqual(lines(u.out), ["1000"])
        let pidFile = tmp.appendingPathComponent("exec.pid").path
        XCTAssertEqual(swiftrun(["exec", "-d", "--pid-file", pidFile, id, "sleep", "50"]).code, 0)
        let pid = try XCTUnwrap(Int(try String(contentsOfFile: pidFile, encoding: .utf8)))
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(pid)/ns/user"),
                       try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(initPid)/ns/user"))
    }
}
