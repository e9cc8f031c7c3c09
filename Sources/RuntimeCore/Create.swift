import Cgroups
import CShim
import Glibc
import Hooks
import OCISpec
import ProcessSetup
import Rootfs
import Seccomp

public struct CreateOptions {
    public var bundle: String = "."
    public var pidFile: String?
    public var consoleSocket: String?
    public var noPivot = false
    public var noNewKeyring = false
    public var preserveFds: Int32 = 0
    /// `run` without --detach: a terminal is proxied by this process when no console socket.
    public var foreground = false
    public init() {}
}

/// A create in progress: what must be undone if it fails (runtime.md: an error MUST leave
/// the environment as if the operation were never attempted).
private final class Undo {
    var pid: Int32 = 0
    var cgroup: CgroupManager?
    var dirCreated = false
    func run(store: StateStore, id: String) {
        if pid > 0 {
            kill(pid, SIGKILL)
            var st: Int32 = 0
            while waitpid(pid, &st, 0) < 0 && errno == EINTR {}
        }
        if let cg = cgroup { try? cg.destroy() }
        if dirCreated { store.remove(id) }
    }
}

extension Runtime {
    /// `create`: build the whole container and leave its init blocked on the exec fifo.
    /// Returns the init's pid and the state record.
    @discardableResult
    public func create(id: String, options o: CreateOptions) throws -> ContainerRecord {
        try createWithSpec(id: id, options: o).record
    }

