import CShim
import Glibc

/// A failed system call: the step (what was being done, with its operands) and errno.
/// Rendered like crun/runc: `mount proc on /proc: EPERM (Operation not permitted)`.
public struct SysError: Error, CustomStringConvertible {
    public var step: String
    public var errno: Int32
    public init(_ step: String, errno: Int32 = Glibc.errno) { self.step = step; self.errno = errno }
    public var description: String {
        "\(step): \(String(cString: sr_errno_name(errno))) (\(String(cString: strerror(errno))))"
    }
}

/// Run a syscall returning -1 on error; throw SysError naming the step.
@inline(__always)
@discardableResult
func sys(_ r: Int32, _ step: @autoclosure () -> String) throws -> Int32 {
    if r < 0 { throw SysError(step()) }
    return r
}

/// Plain errors that are not a syscall failure (bad input discovered while setting up).
public struct RootfsError: Error, CustomStringConvertible {
    public var description: String
    public init(_ d: String) { description = d }
}

enum MS {
    static let rdonly: UInt = 1, nosuid: UInt = 2, nodev: UInt = 4, noexec: UInt = 8
    static let remount: UInt = 32, bind: UInt = 4096, move: UInt = 8192, rec: UInt = 16384
    static let silent: UInt = 32768, unbindable: UInt = 1 << 17, `private`: UInt = 1 << 18
    static let slave: UInt = 1 << 19, shared: UInt = 1 << 20
    static let propagationMask: UInt = unbindable | `private` | slave | shared
}

/// Write a whole small file (procfs/sysfs style): one write, error names the path.
func writeFile(_ path: String, _ value: String) throws {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    if fd < 0 { throw SysError("open \(path)") }
    defer { close(fd) }
    let n = value.withCString { write(fd, $0, strlen($0)) }
    if n < 0 { throw SysError("write \(value) to \(path)") }
}
