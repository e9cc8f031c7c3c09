import Cgroups
import Glibc
import OCISpec
import Seccomp

extension Runtime {
    func cgroup(of r: ContainerRecord) throws -> CgroupManager {
        guard !r.cgroupPaths.isEmpty else { throw RuntimeError("container \"\(r.id)\" has no cgroup") }
        return Cgroups.load(paths: r.cgroupPaths)
    }

    public func pause(id: String) throws {
        let lock = try store.lock(id)
        defer { lock.release() }
        let r = try store.load(id)
        switch status(r) {
        case .running, .created: try cgroup(of: r).freeze()
        case let s: throw RuntimeError("container \"\(id)\" is \(s.rawValue), not running")
        }
    }

    public func resume(id: String) throws {
        let lock = try store.lock(id)
        defer { lock.release() }
        let r = try store.load(id)
        guard status(r) == .paused else { throw RuntimeError("container \"\(id)\" is not paused") }
        try cgroup(of: r).thaw()
    }

    public func pids(id: String) throws -> [Int32] {
        try StateStore.validate(id: id)
        let r = try store.load(id)
        guard status(r) != .stopped else { throw RuntimeError("container \"\(id)\" is not running") }
        return try cgroup(of: r).pids()
    }

    /// The state JSON runc prints: the spec's fields plus rootfs, created, owner.
    public func stateDocument(id: String) throws -> JSON {
        try StateStore.validate(id: id)
        let r = try store.load(id)
        let s = status(r)
        return .object([
            ("ociVersion", .string(r.ociVersion)), ("id", .string(r.id)),
            ("pid", .int(Int64(s == .stopped ? 0 : r.pid))), ("status", .string(s.rawValue)),
            ("bundle", .string(r.bundle)), ("rootfs", .string(r.rootfs)), ("created", .string(r.created)),
            ("owner", .string(r.ownerUID == 0 ? "root" : String(r.ownerUID))),
            ("annotations", .object(r.annotations.sorted { $0.key < $1.key }.map { ($0.key, .string($0.value)) })),
        ])
    }
}

extension Runtime {
    /// features.md document for what this build and host really do: every list comes from the
    /// code that applies it (KnownLists, the seccomp module's libseccomp/kernel probe).
    public static func featuresJSON() -> String {
        Features.json(seccompSupportedFlags: SeccompFilter.supportedFlags, cgroupV1: true, cgroupV2: true,
                      rdma: true, idmapMounts: false,
                      seccompActions: SeccompFilter.supportedActions,
                      seccompOperators: SeccompFilter.supportedOperators,
                      seccompArchs: SeccompFilter.supportedArchitectures)
    }
}
