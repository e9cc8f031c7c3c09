// Pure-logic tests of PreparedProcess.prepare and helpers. Nothing here changes the test
// process's credentials or attributes: real-kernel checks are in the integration tests.
import XCTest
import OCISpec
@testable import ProcessSetup

final class PrepareTests: XCTestCase {
    func proc(_ edit: (inout OCISpec.Process) -> Void = { _ in }) -> OCISpec.Process {
        var p = OCISpec.Process()
        p.args = ["/bin/sh"]
        p.cwd = "/"
        p.env = ["PATH=/usr/bin:/bin"]
        edit(&p)
        return p
    }

    func prepareError(_ p: OCISpec.Process, personality: Personality? = nil, strict: Bool = false) -> String? {
        do {
            _ = try PreparedProcess.prepare(p, personality: personality, strictCapabilities: strict)
            return nil
        } catch let e as ProcessSetupError {
            return e.description
        } catch {
            return "unexpected \(error)"
        }
    }

    // MARK: tables

    func testTables() {
        XCTAssertEqual(KnownTables.capabilities.count, 41)
        XCTAssertEqual(KnownTables.capabilityNumber("CAP_CHOWN"), 0)
        XCTAssertEqual(KnownTables.capabilityNumber("CAP_SYS_ADMIN"), 21)
        XCTAssertEqual(KnownTables.capabilityNumber("CAP_SYS_RESOURCE"), 24)
        XCTAssertEqual(KnownTables.capabilityNumber("CAP_AUDIT_WRITE"), 29)
        XCTAssertEqual(KnownTables.capabilityNumber("CAP_CHECKPOINT_RESTORE"), 40)
        XCTAssertNil(KnownTables.capabilityNumber("cap_chown"))
        XCTAssertEqual(Set(KnownTables.capabilities).count, 41)
        XCTAssertEqual(OCISpec.KnownLists.rlimits.count, 16)
        XCTAssertEqual(KnownTables.rlimitNumber("RLIMIT_NOFILE"), 7)
        XCTAssertEqual(KnownTables.rlimitNumber("RLIMIT_RTTIME"), 15)
    }

    // MARK: capabilities

    func testAbsentCapabilitiesMeansAllEmpty() throws {
        let pp = try PreparedProcess.prepare(proc(), personality: nil)
        XCTAssertEqual(pp.capabilities, CapabilitySets())
        XCTAssertEqual(pp.warnings, [])
    }

