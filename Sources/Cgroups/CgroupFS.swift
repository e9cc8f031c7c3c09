// Errors and the few file operations the drivers need on cgroupfs: whole-value reads and
// single-write() writes, mkdir of missing components, leaf-first removal. Every error names
// the step, the file and the errno name; unsupported fields name the config field.
import Glibc
import CShim

public struct CgroupError: Error, CustomStringConvertible, Equatable {
    public var description: String
    /// errno of the failed syscall, 0 when the error is not a syscall failure.
    public var errno: Int32

    public init(_ description: String, errno: Int32 = 0) {
        self.description = description
        self.errno = errno
    }

    /// `cgroup: <step> <path>: <ERRNO>`, e.g. `cgroup: write 67108864 to /sys/.../memory.limit_in_bytes: EBUSY`.
    static func sys(_ step: String, _ path: String, _ e: Int32, note: String? = nil) -> CgroupError {
        var s = "cgroup: \(step) \(path): \(errnoName(e))"
        if let note { s += " (\(note))" }
        return CgroupError(s, errno: e)
    }

    /// `<field>: not supported by this host (<why>)`.
    static func unsupported(_ field: String, _ why: String) -> CgroupError {
        CgroupError("\(field): not supported by this host (\(why))", errno: 0)
    }

    static func invalid(_ field: String, _ why: String) -> CgroupError {
        CgroupError("\(field): \(why)", errno: 0)
    }
}

@inline(__always) func errnoName(_ e: Int32) -> String { String(cString: sr_errno_name(e)) }

/// How the drivers touch the filesystem. `real` is false for the fake trees of the unit tests:
/// removal then unlinks the plain files a real cgroupfs would not let us (or need us to) remove,
/// and `onMkdir` lets a test populate a new directory the way the kernel would.
struct FSContext {
    var real: Bool = true
    var onMkdir: ((String) -> Void)? = nil
    /// v2 device filter installer (eBPF on a real host, a recorder in tests).
    var installDeviceFilter: ((String, DeviceProgram) throws -> Void)? = nil
}

enum FS {
    /// Test hook: sees every write attempt (path, value) in order. nil in the runtime.
    nonisolated(unsafe) static var observer: ((String, String) -> Void)?

    /// Reads a whole (small) pseudo-file.
    static func read(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 { throw CgroupError.sys("read", path, Glibc.errno) }
        defer { close(fd) }
        return try readFD(fd, path)
    }

    static func readFD(_ fd: Int32, _ path: String, offset: Bool = false) throws -> String {
        var out: [UInt8] = []
        var buf = [UInt8](repeating: 0, count: 4096)
        var off: Int = 0
        while true {
            let n = buf.withUnsafeMutableBytes { p -> Int in
                offset ? pread(fd, p.baseAddress, p.count, off) : Glibc.read(fd, p.baseAddress, p.count)
            }
            if n < 0 {
                if Glibc.errno == EINTR { continue }
                throw CgroupError.sys("read", path, Glibc.errno)
            }
            if n == 0 { break }
            out.append(contentsOf: buf[0..<n])
            off += n
        }
        return String(decoding: out, as: UTF8.self)
    }

    static func readIfExists(_ path: String) -> String? { try? read(path) }

    /// Trimmed content, nil when the file is absent or unreadable.
    static func value(_ path: String) -> String? {
        guard let s = readIfExists(path) else { return nil }
        return trim(s)
    }

    static func uint(_ path: String) -> UInt64? {
        guard let s = value(path) else { return nil }
        if s == "max" { return UInt64.max }
        return UInt64(s)
    }

    /// Writes `value` with one write(2), as cgroupfs requires. Returns errno (0 on success).
    static func tryWrite(_ path: String, _ value: String) -> Int32 {
        observer?(path, value)
        let fd = open(path, O_WRONLY | O_TRUNC | O_CLOEXEC)
        if fd < 0 { return Glibc.errno }
        defer { close(fd) }
        var v = value
        while true {
            let n = v.withUTF8 { p in Glibc.write(fd, p.baseAddress, p.count) }
            if n >= 0 { return 0 }
            if Glibc.errno != EINTR { return Glibc.errno }
            v = value
        }
    }

    static func write(_ path: String, _ value: String, note: String? = nil) throws {
        let e = tryWrite(path, value)
        if e != 0 { throw CgroupError.sys("write \(shown(value)) to", path, e, note: note) }
    }

    /// Writes a resource field; a missing file means the host lacks the knob and is reported
    /// as an unsupported field.
    static func writeField(_ dir: String, _ file: String, _ value: String, field: String) throws {
        let path = dir + "/" + file
        let e = tryWrite(path, value)
        if e == 0 { return }
        if e == ENOENT { throw CgroupError.unsupported(field, "no \(file)") }
        throw CgroupError.sys("write \(shown(value)) to", path, e, note: field)
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }

