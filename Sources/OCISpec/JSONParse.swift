// JSON parsing on libyajl's tree API (C target CYajl). yajl builds a C tree in one pass;
// this file converts it to `JSON` and frees it. yajl validates UTF-8; note yajl_tree
// accepts /* */ and // comments (it always enables them).
import CYajl
import Glibc

extension JSON {
    /// Parses a complete JSON document. The error message carries yajl's own text.
    public static func parse(_ bytes: [UInt8]) throws(SpecError) -> JSON {
        try parse(bytes, file: "config.json")
    }

    public static func parse(_ bytes: [UInt8], file: String) throws(SpecError) -> JSON {
        let hasNUL = bytes.withUnsafeBytes { b in b.count > 0 && memchr(b.baseAddress!, 0, b.count) != nil }
        if hasNUL { throw SpecError(file: file, path: "", reason: "invalid JSON: NUL byte in document") }
        var input = [UInt8](repeating: 0, count: bytes.count + 1)
        input.withUnsafeMutableBytes { dst in bytes.withUnsafeBytes { src in
            if src.count > 0 { _ = memcpy(dst.baseAddress!, src.baseAddress!, src.count) }
        } }
        var err = [CChar](repeating: 0, count: 512)
        let tree: yajl_val? = input.withUnsafeBufferPointer { inp in
            inp.baseAddress!.withMemoryRebound(to: CChar.self, capacity: inp.count) { p in
                cyajl_parse(p, &err, err.count)
            }
        }
        guard let tree else {
            let raw = String(cString: err)
            throw SpecError(file: file, path: "", reason: "invalid JSON: " + oneLine(raw.isEmpty ? "parse error" : raw))
        }
        defer { cyajl_free(tree) }
        return convert(tree)
    }

    private static func convert(_ v: yajl_val) -> JSON {
        switch cyajl_type(v) {
        case 1: return .string(String(cString: cyajl_string(v)))
        case 2: return number(v)
        case 3:
            let n = cyajl_object_len(v)
            var members: [(key: String, value: JSON)] = []
            members.reserveCapacity(n)
            for i in 0..<n {
                members.append((String(cString: cyajl_object_key(v, i)), convert(cyajl_object_value(v, i))))
            }
            return .object(members)
        case 4:
            let n = cyajl_array_len(v)
            var elems: [JSON] = []
            elems.reserveCapacity(n)
            for i in 0..<n { elems.append(convert(cyajl_array_at(v, i))) }
            return .array(elems)
        case 5: return .bool(true)
        case 6: return .bool(false)
        default: return .null
        }
    }

    /// Integers stay exact: int64 when it fits, uint64 above Int64.max, double otherwise.
    private static func number(_ v: yajl_val) -> JSON {
        let flags = cyajl_number_flags(v)
        let text = cyajl_number_text(v)!
        var isInteger = true
        var p = text
        while p.pointee != 0 {
            let c = UInt8(bitPattern: p.pointee)
            if c == UInt8(ascii: ".") || c == UInt8(ascii: "e") || c == UInt8(ascii: "E") { isInteger = false; break }
            p += 1
        }
        if isInteger {
            if flags & 1 != 0 { return .int(Int64(cyajl_number_int(v))) }
            let str = String(cString: text)
            if let i = Int64(str) { return .int(i) }  // yajl rejects Int64.min
            if let u = UInt64(str) { return .uint(u) }
        }
        if flags & 2 != 0 { return .double(cyajl_number_double(v)) }
        return .double(strtod(text, nil))
    }
}

/// Collapses yajl's multi-line message ("parse error: ...\n  text\n  (right here) ---^") to one line.
func oneLine(_ s: String) -> String {
    var out = ""
    var lastSpace = true
    for c in s.unicodeScalars {
        if c == "\n" || c == "\r" || c == "\t" || c == " " {
            if !lastSpace { out.unicodeScalars.append(" "); lastSpace = true }
        } else {
            out.unicodeScalars.append(c); lastSpace = false
        }
    }
    while out.hasSuffix(" ") { out.removeLast() }
    return out
}
