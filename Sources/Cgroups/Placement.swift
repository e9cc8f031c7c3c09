// Born-in placement: how `sr_spawn` forks the init directly into the container's cgroups.
//
// Writing another process's pid to cgroup.procs takes the global cgroup_threadgroup_rwsem for
// writing, whose first taker waits for an RCU grace period: 8-12 ms measured on this host, the
// largest single cost of `create` (and the same for runc and crun). A thread that moves itself
// through a v1 `tasks` file ("0") skips that lock, so the runtime steps into each v1 cgroup,
// forks, and steps back (0.5 ms for all hierarchies); the v2 cgroup is given to clone3 as
// CLONE_INTO_CGROUP, which only takes the lock's read side. Whatever was not placed this way
// is done by `addProcess(_:skipV1:skipV2:)` as before.
import Glibc

public struct CgroupPlacement {
    /// v1 `tasks` files of the container's cgroups, one per hierarchy.
    public var enter: [String] = []
    /// The caller's own v1 `tasks` files, in the same hierarchies, to return to.
    public var leave: [String] = []
    /// cgroup2 directory for CLONE_INTO_CGROUP (pure v2, or the unified half of a hybrid host).
    public var v2Dir: String?
}

extension Cgroups {
    /// nil when the manager's cgroups cannot be entered this way (a fake tree in unit tests,
    /// or the caller's own cgroup in a hierarchy is unknown): the caller uses addProcess.
    public static func placement(_ manager: CgroupManager) -> CgroupPlacement? {
        var p = CgroupPlacement()
        if let m = manager as? V2Manager {
            guard m.ctx.real else { return nil }
            p.v2Dir = m.dir
            return p
        }
        guard let m = manager as? V1Manager, m.ctx.real, let layout = try? Probe.layout(),
              let text = try? FS.read("/proc/self/cgroup") else { return nil }
        let own = Probe.ownCgroups(text)
        for (ctrl, dir) in m.uniqueDirs {
            guard let mount = layout.v1[ctrl], var mine = own[ctrl] else { return nil }
            if mount.root != "/" {
                guard mine.hasPrefix(mount.root) else { return nil }
                mine = String(mine.dropFirst(mount.root.count))
            }
            p.enter.append(dir + "/tasks")
            p.leave.append(joinPath(mount.mountpoint, mine) + "/tasks")
        }
        p.v2Dir = m.unified?.dir
        return p
    }

    /// placement() for a process joining a running container (exec): only when pids.max leaves
    /// room for the runtime and its child next to what runs there, and the memory limit is
    /// not so small that the runtime's own pages could be what hits it.
    public static func placementForJoin(_ manager: CgroupManager) -> CgroupPlacement? {
        let paths = manager.paths
        let v2 = paths.count == 1 ? paths[""] : nil
        if let d = paths["pids"] ?? v2, let max = FS.value(d + "/pids.max"), max != "max" {
            guard let m = Int(max), let cur = Int(FS.value(d + "/pids.current") ?? ""), m - cur >= 2 else { return nil }
        }
        if let d = paths["memory"] {
            if let l = Int(FS.value(d + "/memory.limit_in_bytes") ?? ""), l < 16 << 20 { return nil }
        } else if let d = v2, let l = Int(FS.value(d + "/memory.max") ?? ""), l < 16 << 20 {
            return nil
        }
        return placement(manager)
    }
}
