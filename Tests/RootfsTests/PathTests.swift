// Pure path logic of Rootfs: container paths are normalised before they are resolved in the
// rootfs (openat2 RESOLVE_IN_ROOT does the containment; this only decides the names).
import XCTest

@testable import Rootfs

final class PathTests: XCTestCase {
    func testCleanPathsComeBackAsTheyAre() {
        for p in ["/", "/dev", "/dev/pts", "/a/b/c", "/.x", "/..x", "/x..", "/a/.b/c"] {
            XCTAssertEqual(cleanPath(p), p)
        }
    }

    func testOtherPathsAreNormalised() {
        let cases: [(String, String)] = [
            ("", "/"), ("dev", "/dev"), ("a/b", "/a/b"), ("/a/", "/a"), ("//a//b//", "/a/b"),
            ("/a/./b", "/a/b"), ("/a/.", "/a"), ("/./", "/"), ("/a/../b", "/b"), ("/..", "/"),
            ("/../../etc", "/etc"), ("a/../../b", "/b"), ("/a/b/..", "/a"), ("/a/..", "/"),
        ]
        for (p, want) in cases { XCTAssertEqual(cleanPath(p), want, p) }
    }

    func testCleanPathIsIdempotent() {
        for p in ["/a/../b/./c//", "x/y/../../z", "/", "//", "/..."] {
            XCTAssertEqual(cleanPath(cleanPath(p)), cleanPath(p), p)
        }
    }
}
