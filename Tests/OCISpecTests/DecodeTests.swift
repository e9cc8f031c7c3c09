import XCTest
@testable import OCISpec

final class DecodeTests: XCTestCase {
    func testPodmanExample() throws {
        let bytes = try readBytes(examplesDir + "/podman-4.3.1-run-it-config.json")
        let s = try Spec.decode(bytes)
        try s.validate()
        XCTAssertEqual(s.ociVersion, "1.0.2-dev")
        let p = try XCTUnwrap(s.process)
        XCTAssertEqual(p.args, ["sh"])
        XCTAssertTrue(p.terminal)
        XCTAssertEqual(p.user.umask, 18)
        XCTAssertEqual(p.capabilities?.bounding?.count, 11)
        XCTAssertNil(p.capabilities?.inheritable)
        XCTAssertEqual(p.rlimits, [Rlimit(type: "RLIMIT_NOFILE", soft: 1024, hard: 1024),
                                   Rlimit(type: "RLIMIT_NPROC", soft: 1024, hard: 1024)])
        XCTAssertEqual(s.mounts.count, 11)
        XCTAssertEqual(s.mounts[3].options, ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"])
        let l = try XCTUnwrap(s.linux)
        XCTAssertEqual(l.resources?.pids?.limit, 2048)
        XCTAssertEqual(l.resources?.devices.first?.allow, false)
        let sc = try XCTUnwrap(l.seccomp)
        XCTAssertEqual(sc.defaultAction, "SCMP_ACT_ERRNO")
        XCTAssertGreaterThan(sc.syscalls.count, 10)
        XCTAssertTrue(sc.syscalls.contains { $0.args.contains { $0.op == "SCMP_CMP_MASKED_EQ" || $0.op == "SCMP_CMP_EQ" } })
        // round trip
        XCTAssertEqual(try Spec.decode(Array(s.encoded().serialized().utf8)), s)
    }

    func testDefaultSpecDecodesAndValidates() throws {
        for rootless in [false, true] {
            let text = DefaultSpec.json(rootless: rootless)
            let s = try Spec.decode(Array(text.utf8))
            try s.validate()
            XCTAssertEqual(s, DefaultSpec.spec(rootless: rootless))
            XCTAssertEqual(s.process?.capabilities?.bounding, ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"])
            XCTAssertEqual(s.hostname, "swiftrun")
            XCTAssertEqual(s.root, Root(path: "rootfs", readonly: true))
            XCTAssertTrue(text.hasPrefix("{\n\t\"ociVersion\": \"1.2.0\",\n\t\"process\": {\n\t\t\"terminal\": true,"), text)
            let l = try XCTUnwrap(s.linux)
            XCTAssertEqual(l.maskedPaths.count, 10)
            XCTAssertEqual(l.readonlyPaths, ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"])
            if rootless {
                XCTAssertEqual(l.namespaces.map(\.type), [.pid, .ipc, .uts, .mount, .cgroup, .user])
                XCTAssertEqual(l.uidMappings.first?.size, 1)
                XCTAssertNil(l.resources)
                XCTAssertEqual(s.mounts.first { $0.destination == "/sys" }?.options, ["rbind", "nosuid", "noexec", "nodev", "ro"])
                XCTAssertFalse(s.mounts.contains { $0.options.contains("gid=5") })
            } else {
                XCTAssertEqual(l.namespaces.map(\.type), [.pid, .network, .ipc, .uts, .mount, .cgroup])
            }
        }
    }

    func testDefaultSpecAgainstConfigSchema() throws {
        XCTAssertEqual(try schemaErrors(DefaultSpec.json(), schema: "config-schema.json"), [])
    }

    /// Every field set: encode → text → decode gives the same Spec, and the output passes the schema.
    func testFullRoundTrip() throws {
        let s = fullSpec()
        let text = s.encoded().serialized(pretty: true)
        let back = try Spec.decode(Array(text.utf8))
        XCTAssertEqual(back, s)
        XCTAssertEqual(back.encoded(), s.encoded())
        try back.validate()
        XCTAssertEqual(try schemaErrors(text, schema: "config-schema.json"), [])
    }

    func testLargeSeccompValuesRoundTrip() throws {
        let bytes = config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["personality"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551615,"valueTwo":9223372036854775808,"op":"SCMP_CMP_MASKED_EQ"}]}]}}"#])
        let s = try Spec.decode(bytes)
        let arg = try XCTUnwrap(s.linux?.seccomp?.syscalls.first?.args.first)
        XCTAssertEqual(arg.value, UInt64.max)
        XCTAssertEqual(arg.valueTwo, 1 << 63)
        let text = s.encoded().serialized()
        XCTAssertTrue(text.contains(#""value":18446744073709551615,"valueTwo":9223372036854775808"#), text)
        XCTAssertEqual(try Spec.decode(Array(text.utf8)), s)
    }

    func testUnknownKeysIgnoredAndVersions() throws {
        let extra = config(["solaris": #"{"milestone":"x"}"#, "windows": "{}", "vm": #"{"hypervisor":{}}"#,
                            "custom": "[1,2]", "linux": #"{"futureField":true,"namespaces":[{"type":"mount"}]}"#])
        XCTAssertNil(decodeError(extra))
        for v in ["1.0.0", "1.0.2-dev", "1.1.0-rc.1", "1.2.1", "1.3.0", "1.3.7+dev"] {
            XCTAssertNil(decodeError(config(["ociVersion": "\"\(v)\""])), v)
        }
    }

    func testNullMeansAbsent() throws {
        let s = try Spec.decode(config(["hostname": "null", "mounts": "null", "process": #"{"args":["sh"],"cwd":"/","env":null,"capabilities":null}"#]))
        XCTAssertNil(s.hostname)
        XCTAssertEqual(s.mounts, [])
        XCTAssertNil(s.process?.capabilities)
    }

    func testFileNameInErrors() {
        XCTAssertThrowsError(try Spec.decode(Array("[]".utf8), file: "/b/config.json")) { e in
            XCTAssertEqual("\(e)", "/b/config.json: expected object, got array")
        }
    }
}

func fullSpec() -> Spec {
    var s = Spec()
    s.ociVersion = "1.3.0"
    var p = OCISpec.Process()
    p.terminal = true
    p.consoleSize = ConsoleSize(height: 24, width: 80)
    p.user.uid = 1000; p.user.gid = 1000; p.user.umask = 0o22; p.user.additionalGids = [5, 10]; p.user.username = "u"
    p.args = ["/bin/sh", "-c", "echo \"hi\"\n"]
    p.env = ["PATH=/bin", "X=ü"]
    p.cwd = "/work"
    var c = Capabilities()
    c.bounding = ["CAP_CHOWN", "CAP_CHECKPOINT_RESTORE"]; c.effective = []; c.inheritable = ["CAP_KILL"]
    c.permitted = ["CAP_CHOWN"]; c.ambient = ["CAP_BPF"]
    p.capabilities = c
    p.rlimits = [Rlimit(type: "RLIMIT_NOFILE", soft: 1024, hard: UInt64.max), Rlimit(type: "RLIMIT_CORE", soft: 0, hard: 0)]
    p.noNewPrivileges = true
    p.apparmorProfile = "unconfined"
    p.oomScoreAdj = -500
    p.selinuxLabel = "system_u:system_r:container_t:s0"
    p.ioPriority = IOPriority(class: "IOPRIO_CLASS_BE", priority: 4)
    var sch = Scheduler(policy: "SCHED_DEADLINE")
    sch.nice = -5; sch.flags = ["SCHED_FLAG_RESET_ON_FORK"]; sch.runtime = 10; sch.deadline = 20; sch.period = 30
    p.scheduler = sch
    var aff = CPUAffinity(); aff.initial = "0-3,7"; aff.final = "1"
    p.execCPUAffinity = aff
    s.process = p
    s.root = Root(path: "/var/lib/rootfs", readonly: true)
    s.hostname = "h"; s.domainname = "example.org"
    var m = Mount(destination: "/data", type: "none", source: "/srv", options: ["rbind", "idmap"])
    m.uidMappings = [IDMapping(containerID: 0, hostID: 100000, size: 65536)]
    m.gidMappings = [IDMapping(containerID: 0, hostID: 100000, size: 65536)]
    s.mounts = [Mount(destination: "/proc", type: "proc", source: "proc"), m]
    var h = Hooks()
    var hk = Hook(path: "/usr/bin/hook"); hk.args = ["hook", "a"]; hk.env = ["A=1"]; hk.timeout = 5
    h.prestart = [hk]; h.createRuntime = [hk]; h.createContainer = [hk]; h.startContainer = [Hook(path: "/x")]
    h.poststart = [hk]; h.poststop = [hk]
    s.hooks = h
    s.annotations = ["org.example.a": "1", "b": ""]
    var l = Linux()
    l.namespaces = NamespaceType.allCases.map { Namespace(type: $0) }
    l.namespaces[0].path = "/proc/1/ns/pid"
    l.uidMappings = [IDMapping(containerID: 0, hostID: 1000, size: 1)]
    l.gidMappings = [IDMapping(containerID: 0, hostID: 1000, size: 1)]
    var t = TimeOffset(); t.secs = -10; t.nanosecs = 5
    l.timeOffsets = ["monotonic": t, "boottime": TimeOffset()]
    var d = Device(type: "c", path: "/dev/fuse"); d.major = 10; d.minor = 229; d.fileMode = 438; d.uid = 0; d.gid = 0
    l.devices = [d, Device(type: "p", path: "/dev/fifo")]
    var nd = NetDevice(); nd.name = "eth1"
    l.netDevices = ["dummy0": nd, "dummy1": NetDevice()]
    l.cgroupsPath = "/swiftrun/c1"
    var r = Resources()
    var rule = DeviceCgroupRule(allow: true); rule.type = "c"; rule.major = 1; rule.minor = -1; rule.access = "rwm"
    r.devices = [DeviceCgroupRule(allow: false), rule]
    var mem = MemoryResources()
    mem.limit = 1 << 30; mem.reservation = 1 << 29; mem.swap = -1; mem.kernel = 0; mem.kernelTCP = 0
    mem.swappiness = 60; mem.disableOOMKiller = false; mem.useHierarchy = true; mem.checkBeforeUpdate = true
    r.memory = mem
    var cpu = CPUResources()
    cpu.shares = 1024; cpu.quota = -1; cpu.burst = 0; cpu.period = 100000; cpu.realtimeRuntime = 0
    cpu.realtimePeriod = 0; cpu.cpus = "0-1"; cpu.mems = "0"; cpu.idle = 1
    r.cpu = cpu
    r.pids = PidsResources(limit: -1)
    var bio = BlockIOResources()
    bio.weight = 500; bio.leafWeight = 300
    var wd = BlockIODevice(major: 8, minor: 0); wd.weight = 100
    bio.weightDevice = [wd]
    var td = BlockIODevice(major: 8, minor: 16); td.rate = 1 << 20
    bio.throttleReadBpsDevice = [td]; bio.throttleWriteBpsDevice = [td]
    bio.throttleReadIOPSDevice = [td]; bio.throttleWriteIOPSDevice = [td]
    r.blockIO = bio
    r.hugepageLimits = [HugepageLimit(pageSize: "2MB", limit: 1 << 21)]
    var net = NetworkResources(); net.classID = 0x100001; net.priorities = [("eth0", 5)]
    r.network = net
    var rd = RdmaLimit(); rd.hcaHandles = 3; rd.hcaObjects = 10000
    r.rdma = ["mlx5_1": rd]
    r.unified = ["memory.high": "max"]
    l.resources = r
    l.rootfsPropagation = "slave"
    var sc = SeccompConfig(defaultAction: "SCMP_ACT_ERRNO")
    sc.defaultErrnoRet = 1
    sc.architectures = ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86"]
    sc.flags = ["SECCOMP_FILTER_FLAG_LOG"]
    sc.listenerPath = "/run/seccomp.sock"; sc.listenerMetadata = "meta"
    var call = SeccompSyscall(names: ["getcwd", "chmod"], action: "SCMP_ACT_ERRNO")
    call.errnoRet = 38
    call.args = [SeccompArg(index: 1, value: UInt64.max, op: "SCMP_CMP_MASKED_EQ")]
    call.args[0].valueTwo = 7
    sc.syscalls = [call, SeccompSyscall(names: ["mkdir"], action: "SCMP_ACT_NOTIFY")]
    l.seccomp = sc
    l.sysctl = ["net.ipv4.ip_forward": "1", "kernel.shmmax": "1000", "fs.mqueue.msg_max": "10"]
    l.maskedPaths = ["/proc/kcore"]
    l.readonlyPaths = ["/proc/sys"]
    l.mountLabel = "system_u:object_r:svirt_sandbox_file_t:s0:c715,c811"
    l.personality = Personality(domain: "LINUX32")
    var rdt = IntelRdt(); rdt.closID = "g"; rdt.l3CacheSchema = "L3:0=7f0"; rdt.memBwSchema = "MB:0=20"
    rdt.schemata = ["L2:0=f"]; rdt.enableMonitoring = true
    l.intelRdt = rdt
    var mp = MemoryPolicy(mode: "MPOL_INTERLEAVE"); mp.nodes = "2-3"; mp.flags = ["MPOL_F_STATIC_NODES"]
    l.memoryPolicy = mp
    s.linux = l
    return s
}
