// The credential and capability switch, in runc's order (libcontainer/init_linux.go,
// finalizeNamespace + setupUser; capabilities.Caps.ApplyBoundingSet/ApplyCaps).
import Glibc
import CShim

extension PreparedProcess {
    /// 1. chdir(cwd) while still privileged; on EACCES/EPERM retry after the uid switch (runc:
    ///    the container user may reach a directory the runtime's user cannot, and vice versa).
    /// 2. Check the requested sets can be granted at all (see checkCapabilitiesGrantable).
    /// 3. Drop from the bounding set every capability not in `bounding` (PR_CAPBSET_DROP;
    ///    capabilities the bounding set already lacks are skipped).
    /// 4. PR_SET_KEEPCAPS 1.
    /// 5. setgroups(additionalGids); when it fails with EPERM because /proc/self/setgroups is
    ///    "deny" (user namespace), skipped if additionalGids is empty, an error otherwise.
    /// 6. setresgid(gid), setresuid(uid). 7. The deferred chdir, if any.
    /// 8. PR_SET_KEEPCAPS 0. 9. capset effective/permitted/inheritable.
    /// 10. Clear the ambient set, raise each ambient capability.
    /// Absent `capabilities` means every set empty (runc).
    public func applyUserAndCapabilities() throws {
        var chdirLater = false
        if chdir(cwd) != 0 {
            let e = Glibc.errno
            guard e == EACCES || e == EPERM else { throw ProcessSetupError.sys("process.cwd: chdir \(quoted(cwd))", e) }
            chdirLater = true
        }

        let state = try checkCapabilitiesGrantable()

        let last = sr_cap_last_cap()
        if last >= 0 {
            for n in 0...Int(last) where capabilities.bounding & (1 << UInt64(n)) == 0
                && state.bounding & (1 << UInt64(n)) != 0 {
                if sr_capbset_drop(Int32(n)) != 0 {
                    let e = Glibc.errno
                    if e == EINVAL { continue }  // not a capability of this kernel
                    throw ProcessSetupError.sys("process.capabilities.bounding: PR_CAPBSET_DROP \(capName(n))", e,
                                                hint: e == EPERM ? "CAP_SETPCAP missing" : nil)
                }
            }
        }

        if sr_set_keepcaps(1) != 0 { throw ProcessSetupError.sys("prctl PR_SET_KEEPCAPS 1", Glibc.errno) }

        try applyGroups()

        if sr_setresgid_all(gid) != 0 {
            let e = Glibc.errno
            throw ProcessSetupError.sys("setresgid \(gid)", e, hint: idHint(e, "gid"))
        }
        if sr_setresuid_all(uid) != 0 {
            let e = Glibc.errno
            throw ProcessSetupError.sys("setresuid \(uid)", e, hint: idHint(e, "uid"))
        }

        if chdirLater && chdir(cwd) != 0 {
            throw ProcessSetupError.sys("process.cwd: chdir \(quoted(cwd)) as uid \(uid)", Glibc.errno)
        }

        if sr_set_keepcaps(0) != 0 { throw ProcessSetupError.sys("prctl PR_SET_KEEPCAPS 0", Glibc.errno) }

        let c = capabilities
        if sr_capset_self(c.effective, c.permitted, c.inheritable) != 0 {
            throw ProcessSetupError.sys("capset effective=\(hex(c.effective)) permitted=\(hex(c.permitted)) "
                                        + "inheritable=\(hex(c.inheritable))", Glibc.errno)
        }

        if sr_cap_ambient_clear() != 0 {
            let e = Glibc.errno
            // EINVAL: a kernel without ambient capabilities (< 4.3); runc ignores it.
            if e != EINVAL || c.ambient != 0 {
                throw ProcessSetupError.sys("process.capabilities.ambient: PR_CAP_AMBIENT_CLEAR_ALL", e)
            }
        }
        for n in bits(c.ambient) where sr_cap_ambient_raise(Int32(n)) != 0 {
            throw ProcessSetupError.sys("process.capabilities.ambient: PR_CAP_AMBIENT_RAISE \(capName(n))", Glibc.errno)
        }
    }

    /// Current capability state of the caller.
    public struct CapabilityState: Sendable, Equatable {
        public var bounding: UInt64 = 0, effective: UInt64 = 0, permitted: UInt64 = 0, inheritable: UInt64 = 0
    }

    /// Throws a clear error naming the first capability that capset would refuse:
    /// permitted/effective outside the caller's permitted set (e.g. the host's bounding set
    /// lacks it), or inheritable outside caller's inheritable ∪ (bounding after the drop).
    /// Called by applyUserAndCapabilities; the parent may call it too, before fork, when the
    /// container gets no new user namespace (a new one resets every set to full).
    @discardableResult
    public func checkCapabilitiesGrantable() throws -> CapabilityState {
        var s = CapabilityState()
        if sr_capget_self(&s.effective, &s.permitted, &s.inheritable) != 0 {
            throw ProcessSetupError.sys("capget", Glibc.errno)
        }
        if sr_capbset_get(&s.bounding) != 0 {
            throw ProcessSetupError.sys("prctl PR_CAPBSET_READ", Glibc.errno)
        }
        let c = capabilities
        for (set, mask) in [("permitted", c.permitted), ("effective", c.effective)] {
            let missing = mask & ~s.permitted
            guard missing != 0 else { continue }
            let n = lowestBit(missing)
            let why = s.bounding & (1 << UInt64(n)) == 0
                ? "the host's capability bounding set lacks it"
                : "the runtime's permitted set lacks it"
            throw ProcessSetupError("process.capabilities.\(set): cannot grant \(capName(n)): \(why)")
        }
        let inhMissing = c.inheritable & ~(s.inheritable | (s.bounding & c.bounding))
        if inhMissing != 0 {
            let n = lowestBit(inhMissing)
            let why = s.bounding & (1 << UInt64(n)) == 0
                ? "the host's capability bounding set lacks it"
                : "it is not in process.capabilities.bounding"
            throw ProcessSetupError("process.capabilities.inheritable: cannot grant \(capName(n)): \(why)")
        }
        return s
    }

    func applyGroups() throws {
        let rc = additionalGids.withUnsafeBufferPointer { sr_setgroups($0.count, $0.baseAddress) }
        guard rc != 0 else { return }
        let e = Glibc.errno
        let what = "setgroups [\(additionalGids.map(String.init).joined(separator: ","))]"
        if e == EPERM && readSmallFile("/proc/self/setgroups") == "deny" {
            if additionalGids.isEmpty { return }  // runc: nothing asked for, nothing to do
            throw ProcessSetupError.sys(what, e, hint: "setgroups is denied in this user namespace; "
                                        + "process.user.additionalGids cannot be set")
        }
        throw ProcessSetupError.sys(what, e, hint: e == EINVAL ? "a gid is not mapped in the user namespace" : nil)
    }

    func idHint(_ e: Int32, _ kind: String) -> String? {
        switch e {
        case EINVAL: return "\(kind) not mapped in the user namespace"
        case EPERM: return "CAP_SET\(kind == "uid" ? "UID" : "GID") missing"
        default: return nil
        }
    }
}

func hex(_ v: UInt64) -> String { "0x" + String(v, radix: 16) }
