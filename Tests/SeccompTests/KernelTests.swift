// Real kernel behaviour. A filter must never be installed in the XCTest process, so each
// check forks: the child loads the filter, makes the probed syscalls and _exits with a code;
// the parent waits (with a timeout) and inspects the status. The child runs a few Swift/C
// calls after fork(); glibc keeps malloc usable there, and nothing else is touched.
import CShim
import Glibc
import OCISpec
import XCTest

@testable import Seccomp

/// Exit code, or 128 + signal, of `body` run in a forked child; -1 on timeout (child killed).
private func inChild(timeout: Int = 10, _ body: () -> Int32) -> Int32 {
    let pid = fork()
    if pid == 0 { _exit(body()) }
    if pid < 0 { return -2 }
    var st: Int32 = 0
    for _ in 0..<(timeout * 100) {
        let r = waitpid(pid, &st, WNOHANG)
        if r == pid {
            let sig = st & 0x7f
            return sig == 0 ? (st >> 8) & 0xff : 128 + sig
        }
        usleep(10_000)
    }
    kill(pid, SIGKILL)
    waitpid(pid, &st, 0)
    return -1
}

private func loadOrExit(_ f: SeccompFilter, nnp: Bool) -> Int32? {
    if nnp && sr_prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0) != 0 { _exit(90) }
    do { return try f.load() } catch { _exit(91) }
}

final class SeccompKernelTests: XCTestCase {
    override func setUpWithError() throws {
        guard Glibc.access("/proc/self/status", R_OK) == 0 else { throw XCTSkip("no /proc") }
    }

