import CShim
import Glibc
import OCISpec

/// The devices every container gets (runtime-spec config-linux.md "Default Devices").
let defaultDevices: [(name: String, major: UInt32, minor: UInt32)] = [
    ("null", 1, 3), ("zero", 1, 5), ("full", 1, 7), ("random", 1, 8), ("urandom", 1, 9), ("tty", 5, 0),
]

extension RootfsSetup {
    func createDevices(root: RootDir) throws {
        let old = umask(0)
        defer { umask(old) }
        let configured = Set((spec.linux?.devices ?? []).map { cleanPath($0.path) })
        for d in defaultDevices where !configured.contains("/dev/" + d.name) {
            try makeNode(root: root, path: "/dev/" + d.name, type: S_IFCHR, major: d.major, minor: d.minor,
                         mode: 0o666, uid: 0, gid: 0)
        }
        for (i, d) in (spec.linux?.devices ?? []).enumerated() {
            let t: mode_t
            switch d.type {
            case "c", "u": t = S_IFCHR
            case "b": t = S_IFBLK
            case "p": t = S_IFIFO
            default: throw RootfsError("linux.devices[\(i)].type: unknown device type \"\(d.type)\"")
            }
            do {
                try makeNode(root: root, path: cleanPath(d.path), type: t, major: UInt32(d.major ?? 0),
                             minor: UInt32(d.minor ?? 0), mode: mode_t(d.fileMode ?? 0o666) & 0o7777,
                             uid: d.uid ?? 0, gid: d.gid ?? 0)
            } catch let e as SysError {
                throw SysError("linux.devices[\(i)]: \(e.step)", errno: e.errno)
            } catch let e as RootfsError {
                throw RootfsError("linux.devices[\(i)]: \(e.description)")
            }
        }
        try makeDevLinks(root: root)
    }

    private func makeNode(root: RootDir, path: String, type: mode_t, major: UInt32, minor: UInt32,
                          mode: mode_t, uid: UInt32, gid: UInt32) throws {
        let parentPath = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        let name = String(path[path.index(after: path.lastIndex(of: "/") ?? path.startIndex)...])
        let pfd0 = try root.create(parentPath.isEmpty ? "/" : parentPath, file: false)
        close(pfd0)
        let pfd = root.open(parentPath.isEmpty ? "/" : parentPath, flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if pfd < 0 { throw SysError("open \(parentPath) in rootfs") }
        defer { close(pfd) }
        if userNamespace {
            // mknod is not allowed: bind the host's node over an empty file.
            let f = openat(pfd, name, O_CREAT | O_WRONLY | O_CLOEXEC | O_NOFOLLOW, 0o644)
            if f < 0 { throw SysError("create \(path)") }
            close(f)
            let tfd = root.open(path)
            if tfd < 0 { throw SysError("open \(path) in rootfs") }
            defer { close(tfd) }
            try sys(sr_mount(path, fdPath(tfd), nil, MS.bind, nil), "bind mount device \(path)")
            return
        }
        if sr_mknodat(pfd, name, type | mode, major, minor) < 0 {
            guard errno == EEXIST else { throw SysError("mknod \(path) \(major):\(minor)") }
            // config-linux.md: a file already at path that does not match the requested device
            // MUST be an error. One that matches is kept as it is (the rootfs is the bundle's:
            // nothing in it is replaced or chowned).
            var st = stat()
            if fstatat(pfd, name, &st, AT_SYMLINK_NOFOLLOW) < 0 { throw SysError("stat \(path)") }
            let same = st.st_mode & S_IFMT == type
                && (type == S_IFIFO || (sr_major(st.st_rdev) == major && sr_minor(st.st_rdev) == minor))
            if same { return }
            throw RootfsError("\(path): a file that is not the requested device (\(devName(type)) \(major):\(minor)) already exists there")
        }
        if fchownat(pfd, name, uid, gid, AT_SYMLINK_NOFOLLOW) < 0 { throw SysError("chown \(path) \(uid):\(gid)") }
    }

    private func devName(_ t: mode_t) -> String { t == S_IFCHR ? "c" : t == S_IFBLK ? "b" : "p" }

    private func makeDevLinks(root: RootDir) throws {
        var links: [(String, String)] = [
            ("/proc/self/fd", "fd"), ("/proc/self/fd/0", "stdin"), ("/proc/self/fd/1", "stdout"),
            ("/proc/self/fd/2", "stderr"),
        ]
        // /dev/ptmx points at the container's devpts instance when it has one.
        if spec.mounts.contains(where: { cleanPath($0.destination) == "/dev/pts" }) { links.append(("pts/ptmx", "ptmx")) }
        if access("/proc/kcore", F_OK) == 0 { links.append(("/proc/kcore", "core")) }
        let dfd = root.open("/dev", flags: O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if dfd < 0 { throw SysError("open /dev in rootfs") }
        defer { close(dfd) }
        for (target, name) in links {
            if symlinkat(target, dfd, name) == 0 { continue }
            if errno != EEXIST { throw SysError("symlink /dev/\(name) -> \(target)") }
            if name == "ptmx" {
                // a ptmx node from the image: replace with the link to the container's devpts
                unlinkat(dfd, name, 0)
                try sys(symlinkat(target, dfd, name), "symlink /dev/ptmx -> pts/ptmx")
            }
        }
    }
}
