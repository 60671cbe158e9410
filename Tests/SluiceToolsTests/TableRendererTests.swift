import Testing
@testable import SluiceTools

@Suite struct TableRendererTests {
    let people = ToolResult(
        command: "SELECT",
        columns: [.init(name: "id", type: "int4"), .init(name: "email", type: "text"), .init(name: "tags", type: "jsonb")],
        rows: [
            [.number("1"), .string("ann@example.com"), .array([.string("a")])],
            [.number("10"), .null, .object([("k", .bool(true))])],
        ],
        rowCount: 2
    )

    @Test func alignsColumnsAndShowsJSONText() {
        #expect(TableRenderer().render(people) == """
            id | email             | tags
            ---+-------------------+-----------
             1 | "ann@example.com" | ["a"]
            10 | null              | {"k":true}
            (2 rows)

            """)
    }

    @Test func oneRowAndTruncatedFooter() {
        let one = ToolResult(columns: [.init(name: "one", type: "int4")], rows: [[.number("1")]], truncated: false)
        #expect(TableRenderer().render(one) == "one\n---\n  1\n(1 row)\n")
        let cut = ToolResult(columns: [.init(name: "n", type: "int4")], rows: [[.number("1")], [.number("2")]], rowCount: 2, truncated: true)
        #expect(TableRenderer().render(cut).hasSuffix("(2 rows; truncated: the result has more rows than were returned)\n"))
    }

    @Test func limitsRowsAndCellWidth() {
        let renderer = TableRenderer(maxCellWidth: 8, maxRows: 1)
        let text = renderer.render(people)
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[2] == #" 1 | "ann@ex… | ["a"]"#)
        #expect(lines[3] == "(showing 1 of 2 rows)")
        #expect(lines.count == 5)
    }

    @Test func commandWithoutColumns() {
        let insert = ToolResult(command: "INSERT", columns: [], rows: [], rowCount: 3)
        #expect(TableRenderer().render(insert) == "INSERT\n(3 rows)\n")
    }

    @Test func stringsStayOnOneLine() {
        let result = ToolResult(columns: [.init(name: "t", type: "text")], rows: [[.string("a\nb|c")]])
        #expect(TableRenderer().render(result) == "t\n--------\n\"a\\nb|c\"\n(1 row)\n")
    }

    @Test func readsTheAPIAnswer() throws {
        let json = try JSONParser.parse("""
            {"command": "SELECT", "columns": [{"name": "one", "type": "int4"}], "rows": [[1]],
             "row_count": 1, "truncated": false, "elapsed_ms": 0.8}
            """)
        let result = try ToolResult(json: json)
        #expect(result.columns == [.init(name: "one", type: "int4")])
        #expect(result.rows == [[.number("1")]])
        #expect(result.structured.text == #"{"columns":[{"name":"one","type":"int4"}],"rows":[[1]],"row_count":1,"truncated":false}"#)
        #expect(throws: ToolsError.self) { try ToolResult(json: JSONParser.parse(#"{"rows": [1]}"#)) }
    }
}
