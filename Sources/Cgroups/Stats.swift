// Resource statistics with the shape and JSON names of runc's `events --stats` data
// (runc types.Stats: cpu, memory, pids, blkio, hugetlb). Units as runc: cpu times in ns,
// memory in bytes. v1 "swap" is memsw (memory+swap); on v2 swap values are made memory+swap
// too, as runc does. "max" limits: v1 raw number, v2 memory UInt64.max, pids 0 (= no limit).
import Glibc

public struct CgroupStats: Equatable, Sendable {
    public struct CpuUsage: Equatable, Sendable {
        public var total: UInt64 = 0          // "total"
        public var percpu: [UInt64] = []      // "percpu"
        public var percpuKernel: [UInt64] = [] // "percpu_kernel"
        public var percpuUser: [UInt64] = []  // "percpu_user"
        public var kernel: UInt64 = 0         // "kernel"
        public var user: UInt64 = 0           // "user"
    }
    public struct Throttling: Equatable, Sendable {
        public var periods: UInt64 = 0          // "periods"
        public var throttledPeriods: UInt64 = 0 // "throttledPeriods"
        public var throttledTime: UInt64 = 0    // "throttledTime" (ns)
    }
    public struct Cpu: Equatable, Sendable {
        public var usage = CpuUsage()
        public var throttling = Throttling()
    }
    public struct MemoryEntry: Equatable, Sendable {
        public var limit: UInt64 = 0
        public var usage: UInt64 = 0
        public var max: UInt64 = 0      // peak usage
        public var failcnt: UInt64 = 0
    }
    public struct Memory: Equatable, Sendable {
        public var cache: UInt64 = 0
        public var usage = MemoryEntry()
        public var swap = MemoryEntry()
        public var kernel = MemoryEntry()
        public var kernelTCP = MemoryEntry()
        public var raw: [String: UInt64] = [:]
    }
    public struct Pids: Equatable, Sendable {
        public var current: UInt64 = 0
        public var limit: UInt64 = 0    // 0 = no limit
    }
    public struct BlkioEntry: Equatable, Sendable {
        public var major: UInt64 = 0, minor: UInt64 = 0
        public var op: String = ""
        public var value: UInt64 = 0
    }
    public struct Blkio: Equatable, Sendable {
        public var ioServiceBytesRecursive: [BlkioEntry] = []
        public var ioServicedRecursive: [BlkioEntry] = []
        public var ioQueuedRecursive: [BlkioEntry] = []      // JSON "ioQueueRecursive" (sic, runc)
        public var ioServiceTimeRecursive: [BlkioEntry] = []
        public var ioWaitTimeRecursive: [BlkioEntry] = []
        public var ioMergedRecursive: [BlkioEntry] = []
        public var ioTimeRecursive: [BlkioEntry] = []
        public var sectorsRecursive: [BlkioEntry] = []
    }
    public struct Hugetlb: Equatable, Sendable {
        public var usage: UInt64 = 0
        public var max: UInt64 = 0
        public var failcnt: UInt64 = 0
    }

    public var cpu = Cpu()
    public var memory = Memory()
    public var pids = Pids()
    public var blkio = Blkio()
    public var hugetlb: [String: Hugetlb] = [:]   // page size ("2MB") -> stats

    public init() {}

