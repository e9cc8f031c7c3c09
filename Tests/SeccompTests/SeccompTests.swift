// Building filters (no kernel filter is installed in this process).
import OCISpec
import XCTest

@testable import Seccomp

final class SeccompBuildTests: XCTestCase {
    func testPodmanProfileBuilds() throws {
        let cfg = podmanDefaultProfile()
        let f = try SeccompFilter(cfg)
        let names = cfg.syscalls.flatMap(\.names)
        XCTAssertEqual(names.count, 437)
        // libseccomp 2.5.4 (Debian) knows every name in this profile (its table reaches
        // futex_requeue, 456); newer names are skipped like runc does, see testUnknownNamesSkipped.
        XCTAssertEqual(f.skippedSyscalls, [])
        XCTAssertEqual(Set(f.skippedSyscalls).count, f.skippedSyscalls.count, "listed once each")
        // Every rule action differs from ERRNO(ENOSYS); the socket entry with args index 0 and 2
        // (distinct indices) stays one rule, so one rule per resolved name.
        XCTAssertEqual(f.redundantRules, 0)
        let resolvedNames = names.filter { !f.skippedSyscalls.contains($0) }.count
        XCTAssertEqual(f.ruleCount, resolvedNames)
        XCTAssertFalse(f.usesNotify)
        XCTAssertEqual(f.defaultAction, 0x0005_0000 | 38)
    }

