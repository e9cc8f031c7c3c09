// Errors from parsing, decoding and validating runtime-spec documents.

/// One-line error naming the file and the JSON field path, e.g.
/// `config.json: linux.namespaces[2].type: unknown namespace "nett"`.
public struct SpecError: Error, CustomStringConvertible, Equatable, Sendable {
    public var file: String
    /// Dotted field path with `[i]` for array elements and `["key"]` for map entries; empty for the document.
    public var path: String
    public var reason: String

    public init(file: String = "config.json", path: String, reason: String) {
        self.file = file; self.path = path; self.reason = reason
    }

    public var description: String {
        path.isEmpty ? "\(file): \(reason)" : "\(file): \(path): \(reason)"
    }
}

/// Quotes a string for an error message (JSON string syntax, so control characters stay visible).
@inline(__always) func q(_ s: String) -> String {
    var out: [UInt8] = []
    JSON.writeString(s, into: &out)
    return String(decoding: out, as: UTF8.self)
}
