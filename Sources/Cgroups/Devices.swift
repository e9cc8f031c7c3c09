// Device access rules: validation, the cgroup v1 devices.allow/deny strings, and the reduction
// of an ordered rule list to "default + exceptions" with cgroup v1 kernel semantics (the same
// reduction runc's devices emulator does), which the v2 eBPF program is generated from.
//
// Both drivers start from deny-all: v1 writes "a" to devices.deny before the rules, v2's
// reduction starts with defaultAllow = false. A rule of type "a" resets everything (the v1
// kernel ignores its major/minor/access too). Access absent = "rwm"; major/minor absent = any.
import Glibc
import CShim
import OCISpec

/// Access bits as in BPF_DEVCG_ACC_*.
let accMknod: UInt32 = 1, accRead: UInt32 = 2, accWrite: UInt32 = 4

struct DeviceException: Equatable, CustomStringConvertible {
    var type: Character          // "a", "b", "c"
    var major: Int64             // -1 = any
    var minor: Int64             // -1 = any
    var access: UInt32

    var description: String { "\(type) \(DeviceRules.num(major)):\(DeviceRules.num(minor)) \(DeviceRules.accessString(access))" }
}

/// The reduced rule set: requests matching an exception get the opposite of `defaultAllow`.
struct DeviceProgram: Equatable {
    var defaultAllow: Bool
    var exceptions: [DeviceException]
}

enum DeviceRules {
    static func num(_ v: Int64) -> String { v < 0 ? "*" : String(v) }

    static func accessString(_ a: UInt32) -> String {
        var s = ""
        if a & accRead != 0 { s += "r" }
        if a & accWrite != 0 { s += "w" }
        if a & accMknod != 0 { s += "m" }
        return s
    }

    /// Validates rule `i` of linux.resources.devices.
    static func parse(_ r: DeviceCgroupRule, index i: Int) throws -> (allow: Bool, ex: DeviceException) {
        let field = "linux.resources.devices[\(i)]"
        let t: Character
        switch r.type ?? "a" {
        case "a", "": t = "a"
        case "b": t = "b"
        case "c": t = "c"
        case let other: throw CgroupError.invalid(field + ".type", "invalid device type \"\(other)\" (want a, b or c)")
        }
        var acc: UInt32 = 0
        for ch in r.access ?? "rwm" {
            switch ch {
            case "r": acc |= accRead
            case "w": acc |= accWrite
            case "m": acc |= accMknod
            default: throw CgroupError.invalid(field + ".access", "invalid access \"\(r.access ?? "")\" (want a combination of r, w, m)")
            }
        }
        if acc == 0 { acc = accRead | accWrite | accMknod }
        let major = r.major ?? -1, minor = r.minor ?? -1
        if major < -1 || major > Int64(UInt32.max) { throw CgroupError.invalid(field + ".major", "out of range: \(major)") }
        if minor < -1 || minor > Int64(UInt32.max) { throw CgroupError.invalid(field + ".minor", "out of range: \(minor)") }
        return (r.allow, DeviceException(type: t, major: major, minor: minor, access: acc))
    }

    /// Strings for the v1 devices.allow / devices.deny files, in order, after a leading
    /// deny-all ("a" to devices.deny).
    static func v1Writes(_ rules: [DeviceCgroupRule]) throws -> [(file: String, value: String)] {
        var out: [(String, String)] = []
        // A leading "a" rule resets by itself; otherwise start from deny-all.
        let firstResets = rules.first.map { ($0.type ?? "a") == "a" || $0.type == "" } ?? false
        if !firstResets { out.append(("devices.deny", "a")) }
        for (i, r) in rules.enumerated() {
            let (allow, ex) = try parse(r, index: i)
            let v = ex.type == "a" ? "a" : ex.description
            out.append((allow ? "devices.allow" : "devices.deny", v))
        }
        return out
    }

    /// What a v1 devices.list shows for `p` when it can tell (deny-by-default, or allow-all);
    /// nil when the list cannot confirm it (allow-by-default with exceptions shows only "a").
    static func v1List(_ p: DeviceProgram) -> Set<String>? {
        if p.defaultAllow { return p.exceptions.isEmpty ? ["a *:* rwm"] : nil }
        return Set(p.exceptions.map(\.description))
    }

