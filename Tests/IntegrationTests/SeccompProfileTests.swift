import Foundation
import XCTest

/// Docker's default seccomp profile (spec-fixtures/seccomp/docker-default.json, converted by
/// docker-to-oci.py for amd64 + Docker's default caps) and SCMP_ACT_NOTIFY end to end.
final class SeccompProfileTests: IntegrationCase {
    var fixtures: URL { Self.repo.appendingPathComponent("spec-fixtures/seccomp") }

    func dockerProfile(addCaps: String? = nil) throws -> Any {
        var url = fixtures.appendingPathComponent("docker-default.json")
        if let addCaps {
            url = tmp.appendingPathComponent("docker-plus.json")
            let r = sh("/usr/bin/python3", [fixtures.appendingPathComponent("docker-to-oci.py").path,
                                            "--add-caps", addCaps, "-o", url.path])
            XCTAssertEqual(r.code, 0, r.err)
        }
        return try JSONSerialization.jsonObject(with: Data(contentsOf: url))
    }

    func setSeccomp(_ profile: Any?) throws {
        try editConfig { c in
            var l = c["linux"] as! [String: Any]
            l["seccomp"] = profile
            c["linux"] = l
        }
    }

    func setCaps(_ caps: [String]) throws {
        try editConfig { c in
            var p = c["process"] as! [String: Any]
            p["capabilities"] = ["bounding": caps, "effective": caps, "permitted": caps]
            c["process"] = p
        }
    }

    func lines(_ r: Result) -> [String] { r.out.split(separator: "\n").map(String.init) }

    /// unshare/mount print busybox's strerror text: "Operation not permitted" (unshare) and
    /// "permission denied (are you root?)" (mount's text for EPERM/EACCES).
    static let privileged = "unshare -m true 2>&1 || echo unshare-rc=$?; mount -t tmpfs none /mnt 2>&1 && echo mount-ok || echo mount-rc=$?"

    /// (a) Default fixture caps (no CAP_SYS_ADMIN): unshare and mount are refused with EPERM,
    /// ordinary programs run, and the filter is really installed (Seccomp: 2 in status).
    func testDockerDefaultRefusesMountAndUnshare() throws {
        try setSeccomp(try dockerProfile())
        let script = Self.privileged + "; ls / >/dev/null && echo ls-ok; ps >/dev/null && echo ps-ok; sleep 0.1 && echo sleep-ok; "
            + "cat /proc/self/status >/dev/null && echo status-ok; grep '^Seccomp:' /proc/self/status | tr -d '\\t '"
        let r = try runShell(script)
        print("docker-default, default caps:\n\(r.out)")
        XCTAssertEqual(r.code, 0, r.err)
        let l = lines(r)
        XCTAssertEqual(l.count, 9, r.out + r.err)
        guard l.count == 9 else { return }
        XCTAssertTrue(l[0].contains("Operation not permitted"), l[0])  // EPERM
        XCTAssertEqual(l[1], "unshare-rc=1")
        XCTAssertTrue(l[2].contains("permission denied"), l[2])       // EPERM
        XCTAssertEqual(l[3], "mount-rc=1")
        XCTAssertEqual(Array(l[4...]), ["ls-ok", "ps-ok", "sleep-ok", "status-ok", "Seccomp:2"])
    }

    /// (b) CAP_SYS_ADMIN granted to the process: the caps alone allow unshare and mount
    /// (control), but docker-default.json was resolved for Docker's default caps, so its
    /// CAP_SYS_ADMIN-only rule (mount, unshare, setns, clone3, ...) is absent and both stay
    /// refused with the profile's defaultErrnoRet (EPERM). Re-resolving the profile with
    /// CAP_SYS_ADMIN (what Docker does for --cap-add SYS_ADMIN) allows them again.
    func testDockerDefaultIgnoresAddedSysAdminCap() throws {
        try setCaps(["CAP_SYS_ADMIN", "CAP_KILL", "CAP_AUDIT_WRITE"])
        let control = try runShell(Self.privileged + "; echo done")
        XCTAssertEqual(lines(control), ["mount-ok", "done"], control.err)

        try setSeccomp(try dockerProfile())
        let r = try runShell(Self.privileged + "; ls / >/dev/null && echo ls-ok")
        print("docker-default + CAP_SYS_ADMIN:\n\(r.out)")
        XCTAssertEqual(r.code, 0, r.err)
        let l = lines(r)
        XCTAssertEqual(l.count, 5, r.out + r.err)
        guard l.count == 5 else { return }
        XCTAssertTrue(l[0].contains("Operation not permitted"), l[0])
        XCTAssertEqual(l[1], "unshare-rc=1")
        XCTAssertTrue(l[2].contains("permission denied"), l[2])
        XCTAssertEqual(l[3], "mount-rc=1")
        XCTAssertEqual(l[4], "ls-ok")

        try setSeccomp(try dockerProfile(addCaps: "CAP_SYS_ADMIN"))
        let plus = try runShell(Self.privileged + "; echo done")
        XCTAssertEqual(lines(plus), ["mount-ok", "done"], plus.err)
    }

