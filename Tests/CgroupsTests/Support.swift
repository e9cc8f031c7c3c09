// Fake cgroupfs trees (v1 and v2) in a temp dir, a write recorder, and child-process helpers
// for the host tests.
import Glibc
import XCTest
@testable import Cgroups

/// A directory tree that looks like cgroupfs: each new directory gets the files the kernel
/// would create for its hierarchy's controllers (via FSContext.onMkdir).
final class FakeTree {
    let root: String
    /// hierarchy directory name -> controllers (v1); empty for v2.
    let hierarchies: [String: [String]]
    let v2: Bool
    var v2Extra: [String: String] = [:]

    static let v1Defaults: [String: [String: String]] = [
        "cpu": ["cpu.shares": "1024", "cpu.cfs_period_us": "100000", "cpu.cfs_quota_us": "-1", "cpu.cfs_burst_us": "0",
                "cpu.rt_period_us": "1000000", "cpu.rt_runtime_us": "0", "cpu.idle": "0",
                "cpu.stat": "nr_periods 10\nnr_throttled 2\nthrottled_time 5000\n"],
        "cpuacct": ["cpuacct.usage": "123456", "cpuacct.usage_percpu": "100000 23456 \n",
                    "cpuacct.usage_percpu_sys": "1000 2000 \n", "cpuacct.usage_percpu_user": "3000 4000 \n",
                    "cpuacct.stat": "user 10\nsystem 5\n"],
        "cpuset": ["cpuset.cpus": "", "cpuset.mems": ""],
        "memory": ["memory.limit_in_bytes": "9223372036854771712", "memory.memsw.limit_in_bytes": "9223372036854771712",
                   "memory.soft_limit_in_bytes": "9223372036854771712", "memory.kmem.tcp.limit_in_bytes": "9223372036854771712",
                   "memory.swappiness": "60", "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\n",
                   "memory.use_hierarchy": "1", "memory.usage_in_bytes": "4096", "memory.max_usage_in_bytes": "8192",
                   "memory.failcnt": "3", "memory.memsw.usage_in_bytes": "5000", "memory.stat": "cache 100\nrss 200\n"],
        "devices": ["devices.allow": "", "devices.deny": "", "devices.list": "a *:* rwm\n"],
        "freezer": ["freezer.state": "THAWED\n"],
        "blkio": ["blkio.weight": "500", "blkio.leaf_weight": "500", "blkio.weight_device": "", "blkio.leaf_weight_device": "",
                  "blkio.throttle.read_bps_device": "", "blkio.throttle.write_bps_device": "",
                  "blkio.throttle.read_iops_device": "", "blkio.throttle.write_iops_device": "",
                  "blkio.throttle.io_service_bytes_recursive": "8:0 Read 100\n8:0 Write 200\nTotal 300\n",
                  "blkio.throttle.io_serviced_recursive": "8:0 Read 1\n8:0 Write 2\nTotal 3\n"],
        "pids": ["pids.max": "max\n", "pids.current": "1\n"],
        "hugetlb": ["hugetlb.2MB.limit_in_bytes": "9223372036854771712"],
        "net_cls": ["net_cls.classid": "0"],
        "net_prio": ["net_prio.ifpriomap": ""],
        "rdma": ["rdma.max": ""],
        "name=systemd": [:],
    ]

    static let v2Defaults: [String: String] = [
        "cgroup.procs": "", "cgroup.subtree_control": "", "cgroup.freeze": "0\n", "cgroup.events": "populated 0\nfrozen 0\n",
        "cgroup.controllers": "cpuset cpu io memory hugetlb pids rdma\n",
        "cpu.weight": "100", "cpu.max": "max 100000", "cpu.max.burst": "0", "cpu.idle": "0",
        "cpu.stat": "usage_usec 2000\nuser_usec 1500\nsystem_usec 500\nnr_periods 7\nnr_throttled 1\nthrottled_usec 30\n",
        "cpuset.cpus": "", "cpuset.mems": "",
        "memory.max": "max\n", "memory.swap.max": "max\n", "memory.low": "0", "memory.high": "max",
        "memory.current": "8192\n", "memory.peak": "16384\n", "memory.swap.current": "100\n",
        "memory.events": "low 0\nhigh 0\nmax 4\noom 0\noom_kill 0\n", "memory.stat": "anon 10\nfile 20\n",
        "io.weight": "default 100\n", "io.max": "", "io.stat": "8:0 rbytes=100 wbytes=200 rios=1 wios=2 dbytes=0 dios=0\n",
        "pids.max": "max\n", "pids.current": "2\n",
        "hugetlb.2MB.max": "max", "hugetlb.2MB.rsvd.max": "max", "rdma.max": "",
    ]

