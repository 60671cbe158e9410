import Testing
@testable import SluiceTools

@Suite struct JSONParserTests {
    @Test func keepsNumberTextAndMemberOrder() throws {
        let value = try JSONParser.parse(#"{"z": 12345678901234567890.120, "a": [1, -0.5e3, true, null], "m": "x"}"#)
        #expect(value.members?.map(\.key) == ["z", "a", "m"])
        #expect(value["z"] == .number("12345678901234567890.120"))
        #expect(value["a"] == .array([.number("1"), .number("-0.5e3"), .bool(true), .null]))
        #expect(value.text == #"{"z":12345678901234567890.120,"a":[1,-0.5e3,true,null],"m":"x"}"#)
    }

    @Test func decodesEscapes() throws {
        let value = try JSONParser.parse(#""a\"b\\c\/d\n\t\u00e9\ud83d\ude00é""#)
        #expect(value == .string("a\"b\\c/d\n\té😀é"))
        #expect(value.text == #""a\"b\\c/d\n\té😀é""#)
        #expect(JSONValue.string("\u{01}").text == #""\u0001""#)
    }

    @Test(arguments: [
        "", "{", "[1,]", "{\"a\":1,}", "01", "1.", "-", "tru", "\"\u{01}\"", "\"\\x\"", "\"\\ud800\"",
        "[1] 2", "{\"a\" 1}", "{1: 2}", "nul",
    ])
    func rejects(_ text: String) {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(text) }
    }

    @Test func rejectsInvalidUTF8AndDeepNesting() {
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(bytes: [0x22, 0xFF, 0x22]) }
        let deep = String(repeating: "[", count: JSONParser.maxDepth + 1) + String(repeating: "]", count: JSONParser.maxDepth + 1)
        #expect(throws: JSONParser.Error.self) { try JSONParser.parse(deep) }
        let fine = String(repeating: "[", count: JSONParser.maxDepth) + String(repeating: "]", count: JSONParser.maxDepth)
        #expect((try? JSONParser.parse(fine)) != nil)
    }

    @Test func prettyText() throws {
        let value = try JSONParser.parse(#"{"a":[1,{}],"b":{"c":null}}"#)
        #expect(value.prettyText == """
            {
              "a": [
                1,
                {}
              ],
              "b": {
                "c": null
              }
            }
            """)
    }
}