    /// create, also returning the decoded config (`run` starts with it, without re-reading).
    func createWithSpec(id: String, options o: CreateOptions) throws -> (record: ContainerRecord, spec: Spec) {
        try StateStore.validate(id: id)
        let bundle = try absolutePath(o.bundle, what: "bundle")
        let configFile = bundle + "/config.json"
        guard let raw = readFile(configFile) else { throw RuntimeError.sys("open \(configFile)") }
        let spec: Spec
        do {
            spec = try Spec.decode(raw)
            try spec.validate()
        } catch { throw RuntimeError("\(error)") }
        guard let proc = spec.process else { throw RuntimeError("config.json: process: missing") }
        if proc.terminal && o.consoleSocket == nil && !o.foreground {
            throw RuntimeError("cannot allocate tty if swiftrun will detach without setting console socket")
        }
        if !proc.terminal && o.consoleSocket != nil {
            throw RuntimeError("cannot use console socket if swiftrun will not detach or allocate tty")
        }
        let linux = spec.linux ?? Linux()

        // Everything that can be checked is checked before anything is created.
        try checkSecurityLabels(proc, mountLabel: linux.mountLabel)
        let prepared = try PreparedProcess.prepare(proc, personality: linux.personality)
        for w in prepared.warnings { warn(w) }
        let seccomp = try linux.seccomp.map { try SeccompFilter($0) }
        var rootfs = RootfsSetup(spec: spec, bundle: bundle)
        var st = stat()
        if stat(rootfs.rootfs, &st) < 0 || (st.st_mode & S_IFMT) != S_IFDIR {
            throw RuntimeError("config.json: root.path: \(rootfs.rootfs) is not a directory")
        }
        var spawn = try NamespacePlan(linux: linux)
        defer { spawn.closeFds() }

        let lock = try store.createDir(id)
        defer { lock.release() }
        let undo = Undo()
        undo.dirCreated = true
        let hooks = spec.hooks ?? Hooks()
        var hooksRan = false
        do {
            let dir = store.dir(id)
            try writeAtomically(store.configPath(id), raw)
            try check(mkfifo(store.fifoPath(id), 0o622), "mkfifo \(store.fifoPath(id))")
            // any container user must be able to open it for writing (umask would remove that)
            try check(chmod(store.fifoPath(id), 0o622), "chmod \(store.fifoPath(id))")
            let cg = try Cgroups.manager(cgroupsPath: linux.cgroupsPath, containerID: id)
            undo.cgroup = cg
            try cg.create()
            // runc applies the device rules (config, then its defaults, then linux.devices) even
            // when there is no resources section.
            var res = linux.resources ?? Resources()
            res.devices = Cgroups.effectiveDeviceRules(linux)
            try cg.apply(res)
            rootfs.cgroupBinds = cgroupBinds(cg.paths)
            rootfs.userNamespace = spawn.userNamespace

            let dirFd = open(dir, SR_O_PATH | O_DIRECTORY | O_CLOEXEC)
            if dirFd < 0 { throw RuntimeError.sys("open \(dir)") }
            defer { close(dirFd) }
            let trampoline = sr_trampoline_fd()
            if trampoline < 0 && errno != ENOSYS { throw RuntimeError.sys("memfd for the exec trampoline") }
            defer { if trampoline >= 0 { close(trampoline) } }
            let (parentEnd, childEnd) = try SyncChannel.pair()
            defer { parentEnd.close() }

            let plan = InitPlan(
                spec: spec, bundle: bundle, rootfs: rootfs, process: prepared, seccomp: seccomp,
                noPivot: o.noPivot, preserveFds: o.preserveFds,
                needsHookRoundTrip: !(hooks.prestart.isEmpty && hooks.createRuntime.isEmpty && hooks.createContainer.isEmpty),
                stateDirFd: dirFd, lockFd: lock.fd, trampolineFd: trampoline,
                hasMountNamespace: linux.namespace(.mount) != nil,
                deferredCgroupNamespace: spawn.deferCgroupNamespace,
                newKeyring: !o.noNewKeyring, containerID: id,
                holdExecFifo: !(hooks.startContainer.isEmpty && hooks.poststart.isEmpty),
                stateJSON: { status, pid in
                    ContainerState(ociVersion: spec.ociVersion, id: id, status: status, pid: pid, bundle: bundle,
                                   annotations: spec.annotations).json(pretty: false)
                })

            let (pid, placedV1, placedV2) = try spawn.spawn(childFd: childEnd.fd, cgroups: bornIn(cg, res))
            if pid == 0 { ContainerInit.run(plan, sync: childEnd, parentEnd: parentEnd) }
            childEnd.close()
            undo.pid = pid

            // The init sets up its rootfs meanwhile; it runs nothing of the user's before it
            // has heard from us (hooks) or been started, and it is in its cgroups by then.
            try cg.addProcess(pid, skipV1: placedV1, skipV2: placedV2)
            if let adj = proc.oomScoreAdj {
                try writeSmall("/proc/\(pid)/oom_score_adj", String(adj))
            }
            if spawn.deferCgroupNamespace { parentEnd.send("cgroup") }
            let stateFor = { (status: String) in
                ContainerState(ociVersion: spec.ociVersion, id: id, status: status, pid: pid, bundle: bundle,
                               annotations: spec.annotations).json(pretty: false)
            }
            loop: while true {
                var notifyFd: Int32 = -1
                guard let msg = parentEnd.recvWithFd(&notifyFd) else {
                    var code: Int32 = 0
                    let c = sr_wait_exit(pid, &code, 1)
                    undo.pid = 0
                    throw RuntimeError("container init exited before it was ready" + (c >= 0 ? " (status \(c))" : ""))
                }
                switch msg {
                case "hooks":
                    // runtime.md steps 3-4: the namespaces and mounts exist, pivot_root has not
                    // happened; the status is still "creating" (create has not finished).
                    hooksRan = true
                    try HookRunner.run(hooks.prestart, kind: "prestart", state: stateFor("creating"), cwd: bundle)
                    try HookRunner.run(hooks.createRuntime, kind: "createRuntime", state: stateFor("creating"), cwd: bundle)
                    parentEnd.send("cont")
                case "ready":
                    break loop
                case "pty":
                    guard notifyFd >= 0 else { throw RuntimeError("pty master expected from container init") }
                    if let path = o.consoleSocket {
                        defer { close(notifyFd) }
                        try sendConsole(notifyFd, to: path)
                    } else {
                        consoleMaster = notifyFd
                    }
                case "seccompfd":
                    defer { if notifyFd >= 0 { close(notifyFd) } }
                    guard notifyFd >= 0, let f = seccomp, let path = f.listenerPath else {
                        throw RuntimeError("seccomp notify fd expected from container init")
                    }
                    let st = SeccompFilter.containerProcessState(ociVersion: spec.ociVersion, pid: pid,
                                                     metadata: f.listenerMetadata ?? "", stateJSON: stateFor("creating"))
                    try SeccompFilter.sendToListener(path: path, fd: notifyFd, stateJSON: st)
                    parentEnd.send("cont")
                default:
                    if msg.hasPrefix("error ") { throw RuntimeError(String(msg.dropFirst(6))) }
                    throw RuntimeError("unexpected message from container init: \(msg)")
                }
            }
            var record = ContainerRecord(
                id: id, bundle: bundle, rootfs: rootfs.rootfs, pid: pid,
                startTime: sr_proc_starttime(pid, nil), created: rfc3339Now(), ownerUID: geteuid(),
                annotations: spec.annotations, cgroupPaths: cg.paths, ociVersion: spec.ociVersion)
            record.noNewKeyring = o.noNewKeyring
            try store.save(record)
            if let pf = o.pidFile {
                let path = try absolutePath(pf, what: "pid-file", mustExist: false)
                try writeAtomically(path, Array(String(pid).utf8), mode: 0o644)
            }
            return (record, spec)
        } catch {
            undo.run(store: store, id: id)
            // A failing create hook: "stop the container, and continue the lifecycle at step 12"
            // (destroyed above), then 13: poststop hooks, whose failures are only warnings.
            if hooksRan && !hooks.poststop.isEmpty {
                let st = ContainerState(ociVersion: spec.ociVersion, id: id, status: "stopped", pid: 0,
                                        bundle: bundle, annotations: spec.annotations).json(pretty: false)
                for w in HookRunner.runAll(hooks.poststop, kind: "poststop", state: st) { warn(w) }
            }
            throw error
        }
    }

