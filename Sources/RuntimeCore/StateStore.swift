import CShim
import Glibc
import OCISpec

/// What the runtime remembers about a container between commands. Everything that can be
/// read from the kernel (alive? frozen? started?) is not stored but derived: see `status`.
public struct ContainerRecord {
    public var id: String
    public var bundle: String
    public var rootfs: String
    public var pid: Int32
    public var startTime: UInt64        // /proc/PID/stat field 22: tells a recycled pid apart
    public var created: String
    public var ownerUID: UInt32
    public var annotations: [String: String]
    public var cgroupPaths: [String: String]
    public var ociVersion: String
    public var noNewKeyring = false       // create --no-new-keyring: exec does not make one either

    func json() -> JSON {
        .object([
            ("id", .string(id)), ("bundle", .string(bundle)), ("rootfs", .string(rootfs)),
            ("pid", .int(Int64(pid))), ("startTime", .uint(startTime)), ("created", .string(created)),
            ("owner", .uint(UInt64(ownerUID))), ("ociVersion", .string(ociVersion)),
            ("annotations", .object(annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("cgroupPaths", .object(cgroupPaths.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
            ("noNewKeyring", .bool(noNewKeyring)),
        ])
    }

    init(id: String, bundle: String, rootfs: String, pid: Int32, startTime: UInt64, created: String,
         ownerUID: UInt32, annotations: [String: String], cgroupPaths: [String: String], ociVersion: String) {
        self.id = id; self.bundle = bundle; self.rootfs = rootfs; self.pid = pid; self.startTime = startTime
        self.created = created; self.ownerUID = ownerUID; self.annotations = annotations
        self.cgroupPaths = cgroupPaths; self.ociVersion = ociVersion
    }

    init?(json: JSON) {
        guard case .object(let kv) = json else { return nil }
        var s: [String: String] = [:], n: [String: UInt64] = [:], maps: [String: [String: String]] = [:]
        var b: [String: Bool] = [:]
        for (k, v) in kv {
            switch v {
            case .string(let x): s[k] = x
            case .int(let x): n[k] = UInt64(max(0, x))
            case .uint(let x): n[k] = x
            case .bool(let x): b[k] = x
            case .object(let o):
                var m: [String: String] = [:]
                for (a, b) in o { if case .string(let t) = b { m[a] = t } }
                maps[k] = m
            default: break
            }
        }
        guard let id = s["id"], let bundle = s["bundle"], let pid = n["pid"] else { return nil }
        self.init(id: id, bundle: bundle, rootfs: s["rootfs"] ?? "", pid: Int32(pid), startTime: n["startTime"] ?? 0,
                  created: s["created"] ?? "", ownerUID: UInt32(n["owner"] ?? 0),
                  annotations: maps["annotations"] ?? [:], cgroupPaths: maps["cgroupPaths"] ?? [:],
                  ociVersion: s["ociVersion"] ?? "1.0.0")
        noNewKeyring = b["noNewKeyring"] ?? false
    }
}

/// The runtime's state root (`--root`, default /run/swiftrun): one directory per container
/// holding state.json, the config snapshot and (until start) the exec fifo.
public struct StateStore {
    public let root: String
    public init(root: String) { self.root = root }

    public func dir(_ id: String) -> String { root + "/" + id }
    func statePath(_ id: String) -> String { dir(id) + "/state.json" }
    func configPath(_ id: String) -> String { dir(id) + "/config.json" }
    func fifoPath(_ id: String) -> String { dir(id) + "/exec.fifo" }

    /// runc's rule for ids: letters, digits, and _ + - . ; not "." or "..".
    public static func validate(id: String) throws {
        let ok = !id.isEmpty && id != "." && id != ".." && id.utf8.count <= 1024 && id.utf8.allSatisfy {
            ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5a) || ($0 >= 0x61 && $0 <= 0x7a)
                || $0 == 0x5f || $0 == 0x2b || $0 == 0x2d || $0 == 0x2e
        }
        if !ok { throw RuntimeError("invalid container id \"\(id)\": only letters, digits, _ + - . are allowed") }
    }

    /// Create the container's directory (atomic: mkdir fails if the id is taken) and lock it.
    /// The root is created with its missing parents, like runc (os.MkdirAll): containerd's
    /// runc shim passes `--root /run/containerd/runc/<namespace>` without creating it.
    func createDir(_ id: String) throws -> ContainerLock {
        if mkdir(root, 0o711) < 0 && errno != EEXIST {
            if errno != ENOENT { throw RuntimeError.sys("mkdir \(root)") }
            var prefix = root.hasPrefix("/") ? "/" : ""
            for c in root.split(separator: "/") {
                prefix += c
                if mkdir(prefix, 0o711) < 0 && errno != EEXIST { throw RuntimeError.sys("mkdir \(prefix)") }
                prefix += "/"
            }
        }
        if mkdir(dir(id), 0o711) < 0 {
            if errno == EEXIST { throw RuntimeError("container with id \"\(id)\" already exists") }
            throw RuntimeError.sys("mkdir \(dir(id))")
        }
        return try ContainerLock(path: dir(id))
    }

    /// Lock an existing container (serialises concurrent commands on one container).
    func lock(_ id: String) throws -> ContainerLock {
        try StateStore.validate(id: id)
        let l: ContainerLock
        do { l = try ContainerLock(path: dir(id)) } catch {
            throw RuntimeError("container \"\(id)\" does not exist")
        }
        // deleted while we waited for the lock?
        if !fileExists(statePath(id)) {
            l.release()
            throw RuntimeError("container \"\(id)\" does not exist")
        }
        return l
    }

    func save(_ r: ContainerRecord) throws {
        try writeAtomically(statePath(r.id), Array(r.json().serialized().utf8))
    }

    func load(_ id: String) throws -> ContainerRecord {
        guard let bytes = readFile(statePath(id)) else { throw RuntimeError("container \"\(id)\" does not exist") }
        guard let j = try? JSON.parse(bytes), let r = ContainerRecord(json: j) else {
            throw RuntimeError("\(statePath(id)): corrupt state file")
        }
        return r
    }

    func loadSpec(_ id: String) throws -> Spec {
        guard let bytes = readFile(configPath(id)) else { throw RuntimeError("\(configPath(id)): missing") }
        do { return try Spec.decode(bytes) } catch { throw RuntimeError("\(configPath(id)): \(error)") }
    }

    /// Remove the container's directory and everything in it.
    func remove(_ id: String) {
        let d = dir(id)
        for f in ["state.json", "state.json.tmp", "config.json", "exec.fifo"] { unlink(d + "/" + f) }
        if rmdir(d) < 0, let dp = opendir(d) {
            // unexpected extra files: remove them too
            while let e = readdir(dp) {
                let name = withUnsafePointer(to: e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                if name != "." && name != ".." { unlink(d + "/" + name) }
            }
            closedir(dp)
            rmdir(d)
        }
    }

    public func ids() -> [String] {
        guard let dp = opendir(root) else { return [] }
        defer { closedir(dp) }
        var out: [String] = []
        while let e = readdir(dp) {
            let name = withUnsafePointer(to: e.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            if name.first != "." && fileExists(root + "/" + name + "/state.json") { out.append(name) }
        }
        return out.sorted()
    }
}

/// flock on the container directory; released by close (also when the process dies).
final class ContainerLock {
    let fd: Int32
    init(path: String) throws {
        fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw RuntimeError.sys("open \(path)") }
        while flock(fd, LOCK_EX) < 0 {
            if errno == EINTR { continue }
            let e = errno
            close(fd)
            throw RuntimeError.sys("lock \(path)", e)
        }
    }
    func release() { close(fd) }
}
