import CShim
import Glibc

/// The parent↔init channel: a SOCK_SEQPACKET socketpair, one message per packet.
/// init → parent: "hooks" (run prestart/createRuntime now), "ready", "error <text>".
/// parent → init: "cont".
struct SyncChannel {
    let fd: Int32

    static func pair() throws -> (parent: SyncChannel, child: SyncChannel) {
        var sv: [Int32] = [0, 0]
        if socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sv) < 0 {
            throw RuntimeError.sys("socketpair")
        }
        return (SyncChannel(fd: sv[0]), SyncChannel(fd: sv[1]))
    }

    func send(_ s: String) {
        _ = s.withCString { Glibc.send(fd, $0, strlen($0), Int32(MSG_NOSIGNAL)) }
    }

    /// Next message, or nil when the peer is gone.
    func recv() -> String? {
        var buf = [UInt8](repeating: 0, count: 8192)
        while true {
            let n = buf.withUnsafeMutableBytes { Glibc.recv(fd, $0.baseAddress, 8192, 0) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            return String(decoding: buf[0..<n], as: UTF8.self)
        }
    }

    /// Like recv, also taking an fd passed with SCM_RIGHTS (else fd = -1).
    func recvWithFd(_ fd: inout Int32) -> String? {
        var buf = [UInt8](repeating: 0, count: 8192)
        let n = buf.withUnsafeMutableBytes { sr_recv_fd(self.fd, $0.baseAddress, 8192, &fd) }
        if n <= 0 { return nil }
        return String(decoding: buf[0..<Int(n)], as: UTF8.self)
    }

    func close() { _ = Glibc.close(fd) }
}
