// `update` and `events` command lines (runc's flags and formats).
import Glibc
import OCISpec
import RuntimeCore

extension Flags {
    /// runc's update flags, plus --cpu-shares as an alias of runc's --cpu-share.
    static let updateCommand: [FlagSpec] = update.map { f in
        f.names == ["cpu-share"] ? FlagSpec(names: ["cpu-share", "cpu-shares"], takesValue: true) : f
    }
}

let updateUsage = """
    usage: swiftrun update [options] <container-id>

    Updates the container's cgroup resources. With --resources FILE (or -r - for stdin) a JSON
    LinuxResources object (runtime-spec config-linux.md) is applied; flags given as well are
    applied over it. Sizes accept 128M, 1G, 1024k (binary units), -1 is unlimited.

      --resources, -r FILE     JSON resources ("-" = standard input)
      --memory SIZE            memory limit          --memory-reservation SIZE  soft limit
      --memory-swap SIZE       memory+swap limit     --kernel-memory SIZE       (ignored by the kernel)
      --kernel-memory-tcp SIZE kernel TCP buffer limit
      --cpu-share N            CPU shares (relative weight; alias --cpu-shares)
      --cpu-period US          CFS period            --cpu-quota US             CFS quota (-1 = none)
      --cpu-burst US           CFS burst             --cpu-idle 0|1             SCHED_IDLE group
      --cpu-rt-period US       RT period             --cpu-rt-runtime US        RT runtime
      --cpuset-cpus LIST       CPUs (0-3, 0,1)       --cpuset-mems LIST         memory nodes
      --pids-limit N           max processes (-1 = unlimited, 0 = unchanged)
      --blkio-weight N         block IO weight 10-1000 (0 = unchanged)
    """

/// runc `update`.
func updateCommand(_ runtime: Runtime, _ args: ArraySlice<String>) throws -> Int32 {
    let p = try parseFlags(args, Flags.updateCommand)
    if p.has("help") { printOut(updateUsage); return 0 }
    guard p.positionals.count == 1 else {
        throw UsageError(description: "update: requires exactly 1 argument (container id), got \(p.positionals.count)")
    }
    let id = p.positionals[0]
    var r = Resources()
    if let file = p.value("resources") {
        let bytes: [UInt8]
        if file == "-" {
            bytes = readAll(fd: 0)
        } else {
            let fd = open(file, O_RDONLY | O_CLOEXEC)
            if fd < 0 { throw UsageError(description: "update: --resources: cannot open \(file): \(String(cString: strerror(errno)))") }
            defer { close(fd) }
            bytes = readAll(fd: fd)
        }
        r = try Spec.decodeResources(bytes)
    }
    try applyUpdateFlags(p, to: &r)
    for f in ["l3-cache-schema", "mem-bw-schema"] where p.has(f) {
        throw UsageError(description: "update: --\(f): Intel RDT is not supported by swiftrun")
    }
    try runtime.update(id: id, resources: r)
    return 0
}

/// runc's update flags over `r` (a flag wins over the --resources document).
func applyUpdateFlags(_ p: ParsedArgs, to r: inout Resources) throws {
    func size(_ name: String) throws -> Int64? {
        guard let v = p.value(name) else { return nil }
        if v == "-1" { return -1 }
        guard let n = parseRAMInBytes(v) else { throw UsageError(description: "update: --\(name): invalid size \"\(v)\"") }
        return n
    }
    func unsigned(_ name: String) throws -> UInt64? {
        guard let v = p.value(name) else { return nil }
        guard let n = UInt64(v) else { throw UsageError(description: "update: --\(name): invalid unsigned integer \"\(v)\"") }
        return n
    }
    func signed(_ name: String) throws -> Int64? {
        guard let v = p.value(name) else { return nil }
        guard let n = Int64(v) else { throw UsageError(description: "update: --\(name): invalid integer \"\(v)\"") }
        return n
    }

    var mem = r.memory ?? MemoryResources()
    var memSet = false
    for (flag, kp) in [("memory", \MemoryResources.limit), ("memory-reservation", \.reservation), ("memory-swap", \.swap),
                       ("kernel-memory", \.kernel), ("kernel-memory-tcp", \.kernelTCP)] as [(String, WritableKeyPath<MemoryResources, Int64?>)] {
        if let v = try size(flag) { mem[keyPath: kp] = v; memSet = true }
    }
    if memSet { r.memory = mem }

    var cpu = r.cpu ?? CPUResources()
    var cpuSet = false
    for (flag, kp) in [("cpu-share", \CPUResources.shares), ("cpu-period", \.period), ("cpu-burst", \.burst),
                       ("cpu-rt-period", \.realtimePeriod)] as [(String, WritableKeyPath<CPUResources, UInt64?>)] {
        if let v = try unsigned(flag) { cpu[keyPath: kp] = v; cpuSet = true }
    }
    for (flag, kp) in [("cpu-quota", \CPUResources.quota), ("cpu-rt-runtime", \.realtimeRuntime), ("cpu-idle", \.idle)]
        as [(String, WritableKeyPath<CPUResources, Int64?>)] {
        if let v = try signed(flag) { cpu[keyPath: kp] = v; cpuSet = true }
    }
    if let v = p.value("cpuset-cpus") { cpu.cpus = v; cpuSet = true }
    if let v = p.value("cpuset-mems") { cpu.mems = v; cpuSet = true }
    if cpuSet { r.cpu = cpu }

    // runc: 0 leaves the limit as it is.
    if let v = try signed("pids-limit"), v != 0 { r.pids = PidsResources(limit: v) }
    if let v = try unsigned("blkio-weight"), v != 0 {
        guard let w = UInt16(exactly: v), (10...1000).contains(w) else {
            throw UsageError(description: "update: --blkio-weight: \(v) out of range (10-1000)")
        }
        var b = r.blockIO ?? BlockIOResources()
        b.weight = w
        r.blockIO = b
    }
}

