// Seccomp policy on libseccomp (config-linux.md "Seccomp").
//
// Two phases, like runc:
//  1. `SeccompFilter(config)` in the runtime BEFORE fork: every name is resolved and every rule
//     is added to a libseccomp context, so all config errors surface early, naming the field.
//  2. `load()` in the container init, as late as possible.
//
// Ordering in the init (runc's standard_init_linux.go does the same):
//  * We set SCMP_FLTATR_CTL_NNP = 0: libseccomp must not set no_new_privs on its own; the runtime
//    does that itself when process.noNewPrivileges asks for it.
//  * Without no_new_privs the kernel only lets a task with CAP_SYS_ADMIN (in its user namespace)
//    install a filter. So:
//      - noNewPrivileges == true:  load() after prctl(PR_SET_NO_NEW_PRIVS), just before execve,
//        after capabilities/uid/gid have been dropped (fewest syscalls run under the filter).
//      - noNewPrivileges == false: load() BEFORE dropping capabilities and switching uid/gid
//        (the init still has CAP_SYS_ADMIN then); the filter must then allow what the init
//        still does afterwards (capset, setresuid, setgroups, prctl, execve, ...). runc does this.
//  * With SCMP_ACT_NOTIFY, load() returns the listener fd (O_CLOEXEC, set by the kernel). The init
//    must hand it to the runtime before execve; the runtime then calls `sendToListener`. Syscalls
//    the init makes between load() and execve must not be NOTIFY targets (nobody could answer yet):
//    "write" is rejected like runc; sendmsg/recvmsg/close are the caller's responsibility.

import CShim
import Glibc
import OCISpec

/// A seccomp configuration or load error. Names the config field (or the failing call):
/// `linux.seccomp.syscalls[3].action: unknown action "SCMP_ACT_FOO"`, `seccomp_load: EINVAL`.
public struct SeccompError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }

    static func call(_ what: String, _ rc: Int32) -> SeccompError {
        SeccompError("\(what): \(errnoName(rc < 0 ? -rc : rc))")
    }
}

func errnoName(_ e: Int32) -> String { String(cString: sr_errno_name(e)) }

public final class SeccompFilter: CustomStringConvertible {
    private let ctx: scmp_filter_ctx
    /// The exported program when libseccomp 2.5 cannot load it itself (WAIT_KILLABLE_RECV).
    private var rawProgram: [UInt8]?
    private var rawFlags: UInt32 = 0
    private var loaded = false

    /// Names resolved by neither libseccomp nor the kernel headers it knows (newer syscalls);
    /// each listed once, in config order. runc skips them the same way.
    public private(set) var skippedSyscalls: [String] = []
    /// Number of libseccomp rules added (one per syscall name, more when an entry repeats an
    /// argument index and is split like runc does).
    public private(set) var ruleCount = 0
    /// Rules skipped because their action equals the default action (per syscall name).
    public private(set) var redundantRules = 0
    /// Architectures the -ENOSYS stub covers (0: no stub; EnosysStub.swift).
    public private(set) var enosysStubArches = 0
    /// Some added rule uses SCMP_ACT_NOTIFY: load() returns a listener fd.
    public private(set) var usesNotify = false
    /// The resolved default action (SCMP_ACT_* value with errno data).
    public let defaultAction: UInt32
    public let listenerPath: String?
    public let listenerMetadata: String?

