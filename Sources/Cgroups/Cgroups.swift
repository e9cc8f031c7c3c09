// cgroups v1, v2 and hybrid behind one protocol.
//
// Host probe (once per process, cached): statfs(/sys/fs/cgroup). cgroup2 there = "v2" and
// nothing else is read. Otherwise /proc/self/mountinfo is parsed once for the v1 controller
// mounts and a cgroup2 mount: with one it is "hybrid" (v1 controllers + the unified tree,
// typically /sys/fs/cgroup/unified), without "v1".
//
// linux.cgroupsPath -> directory, per hierarchy:
//   absent/empty   "<id>" relative to the caller's cgroup, as runc and crun.
//   "/a/b"         <hierarchy root>/a/b.
//   "a/b"          runc 1.1: v1 = below the caller's own cgroup in that hierarchy
//                  (/proc/self/cgroup); v2/unified = below the *parent* of the caller's
//                  cgroup (the caller's own one usually holds processes, so controllers
//                  could not be enabled for children).
//   "slice:prefix:name"  systemd style; no systemd here, so it is mapped onto cgroupfs the way
//                  the systemd driver lays it out: "system.slice:docker:abc" ->
//                  /system.slice/docker-abc.scope, "a-b.slice:p:n" -> /a.slice/a-b.slice/p-n.scope,
//                  a name ending in ".slice" is used as is, an empty slice = system.slice.
//   Paths are cleaned like runc's CleanPath ("..", "." and "//" cannot escape the root).
//
// paths (persisted in the state file): v1 controller name -> directory ("cpu", "cpuacct",
// "memory", "name=systemd", ...; comounted controllers share a directory); "" -> the cgroup2
// directory (v2, and the unified half on hybrid), as runc's state.json does.
import Glibc
import CShim
import OCISpec

public protocol CgroupManager {
    /// mkdir the container's cgroup in every hierarchy; error if it already holds processes (another container).
    func create() throws
    /// Write every field; on v2 convert like runc (shares->weight, blkio weight, ...).
    func apply(_ resources: Resources) throws
    /// cgroup.procs in every hierarchy (v1 all + v2 unified on hybrid), except the v1 or v2
    /// ones the process was already born into (see Placement.swift).
    func addProcess(_ pid: Int32, skipV1: Bool, skipV2: Bool) throws
    /// v1 freezer.state FROZEN (waits until FROZEN), v2 cgroup.freeze 1 (waits for cgroup.events frozen 1).
    func freeze() throws
    func thaw() throws
    func isFrozen() -> Bool
    /// Every pid in the cgroup and its child cgroups.
    func pids() throws -> [Int32]
    /// Signals every pid (v2: cgroup.kill for SIGKILL when present; otherwise freeze, signal, thaw).
    func killAll(signal: Int32) throws
    /// Kills what is left, waits, removes the container's directories (leaf first, child cgroups
    /// included) in every hierarchy, then the parents this manager created (or "swiftrun").
    func destroy() throws
    func stats() throws -> CgroupStats
    /// controller -> absolute directory, to be persisted in the state file.
    var paths: [String: String] { get }
}

extension CgroupManager {
    /// cgroup.procs in every hierarchy.
    public func addProcess(_ pid: Int32) throws { try addProcess(pid, skipV1: false, skipV2: false) }
}

enum CgroupMode: String { case v1, v2, hybrid }

struct V1Mount: Equatable {
    var mountpoint: String
    var root: String       // mountinfo "root" field (non-"/" inside cgroup namespaces / bind mounts)
}

struct HostLayout: Equatable {
    var mode: CgroupMode
    var v1: [String: V1Mount] = [:]   // controller ("memory", "name=systemd") -> mount
    var unified: String?              // cgroup2 mount point
}

enum Probe {
    nonisolated(unsafe) static var cached: HostLayout?

    static let v1Controllers: Set<String> = [
        "cpuset", "cpu", "cpuacct", "blkio", "memory", "devices", "freezer", "net_cls",
        "perf_event", "net_prio", "hugetlb", "pids", "rdma", "misc",
    ]

    static func layout() throws -> HostLayout {
        if let c = cached { return c }
        let magic = sr_statfs_type("/sys/fs/cgroup")
        if magic < 0 { throw CgroupError.sys("statfs", "/sys/fs/cgroup", Glibc.errno) }
        let l: HostLayout
        if magic == 0x6367_7270 {   // CGROUP2_SUPER_MAGIC
            l = HostLayout(mode: .v2, unified: "/sys/fs/cgroup")
        } else {
            let text = try FS.read("/proc/self/mountinfo")
            l = parseMountinfo(text)
            if l.v1.isEmpty && l.unified == nil {
                throw CgroupError("cgroup: no cgroup filesystem mounted (/proc/self/mountinfo)")
            }
        }
        cached = l
        return l
    }

