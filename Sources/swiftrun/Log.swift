import Glibc
import OCISpec

/// runc-format logging: `--log FILE` gets every error/warning as a logrus line, JSON
/// (`{"level":"error","msg":"...","time":"..."}`, what conmon and containerd parse) or text.
struct Logger {
    var path: String?
    var json = false
    var debug = false

    func log(_ level: String, _ msg: String) {
        guard let path else { return }
        let t = timestamp()
        let line = json
            ? "{\"level\":\"\(level)\",\"msg\":\(quote(msg)),\"time\":\"\(t)\"}\n"
            : "time=\"\(t)\" level=\(level) msg=\(quote(msg))\n"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o644)
        if fd < 0 { return }
        _ = line.withCString { write(fd, $0, strlen($0)) }
        close(fd)
    }

    func error(_ msg: String) {
        log("error", msg)
        let line = "swiftrun: \(msg)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    func warn(_ msg: String) {
        log("warning", msg)
        let line = "swiftrun: warning: \(msg)\n"
        _ = line.withCString { write(2, $0, strlen($0)) }
    }

    private func timestamp() -> String {
        var t = time(nil)
        var tmv = tm()
        gmtime_r(&t, &tmv)
        var buf = [CChar](repeating: 0, count: 40)
        strftime(&buf, 40, "%Y-%m-%dT%H:%M:%SZ", &tmv)
        return String(cString: buf)
    }
}

/// JSON string literal.
func quote(_ s: String) -> String { JSON.string(s).serialized() }

func printOut(_ s: String) {
    let line = s + "\n"
    _ = line.withCString { write(1, $0, strlen($0)) }
}