    /// Build the libseccomp context (in the runtime, before fork). Unknown syscall names are
    /// skipped and listed in `skippedSyscalls`; everything else that is wrong throws.
    public init(_ config: SeccompConfig) throws {
        let f = "linux.seccomp"
        if config.defaultAction == "SCMP_ACT_NOTIFY" {
            throw SeccompError("\(f).defaultAction: SCMP_ACT_NOTIFY cannot be used as default action")
        }
        let def = try Actions.resolve(config.defaultAction, errnoRet: config.defaultErrnoRet,
                                      field: "\(f).defaultAction", errnoField: "\(f).defaultErrnoRet")
        if let m = config.listenerMetadata, !m.isEmpty, (config.listenerPath ?? "").isEmpty {
            throw SeccompError("\(f).listenerMetadata: must not be set without listenerPath")
        }
        guard let ctx = seccomp_init(def) else {
            throw SeccompError("\(f).defaultAction: seccomp_init(\(config.defaultAction)) failed")
        }
        self.ctx = ctx
        self.defaultAction = def
        self.listenerPath = config.listenerPath
        self.listenerMetadata = config.listenerMetadata
        // From here on deinit releases ctx.

        var rc = seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 0)
        if rc < 0 { throw SeccompError.call("seccomp_attr_set(SCMP_FLTATR_CTL_NNP)", rc) }
        // Kernel errno from seccomp_load instead of libseccomp's generic -ECANCELED (best effort).
        _ = seccomp_attr_set(ctx, SCMP_FLTATR_API_SYSRAWRC, 1)

        var archTokens: [UInt32] = []
        for (i, name) in config.architectures.enumerated() {
            let token = try Arches.resolve(name, field: "\(f).architectures[\(i)]")
            archTokens.append(token)
            rc = seccomp_arch_add(ctx, token)
            if rc < 0 && rc != -EEXIST {  // EEXIST: the native arch, always present
                throw SeccompError.call("\(f).architectures[\(i)]: seccomp_arch_add(\(name))", rc)
            }
        }

        let wantWaitKill = try applyFlags(config.flags, field: "\(f).flags")

        var skipped = Set<String>()
        for (i, sc) in config.syscalls.enumerated() {
            try addRules(sc, field: "\(f).syscalls[\(i)]", skipped: &skipped)
        }

