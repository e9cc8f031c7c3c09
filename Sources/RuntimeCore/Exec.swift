import Cgroups
import CShim
import Glibc
import OCISpec
import ProcessSetup
import Seccomp

/// `exec` options, as `runc exec` takes them.
public struct ExecOptions {
    /// The command (after the container id). Empty only with `processFile`.
    public var args: [String] = []
    /// --process: a process.json replacing the config's process entirely (flags then ignored).
    public var processFile: String?
    public var cwd: String?
    public var env: [String] = []
    public var tty = false
    /// --user UID[:GID]
    public var user: String?
    public var additionalGids: [String] = []
    public var caps: [String] = []
    /// --no-new-privs given (runc: only then does it override the config).
    public var noNewPrivs: Bool?
    public var apparmor: String?
    public var processLabel: String?
    public var detach = false
    public var pidFile: String?
    public var consoleSocket: String?
    public var preserveFds: Int32 = 0
    public var ignorePaused = false
    /// --cgroup [CONTROLLER[,CONTROLLER]:]SUBPATH: an existing sub-cgroup of the container's.
    public var subCgroups: [String] = []
    public init() {}
}

/// What the forked exec process needs; prepared by the parent before the fork.
struct ExecPlan {
    var containerID: String
    var process: PreparedProcess
    var terminal: Bool
    var consoleSize: ConsoleSize?
    var noNewPrivileges: Bool
    var finalCPUAffinity: Bool       // process.execCPUAffinity.final given (else reset)
    var seccomp: SeccompFilter?
    var preserveFds: Int32
    var trampolineFd: Int32
    var chrootTo: String?            // the container has no mount namespace: chroot here
    var newKeyring: Bool             // false when the container was created --no-new-keyring
}

extension Runtime {
    /// `exec`: run a new process in a created or running container: its namespaces (all that
    /// the config lists, joined through the init's /proc/PID/ns), its cgroups, its seccomp
    /// filter, and the process settings of its config (or of `--process`) with the flags'
    /// overrides. Returns 0 once running with `detach`, else the process's exit code in the
    /// shell convention (128+signal when killed).
    public func exec(id: String, options o: ExecOptions) throws -> Int32 {
        let lock = try store.lock(id)
        var locked = true
        defer { if locked { lock.release() } }
        let r = try store.load(id)
        switch status(r) {
        case .stopped: throw RuntimeError("cannot exec in a stopped container")
        case .paused where !o.ignorePaused:
            throw RuntimeError("cannot exec in a paused container (use --ignore-paused to override)")
        default: break
        }
        let spec = try store.loadSpec(id)
        let linux = spec.linux ?? Linux()
        let proc = try execProcess(o, config: spec.process)
        if proc.terminal && o.detach && o.consoleSocket == nil {
            throw RuntimeError("cannot allocate tty if swiftrun will detach without setting console socket")
        }
        if !proc.terminal && o.consoleSocket != nil {
            throw RuntimeError("cannot use console socket if swiftrun will not detach or allocate tty")
        }
        try checkSecurityLabels(proc, mountLabel: nil)
        let prepared = try PreparedProcess.prepare(proc, personality: linux.personality)
        for w in prepared.warnings { warn(w) }
        let seccomp = try linux.seccomp.map { try SeccompFilter($0) }
        let cg = try execCgroup(r, sub: o.subCgroups)

        // Signals that arrive from now on are forwarded once the process exists.
        if !o.detach {
            let forwarded: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM]
            _ = forwarded.withUnsafeBufferPointer { sr_catch_signals($0.baseAddress, Int32($0.count)) }
        }

        let spawn = try containerNamespaces(r, linux: linux)
        defer { spawn.closeFds() }
        let joinsMount = spawn.joins.contains { $0.type == SR_CLONE_NEWNS }
        let trampoline = sr_trampoline_fd()
        if trampoline < 0 && errno != ENOSYS { throw RuntimeError.sys("memfd for the exec trampoline") }
        defer { if trampoline >= 0 { close(trampoline) } }
        let (parentEnd, childEnd) = try SyncChannel.pair()
        defer { parentEnd.close() }

        let plan = ExecPlan(
            containerID: id, process: prepared, terminal: proc.terminal, consoleSize: proc.consoleSize,
            noNewPrivileges: proc.noNewPrivileges, finalCPUAffinity: (proc.execCPUAffinity?.final ?? "") != "",
            seccomp: seccomp, preserveFds: o.preserveFds, trampolineFd: trampoline,
            chrootTo: joinsMount || linux.namespace(.mount) != nil ? nil : r.rootfs, newKeyring: !r.noNewKeyring)
        let (pid, placedV1, placedV2) = try spawn.spawn(childFd: childEnd.fd, cgroups: cg.flatMap(Cgroups.placementForJoin))
        if pid == 0 { ExecProcess.run(plan, sync: childEnd, parentEnd: parentEnd) }
        childEnd.close()
        // The process is in the container's namespaces now; a concurrent delete kills it with
        // the rest. Holding the lock longer would deadlock a `resume` of a paused container.
        lock.release()
        locked = false

