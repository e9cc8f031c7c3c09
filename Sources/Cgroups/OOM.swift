// OOM-kill counter for `swiftrun events` (polled; no eventfd/threads in this runtime).
import Glibc

extension Cgroups {
    /// How many processes the kernel's OOM killer has killed in the container's memory cgroup:
    /// v1 memory.oom_control "oom_kill" (kernel >= 4.13), v2 memory.events "oom_kill"
    /// (hierarchical). nil when neither file is there (no memory controller, cgroup gone).
    public static func oomKillCount(paths: [String: String]) -> UInt64? {
        if let d = paths["memory"],
           let n = StatParse.keyValues(FS.readIfExists(d + "/memory.oom_control"))["oom_kill"] {
            return n
        }
        if let d = paths[""], let n = StatParse.keyValues(FS.readIfExists(d + "/memory.events"))["oom_kill"] {
            return n
        }
        return nil
    }
}
