import SluiceModel
import Testing

@testable import ProxyCore

/// Text-format values to the JSON-bound `QueryValue`, by type OID.
@Suite struct QueryValueDecoderTests {
    private func decode(_ text: String?, _ oid: UInt32) -> QueryValue {
        QueryValueDecoder.decode(text, typeOID: oid)
    }

    @Test func nullIsNullForEveryType() {
        for oid: UInt32 in [16, 20, 25, 114, 1007, 1184] {
            #expect(decode(nil, oid) == .null)
        }
    }

    @Test func booleans() {
        #expect(decode("t", 16) == .bool(true))
        #expect(decode("f", 16) == .bool(false))
        #expect(decode("maybe", 16) == .string("maybe"))
    }

    @Test func numbersKeepTheirExactText() {
        #expect(decode("42", 23) == .number("42"))
        #expect(decode("-7", 21) == .number("-7"))
        #expect(decode("9223372036854775807", 20) == .number("9223372036854775807"))
        #expect(decode("4294967295", 26) == .number("4294967295"))
        #expect(decode("1.5", 700) == .number("1.5"))
        #expect(decode("1e+30", 701) == .number("1e+30"))
        #expect(decode("-1.2345e-07", 701) == .number("-1.2345e-07"))
        #expect(decode("123456789012345678901234567890.000000001", 1700) == .number("123456789012345678901234567890.000000001"))
        #expect(decode("0.10", 1700) == .number("0.10"))
    }

    @Test func nonFiniteNumbersAreStrings() {
        #expect(decode("NaN", 1700) == .string("NaN"))
        #expect(decode("NaN", 701) == .string("NaN"))
        #expect(decode("Infinity", 701) == .string("Infinity"))
        #expect(decode("-Infinity", 700) == .string("-Infinity"))
        #expect(decode("Infinity", 1700) == .string("Infinity"))
    }

    @Test func jsonNumberGrammar() {
        for valid in ["0", "-0", "10", "1.25", "1e5", "1E-5", "-0.5e+10"] {
            #expect(QueryValueDecoder.isJSONNumber(valid), "\(valid)")
        }
        for invalid in ["", "-", "01", "1.", ".5", "+1", "1e", "1e+", "0x10", "1 ", "NaN"] {
            #expect(!QueryValueDecoder.isJSONNumber(invalid), "\(invalid)")
        }
    }

    @Test func jsonIsEmbedded() {
        #expect(decode(#"{"a": [1, 2]}"#, 3802) == .json(#"{"a": [1, 2]}"#))
        #expect(decode("null", 114) == .json("null"))
    }

    @Test func timestamps() {
        #expect(decode("2024-01-02 03:04:05.123+00", 1184) == .string("2024-01-02T03:04:05.123+00:00"))
        #expect(decode("2024-01-02 03:04:05+00", 1184) == .string("2024-01-02T03:04:05+00:00"))
        #expect(decode("2024-01-02 03:04:05.5+05:30", 1184) == .string("2024-01-02T03:04:05.5+05:30"))
        #expect(decode("2024-01-02 03:04:05-08", 1184) == .string("2024-01-02T03:04:05-08:00"))
        // Offsets with seconds, infinities and BC stay as the server wrote them.
        #expect(decode("1850-01-01 00:00:00+00:53:28", 1184) == .string("1850-01-01 00:00:00+00:53:28"))
        #expect(decode("infinity", 1184) == .string("infinity"))
        #expect(decode("-infinity", 1184) == .string("-infinity"))
        #expect(decode("0044-03-15 12:00:00+00 BC", 1184) == .string("0044-03-15 12:00:00+00 BC"))
        #expect(decode("2024-01-02 03:04:05", 1114) == .string("2024-01-02T03:04:05"))
        #expect(decode("2024-01-02 03:04:05.000001", 1114) == .string("2024-01-02T03:04:05.000001"))
        #expect(decode("2024-01-02 03:04:05 BC", 1114) == .string("2024-01-02 03:04:05 BC"))
        #expect(decode("infinity", 1114) == .string("infinity"))
        #expect(decode("2024-01-02", 1082) == .string("2024-01-02"))
    }