/// docker/go-units RAMInBytes: "128M", "1g", "1024k", "64MiB", "1.5 GB", "100" (bytes);
/// binary multiples, case-insensitive unit, optional "i" and "b".
func parseRAMInBytes(_ s: String) -> Int64? {
    var b = Array(s.utf8)
    let isDigit = { (c: UInt8) in c >= 0x30 && c <= 0x39 }
    var mult: Double = 1
    if let last = b.last, last | 0x20 == UInt8(ascii: "b") { b.removeLast() }
    if let last = b.last, last | 0x20 == UInt8(ascii: "i") { b.removeLast() }
    if let last = b.last, !isDigit(last), last != UInt8(ascii: " ") {
        switch last | 0x20 {
        case UInt8(ascii: "k"): mult = Double(UInt64(1) << 10)
        case UInt8(ascii: "m"): mult = Double(UInt64(1) << 20)
        case UInt8(ascii: "g"): mult = Double(UInt64(1) << 30)
        case UInt8(ascii: "t"): mult = Double(UInt64(1) << 40)
        case UInt8(ascii: "p"): mult = Double(UInt64(1) << 50)
        default: return nil
        }
        b.removeLast()
    }
    if b.last == UInt8(ascii: " ") { b.removeLast() }
    // digits, optionally "." digits
    guard let first = b.first, isDigit(first), let last = b.last, isDigit(last) else { return nil }
    var dots = 0
    for c in b where !isDigit(c) {
        guard c == UInt8(ascii: "."), dots == 0 else { return nil }
        dots += 1
    }
    guard let v = Double(String(decoding: b, as: UTF8.self)) else { return nil }
    let bytes = v * mult
    guard bytes < 9.2e18 else { return nil }
    return Int64(bytes)
}

/// runc `events`.
func eventsCommand(_ runtime: Runtime, _ args: ArraySlice<String>) throws -> Int32 {
    let p = try parseFlags(args, Flags.events)
    if p.has("help") {
        printOut("usage: swiftrun events [--stats] [--interval 5s] <container-id>\n\n"
                 + "  --stats          print one stats event and exit\n"
                 + "  --interval DUR   stats interval (Go duration: 500ms, 5s, 1m; default 5s)")
        return 0
    }
    guard p.positionals.count == 1 else {
        throw UsageError(description: "events: requires exactly 1 argument (container id), got \(p.positionals.count)")
    }
    var interval: Int64 = 5000
    if let v = p.value("interval") {
        guard let ms = parseGoDurationMillis(v) else { throw UsageError(description: "events: --interval: invalid duration \"\(v)\"") }
        guard ms > 0 else { throw UsageError(description: "events: --interval: duration interval must be greater than 0") }
        interval = ms
    }
    try runtime.events(id: p.positionals[0], statsOnce: p.bool("stats"), intervalMillis: interval) { printOut($0) }
    return 0
}

/// Go time.ParseDuration, to milliseconds (rounded up so "1us" is not 0): "5s", "1.5s",
/// "100ms", "1m30s", "2h". A bare number other than 0 is an error, as in Go.
func parseGoDurationMillis(_ s: String) -> Int64? {
    var b = Substring(s)
    var negative = false
    if b.first == "-" || b.first == "+" { negative = b.first == "-"; b = b.dropFirst() }
    if b == "0" { return 0 }
    guard !b.isEmpty else { return nil }
    var totalNs: Double = 0
    while !b.isEmpty {
        let num = b.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        guard !num.isEmpty, let v = Double(num) else { return nil }
        b = b.dropFirst(num.count)
        let unit = b.prefix { !($0.isASCII && ($0.isNumber || $0 == ".")) }
        b = b.dropFirst(unit.count)
        let ns: Double
        switch unit {
        case "ns": ns = 1
        case "us", "µs", "μs": ns = 1e3
        case "ms": ns = 1e6
        case "s": ns = 1e9
        case "m": ns = 60e9
        case "h": ns = 3600e9
        default: return nil
        }
        totalNs += v * ns
    }
    guard totalNs < 9.2e18 else { return nil }
    let ms = Int64((totalNs / 1e6).rounded(.up))
    return negative ? -ms : ms
}

func readAll(fd: Int32) -> [UInt8] {
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n <= 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}