    func testErrnoAndDefaultAction() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        cfg.syscalls = [SeccompSyscall(names: ["mkdir", "mkdirat"], action: "SCMP_ACT_ERRNO")]  // EPERM
        var r = SeccompSyscall(names: ["rmdir", "unlinkat"], action: "SCMP_ACT_ERRNO"); r.errnoRet = 38
        cfg.syscalls.append(r)
        let f = try SeccompFilter(cfg)
        for nnp in [true, false] {  // without NNP the root test process still has CAP_SYS_ADMIN
            let code = inChild {
                _ = loadOrExit(f, nnp: nnp)
                if mkdir("/tmp/swiftrun-seccomp-never", 0o700) == 0 { return 1 }
                if errno != EPERM { return 2 }
                if rmdir("/tmp/swiftrun-seccomp-never") == 0 || errno != ENOSYS { return 3 }
                return getpid() > 0 ? 0 : 4  // default ALLOW
            }
            XCTAssertEqual(code, 0, "nnp=\(nnp)")
        }
    }

    func testKillProcessAndTrap() throws {
        for (action, sig) in [("SCMP_ACT_KILL_PROCESS", SIGSYS), ("SCMP_ACT_KILL", SIGSYS), ("SCMP_ACT_TRAP", SIGSYS)] {
            var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
            cfg.syscalls = [SeccompSyscall(names: ["getppid"], action: action)]
            let f = try SeccompFilter(cfg)
            let code = inChild {
                _ = loadOrExit(f, nnp: true)
                _ = getppid()
                return 0
            }
            XCTAssertEqual(code, 128 + sig, action)
        }
    }

    func testDefaultErrnoRetAndAllowList() throws {
        // Allow-list profile like podman's: default ERRNO(ENOSYS).
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ERRNO")
        cfg.defaultErrnoRet = 38
        cfg.syscalls = [SeccompSyscall(names: ["exit_group", "exit", "getpid", "prctl"], action: "SCMP_ACT_ALLOW")]
        let f = try SeccompFilter(cfg)
        let code = inChild {
            if sr_prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0) != 0 { return 90 }
            do { _ = try f.load() } catch { fputs("load: \(error)\n", stderr); return 91 }
            if getpid() <= 0 { return 1 }
            if mkdir("/tmp/swiftrun-seccomp-never", 0o700) != -1 || errno != ENOSYS { return 2 }
            if getppid() != -ENOSYS { return 3 }  // glibc's getppid cannot fail: raw return value
            return 0
        }
        XCTAssertEqual(code, 0)
    }

    /// runc's -ENOSYS stub: with a deny-by-default profile, a syscall numbered above all the
    /// profile names gets ENOSYS (a newer libc falls back); one below gets the default action.
    func testEnosysStubForSyscallsNewerThanTheProfile() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ERRNO")   // EPERM
        cfg.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32"]
        // highest named on x86_64: exit_group (231)
        cfg.syscalls = [SeccompSyscall(names: ["exit_group", "exit", "getpid", "prctl", "rt_sigreturn", "write"],
                                       action: "SCMP_ACT_ALLOW")]
        let f = try SeccompFilter(cfg)
        XCTAssertEqual(f.enosysStubArches, 2, "x86_64 (native + x32) and x86")
        let code = inChild {
            if sr_prctl(38 /* PR_SET_NO_NEW_PRIVS */, 1, 0, 0, 0) != 0 { return 90 }
            do { _ = try f.load() } catch { fputs("load: \(error)\n", stderr); return 91 }
            if getpid() <= 0 { return 1 }
            if sr_syscall3(291 /* epoll_create1 */, 0, 0, 0) != -1 || errno != ENOSYS { return 2 }  // > 231: stub
            // x32 numbers (bit 30) have their own limit: here rt_sigreturn's x32 number, 513
            if sr_syscall3(0x4000_0000 | 600, 0, 0, 0) != -1 || errno != ENOSYS { return 4 }
            if sr_syscall3(0x4000_0000 | 300, 0, 0, 0) != -1 || errno != EPERM { return 5 }
            if mkdir("/tmp/swiftrun-seccomp-never", 0o700) != -1 || errno != EPERM { return 3 }  // 83: default
            return 0
        }
        XCTAssertEqual(code, 0)
        // No stub when the default allows or already answers ENOSYS.
        XCTAssertEqual(try SeccompFilter(SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")).enosysStubArches, 0)
        var e = SeccompConfig(defaultAction: "SCMP_ACT_ERRNO"); e.defaultErrnoRet = 38
        e.syscalls = cfg.syscalls
        XCTAssertEqual(try SeccompFilter(e).enosysStubArches, 0)
    }

    func testPodmanProfileLoads() throws {
        let f = try SeccompFilter(podmanDefaultProfile())
        let code = inChild {
            _ = loadOrExit(f, nnp: true)
            let dir = "/tmp/swiftrun-seccomp-\(getpid())"
            if mkdir(dir, 0o700) != 0 || rmdir(dir) != 0 { return 1 }        // allowed
            if acct(nil) != -1 || errno != EPERM { return 2 }                  // errnoRet 1
            if socket(16, Int32(SOCK_RAW.rawValue), 9) != -1 || errno != EINVAL { return 3 }  // netlink audit: 22
            let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)           // socket otherwise allowed
            if s < 0 { return 4 }
            if vhangup() != -1 || errno != EPERM { return 5 }
            return 0
        }
        XCTAssertEqual(code, 0)
    }

    func testArgFilters() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        // dup(1000) -> errno 99; other fds untouched.
        var d = SeccompSyscall(names: ["dup"], action: "SCMP_ACT_ERRNO"); d.errnoRet = 99
        d.args = [arg(0, 1000, "SCMP_CMP_EQ")]
        // openat with O_CREAT in flags (MASKED_EQ mask=value datum=valueTwo) -> errno 98.
        var o = SeccompSyscall(names: ["openat", "open"], action: "SCMP_ACT_ERRNO"); o.errnoRet = 98
        o.args = [arg(2, UInt64(O_CREAT), "SCMP_CMP_MASKED_EQ", UInt64(O_CREAT))]
        // Repeated index -> separate rules (OR): umask-free check with dup2's newfd 500 or 501.
        var d2 = SeccompSyscall(names: ["dup2", "dup3"], action: "SCMP_ACT_ERRNO"); d2.errnoRet = 97
        d2.args = [arg(1, 500, "SCMP_CMP_EQ"), arg(1, 501, "SCMP_CMP_EQ")]
        cfg.syscalls = [d, o, d2]
        let f = try SeccompFilter(cfg)
        XCTAssertEqual(f.ruleCount, 1 + 2 + 4)
        let code = inChild {
            _ = loadOrExit(f, nnp: true)
            if dup(1000) != -1 || errno != 99 { return 1 }
            let ok = dup(0)
            if ok < 0 { return 2 }
            if open("/proc/self/status", O_RDONLY) < 0 { return 3 }
            if open("/tmp/swiftrun-seccomp-never", O_RDWR | O_CREAT, 0o600) != -1 || errno != 98 { return 4 }
            if dup2(0, 500) != -1 || errno != 97 { return 5 }
            if dup2(0, 501) != -1 || errno != 97 { return 6 }
            if dup2(0, 502) != 502 { return 7 }
            return 0
        }
        XCTAssertEqual(code, 0)
    }

    func testFlagsLoad() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        cfg.flags = SeccompFilter.supportedFlags  // incl. WAIT_KILLABLE_RECV: no NOTIFY rule, dropped
        cfg.syscalls = [SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_LOG")]
        let f = try SeccompFilter(cfg)
        let code = inChild {
            if loadOrExit(f, nnp: false) != nil { return 1 }
            return 0
        }
        XCTAssertEqual(code, 0)
    }

    /// End to end: the child loads a NOTIFY filter on getppid, sends the listener fd to our
    /// "agent" socket with sendToListener, then calls getppid; the agent answers 4242.
    func testNotifyRoundTrip() throws {
        try notifyRoundTrip(flags: [])
    }

    func testNotifyRoundTripWaitKillable() throws {
        guard SeccompFilter.supportedFlags.contains("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") else {
            throw XCTSkip("kernel lacks SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV")
        }
        try notifyRoundTrip(flags: ["SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV", "SECCOMP_FILTER_FLAG_TSYNC"])
    }

    private func notifyRoundTrip(flags: [String]) throws {
        let path = "/tmp/swiftrun-seccomp-test-\(getpid()).sock"
        unlink(path)
        defer { unlink(path) }
        let ls = try listenUnix(path)
        defer { close(ls) }

        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        cfg.listenerPath = path
        cfg.listenerMetadata = "meta"
        cfg.flags = flags
        cfg.syscalls = [SeccompSyscall(names: ["getppid"], action: "SCMP_ACT_NOTIFY")]
        let f = try SeccompFilter(cfg)
        XCTAssertTrue(f.usesNotify)
        let state = SeccompFilter.containerProcessState(
            ociVersion: "1.2.0", pid: 7, metadata: f.listenerMetadata, stateJSON: #"{"id":"c1"}"#)

        let pid = fork()
        if pid == 0 {
            close(ls)
            guard let fd = loadOrExit(f, nnp: true), fd >= 0 else { _exit(1) }
            do { try SeccompFilter.sendToListener(path: path, fd: fd, stateJSON: state) } catch { _exit(2) }
            _exit(getppid() == 4242 ? 0 : 3)
        }
        XCTAssertGreaterThan(pid, 0)
        defer {
            var st: Int32 = 0
            kill(pid, SIGKILL)
            waitpid(pid, &st, 0)
        }
        guard let (listener, body) = try acceptFd(ls) else { return XCTFail("no connection from child") }
        defer { close(listener) }
        XCTAssertEqual(body, state)

        var pfd = pollfd(fd: listener, events: Int16(POLLIN), revents: 0)
        XCTAssertEqual(poll(&pfd, 1, 5000), 1, "no notification")
        var req: UnsafeMutablePointer<seccomp_notif>?
        var resp: UnsafeMutablePointer<seccomp_notif_resp>?
        XCTAssertEqual(seccomp_notify_alloc(&req, &resp), 0)
        defer { seccomp_notify_free(req, resp) }
        XCTAssertEqual(seccomp_notify_receive(listener, req), 0)
        XCTAssertEqual(req!.pointee.data.nr, seccomp_syscall_resolve_name("getppid"))
        XCTAssertEqual(req!.pointee.pid, UInt32(pid))
        resp!.pointee.id = req!.pointee.id
        resp!.pointee.val = 4242
        resp!.pointee.error = 0
        resp!.pointee.flags = 0
        XCTAssertEqual(seccomp_notify_respond(listener, resp), 0)

        var st: Int32 = 0
        for _ in 0..<500 where waitpid(pid, &st, WNOHANG) == 0 { usleep(10_000) }
        XCTAssertEqual(st, 0, "child status")
    }

    private func listenUnix(_ path: String) throws -> Int32 {
        let s = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        XCTAssertGreaterThanOrEqual(s, 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            for (i, b) in path.utf8.enumerated() { p[i] = b }
        }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(s, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        XCTAssertEqual(r, 0)
        XCTAssertEqual(listen(s, 4), 0)
        return s
    }

    /// Accepts one connection; returns the SCM_RIGHTS fd of the first message and the whole body.
    private func acceptFd(_ ls: Int32) throws -> (Int32, String)? {
        var pfd = pollfd(fd: ls, events: Int16(POLLIN), revents: 0)
        guard poll(&pfd, 1, 5000) == 1 else { return nil }
        let c = accept(ls, nil, nil)
        guard c >= 0 else { return nil }
        defer { close(c) }
        var buf = [UInt8](repeating: 0, count: 4096)
        var ctl = [UInt64](repeating: 0, count: 8)  // 8-byte aligned cmsg buffer
        var got = 0
        var fd: Int32 = -1
        buf.withUnsafeMutableBytes { b in
            ctl.withUnsafeMutableBytes { cb in
                var iov = iovec(iov_base: b.baseAddress, iov_len: b.count)
                var msg = msghdr()
                withUnsafeMutablePointer(to: &iov) { iovp in
                    msg.msg_iov = iovp
                    msg.msg_iovlen = 1
                    msg.msg_control = cb.baseAddress
                    msg.msg_controllen = cb.count
                    got = recvmsg(c, &msg, 0)
                }
                // struct cmsghdr { size_t len; int level; int type; } data at offset 16.
                if got > 0, msg.msg_controllen >= 20 {
                    let len = cb.load(fromByteOffset: 0, as: Int.self)
                    let level = cb.load(fromByteOffset: 8, as: Int32.self)
                    let type = cb.load(fromByteOffset: 12, as: Int32.self)
                    if len == 20, level == SOL_SOCKET, type == Int32(SCM_RIGHTS) {
                        fd = cb.load(fromByteOffset: 16, as: Int32.self)
                    }
                }
            }
        }
        guard got > 0, fd >= 0 else { return nil }
        var total = got
        while total < buf.count {  // the rest until the runtime closes the connection
            let n = buf.withUnsafeMutableBytes { read(c, $0.baseAddress! + total, $0.count - total) }
            if n <= 0 { break }
            total += n
        }
        return (fd, String(decoding: buf[0..<total], as: UTF8.self))
    }
}
