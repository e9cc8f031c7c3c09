import CShim
import Glibc
import Hooks
import OCISpec
import ProcessSetup
import Rootfs
import Seccomp

/// Everything the container init needs, prepared by the parent before the fork so that the
/// child only performs syscalls (no parsing, no lookups that could fail late).
struct InitPlan {
    var spec: Spec
    var bundle: String
    var rootfs: RootfsSetup
    var process: PreparedProcess
    var seccomp: SeccompFilter?
    var noPivot: Bool
    var preserveFds: Int32
    var needsHookRoundTrip: Bool   // prestart/createRuntime/createContainer hooks exist
    var stateDirFd: Int32          // O_PATH on the state dir: the exec fifo is opened through it
    var lockFd: Int32              // the parent's flock: must not stay held by the init
    var trampolineFd: Int32        // sealed memfd trampoline for the final exec (-1: direct)
    var hasMountNamespace: Bool
    var deferredCgroupNamespace: Bool  // unshare CLONE_NEWCGROUP after the parent's "cgroup"
    var newKeyring: Bool           // a session keyring of its own (runc's default)
    var containerID: String
    var holdExecFifo: Bool         // startContainer/poststart hooks: keep the exec fifo open until the exec
    var stateJSON: (String, Int32) -> String   // container state for in-container hooks: status, pid
}

/// The container's init process, after `sr_spawn` returned 0 in it. Never returns: it either
/// execs the user's program or reports an error and exits.
enum ContainerInit {
    static func run(_ plan: InitPlan, sync: SyncChannel, parentEnd: SyncChannel) -> Never {
        parentEnd.close()
        close(plan.lockFd)
        // Not dumpable until the exec: nothing in the container may open our /proc/PID/exe
        // or ptrace us (CVE-2016-9962).
        _ = sr_prctl(4 /* PR_SET_DUMPABLE */, 0, 0, 0, 0)
        do {
            try setup(plan, sync: sync)
        } catch {
            sync.send("error \(error)")
            _exit(1)
        }
        // Blocked until `start` opens the fifo for reading.
        sr_die_on_signals()
        let fifo = openat(plan.stateDirFd, "exec.fifo", O_WRONLY | O_CLOEXEC)
        if fifo < 0 { fail("open exec fifo: \(String(cString: sr_errno_name(errno)))") }
        _ = write(fifo, "0", 1)
        // With startContainer/poststart hooks, `start` reads the fifo until EOF: the fd
        // (O_CLOEXEC) closes at the exec of the user's program, or carries a hook's error.
        if !plan.holdExecFifo { close(fifo) }
        close(plan.stateDirFd)
        do {
            try afterStart(plan, fifo: plan.holdExecFifo ? fifo : -1)
        } catch {
            fail("\(error)", status: (error as? ProcessSetupError)?.exitStatus ?? 1)
        }
    }

    /// After `start`: the error has nowhere to go but the container's stderr (as runc).
    static func fail(_ msg: String, status: Int32 = 1) -> Never {
        let line = "swiftrun: \(msg)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
        _exit(status)
    }

    static func setup(_ plan: InitPlan, sync: SyncChannel) throws {
        // fds: stdio and the preserved ones stay; whatever else the caller leaked to us is
        // closed now (a created container may wait a long time, and a caller may be waiting
        // for those fds to close), ours close at exec.
        let keep = [sync.fd, plan.stateDirFd, plan.trampolineFd].filter { $0 >= 0 }
        _ = keep.withUnsafeBufferPointer { sr_close_fds_except(3 + plan.preserveFds, $0.baseAddress, Int32($0.count), 0) }

        let r = plan.rootfs
        if plan.hasMountNamespace {
            try r.prepareRoot()
            try r.mountAll()
        }
        if plan.deferredCgroupNamespace {
            guard sync.recv() == "cgroup" else { throw RuntimeError("runtime went away before the cgroup join") }
            try check(sr_unshare(SR_CLONE_NEWCGROUP), "unshare cgroup namespace")
        }
        if plan.needsHookRoundTrip {
            sync.send("hooks")
            guard sync.recv() == "cont" else { throw RuntimeError("runtime went away during hooks") }
            if let hooks = plan.spec.hooks, !hooks.createContainer.isEmpty {
                // In the container's namespaces, before pivot_root; pid as the container sees it.
                try HookRunner.run(hooks.createContainer, kind: "createContainer", state: plan.stateJSON("creating", getpid()),
                                   cwd: r.rootfs)
            }
        }
        if plan.hasMountNamespace {
            try r.enterRoot(noPivot: plan.noPivot)
        } else {
            try check(chroot(r.rootfs), "chroot \(r.rootfs)")
            try check(chdir("/"), "chdir /")
        }
        try r.applyKernelSettings()   // validation guarantees a hostname comes with a UTS namespace
        if plan.spec.process?.terminal == true { try setupTerminal(plan, sync: sync) }
        if plan.hasMountNamespace { try r.finish() }

        // Keys of the host's session keyring must not leak into the container. ENOSYS (no
        // keys support) and EDQUOT/EACCES (quota, user namespaces) are tolerated like runc.
        if plan.newKeyring && sr_join_session_keyring(plan.containerID) < 0
            && errno != ENOSYS && errno != EDQUOT && errno != EACCES && errno != EPERM {
            throw RuntimeError.sys("join session keyring \(plan.containerID)")
        }

        // Process attributes, in runc's order; only the seccomp load and the exec itself wait for start.
        let p = plan.process
        try p.applyRlimits()
        try p.applyPersonality()
        try p.applyIOPriority()
        try p.applyScheduler()
        try p.applyCPUAffinity(initial: true)
        // Without no_new_privs, loading a filter needs CAP_SYS_ADMIN: load it before the
        // capabilities are dropped (as runc); the filter then also sees the rest of the setup.
        let nnp = plan.spec.process?.noNewPrivileges == true
        if let f = plan.seccomp, !nnp { try loadSeccomp(f, sync: sync) }
        try p.applyUserAndCapabilities()
        p.applyUmask()
        try enterWorkingDirectory(p.cwd)
        _ = try p.resolveExecutable()
        try p.applyNoNewPrivileges()
        // A notify filter's fd must reach the agent before the program runs: load it now.
        if let f = plan.seccomp, nnp, f.usesNotify { try loadSeccomp(f, sync: sync) }
        sync.send("ready")
        sync.close()
    }

