import Foundation
import XCTest
@testable import OCISpec

let examplesDir = "/work/shared/examples"
let schemaDir = "/work/shared/runtime-spec/schema"

func readBytes(_ path: String) throws -> [UInt8] {
    guard let d = FileManager.default.contents(atPath: path) else {
        throw XCTSkip("fixture not found: \(path)")
    }
    return [UInt8](d)
}

/// A config.json built from raw JSON member texts; `members` override/extend the minimal valid base.
/// A nil value removes the member.
func config(_ members: KeyValuePairs<String, String?> = [:]) -> [UInt8] {
    var base: [(String, String)] = [
        ("ociVersion", "\"1.2.0\""),
        ("process", #"{"args":["sh"],"cwd":"/"}"#),
        ("root", #"{"path":"rootfs"}"#),
        ("linux", #"{"namespaces":[{"type":"mount"},{"type":"pid"}]}"#),
    ]
    for (k, v) in members {
        if let i = base.firstIndex(where: { $0.0 == k }) {
            if let v { base[i].1 = v } else { base.remove(at: i) }
        } else if let v {
            base.append((k, v))
        }
    }
    return Array(("{" + base.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",") + "}").utf8)
}

/// Decodes; returns the one-line error or nil.
func decodeError(_ bytes: [UInt8]) -> String? {
    do { _ = try Spec.decode(bytes); return nil } catch { return error.description }
}

/// Decodes (must succeed) and validates; returns the one-line error or nil.
func validateError(_ bytes: [UInt8], file: StaticString = #filePath, line: UInt = #line) -> String? {
    let spec: Spec
    do { spec = try Spec.decode(bytes) } catch {
        XCTFail("unexpected decode error: \(error)", file: file, line: line)
        return nil
    }
    do { try spec.validate(); return nil } catch { return error.description }
}

/// Validates `json` against a schema file of the runtime-spec with python3-jsonschema.
/// Returns the validation errors (empty = valid); throws XCTSkip when jsonschema is missing.
func schemaErrors(_ json: String, schema: String) throws -> [String] {
    let script = """
    import json, os, sys
    try:
        import jsonschema
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4
    except ImportError as e:
        print("SKIP", e); sys.exit(3)
    d = sys.argv[1]; base = "file://" + d + "/"
    reg = Registry()
    for f in os.listdir(d):
        if f.endswith(".json"):
            with open(os.path.join(d, f)) as fh:
                reg = reg.with_resource(base + f, Resource.from_contents(json.load(fh), default_specification=DRAFT4))
    with open(os.path.join(d, sys.argv[2])) as fh:
        schema = json.load(fh)
    schema["id"] = base + sys.argv[2]
    v = jsonschema.Draft4Validator(schema, registry=reg)
    doc = json.loads(sys.stdin.read())
    for e in v.iter_errors(doc):
        print("/".join(str(p) for p in e.absolute_path) + ": " + e.message)
    """
    let p = Foundation.Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = ["python3", "-c", script, schemaDir, schema]
    let inPipe = Pipe(), outPipe = Pipe()
    p.standardInput = inPipe
    p.standardOutput = outPipe
    p.standardError = FileHandle.nullDevice
    do { try p.run() } catch { throw XCTSkip("python3 not runnable: \(error)") }
    inPipe.fileHandleForWriting.write(Data(json.utf8))
    try inPipe.fileHandleForWriting.close()
    let out = String(decoding: outPipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    if p.terminationStatus == 3 { throw XCTSkip("python3-jsonschema not available: \(out)") }
    XCTAssertEqual(p.terminationStatus, 0, out)
    return out.split(separator: "\n").map(String.init)
}