    /// (c) SCMP_ACT_NOTIFY through `create`: the agent at listenerPath gets the notify fd
    /// (SCM_RIGHTS) and the container process state JSON, then answers the container's
    /// mkdir with EDQUOT via SECCOMP_IOCTL_NOTIF_RECV/SEND (the read-only rootfs would
    /// otherwise give EROFS).
    func testNotifyAgentReceivesFdAndAnswersMkdir() throws {
        let sock = tmp.appendingPathComponent("agent.sock").path
        let outDir = tmp.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: outDir, withIntermediateDirectories: true)
        let stateFile = tmp.appendingPathComponent("agent-state.json").path
        let logFile = tmp.appendingPathComponent("agent.log").path
        let agent = """
            import socket, sys, os, struct, fcntl, select, time, errno
            path, state_out, log_out = sys.argv[1:4]
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM); s.bind(path); s.listen(1)
            open(path + ".ready", "w").close()
            c, _ = s.accept()
            msg, fds, flags, addr = socket.recv_fds(c, 65536, 4)
            while True:
                more = c.recv(65536)
                if not more: break
                msg += more
            open(state_out, "wb").write(msg)
            log = open(log_out, "w", buffering=1)
            log.write("fds=%d\\n" % len(fds))
            fd = fds[0]
            p = select.poll(); p.register(fd, select.POLLIN)
            end = time.time() + 20
            while time.time() < end:
                ev = p.poll(200)
                if not ev: continue
                if ev[0][1] & select.POLLIN:
                    buf = bytearray(80)
                    try:
                        fcntl.ioctl(fd, 0xc0502100, buf, True)   # SECCOMP_IOCTL_NOTIF_RECV
                    except OSError as e:
                        log.write("recv-error=%d\\n" % e.errno); continue
                    nid, pid, _fl, nr = struct.unpack_from("<QIIi", buf, 0)
                    log.write("notif nr=%d pid=%d\\n" % (nr, pid))
                    resp = bytearray(struct.pack("<QqiI", nid, 0, -errno.EDQUOT, 0))
                    try:
                        fcntl.ioctl(fd, 0xc0182101, resp, True)  # SECCOMP_IOCTL_NOTIF_SEND
                        log.write("answered\\n")
                    except OSError as e:
                        log.write("send-error=%d\\n" % e.errno)
                elif ev[0][1] & (select.POLLHUP | select.POLLERR):
                    log.write("hup\\n"); break
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        p.arguments = ["-c", agent, sock, stateFile, logFile]
        try p.run()
        defer { if p.isRunning { p.terminate() } }
        try waitFor("the seccomp agent") { FileManager.default.fileExists(atPath: sock + ".ready") }

        try setSeccomp([
            "defaultAction": "SCMP_ACT_ALLOW",
            "listenerPath": sock,
            "listenerMetadata": "swiftrun-test-metadata",
            "syscalls": [["names": ["mkdir", "mkdirat"], "action": "SCMP_ACT_NOTIFY"]],
        ])
        try editConfig { c in
            var m = c["mounts"] as! [[String: Any]]
            m.append(["destination": "/mnt", "type": "bind", "source": outDir.path, "options": ["rbind", "rw"]])
            c["mounts"] = m
        }
        try setArgs(["sh", "-c", "sleep 0.2; mkdir /tmp/x 2>/mnt/mkdir.err; echo rc=$? >/mnt/mkdir.rc"])
        let id = newID()
        try useTestCgroup(id)
        defer { swiftrun(["delete", "--force", id]) }
        let c = swiftrun(["create", "-b", bundle.path, id])
        XCTAssertEqual(c.code, 0, c.err)
        guard c.code == 0 else { return }

        // delivered during create, before start
        let st = try stateOf(id)
        let raw = (try? String(contentsOfFile: stateFile, encoding: .utf8)) ?? ""
        print("agent received: \(raw)")
        XCTAssertTrue(raw.contains("\"fds\":[\"seccompFd\"]"), raw)
        let doc = try JSONSerialization.jsonObject(with: Data(raw.utf8)) as? [String: Any] ?? [:]
        XCTAssertEqual(doc["fds"] as? [String], ["seccompFd"])
        XCTAssertEqual(doc["metadata"] as? String, "swiftrun-test-metadata")
        XCTAssertNotNil(doc["ociVersion"] as? String)
        let pid = doc["pid"] as? Int ?? -1
        XCTAssertGreaterThan(pid, 0)
        XCTAssertEqual(pid, st["pid"] as? Int)
        let state = doc["state"] as? [String: Any] ?? [:]
        XCTAssertEqual(state["id"] as? String, id)
        XCTAssertEqual(state["pid"] as? Int, pid)
        XCTAssertEqual(state["bundle"] as? String, bundle.path)
        XCTAssertNotNil(state["status"] as? String)
        XCTAssertTrue(((try? String(contentsOfFile: logFile, encoding: .utf8)) ?? "").hasPrefix("fds=1"))

        XCTAssertEqual(swiftrun(["start", id]).code, 0)
        let rcFile = outDir.appendingPathComponent("mkdir.rc").path
        try waitFor("mkdir in the container", timeout: 15) { FileManager.default.fileExists(atPath: rcFile) }
        let rc = (try? String(contentsOfFile: rcFile, encoding: .utf8)) ?? ""
        let err = (try? String(contentsOfFile: outDir.appendingPathComponent("mkdir.err").path, encoding: .utf8)) ?? ""
        let log = (try? String(contentsOfFile: logFile, encoding: .utf8)) ?? ""
        print("mkdir: \(rc) \(err)agent log:\n\(log)")
        XCTAssertEqual(rc, "rc=1\n")
        XCTAssertTrue(err.contains("Disk quota exceeded"), err)  // EDQUOT chosen by the agent, not EROFS
        XCTAssertTrue(log.contains("notif nr=83 ") || log.contains("notif nr=258 "), log)  // mkdir / mkdirat
        XCTAssertTrue(log.contains("answered"), log)
    }
}