        var master: Int32 = -1
        do {
            // The child waits for "cont": nothing of it runs outside the container's cgroups.
            try prepared.applyCPUAffinity(initial: true, pid: pid)
            try cg?.addProcess(pid, skipV1: placedV1, skipV2: placedV2)
            try prepared.applyRlimits(pid: pid)   // from here: a user namespace may forbid raising them
            try prepared.applyOOMScoreAdj(pid: pid)
            parentEnd.send("cont")
            loop: while true {
                var fd: Int32 = -1
                guard let msg = parentEnd.recvWithFd(&fd) else { break loop }   // closed by the exec
                switch msg {
                case "pty":
                    guard fd >= 0 else { throw RuntimeError("pty master expected from the exec process") }
                    if let path = o.consoleSocket {
                        defer { close(fd) }
                        try sendConsole(fd, to: path)
                    } else {
                        master = fd
                    }
                case "seccompfd":
                    defer { if fd >= 0 { close(fd) } }
                    guard fd >= 0, let f = seccomp, let path = f.listenerPath else {
                        throw RuntimeError("seccomp notify fd expected from the exec process")
                    }
                    let state = ContainerState(ociVersion: r.ociVersion, id: id, status: "running", pid: r.pid,
                                               bundle: r.bundle, annotations: r.annotations).json(pretty: false)
                    let st = SeccompFilter.containerProcessState(ociVersion: spec.ociVersion, pid: pid,
                                                                 metadata: f.listenerMetadata ?? "", stateJSON: state)
                    try SeccompFilter.sendToListener(path: path, fd: fd, stateJSON: st)
                    parentEnd.send("cont")
                default:
                    if fd >= 0 { close(fd) }
                    if msg.hasPrefix("error ") { throw RuntimeError(Self.spawnErrorText(String(msg.dropFirst(6)))) }
                    throw RuntimeError("unexpected message from the exec process: \(msg)")
                }
            }
            if let pf = o.pidFile {
                let path = try absolutePath(pf, what: "pid-file", mustExist: false)
                try writeAtomically(path, Array(String(pid).utf8), mode: 0o644)
            }
        } catch {
            // A child that failed early (a namespace it could not join) tells why better
            // than what then failed here because it was gone.
            var reason = error
            var buf = [UInt8](repeating: 0, count: 8192)
            let n = buf.withUnsafeMutableBytes { recv(parentEnd.fd, $0.baseAddress, 8192, Int32(MSG_DONTWAIT)) }
            if n > 6, case let msg = String(decoding: buf[0..<n], as: UTF8.self), msg.hasPrefix("error ") {
                reason = RuntimeError(Self.spawnErrorText(String(msg.dropFirst(6))))
            }
            if master >= 0 { close(master) }
            _ = Glibc.kill(pid, SIGKILL)
            var st: Int32 = 0
            _ = sr_wait_exit(pid, &st, 0)
            throw reason
        }

