import CShim
import Glibc
import OCISpec

/// Builds the container's root filesystem inside its (new) mount namespace. Runs in the
/// container init before pivot_root; every destination is resolved inside the rootfs.
///
/// Order (as runc): propagation of "/", bind the rootfs onto itself, every `mounts` entry in
/// order, default devices + linux.devices + /dev symlinks; then (hooks) pivot_root or chroot,
/// then `finish()`: masked and readonly paths, readonly root, rootfsPropagation.
public struct RootfsSetup {
    public let spec: Spec
    public let bundle: String
    public let rootfs: String
    /// Container cgroup directories to show under a `cgroup` mount: (subdir, host dir);
    /// subdir "" means the mount point itself (pure cgroup v2).
    public var cgroupBinds: [(subdir: String, hostDir: String)] = []
    /// In a user namespace mknod is refused: bind the host's device nodes instead, and keep
    /// the flags the kernel locks when remounting binds.
    public var userNamespace = false

    public init(spec: Spec, bundle: String) {
        self.spec = spec
        self.bundle = bundle
        let p = spec.root?.path ?? "rootfs"
        rootfs = cleanPath(p.hasPrefix("/") ? p : bundle + "/" + p)
    }

    // MARK: before pivot_root

    public func prepareRoot() throws {
        let prop = spec.linux?.rootfsPropagation
        // Before pivot_root "/" is made recursively slave (private when asked): no mount the
        // rootfs sits on may stay shared (pivot_root: EINVAL) and nothing propagates back to the
        // host. The requested value is applied to the new "/" in finish().
        let flag = prop == "private" ? MS.private | MS.rec : MS.slave | MS.rec
        try sys(sr_mount(nil, "/", nil, flag, nil), "make / \(prop == "private" ? "rprivate" : "rslave")")
        try sys(sr_mount(rootfs, rootfs, nil, MS.bind | MS.rec, nil), "bind mount rootfs \(rootfs)")
    }

    public func mountAll() throws {
        let root = try RootDir(path: rootfs)
        defer { root.close() }
        for (i, m) in spec.mounts.enumerated() {
            do {
                try mountOne(m, root: root)
            } catch let e as SysError {
                throw SysError("mounts[\(i)]: \(e.step)", errno: e.errno)
            }
        }
        try createDevices(root: root)
    }

    static let propagation: [String: UInt] = [
        "private": MS.private, "rprivate": MS.private | MS.rec,
        "slave": MS.slave, "rslave": MS.slave | MS.rec,
        "shared": MS.shared, "rshared": MS.shared | MS.rec,
        "unbindable": MS.unbindable, "runbindable": MS.unbindable | MS.rec,
    ]

    private func mountOne(_ m: Mount, root: RootDir) throws {
        let opts = MountOptions.parse(m.options)
        let dest = cleanPath(m.destination)
        let type = m.type ?? ""
        let isBind = opts.bind || type == "bind"
        var source = m.source ?? ""
        if isBind && !source.hasPrefix("/") { source = cleanPath(bundle + "/" + source) }

        var isFile = false
        if isBind {
            var st = stat()
            if stat(source, &st) < 0 { throw SysError("stat bind source \(source)") }
            isFile = (st.st_mode & S_IFMT) != S_IFDIR
        }
        let tfd = try root.create(dest, file: isFile)
        defer { close(tfd) }

        if type == "cgroup" || type == "cgroup2" {
            try mountCgroup(dest: dest, fd: tfd, opts: opts, root: root)
            return
        }
        let data = opts.data.joined(separator: ",")
        if isBind {
            try sys(sr_mount(source, fdPath(tfd), nil, MS.bind | (opts.flags & MS.rec), nil),
                    "bind mount \(source) on \(dest)")
            let extra = opts.flags & ~(MS.bind | MS.rec | MS.remount)
            if extra != 0 || !data.isEmpty {
                try remountBind(dest, root: root, flags: extra | (opts.flags & MS.rec), data: data)
            }
        } else {
            let src = source.isEmpty ? type : source
            let r = data.withCString { d in
                sr_mount(src, fdPath(tfd), type, opts.flags & ~MS.propagationMask, data.isEmpty ? nil : d)
            }
            try sys(r, "mount \(type) on \(dest)")
        }
        try applyAttributes(dest, root: root, opts: opts)
    }