        if usesNotify && (config.listenerPath ?? "").isEmpty {
            throw SeccompError("\(f).listenerPath: required when SCMP_ACT_NOTIFY is used")
        }
        let stub = EnosysStub.applies(defaultAction: def)
            ? EnosysStub.arches(native: seccomp_arch_native(), archTokens: archTokens,
                                names: config.syscalls.flatMap(\.names))
            : []
        enosysStubArches = stub.count
        if (wantWaitKill && usesNotify) || !stub.isEmpty {
            // Export the program and install it with seccomp(2) ourselves (as crun always
            // does): libseccomp 2.5.4 has no SCMP_FLTATR_CTL_WAITKILL, and cannot add the stub.
            var buf: UnsafeMutableRawPointer?
            var len = 0
            rc = sr_seccomp_export(ctx, &buf, &len)
            if rc < 0 { throw SeccompError.call("seccomp_export_bpf", rc) }
            defer { free(buf) }
            if !stub.isEmpty {
                rc = stub.withUnsafeBufferPointer { sr_seccomp_prepend_enosys(&buf, &len, $0.baseAddress, Int32($0.count)) }
                if rc < 0 { throw SeccompError.call("seccomp: ENOSYS stub", rc) }
            }
            rawProgram = Array(UnsafeRawBufferPointer(start: buf, count: len))
            if usesNotify { rawFlags |= Flags.newListener }
            if wantWaitKill && usesNotify { rawFlags |= Flags.waitKillableRecv }
            if usesNotify && rawFlags & Flags.tsync != 0 { rawFlags |= Flags.tsyncESRCH }
        }
        // WAIT_KILLABLE_RECV without any NOTIFY rule: nothing to wait on; the kernel rejects
        // the flag without NEW_LISTENER, so it is dropped (libseccomp 2.6 does the same).
    }

    deinit { seccomp_release(ctx) }

    public var description: String {
        "seccomp: \(ruleCount) rules, \(skippedSyscalls.count) unknown syscalls skipped"
    }

    /// Sets the filter attributes for `flags`; returns whether WAIT_KILLABLE_RECV was asked for.
    private func applyFlags(_ flags: [String], field: String) throws -> Bool {
        var waitKill = false
        for (i, name) in flags.enumerated() {
            let fld = "\(field)[\(i)]"
            let attr: scmp_filter_attr?
            switch name {
            case "SECCOMP_FILTER_FLAG_TSYNC": attr = SCMP_FLTATR_CTL_TSYNC; rawFlags |= Flags.tsync
            case "SECCOMP_FILTER_FLAG_LOG": attr = SCMP_FLTATR_CTL_LOG; rawFlags |= Flags.log
            case "SECCOMP_FILTER_FLAG_SPEC_ALLOW": attr = SCMP_FLTATR_CTL_SSB; rawFlags |= Flags.specAllow
            case "SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV": attr = nil; waitKill = true
            default: throw SeccompError("\(fld): unknown flag \"\(name)\"")
            }
            guard SeccompFilter.supportedFlags.contains(name) else {
                throw SeccompError("\(fld): \(name) is not supported by this kernel and libseccomp \(Self.libseccompVersion)")
            }
            if let attr {
                let rc = seccomp_attr_set(ctx, attr, 1)
                if rc < 0 { throw SeccompError.call("\(fld): \(name): seccomp_attr_set", rc) }
            }
        }
        return waitKill
    }

    private func addRules(_ sc: SeccompSyscall, field: String, skipped: inout Set<String>) throws {
        let act = try Actions.resolve(sc.action, errnoRet: sc.errnoRet,
                                      field: "\(field).action", errnoField: "\(field).errnoRet")
        let notify = sc.action == "SCMP_ACT_NOTIFY"
        if notify && sc.names.contains("write") {
            throw SeccompError("\(field).names: SCMP_ACT_NOTIFY cannot be used for the write syscall")
        }
        var conds: [scmp_arg_cmp] = []
        var perIndex = [Int](repeating: 0, count: 6)
        for (j, a) in sc.args.enumerated() {
            let af = "\(field).args[\(j)]"
            guard a.index < 6 else { throw SeccompError("\(af).index: \(a.index) out of range (0-5)") }
            guard let op = Ops.byName[a.op] else { throw SeccompError("\(af).op: unknown operator \"\(a.op)\"") }
            perIndex[Int(a.index)] += 1
            // MASKED_EQ: datum_a is the mask (value), datum_b the expected result (valueTwo).
            conds.append(scmp_arg_cmp(arg: a.index, op: scmp_compare(rawValue: op),
                                      datum_a: a.value, datum_b: a.valueTwo))
        }
        if act == defaultAction {
            // libseccomp rejects a rule whose action is the default one; it is redundant anyway.
            redundantRules += sc.names.count
            return
        }
        // Same argument index twice: libseccomp would AND them into one impossible-ish rule and
        // older versions reject it; runc adds one rule per condition instead (OR semantics).
        let split = perIndex.contains { $0 > 1 }
        for name in sc.names {
            let nr = seccomp_syscall_resolve_name(name)
            if nr == __NR_SCMP_ERROR {
                if skipped.insert(name).inserted { skippedSyscalls.append(name) }
                continue
            }
            let what = "\(field): seccomp_rule_add(\(name), \(sc.action))"
            if conds.isEmpty || !split {
                let rc = conds.withUnsafeBufferPointer {
                    seccomp_rule_add_array(ctx, act, nr, UInt32($0.count), $0.baseAddress)
                }
                if rc < 0 { throw SeccompError.call(what, rc) }
                ruleCount += 1
            } else {
                for var c in conds {
                    let rc = seccomp_rule_add_array(ctx, act, nr, 1, &c)
                    if rc < 0 { throw SeccompError.call(what, rc) }
                    ruleCount += 1
                }
            }
            if notify { usesNotify = true }
        }
    }

    /// Install the filter in the calling process (the container init, single-threaded, just
    /// before execve; see the ordering notes at the top). Returns the notify listener fd when
    /// a rule uses SCMP_ACT_NOTIFY, else nil. Can be called once.
    public func load() throws -> Int32? {
        if loaded { throw SeccompError("seccomp: filter already loaded") }
        loaded = true
        if let prog = rawProgram {
            let rc = prog.withUnsafeBytes { sr_seccomp_load_bpf($0.baseAddress, $0.count, rawFlags) }
            if rc < 0 { throw SeccompError.call("seccomp(SECCOMP_SET_MODE_FILTER)", rc) }
            return usesNotify ? rc : nil
        }
        let rc = seccomp_load(ctx)
        if rc < 0 { throw SeccompError.call("seccomp_load", rc) }
        guard usesNotify else { return nil }
        let fd = seccomp_notify_fd(ctx)
        if fd < 0 { throw SeccompError.call("seccomp_notify_fd", fd) }
        return fd
    }

    /// Send the listener fd and the container process state to the seccomp agent at `path`
    /// (config-linux.md "Container Process State"): one AF_UNIX SOCK_STREAM connection, the JSON
    /// as payload with `fd` in SCM_RIGHTS on the first sendmsg, then closed. `stateJSON` is sent
    /// verbatim: build it with `containerProcessState(...)`. The caller keeps and closes `fd`.
    public static func sendToListener(path: String, fd: Int32, stateJSON: String) throws {
        var step: UnsafePointer<CChar>?
        var bytes = Array(stateJSON.utf8)
        if bytes.isEmpty { bytes = [0x7b, 0x7d] }  // never send an empty payload ("{}")
        let rc = bytes.withUnsafeBytes { sr_seccomp_send_fd(path, fd, $0.baseAddress, $0.count, &step) }
        if rc < 0 {
            let s = step.map { String(cString: $0) } ?? "send"
            throw SeccompError.call("linux.seccomp.listenerPath \(path): \(s)", rc)
        }
    }

    /// The container process state JSON: `{"ociVersion", "fds": ["seccompFd"], "pid",
    /// "metadata" (when set), "state"}`; `stateJSON` is the serialized runtime state (state.json
    /// document) and is embedded as is.
    public static func containerProcessState(ociVersion: String, pid: Int32, metadata: String?,
                                             stateJSON: String) -> String {
        var s = "{\"ociVersion\":" + JSON.string(ociVersion).serialized()
        s += ",\"fds\":[\"seccompFd\"],\"pid\":\(pid)"
        if let m = metadata, !m.isEmpty { s += ",\"metadata\":" + JSON.string(m).serialized() }
        return s + ",\"state\":" + stateJSON + "}"
    }

    /// SECCOMP_FILTER_FLAG_* names this libseccomp and kernel can apply: the kernel is probed
    /// with seccomp(SECCOMP_SET_MODE_FILTER, flag, NULL) (never installs anything), libseccomp
    /// by its API level. WAIT_KILLABLE_RECV is applied by our own seccomp(2) call.
    public static let supportedFlags: [String] = {
        let k = sr_seccomp_kernel_flags()
        let api = seccomp_api_get()
        var r: [String] = []
        if k & Flags.tsync != 0 && api >= 2 { r.append("SECCOMP_FILTER_FLAG_TSYNC") }
        if k & Flags.log != 0 && api >= 3 { r.append("SECCOMP_FILTER_FLAG_LOG") }
        if k & Flags.specAllow != 0 && api >= 4 { r.append("SECCOMP_FILTER_FLAG_SPEC_ALLOW") }
        let wk = Flags.newListener | Flags.waitKillableRecv
        if k & wk == wk && api >= 5 { r.append("SECCOMP_FILTER_FLAG_WAIT_KILLABLE_RECV") }
        return r
    }()

    /// SCMP_ACT_* names the kernel and libseccomp can apply (for `features`).
    public static let supportedActions: [String] = {
        let api = seccomp_api_get()
        return Actions.all.filter { name, value in
            if name == "SCMP_ACT_LOG" || name == "SCMP_ACT_KILL_PROCESS" { if api < 3 { return false } }
            if name == "SCMP_ACT_NOTIFY" && api < 5 { return false }
            return sr_seccomp_action_avail(value) != 0
        }.map { $0.0 }
    }()

    /// All operators, and the architectures this libseccomp knows (for `features`).
    public static let supportedOperators: [String] = Ops.all.map { $0.0 }
    public static let supportedArchitectures: [String] = Arches.specNames.filter {
        seccomp_arch_resolve_name(Arches.token($0)) != 0
    }

    public static var libseccompVersion: String {
        guard let v = seccomp_version() else { return "unknown" }
        return "\(v.pointee.major).\(v.pointee.minor).\(v.pointee.micro)"
    }
}

