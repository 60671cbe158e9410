import Foundation
import MCP
import Testing
@testable import SluiceTools

@Suite struct MCPResultTests {
    func response(_ text: String) throws -> APIResponse {
        APIResponse(status: 200, body: Data(text.utf8), json: try JSONParser.parse(text))
    }

    @Test func rowsBecomeStructuredContentAndATable() throws {
        let result = SluiceMCPServer.callResult(.success(try response(
            #"{"command":"SELECT","columns":[{"name":"one","type":"int4"}],"rows":[[1]],"row_count":1,"truncated":false,"elapsed_ms":2}"#
        )))
        #expect(result.isError == false)
        #expect(result.structuredContent == .object([
            "columns": .array([.object(["name": .string("one"), "type": .string("int4")])]),
            "rows": .array([.array([.int(1)])]),
            "row_count": .int(1),
            "truncated": .bool(false),
        ]))
        guard case .text(let text, _, _) = result.content.first else {
            Issue.record("no text content")
            return
        }
        #expect(text == "one\n---\n  1\n(1 row)\n")
    }

    @Test func aDenialIsAToolError() throws {
        let envelope = try JSONParser.parse("""
            {"error": {"status": 403, "code": "forbidden",
             "message": "Customer DB writes are only allowed for schema-qualified storage tables.",
             "sqlstate": "42501", "hint": "Rewrite the statement to target storage.<table> exactly."}}
            """)
        let failure = try #require(APIFailure(status: 403, envelope: envelope))
        let result = SluiceMCPServer.callResult(.failure(.api(failure)))
        #expect(result.isError == true)
        guard case .text(let text, _, _) = result.content.first else {
            Issue.record("no text content")
            return
        }
        #expect(text == """
            Customer DB writes are only allowed for schema-qualified storage tables. (SQLSTATE 42501)
            hint: Rewrite the statement to target storage.<table> exactly.
            """)
        #expect(result.structuredContent?.objectValue?["error"]?.objectValue?["sqlstate"] == .string("42501"))
    }

    @Test func otherFailuresAreToolErrorsToo() {
        let result = SluiceMCPServer.callResult(.failure(.unknownTool("wsq_x", known: ["query_customer_db"])))
        #expect(result.isError == true)
        #expect(result.structuredContent == nil)
        let details = APIFailure(status: 422, envelope: .object([("error", .object([
            ("message", .string("invalid arguments")),
            ("details", .array([.object([("field", .string("input.lim")), ("message", .string("must be an integer"))])])),
        ]))]))
        #expect(details?.summary == "invalid arguments\n  input.lim: must be an integer")
        #expect(details?.code == "error" && details?.status == 422)
    }
}