        if o.detach {
            if master >= 0 { close(master) }
            return 0
        }
        if master >= 0 {
            defer { close(master) }
            return sr_tty_proxy(master, pid)
        }
        while true {
            var st: Int32 = 0
            let c = sr_wait_exit(pid, &st, 0)
            if c >= 0 { return c }
            guard errno == EINTR else { throw RuntimeError.sys("wait for process \(pid)") }
            while case let s = sr_take_signal(), s != 0 { _ = sr_kill(pid, s) }
        }
    }

    /// The process to run: --process FILE as is, or the config's process with runc's overrides.
    func execProcess(_ o: ExecOptions, config: Process?) throws -> Process {
        if let file = o.processFile {
            guard let bytes = readFile(file) else { throw RuntimeError.sys("--process: open \(file)") }
            do { return try Spec.decodeProcess(bytes) } catch { throw RuntimeError("\(error)") }
        }
        guard !o.args.isEmpty else { throw RuntimeError("exec args cannot be empty") }
        var p = config ?? Process()
        p.args = o.args
        p.commandLine = nil
        if let c = o.cwd, !c.isEmpty { p.cwd = c }
        if let a = o.apparmor, !a.isEmpty { p.apparmorProfile = a }
        if let l = o.processLabel, !l.isEmpty { p.selinuxLabel = l }
        if !o.caps.isEmpty {
            // runc: bounding, effective, permitted; ambient only when the config has an
            // inheritable set (ambient needs inheritable, which --cap does not add).
            var c = p.capabilities ?? Capabilities()
            for name in o.caps {
                c.bounding = (c.bounding ?? []) + [name]
                c.effective = (c.effective ?? []) + [name]
                c.permitted = (c.permitted ?? []) + [name]
                if c.inheritable != nil { c.ambient = (c.ambient ?? []) + [name] }
            }
            p.capabilities = c
        }
        p.env += o.env
        p.terminal = o.tty     // runc: never the config's terminal, only -t
        if let n = o.noNewPrivs { p.noNewPrivileges = n }
        if let u = o.user, !u.isEmpty {
            let parts = u.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            guard let uid = UInt32(parts[0]) else { throw RuntimeError("--user: bad uid \"\(parts[0])\" (numeric UID[:GID] only)") }
            if parts.count == 2 {
                guard let gid = UInt32(parts[1]) else { throw RuntimeError("--user: bad gid \"\(parts[1])\"") }
                p.user.gid = gid
            }
            p.user.uid = uid
        }
        for g in o.additionalGids {
            guard let gid = UInt32(g) else { throw RuntimeError("--additional-gids: \"\(g)\" is not a valid gid") }
            p.user.additionalGids.append(gid)
        }
        return p
    }

    /// The container's cgroups, or with --cgroup an existing sub-cgroup of them (runc syntax).
    func execCgroup(_ r: ContainerRecord, sub: [String]) throws -> CgroupManager? {
        guard !r.cgroupPaths.isEmpty else {
            if !sub.isEmpty { throw RuntimeError("--cgroup: container \"\(r.id)\" has no cgroup") }
            return nil
        }
        guard !sub.isEmpty else { return Cgroups.load(paths: r.cgroupPaths) }
        var want: [String: String] = [:]
        for arg in sub {
            if let colon = arg.firstIndex(of: ":") {
                let path = String(arg[arg.index(after: colon)...])
                for ctrl in arg[..<colon].split(separator: ",", omittingEmptySubsequences: false) {
                    if ctrl.isEmpty { throw RuntimeError("invalid --cgroup argument: \(arg) (empty <controller> prefix)") }
                    if want[String(ctrl)] != nil {
                        throw RuntimeError("invalid --cgroup argument(s): controller \(ctrl) specified multiple times")
                    }
                    want[String(ctrl)] = path
                }
            } else {
                if sub.count != 1 { throw RuntimeError("invalid --cgroup argument: \(arg) (missing <controller>: prefix)") }
                want[""] = arg
            }
        }
        var paths = r.cgroupPaths
        for (ctrl, dir) in r.cgroupPaths {
            guard let s = want[ctrl] ?? want[""] else { continue }
            let rel = s.split(separator: "/").filter { $0 != "." && !$0.isEmpty }
            if rel.contains("..") { throw RuntimeError("--cgroup: \(s) leaves the container's cgroup") }
            let d = ([dir] + rel.map(String.init)).joined(separator: "/")
            var st = stat()
            if stat(d, &st) < 0 || (st.st_mode & S_IFMT) != S_IFDIR { throw RuntimeError.sys("--cgroup: \(d)") }
            paths[ctrl] = d
        }
        return Cgroups.load(paths: paths)
    }

    /// Every namespace the config lists, as fds on the init's /proc/PID/ns files (the ones the
    /// runtime itself is already in are skipped: joining one's own user namespace is EINVAL).
    func containerNamespaces(_ r: ContainerRecord, linux: Linux) throws -> NamespacePlan {
        let names: [NamespaceType: String] = [
            .pid: "pid", .network: "net", .mount: "mnt", .ipc: "ipc", .uts: "uts", .user: "user",
            .cgroup: "cgroup", .time: "time",
        ]
        var plan = try NamespacePlan(linux: Linux())
        do {
            var seen = Set<NamespaceType>()
            for ns in linux.namespaces where seen.insert(ns.type).inserted {
                let name = names[ns.type]!
                let path = "/proc/\(r.pid)/ns/\(name)"
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                if fd < 0 {
                    // the init is exiting (its namespaces are already gone)
                    if errno == ENOENT || errno == ESRCH { throw RuntimeError("cannot exec in a stopped container") }
                    throw RuntimeError.sys("open \(path)")
                }
                var mine = stat(), theirs = stat()
                if fstat(fd, &theirs) == 0 && stat("/proc/self/ns/\(name)", &mine) == 0
                    && mine.st_ino == theirs.st_ino && mine.st_dev == theirs.st_dev {
                    close(fd)
                    continue
                }
                plan.joins.append((NamespacePlan.flag[ns.type]!, fd))
            }
            // The fds are the namespaces of the process we recorded, not of a recycled pid.
            guard sr_proc_starttime(r.pid, nil) == r.startTime else {
                throw RuntimeError("cannot exec in a stopped container")
            }
        } catch {
            plan.closeFds()
            throw error
        }
        return plan
    }

    /// sr_spawn's child reports "<errno> <step>": name the errno.
    static func spawnErrorText(_ s: String) -> String {
        let parts = s.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, let e = Int32(parts[0]), e > 0 else { return s }
        return RuntimeError.sys("namespaces: \(parts[1])", e).description
    }
}

