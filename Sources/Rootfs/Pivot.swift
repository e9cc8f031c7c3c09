import CShim
import Glibc
import OCISpec

extension RootfsSetup {
    /// Make the rootfs "/" (pivot_root, the old root detached) or, with --no-pivot, move it
    /// over "/" and chroot (for ramdisk hosts where pivot_root is refused).
    public func enterRoot(noPivot: Bool) throws {
        if noPivot {
            try sys(chdir(rootfs), "chdir \(rootfs)")
            try sys(sr_mount(rootfs, "/", nil, MS.move, nil), "move rootfs \(rootfs) to /")
            try sys(chroot("."), "chroot \(rootfs)")
            try sys(chdir("/"), "chdir /")
            return
        }
        let oldroot = open("/", O_DIRECTORY | O_RDONLY | O_CLOEXEC)
        if oldroot < 0 { throw SysError("open /") }
        defer { close(oldroot) }
        let newroot = open(rootfs, O_DIRECTORY | O_RDONLY | O_CLOEXEC)
        if newroot < 0 { throw SysError("open \(rootfs)") }
        defer { close(newroot) }
        try sys(fchdir(newroot), "chdir \(rootfs)")
        // pivot_root(".", "."): the old root is stacked under the new one, then detached.
        try sys(sr_pivot_root(".", "."), "pivot_root \(rootfs)")
        try sys(fchdir(oldroot), "chdir old root")
        // Keep the unmount from propagating to the host's mounts.
        try sys(sr_mount(nil, ".", nil, MS.slave | MS.rec, nil), "make old root rslave")
        try sys(sr_umount2(".", 2 /* MNT_DETACH */), "unmount old root")
        try sys(chdir("/"), "chdir /")
    }

    /// After the root switch: masked and readonly paths, read-only root, propagation.
    public func finish() throws {
        let linux = spec.linux ?? Linux()
        for p in linux.readonlyPaths { try readonlyPath(cleanPath(p)) }
        for p in linux.maskedPaths { try maskPath(cleanPath(p)) }
        if spec.root?.readonly == true {
            var f = MS.bind | MS.remount | MS.rdonly
            var s = statvfs()
            if statvfs("/", &s) == 0 { f |= UInt(s.f_flag) & (2 | 4 | 8 | 1024 | 2048 | 4096) }
            try sys(sr_mount(nil, "/", nil, f, nil), "remount / read-only")
        }
        if let prop = linux.rootfsPropagation, let f = RootfsSetup.propagation[prop] {
            try sys(sr_mount(nil, "/", nil, f, nil), "make / \(prop)")
        }
    }

    private func readonlyPath(_ p: String) throws {
        if sr_mount(p, p, nil, MS.bind | MS.rec, nil) < 0 {
            if errno == ENOENT { return }
            throw SysError("linux.readonlyPaths: bind \(p)")
        }
        var f = MS.bind | MS.remount | MS.rdonly | MS.rec
        var s = statvfs()
        if statvfs(p, &s) == 0 { f |= UInt(s.f_flag) & (2 | 4 | 8 | 1024 | 2048 | 4096) }
        try sys(sr_mount(nil, p, nil, f, nil), "linux.readonlyPaths: remount \(p) read-only")
    }

    private func maskPath(_ p: String) throws {
        var st = stat()
        if stat(p, &st) < 0 {
            if errno == ENOENT { return }
            throw SysError("linux.maskedPaths: stat \(p)")
        }
        if (st.st_mode & S_IFMT) == S_IFDIR {
            try sys(sr_mount("tmpfs", p, "tmpfs", MS.rdonly, nil), "linux.maskedPaths: mount tmpfs on \(p)")
        } else {
            try sys(sr_mount("/dev/null", p, nil, MS.bind, nil), "linux.maskedPaths: bind /dev/null on \(p)")
        }
    }

    /// Hostname and domainname (UTS namespace) and sysctls (through the container's /proc).
    public func applyKernelSettings() throws {
        if let h = spec.hostname {
            try sys(h.withCString { sr_sethostname($0, strlen($0)) }, "sethostname \(h)")
        }
        if let d = spec.domainname {
            try sys(d.withCString { sr_setdomainname($0, strlen($0)) }, "setdomainname \(d)")
        }
        for (k, v) in (spec.linux?.sysctl ?? [:]).sorted(by: { $0.key < $1.key }) {
            let path = "/proc/sys/" + k.replacingDots()
            do { try writeFile(path, v) } catch let e as SysError {
                throw SysError("linux.sysctl[\"\(k)\"]: \(e.step)", errno: e.errno)
            }
        }
    }
}

extension String {
    func replacingDots() -> String { String(map { $0 == "." ? "/" : $0 }) }
}
