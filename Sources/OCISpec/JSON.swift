// A small JSON value type. Parsing is done by libyajl (JSONParse.swift); serialization here.
// Not `indirect`: arrays/objects are already heap buffers, so scalars need no box (faster parse).
// Object keys keep document order (duplicates are kept; lookups take the last one, like Go).

public enum JSON: Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    /// Only for integers above Int64.max.
    case uint(UInt64)
    case double(Double)
    case string(String)
    case array([JSON])
    case object([(key: String, value: JSON)])
}

extension JSON: Equatable {
    public static func == (a: JSON, b: JSON) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case let (.bool(x), .bool(y)): return x == y
        case let (.int(x), .int(y)): return x == y
        case let (.uint(x), .uint(y)): return x == y
        case let (.int(x), .uint(y)), let (.uint(y), .int(x)): return x >= 0 && UInt64(x) == y
        case let (.double(x), .double(y)): return x == y
        case let (.string(x), .string(y)): return x == y
        case let (.array(x), .array(y)): return x == y
        case let (.object(x), .object(y)):
            guard x.count == y.count else { return false }
            for i in x.indices where x[i].key != y[i].key || x[i].value != y[i].value { return false }
            return true
        default: return false
        }
    }
}

// MARK: accessors

extension JSON {
    /// Member lookup on objects (last duplicate wins); nil for absent keys and non-objects.
    public subscript(key: String) -> JSON? {
        guard case .object(let members) = self else { return nil }
        var i = members.count
        while i > 0 {
            i -= 1
            if members[i].key == key { return members[i].value }
        }
        return nil
    }

    /// Element lookup on arrays; nil when out of range or not an array.
    public subscript(index: Int) -> JSON? {
        guard case .array(let a) = self, index >= 0, index < a.count else { return nil }
        return a[index]
    }

    public var stringValue: String? { if case .string(let s) = self { return s }; return nil }
    public var boolValue: Bool? { if case .bool(let b) = self { return b }; return nil }
    public var int64Value: Int64? {
        switch self {
        case .int(let i): return i
        case .uint(let u): return u <= UInt64(Int64.max) ? Int64(u) : nil
        default: return nil
        }
    }
    public var uint64Value: UInt64? {
        switch self {
        case .int(let i): return i >= 0 ? UInt64(i) : nil
        case .uint(let u): return u
        default: return nil
        }
    }
    public var arrayValue: [JSON]? { if case .array(let a) = self { return a }; return nil }
    public var objectValue: [(key: String, value: JSON)]? { if case .object(let o) = self { return o }; return nil }
    public var isNull: Bool { if case .null = self { return true }; return false }

    /// The JSON kind as used in error messages ("string", "integer", "object", ...).
    public var kindName: String {
        switch self {
        case .null: return "null"
        case .bool: return "boolean"
        case .int, .uint: return "integer"
        case .double: return "number"
        case .string: return "string"
        case .array: return "array"
        case .object: return "object"
        }
    }
}

// MARK: builder conveniences

extension JSON: ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral, ExpressibleByStringLiteral,
    ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    /// `["a": 1, "b": "x"]` keeps the written key order.
    public init(dictionaryLiteral elements: (String, JSON)...) {
        self = .object(elements.map { (key: $0.0, value: $0.1) })
    }
    public init(arrayLiteral elements: JSON...) { self = .array(elements) }
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(nilLiteral: ()) { self = .null }
    public init(floatLiteral value: Double) { self = .double(value) }

    public init(_ s: String) { self = .string(s) }
    public init(_ b: Bool) { self = .bool(b) }
    public init<I: BinaryInteger>(_ i: I) {
        if let v = Int64(exactly: i) { self = .int(v) } else { self = .uint(UInt64(i)) }
    }
    public init(_ strings: [String]) { self = .array(strings.map { .string($0) }) }
    /// A string map as an object, keys sorted (like Go's encoding/json).
    public init(_ map: [String: String]) {
        self = .object(map.keys.sorted().map { (key: $0, value: .string(map[$0]!)) })
    }
}

