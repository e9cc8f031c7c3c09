import XCTest
import OCISpec

/// `swiftrun update --resources`: a bare LinuxResources document.
final class ResourcesDecodingTests: XCTestCase {
    func testDecodesLikeLinuxResources() throws {
        let r = try Spec.decodeResources(Array("""
            {"memory": {"limit": 134217728, "swap": -1}, "cpu": {"shares": 512, "quota": 20000, "cpus": "0"},
             "pids": {"limit": 50}, "blockIO": {"weight": 300}, "unified": {"memory.high": "max"}}
            """.utf8))
        XCTAssertEqual(r.memory?.limit, 134_217_728)
        XCTAssertEqual(r.memory?.swap, -1)
        XCTAssertNil(r.memory?.reservation)
        XCTAssertEqual(r.cpu?.shares, 512)
        XCTAssertEqual(r.cpu?.quota, 20000)
        XCTAssertNil(r.cpu?.period)
        XCTAssertEqual(r.cpu?.cpus, "0")
        XCTAssertEqual(r.pids?.limit, 50)
        XCTAssertEqual(r.blockIO?.weight, 300)
        XCTAssertEqual(r.unified, ["memory.high": "max"])
        XCTAssertEqual(try Spec.decodeResources(Array("{}".utf8)), Resources())
    }

    func testErrorsNameResourcesJSONAndTheField() {
        func err(_ s: String) -> String {
            do { _ = try Spec.decodeResources(Array(s.utf8)); return "no error" } catch { return "\(error)" }
        }
        XCTAssertEqual(err(#"{"pids": {"limit": "x"}}"#), "resources.json: pids.limit: expected integer, got string")
        XCTAssertEqual(err(#"{"memory": {"swappiness": -1}}"#),
                       "resources.json: memory.swappiness: expected unsigned integer, got negative integer -1")
        XCTAssertTrue(err("{").hasPrefix("resources.json: invalid JSON"), err("{"))
        XCTAssertTrue(err("").hasPrefix("resources.json: "), err(""))
        XCTAssertEqual(err("[]"), "resources.json: expected object, got array")
    }
}
