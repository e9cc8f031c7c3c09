import CShim
import Glibc

/// Paths inside the container root are resolved by the kernel with the root as "/"
/// (openat2 RESOLVE_IN_ROOT), so a symlink in the image can never point a mount or a
/// device node outside the rootfs.
struct RootDir {
    static let resolveInRoot: UInt64 = 0x10, resolveNoMagiclinks: UInt64 = 0x02
    let fd: Int32
    let path: String

    init(path: String) throws {
        self.path = path
        fd = Glibc.open(path, SR_O_PATH | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw SysError("open rootfs \(path)") }
    }

    func close() { _ = Glibc.close(fd) }

    /// Open an existing path inside the root (SR_O_PATH). Returns -1 with errno set if missing.
    func open(_ rel: String, flags: Int32 = SR_O_PATH | O_CLOEXEC) -> Int32 {
        let r = rel.drop { $0 == "/" }
        return sr_openat2(fd, r.isEmpty ? "." : String(r), flags, 0, RootDir.resolveInRoot | RootDir.resolveNoMagiclinks)
    }

    /// Create `rel` (and its parents) inside the root as a directory, or as an empty file
    /// when `file` is true, then return an SR_O_PATH fd on it.
    func create(_ rel: String, file: Bool, mode: mode_t = 0o755) throws -> Int32 {
        let existing = open(rel)
        if existing >= 0 { return existing }
        if errno != ENOENT { throw SysError("resolve \(rel) in rootfs") }
        var comps = rel.split(separator: "/").map(String.init)
        guard !comps.isEmpty else { return try sysOpen(".") }
        // Resolve each prefix from the root again, so symlinks in the image resolve as they
        // would inside the container; only missing components are created. A dangling
        // symlink on the way is followed (its target created inside the root), like runc.
        var i = 0, links = 0
        while i < comps.count {
            let prefix = comps[0...i].joined(separator: "/")
            let probe = open(prefix)
            if probe >= 0 {
                if i == comps.count - 1 { return probe }
                Glibc.close(probe); i += 1; continue
            }
            if errno != ENOENT { throw SysError("resolve /\(prefix) in rootfs") }
            let parentRel = comps[0..<i].joined(separator: "/")
            let parent = open(parentRel.isEmpty ? "." : parentRel, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if parent < 0 { throw SysError("open /\(parentRel) in rootfs") }
            defer { Glibc.close(parent) }
            let c = comps[i]
            var buf = [CChar](repeating: 0, count: 4097)
            let n = readlinkat(parent, c, &buf, 4096)
            if n > 0 {
                links += 1
                if links > 40 { throw SysError("resolve /\(rel) in rootfs", errno: ELOOP) }
                let target = String(cString: Array(buf[0..<n]) + [0])
                let base = target.hasPrefix("/") ? [] : Array(comps[0..<i])
                comps = base + target.split(separator: "/").map(String.init) + comps[(i + 1)...]
                comps = cleanPath(comps.joined(separator: "/")).split(separator: "/").map(String.init)
                i = 0
                continue
            }
            if i == comps.count - 1 && file {
                let f = openat(parent, c, O_CREAT | O_EXCL | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o644)
                if f < 0 && errno != EEXIST { throw SysError("create /\(rel) in rootfs") }
                if f >= 0 { Glibc.close(f) }
            } else if mkdirat(parent, c, mode) < 0 && errno != EEXIST {
                throw SysError("mkdir /\(prefix) in rootfs")
            }
        }
        let r = open(comps.joined(separator: "/"))
        if r < 0 { throw SysError("resolve /\(rel) in rootfs") }
        return r
    }

    private func sysOpen(_ rel: String) throws -> Int32 {
        let f = sr_openat2(fd, rel, SR_O_PATH | O_CLOEXEC, 0, RootDir.resolveInRoot)
        if f < 0 { throw SysError("open \(path)/\(rel)") }
        return f
    }
}

/// The magic path that names an fd; mount(2) and friends follow it to the opened inode.
@inline(__always)
func fdPath(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }

/// Normalise a container path: absolute, no "." / ".." games ("/a/../b" -> "/b").
func cleanPath(_ p: String) -> String {
    if isCleanPath(p) { return p }
    var out: [Substring] = []
    for c in p.split(separator: "/") {
        if c == "." || c.isEmpty { continue }
        if c == ".." { if !out.isEmpty { out.removeLast() }; continue }
        out.append(c)
    }
    return "/" + out.joined(separator: "/")
}

/// Already absolute and clean ("/", or "/a/b": no empty, "." or ".." component, no trailing
/// slash): the common case, answered from the bytes without splitting.
private func isCleanPath(_ p: String) -> Bool {
    var p = p
    return p.withUTF8 { b -> Bool in
        guard b.count > 0, b[0] == 47 else { return false }
        if b.count == 1 { return true }
        var start = 1
        for i in 1...b.count where i == b.count || b[i] == 47 {
            let n = i - start
            if n == 0 || (n == 1 && b[start] == 46) || (n == 2 && b[start] == 46 && b[start + 1] == 46) { return false }
            start = i + 1
        }
        return true
    }
}