    /// Remount an existing bind with new per-mount flags, keeping the flags the kernel has
    /// locked (nosuid/nodev/noexec/atime) when we are not root of the initial user namespace.
    func remountBind(_ dest: String, root: RootDir, flags: UInt, data: String = "") throws {
        let fd = root.open(dest)
        if fd < 0 { throw SysError("open \(dest) in rootfs") }
        defer { close(fd) }
        var f = flags | MS.bind | MS.remount
        if userNamespace { f |= lockedFlags(fd) }
        let r = data.withCString { d in sr_mount(nil, fdPath(fd), nil, f, data.isEmpty ? nil : d) }
        try sys(r, "remount \(dest) (bind, flags 0x\(String(f, radix: 16)))")
    }

    private func lockedFlags(_ fd: Int32) -> UInt {
        var s = statvfs()
        guard fstatvfs(fd, &s) == 0 else { return 0 }
        let keep: UInt = 1 | 2 | 4 | 8 | 1024 | 2048 | 4096  // ST_RDONLY..ST_NOEXEC, NOATIME, NODIRATIME, RELATIME
        return UInt(s.f_flag) & keep & ~UInt(1)
    }

    private func applyAttributes(_ dest: String, root: RootDir, opts: MountOptions) throws {
        if opts.recAttrSet != 0 || opts.recAttrClear != 0 {
            let fd = root.open(dest)
            if fd < 0 { throw SysError("open \(dest) in rootfs") }
            defer { close(fd) }
            // AT_EMPTY_PATH | AT_RECURSIVE
            try sys(sr_mount_setattr(fd, "", 0x1000 | 0x8000, opts.recAttrSet, opts.recAttrClear, 0),
                    "mount_setattr \(dest)")
        }
        for p in opts.propagation {
            let fd = root.open(dest)
            if fd < 0 { throw SysError("open \(dest) in rootfs") }
            defer { close(fd) }
            try sys(sr_mount(nil, fdPath(fd), nil, p, nil), "set propagation of \(dest)")
        }
    }

    /// A `cgroup` mount shows the container its own cgroups: the container's cgroup
    /// directories are bound in (read-only when asked), under a tmpfs on v1/hybrid hosts.
    private func mountCgroup(dest: String, fd: Int32, opts: MountOptions, root: RootDir) throws {
        let ro = opts.flags & MS.rdonly != 0
        let base = opts.flags & (MS.nosuid | MS.nodev | MS.noexec)
        if cgroupBinds.count == 1, cgroupBinds[0].subdir.isEmpty {
            try sys(sr_mount(cgroupBinds[0].hostDir, fdPath(fd), nil, MS.bind | MS.rec, nil),
                    "bind mount \(cgroupBinds[0].hostDir) on \(dest)")
            if ro || base != 0 { try remountBind(dest, root: root, flags: base | (ro ? MS.rdonly : 0)) }
            return
        }
        try sys(sr_mount("tmpfs", fdPath(fd), "tmpfs", MS.nosuid | MS.nodev | MS.noexec, "mode=755"),
                "mount tmpfs on \(dest)")
        for b in cgroupBinds {
            let sub = dest + "/" + b.subdir
            let sfd = try root.create(sub, file: false)
            defer { close(sfd) }
            try sys(sr_mount(b.hostDir, fdPath(sfd), nil, MS.bind | MS.rec, nil), "bind mount \(b.hostDir) on \(sub)")
            try remountBind(sub, root: root, flags: base | (ro ? MS.rdonly : 0))
        }
        if ro { try remountBind(dest, root: root, flags: MS.nosuid | MS.nodev | MS.noexec | MS.rdonly) }
    }
}
