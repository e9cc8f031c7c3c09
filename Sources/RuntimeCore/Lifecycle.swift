import Cgroups
import CShim
import Glibc
import Hooks
import OCISpec

public enum ContainerStatus: String {
    case created, running, paused, stopped
}

/// The runtime: lifecycle operations on containers kept under one state root.
public final class Runtime {
    public let store: StateStore
    /// Warnings (poststop hook failures...) for the CLI to log.
    public var warn: (String) -> Void = { _ in }
    /// The pty master of a terminal container created for a foreground `run`.
    var consoleMaster: Int32 = -1

    public init(root: String) { store = StateStore(root: root) }

    // MARK: state

    /// Status from the kernel: the init pid with the start time we recorded is alive and not
    /// a zombie; the exec fifo still exists until `start`; the freezer tells paused.
    public func status(_ r: ContainerRecord) -> ContainerStatus {
        var st: CChar = 0
        let t = sr_proc_starttime(r.pid, &st)
        if t == 0 || t != r.startTime || st == 0x5a /* Z */ || st == 0x58 /* X */ { return .stopped }
        if fileExists(store.fifoPath(r.id)) { return .created }
        if !r.cgroupPaths.isEmpty && Cgroups.load(paths: r.cgroupPaths).isFrozen() { return .paused }
        return .running
    }

    public func state(id: String) throws -> ContainerState {
        try StateStore.validate(id: id)
        let r = try store.load(id)
        let s = status(r)
        return ContainerState(ociVersion: r.ociVersion, id: r.id, status: s.rawValue,
                              pid: s == .stopped ? 0 : r.pid, bundle: r.bundle, annotations: r.annotations)
    }

    public func list() -> [(record: ContainerRecord, status: ContainerStatus)] {
        store.ids().compactMap { id in (try? store.load(id)).map { ($0, status($0)) } }
    }

    // MARK: start

    /// `start`: release the init blocked on the exec fifo, then run poststart hooks.
    public func start(id: String) throws {
        let lock = try store.lock(id)
        defer { lock.release() }
        let r = try store.load(id)
        switch status(r) {
        case .created: break
        case .stopped: throw RuntimeError("cannot start a container that has stopped")
        case let s: throw RuntimeError("cannot start an already \(s.rawValue) container")
        }
        let spec = try store.loadSpec(id)
        guard spec.process != nil else { throw RuntimeError("config.json: process: missing (start needs a process)") }
        try startInit(r, spec: spec)
    }

    /// runtime.md steps 7-9: release the init (it runs the startContainer hooks, then the
    /// program), then the poststart hooks. A failing hook stops the container and continues
    /// at step 12: the container is destroyed (poststop hooks included) and start fails.
    func startInit(_ r: ContainerRecord, spec: Spec) throws {
        let hooks = spec.hooks ?? Hooks()
        let waitExec = !(hooks.startContainer.isEmpty && hooks.poststart.isEmpty)
        if let failed = try releaseInit(r, waitExec: waitExec) {
            try? destroy(r, status: .running)
            throw RuntimeError(failed)
        }
        guard !hooks.poststart.isEmpty else { return }
        let st = ContainerState(ociVersion: r.ociVersion, id: r.id, status: "running", pid: r.pid,
                                bundle: r.bundle, annotations: r.annotations).json(pretty: false)
        do {
            try HookRunner.run(hooks.poststart, kind: "poststart", state: st)
        } catch {
            try? destroy(r, status: .running)
            throw RuntimeError("\(error)")
        }
    }

