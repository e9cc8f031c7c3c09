import CShim
import Glibc
import OCISpec

/// Runs OCI hooks (config.md "POSIX-platform Hooks"): each hook is executed with its path,
/// args and env, the container state JSON on stdin, and killed when its timeout passes.
/// The caller decides the namespace (the runtime's, or the container's before pivot_root)
/// by where it calls this, and the working directory with `cwd` (runc: the bundle for the
/// hooks `create` runs, the rootfs for createContainer; nil keeps the caller's).
public enum HookRunner {
    public struct HookError: Error, CustomStringConvertible {
        public var description: String
    }

    /// Run hooks in order; the first failure stops and throws `<kind>[i] <path>: <reason>`.
    public static func run(_ hooks: [Hook], kind: String, state: String, cwd: String? = nil) throws {
        for (i, h) in hooks.enumerated() {
            if let reason = runOne(h, state: state, cwd: cwd) {
                throw HookError(description: "hooks.\(kind)[\(i)] \(h.path): \(reason)")
            }
        }
    }

    /// Run every hook, collecting failures as warnings (poststart/poststop semantics).
    public static func runAll(_ hooks: [Hook], kind: String, state: String, cwd: String? = nil) -> [String] {
        var warnings: [String] = []
        for (i, h) in hooks.enumerated() {
            if let reason = runOne(h, state: state, cwd: cwd) { warnings.append("hooks.\(kind)[\(i)] \(h.path): \(reason)") }
        }
        return warnings
    }

    /// nil on success, otherwise why it failed.
    static func runOne(_ h: Hook, state: String, cwd: String?) -> String? {
        var p: [Int32] = [0, 0]
        if pipe(&p) < 0 || fcntl(p[0], F_SETFD, FD_CLOEXEC) < 0 || fcntl(p[1], F_SETFD, FD_CLOEXEC) < 0 { return "pipe: \(String(cString: sr_errno_name(errno)))" }
        // Build argv/envp before fork: the child only execs.
        let args = h.args.isEmpty ? [h.path] : h.args
        let argv = args.map { strdup($0) } + [nil]
        let envp = h.env.map { strdup($0) } + [nil]
        let dir = cwd.map { strdup($0) } ?? nil
        defer { argv.forEach { free($0) }; envp.forEach { free($0) }; free(dir) }
        let pid = fork()
        if pid < 0 { close(p[0]); close(p[1]); return "fork: \(String(cString: sr_errno_name(errno)))" }
        if pid == 0 {
            // Its own process group: a timeout kills the hook and whatever it started.
            _ = setpgid(0, 0)
            dup2(p[0], 0)
            if let dir, chdir(dir) < 0 { _exit(127) }
            sr_reset_signals()
            execve(h.path, argv, envp)
            _exit(127)
        }
        close(p[0])
        // The hook may not read its stdin at all: ignore EPIPE; and the write must not block
        // (the timeout could not fire): a state bigger than a pipe gets a bigger pipe.
        let old = signal(SIGPIPE, SIG_IGN)
        let len = state.utf8.count
        if len > 65536 { _ = fcntl(p[1], 1031 /* F_SETPIPE_SZ */, Int32(clamping: len)) }
        _ = state.withCString { write(p[1], $0, len) }
        close(p[1])
        signal(SIGPIPE, old)

        // The deadline is on the monotonic clock; without a timeout, a plain blocking wait.
        let deadline: Int64? = h.timeout.map { monotonicMillis() + Int64($0) * 1000 }
        var status: Int32 = 0
        while true {
            let r = waitpid(pid, &status, deadline == nil ? 0 : WNOHANG)
            if r == pid { break }
            if r < 0 && errno == EINTR { continue }
            if r < 0 { return "waitpid: \(String(cString: sr_errno_name(errno)))" }
            if let d = deadline, monotonicMillis() >= d {
                kill(-pid, SIGKILL)
                kill(pid, SIGKILL)
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                return "timed out after \(h.timeout!)s (killed)"
            }
            usleep(2000)
        }
        let code = sr_wait_status_code(status)
        if code == 0 { return nil }
        if code == 127 && access(h.path, X_OK) != 0 { return "cannot execute: \(String(cString: sr_errno_name(errno)))" }
        return code > 128 ? "killed by signal \(code - 128)" : "exit status \(code)"
    }

    static func monotonicMillis() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
    }
}