    /// Reduces the ordered rules to default + exceptions (cgroup v1 kernel semantics: an "a"
    /// rule resets; a rule agreeing with the default removes the matching exception's access
    /// bits; otherwise it adds an exception, merging access with an identical one).
    static func reduce(_ rules: [DeviceCgroupRule]) throws -> DeviceProgram {
        var p = DeviceProgram(defaultAllow: false, exceptions: [])
        for (i, r) in rules.enumerated() {
            let (allow, ex) = try parse(r, index: i)
            if ex.type == "a" {
                // Even with a major/minor/access the v1 kernel treats "a" as a full reset.
                p = DeviceProgram(defaultAllow: allow, exceptions: [])
                continue
            }
            let same = p.exceptions.firstIndex {
                $0.type == ex.type && $0.major == ex.major && $0.minor == ex.minor
            }
            if allow == p.defaultAllow {
                if let j = same {
                    p.exceptions[j].access &= ~ex.access
                    if p.exceptions[j].access == 0 { p.exceptions.remove(at: j) }
                }
            } else if let j = same {
                p.exceptions[j].access |= ex.access
            } else {
                p.exceptions.append(ex)
            }
        }
        return p
    }

    /// Installs the program on a real cgroup v2 directory with eBPF.
    static func installBPF(dir: String, program: DeviceProgram) throws {
        let fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if fd < 0 { throw CgroupError.sys("open", dir, Glibc.errno) }
        defer { close(fd) }
        var rules = program.exceptions.map { e in
            sr_dev_rule(type: CChar(e.type.asciiValue!), major: e.major, minor: e.minor, access: e.access)
        }
        var step: UnsafePointer<CChar>? = nil
        var log = [CChar](repeating: 0, count: 2048)
        let rc = rules.withUnsafeMutableBufferPointer { rp in
            log.withUnsafeMutableBufferPointer { lp in
                sr_cgroup_set_device_filter(fd, rp.baseAddress, Int32(rp.count), program.defaultAllow ? 1 : 0,
                                            &step, lp.baseAddress, UInt32(lp.count))
            }
        }
        if rc != 0 {
            let e = Glibc.errno
            let what = step.map { String(cString: $0) } ?? "bpf"
            let verifier = log.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
            let note = "linux.resources.devices" + (verifier.isEmpty ? "" : "; verifier: " + trim(verifier))
            throw CgroupError.sys(what + " on", dir, e, note: note)
        }
    }
}

extension Cgroups {
    /// Device rules runc allows in every container after the config's own rules: mknod of any
    /// char/block device, /dev/null, zero, full, random, urandom, tty, ptmx, pts/*, net/tun.
    /// The runtime core appends these (and an allow rwm rule per linux.devices entry) to
    /// linux.resources.devices before apply(), as runc's specconv does.
    public static var defaultDeviceRules: [DeviceCgroupRule] {
        func rule(_ t: String, _ major: Int64?, _ minor: Int64?, _ acc: String) -> DeviceCgroupRule {
            var r = DeviceCgroupRule(allow: true)
            r.type = t; r.major = major; r.minor = minor; r.access = acc
            return r
        }
        return [
            rule("c", nil, nil, "m"), rule("b", nil, nil, "m"),
            rule("c", 1, 3, "rwm"), rule("c", 1, 8, "rwm"), rule("c", 1, 7, "rwm"),
            rule("c", 5, 0, "rwm"), rule("c", 1, 5, "rwm"), rule("c", 1, 9, "rwm"),
            rule("c", 136, nil, "rwm"), rule("c", 5, 2, "rwm"), rule("c", 10, 200, "rwm"),
        ]
    }

    /// The device rule list runc hands its cgroup driver at create: linux.resources.devices,
    /// then `defaultDeviceRules`, then "allow rwm" for each linux.devices node (type u counts
    /// as c; p and nodes without numbers are skipped). Both drivers start from deny-all, so a
    /// config without rules gets runc's default policy. Use at create; `update` passes the
    /// config's rules as they are.
    public static func effectiveDeviceRules(_ linux: Linux) -> [DeviceCgroupRule] {
        var out = linux.resources?.devices ?? []
        out += defaultDeviceRules
        for d in linux.devices {
            guard let ma = d.major, let mi = d.minor, d.type == "c" || d.type == "b" || d.type == "u" else { continue }
            var r = DeviceCgroupRule(allow: true)
            r.type = d.type == "b" ? "b" : "c"; r.major = ma; r.minor = mi; r.access = "rwm"
            out.append(r)
        }
        return out
    }
}
