// Typed access to a parsed JSON tree with field paths for error messages.
// Paths are built lazily (a linked list of path components) so a clean decode of a large
// seccomp profile allocates no path strings.

indirect enum FieldPath: Sendable {
    case root
    case key(FieldPath, String)
    case index(FieldPath, Int)
    case mapKey(FieldPath, String)

    var string: String {
        switch self {
        case .root: return ""
        case .key(let p, let k):
            let s = p.string
            return s.isEmpty ? k : s + "." + k
        case .index(let p, let i): return p.string + "[\(i)]"
        case .mapKey(let p, let k): return p.string + "[" + q(k) + "]"
        }
    }
}

/// Describes a JSON value in a type-mismatch message: kind, plus the value for numbers.
func describe(_ v: JSON) -> String {
    switch v {
    case .int(let i): return i < 0 ? "negative integer \(i)" : "integer \(i)"
    case .uint(let u): return "integer \(u)"
    case .double(let d): return "number \(d)"
    default: return v.kindName
    }
}

/// One JSON value at a known path.
struct Val {
    let v: JSON
    let at: FieldPath

    init(_ v: JSON, _ at: FieldPath) { self.v = v; self.at = at }

    func fail(_ reason: String) -> SpecError { SpecError(path: at.string, reason: reason) }
    func typeError(_ expected: String) -> SpecError { fail("expected \(expected), got \(describe(v))") }

    func object() throws(SpecError) -> Obj {
        guard case .object(let m) = v else { throw typeError("object") }
        return Obj(members: m, at: at)
    }

    func string() throws(SpecError) -> String {
        guard case .string(let s) = v else { throw typeError("string") }
        return s
    }

    func bool() throws(SpecError) -> Bool {
        guard case .bool(let b) = v else { throw typeError("boolean") }
        return b
    }

    func uint<T: FixedWidthInteger & UnsignedInteger>(_: T.Type = T.self) throws(SpecError) -> T {
        let u: UInt64
        switch v {
        case .int(let i) where i >= 0: u = UInt64(i)
        case .uint(let x): u = x
        default: throw typeError("unsigned integer")
        }
        guard let r = T(exactly: u) else { throw fail("value \(u) out of range for uint\(T.bitWidth)") }
        return r
    }

    func int<T: FixedWidthInteger & SignedInteger>(_: T.Type = T.self) throws(SpecError) -> T {
        switch v {
        case .int(let i):
            guard let r = T(exactly: i) else { throw fail("value \(i) out of range for int\(T.bitWidth)") }
            return r
        case .uint(let u): throw fail("value \(u) out of range for int\(T.bitWidth)")
        default: throw typeError("integer")
        }
    }

    func array() throws(SpecError) -> [Val] {
        guard case .array(let a) = v else { throw typeError("array") }
        var out: [Val] = []
        out.reserveCapacity(a.count)
        for (i, e) in a.enumerated() { out.append(Val(e, .index(at, i))) }
        return out
    }

    func strings() throws(SpecError) -> [String] {
        guard case .array(let a) = v else { throw typeError("array of strings") }
        var out: [String] = []
        out.reserveCapacity(a.count)
        for (i, e) in a.enumerated() {
            guard case .string(let s) = e else { throw Val(e, .index(at, i)).typeError("string") }
            out.append(s)
        }
        return out
    }

    /// Each element decoded by `body`.
    func list<T>(_ body: (Val) throws(SpecError) -> T) throws(SpecError) -> [T] {
        guard case .array(let a) = v else { throw typeError("array") }
        var out: [T] = []
        out.reserveCapacity(a.count)
        for (i, e) in a.enumerated() { out.append(try body(Val(e, .index(at, i)))) }
        return out
    }

    /// An object used as a map; values decoded by `body` at path `at["key"]`.
    func map<T>(_ body: (Val) throws(SpecError) -> T) throws(SpecError) -> [String: T] {
        guard case .object(let m) = v else { throw typeError("object") }
        var out: [String: T] = [:]
        out.reserveCapacity(m.count)
        for (k, e) in m { out[k] = try body(Val(e, .mapKey(at, k))) }
        return out
    }

    func stringMap() throws(SpecError) -> [String: String] {
        try map { (x: Val) throws(SpecError) in try x.string() }
    }

    /// A string that must be one of `known`; otherwise `unknown <what> "value"`.
    func oneOf(_ known: [String], _ what: String) throws(SpecError) -> String {
        let s = try string()
        guard known.contains(s) else { throw fail("unknown \(what) \(q(s))") }
        return s
    }

    /// An array of strings each one of `known`; errors name the element.
    func allOf(_ known: [String], _ what: String) throws(SpecError) -> [String] {
        try list { (x: Val) throws(SpecError) in try x.oneOf(known, what) }
    }
}

/// A JSON object at a known path. Absent and `null` members are treated alike (as Go does).
struct Obj {
    let members: [(key: String, value: JSON)]
    let at: FieldPath

    subscript(key: String) -> Val? {
        var i = members.count
        while i > 0 {
            i -= 1
            if members[i].key == key {
                if case .null = members[i].value { return nil }
                return Val(members[i].value, .key(at, key))
            }
        }
        return nil
    }

    func req(_ key: String) throws(SpecError) -> Val {
        guard let v = self[key] else {
            throw SpecError(path: at.string, reason: "missing required field \(q(key))")
        }
        return v
    }

    func string(_ key: String) throws(SpecError) -> String? { try self[key]?.string() }
    func bool(_ key: String) throws(SpecError) -> Bool? { try self[key]?.bool() }
    func strings(_ key: String) throws(SpecError) -> [String]? { try self[key]?.strings() }
    func uint<T: FixedWidthInteger & UnsignedInteger>(_ key: String, _: T.Type = T.self) throws(SpecError) -> T? {
        try self[key]?.uint(T.self)
    }
    func int<T: FixedWidthInteger & SignedInteger>(_ key: String, _: T.Type = T.self) throws(SpecError) -> T? {
        try self[key]?.int(T.self)
    }
    func object(_ key: String) throws(SpecError) -> Obj? { try self[key]?.object() }
}
