// Lookups over OCISpec.KnownLists — the one list the decoder, the validator, `features` and
// the process setup share (as runc's specconv/validate/features do).
import OCISpec

enum KnownTables {
    static let capabilities: [String] = KnownLists.capabilityNames
    private static let capIndex: [String: Int] = Dictionary(
        uniqueKeysWithValues: KnownLists.capabilities.map { ($0.name, Int($0.value)) })

    static func capabilityNumber(_ name: String) -> Int? { capIndex[name] }

    static func capabilityName(_ n: Int) -> String {
        KnownLists.capabilities.first { Int($0.value) == n }?.name ?? "CAP_\(n)"
    }

    static func rlimitNumber(_ name: String) -> Int32? { KnownLists.rlimit(name) }

    static let ioPriorityClasses: [String: Int32] = Dictionary(
        uniqueKeysWithValues: KnownLists.ioPriorityClasses.map { ($0.name, $0.value) })
    static let schedulerPolicies: [String: UInt32] = Dictionary(
        uniqueKeysWithValues: KnownLists.schedulerPolicies.map { ($0.name, $0.value) })
    static let schedulerFlags: [String: UInt64] = Dictionary(
        uniqueKeysWithValues: KnownLists.schedulerFlags.map { ($0.name, $0.value) })
    static let personalityDomains: [String: UInt] = Dictionary(
        uniqueKeysWithValues: KnownLists.personalityDomains.map { ($0.name, UInt($0.value)) })
}