    /// runc's types.Stats JSON (Go omitempty rules kept), keys sorted in maps.
    public func json() -> String {
        var j = JSONOut()
        j.open()
        j.key("cpu"); j.open()
        j.key("usage"); j.open()
        j.num("total", cpu.usage.total, omitZero: true)
        j.list("percpu", cpu.usage.percpu)
        j.list("percpu_kernel", cpu.usage.percpuKernel)
        j.list("percpu_user", cpu.usage.percpuUser)
        j.num("kernel", cpu.usage.kernel); j.num("user", cpu.usage.user)
        j.close()
        j.key("throttling"); j.open()
        j.num("periods", cpu.throttling.periods, omitZero: true)
        j.num("throttledPeriods", cpu.throttling.throttledPeriods, omitZero: true)
        j.num("throttledTime", cpu.throttling.throttledTime, omitZero: true)
        j.close(); j.close()
        j.key("memory"); j.open()
        j.num("cache", memory.cache, omitZero: true)
        for (k, e) in [("usage", memory.usage), ("swap", memory.swap), ("kernel", memory.kernel), ("kernelTCP", memory.kernelTCP)] {
            j.key(k); j.open()
            j.num("limit", e.limit); j.num("usage", e.usage, omitZero: true)
            j.num("max", e.max, omitZero: true); j.num("failcnt", e.failcnt)
            j.close()
        }
        if !memory.raw.isEmpty {
            j.key("raw"); j.open()
            for k in memory.raw.keys.sorted() { j.num(k, memory.raw[k]!) }
            j.close()
        }
        j.close()
        j.key("pids"); j.open()
        j.num("current", pids.current, omitZero: true); j.num("limit", pids.limit, omitZero: true)
        j.close()
        j.key("blkio"); j.open()
        for (k, list) in [("ioServiceBytesRecursive", blkio.ioServiceBytesRecursive), ("ioServicedRecursive", blkio.ioServicedRecursive),
                          ("ioQueueRecursive", blkio.ioQueuedRecursive), ("ioServiceTimeRecursive", blkio.ioServiceTimeRecursive),
                          ("ioWaitTimeRecursive", blkio.ioWaitTimeRecursive), ("ioMergedRecursive", blkio.ioMergedRecursive),
                          ("ioTimeRecursive", blkio.ioTimeRecursive), ("sectorsRecursive", blkio.sectorsRecursive)] where !list.isEmpty {
            j.key(k); j.raw("[")
            for (i, e) in list.enumerated() {
                if i > 0 { j.raw(",") }
                j.open(); j.num("major", e.major, omitZero: true); j.num("minor", e.minor, omitZero: true)
                if !e.op.isEmpty { j.str("op", e.op) }
                j.num("value", e.value, omitZero: true); j.close()
            }
            j.raw("]")
        }
        j.close()
        j.key("hugetlb"); j.open()
        for k in hugetlb.keys.sorted() {
            let h = hugetlb[k]!
            j.key(k); j.open(); j.num("usage", h.usage, omitZero: true); j.num("max", h.max, omitZero: true)
            j.num("failcnt", h.failcnt); j.close()
        }
        j.close()
        j.close()
        return j.out
    }
}

struct JSONOut {
    var out = ""
    var needComma = false
    mutating func raw(_ s: String) {
        out += s
        needComma = s == "]" || s == "}"
    }
    mutating func open() { out += "{"; needComma = false }
    mutating func close() { out += "}"; needComma = true }
    mutating func key(_ k: String) {
        if needComma { out += "," }
        out += "\"" + JSONOut.escape(k) + "\":"
        needComma = false
    }
    mutating func num(_ k: String, _ v: UInt64, omitZero: Bool = false) {
        if omitZero && v == 0 { return }
        key(k); out += String(v); needComma = true
    }
    mutating func str(_ k: String, _ v: String) { key(k); out += "\"" + JSONOut.escape(v) + "\""; needComma = true }
    mutating func list(_ k: String, _ v: [UInt64]) {
        if v.isEmpty { return }
        key(k); out += "[" + v.map(String.init).joined(separator: ",") + "]"; needComma = true
    }
    static func escape(_ s: String) -> String {
        var o = ""
        for c in s.unicodeScalars {
            switch c {
            case "\"": o += "\\\""
            case "\\": o += "\\\\"
            case "\n": o += "\\n"
            default:
                if c.value < 0x20 { o += "\\u00" + (c.value < 0x10 ? "0" : "") + String(c.value, radix: 16) } else { o.unicodeScalars.append(c) }
            }
        }
        return o
    }
}

// MARK: parsing helpers

enum StatParse {
    /// "key value" lines -> map (memory.stat, cpu.stat, cpuacct.stat, *.events).
    static func keyValues(_ text: String?) -> [String: UInt64] {
        var out: [String: UInt64] = [:]
        for line in (text ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            if f.count == 2, let v = UInt64(f[1]) { out[String(f[0])] = v }
        }
        return out
    }

    static func numbers(_ text: String?) -> [UInt64] {
        (text ?? "").split(whereSeparator: { $0 == " " || $0 == "\n" }).compactMap { UInt64($0) }
    }

    /// v1 blkio "8:0 Read 123" / "8:0 123" lines (the "Total" line is dropped).
    static func blkio(_ text: String?) -> [CgroupStats.BlkioEntry] {
        var out: [CgroupStats.BlkioEntry] = []
        for line in (text ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 2, let devs = Optional(f[0].split(separator: ":")), devs.count == 2,
                  let maj = UInt64(devs[0]), let min = UInt64(devs[1]), let v = UInt64(f[f.count - 1]) else { continue }
            out.append(.init(major: maj, minor: min, op: f.count == 3 ? String(f[1]) : "", value: v))
        }
        return out
    }

