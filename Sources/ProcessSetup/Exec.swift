// The last steps in the child: the final environment, the executable lookup, execve.
import Glibc
import CShim

extension PreparedProcess {
    /// The environment to exec with: `env`, plus HOME when it has no non-empty HOME (an empty
    /// HOME entry is replaced). Like runc, HOME is the home of `uid` in the container's
    /// /etc/passwd, or "/" when there is none. Call in the child after pivot_root: it reads
    /// /etc/passwd as a plain file (no NSS).
    public func environment() -> [String] {
        guard needsHome else { return env }
        return env.filter { !$0.hasPrefix("HOME=") } + ["HOME=" + (Self.passwdHome(uid: uid) ?? "/")]
    }

    /// The home directory of `uid` in /etc/passwd (as seen from the current root), if any.
    static func passwdHome(uid: UInt32, path: String = "/etc/passwd") -> String? {
        guard let bytes = readFileBytes(path, limit: 4 << 20) else { return nil }
        return passwdHome(uid: uid, in: String(decoding: bytes, as: UTF8.self))
    }

    static func passwdHome(uid: UInt32, in text: String) -> String? {
        for line in text.split(separator: "\n") {
            // name:password:uid:gid:gecos:home:shell
            let f = line.split(separator: ":", omittingEmptySubsequences: false)
            guard f.count >= 6, f[0].first != "#", let u = UInt32(f[2].trimmingSpaces), u == uid else { continue }
            return String(f[5])
        }
        return nil
    }

    /// Resolves args[0] like Go's exec.LookPath (which runc uses), inside the current root, with
    /// stat and faccessat only: a name containing "/" is checked as is; otherwise each PATH
    /// entry of `env` is tried in order (an empty entry means "."), and the first regular file
    /// the caller may execute wins. Without PATH in env nothing is searched (runc starts its
    /// init with an empty environment). Call after the user switch, as runc does.
    public func resolveExecutable() throws -> String {
        let name = args[0]
        if name.contains("/") {
            if let e = Self.checkExecutable(name) {
                throw ProcessSetupError.sys("exec: \(quoted(name))", e, hint: errnoText(e))
            }
            return name
        }
        let path = env.last(where: { $0.hasPrefix("PATH=") }).map { String($0.dropFirst(5)) } ?? ""
        if !path.isEmpty {
            for dir in path.split(separator: ":", omittingEmptySubsequences: false) {
                let d = dir.isEmpty ? "." : String(dir)
                let candidate = d.hasSuffix("/") ? d + name : d + "/" + name
                if Self.checkExecutable(candidate) == nil { return candidate }
            }
        }
        throw ProcessSetupError("exec: \(quoted(name)): executable file not found in $PATH", errno: ENOENT, exitStatus: 127)
    }

    /// nil when `path` is a non-directory the caller may execute; the errno otherwise.
    static func checkExecutable(_ path: String) -> Int32? {
        var st = stat()
        if stat(path, &st) != 0 { return Glibc.errno }
        if (st.st_mode & S_IFMT) == S_IFDIR { return EISDIR }
        if faccessat(AT_FDCWD, path, X_OK, AT_EACCESS) == 0 { return nil }
        let e = Glibc.errno
        if e == ENOSYS || e == EPERM { return st.st_mode & 0o111 != 0 ? nil : EACCES }
        return e
    }

    /// Resets every signal disposition and the signal mask, then execve(path, args,
    /// environment()). Returns only by throwing, naming the path and errno.
    /// With `trampolineFd` (sr_trampoline_fd) the program is exec'd through the sealed memfd
    /// trampoline, so no process in the container ever has the runtime binary as its exe.
    public func exec(path: String, trampolineFd: Int32 = -1) throws -> Never {
        let envp = environment()
        sr_reset_signals()
        let e = Self.execve(path, args, envp, trampolineFd: trampolineFd)
        // errnoText first: docker maps "no such file or directory" / "permission denied" to 127 / 126
        var hint = errnoText(e)
        switch e {
        case ENOENT: hint += ": the file, or its interpreter or dynamic loader, does not exist"
        case EACCES: hint += ": not executable, or a directory on the way is not searchable, or mounted noexec"
        case ENOEXEC: hint += ": not a binary or script for this architecture"
        default: break
        }
        throw ProcessSetupError.sys("exec \(quoted(path))", e, hint: hint)
    }

    /// execve with C copies of the arrays; returns errno when execve fails.
    static func execve(_ path: String, _ args: [String], _ env: [String], trampolineFd: Int32 = -1) -> Int32 {
        let argv = args.map { strdup($0) } + [nil]
        let envp = env.map { strdup($0) } + [nil]
        defer {
            for p in argv { free(p) }
            for p in envp { free(p) }
        }
        if trampolineFd >= 0 {
            _ = sr_exec_via_trampoline(trampolineFd, path, argv, envp)
        } else {
            _ = Glibc.execve(path, argv, envp)
        }
        return Glibc.errno
    }
}
