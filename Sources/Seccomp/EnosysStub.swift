// runc's -ENOSYS stub (see sr_seccomp_prepend_enosys): with a deny-by-default profile, a
// syscall numbered above every syscall the profile names returns ENOSYS, not the default
// action. A libc newer than the profile then falls back to an older call (clone3 -> clone,
// fchmodat2 -> fchmodat, ...) instead of failing with EPERM. Like runc, the limit is the
// highest number the profile names per architecture (and, on x86_64, per x32/native ABI).
import CShim
import Glibc
import OCISpec

enum EnosysStub {
    static let x86_64: UInt32 = 0xc000_003e
    static let x32Token: UInt32 = 0x4000_003e   // SCMP_ARCH_X32: x86_64 with bit 30 numbers

    /// Whether the default action denies (the stub is pointless when it allows or already
    /// answers ENOSYS).
    static func applies(defaultAction: UInt32) -> Bool {
        let allow: UInt32 = 0x7fff_0000, log: UInt32 = 0x7ffc_0000, enosys: UInt32 = 0x0005_0000 | UInt32(ENOSYS)
        return defaultAction != allow && defaultAction != log && defaultAction != enosys
    }

    /// One entry per audit architecture the filter covers (the native one and `archTokens`),
    /// with the highest syscall number `names` resolve to there; empty when nothing resolves.
    static func arches(native: UInt32, archTokens: [UInt32], names: [String]) -> [sr_enosys_arch] {
        var out: [sr_enosys_arch] = []
        var seen = Set<UInt32>()
        for token in [native] + archTokens where seen.insert(token).inserted {
            var top: Int32 = -1
            for n in names {
                let nr = seccomp_syscall_resolve_name_arch(token, n)
                if nr > top { top = nr }
            }
            guard top >= 0 else { continue }
            let x32 = token == x32Token
            let audit = x32 ? x86_64 : token
            let i = out.firstIndex { $0.audit_arch == audit } ?? {
                out.append(sr_enosys_arch(audit_arch: audit, max_nr: .max, max_x32_nr: .max))
                return out.count - 1
            }()
            if x32 { out[i].max_x32_nr = UInt32(top) } else { out[i].max_nr = UInt32(top) }
        }
        return out
    }
}