    func testUnknownNamesSkipped() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ERRNO")
        cfg.syscalls = [
            SeccompSyscall(names: ["read", "mseal", "statmount", "listmount"], action: "SCMP_ACT_ALLOW"),
            SeccompSyscall(names: ["mseal", "futex_waitv", "not_a_syscall"], action: "SCMP_ACT_LOG"),
        ]
        let f = try SeccompFilter(cfg)
        XCTAssertEqual(f.skippedSyscalls, ["mseal", "statmount", "listmount", "not_a_syscall"])
        XCTAssertEqual(f.ruleCount, 2)
    }

    func testDefaultErrnoIsEPERM() throws {
        XCTAssertEqual(try SeccompFilter(SeccompConfig(defaultAction: "SCMP_ACT_ERRNO")).defaultAction, 0x0005_0001)
        XCTAssertEqual(try SeccompFilter(SeccompConfig(defaultAction: "SCMP_ACT_TRACE")).defaultAction, 0x7ff0_0001)
        XCTAssertEqual(try SeccompFilter(SeccompConfig(defaultAction: "SCMP_ACT_KILL")).defaultAction, 0)
        XCTAssertEqual(try SeccompFilter(SeccompConfig(defaultAction: "SCMP_ACT_KILL_PROCESS")).defaultAction, 0x8000_0000)
    }

    func testAllActionsAccepted() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        cfg.listenerPath = "/run/agent.sock"
        let actions = ["SCMP_ACT_KILL", "SCMP_ACT_KILL_PROCESS", "SCMP_ACT_KILL_THREAD", "SCMP_ACT_TRAP",
                       "SCMP_ACT_ERRNO", "SCMP_ACT_TRACE", "SCMP_ACT_LOG", "SCMP_ACT_NOTIFY"]
        let sys = ["mkdir", "rmdir", "chdir", "fchdir", "link", "unlink", "symlink", "rename"]
        for (a, s) in zip(actions, sys) { cfg.syscalls.append(SeccompSyscall(names: [s], action: a)) }
        var e = SeccompSyscall(names: ["chmod"], action: "SCMP_ACT_ERRNO"); e.errnoRet = 13
        cfg.syscalls.append(e)
        var t = SeccompSyscall(names: ["fchmod"], action: "SCMP_ACT_TRACE"); t.errnoRet = 7
        cfg.syscalls.append(t)
        let f = try SeccompFilter(cfg)
        XCTAssertEqual(f.ruleCount, 10)
        XCTAssertTrue(f.usesNotify)
    }

    func testNotifyDetected() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        cfg.listenerPath = "/run/agent.sock"
        cfg.syscalls = [SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO")]
        XCTAssertFalse(try SeccompFilter(cfg).usesNotify)
        cfg.syscalls.append(SeccompSyscall(names: ["no_such_call_xyz"], action: "SCMP_ACT_NOTIFY"))
        XCTAssertFalse(try SeccompFilter(cfg).usesNotify, "only unknown names: no notify rule added")
        cfg.syscalls.append(SeccompSyscall(names: ["mkdirat", "chmod"], action: "SCMP_ACT_NOTIFY"))
        let f = try SeccompFilter(cfg)
        XCTAssertTrue(f.usesNotify)
        XCTAssertEqual(f.skippedSyscalls, ["no_such_call_xyz"])
        XCTAssertEqual(f.ruleCount, 3)
    }

    func testRedundantRulesSkipped() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ERRNO")
        var a = SeccompSyscall(names: ["mkdir", "rmdir"], action: "SCMP_ACT_ERRNO"); a.errnoRet = 1  // == default
        var b = SeccompSyscall(names: ["chdir"], action: "SCMP_ACT_ERRNO"); b.errnoRet = 2
        cfg.syscalls = [a, b, SeccompSyscall(names: ["getpid"], action: "SCMP_ACT_ALLOW")]
        let f = try SeccompFilter(cfg)
        XCTAssertEqual(f.redundantRules, 2)
        XCTAssertEqual(f.ruleCount, 2)
    }

    func testArgs() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        // Same index twice: one rule per condition (runc).
        var s = SeccompSyscall(names: ["personality"], action: "SCMP_ACT_ERRNO")
        s.args = [arg(0, 1, "SCMP_CMP_EQ"), arg(0, 2, "SCMP_CMP_EQ")]
        // Distinct indices: one rule, conditions ANDed; MASKED_EQ: value = mask, valueTwo = datum.
        var o = SeccompSyscall(names: ["openat"], action: "SCMP_ACT_ERRNO")
        o.args = [arg(2, 0o100, "SCMP_CMP_MASKED_EQ", 0o100), arg(3, 0o777, "SCMP_CMP_LE")]
        var all = SeccompSyscall(names: ["dup3"], action: "SCMP_ACT_LOG")
        all.args = ["SCMP_CMP_NE", "SCMP_CMP_LT", "SCMP_CMP_LE", "SCMP_CMP_EQ", "SCMP_CMP_GE", "SCMP_CMP_GT"]
            .enumerated().map { arg(UInt32($0.offset), 5, $0.element) }
        cfg.syscalls = [s, o, all]
        let f = try SeccompFilter(cfg)
        XCTAssertEqual(f.ruleCount, 4)
    }

    func testArchitectures() throws {
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        cfg.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64"]
        cfg.syscalls = [SeccompSyscall(names: ["mkdir", "_llseek"], action: "SCMP_ACT_ERRNO")]
        let f = try SeccompFilter(cfg)
        XCTAssertEqual(f.skippedSyscalls, [])
        XCTAssertTrue(SeccompFilter.supportedArchitectures.contains("SCMP_ARCH_X86_64"))
        XCTAssertFalse(SeccompFilter.supportedArchitectures.contains("SCMP_ARCH_LOONGARCH64"))
    }

    // MARK: errors name the field

    private func error(_ cfg: SeccompConfig) -> String {
        do {
            _ = try SeccompFilter(cfg)
            return "no error"
        } catch let e as SeccompError {
            return e.description
        } catch {
            return "unexpected \(error)"
        }
    }

    private func with(_ body: (inout SeccompConfig) -> Void) -> SeccompConfig {
        var c = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        body(&c)
        return c
    }

    func testErrors() {
        XCTAssertEqual(error(SeccompConfig(defaultAction: "SCMP_ACT_FOO")),
                       "linux.seccomp.defaultAction: unknown action \"SCMP_ACT_FOO\"")
        XCTAssertEqual(error(SeccompConfig(defaultAction: "SCMP_ACT_NOTIFY")),
                       "linux.seccomp.defaultAction: SCMP_ACT_NOTIFY cannot be used as default action")
        XCTAssertEqual(error(with { $0.defaultErrnoRet = 5 }),
                       "linux.seccomp.defaultErrnoRet: errnoRet is not supported by action SCMP_ACT_ALLOW")
        XCTAssertEqual(error(with {
            $0.syscalls = Array(repeating: SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO"), count: 3)
                + [SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_FOO")]
        }), "linux.seccomp.syscalls[3].action: unknown action \"SCMP_ACT_FOO\"")
        XCTAssertEqual(error(with {
            var s = SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_KILL"); s.errnoRet = 1
            $0.syscalls = [s]
        }), "linux.seccomp.syscalls[0].errnoRet: errnoRet is not supported by action SCMP_ACT_KILL")
        XCTAssertEqual(error(with {
            var s = SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO"); s.errnoRet = 70000
            $0.syscalls = [s]
        }), "linux.seccomp.syscalls[0].errnoRet: 70000 out of range (0-65535)")
        XCTAssertEqual(error(with {
            var s = SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO")
            s.args = [arg(0, 1, "SCMP_CMP_EQ"), arg(1, 1, "SCMP_CMP_FOO")]
            $0.syscalls = [s]
        }), "linux.seccomp.syscalls[0].args[1].op: unknown operator \"SCMP_CMP_FOO\"")
        XCTAssertEqual(error(with {
            var s = SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_ERRNO")
            s.args = [arg(6, 1, "SCMP_CMP_EQ")]
            $0.syscalls = [s]
        }), "linux.seccomp.syscalls[0].args[0].index: 6 out of range (0-5)")
        XCTAssertEqual(error(with { $0.architectures = ["SCMP_ARCH_X86", "SCMP_ARCH_FOO"] }),
                       "linux.seccomp.architectures[1]: unknown architecture \"SCMP_ARCH_FOO\"")
        XCTAssertEqual(error(with { $0.architectures = ["SCMP_ARCH_LOONGARCH64"] }),
                       "linux.seccomp.architectures[0]: architecture SCMP_ARCH_LOONGARCH64 is not supported by libseccomp 2.5.4")
        XCTAssertEqual(error(with { $0.flags = ["SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_FOO"] }),
                       "linux.seccomp.flags[1]: unknown flag \"SECCOMP_FILTER_FLAG_FOO\"")
        XCTAssertEqual(error(with {
            $0.listenerPath = "/run/agent.sock"
            $0.syscalls = [SeccompSyscall(names: ["read", "write"], action: "SCMP_ACT_NOTIFY")]
        }), "linux.seccomp.syscalls[0].names: SCMP_ACT_NOTIFY cannot be used for the write syscall")
        XCTAssertEqual(error(with { $0.syscalls = [SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_NOTIFY")] }),
                       "linux.seccomp.listenerPath: required when SCMP_ACT_NOTIFY is used")
        XCTAssertEqual(error(with { $0.listenerMetadata = "x" }),
                       "linux.seccomp.listenerMetadata: must not be set without listenerPath")
    }

    // MARK: flags

    func testSupportedFlags() throws {
        let flags = SeccompFilter.supportedFlags
        print("seccomp supportedFlags: \(flags); actions: \(SeccompFilter.supportedActions); libseccomp \(SeccompFilter.libseccompVersion)")
        for f in ["SECCOMP_FILTER_FLAG_TSYNC", "SECCOMP_FILTER_FLAG_LOG", "SECCOMP_FILTER_FLAG_SPEC_ALLOW"] {
            XCTAssertTrue(flags.contains(f), f)  // kernel >= 4.17, libseccomp 2.5.4
        }
        var cfg = SeccompConfig(defaultAction: "SCMP_ACT_ALLOW")
        cfg.flags = flags
        XCTAssertNoThrow(try SeccompFilter(cfg))
        XCTAssertEqual(SeccompFilter.supportedOperators.count, 7)
        XCTAssertTrue(SeccompFilter.supportedActions.contains("SCMP_ACT_NOTIFY"))
    }

    // MARK: container process state

    func testContainerProcessState() {
        let s = SeccompFilter.containerProcessState(
            ociVersion: "1.2.0", pid: 4422, metadata: "MKNOD=/dev/null;\"q\"",
            stateJSON: #"{"ociVersion":"1.2.0","id":"c1","status":"creating","pid":4422,"bundle":"/b"}"#)
        XCTAssertEqual(s, #"{"ociVersion":"1.2.0","fds":["seccompFd"],"pid":4422,"metadata":"MKNOD=/dev/null;\"q\"","#
            + #""state":{"ociVersion":"1.2.0","id":"c1","status":"creating","pid":4422,"bundle":"/b"}}"#)
        XCTAssertFalse(SeccompFilter.containerProcessState(ociVersion: "1.2.0", pid: 1, metadata: nil, stateJSON: "{}")
            .contains("metadata"))
    }

    func testSendToListenerErrors() {
        XCTAssertThrowsError(try SeccompFilter.sendToListener(path: "/nonexistent/dir/agent.sock", fd: 0, stateJSON: "{}")) {
            XCTAssertEqual("\($0)", "linux.seccomp.listenerPath /nonexistent/dir/agent.sock: connect: ENOENT")
        }
        let long = "/tmp/" + String(repeating: "x", count: 120)
        XCTAssertThrowsError(try SeccompFilter.sendToListener(path: long, fd: 0, stateJSON: "{}")) {
            XCTAssertTrue("\($0)".hasSuffix("socket path length: ENAMETOOLONG"), "\($0)")
        }
    }
}
