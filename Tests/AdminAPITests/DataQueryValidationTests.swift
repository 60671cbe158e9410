import Foundation
import HTTPTypes
import Testing

/// Every deploy-time rule of workspace-data-queries, one test case each:
/// a valid body with one thing wrong, and the answer the contract gives.
@Suite(.enabled(if: TestDatabase.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL superuser URL"))
struct DataQueryValidationTests {
    struct Rule: Sendable, CustomTestStringConvertible {
        var name: String
        var status: Int
        var code: String
        /// The `details[].field` the answer names (nil: not checked).
        var field: String?
        /// That detail's exact message (nil: not checked).
        var message: String? = nil
        var change: @Sendable (inout [String: Any]) -> Void
        var testDescription: String { name }
    }

    static func validBody(_ name: String) -> [String: Any] {
        [
            "name": name,
            "description": "People of a domain",
            "sql_template": "SELECT email FROM storage.people WHERE domain = :domain LIMIT :limit",
            "parameters": [
                ["name": "domain", "type": "string", "description": "The domain"],
                ["name": "limit", "type": "integer", "description": "Rows", "default": 10],
            ],
        ]
    }

    static func parameter(_ body: inout [String: Any], _ index: Int, _ key: String, _ value: Any?) {
        var parameters = body["parameters"] as? [[String: Any]] ?? []
        parameters[index][key] = value
        body["parameters"] = parameters
    }

    static let rules: [Rule] = [
        Rule(name: "name is required", status: 422, code: "validation_failed", field: "name") { $0["name"] = nil },
        Rule(name: "name must be lower-case", status: 422, code: "validation_failed", field: "name") { $0["name"] = "Active" },
        Rule(name: "name must start with a letter", status: 422, code: "validation_failed", field: "name") { $0["name"] = "1st_query" },
        Rule(name: "name allows only letters, digits, underscores", status: 422, code: "validation_failed", field: "name") { $0["name"] = "a-b" },
        Rule(name: "name is at most 128 characters", status: 422, code: "validation_failed", field: "name") { $0["name"] = "q" + String(repeating: "x", count: 128) },
        Rule(name: "description is required", status: 422, code: "validation_failed", field: "description") { $0["description"] = nil },
        Rule(name: "description is at most 2048 characters", status: 422, code: "validation_failed", field: "description") { $0["description"] = String(repeating: "d", count: 2049) },
        Rule(name: "lengths count code points, not graphemes", status: 422, code: "validation_failed", field: "description") {
            // 1,025 characters as Swift counts them, 2,050 code points (a letter and a combining acute accent each).
            $0["description"] = String(repeating: "e\u{301}", count: 1025)
        },
        Rule(name: "sql_template is required", status: 422, code: "validation_failed", field: "sql_template") { $0["sql_template"] = nil },
        Rule(name: "sql_template is at most 8192 characters", status: 422, code: "validation_failed", field: "sql_template") {
            $0["sql_template"] = "SELECT email FROM storage.people WHERE domain = :domain LIMIT :limit --" + String(repeating: "x", count: 8192)
        },
        Rule(name: "at most 32 parameters", status: 422, code: "validation_failed", field: "parameters") { body in
            body["parameters"] = (0..<33).map { ["name": "p\($0)", "type": "string", "description": "p"] }
        },
        Rule(name: "parameter name must be lower-case", status: 422, code: "validation_failed", field: "parameters[0].name") { parameter(&$0, 0, "name", "Domain") },
        Rule(name: "parameter name must start with a letter", status: 422, code: "validation_failed", field: "parameters[0].name") { parameter(&$0, 0, "name", "_domain") },
        Rule(name: "parameter name is at most 64 characters", status: 422, code: "validation_failed", field: "parameters[0].name") { parameter(&$0, 0, "name", "p" + String(repeating: "x", count: 64)) },
        Rule(name: "parameter names are unique", status: 422, code: "validation_failed", field: "parameters[1].name") { parameter(&$0, 1, "name", "domain") },
        Rule(name: "parameter type is one of four", status: 422, code: "validation_failed", field: "parameters[0].type") { parameter(&$0, 0, "type", "date") },
        Rule(name: "parameter description is required", status: 422, code: "validation_failed", field: "parameters[0].description") { parameter(&$0, 0, "description", nil) },
        Rule(name: "parameter description is at most 512 characters", status: 422, code: "validation_failed", field: "parameters[0].description") { parameter(&$0, 0, "description", String(repeating: "d", count: 513)) },
        Rule(name: "a default must match an integer type", status: 422, code: "validation_failed", field: "parameters[1].default") { parameter(&$0, 1, "default", "ten") },
        Rule(name: "a default must match a string type", status: 422, code: "validation_failed", field: "parameters[0].default") { parameter(&$0, 0, "default", 5) },
        Rule(name: "a default must match a boolean type", status: 422, code: "validation_failed", field: "parameters[0].default") { body in
            parameter(&body, 0, "type", "boolean")
            parameter(&body, 0, "default", "yes")
        },
        Rule(name: "timeout_ms at least 100", status: 422, code: "validation_failed", field: "timeout_ms") { $0["timeout_ms"] = 99 },
        Rule(name: "timeout_ms at most 30000", status: 422, code: "validation_failed", field: "timeout_ms") { $0["timeout_ms"] = 30001 },
        Rule(name: "SQL must parse", status: 422, code: "validation_failed", field: "sql_template") { $0["sql_template"] = "SELEC email FROM storage.people WHERE domain = :domain LIMIT :limit" },
        Rule(name: "multi-statement SQL is rejected", status: 422, code: "validation_failed", field: "sql_template",
             message: "query_customer_db accepts a single SQL statement.") {
            $0["sql_template"] = "SELECT email FROM storage.people WHERE domain = :domain LIMIT :limit; SELECT 1"
        },
        Rule(name: "session-state commands are rejected", status: 422, code: "validation_failed", field: "sql_template") { body in
            body["sql_template"] = "SET statement_timeout = 0"
            body["parameters"] = []
        },
        Rule(name: "set_config is a session-state command", status: 422, code: "validation_failed", field: "sql_template") { body in
            body["sql_template"] = "SELECT set_config('work_mem', :v, false)"
            body["parameters"] = [["name": "v", "type": "string", "description": "v"]]
        },
        Rule(name: "a placeholder needs a parameter", status: 422, code: "validation_failed", field: "sql_template") {
            $0["sql_template"] = "SELECT email FROM storage.people WHERE domain = :domain AND active = :active LIMIT :limit"
        },
        Rule(name: "a parameter needs a placeholder", status: 422, code: "validation_failed", field: "parameters[1].name") {
            $0["sql_template"] = "SELECT email FROM storage.people WHERE domain = :domain"
        },
        Rule(name: "a placeholder in a string does not count", status: 422, code: "validation_failed", field: "parameters[0].name") {
            $0["sql_template"] = "SELECT email FROM storage.people WHERE domain = ':domain' LIMIT :limit"
        },
        Rule(name: "positional parameters are rejected", status: 422, code: "validation_failed", field: "sql_template") {
            $0["sql_template"] = "SELECT email FROM storage.people WHERE domain = $1 LIMIT :limit"
        },
        Rule(name: "a write outside storage is refused by the policy", status: 422, code: "validation_failed", field: "sql_template") { body in
            body["sql_template"] = "DELETE FROM dl_meta.tenant_settings WHERE key = :domain"
            body["parameters"] = [["name": "domain", "type": "string", "description": "d"]]
        },
        Rule(name: "an unknown field is refused", status: 400, code: "unknown_field", field: "sql") { $0["sql"] = "SELECT 1" },
        Rule(name: "an unknown parameter field is refused", status: 400, code: "unknown_field", field: "parameters[0].required") { parameter(&$0, 0, "required", true) },
    ]

    @Test(arguments: rules)
    func createRefuses(_ rule: Rule) async throws {
        try await ToolHarness.run { harness in
            var body = Self.validBody(ToolHarness.unique("rule"))
            rule.change(&body)
            let response = try await harness.request(.post, "\(harness.base)/data_queries", token: harness.workspace.update, json: body)
            let error = try expectError(response, rule.status, rule.code)
            if let field = rule.field {
                let fields = (error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields.contains(field), "\(rule.name): \(response.text)")
                if let message = rule.message {
                    let messages = (error["details"] as? [[String: Any]] ?? []).filter { $0["field"] as? String == field }
                        .compactMap { $0["message"] as? String }
                    #expect(messages == [message], "\(rule.name): \(response.text)")
                }
            }
        }
    }

    @Test func theValidBodyAndItsBoundariesAreAccepted() async throws {
        try await ToolHarness.run { harness in
            var body = Self.validBody("q" + String(repeating: "x", count: 127))
            body["description"] = String(repeating: "d", count: 2048)
            body["timeout_ms"] = 30000
            let response = try await harness.request(.post, "\(harness.base)/data_queries", token: harness.workspace.update, json: body)
            #expect(response.status == .created, "\(response.text)")
            let created = try response.object
            #expect(created["timeout_ms"] as? Int == 30000)
            if let id = created["id"] as? String {
                _ = try await harness.request(.delete, "\(harness.base)/data_queries/\(id)", token: harness.workspace.update)
            }
            var defaults = Self.validBody(ToolHarness.unique("defaults"))
            defaults["timeout_ms"] = nil
            let second = try await harness.request(.post, "\(harness.base)/data_queries", token: harness.workspace.update, json: defaults)
            #expect(second.status == .created, "\(second.text)")
            #expect(try second.object["timeout_ms"] as? Int == 5000)
        }
    }

    @Test func aDuplicateNameIsAConflict() async throws {
        try await ToolHarness.run { harness in
            let name = ToolHarness.unique("dup")
            _ = try await harness.deploy(name, "SELECT 1 FROM storage.people WHERE domain = :d", [["name": "d", "type": "string", "description": "d"]])
            let again = try await harness.request(.post, "\(harness.base)/data_queries", token: harness.workspace.update, json: Self.validBody(name))
            try expectError(again, 409, "data_query_exists")
        }
    }

    @Test func aWorkspaceWithoutCustomTablesCannotDeploy() async throws {
        try await ToolHarness.run { harness in
            let id = try TestDatabase.uniqueID("notables")
            let created = try await harness.request(.post, "/api/v2/workspaces", token: Fixture.operatorToken, json: ["id": id.rawValue, "name": "No tables"])
            #expect(created.status == .created)
            let key = try await harness.request(.post, "/api/v2/workspaces/\(id.rawValue)/api-keys", token: Fixture.operatorToken, json: ["permission": "update"])
            let token = try #require(try key.object["key"] as? String)
            let response = try await harness.request(.post, "/v1/\(id.rawValue)/data_queries", token: token, json: Self.validBody("q"))
            let error = try expectError(response, 422, "validation_failed")
            #expect((error["message"] as? String)?.contains("no custom table") == true, "\(response.text)")
            await TestDatabase.drop(id)
        }
    }
}