    /// v2 io.stat "8:0 rbytes=1 wbytes=2 rios=3 wios=4 ..." -> (bytes, ios) entries.
    static func ioStat(_ text: String?) -> (bytes: [CgroupStats.BlkioEntry], ios: [CgroupStats.BlkioEntry]) {
        var bytes: [CgroupStats.BlkioEntry] = [], ios: [CgroupStats.BlkioEntry] = []
        for line in (text ?? "").split(separator: "\n") {
            let f = line.split(separator: " ")
            guard f.count >= 2 else { continue }
            let devs = f[0].split(separator: ":")
            guard devs.count == 2, let maj = UInt64(devs[0]), let min = UInt64(devs[1]) else { continue }
            for kv in f.dropFirst() {
                let p = kv.split(separator: "=")
                guard p.count == 2, let v = UInt64(p[1]) else { continue }
                switch p[0] {
                case "rbytes": bytes.append(.init(major: maj, minor: min, op: "Read", value: v))
                case "wbytes": bytes.append(.init(major: maj, minor: min, op: "Write", value: v))
                case "rios": ios.append(.init(major: maj, minor: min, op: "Read", value: v))
                case "wios": ios.append(.init(major: maj, minor: min, op: "Write", value: v))
                default: break
                }
            }
        }
        return (bytes, ios)
    }

    /// Huge page sizes of the host as cgroup file names use them ("2MB", "1GB", "64KB").
    static func hugePageSizes(_ dir: String = "/sys/kernel/mm/hugepages") -> [String] {
        FS.listDirs(dir).compactMap { p -> String? in
            let name = p.split(separator: "/").last.map(String.init) ?? ""
            guard name.hasPrefix("hugepages-"), name.hasSuffix("kB"),
                  let kb = UInt64(name.dropFirst("hugepages-".count).dropLast(2)) else { return nil }
            if kb % (1024 * 1024) == 0 { return "\(kb / (1024 * 1024))GB" }
            if kb % 1024 == 0 { return "\(kb / 1024)MB" }
            return "\(kb)KB"
        }.sorted()
    }
}

extension V1Manager {
    func stats() throws -> CgroupStats {
        var s = CgroupStats()
        if let d = dirs["cpuacct"] {
            s.cpu.usage.total = FS.uint(d + "/cpuacct.usage") ?? 0
            s.cpu.usage.percpu = StatParse.numbers(FS.readIfExists(d + "/cpuacct.usage_percpu"))
            s.cpu.usage.percpuKernel = StatParse.numbers(FS.readIfExists(d + "/cpuacct.usage_percpu_sys"))
            s.cpu.usage.percpuUser = StatParse.numbers(FS.readIfExists(d + "/cpuacct.usage_percpu_user"))
            let st = StatParse.keyValues(FS.readIfExists(d + "/cpuacct.stat"))
            let hz = UInt64(max(sysconf(Int32(_SC_CLK_TCK)), 1))
            s.cpu.usage.user = (st["user"] ?? 0) * (1_000_000_000 / hz)
            s.cpu.usage.kernel = (st["system"] ?? 0) * (1_000_000_000 / hz)
        }
        if let d = dirs["cpu"] {
            let st = StatParse.keyValues(FS.readIfExists(d + "/cpu.stat"))
            s.cpu.throttling = .init(periods: st["nr_periods"] ?? 0, throttledPeriods: st["nr_throttled"] ?? 0,
                                     throttledTime: st["throttled_time"] ?? 0)
        }
        if let d = dirs["memory"] {
            func entry(_ prefix: String) -> CgroupStats.MemoryEntry {
                .init(limit: FS.uint(d + "/\(prefix)limit_in_bytes") ?? 0, usage: FS.uint(d + "/\(prefix)usage_in_bytes") ?? 0,
                      max: FS.uint(d + "/\(prefix)max_usage_in_bytes") ?? 0, failcnt: FS.uint(d + "/\(prefix)failcnt") ?? 0)
            }
            s.memory.usage = entry("memory.")
            s.memory.swap = entry("memory.memsw.")
            s.memory.kernel = entry("memory.kmem.")
            s.memory.kernelTCP = entry("memory.kmem.tcp.")
            s.memory.raw = StatParse.keyValues(FS.readIfExists(d + "/memory.stat"))
            s.memory.cache = s.memory.raw["cache"] ?? 0
        }
        if let d = dirs["pids"] {
            s.pids.current = FS.uint(d + "/pids.current") ?? 0
            let m = FS.uint(d + "/pids.max") ?? 0
            s.pids.limit = m == UInt64.max ? 0 : m
        }
        if let d = dirs["blkio"] {
            // CFQ files, else BFQ, else the throttle counters (runc's order).
            for (prefix, full) in [("blkio.", true), ("blkio.bfq.", false), ("blkio.throttle.", false)] {
                guard let bytes = FS.readIfExists(d + "/\(prefix)io_service_bytes_recursive") else { continue }
                s.blkio.ioServiceBytesRecursive = StatParse.blkio(bytes)
                s.blkio.ioServicedRecursive = StatParse.blkio(FS.readIfExists(d + "/\(prefix)io_serviced_recursive"))
                if full {
                    s.blkio.ioQueuedRecursive = StatParse.blkio(FS.readIfExists(d + "/blkio.io_queued_recursive"))
                    s.blkio.ioServiceTimeRecursive = StatParse.blkio(FS.readIfExists(d + "/blkio.io_service_time_recursive"))
                    s.blkio.ioWaitTimeRecursive = StatParse.blkio(FS.readIfExists(d + "/blkio.io_wait_time_recursive"))
                    s.blkio.ioMergedRecursive = StatParse.blkio(FS.readIfExists(d + "/blkio.io_merged_recursive"))
                    s.blkio.ioTimeRecursive = StatParse.blkio(FS.readIfExists(d + "/blkio.time_recursive"))
                    s.blkio.sectorsRecursive = StatParse.blkio(FS.readIfExists(d + "/blkio.sectors_recursive"))
                }
                break
            }
        }
        if let d = dirs["hugetlb"] {
            for size in StatParse.hugePageSizes() {
                s.hugetlb[size] = .init(usage: FS.uint(d + "/hugetlb.\(size).usage_in_bytes") ?? 0,
                                        max: FS.uint(d + "/hugetlb.\(size).max_usage_in_bytes") ?? 0,
                                        failcnt: FS.uint(d + "/hugetlb.\(size).failcnt") ?? 0)
            }
        } else if let u = unified {
            s.hugetlb = u.hugetlbStats()
        }
        return s
    }
}