    static func isDir(_ path: String) -> Bool {
        var st = stat()
        return stat(path, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR
    }

    /// mkdir `dir` and any missing parents below `root`. Returns the directories created,
    /// parents first; `existed` tells whether the leaf was already there.
    static func mkdirAll(_ dir: String, root: String, ctx: FSContext) throws -> (created: [String], existed: Bool) {
        if mkdir(dir, 0o755) == 0 { ctx.onMkdir?(dir); return ([dir], false) }
        let e = Glibc.errno
        if e == EEXIST { return ([], true) }
        if e != ENOENT { throw CgroupError.sys("mkdir", dir, e) }
        // Missing parents: walk down from the root.
        // Missing parents: walk down from the root. A shared parent ("swiftrun") can vanish under
        // us when another container's delete removes it: ENOENT mid-walk restarts the walk.
        var created: [String] = []
        let rel = dir.hasPrefix(root) ? String(dir.dropFirst(root.count)) : dir
        var attempt = 0
        walk: while true {
            var cur = root
            for comp in rel.split(separator: "/") {
                cur += "/" + comp
                if mkdir(cur, 0o755) == 0 {
                    ctx.onMkdir?(cur)
                    created.append(cur)
                } else if Glibc.errno != EEXIST {
                    let e = Glibc.errno
                    attempt += 1
                    if e == ENOENT && attempt < 3 { created.removeAll { !FS.exists($0) }; continue walk }
                    for d in created.reversed() { _ = removeDir(d, ctx: ctx) }
                    throw CgroupError.sys("mkdir", cur, e)
                }
            }
            break
        }
        return (created, created.last != dir)
    }

    /// Removes a cgroup directory and its child cgroups, deepest first. Retries EBUSY briefly
    /// (the kernel releases a cgroup shortly after its last task exits). Returns errno or 0;
    /// ENOENT counts as success.
    @discardableResult
    static func removeDir(_ dir: String, ctx: FSContext) -> Int32 {
        var sub: [String] = []
        var files: [String] = []
        if let d = opendir(dir) {
            while let ent = readdir(d) {
                let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                    String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
                }
                if name == "." || name == ".." { continue }
                if ent.pointee.d_type == UInt8(DT_DIR) { sub.append(name) } else if !ctx.real { files.append(name) }
            }
            closedir(d)
        } else {
            return Glibc.errno == ENOENT ? 0 : Glibc.errno
        }
        for s in sub {
            let e = removeDir(dir + "/" + s, ctx: ctx)
            if e != 0 { return e }
        }
        for f in files { unlink(dir + "/" + f) }
        var delay: UInt32 = 2_000
        for attempt in 0..<8 {
            if rmdir(dir) == 0 { return 0 }
            let e = Glibc.errno
            if e == ENOENT { return 0 }
            if e != EBUSY || attempt == 7 { return e }
            usleep(delay)
            delay *= 2
        }
        return EBUSY
    }

    static func listDirs(_ dir: String) -> [String] {
        var out: [String] = []
        guard let d = opendir(dir) else { return out }
        while let ent = readdir(d) {
            guard ent.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: ent.pointee.d_name) { raw in
                String(cString: raw.bindMemory(to: CChar.self).baseAddress!)
            }
            if name != "." && name != ".." { out.append(dir + "/" + name) }
        }
        closedir(d)
        return out
    }

    /// pids listed in `dir/cgroup.procs`, and in every child cgroup when `recursive`.
    static func procs(_ dir: String, recursive: Bool) throws -> [Int32] {
        var out: [Int32] = []
        let s: String
        do { s = try read(dir + "/cgroup.procs") } catch let e as CgroupError where e.errno == ENOENT && recursive {
            return out
        }
        for line in s.split(separator: "\n") { if let p = Int32(line) { out.append(p) } }
        if recursive { for sub in listDirs(dir) { out += try procs(sub, recursive: true) } }
        return out
    }
}

@inline(__always) func trim(_ s: String) -> String {
    var sub = Substring(s)
    while let c = sub.last, c == "\n" || c == " " || c == "\t" { sub.removeLast() }
    while let c = sub.first, c == "\n" || c == " " || c == "\t" { sub.removeFirst() }
    return String(sub)
}

/// Values in error text: multi-line values are quoted on one line.
func shown(_ v: String) -> String {
    if v.contains("\n") || v.contains(" ") || v.isEmpty {
        var out = "\""
        for c in v { out += c == "\n" ? "\\n" : String(c) }
        return out + "\""
    }
    return v
}

/// Monotonic milliseconds, for the freeze/kill waits.
func monotonicMillis() -> Int64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Int64(ts.tv_sec) * 1000 + Int64(ts.tv_nsec) / 1_000_000
}

/// Normalises a cgroup path like runc's CleanPath: "." and "" components dropped, ".." never
/// climbs above the start; absolute stays absolute, relative stays relative.
func cleanPath(_ p: String) -> String {
    var out: [Substring] = []
    for c in p.split(separator: "/", omittingEmptySubsequences: true) {
        if c == "." { continue }
        if c == ".." { if !out.isEmpty { out.removeLast() }; continue }
        out.append(c)
    }
    let body = out.joined(separator: "/")
    return p.hasPrefix("/") ? "/" + body : body
}

func joinPath(_ a: String, _ b: String) -> String {
    if b.isEmpty || b == "/" { return a }
    if a.hasSuffix("/") { return a + (b.hasPrefix("/") ? String(b.dropFirst()) : b) }
    return a + (b.hasPrefix("/") ? b : "/" + b)
}

func dirname(_ p: String) -> String {
    guard let i = p.lastIndex(of: "/") else { return "." }
    return i == p.startIndex ? "/" : String(p[..<i])
}
