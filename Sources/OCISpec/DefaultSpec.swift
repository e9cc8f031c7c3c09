// `swiftrun spec`: the example config.json, like runc's specconv.Example() (runc 1.1) and
// specconv.ToRootless() for --rootless.
import Glibc

public enum DefaultSpec {
    public static let ociVersion = "1.2.0"

    /// The document `swiftrun spec` writes (tab-indented like `runc spec`).
    public static func json(rootless: Bool = false) -> String {
        spec(rootless: rootless).encoded().serialized(indent: "\t")
    }

    /// Rootless: no network namespace, a new user namespace mapping the caller's euid/egid to 0,
    /// /sys rbind-mounted from the host, no uid=/gid= mount options, no cgroup resources.
    public static func spec(rootless: Bool = false, uid: UInt32 = geteuid(), gid: UInt32 = getegid()) -> Spec {
        var s = Spec()
        s.ociVersion = ociVersion
        var p = Process()
        p.terminal = true
        p.args = ["sh"]
        p.env = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "TERM=xterm"]
        p.cwd = "/"
        let caps = ["CAP_AUDIT_WRITE", "CAP_KILL", "CAP_NET_BIND_SERVICE"]
        var c = Capabilities()
        c.bounding = caps
        c.effective = caps
        c.permitted = caps
        p.capabilities = c
        p.rlimits = [Rlimit(type: "RLIMIT_NOFILE", soft: 1024, hard: 1024)]
        p.noNewPrivileges = true
        s.process = p
        s.root = Root(path: "rootfs", readonly: true)
        s.hostname = "swiftrun"
        s.mounts = [
            Mount(destination: "/proc", type: "proc", source: "proc"),
            Mount(destination: "/dev", type: "tmpfs", source: "tmpfs",
                  options: ["nosuid", "strictatime", "mode=755", "size=65536k"]),
            Mount(destination: "/dev/pts", type: "devpts", source: "devpts",
                  options: ["nosuid", "noexec", "newinstance", "ptmxmode=0666", "mode=0620", "gid=5"]),
            Mount(destination: "/dev/shm", type: "tmpfs", source: "shm",
                  options: ["nosuid", "noexec", "nodev", "mode=1777", "size=65536k"]),
            Mount(destination: "/dev/mqueue", type: "mqueue", source: "mqueue", options: ["nosuid", "noexec", "nodev"]),
            Mount(destination: "/sys", type: "sysfs", source: "sysfs", options: ["nosuid", "noexec", "nodev", "ro"]),
            Mount(destination: "/sys/fs/cgroup", type: "cgroup", source: "cgroup",
                  options: ["nosuid", "noexec", "nodev", "relatime", "ro"]),
        ]
        var l = Linux()
        var res = Resources()
        var deny = DeviceCgroupRule(allow: false)
        deny.access = "rwm"
        res.devices = [deny]
        l.resources = res
        l.namespaces = [.pid, .network, .ipc, .uts, .mount, .cgroup].map { Namespace(type: $0) }
        l.maskedPaths = [
            "/proc/acpi", "/proc/asound", "/proc/kcore", "/proc/keys", "/proc/latency_stats", "/proc/timer_list",
            "/proc/timer_stats", "/proc/sched_debug", "/sys/firmware", "/proc/scsi",
        ]
        l.readonlyPaths = ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"]
        if rootless {
            l.namespaces = l.namespaces.filter { $0.type != .network && $0.type != .user } + [Namespace(type: .user)]
            l.uidMappings = [IDMapping(containerID: 0, hostID: uid, size: 1)]
            l.gidMappings = [IDMapping(containerID: 0, hostID: gid, size: 1)]
            l.resources = nil
            s.mounts = s.mounts.map { m in
                if m.destination == "/sys" {
                    return Mount(destination: "/sys", type: "none", source: "/sys",
                                 options: ["rbind", "nosuid", "noexec", "nodev", "ro"])
                }
                var m = m
                m.options = m.options.filter { !$0.hasPrefix("uid=") && !$0.hasPrefix("gid=") }
                return m
            }
        }
        s.linux = l
        return s
    }
}
