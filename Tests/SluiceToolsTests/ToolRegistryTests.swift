import MCP
import Testing
@testable import SluiceTools

@Suite struct ToolRegistryTests {
    static let listing = """
        [
          {"name": "query_customer_db", "description": "Run one SQL statement.",
           "input_schema": {"type": "object", "properties": {"sql": {"type": "string"}, "max_rows": {"type": "integer"}},
                            "required": ["sql"]}},
          {"name": "wsq_find_people", "description": "People by email.\\nSecond line.",
           "query_id": "6f1c1f0e-8d1e-4a57-9d1a-2b4a7c3e9f10",
           "input_schema": {"type": "object", "properties": {"pattern": {"type": "string"}, "lim": {"type": "integer", "default": 10}},
                            "required": ["pattern"], "additionalProperties": false}},
          {"name": "wsq_broken", "description": "no id", "input_schema": "nonsense"},
          {"description": "no name"}
        ]
        """

    func registry() throws -> ToolRegistry {
        try ToolRegistry(workspace: "demo", json: JSONParser.parse(Self.listing))
    }

    @Test func readsTheToolList() throws {
        let registry = try registry()
        #expect(registry.tools.map(\.name) == ["query_customer_db", "wsq_find_people", "wsq_broken"])
        let find = try #require(registry.tool(named: "wsq_find_people"))
        #expect(find.queryID == "6f1c1f0e-8d1e-4a57-9d1a-2b4a7c3e9f10")
        #expect(find.parameters.map(\.name) == ["pattern", "lim"])
        #expect(find.parameters.map(\.required) == [true, false])
        // A schema that is not an object becomes an empty object schema.
        #expect(registry.tool(named: "wsq_broken")?.inputSchema.text == #"{"type":"object","properties":{}}"#)
        #expect(throws: ToolsError.self) { try ToolRegistry(workspace: "demo", json: .object([])) }
    }

    @Test func resolvesNamesToCalls() throws {
        let registry = try registry()
        #expect(try registry.resolve("query_customer_db") == .customerQuery)
        #expect(try registry.resolve("wsq_find_people") == .dataQuery(workspace: "demo", queryID: "6f1c1f0e-8d1e-4a57-9d1a-2b4a7c3e9f10"))
        #expect {
            try registry.resolve("wsq_nope")
        } throws: { error in
            guard case ToolsError.unknownTool(let name, let known) = error else { return false }
            return name == "wsq_nope" && known.contains("wsq_find_people")
        }
        #expect {
            try registry.resolve("wsq_broken")
        } throws: { error in
            if case ToolsError.unsupportedTool("wsq_broken") = error { return true }
            return false
        }
    }

    @Test func mapsToMCPTools() throws {
        let tools = try registry().mcpTools
        #expect(tools.map(\.name) == ["query_customer_db", "wsq_find_people", "wsq_broken"])
        let find = tools[1]
        #expect(find.description == "People by email.\nSecond line.")
        #expect(find.inputSchema == .object([
            "type": .string("object"),
            "properties": .object([
                "pattern": .object(["type": .string("string")]),
                "lim": .object(["type": .string("integer"), "default": .int(10)]),
            ]),
            "required": .array([.string("pattern")]),
            "additionalProperties": .bool(false),
        ]))
    }

    @Test func convertsMCPArguments() {
        let arguments: [String: Value] = ["sql": .string("SELECT 1"), "max_rows": .double(10), "x": .double(0.5), "n": .null]
        let payload = JSONValue.object(arguments.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) })
        #expect(payload.text == #"{"max_rows":10,"n":null,"sql":"SELECT 1","x":0.5}"#)
        #expect(JSONValue.number("1e400").mcpValue == .string("1e400"))
        #expect(JSONValue.number("-7").mcpValue == .int(-7))
    }

    @Test func rendersTheRegistryForPeople() throws {
        let text = TableRenderer().render(try registry())
        let lines = text.split(separator: "\n")
        #expect(lines[0] == "tool              | parameters                      | description")
        #expect(lines[2] == "query_customer_db | sql: string, max_rows: integer? | Run one SQL statement.")
        #expect(lines[3] == "wsq_find_people   | pattern: string, lim: integer?  | People by email.")
        #expect(lines.last == "(3 tools of workspace demo)")
    }
}
