// The `features` document (features.md, features-linux.md, schema/features-schema.json),
// generated from KnownLists. What the host really supports is passed in by the runtime.

public enum Features {
    public static let ociVersionMin = "1.0.0"
    public static let ociVersionMax = "1.3.0"

    /// - Parameters:
    ///   - seccompEnabled: the runtime was built with seccomp support.
    ///   - seccompSupportedFlags: flags the kernel/libseccomp accept (nil = all known flags).
    ///   - cgroupV1, cgroupV2, systemd, systemdUser, rdma: implemented cgroup managers/controllers.
    ///   - idmapMounts: mounts' uidMappings/gidMappings are honoured.
    ///   - netDevices: linux.netDevices is implemented.
    ///   - annotations: runtime metadata (e.g. "org.opencontainers.runc.version"-style keys).
    ///   - pretty: indented output.
    public static func json(seccompEnabled: Bool = true, seccompSupportedFlags: [String]? = nil,
                            cgroupV1: Bool = false, cgroupV2: Bool = true, systemd: Bool = false,
                            systemdUser: Bool = false, rdma: Bool = false, idmapMounts: Bool = true,
                            netDevices: Bool = false, annotations: [String: String] = [:],
                            seccompActions: [String]? = nil, seccompOperators: [String]? = nil,
                            seccompArchs: [String]? = nil, memoryPolicy: Bool = false,
                            mountExtensions: [String] = [],
                            pretty: Bool = true) -> String
    {
        document(seccompEnabled: seccompEnabled, seccompSupportedFlags: seccompSupportedFlags, cgroupV1: cgroupV1,
                 cgroupV2: cgroupV2, systemd: systemd, systemdUser: systemdUser, rdma: rdma,
                 idmapMounts: idmapMounts, netDevices: netDevices, annotations: annotations).serialized(pretty: pretty)
    }

    public static func document(seccompEnabled: Bool = true, seccompSupportedFlags: [String]? = nil,
                                cgroupV1: Bool = false, cgroupV2: Bool = true, systemd: Bool = false,
                                systemdUser: Bool = false, rdma: Bool = false, idmapMounts: Bool = true,
                                netDevices: Bool = false, annotations: [String: String] = [:],
                                seccompActions: [String]? = nil, seccompOperators: [String]? = nil,
                                seccompArchs: [String]? = nil, memoryPolicy: Bool = false,
                                mountExtensions: [String] = []) -> JSON
    {
        let known = KnownLists.seccompFlagNames
        let supported = (seccompSupportedFlags ?? known).filter { known.contains($0) }
        var seccomp = ObjectBuilder()
        seccomp.add("enabled", .bool(seccompEnabled))
        if seccompEnabled {
            seccomp.add("actions", JSON(seccompActions ?? KnownLists.seccompActions))
            seccomp.add("operators", JSON(seccompOperators ?? KnownLists.seccompOperatorNames))
            seccomp.add("archs", JSON(seccompArchs ?? KnownLists.seccompArchs))
            seccomp.add("knownFlags", JSON(known))
            seccomp.add("supportedFlags", JSON(supported))
        }
        var linux: JSON = [
            "namespaces": JSON(KnownLists.namespaces),
            "capabilities": JSON(KnownLists.capabilityNames),
            "cgroup": ["v1": JSON(cgroupV1), "v2": JSON(cgroupV2), "systemd": JSON(systemd),
                       "systemdUser": JSON(systemdUser), "rdma": JSON(rdma)],
            "seccomp": seccomp.json,
            "apparmor": ["enabled": false],
            "selinux": ["enabled": false],
            "intelRdt": ["enabled": false],
            "mountExtensions": ["idmap": ["enabled": JSON(idmapMounts)]],
            "netDevices": ["enabled": JSON(netDevices)],
        ]
        if memoryPolicy, case .object(var kv) = linux {
            kv.append((key: "memoryPolicy", value: ["modes": JSON(KnownLists.memoryPolicyModeNames),
                                                    "flags": JSON(KnownLists.memoryPolicyFlagNames)]))
            linux = .object(kv)
        }
        var o = ObjectBuilder()
        o.add("ociVersionMin", .string(ociVersionMin))
        o.add("ociVersionMax", .string(ociVersionMax))
        o.add("hooks", JSON(KnownLists.hooks))
        // Only what the runtime applies: the extension options it does not implement are left out.
        o.add("mountOptions", JSON(KnownLists.mountOptions.filter {
            !MountOptions.extensionOptions.contains($0) || mountExtensions.contains($0)
        }))
        o.add("linux", linux)
        o.add("annotations", nonEmpty: annotations)
        return o.json
    }
}