    /// Read the init's "0" from the exec fifo. With `waitExec` (the init holds the fifo open
    /// until its exec), read on to EOF: returns a startContainer hook's error if it sent one.
    func releaseInit(_ r: ContainerRecord, waitExec: Bool) throws -> String? {
        let path = store.fifoPath(r.id)
        let fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        if fd < 0 { throw RuntimeError.sys("open exec fifo \(path)") }
        defer { close(fd) }
        var pfd = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        var buf = [UInt8](repeating: 0, count: 512)
        var got = false
        var rest: [UInt8] = []
        while true {
            let n = read(fd, &buf, got ? 512 : 1)
            if n > 0 {
                if got { rest += buf[0..<n] }
                got = true
                if !waitExec { break }
                continue
            }
            if n == 0 && got { break }   // EOF: the init exec'd (or exited)
            if n < 0 && errno != EAGAIN && errno != EINTR { throw RuntimeError.sys("read exec fifo") }
            if !got && status(r) == .stopped { throw RuntimeError("container init exited before start") }
            _ = poll(&pfd, 1, 50)
        }
        unlink(path)
        return rest.isEmpty ? nil : String(decoding: rest, as: UTF8.self)
    }

    // MARK: kill

    public func kill(id: String, signal: Int32, all: Bool) throws {
        let lock = try store.lock(id)
        defer { lock.release() }
        let r = try store.load(id)
        let s = status(r)
        guard s != .stopped else { throw RuntimeError("container \"\(id)\" is not running") }
        if all && !r.cgroupPaths.isEmpty {
            let cg = Cgroups.load(paths: r.cgroupPaths)
            try cg.killAll(signal: signal)
            if s == .paused && signal == SIGKILL { try? cg.thaw() }
            return
        }
        try signalInit(r, signal)
    }

    /// Signal the init through a pidfd so a recycled pid can never be hit.
    func signalInit(_ r: ContainerRecord, _ sig: Int32) throws {
        let pfd = sr_pidfd_open(r.pid)
        if pfd < 0 { throw RuntimeError.sys("pidfd_open \(r.pid)") }
        defer { close(pfd) }
        guard sr_proc_starttime(r.pid, nil) == r.startTime else { throw RuntimeError("container \"\(r.id)\" is not running") }
        try check(sr_pidfd_send_signal(pfd, sig), "kill \(r.pid) with signal \(sig)")
    }

    // MARK: delete

    public func delete(id: String, force: Bool) throws {
        try StateStore.validate(id: id)
        // runc: `delete --force` of a container that does not exist succeeds silently
        // (managers such as podman call it to clean up after a failed create).
        if force && !fileExists(store.statePath(id)) { return }
        let lock = try store.lock(id)
        defer { lock.release() }
        let r = try store.load(id)
        let s = status(r)
        if (s == .running || s == .paused) && !force {
            throw RuntimeError("cannot delete container \"\(id)\" that is not stopped: \(s.rawValue)")
        }
        try destroy(r, status: s)
    }

    /// Undo create: kill what runs, remove cgroups and state, then poststop hooks.
    func destroy(_ r: ContainerRecord, status s: ContainerStatus) throws {
        let cg = r.cgroupPaths.isEmpty ? nil : Cgroups.load(paths: r.cgroupPaths)
        if s != .stopped {
            try? signalInit(r, SIGKILL)
            if let cg { try? cg.killAll(signal: SIGKILL); if s == .paused { try? cg.thaw() } }
            waitGone(r)
        }
        if let cg {
            do { try cg.destroy() } catch { throw RuntimeError("delete \(r.id): \(error)") }
        }
        let spec = try? store.loadSpec(r.id)
        store.remove(r.id)
        if let hooks = spec?.hooks?.poststop, !hooks.isEmpty {
            let st = ContainerState(ociVersion: r.ociVersion, id: r.id, status: "stopped", pid: 0,
                                    bundle: r.bundle, annotations: r.annotations).json(pretty: false)
            for w in HookRunner.runAll(hooks, kind: "poststop", state: st) { warn(w) }
        }
    }

    /// Wait (bounded) until the init is gone or a zombie.
    func waitGone(_ r: ContainerRecord) {
        for _ in 0..<2000 {
            var st: CChar = 0
            let t = sr_proc_starttime(r.pid, &st)
            if t == 0 || t != r.startTime || st == 0x5a || st == 0x58 { return }
            var code: Int32 = 0
            _ = sr_wait_exit(r.pid, &code, 1) // reap if it is ours (run)
            usleep(1000)
        }
    }
}
