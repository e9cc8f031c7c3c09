import XCTest
@testable import OCISpec

/// Malformed configs: each must fail with exactly this one line.
final class ErrorCaseTests: XCTestCase {
    func check(_ cases: [(bytes: [UInt8], expected: String)], validate: Bool, file: StaticString = #filePath, line: UInt = #line) {
        for (i, c) in cases.enumerated() {
            let got = validate ? validateError(c.bytes, file: file, line: line) : decodeError(c.bytes)
            XCTAssertEqual(got, c.expected, "case \(i): \(String(decoding: c.bytes, as: UTF8.self))", file: file, line: line)
        }
    }

    func testDecodeErrors() {
        let P = #"{"args":["sh"],"cwd":"/""#  // process prefix, close with "}"
        check([
            (config(["linux": #"{"namespaces":[{"type":"pid"},{"type":"mount"},{"type":"nett"}]}"#]),
             #"config.json: linux.namespaces[2].type: unknown namespace "nett""#),
            (config(["process": P + #","rlimits":[{"type":"RLIMIT_NOFILE","soft":"1024","hard":1024}]}"#]),
             "config.json: process.rlimits[0].soft: expected unsigned integer, got string"),
            (config(["process": P + #","rlimits":[{"type":"RLIMIT_NOFILE","soft":-1,"hard":1024}]}"#]),
             "config.json: process.rlimits[0].soft: expected unsigned integer, got negative integer -1"),
            (config(["process": P + #","rlimits":[{"type":"RLIMIT_FOO","soft":1,"hard":1}]}"#]),
             #"config.json: process.rlimits[0].type: unknown rlimit "RLIMIT_FOO""#),
            (config(["process": P + #","rlimits":[{"type":"RLIMIT_CPU","soft":1}]}"#]),
             #"config.json: process.rlimits[0]: missing required field "hard""#),
            (config(["root": #"{"readonly":true}"#]), #"config.json: root: missing required field "path""#),
            (config(["ociVersion": nil]), #"config.json: missing required field "ociVersion""#),
            (config(["ociVersion": #""2.0.0""#]), #"config.json: ociVersion: unsupported version "2.0.0" (supported: 1.0.0 to 1.3.x)"#),
            (config(["ociVersion": #""1.4.0""#]), #"config.json: ociVersion: unsupported version "1.4.0" (supported: 1.0.0 to 1.3.x)"#),
            (config(["ociVersion": #""1.0""#]), #"config.json: ociVersion: invalid version "1.0" (not SemVer)"#),
            (config(["ociVersion": "1"]), "config.json: ociVersion: expected string, got integer 1"),
            (config(["process": #"{"args":["sh"]}"#]), #"config.json: process: missing required field "cwd""#),
            (config(["process": P + #","capabilities":{"bounding":["CAP_CHOWN",7]}}"#]),
             "config.json: process.capabilities.bounding[1]: expected string, got integer 7"),
            (config(["process": P + #","user":{"uid":4294967296}}"#]),
             "config.json: process.user.uid: value 4294967296 out of range for uint32"),
            (config(["process": P + #","user":{"additionalGids":[1,"2"]}}"#]),
             "config.json: process.user.additionalGids[1]: expected unsigned integer, got string"),
            (config(["process": P + #","terminal":"yes"}"#]), "config.json: process.terminal: expected boolean, got string"),
            (config(["process": P + #","args":"sh"}"#]), "config.json: process.args: expected array of strings, got string"),
            (config(["process": P + #","env":["A=1",2]}"#]), "config.json: process.env[1]: expected string, got integer 2"),
            (config(["process": P + #","ioPriority":{"class":"IOPRIO_CLASS_FOO"}}"#]),
             #"config.json: process.ioPriority.class: unknown ioPriority class "IOPRIO_CLASS_FOO""#),
            (config(["process": P + #","scheduler":{"policy":"SCHED_FAST"}}"#]),
             #"config.json: process.scheduler.policy: unknown scheduler policy "SCHED_FAST""#),
            (config(["process": P + #","scheduler":{"policy":"SCHED_OTHER","flags":["SCHED_FLAG_X"]}}"#]),
             #"config.json: process.scheduler.flags[0]: unknown scheduler flag "SCHED_FLAG_X""#),
            (config(["process": P + #","scheduler":{"policy":"SCHED_OTHER","nice":2147483648}}"#]),
             "config.json: process.scheduler.nice: value 2147483648 out of range for int32"),
            (config(["process": P + #","oomScoreAdj":1.5}"#]), "config.json: process.oomScoreAdj: expected integer, got number 1.5"),
            (config(["mounts": #"[{"destination":"/a"},{"type":"tmpfs"}]"#]), #"config.json: mounts[1]: missing required field "destination""#),
            (config(["mounts": #"[{"destination":"/a","options":"ro"}]"#]), "config.json: mounts[0].options: expected array of strings, got string"),
            (config(["hooks": #"{"prestart":[{"args":["x"]}]}"#]), #"config.json: hooks.prestart[0]: missing required field "path""#),
            (config(["annotations": #"{"a":1}"#]), #"config.json: annotations["a"]: expected string, got integer 1"#),
            (config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_BOGUS"}]}}"#]),
             #"config.json: linux.seccomp.syscalls[0].action: unknown seccomp action "SCMP_ACT_BOGUS""#),
            (config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":1,"op":"SCMP_CMP_XX"}]}]}}"#]),
             #"config.json: linux.seccomp.syscalls[0].args[0].op: unknown seccomp operator "SCMP_CMP_XX""#),
            (config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","architectures":["SCMP_ARCH_Z80"]}}"#]),
             #"config.json: linux.seccomp.architectures[0]: unknown seccomp architecture "SCMP_ARCH_Z80""#),
            (config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","flags":["SECCOMP_FILTER_FLAG_NOPE"]}}"#]),
             #"config.json: linux.seccomp.flags[0]: unknown seccomp flag "SECCOMP_FILTER_FLAG_NOPE""#),
            (config(["linux": #"{"seccomp":{"syscalls":[]}}"#]), #"config.json: linux.seccomp: missing required field "defaultAction""#),
            (config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":[],"action":"SCMP_ACT_ALLOW"}]}}"#]),
             "config.json: linux.seccomp.syscalls[0].names: must contain at least one syscall name"),
            (config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["x"],"action":"SCMP_ACT_ALLOW","args":[{"index":0,"value":18446744073709551616,"op":"SCMP_CMP_EQ"}]}]}}"#]),
             "config.json: linux.seccomp.syscalls[0].args[0].value: expected unsigned integer, got number 1.8446744073709552e+19"),
            (config(["linux": #"{"devices":[{"type":"x","path":"/dev/x"}]}"#]),
             #"config.json: linux.devices[0].type: unknown device type "x" (want c, b, u or p)"#),
            (config(["linux": #"{"rootfsPropagation":"rshared"}"#]),
             #"config.json: linux.rootfsPropagation: unknown rootfsPropagation "rshared""#),
            (config(["linux": #"{"personality":{"domain":"LINUX64"}}"#]),
             #"config.json: linux.personality.domain: unknown personality domain "LINUX64""#),
            (config(["linux": #"{"memoryPolicy":{"mode":"MPOL_FOO"}}"#]),
             #"config.json: linux.memoryPolicy.mode: unknown memoryPolicy mode "MPOL_FOO""#),
            (config(["linux": #"{"memoryPolicy":{"mode":"MPOL_BIND","nodes":"0","flags":["MPOL_F_X"]}}"#]),
             #"config.json: linux.memoryPolicy.flags[0]: unknown memoryPolicy flag "MPOL_F_X""#),
            (config(["linux": #"{"resources":{"hugepageLimits":[{"pageSize":"2mb","limit":1}]}}"#]),
             #"config.json: linux.resources.hugepageLimits[0].pageSize: invalid page size "2mb" (want e.g. "2MB", "1GB")"#),
            (config(["linux": #"{"resources":{"pids":{}}}"#]), #"config.json: linux.resources.pids: missing required field "limit""#),
            (config(["linux": #"{"resources":{"blockIO":{"weight":70000}}}"#]),
             "config.json: linux.resources.blockIO.weight: value 70000 out of range for uint16"),
            (config(["linux": #"{"resources":{"blockIO":{"throttleReadBpsDevice":[{"major":8,"minor":0}]}}}"#]),
             #"config.json: linux.resources.blockIO.throttleReadBpsDevice[0]: missing required field "rate""#),
            (config(["linux": #"{"resources":{"devices":[{"access":"rwm"}]}}"#]),
             #"config.json: linux.resources.devices[0]: missing required field "allow""#),
            (config(["linux": #"{"uidMappings":[{"containerID":0,"hostID":-1,"size":1}]}"#]),
             "config.json: linux.uidMappings[0].hostID: expected unsigned integer, got negative integer -1"),
            (config(["linux": #"{"sysctl":{"net.ipv4.ip_forward":1}}"#]),
             #"config.json: linux.sysctl["net.ipv4.ip_forward"]: expected string, got integer 1"#),
            (config(["linux": "[]"]), "config.json: linux: expected object, got array"),
            (Array(#"{"ociVersion":"1.0.0","#.utf8), "config.json: invalid JSON: parse error: premature EOF {\"ociVersion\":\"1.0.0\", (right here) ------^"),
        ], validate: false)
    }

    func testValidateErrors() {
        let P = #"{"args":["sh"],"cwd":"/""#
        let userns = #"{"type":"user"},{"type":"mount"}"#
        check([
            (config(["process": nil]), "config.json: process: missing (required to create a container)"),
            (config(["root": nil]), "config.json: root: missing (required on Linux)"),
            (config(["root": #"{"path":""}"#]), "config.json: root.path: must not be empty"),
            (config(["process": #"{"args":[],"cwd":"/"}"#]), "config.json: process.args: must contain at least one element"),
            (config(["process": #"{"args":["sh"],"cwd":"tmp"}"#]), #"config.json: process.cwd: must be an absolute path, got "tmp""#),
            (config(["process": P + #","rlimits":[{"type":"RLIMIT_NOFILE","soft":1,"hard":1},{"type":"RLIMIT_CORE","soft":1,"hard":1},{"type":"RLIMIT_NOFILE","soft":2,"hard":2}]}"#]),
             #"config.json: process.rlimits[2].type: duplicate rlimit "RLIMIT_NOFILE""#),
            (config(["linux": #"{"namespaces":[{"type":"pid"},{"type":"mount"},{"type":"pid"}]}"#]),
             #"config.json: linux.namespaces[2].type: duplicate namespace "pid""#),
            (config(["linux": #"{"namespaces":[{"type":"network","path":"run/netns/x"}]}"#]),
             #"config.json: linux.namespaces[0].path: must be an absolute path, got "run/netns/x""#),
            (config(["linux": #"{"namespaces":[{"type":"mount"}],"uidMappings":[{"containerID":0,"hostID":1000,"size":1}]}"#]),
             "config.json: linux.uidMappings: user namespace mappings specified, but no user namespace configured"),
            (config(["hostname": #""box""#]), "config.json: hostname: unable to set hostname without a private UTS namespace"),
            (config(["domainname": #""example.org""#]), "config.json: domainname: unable to set domainname without a private UTS namespace"),
            (config(["linux": #"{"namespaces":[{"type":"mount"}],"sysctl":{"kernel.shmmax":"1"}}"#]),
             #"config.json: linux.sysctl["kernel.shmmax"]: sysctl is not allowed in the host's ipc namespace"#),
            (config(["linux": #"{"namespaces":[{"type":"mount"}],"sysctl":{"net.ipv4.ip_forward":"1"}}"#]),
             #"config.json: linux.sysctl["net.ipv4.ip_forward"]: sysctl is not allowed in the host's network namespace"#),
            (config(["linux": #"{"namespaces":[{"type":"uts"}],"sysctl":{"kernel.hostname":"x"}}"#]),
             #"config.json: linux.sysctl["kernel.hostname"]: sysctl is not allowed as it conflicts with the "hostname" field"#),
            (config(["linux": #"{"namespaces":[{"type":"ipc"},{"type":"network"},{"type":"uts"}],"sysctl":{"vm.swappiness":"10"}}"#]),
             #"config.json: linux.sysctl["vm.swappiness"]: sysctl is not in a separate kernel namespace"#),
            (config(["linux": #"{"namespaces":[{"type":"mount"}],"timeOffsets":{"monotonic":{"secs":1}}}"#]),
             "config.json: linux.timeOffsets: time namespace is required when time offsets are specified"),
            (config(["linux": #"{"namespaces":[{"type":"time"}],"timeOffsets":{"realtime":{"secs":1}}}"#]),
             #"config.json: linux.timeOffsets["realtime"]: unknown clock (want "monotonic" or "boottime")"#),
            (config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"names":["read"],"action":"SCMP_ACT_KILL","errnoRet":1}]}}"#]),
             "config.json: linux.seccomp.syscalls[0].errnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_KILL"),
            (config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","defaultErrnoRet":1}}"#]),
             "config.json: linux.seccomp.defaultErrnoRet: only allowed with SCMP_ACT_ERRNO or SCMP_ACT_TRACE, not SCMP_ACT_ALLOW"),
            (config(["linux": #"{"seccomp":{"defaultAction":"SCMP_ACT_ALLOW","listenerMetadata":"x"}}"#]),
             "config.json: linux.seccomp.listenerMetadata: must not be set without listenerPath"),
            (config(["linux": #"{"devices":[{"type":"c","path":"dev/null","major":1,"minor":3}]}"#]),
             #"config.json: linux.devices[0].path: must be an absolute path, got "dev/null""#),
            (config(["linux": #"{"devices":[{"type":"b","path":"/dev/sda","minor":0}]}"#]),
             #"config.json: linux.devices[0]: missing required field "major" for device type "b""#),
            (config(["linux": #"{"maskedPaths":["/proc/kcore","proc/keys"]}"#]),
             #"config.json: linux.maskedPaths[1]: must be an absolute path, got "proc/keys""#),
            (config(["linux": #"{"readonlyPaths":["sys"]}"#]), #"config.json: linux.readonlyPaths[0]: must be an absolute path, got "sys""#),
            (config(["hooks": #"{"poststop":[{"path":"/bin/true"},{"path":"true"}]}"#]),
             #"config.json: hooks.poststop[1].path: must be an absolute path, got "true""#),
            (config(["hooks": #"{"createRuntime":[{"path":"/bin/true","timeout":0}]}"#]),
             "config.json: hooks.createRuntime[0].timeout: must be greater than zero, got 0"),
            (config(["mounts": #"[{"destination":"/a","uidMappings":[{"containerID":0,"hostID":1,"size":1}]}]"#]),
             "config.json: mounts[0].uidMappings: uidMappings and gidMappings must be specified together"),
            (config(["linux": "{\"namespaces\":[\(userns)],\"uidMappings\":[{\"containerID\":0,\"hostID\":1000,\"size\":0}]}"]),
             "config.json: linux.uidMappings[0].size: must be greater than zero"),
            (config(["process": P + #","ioPriority":{"class":"IOPRIO_CLASS_BE","priority":8}}"#]),
             "config.json: process.ioPriority.priority: must be between 0 and 7, got 8"),
            (config(["process": P + #","scheduler":{"policy":"SCHED_OTHER","priority":5}}"#]),
             "config.json: process.scheduler.priority: can only be specified for SCHED_FIFO or SCHED_RR policy"),
            (config(["linux": #"{"memoryPolicy":{"mode":"MPOL_BIND"}}"#]), "config.json: linux.memoryPolicy.nodes: required for mode MPOL_BIND"),
            (config(["linux": #"{"netDevices":{"eth0":{}}}"#]),
             "config.json: linux.netDevices: unable to move network devices without a private network namespace"),
            (config(["process": P + #","env":["A=1","=x"]}"#]),
             #"config.json: process.env[1]: invalid environment variable "=x" (want NAME=value)"#),
            (config(["mounts": #"[{"destination":"/a","source":"/b","options":["rbind","idmap"]}]"#]),
             "config.json: mounts[0].options: idmap requires uidMappings/gidMappings or a user namespace"),
            (config(["linux": #"{"resources":{"devices":[{"allow":true,"type":"x"}]}}"#]),
             #"config.json: linux.resources.devices[0].type: unknown device type "x" (want a, b or c)"#),
        ], validate: true)
    }

    func testValidConfigsPass() {
        XCTAssertNil(validateError(config()))
        // namespaced sysctls with the right namespaces, hostname with uts, user ns with mappings
        XCTAssertNil(validateError(config([
            "hostname": #""h""#,
            "linux": #"{"namespaces":[{"type":"ipc"},{"type":"network"},{"type":"uts"},{"type":"user"},{"type":"time"}],"uidMappings":[{"containerID":0,"hostID":1000,"size":1}],"gidMappings":[{"containerID":0,"hostID":1000,"size":1}],"sysctl":{"kernel.msgmax":"1","fs.mqueue.queues_max":"8","net.core.somaxconn":"256","kernel.domainname":"d","net/ipv4/ip_forward":"1"},"timeOffsets":{"boottime":{"secs":5}}}"#,
        ])))
        // relative mount destinations are deprecated but allowed (config.md), reported as warnings
        let rel = try! Spec.decode(config(["mounts": #"[{"destination":"data","type":"tmpfs"}]"#]))
        XCTAssertNoThrow(try rel.validate())
        XCTAssertEqual(rel.mounts[0].resolvedDestination, "/data")
        XCTAssertEqual(rel.warnings(), [#"mounts[0].destination: relative path "data" is deprecated, using "/data""#])
    }
}
