import CShim
import Cgroups
import Glibc
import OCISpec

/// linux.namespaces turned into what `sr_spawn` needs: flags to create, fds to join
/// (opened now so a bad path fails before anything is created), id maps, time offsets.
struct NamespacePlan {
    static let flag: [NamespaceType: Int32] = [
        .pid: SR_CLONE_NEWPID, .network: SR_CLONE_NEWNET, .mount: SR_CLONE_NEWNS, .ipc: SR_CLONE_NEWIPC,
        .uts: SR_CLONE_NEWUTS, .user: SR_CLONE_NEWUSER, .cgroup: SR_CLONE_NEWCGROUP, .time: SR_CLONE_NEWTIME,
    ]
    var newFlags: Int32 = 0
    /// A new cgroup namespace is unshared by the init itself once the runtime has moved it
    /// into its cgroups: the namespace's root is the cgroup its creator is in at that moment.
    var deferCgroupNamespace: Bool { newFlags & SR_CLONE_NEWCGROUP != 0 }
    var joins: [(type: Int32, fd: Int32)] = []
    var uidMap = ""
    var gidMap = ""
    var timeOffsets = ""
    var userNamespace: Bool { newFlags & SR_CLONE_NEWUSER != 0 || joins.contains { $0.type == SR_CLONE_NEWUSER } }

    init(linux: Linux) throws {
        for (i, ns) in linux.namespaces.enumerated() {
            let f = NamespacePlan.flag[ns.type]!
            if let path = ns.path, !path.isEmpty {
                let fd = open(path, O_RDONLY | O_CLOEXEC)
                if fd < 0 {
                    closeFds()
                    throw RuntimeError.sys("config.json: linux.namespaces[\(i)].path: open \(path)")
                }
                joins.append((f, fd))
            } else {
                newFlags |= f
            }
        }
        uidMap = linux.uidMappings.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
        gidMap = linux.gidMappings.map { "\($0.containerID) \($0.hostID) \($0.size)\n" }.joined()
        timeOffsets = linux.timeOffsets.sorted { $0.key < $1.key }
            .map { "\($0.key) \($0.value.secs) \($0.value.nanosecs)\n" }.joined()
    }

    func closeFds() { for j in joins { close(j.fd) } }

    /// Fork the container init into its namespaces (and, with `cgroups`, its cgroups).
    /// pid 0 in the init, its pid in the caller; `placedV1/V2`: born in those cgroups.
    func spawn(childFd: Int32, cgroups: CgroupPlacement? = nil) throws -> (pid: Int32, placedV1: Bool, placedV2: Bool) {
        var cfg = sr_spawn_config()
        cfg.new_flags = newFlags & ~SR_CLONE_NEWCGROUP
        cfg.n_join = Int32(joins.count)
        withUnsafeMutableBytes(of: &cfg.join) { raw in
            let p = raw.bindMemory(to: sr_ns_join.self)
            for (i, j) in joins.enumerated() where i < Int(SR_NS_MAX) {
                p[i] = sr_ns_join(nstype: j.type, fd: j.fd)
            }
        }
        cfg.child_fd = childFd
        cfg.deny_setgroups = 0
        let enter = CStringArray(cgroups?.enter ?? []), leave = CStringArray(cgroups?.leave ?? [])
        defer { enter.free(); leave.free() }
        if !enter.isEmpty {
            cfg.cg_enter = UnsafePointer(enter.pointer)
            cfg.cg_leave = UnsafePointer(leave.pointer)
        }
        var v2fd: Int32 = -1
        if let d = cgroups?.v2Dir {
            v2fd = open(d, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if v2fd >= 0 { cfg.cg_has_fd = 1; cfg.cg_fd = v2fd }
        }
        defer { if v2fd >= 0 { close(v2fd) } }
        var err = sr_spawn_error()
        let pid = uidMap.withCString { u in
            gidMap.withCString { g in
                timeOffsets.withCString { t -> pid_t in
                    cfg.uid_map = uidMap.isEmpty ? nil : u
                    cfg.gid_map = gidMap.isEmpty ? nil : g
                    cfg.timens_offsets = timeOffsets.isEmpty ? nil : t
                    return sr_spawn(&cfg, &err)
                }
            }
        }
        if pid < 0 {
            let what = withUnsafeBytes(of: err.what) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
            throw RuntimeError.sys("namespaces: \(what)", err.err)
        }
        return (pid, err.cg_placed & SR_CG_PLACED_V1 != 0, err.cg_placed & SR_CG_PLACED_V2 != 0)
    }
}

/// A NULL-terminated `const char *const *` for C, freed explicitly.
struct CStringArray {
    let pointer: UnsafeMutablePointer<UnsafePointer<CChar>?>
    let isEmpty: Bool
    init(_ strings: [String]) {
        pointer = .allocate(capacity: strings.count + 1)
        for (i, s) in strings.enumerated() { pointer[i] = UnsafePointer(strdup(s)) }
        pointer[strings.count] = nil
        isEmpty = strings.isEmpty
    }
    func free() {
        var i = 0
        while let p = pointer[i] { Glibc.free(UnsafeMutablePointer(mutating: p)); i += 1 }
        pointer.deallocate()
    }
}