enum Flags {
    static let tsync: UInt32 = 1 << 0, log: UInt32 = 1 << 1, specAllow: UInt32 = 1 << 2
    static let newListener: UInt32 = 1 << 3, tsyncESRCH: UInt32 = 1 << 4, waitKillableRecv: UInt32 = 1 << 5
}

enum Actions {
    static let eperm: UInt32 = 1
    // seccomp.h values; SCMP_ACT_ERRNO(x)/TRACE(x) put x in the low 16 bits.
    static let all: [(String, UInt32)] = [
        ("SCMP_ACT_KILL", 0x0000_0000), ("SCMP_ACT_KILL_PROCESS", 0x8000_0000),
        ("SCMP_ACT_KILL_THREAD", 0x0000_0000), ("SCMP_ACT_TRAP", 0x0003_0000),
        ("SCMP_ACT_ERRNO", 0x0005_0000), ("SCMP_ACT_TRACE", 0x7ff0_0000),
        ("SCMP_ACT_ALLOW", 0x7fff_0000), ("SCMP_ACT_LOG", 0x7ffc_0000),
        ("SCMP_ACT_NOTIFY", 0x7fc0_0000),
    ]

    static func resolve(_ name: String, errnoRet: UInt32?, field: String, errnoField: String) throws -> UInt32 {
        guard let base = all.first(where: { $0.0 == name })?.1 else {
            throw SeccompError("\(field): unknown action \"\(name)\"")
        }
        let takesErrno = name == "SCMP_ACT_ERRNO" || name == "SCMP_ACT_TRACE"
        guard let e = errnoRet else { return takesErrno ? base | eperm : base }
        guard takesErrno else {
            throw SeccompError("\(errnoField): errnoRet is not supported by action \(name)")
        }
        guard e <= 0xffff else { throw SeccompError("\(errnoField): \(e) out of range (0-65535)") }
        return base | e
    }
}