    init(v2: Bool, hierarchies: [String: [String]] = [:]) {
        var t = Array("/tmp/swift-test-cgfake-XXXXXX".utf8CString)
        let p = t.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(p != nil, "mkdtemp")
        root = t.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        self.v2 = v2
        self.hierarchies = hierarchies
        if v2 {
            populate(root)
            put("cgroup.controllers", "cpuset cpu io memory hugetlb pids rdma\n")
        } else {
            for (h, _) in hierarchies {
                mkdir(root + "/" + h, 0o755)
                populate(root + "/" + h)
            }
            if hierarchies["cpuset"] != nil { put("cpuset/cpuset.cpus", "0-1\n"); put("cpuset/cpuset.mems", "0\n") }
        }
    }

    /// The standard v1 layout with cpu and cpuacct comounted like many distributions do.
    static func standardV1() -> FakeTree {
        FakeTree(v2: false, hierarchies: [
            "cpu,cpuacct": ["cpu", "cpuacct"], "cpuset": ["cpuset"], "memory": ["memory"], "devices": ["devices"],
            "freezer": ["freezer"], "blkio": ["blkio"], "pids": ["pids"], "hugetlb": ["hugetlb"],
            "net_cls": ["net_cls"], "net_prio": ["net_prio"], "rdma": ["rdma"], "systemd": ["name=systemd"],
        ])
    }

    var layout: HostLayout {
        if v2 { return HostLayout(mode: .v2, unified: root) }
        var m: [String: V1Mount] = [:]
        for (h, ctrls) in hierarchies { for c in ctrls { m[c] = V1Mount(mountpoint: root + "/" + h, root: "/") } }
        return HostLayout(mode: .v1, v1: m)
    }

    var ctx: FSContext {
        var c = FSContext(real: false)
        c.onMkdir = { [unowned self] dir in self.populate(dir) }
        c.installDeviceFilter = { [unowned self] dir, prog in self.installed.append((dir, prog)) }
        return c
    }

    var installed: [(String, DeviceProgram)] = []

    func populate(_ dir: String) {
        func w(_ name: String, _ v: String) { FakeTree.writeFile(dir + "/" + name, v) }
        w("cgroup.procs", "")
        if v2 {
            for (k, v) in FakeTree.v2Defaults.merging(v2Extra, uniquingKeysWith: { $1 }) { w(k, v) }
            return
        }
        let rel = String(dir.dropFirst(root.count + 1))
        let h = String(rel.split(separator: "/").first ?? "")
        for c in hierarchies[h] ?? [] { for (k, v) in FakeTree.v1Defaults[c] ?? [:] { w(k, v) } }
    }

    static func writeFile(_ path: String, _ v: String) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        precondition(fd >= 0, "create \(path)")
        var s = v
        _ = s.withUTF8 { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    func put(_ rel: String, _ v: String) { FakeTree.writeFile(root + "/" + rel, v) }
    func get(_ rel: String) -> String? { FS.value(root + "/" + rel) }
    func exists(_ rel: String) -> Bool { FS.exists(root + "/" + rel) }

    func remove() { FS.removeDir(root, ctx: FSContext(real: false)) }
}

/// Records every cgroup file write while alive.
final class WriteLog {
    var entries: [(String, String)] = []
    init() { FS.observer = { [unowned self] p, v in self.entries.append((p, v)) } }
    func stop() { FS.observer = nil }
    /// (file name, value) of writes whose path ends with one of `names`.
    func writes(_ names: String...) -> [String] {
        entries.filter { e in names.contains { e.0.hasSuffix("/" + $0) } }.map { "\($0.0.split(separator: "/").last!)=\($0.1)" }
    }
}

/// A /bin/sh child with its stdin and stdout on pipes. It waits for one line on stdin (so the
/// test can move it into cgroups first), then runs `script`.
final class Child {
    let pid: pid_t
    let toChild: Int32
    let fromChild: Int32
    var reaped = false

