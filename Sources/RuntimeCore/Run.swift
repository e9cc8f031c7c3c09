import CShim
import Glibc
import OCISpec

extension Runtime {
    /// `run`: create, start, and (unless detached) wait for the container's init, forwarding
    /// signals to it, then delete the container (unless `keep`). Returns the exit code in the
    /// shell convention (128+signal when killed).
    public func run(id: String, options: CreateOptions, detach: Bool, keep: Bool) throws -> Int32 {
        // Signals that arrive before the init exists are forwarded once it does.
        let forwarded: [Int32] = [SIGTERM, SIGINT, SIGHUP, SIGQUIT, SIGUSR1, SIGUSR2, SIGWINCH, SIGCONT, SIGALRM]
        if !detach { _ = forwarded.withUnsafeBufferPointer { sr_catch_signals($0.baseAddress, Int32($0.count)) } }
        var options = options
        options.foreground = !detach
        let (r, spec) = try createWithSpec(id: id, options: options)
        do {
            let lock = try store.lock(id)
            defer { lock.release() }
            try startInit(r, spec: spec)
        } catch {
            if fileExists(store.dir(id)) { try? destroy(r, status: .running) }
            throw error
        }
        if detach { return 0 }
        var code: Int32 = 0
        if consoleMaster >= 0 {
            code = sr_tty_proxy(consoleMaster, r.pid)
            close(consoleMaster)
            consoleMaster = -1
        } else { while true {
            var st: Int32 = 0
            let c = sr_wait_exit(r.pid, &st, 0)
            if c >= 0 { code = c; break }
            if errno == EINTR {
                while case let s = sr_take_signal(), s != 0 { _ = sr_kill(r.pid, s) }
                continue
            }
            break // ECHILD: not ours (should not happen); fall through to cleanup
        } }
        if !keep {
            let lock = try store.lock(id)
            defer { lock.release() }
            try destroy(r, status: .stopped)
        }
        return code
    }
}