    func testCapabilityMasks() throws {
        let pp = try PreparedProcess.prepare(proc {
            var c = Capabilities()
            c.bounding = ["CAP_SYS_ADMIN"]
            c.permitted = ["CAP_SYS_ADMIN", "CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
            c.effective = ["CAP_KILL"]
            c.inheritable = ["CAP_KILL"]
            c.ambient = ["CAP_KILL"]
            $0.capabilities = c
        }, personality: nil)
        XCTAssertEqual(pp.capabilities.bounding, 0x200000)
        XCTAssertEqual(pp.capabilities.permitted, 0x2020_0420)
        XCTAssertEqual(pp.capabilities.effective, 1 << 5)
        XCTAssertEqual(pp.capabilities.ambient, 1 << 5)
    }

    func testUnknownCapabilityWarnsByDefault() throws {
        let pp = try PreparedProcess.prepare(proc {
            var c = Capabilities()
            c.bounding = ["CAP_UNKNOWN", "CAP_CHOWN"]
            $0.capabilities = c
        }, personality: nil)
        XCTAssertEqual(pp.capabilities.bounding, 1)
        XCTAssertEqual(pp.warnings, ["process.capabilities.bounding: unknown capability \"CAP_UNKNOWN\" (ignored)"])
    }

    func testUnknownCapabilityStrict() {
        let p = proc {
            var c = Capabilities()
            c.bounding = ["CAP_FOO"]
            $0.capabilities = c
        }
        XCTAssertEqual(prepareError(p, strict: true), "process.capabilities.bounding: unknown capability \"CAP_FOO\"")
    }

    func testEffectiveNotPermitted() {
        let p = proc {
            var c = Capabilities()
            c.permitted = ["CAP_KILL"]
            c.effective = ["CAP_KILL", "CAP_NET_ADMIN"]
            $0.capabilities = c
        }
        XCTAssertEqual(prepareError(p), "process.capabilities.effective: CAP_NET_ADMIN is not in "
            + "process.capabilities.permitted (capset refuses an effective capability that is not permitted)")
    }

    func testAmbientNotRaisableIsWarnedAndDropped() throws {
        let pp = try PreparedProcess.prepare(proc {
            var c = Capabilities()
            c.permitted = ["CAP_KILL", "CAP_CHOWN"]
            c.inheritable = ["CAP_KILL"]
            c.ambient = ["CAP_KILL", "CAP_CHOWN"]
            $0.capabilities = c
        }, personality: nil)
        XCTAssertEqual(pp.capabilities.ambient, 1 << 5)
        XCTAssertEqual(pp.warnings, ["process.capabilities.ambient: CAP_CHOWN is not both permitted and inheritable (not raised)"])
    }

    // MARK: rlimits

    func testRlimits() throws {
        let pp = try PreparedProcess.prepare(proc {
            $0.rlimits = [Rlimit(type: "RLIMIT_NOFILE", soft: 1024, hard: 4096),
                          Rlimit(type: "RLIMIT_CORE", soft: .max, hard: .max)]
        }, personality: nil)
        XCTAssertEqual(pp.rlimits.map(\.resource), [7, 4])
        XCTAssertEqual(pp.rlimits[1].soft, UInt64.max)
    }

    func testUnknownRlimit() {
        let p = proc { $0.rlimits = [Rlimit(type: "RLIMIT_NOFILE", soft: 1, hard: 1), Rlimit(type: "RLIMIT_FOO", soft: 1, hard: 1)] }
        XCTAssertEqual(prepareError(p), "process.rlimits[1]: unknown rlimit type \"RLIMIT_FOO\"")
    }

    func testDuplicateRlimit() {
        let p = proc {
            $0.rlimits = [Rlimit(type: "RLIMIT_NOFILE", soft: 1, hard: 1), Rlimit(type: "RLIMIT_CORE", soft: 1, hard: 1),
                          Rlimit(type: "RLIMIT_NOFILE", soft: 2, hard: 2)]
        }
        XCTAssertEqual(prepareError(p), "process.rlimits[2]: duplicate rlimit type RLIMIT_NOFILE (also process.rlimits[0])")
    }

    func testRlimitSoftAboveHard() {
        let p = proc { $0.rlimits = [Rlimit(type: "RLIMIT_NOFILE", soft: .max, hard: 10)] }
        XCTAssertEqual(prepareError(p), "process.rlimits[0]: RLIMIT_NOFILE soft limit unlimited is above the hard limit 10")
    }

    // MARK: CPU lists

    func cpus(_ s: String) throws -> [Int]? {
        try PreparedProcess.parseCPUList(s, field: "f")?.cpus
    }

    func testCPUListParsing() throws {
        XCTAssertEqual(try cpus("0-3,7"), [0, 1, 2, 3, 7])
        XCTAssertEqual(try cpus("5"), [5])
        XCTAssertEqual(try cpus(" 1 , 3-4 ,"), [1, 3, 4])
        XCTAssertEqual(try cpus("2,,2"), [2])
        XCTAssertEqual(try cpus("63-65"), [63, 64, 65])
        XCTAssertEqual(try PreparedProcess.parseCPUList("64", field: "f")?.words, [0, 1])
        XCTAssertNil(try cpus(""))
    }

    func testCPUListErrors() {
        func err(_ s: String) -> String? {
            do { _ = try PreparedProcess.parseCPUList(s, field: "process.execCPUAffinity.final"); return nil } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(err("3-1"), "process.execCPUAffinity.final: invalid CPU list \"3-1\": range 3-1 is reversed")
        XCTAssertEqual(err("a"), "process.execCPUAffinity.final: invalid CPU list \"a\": \"a\" is not a CPU number")
        XCTAssertEqual(err("-1"), "process.execCPUAffinity.final: invalid CPU list \"-1\": \"\" is not a CPU number")
        XCTAssertEqual(err("+1"), "process.execCPUAffinity.final: invalid CPU list \"+1\": \"+1\" is not a CPU number")
        XCTAssertEqual(err(","), "process.execCPUAffinity.final: invalid CPU list \",\": no CPUs")
        XCTAssertEqual(err("99999"), "process.execCPUAffinity.final: invalid CPU list \"99999\": CPU 99999 is above 8191")
    }

    func testCPUAffinityInPrepare() throws {
        let pp = try PreparedProcess.prepare(proc {
            var a = CPUAffinity()
            a.initial = "0-1"
            a.final = ""
            $0.execCPUAffinity = a
        }, personality: nil)
        XCTAssertEqual(pp.cpuInitial?.cpus, [0, 1])
        XCTAssertNil(pp.cpuFinal)
    }

    // MARK: env

    func testEnvDedupLikeRunc() throws {
        let (env, home) = try PreparedProcess.prepareEnv(["ONE=two", "PATH=/bin", "ONE=", "X=1"])
        XCTAssertEqual(env, ["PATH=/bin", "ONE=", "X=1"])
        XCTAssertFalse(home)
        XCTAssertTrue(try PreparedProcess.prepareEnv(["HOME=/override"]).1)
        XCTAssertFalse(try PreparedProcess.prepareEnv(["HOME=/override", "HOME="]).1)
    }

    func testEnvErrors() {
        XCTAssertEqual(prepareError(proc { $0.env = ["A=1", "NOEQUALS"] }),
                       "process.env[1]: invalid environment variable \"NOEQUALS\": missing '='")
        XCTAssertEqual(prepareError(proc { $0.env = ["=x"] }),
                       "process.env[0]: invalid environment variable \"=x\": name is empty")
        XCTAssertEqual(prepareError(proc { $0.env = ["A=b\u{0}c"] }),
                       "process.env[0]: invalid environment variable \"A\": contains a NUL byte")
    }

    func testEnvironmentAddsHomeOnce() throws {
        // uid 4242424 has no /etc/passwd entry on the test host: HOME falls back to "/".
        let pp = try PreparedProcess.prepare(proc {
            $0.env = ["HOME=", "PATH=/usr/bin:/bin"]
            $0.user.uid = 4_242_424
        }, personality: nil)
        XCTAssertEqual(pp.environment(), ["PATH=/usr/bin:/bin", "HOME=/"])
        let kept = try PreparedProcess.prepare(proc { $0.env = ["HOME=/override"] }, personality: nil)
        XCTAssertEqual(kept.environment(), ["HOME=/override"])
    }

    func testPasswdHome() {
        let passwd = "# comment\nroot:x:0:0:root:/root:/bin/sh\nbad line\nnobody:x:65534:65534::/nonexistent:/bin/false\n"
        XCTAssertEqual(PreparedProcess.passwdHome(uid: 0, in: passwd), "/root")
        XCTAssertEqual(PreparedProcess.passwdHome(uid: 65534, in: passwd), "/nonexistent")
        XCTAssertNil(PreparedProcess.passwdHome(uid: 1000, in: passwd))
    }

    // MARK: other fields

    func testArgsAndCwd() {
        XCTAssertEqual(prepareError(proc { $0.args = [] }), "process.args: must have at least one entry")
        XCTAssertEqual(prepareError(proc { $0.cwd = "rel" }), "process.cwd: \"rel\" is not an absolute path")
    }

    func testUmaskDefault() throws {
        XCTAssertEqual(try PreparedProcess.prepare(proc(), personality: nil).umask, 0o022)
        XCTAssertEqual(try PreparedProcess.prepare(proc { $0.user.umask = 63 }, personality: nil).umask, 0o077)
    }

    func testOOMScoreAdjRange() {
        XCTAssertEqual(prepareError(proc { $0.oomScoreAdj = 1001 }), "process.oomScoreAdj: 1001 is outside [-1000, 1000]")
        XCTAssertNil(prepareError(proc { $0.oomScoreAdj = -1000 }))
    }

    func testIOPriority() throws {
        let pp = try PreparedProcess.prepare(proc { $0.ioPriority = IOPriority(class: "IOPRIO_CLASS_BE", priority: 4) },
                                             personality: nil)
        XCTAssertEqual(pp.ioPriority?.value, 2 << 13 | 4)
        XCTAssertEqual(prepareError(proc { $0.ioPriority = IOPriority(class: "IOPRIO_CLASS_X") }),
                       "process.ioPriority.class: unknown class \"IOPRIO_CLASS_X\"")
        XCTAssertEqual(prepareError(proc { $0.ioPriority = IOPriority(class: "IOPRIO_CLASS_RT", priority: 8) }),
                       "process.ioPriority.priority: 8 is outside [0, 7]")
    }

    func testScheduler() throws {
        var s = Scheduler(policy: "SCHED_DEADLINE")
        s.flags = ["SCHED_FLAG_RESET_ON_FORK"]
        s.runtime = 42000; s.deadline = 100000; s.period = 1000000
        let pp = try PreparedProcess.prepare(proc { $0.scheduler = s }, personality: nil)
        XCTAssertEqual(pp.scheduler?.policy, 6)
        XCTAssertEqual(pp.scheduler?.flags, 1)

        XCTAssertEqual(prepareError(proc { $0.scheduler = Scheduler(policy: "SCHED_FOO") }),
                       "process.scheduler.policy: unknown policy \"SCHED_FOO\"")
        var bad = Scheduler(policy: "SCHED_OTHER")
        bad.priority = 5
        XCTAssertEqual(prepareError(proc { $0.scheduler = bad }),
                       "process.scheduler.priority: only SCHED_FIFO and SCHED_RR take a priority (policy is SCHED_OTHER)")
        bad = Scheduler(policy: "SCHED_BATCH")
        bad.nice = 20
        XCTAssertEqual(prepareError(proc { $0.scheduler = bad }), "process.scheduler.nice: 20 is outside [-20, 19]")
        bad.nice = 0
        bad.flags = ["SCHED_FLAG_NOPE"]
        XCTAssertEqual(prepareError(proc { $0.scheduler = bad }), "process.scheduler.flags: unknown flag \"SCHED_FLAG_NOPE\"")
    }

    func testPersonality() throws {
        var p32 = Personality(domain: "LINUX32")
        p32.flags = ["ADDR_NO_RANDOMIZE"]
        let pp = try PreparedProcess.prepare(proc(), personality: p32)
        XCTAssertEqual(pp.personality?.value, 8)
        XCTAssertEqual(pp.warnings, ["linux.personality.flags: flag \"ADDR_NO_RANDOMIZE\" is not supported (ignored)"])
        XCTAssertEqual(prepareError(proc(), personality: Personality(domain: "LINUX64")),
                       "linux.personality.domain: unknown domain \"LINUX64\" (LINUX or LINUX32)")
    }

    func testSyscallErrorText() {
        let e = ProcessSetupError.sys("setresuid 1000", 1 /* EPERM */)
        XCTAssertEqual(e.description, "setresuid 1000: EPERM")
        XCTAssertEqual(e.errno, 1)
        let h = ProcessSetupError.sys("process.rlimits[1]: setrlimit RLIMIT_NOFILE 1048576/1048576", 1,
                                      hint: "hard limit above the runtime's; CAP_SYS_RESOURCE missing")
        XCTAssertEqual(h.description, "process.rlimits[1]: setrlimit RLIMIT_NOFILE 1048576/1048576: EPERM "
            + "(hard limit above the runtime's; CAP_SYS_RESOURCE missing)")
    }

    // MARK: executable lookup (stat/access only; safe in the test process)

    func testResolveExecutable() throws {
        let pp = try PreparedProcess.prepare(proc { $0.args = ["sh"]; $0.env = ["PATH=/nonexistent::/bin:/usr/bin"] },
                                             personality: nil)
        let found = try pp.resolveExecutable()
        XCTAssertTrue(found == "/bin/sh" || found == "/usr/bin/sh", found)

        let missing = try PreparedProcess.prepare(proc { $0.args = ["no-such-prog-xyz"] }, personality: nil)
        XCTAssertThrowsError(try missing.resolveExecutable()) {
            XCTAssertEqual("\($0)", "exec: \"no-such-prog-xyz\": executable file not found in $PATH")
        }
        let noPath = try PreparedProcess.prepare(proc { $0.args = ["sh"]; $0.env = [] }, personality: nil)
        XCTAssertThrowsError(try noPath.resolveExecutable()) {
            XCTAssertEqual("\($0)", "exec: \"sh\": executable file not found in $PATH")
        }
        let dir = try PreparedProcess.prepare(proc { $0.args = ["/etc"] }, personality: nil)
        XCTAssertThrowsError(try dir.resolveExecutable()) { XCTAssertEqual("\($0)", "exec: \"/etc\": EISDIR (is a directory)") }
        let abs = try PreparedProcess.prepare(proc { $0.args = ["/no/such"] }, personality: nil)
        XCTAssertThrowsError(try abs.resolveExecutable()) {
            XCTAssertEqual("\($0)", "exec: \"/no/such\": ENOENT (no such file or directory)")
        }
    }
}
