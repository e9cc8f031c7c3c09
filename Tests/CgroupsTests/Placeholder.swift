import XCTest
final class CgroupsTestsPlaceholder: XCTestCase {}