extension V2Manager {
    func hugetlbStats() -> [String: CgroupStats.Hugetlb] {
        var out: [String: CgroupStats.Hugetlb] = [:]
        for size in StatParse.hugePageSizes() {
            guard let cur = FS.uint(dir + "/hugetlb.\(size).current") else { continue }
            let ev = StatParse.keyValues(FS.readIfExists(dir + "/hugetlb.\(size).events"))
            out[size] = .init(usage: cur, max: 0, failcnt: ev["max"] ?? 0)
        }
        return out
    }

    func stats() throws -> CgroupStats {
        var s = CgroupStats()
        guard FS.isDir(dir) else { throw CgroupError.sys("stat", dir, ENOENT) }
        let cpu = StatParse.keyValues(FS.readIfExists(dir + "/cpu.stat"))
        s.cpu.usage.total = (cpu["usage_usec"] ?? 0) * 1000
        s.cpu.usage.user = (cpu["user_usec"] ?? 0) * 1000
        s.cpu.usage.kernel = (cpu["system_usec"] ?? 0) * 1000
        s.cpu.throttling = .init(periods: cpu["nr_periods"] ?? 0, throttledPeriods: cpu["nr_throttled"] ?? 0,
                                 throttledTime: (cpu["throttled_usec"] ?? 0) * 1000)
        if let cur = FS.uint(dir + "/memory.current") {
            let ev = StatParse.keyValues(FS.readIfExists(dir + "/memory.events"))
            s.memory.usage = .init(limit: FS.uint(dir + "/memory.max") ?? 0, usage: cur,
                                   max: FS.uint(dir + "/memory.peak") ?? 0, failcnt: ev["max"] ?? 0)
            if let sw = FS.uint(dir + "/memory.swap.current") {
                // v1 compatibility (runc): report memory+swap.
                let lim = FS.uint(dir + "/memory.swap.max") ?? UInt64.max
                let peak = FS.uint(dir + "/memory.swap.peak") ?? 0
                s.memory.swap = .init(limit: lim == UInt64.max || s.memory.usage.limit == UInt64.max
                                          ? UInt64.max : lim &+ s.memory.usage.limit,
                                      usage: sw &+ cur, max: peak, failcnt: 0)
            }
            s.memory.raw = StatParse.keyValues(FS.readIfExists(dir + "/memory.stat"))
            s.memory.cache = s.memory.raw["file"] ?? 0
        }
        if let cur = FS.uint(dir + "/pids.current") {
            let m = FS.uint(dir + "/pids.max") ?? 0
            s.pids = .init(current: cur, limit: m == UInt64.max ? 0 : m)
        }
        let io = StatParse.ioStat(FS.readIfExists(dir + "/io.stat"))
        s.blkio.ioServiceBytesRecursive = io.bytes
        s.blkio.ioServicedRecursive = io.ios
        s.hugetlb = hugetlbStats()
        return s
    }
}
