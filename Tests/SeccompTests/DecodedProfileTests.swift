// The podman profile as the OCISpec decoder produces it must equal the generated fixture and build.
import Glibc
import OCISpec
import XCTest

@testable import Seccomp

final class SeccompDecodedProfileTests: XCTestCase {
    static let podmanJSON = "/work/shared/examples/podman-default-seccomp.json"

    func testPodmanProfileThroughDecoder() throws {
        guard let f = fopen(Self.podmanJSON, "r") else { throw XCTSkip("\(Self.podmanJSON) not present") }
        defer { fclose(f) }
        var bytes: [UInt8] = Array(#"{"ociVersion":"1.2.0","linux":{"seccomp":"#.utf8)
        var buf = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = fread(&buf, 1, buf.count, f)
            if n <= 0 { break }
            bytes += buf[0..<n]
        }
        bytes += Array("}}".utf8)
        let spec = try Spec.decode(bytes)
        let cfg = try XCTUnwrap(spec.linux?.seccomp)
        XCTAssertEqual(cfg, podmanDefaultProfile())
        let filter = try SeccompFilter(cfg)
        XCTAssertEqual(filter.skippedSyscalls, [])
        XCTAssertEqual(filter.ruleCount, 437)
    }
}