    /// Extracts cgroup mounts from mountinfo text; the first mount of a controller wins.
    static func parseMountinfo(_ text: String) -> HostLayout {
        var v1: [String: V1Mount] = [:]
        var unified: String?
        for line in text.split(separator: "\n") where hasCgroupFSType(line.utf8) {
            // id parent maj:min root mountpoint opts [optional...] - fstype source superopts
            let f = line.split(separator: " ")
            guard f.count >= 10, let dash = f.firstIndex(of: "-"), dash + 3 < f.count else { continue }
            let fstype = f[dash + 1]
            if fstype == "cgroup2" {
                if unified == nil { unified = unescape(f[4]) }
            } else if fstype == "cgroup" {
                let m = V1Mount(mountpoint: unescape(f[4]), root: unescape(f[3]))
                for opt in f[dash + 3].split(separator: ",") {
                    let o = String(opt)
                    if v1Controllers.contains(o) || o.hasPrefix("name=") {
                        if v1[o] == nil { v1[o] = m }
                    }
                }
            }
        }
        if v1.isEmpty { return HostLayout(mode: .v2, unified: unified) }
        return HostLayout(mode: unified == nil ? .v1 : .hybrid, v1: v1, unified: unified)
    }

    /// Whether a mountinfo line has " - cgroup" (cgroup or cgroup2 fstype): a byte scan that
    /// skips the other mounts (a host running containers has hundreds) without splitting them.
    static func hasCgroupFSType(_ u: Substring.UTF8View) -> Bool {
        let pat: [UInt8] = Array(" - cgroup".utf8)
        return u.withContiguousStorageIfAvailable { b -> Bool in
            guard b.count >= pat.count else { return false }
            outer: for i in 0...(b.count - pat.count) where b[i] == 32 {
                for k in 1..<pat.count where b[i + k] != pat[k] { continue outer }
                return true
            }
            return false
        } ?? true   // not contiguous: let the full parse decide
    }

