// ProcessSetup: the container process's attributes — user and groups, capabilities, rlimits,
// no_new_privs, umask, oom_score_adj, I/O priority, scheduler, personality, exec CPU affinity —
// and the final execve.
//
// PreparedProcess.prepare runs in the parent before fork: it resolves every name to a number
// and reports every configuration error it can. The apply* methods run in the forked,
// single-threaded child (after pivot_root) or, where they take a pid, in the parent on the
// child. Nothing here uses NSS or loads code from the container rootfs; ids are numeric.
import Glibc
import OCISpec
import CShim

public struct ProcessSetupError: Error, CustomStringConvertible, Equatable {
    /// Names the config field or the step, then the syscall and errno name, then a hint.
    public let message: String
    /// errno of the failed syscall; nil for configuration errors found by prepare().
    public let errno: Int32?
    /// Exit status of a container init that fails with this after `start`: 127 (the shell's
    /// "command not found") when no executable was found on $PATH, else 1.
    public let exitStatus: Int32

    public init(_ message: String, errno: Int32? = nil, exitStatus: Int32 = 1) {
        self.message = message
        self.errno = errno
        self.exitStatus = exitStatus
    }

    public var description: String { message }

    /// "<what>: ENAME" or "<what>: ENAME (<hint>)".
    static func sys(_ what: String, _ e: Int32, hint: String? = nil) -> ProcessSetupError {
        var m = "\(what): \(errnoName(e))"
        if let hint, !hint.isEmpty { m += " (\(hint))" }
        return ProcessSetupError(m, errno: e)
    }
}

/// "EPERM" etc.
func errnoName(_ e: Int32) -> String { String(cString: sr_errno_name(e)) }

/// strerror(e) with a lower-case first letter ("no such file or directory", "permission
/// denied"): the text of Go's syscall.Errno.Error(), which runc's exec errors carry and
/// managers match on (docker turns them into exit status 127 / 126).
func errnoText(_ e: Int32) -> String {
    let s = String(cString: strerror(e))
    return s.prefix(1).lowercased() + s.dropFirst()
}

/// Quote a name or path for an error message (JSON string syntax, like Go's %q for these).
func quoted(_ s: String) -> String { JSON.string(s).serialized() }
