import CShim
import Glibc

/// An error the CLI prints as one line and logs (crun-style: message with context; errno
/// name when a syscall failed).
public struct RuntimeError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
    public static func sys(_ step: String, _ e: Int32 = errno) -> RuntimeError {
        RuntimeError("\(step): \(String(cString: sr_errno_name(e))) (\(String(cString: strerror(e))))")
    }
}

/// Check a -1-on-error syscall result.
@inline(__always)
@discardableResult
func check(_ r: Int32, _ step: @autoclosure () -> String) throws -> Int32 {
    if r < 0 { throw RuntimeError.sys(step()) }
    return r
}

func readFile(_ path: String) -> [UInt8]? {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    if fd < 0 { return nil }
    defer { close(fd) }
    var out: [UInt8] = []
    var buf = [UInt8](repeating: 0, count: 65536)
    while true {
        let n = buf.withUnsafeMutableBytes { read(fd, $0.baseAddress, 65536) }
        if n < 0 { if errno == EINTR { continue }; return nil }
        if n == 0 { break }
        out.append(contentsOf: buf[0..<n])
    }
    return out
}

func readText(_ path: String) -> String? {
    readFile(path).map { String(decoding: $0, as: UTF8.self) }
}

/// Write a file atomically: temp file in the same directory, fsync-free rename.
func writeAtomically(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o600) throws {
    let tmp = path + ".tmp"
    let fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    if fd < 0 { throw RuntimeError.sys("create \(tmp)") }
    var off = 0
    while off < bytes.count {
        let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress! + off, bytes.count - off) }
        if n < 0 { if errno == EINTR { continue }; let e = errno; close(fd); unlink(tmp); throw RuntimeError.sys("write \(tmp)", e) }
        off += n
    }
    close(fd)
    if rename(tmp, path) < 0 { let e = errno; unlink(tmp); throw RuntimeError.sys("rename \(tmp) to \(path)", e) }
}

func writeSmall(_ path: String, _ s: String) throws {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    if fd < 0 { throw RuntimeError.sys("open \(path)") }
    defer { close(fd) }
    let n = s.withCString { write(fd, $0, strlen($0)) }
    if n < 0 { throw RuntimeError.sys("write \(s) to \(path)") }
}

func fileExists(_ p: String) -> Bool { access(p, F_OK) == 0 }

/// RFC 3339 UTC time with nanoseconds, like runc's `created`.
func rfc3339Now() -> String {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    var t = ts.tv_sec
    var tmv = tm()
    gmtime_r(&t, &tmv)
    var buf = [CChar](repeating: 0, count: 64)
    strftime(&buf, 64, "%Y-%m-%dT%H:%M:%S", &tmv)
    let frac = String(ts.tv_nsec)
    let pad = String(repeating: "0", count: 9 - frac.count) + frac
    return String(cString: buf) + "." + pad + "Z"
}
