import XCTest
final class OCISpecTestsPlaceholder: XCTestCase {}