    /// runc's console-socket protocol: one SCM_RIGHTS message carrying the pty master.
    func sendConsole(_ fd: Int32, to path: String) throws {
        let sock = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        if sock < 0 { throw RuntimeError.sys("console socket") }
        defer { close(sock) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { throw RuntimeError("--console-socket: path too long") }
        withUnsafeMutableBytes(of: &addr.sun_path) { raw in
            for (i, b) in bytes.enumerated() { raw[i] = b }
        }
        let r = withUnsafePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(sock, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        if r < 0 { throw RuntimeError.sys("connect console socket \(path)") }
        if sr_send_fd(sock, fd, "/dev/ptmx", 9) < 0 { throw RuntimeError.sys("send pty to console socket \(path)") }
    }

    /// Fork the init straight into its cgroups (Placement.swift) unless the limits leave no
    /// room for the runtime and its child to be in there for a moment: pids.max below 3, or a
    /// memory limit so small that the runtime's own pages could be what hits it.
    func bornIn(_ cg: CgroupManager, _ res: Resources) -> CgroupPlacement? {
        if let l = res.pids?.limit, l >= 0 && l < 3 { return nil }
        if let l = res.memory?.limit, l > 0 && l < 16 << 20 { return nil }
        return Cgroups.placement(cg)
    }

    /// The container's cgroup directories as they appear under its `cgroup` mount.
    func cgroupBinds(_ paths: [String: String]) -> [(subdir: String, hostDir: String)] {
        if Cgroups.hostMode == "v2", let d = paths.values.first { return [("", d)] }
        var seen = Set<String>()
        var out: [(String, String)] = []
        for (_, dir) in paths.sorted(by: { $0.key < $1.key }) where seen.insert(dir).inserted {
            guard dir.hasPrefix("/sys/fs/cgroup/") else { continue }
            let rest = dir.dropFirst("/sys/fs/cgroup/".count)
            let sub = String(rest.prefix { $0 != "/" })
            out.append((sub, dir))
        }
        return out
    }
}

/// An AppArmor profile or SELinux label the kernel cannot apply must not be silently dropped
/// (a container would run unconfined): error out, as runc does. Neither LSM is active on a
/// host whose kernel did not enable it.
func checkSecurityLabels(_ p: Process, mountLabel: String?) throws {
    if let a = p.apparmorProfile, !a.isEmpty {
        let enabled = readText("/sys/module/apparmor/parameters/enabled")?.hasPrefix("Y") == true
        if !enabled {
            throw RuntimeError("process.apparmorProfile: \"\(a)\" requested but AppArmor is not enabled on this host")
        }
        throw RuntimeError("process.apparmorProfile: AppArmor profiles are not supported by swiftrun yet")
    }
    for (field, label) in [("process.selinuxLabel", p.selinuxLabel), ("linux.mountLabel", mountLabel)] {
        guard let l = label, !l.isEmpty else { continue }
        if !fileExists("/sys/fs/selinux/enforce") {
            throw RuntimeError("\(field): \"\(l)\" requested but SELinux is not enabled on this host")
        }
        throw RuntimeError("\(field): SELinux labels are not supported by swiftrun yet")
    }
}

func absolutePath(_ p: String, what: String, mustExist: Bool = true) throws -> String {
    if mustExist {
        guard let r = realpath(p, nil) else { throw RuntimeError.sys("\(what) \(p)") }
        defer { free(r) }
        return String(cString: r)
    }
    if p.hasPrefix("/") { return p }
    var buf = [CChar](repeating: 0, count: 4096)
    guard getcwd(&buf, 4096) != nil else { throw RuntimeError.sys("getcwd") }
    return String(cString: buf) + "/" + p
}