    init(script: String) throws {
        var inPipe: [Int32] = [0, 0], outPipe: [Int32] = [0, 0]
        guard pipe(&inPipe) == 0, pipe(&outPipe) == 0 else { throw CgroupError("pipe") }
        for fd in inPipe + outPipe { _ = fcntl(fd, F_SETFD, FD_CLOEXEC) }
        var fa = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fa)
        defer { posix_spawn_file_actions_destroy(&fa) }
        posix_spawn_file_actions_adddup2(&fa, inPipe[0], 0)
        posix_spawn_file_actions_adddup2(&fa, outPipe[1], 1)
        let args = ["/bin/sh", "-c", "read go; " + script]
        var argv: [UnsafeMutablePointer<CChar>?] = args.map { strdup($0) } + [nil]
        defer { for a in argv { free(a) } }
        var envp: [UnsafeMutablePointer<CChar>?] = [strdup("PATH=/usr/bin:/bin"), nil]
        defer { free(envp[0]) }
        var p: pid_t = 0
        let rc = posix_spawn(&p, "/bin/sh", &fa, nil, &argv, &envp)
        close(inPipe[0]); close(outPipe[1])
        guard rc == 0 else { close(inPipe[1]); close(outPipe[0]); throw CgroupError("posix_spawn: \(rc)") }
        pid = p; toChild = inPipe[1]; fromChild = outPipe[0]
    }

    func go() { _ = Glibc.write(toChild, "go\n", 3) }

    /// Reads until `lines` newline-terminated lines arrived or 10 s passed.
    func readLines(_ lines: Int) -> [String] {
        var buf = [UInt8](), chunk = [UInt8](repeating: 0, count: 256)
        let deadline = monotonicMillis() + 10_000
        while buf.filter({ $0 == 10 }).count < lines && monotonicMillis() < deadline {
            var p = pollfd(fd: fromChild, events: Int16(POLLIN), revents: 0)
            if poll(&p, 1, 200) <= 0 { continue }
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fromChild, $0.baseAddress, 256) }
            if n <= 0 { break }
            buf += chunk[0..<n]
        }
        return String(decoding: buf, as: UTF8.self).split(separator: "\n").map(String.init)
    }

    /// Kills (if still running) and reaps.
    func finish() {
        if reaped { return }
        kill(pid, SIGKILL)
        var st: Int32 = 0
        waitpid(pid, &st, 0)
        reaped = true
        close(toChild); close(fromChild)
    }

    func state() -> String {
        for line in (FS.readIfExists("/proc/\(pid)/status") ?? "").split(separator: "\n") where line.hasPrefix("State:") {
            return trim(String(line.dropFirst(6)))
        }
        return "?"
    }
}

/// tearDown for host tests: thaw first (a frozen child would never die and waitpid would
/// hang), kill and reap the children, then remove the cgroups deepest first.
func cleanupHost(_ dirs: [String], _ children: [Child]) {
    for d in dirs where FS.isDir(d) {
        _ = FS.tryWrite(d + "/freezer.state", "THAWED")
        _ = FS.tryWrite(d + "/cgroup.freeze", "0")
    }
    for c in children { c.finish() }
    forceRemove(dirs.sorted { $0.count > $1.count })
}

/// Best-effort removal of host test cgroups (kills members, rmdir) for tearDown.
func forceRemove(_ dirs: [String]) {
    for d in dirs where FS.isDir(d) {
        if let p = try? FS.procs(d, recursive: true) { for pid in p { kill(pid, SIGKILL) } }
        _ = FS.tryWrite(d + "/freezer.state", "THAWED")
        FS.removeDir(d, ctx: FSContext(real: true))
    }
}
