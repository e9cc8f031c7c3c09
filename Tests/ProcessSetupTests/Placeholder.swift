import XCTest
final class ProcessSetupPlaceholder: XCTestCase {}