/// Appends members to an object under construction, skipping absent optionals.
struct ObjectBuilder {
    var members: [(key: String, value: JSON)] = []
    mutating func add(_ key: String, _ value: JSON) { members.append((key, value)) }
    mutating func add(_ key: String, _ value: JSON?) { if let v = value { members.append((key, v)) } }
    mutating func add(_ key: String, _ value: String?) { if let v = value { members.append((key, .string(v))) } }
    mutating func add<I: BinaryInteger>(_ key: String, _ value: I?) { if let v = value { members.append((key, JSON(v))) } }
    mutating func add(_ key: String, _ value: Bool?) { if let v = value { members.append((key, .bool(v))) } }
    /// Omitted when empty (Go `omitempty`).
    mutating func add(_ key: String, nonEmpty value: [String]) { if !value.isEmpty { members.append((key, JSON(value))) } }
    mutating func add(_ key: String, nonEmpty value: [String: String]) { if !value.isEmpty { members.append((key, JSON(value))) } }
    mutating func add(_ key: String, nonEmpty value: [JSON]) { if !value.isEmpty { members.append((key, .array(value))) } }
    mutating func add(_ key: String, ifTrue value: Bool) { if value { members.append((key, .bool(true))) } }
    mutating func add<I: BinaryInteger>(_ key: String, nonZero value: I) { if value != 0 { members.append((key, JSON(value))) } }
    var json: JSON { .object(members) }
}

// MARK: serialization

extension JSON {
    /// Compact JSON, or with `pretty` two-space indentation in Go's MarshalIndent layout.
    public func serialized(pretty: Bool = false) -> String {
        serialized(indent: pretty ? "  " : nil)
    }

    /// `indent` nil = compact; otherwise one `indent` per level ("\t" gives `runc spec` layout).
    public func serialized(indent: String?) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out, indent: indent.map { Array($0.utf8) }, level: 0)
        return String(decoding: out, as: UTF8.self)
    }

    private func write(into out: inout [UInt8], indent: [UInt8]?, level: Int) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .int(let i): out.append(contentsOf: String(i).utf8)
        case .uint(let u): out.append(contentsOf: String(u).utf8)
        case .double(let d):
            if d.isFinite {
                if d == d.rounded(.towardZero), abs(d) < 1e15 { out.append(contentsOf: String(Int64(d)).utf8) }
                else { out.append(contentsOf: d.description.utf8) }
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let s): JSON.writeString(s, into: &out)
        case .array(let a):
            if a.isEmpty { out.append(contentsOf: "[]".utf8); return }
            out.append(UInt8(ascii: "["))
            for (i, v) in a.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.newline(&out, indent, level + 1)
                v.write(into: &out, indent: indent, level: level + 1)
            }
            JSON.newline(&out, indent, level)
            out.append(UInt8(ascii: "]"))
        case .object(let o):
            if o.isEmpty { out.append(contentsOf: "{}".utf8); return }
            out.append(UInt8(ascii: "{"))
            for (i, m) in o.enumerated() {
                if i > 0 { out.append(UInt8(ascii: ",")) }
                JSON.newline(&out, indent, level + 1)
                JSON.writeString(m.key, into: &out)
                out.append(UInt8(ascii: ":"))
                if indent != nil { out.append(UInt8(ascii: " ")) }
                m.value.write(into: &out, indent: indent, level: level + 1)
            }
            JSON.newline(&out, indent, level)
            out.append(UInt8(ascii: "}"))
        }
    }

    private static func newline(_ out: inout [UInt8], _ indent: [UInt8]?, _ level: Int) {
        guard let indent else { return }
        out.append(UInt8(ascii: "\n"))
        for _ in 0..<level { out.append(contentsOf: indent) }
    }

    static func writeString(_ s: String, into out: inout [UInt8]) {
        let hex: [UInt8] = Array("0123456789abcdef".utf8)
        out.append(UInt8(ascii: "\""))
        for c in s.utf8 {
            switch c {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
            case 0..<0x20, 0x7F:
                out.append(contentsOf: [92, UInt8(ascii: "u"), 48, 48, hex[Int(c >> 4)], hex[Int(c & 15)]])
            default: out.append(c)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