    @Test func otherTypesAreStrings() {
        #expect(decode("hello", 25) == .string("hello"))
        #expect(decode("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11", 2950) == .string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"))
        #expect(decode("1 day 02:00:00", 1186) == .string("1 day 02:00:00"))
        #expect(decode("\\x00ff", 17) == .string("\\x00ff"))
        #expect(decode("{1,2}", 99_999) == .string("{1,2}"))
    }

    @Test func simpleArrays() {
        #expect(decode("{1,2,3}", 1007) == .array([.number("1"), .number("2"), .number("3")]))
        #expect(decode("{}", 1007) == .array([]))
        #expect(decode("{t,f,NULL}", 1000) == .array([.bool(true), .bool(false), .null]))
        #expect(decode("{10000000000}", 1016) == .array([.number("10000000000")]))
        #expect(decode("{1.5,NaN}", 1231) == .array([.number("1.5"), .string("NaN")]))
        #expect(decode("{1.5,-Infinity}", 1022) == .array([.number("1.5"), .string("-Infinity")]))
        #expect(decode("{0.25}", 1021) == .array([.number("0.25")]))
        #expect(decode("{-1,2}", 1005) == .array([.number("-1"), .number("2")]))
    }

    @Test func quotedArrayElements() {
        #expect(decode(#"{abc,"a b","with \"quote\"","back\\slash",NULL,"NULL",""}"#, 1009) == .array([
            .string("abc"), .string("a b"), .string(#"with "quote""#), .string(#"back\slash"#), .null, .string("NULL"), .string(""),
        ]))
        #expect(decode(#"{"a,b","{c}"}"#, 1015) == .array([.string("a,b"), .string("{c}")]))
        #expect(decode(#"{"{\"a\": 1}","[2]"}"#, 3807) == .array([.json(#"{"a": 1}"#), .json("[2]")]))
        #expect(decode(#"{"{\"a\":1}"}"#, 199) == .array([.json(#"{"a":1}"#)]))
        #expect(decode(#"{"2024-01-02 03:04:05+00",NULL}"#, 1185) == .array([.string("2024-01-02T03:04:05+00:00"), .null]))
        #expect(decode(#"{"2024-01-02 03:04:05"}"#, 1115) == .array([.string("2024-01-02T03:04:05")]))
        #expect(decode("{2024-01-02,infinity}", 1182) == .array([.string("2024-01-02"), .string("infinity")]))
        #expect(decode("{a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11}", 2951) == .array([.string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")]))
    }

    @Test func nestedArrays() {
        #expect(decode("{{1,2},{3,NULL}}", 1007) == .array([
            .array([.number("1"), .number("2")]), .array([.number("3"), .null]),
        ]))
        #expect(decode(#"{{{"a"}},{{b}}}"#, 1009) == .array([.array([.array([.string("a")])]), .array([.array([.string("b")])])]))
        // Lower bounds other than 1 come as a prefix.
        #expect(decode("[0:1]={7,8}", 1007) == .array([.number("7"), .number("8")]))
        #expect(decode("[1:1][2:3]={{1,2}}", 1007) == .array([.array([.number("1"), .number("2")])]))
    }

    @Test func malformedArraysStayText() {
        for text in ["{1,2", "1,2}", "{\"a}", "{a,}", "{,a}", "{a}x", "", "{{1}"] {
            #expect(decode(text, 1009) == .string(text), "\(text)")
        }
    }

    @Test func typeNames() {
        #expect(PostgresTypeNames.name(of: 23) == "int4")
        #expect(PostgresTypeNames.name(of: 1007) == "_int4")
        #expect(PostgresTypeNames.name(of: 1184) == "timestamptz")
        #expect(PostgresTypeNames.name(of: 3802) == "jsonb")
        #expect(PostgresTypeNames.name(of: 25) == "text")
        #expect(PostgresTypeNames.name(of: 99_999) == nil)
        #expect(PostgresTypeNames.placeholder(for: 99_999) == "oid:99999")
    }
}
