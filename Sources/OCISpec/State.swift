// The container state (runtime.md "State", schema/state-schema.json).

public struct ContainerState: Sendable, Equatable {
    public var ociVersion: String
    public var id: String
    /// creating | created | running | stopped
    public var status: String
    /// Omitted from JSON when nil. Required by the spec when status is created or running;
    /// runc reports 0 for a stopped container — pass 0 to print it.
    public var pid: Int32?
    /// Absolute path of the bundle.
    public var bundle: String
    public var annotations: [String: String]
    /// Extra members appended after the spec ones (runc prints e.g. rootfs, created, owner).
    public var extra: [(key: String, value: JSON)]

    public static let statuses = ["creating", "created", "running", "stopped"]

    public init(ociVersion: String = "1.3.0", id: String, status: String, pid: Int32? = nil, bundle: String,
                annotations: [String: String] = [:], extra: [(key: String, value: JSON)] = []) {
        self.ociVersion = ociVersion; self.id = id; self.status = status; self.pid = pid
        self.bundle = bundle; self.annotations = annotations; self.extra = extra
    }

    public static func == (a: Self, b: Self) -> Bool {
        a.ociVersion == b.ociVersion && a.id == b.id && a.status == b.status && a.pid == b.pid
            && a.bundle == b.bundle && a.annotations == b.annotations && JSON.object(a.extra) == JSON.object(b.extra)
    }

    public func encoded() -> JSON {
        var o = ObjectBuilder()
        o.add("ociVersion", .string(ociVersion))
        o.add("id", .string(id))
        o.add("status", .string(status))
        o.add("pid", pid)
        o.add("bundle", .string(bundle))
        o.add("annotations", nonEmpty: annotations)
        o.members += extra
        return o.json
    }

    /// The state document; pretty uses two-space indentation like `runc state`.
    public func json(pretty: Bool = false) -> String { encoded().serialized(pretty: pretty) }

    /// Reads a state document (e.g. a hook's stdin). Unknown members land in `extra`.
    public static func decode(_ bytes: [UInt8], file: String = "state.json") throws(SpecError) -> ContainerState {
        do throws(SpecError) {
            let o = try Val(try JSON.parse(bytes), .root).object()
            let status = try o.req("status").oneOf(statuses, "status")
            var s = ContainerState(ociVersion: try o.req("ociVersion").string(), id: try o.req("id").string(),
                                   status: status, bundle: try o.req("bundle").string())
            if let p = o["pid"] {
                let pid: Int32 = try p.int()
                if pid < 0 { throw p.fail("must not be negative") }
                s.pid = pid
            }
            if let a = o["annotations"] { s.annotations = try a.stringMap() }
            let known: Set<String> = ["ociVersion", "id", "status", "pid", "bundle", "annotations"]
            s.extra = o.members.filter { !known.contains($0.key) }
            return s
        } catch {
            var e = error
            e.file = file
            throw e
        }
    }
}
