import XCTest
@testable import OCISpec

final class JSONTests: XCTestCase {
    func testParseScalarsAndOrder() throws {
        let j = try JSON.parse(Array(#"{"z":1,"a":[true,false,null],"m":-5,"d":1.5,"s":"x\"y\u00e9\n"}"#.utf8))
        guard case .object(let o) = j else { return XCTFail("not an object") }
        XCTAssertEqual(o.map(\.key), ["z", "a", "m", "d", "s"])
        XCTAssertEqual(j["z"], .int(1))
        XCTAssertEqual(j["a"], [true, false, nil])
        XCTAssertEqual(j["m"], .int(-5))
        XCTAssertEqual(j["d"], .double(1.5))
        XCTAssertEqual(j["s"], .string("x\"yé\n"))
    }

    func testLargeIntegers() throws {
        let j = try JSON.parse(Array(#"[9223372036854775807, 9223372036854775808, 18446744073709551615, -9223372036854775808, 18446744073709551616, 1e3]"#.utf8))
        XCTAssertEqual(j[0], .int(Int64.max))
        XCTAssertEqual(j[1], .uint(9_223_372_036_854_775_808))
        XCTAssertEqual(j[2], .uint(UInt64.max))
        XCTAssertEqual(j[3], .int(Int64.min))
        XCTAssertEqual(j[4], .double(18446744073709551616.0))
        XCTAssertEqual(j[5], .double(1000))
        XCTAssertEqual(j.serialized(), "[9223372036854775807,9223372036854775808,18446744073709551615,-9223372036854775808,1.8446744073709552e+19,1000]")
    }

    func testParseErrorsCarryYajlText() {
        for bad in ["{", "{\"a\":}", "[1,2", "{\"a\":1} x", "", "{a:1}"] {
            XCTAssertThrowsError(try JSON.parse(Array(bad.utf8)), bad) { e in
                let d = (e as! SpecError).description
                XCTAssertTrue(d.hasPrefix("config.json: invalid JSON: "), d)
                XCTAssertFalse(d.contains("\n"), d)
            }
        }
        XCTAssertThrowsError(try JSON.parse(Array("{\"a\":1} x".utf8))) { e in
            XCTAssertTrue("\(e)".contains("trailing garbage"), "\(e)")
        }
    }

    func testSerializeEscapingAndPretty() {
        let j: JSON = ["s": "a\"b\\c\n\t\u{01}\u{7f}é", "n": 3, "e": [], "o": [:], "l": [1, 2]]
        XCTAssertEqual(j.serialized(), #"{"s":"a\"b\\c\n\t\u0001\u007fé","n":3,"e":[],"o":{},"l":[1,2]}"#)
        XCTAssertEqual(JSON(["a": "1"] as [String: String]).serialized(pretty: true), "{\n  \"a\": \"1\"\n}")
        XCTAssertEqual(([1, ["x": true]] as JSON).serialized(indent: "\t"), "[\n\t1,\n\t{\n\t\t\"x\": true\n\t}\n]")
        XCTAssertEqual(JSON.double(2.0).serialized(), "2")
        XCTAssertEqual(JSON.double(0.25).serialized(), "0.25")
        XCTAssertEqual(JSON(UInt64.max).serialized(), "18446744073709551615")
    }

    func testRoundTripThroughText() throws {
        let j: JSON = ["a": [1, -2, .uint(UInt64.max), 0.5, "ü\u{1}x"], "b": ["c": nil, "d": false]]
        XCTAssertEqual(try JSON.parse(Array(j.serialized().utf8)), j)
        XCTAssertEqual(try JSON.parse(Array(j.serialized(pretty: true).utf8)), j)
    }

    func testDuplicateKeysLastWins() throws {
        let j = try JSON.parse(Array(#"{"a":1,"a":2}"#.utf8))
        XCTAssertEqual(j["a"], .int(2))
    }

    func testSpecErrorDescription() {
        XCTAssertEqual(SpecError(path: "linux.namespaces[2].type", reason: "unknown namespace \"nett\"").description,
                       #"config.json: linux.namespaces[2].type: unknown namespace "nett""#)
        XCTAssertEqual(SpecError(file: "x.json", path: "", reason: "bad").description, "x.json: bad")
    }
}
