// A standalone LinuxResources document (`swiftrun update --resources FILE` / `-r -`), decoded
// with the same rules and field paths as config.json's linux.resources.

extension Spec {
    /// Decodes a JSON LinuxResources object; errors read `resources.json: memory.limit: ...`.
    public static func decodeResources(_ bytes: [UInt8]) throws(SpecError) -> Resources {
        do throws(SpecError) {
            return try decodeResources(Val(JSON.parse(bytes, file: "resources.json"), .root))
        } catch {
            var e = error
            e.file = "resources.json"
            throw e
        }
    }
}