enum Ops {
    static let all: [(String, UInt32)] = [
        ("SCMP_CMP_NE", 1), ("SCMP_CMP_LT", 2), ("SCMP_CMP_LE", 3), ("SCMP_CMP_EQ", 4),
        ("SCMP_CMP_GE", 5), ("SCMP_CMP_GT", 6), ("SCMP_CMP_MASKED_EQ", 7),
    ]
    static let byName: [String: UInt32] = Dictionary(uniqueKeysWithValues: all)
}

enum Arches {
    /// runtime-spec's list (libseccomp 2.6 names); 2.5.4 lacks LOONGARCH64, M68K, SH, SHEB.
    static let specNames = [
        "SCMP_ARCH_X86", "SCMP_ARCH_X86_64", "SCMP_ARCH_X32", "SCMP_ARCH_ARM", "SCMP_ARCH_AARCH64",
        "SCMP_ARCH_MIPS", "SCMP_ARCH_MIPS64", "SCMP_ARCH_MIPS64N32", "SCMP_ARCH_MIPSEL",
        "SCMP_ARCH_MIPSEL64", "SCMP_ARCH_MIPSEL64N32", "SCMP_ARCH_PPC", "SCMP_ARCH_PPC64",
        "SCMP_ARCH_PPC64LE", "SCMP_ARCH_S390", "SCMP_ARCH_S390X", "SCMP_ARCH_PARISC",
        "SCMP_ARCH_PARISC64", "SCMP_ARCH_RISCV64", "SCMP_ARCH_LOONGARCH64", "SCMP_ARCH_M68K",
        "SCMP_ARCH_SH", "SCMP_ARCH_SHEB",
    ]

    /// libseccomp's own name: "SCMP_ARCH_X86_64" -> "x86_64".
    static func token(_ specName: String) -> String {
        String(specName.dropFirst("SCMP_ARCH_".count)).lowercased()
    }

    static func resolve(_ name: String, field: String) throws -> UInt32 {
        guard specNames.contains(name) else { throw SeccompError("\(field): unknown architecture \"\(name)\"") }
        let t = seccomp_arch_resolve_name(token(name))
        if t == 0 {
            throw SeccompError("\(field): architecture \(name) is not supported by libseccomp \(SeccompFilter.libseccompVersion)")
        }
        return t
    }
}