    /// mountinfo escapes space, tab, newline and backslash as \ooo.
    static func unescape(_ s: Substring) -> String {
        guard s.contains("\\") else { return String(s) }
        var out: [UInt8] = []
        let b = Array(s.utf8)
        var i = 0
        while i < b.count {
            if b[i] == 92, i + 3 < b.count,
               let v = UInt8(String(decoding: b[(i + 1)...(i + 3)], as: UTF8.self), radix: 8) {
                out.append(v); i += 4
            } else {
                out.append(b[i]); i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// /proc/self/cgroup: controller (each of a comounted list, "name=x", "" for v2) -> path.
    static func ownCgroups(_ text: String) -> [String: String] {
        var out: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let f = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard f.count == 3 else { continue }
            if f[1].isEmpty { out[""] = String(f[2]); continue }
            for c in f[1].split(separator: ",") { out[String(c)] = String(f[2]) }
        }
        return out
    }
}

/// Where the container's cgroup lives, before it is joined to a hierarchy root.
enum CgroupPathSpec: Equatable {
    case absolute(String)   // relative to every hierarchy root
    case relative(String)   // relative to the caller's cgroup (v1) / its parent (v2)

    static func resolve(_ path: String?, containerID: String) throws -> CgroupPathSpec {
        guard let p = path, !p.isEmpty else {
            let id = cleanPath(containerID)
            if id.isEmpty || id.contains("/") {
                throw CgroupError.invalid("container id", "\"\(containerID)\" cannot name a cgroup")
            }
            return .relative(id)
        }
        if p.hasPrefix("/") {
            let c = cleanPath(p)
            return .absolute(c)
        }
        let parts = p.split(separator: ":", omittingEmptySubsequences: false)
        if parts.count == 3 && !p.contains("/") { return .absolute(try systemdPath(p, parts.map(String.init))) }
        let c = cleanPath(p)
        if c.isEmpty { throw CgroupError.invalid("linux.cgroupsPath", "\"\(p)\" does not name a cgroup") }
        return .relative(c)
    }

    /// "slice:prefix:name" -> the cgroupfs path systemd would use.
    static func systemdPath(_ orig: String, _ parts: [String]) throws -> String {
        let slice = parts[0].isEmpty ? "system.slice" : parts[0]
        let bad = { (why: String) in
            CgroupError.invalid("linux.cgroupsPath", "\"\(orig)\": \(why); systemd cgroup driver not supported, slice:prefix:name is only mapped onto cgroupfs")
        }
        if slice.contains("/") || !slice.hasSuffix(".slice") { throw bad("\(slice) is not a slice name") }
        if parts[2].isEmpty || parts[2].contains("/") || parts[1].contains("/") { throw bad("invalid unit name") }
        var dir = ""
        if slice != "-.slice" {
            let base = String(slice.dropLast(".slice".count))
            if base.isEmpty || base.hasPrefix("-") || base.hasSuffix("-")
                || base.split(separator: "-", omittingEmptySubsequences: false).contains(where: \.isEmpty) {
                throw bad("invalid slice name \(slice)")
            }
            var prefix = ""
            for comp in base.split(separator: "-") {
                prefix += (prefix.isEmpty ? "" : "-") + comp
                dir += "/" + prefix + ".slice"
            }
        }
        let name = parts[2]
        let unit = name.hasSuffix(".slice") ? name : (parts[1].isEmpty ? name : parts[1] + "-" + name) + ".scope"
        return dir + "/" + unit
    }
}

public enum Cgroups {
    /// Probes the host once (statfs magic of /sys/fs/cgroup, then /proc/self/mountinfo only for
    /// v1/hybrid) and returns the manager for the container's cgroup. Nothing is created yet.
    public static func manager(cgroupsPath: String?, containerID: String) throws -> CgroupManager {
        let layout = try Probe.layout()
        let spec = try CgroupPathSpec.resolve(cgroupsPath, containerID: containerID)
        var own: [String: String] = [:]
        if case .relative = spec { own = Probe.ownCgroups(try FS.read("/proc/self/cgroup")) }
        return try build(layout: layout, spec: spec, own: own, ctx: FSContext(real: true, installDeviceFilter: DeviceRules.installBPF))
    }

    static func build(layout: HostLayout, spec: CgroupPathSpec, own: [String: String], ctx: FSContext) throws -> CgroupManager {
        func v2Dir(_ root: String) -> String {
            switch spec {
            case .absolute(let p): return joinPath(root, p)
            case .relative(let p):
                // runc: the parent of the caller's cgroup.
                return joinPath(joinPath(root, dirname(own[""] ?? "/")), p)
            }
        }
        if layout.mode == .v2 {
            guard let root = layout.unified else { throw CgroupError("cgroup: no cgroup2 mount") }
            return V2Manager(root: root, dir: v2Dir(root), ctx: ctx)
        }
        var dirs: [String: String] = [:], roots: [String: String] = [:]
        for (ctrl, m) in layout.v1 {
            switch spec {
            case .absolute(let p): dirs[ctrl] = joinPath(m.mountpoint, p)
            case .relative(let p):
                // runc 1.1 GetOwnCgroupPath: own cgroup made relative to the mount's root.
                var mine = own[ctrl] ?? "/"
                if m.root != "/" && mine.hasPrefix(m.root) { mine = String(mine.dropFirst(m.root.count)) }
                dirs[ctrl] = joinPath(joinPath(m.mountpoint, mine), p)
            }
            roots[ctrl] = m.mountpoint
        }
        var unified: V2Manager?
        if layout.mode == .hybrid, let u = layout.unified {
            unified = V2Manager(root: u, dir: v2Dir(u), ctx: ctx, hybridPart: true)
        }
        return V1Manager(dirs: dirs, roots: roots, unified: unified, ctx: ctx)
    }

    /// Re-opens an existing container's cgroups from persisted `paths` (delete, pause, ps,
    /// update, events in a later process). No probe: the keys say which driver it was.
    public static func load(paths: [String: String]) -> CgroupManager {
        let ctx = FSContext(real: true, installDeviceFilter: DeviceRules.installBPF)
        return load(paths: paths, ctx: ctx)
    }

    static func load(paths: [String: String], ctx: FSContext) -> CgroupManager {
        var v1 = paths
        let unified = v1.removeValue(forKey: "")
        if v1.isEmpty { return V2Manager(root: nil, dir: unified ?? "", ctx: ctx) }
        let u = unified.map { V2Manager(root: nil, dir: $0, ctx: ctx, hybridPart: true) }
        return V1Manager(dirs: v1, roots: [:], unified: u, ctx: ctx)
    }

    /// "v1", "v2" or "hybrid" ("none" when no cgroup filesystem is mounted).
    public static var hostMode: String { (try? Probe.layout())?.mode.rawValue ?? "none" }
}
