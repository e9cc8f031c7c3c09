// process.json (`exec --process FILE`): a runtime-spec `process` object on its own.

extension Spec {
    /// Decodes and validates a process.json document. Errors carry file "process.json" and
    /// field paths relative to the process object ("args", "env[2]").
    public static func decodeProcess(_ bytes: [UInt8]) throws(SpecError) -> Process {
        do throws(SpecError) {
            let p = try decodeProcess(Val(JSON.parse(bytes), .root))
            try p.validate()
            return p
        } catch {
            var e = error
            e.file = "process.json"
            if e.path == "process" { e.path = "" } else if e.path.hasPrefix("process.") { e.path.removeFirst(8) }
            throw e
        }
    }
}