/// The exec'd process between `sr_spawn` returning 0 in it and the exec. Never returns.
enum ExecProcess {
    static func run(_ plan: ExecPlan, sync: SyncChannel, parentEnd: SyncChannel) -> Never {
        parentEnd.close()
        // Not dumpable until the exec: nothing in the container may open our /proc/PID/exe,
        // our fds, or ptrace us (CVE-2016-9962).
        _ = sr_prctl(4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0)
        do {
            try setup(plan, sync: sync)
        } catch {
            sync.send("error \(error)")
            _exit(1)
        }
    }

    static func setup(_ plan: ExecPlan, sync: SyncChannel) throws -> Never {
        // Stdio and the preserved fds stay; whatever else the caller leaked (the state dir
        // lock among them) is closed now, ours at exec.
        let keep = [sync.fd, plan.trampolineFd].filter { $0 >= 0 }
        _ = keep.withUnsafeBufferPointer { sr_close_fds_except(3 + plan.preserveFds, $0.baseAddress, Int32($0.count), 0) }
        guard sync.recv() == "cont" else { throw RuntimeError("runtime went away before the exec") }

        if let root = plan.chrootTo {
            try check(chroot(root), "chroot \(root)")
            try check(chdir("/"), "chdir /")
        }
        // Like runc's setns init: a session keyring of our own, not the runtime's (unless the
        // container was created with --no-new-keyring).
        if plan.newKeyring && sr_join_session_keyring("_ses.\(plan.containerID)") < 0
            && errno != ENOSYS && errno != EDQUOT && errno != EACCES && errno != EPERM {
            throw RuntimeError.sys("join session keyring _ses.\(plan.containerID)")
        }
        if plan.terminal {
            try setupTerminal(plan, sync: sync)
        } else {
            _ = setsid()   // as runc (nsexec): a session of its own; the runtime forwards signals
        }

        let p = plan.process
        try p.applyPersonality()
        try p.applyIOPriority()
        try p.applyScheduler()
        let nnp = plan.noNewPrivileges
        // Without no_new_privs loading a filter needs CAP_SYS_ADMIN: before the caps go.
        if let f = plan.seccomp, !nnp { try ContainerInit.loadSeccomp(f, sync: sync) }
        try p.applyUserAndCapabilities()
        p.applyUmask()
        try enterWorkingDirectory(p.cwd)
        let path = try p.resolveExecutable()
        try p.applyNoNewPrivileges()
        if plan.finalCPUAffinity {
            try p.applyCPUAffinity(initial: false)
        } else {
            try? PreparedProcess.resetCPUAffinity()   // not the runtime's own pinning (runc)
        }
        if let f = plan.seccomp, nnp {
            if f.usesNotify { try ContainerInit.loadSeccomp(f, sync: sync) } else { _ = try f.load() }
        }
        // Success is the sync channel closing (CLOEXEC) at the exec.
        try p.exec(path: path, trampolineFd: plan.trampolineFd)
    }

    /// A pty from the container's devpts becomes the controlling terminal and stdio; the
    /// master goes to the runtime (console socket or foreground proxy). No /dev/console.
    static func setupTerminal(_ plan: ExecPlan, sync: SyncChannel) throws {
        var master: Int32 = -1, slave: Int32 = -1
        var what: UnsafePointer<CChar>?
        let size = plan.consoleSize
        if sr_pty_open(UInt16(clamping: size?.height ?? 0), UInt16(clamping: size?.width ?? 0), &master, &slave, &what) < 0 {
            throw RuntimeError.sys("terminal: \(what.map { String(cString: $0) } ?? "pty")")
        }
        defer { close(master) }
        try check(sr_pty_become_ctty(slave), "terminal: make the pty the controlling terminal")
        if slave > 2 { close(slave) }
        if sr_send_fd(sync.fd, master, "pty", 3) < 0 { throw RuntimeError.sys("send pty master") }
    }
}