    /// A pty from the container's own devpts becomes the init's controlling terminal and
    /// /dev/console; the master goes to the runtime (console socket or `run`'s proxy).
    static func setupTerminal(_ plan: InitPlan, sync: SyncChannel) throws {
        var master: Int32 = -1, slave: Int32 = -1
        var what: UnsafePointer<CChar>?
        let size = plan.spec.process?.consoleSize
        if sr_pty_open(UInt16(clamping: size?.height ?? 0), UInt16(clamping: size?.width ?? 0), &master, &slave, &what) < 0 {
            throw RuntimeError.sys("process.terminal: \(what.map { String(cString: $0) } ?? "pty")")
        }
        var name = [CChar](repeating: 0, count: 64)
        try check(sr_pty_name(master, &name, 64), "process.terminal: pty name")
        let pts = String(cString: name)
        let console = open("/dev/console", O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o600)
        if console >= 0 { close(console) }
        try check(sr_mount(pts, "/dev/console", nil, 4096 /* MS_BIND */, nil), "bind mount \(pts) on /dev/console")
        try check(sr_pty_become_ctty(slave), "process.terminal: make \(pts) the controlling terminal")
        if slave > 2 { close(slave) }
        if sr_send_fd(sync.fd, master, "pty", 3) < 0 { throw RuntimeError.sys("send pty master") }
        close(master)
    }

    /// Load the filter; a notify listener fd goes to the runtime, which hands it to the agent.
    static func loadSeccomp(_ f: SeccompFilter, sync: SyncChannel) throws {
        guard let fd = try f.load() else { return }
        if sr_send_fd(sync.fd, fd, "seccompfd", 9) < 0 { throw RuntimeError.sys("send seccomp notify fd") }
        close(fd)
        guard sync.recv() == "cont" else { throw RuntimeError("runtime went away after the seccomp fd") }
    }

    static func afterStart(_ plan: InitPlan, fifo: Int32) throws -> Never {
        if let hooks = plan.spec.hooks, !hooks.startContainer.isEmpty {
            // The user's program has not run yet: "created" (runtime.md State).
            do {
                try HookRunner.run(hooks.startContainer, kind: "startContainer", state: plan.stateJSON("created", getpid()))
            } catch {
                // `start` reads this after the "0" and fails with it.
                if fifo >= 0 { _ = "\(error)".withCString { write(fifo, $0, strlen($0)) } }
                throw error
            }
        }
        let p = plan.process
        let path = try p.resolveExecutable()
        try p.applyCPUAffinity(initial: false)
        if let f = plan.seccomp, plan.spec.process?.noNewPrivileges == true, !f.usesNotify {
            _ = try f.load()
        }
        try p.exec(path: path, trampolineFd: plan.trampolineFd)
    }
}

/// chdir(process.cwd), and refuse a directory the container's root cannot reach: a cwd through
/// a directory fd the runtime still holds (/proc/self/fd/N) would put the program in the host's
/// filesystem (runc CVE-2024-21626). getcwd(2) reports such a directory as "(unreachable)",
/// which glibc turns into ENOENT.
func enterWorkingDirectory(_ cwd: String) throws {
    if chdir(cwd) < 0 { throw RuntimeError.sys("process.cwd: chdir \(cwd)") }
    var buf = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
    if getcwd(&buf, buf.count) == nil {
        let e = errno
        if e == ENOENT {
            throw RuntimeError("process.cwd: \(cwd) is outside the container's root filesystem: refusing to run it there")
        }
        if e != ERANGE && e != ENAMETOOLONG { throw RuntimeError.sys("process.cwd: getcwd", e) }
    }
}
