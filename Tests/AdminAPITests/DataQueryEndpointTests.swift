import Foundation
import HTTPTypes
import Testing

/// Data queries end to end through the API, the proxy and the server:
/// lifecycle, invocation rules, and the tool registry.
@Suite(.enabled(if: TestDatabase.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL superuser URL"))
struct DataQueryEndpointTests {
    /// A table of its own with a few rows, so tests running at once never meet.
    static func seededTable(_ harness: ToolHarness) async throws -> String {
        let table = ToolHarness.unique("people")
        try await harness.sql("CREATE TABLE storage.\(table) (email text, domain text, active boolean, score int)")
        try await harness.sql("""
            INSERT INTO storage.\(table) VALUES
              ('ann@acme.com', 'acme.com', true, 3), ('bob@acme.com', 'acme.com', false, 5),
              ('cy@acme.com', 'acme.com', true, 7), ('di@else.org', 'else.org', true, 1)
            """)
        return table
    }

    static func activeByDomain(_ table: String) -> (String, [[String: Any]]) {
        (
            "SELECT email FROM storage.\(table) WHERE active AND domain = :domain ORDER BY email LIMIT :limit",
            [
                ["name": "domain", "type": "string", "description": "Email domain"],
                ["name": "limit", "type": "integer", "description": "Rows at most", "default": 1],
            ]
        )
    }

    @Test func deployInvokeUpdateAndRegister() async throws {
        try await ToolHarness.run { harness in
            let table = try await Self.seededTable(harness)
            let (template, parameters) = Self.activeByDomain(table)
            let name = ToolHarness.unique("active_people_by_domain")
            let created = try await harness.deploy(name, template, parameters)
            let id = try #require(created["id"] as? String)
            #expect(UUID(uuidString: id) != nil)
            #expect(created["deployed_at"] is String)
            #expect(created["deployed_by"] is String)
            #expect(created["last_invoked_at"] is NSNull)
            #expect(created["timeout_ms"] as? Int == 5000)

            // The default applies.
            var invoked = try await harness.request(.post, "\(harness.base)/data_queries/\(id)/invoke", token: harness.workspace.view, json: ["input": ["domain": "acme.com"]])
            #expect(invoked.status == .ok, "\(invoked.text)")
            var body = try invoked.object
            #expect(body["query_id"] as? String == id)
            #expect(body["name"] as? String == name)
            #expect(body["rows"] as? [[String]] == [["ann@acme.com"]])
            #expect(body["row_count"] as? Int == 1)

            invoked = try await harness.request(.post, "\(harness.base)/data_queries/\(id)/invoke", token: harness.workspace.view, json: ["input": ["domain": "acme.com", "limit": 5]])
            body = try invoked.object
            #expect(body["rows"] as? [[String]] == [["ann@acme.com"], ["cy@acme.com"]])

            let fetched = try await harness.request(.get, "\(harness.base)/data_queries/\(id)", token: harness.workspace.view)
            #expect(try fetched.object["last_invoked_at"] is String, "\(fetched.text)")

            // PATCH: partial; untouched fields stay.
            let patched = try await harness.request(.patch, "\(harness.base)/data_queries/\(id)", token: harness.workspace.update, json: ["description": "Active people of a domain", "timeout_ms": 2000])
            #expect(patched.status == .ok, "\(patched.text)")
            #expect(try patched.object["description"] as? String == "Active people of a domain")
            #expect(try patched.object["timeout_ms"] as? Int == 2000)
            #expect(try patched.object["sql_template"] as? String == template)

            // The registry.
            let tools = try await harness.request(.get, "\(harness.base)/tools", token: harness.workspace.view)
            #expect(tools.status == .ok, "\(tools.text)")
            let list = try tools.array
            #expect(list.first?["name"] as? String == "query_customer_db")
            let tool = try #require(list.first { $0["name"] as? String == "wsq_\(name)" })
            #expect(tool["description"] as? String == "Active people of a domain")
            let schema = try #require(tool["input_schema"] as? [String: Any])
            #expect(schema["type"] as? String == "object")
            #expect(schema["required"] as? [String] == ["domain"])
            let properties = try #require(schema["properties"] as? [String: Any])
            #expect((properties["domain"] as? [String: Any])?["type"] as? String == "string")
            #expect((properties["limit"] as? [String: Any])?["type"] as? String == "integer")
            #expect((properties["limit"] as? [String: Any])?["default"] as? Int == 1)

            let deleted = try await harness.request(.delete, "\(harness.base)/data_queries/\(id)", token: harness.workspace.update)
            #expect(deleted.status == .noContent)
            let gone = try await harness.request(.get, "\(harness.base)/data_queries/\(id)", token: harness.workspace.view)
            try expectError(gone, 404, "data_query_not_found")
            let toolsAfter = try await harness.request(.get, "\(harness.base)/tools", token: harness.workspace.view)
            #expect(try toolsAfter.array.contains { $0["name"] as? String == "wsq_\(name)" } == false)
        }
    }

    @Test func invokeChecksArgumentsBeforeRunning() async throws {
        try await ToolHarness.run { harness in
            let table = try await Self.seededTable(harness)
            let (template, parameters) = Self.activeByDomain(table)
            let id = try #require(try await harness.deploy(ToolHarness.unique("args"), template, parameters)["id"] as? String)
            let path = "\(harness.base)/data_queries/\(id)/invoke"
            let cases: [(String, [String: Any], String)] = [
                ("wrong type", ["domain": "acme.com", "limit": "5"], "input.limit"),
                ("fraction for integer", ["domain": "acme.com", "limit": 1.5], "input.limit"),
                ("unknown argument", ["domain": "acme.com", "extra": 1], "input.extra"),
                ("missing required", ["limit": 2], "input.domain"),
                ("a number for a string parameter", ["domain": 5], "input.domain"),
            ]
            for (label, input, field) in cases {
                let response = try await harness.request(.post, path, token: harness.workspace.view, json: ["input": input])
                let error = try expectError(response, 422, "validation_failed")
                let fields = (error["details"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
                #expect(fields.contains(field), "\(label): \(response.text)")
            }
            let fetched = try await harness.request(.get, "\(harness.base)/data_queries/\(id)", token: harness.workspace.view)
            #expect(try fetched.object["last_invoked_at"] is NSNull, "nothing ran")
        }
    }

    @Test func anArgumentIsDataNotSQL() async throws {
        try await ToolHarness.run { harness in
            let table = try await Self.seededTable(harness)
            let id = try #require(try await harness.deploy(
                ToolHarness.unique("inject"), "SELECT count(*) AS n FROM storage.\(table) WHERE email = :email",
                [["name": "email", "type": "string", "description": "e"]]
            )["id"] as? String)
            let response = try await harness.request(.post, "\(harness.base)/data_queries/\(id)/invoke", token: harness.workspace.view, json: [
                "input": ["email": "'; DROP TABLE storage.\(table); --"],
            ])
            #expect(response.status == .ok, "\(response.text)")
            #expect(try response.object["rows"] as? [[Int]] == [[0]])
            let still = try await harness.sql("SELECT count(*) FROM storage.\(table)")
            #expect(still["rows"] as? [[Int]] == [[4]])
        }
    }

    @Test func placeholdersInStringsAndCastsAreNotParameters() async throws {
        try await ToolHarness.run { harness in
            let table = try await Self.seededTable(harness)
            let created = try await harness.deploy(
                ToolHarness.unique("literal"),
                "SELECT ':not_a_param' AS note, score::text AS s FROM storage.\(table) WHERE email = :email",
                [["name": "email", "type": "string", "description": "e"]]
            )
            let id = try #require(created["id"] as? String)
            let response = try await harness.request(.post, "\(harness.base)/data_queries/\(id)/invoke", token: harness.workspace.view, json: ["input": ["email": "bob@acme.com"]])
            #expect(try response.object["rows"] as? [[String]] == [[":not_a_param", "5"]], "\(response.text)")
        }
    }

    @Test func executionFailuresAndTimeoutsAre503() async throws {
        try await ToolHarness.run { harness in
            let failing = try #require(try await harness.deploy(
                ToolHarness.unique("divide"), "SELECT 1 / :d AS x FROM storage.people LIMIT 1",
                [["name": "d", "type": "integer", "description": "d", "default": 0]]
            )["id"] as? String)
            try await harness.sql("INSERT INTO storage.people (id, email) VALUES (\(Int.random(in: 1...1_000_000_000)), 'x@y.z') ON CONFLICT DO NOTHING")
            var response = try await harness.request(.post, "\(harness.base)/data_queries/\(failing)/invoke", token: harness.workspace.view, json: [:])
            var error = try expectError(response, 503, "execution_failed")
            #expect(error["sqlstate"] as? String == "22012")

            let slow = try #require(try await harness.deploy(
                ToolHarness.unique("slow"), "SELECT pg_sleep(:s) FROM storage.people LIMIT 1",
                [["name": "s", "type": "number", "description": "seconds"]], extra: ["timeout_ms": 200]
            )["id"] as? String)
            response = try await harness.request(.post, "\(harness.base)/data_queries/\(slow)/invoke", token: harness.workspace.view, json: ["input": ["s": 2]])
            error = try expectError(response, 503, "execution_failed")
            #expect(error["sqlstate"] as? String == "57014")
        }
    }

    @Test func listIsNewestFirstAndPermissionsHold() async throws {
        try await ToolHarness.run { harness in
            let first = ToolHarness.unique("first")
            let second = ToolHarness.unique("second")
            _ = try await harness.deploy(first, "SELECT email FROM storage.people WHERE domain = :d", [["name": "d", "type": "string", "description": "d"]])
            let secondBody = try await harness.deploy(second, "SELECT email FROM storage.people WHERE domain = :d", [["name": "d", "type": "string", "description": "d"]])
            let list = try await harness.request(.get, "\(harness.base)/data_queries", token: harness.workspace.view)
            let names = try list.array.compactMap { $0["name"] as? String }
            let firstIndex = try #require(names.firstIndex(of: first))
            let secondIndex = try #require(names.firstIndex(of: second))
            #expect(secondIndex < firstIndex, "newest first: \(names)")

            let viewCreate = try await harness.request(.post, "\(harness.base)/data_queries", token: harness.workspace.view, json: DataQueryValidationTests.validBody("nope"))
            try expectError(viewCreate, 403, "forbidden")
            let id = try #require(secondBody["id"] as? String)
            let viewDelete = try await harness.request(.delete, "\(harness.base)/data_queries/\(id)", token: harness.workspace.view)
            try expectError(viewDelete, 403, "forbidden")
            let viewPatch = try await harness.request(.patch, "\(harness.base)/data_queries/\(id)", token: harness.workspace.view, json: ["description": "x"])
            try expectError(viewPatch, 403, "forbidden")
            let rename = try await harness.request(.patch, "\(harness.base)/data_queries/\(id)", token: harness.workspace.update, json: ["name": first])
            try expectError(rename, 409, "data_query_exists")
            let badSQL = try await harness.request(.patch, "\(harness.base)/data_queries/\(id)", token: harness.workspace.update, json: ["sql_template": "SELECT 1; SELECT 2"])
            try expectError(badSQL, 422, "validation_failed")
            let missing = try await harness.request(.patch, "\(harness.base)/data_queries/\(UUID().uuidString)", token: harness.workspace.update, json: ["description": "x"])
            try expectError(missing, 404, "data_query_not_found")
            let notUUID = try await harness.request(.get, "\(harness.base)/data_queries/not-a-uuid", token: harness.workspace.view)
            try expectError(notUUID, 404, "data_query_not_found")
        }
    }

    @Test func tablesAreCreatedListedAndDropped() async throws {
        try await ToolHarness.run { harness in
            let name = ToolHarness.unique("leads")
            let created = try await harness.request(.post, "\(harness.base)/tables", token: harness.workspace.update, json: [
                "name": name,
                "columns": [
                    ["name": "id", "type": "uuid", "primary_key": true],
                    ["name": "payload", "type": "jsonb"],
                    ["name": "seen", "type": "timestamptz", "nullable": false],
                    ["name": "amount", "type": "numeric"],
                ],
            ])
            #expect(created.status == .created, "\(created.text)")
            let again = try await harness.request(.post, "\(harness.base)/tables", token: harness.workspace.update, json: [
                "name": name, "columns": [["name": "id", "type": "text"]],
            ])
            try expectError(again, 409, "table_exists")
            let badType = try await harness.request(.post, "\(harness.base)/tables", token: harness.workspace.update, json: [
                "name": "x_\(name)", "columns": [["name": "id", "type": "money"]],
            ])
            try expectError(badType, 422, "validation_failed")
            let viewCreate = try await harness.request(.post, "\(harness.base)/tables", token: harness.workspace.view, json: [
                "name": "y_\(name)", "columns": [["name": "id", "type": "text"]],
            ])
            try expectError(viewCreate, 403, "forbidden")

            let list = try await harness.request(.get, "\(harness.base)/tables", token: harness.workspace.view)
            let table = try #require(try list.array.first { $0["name"] as? String == name }, "\(list.text)")
            let columns = try #require(table["columns"] as? [[String: Any]])
            #expect(columns.map { $0["type"] as? String } == ["uuid", "jsonb", "timestamptz", "numeric"])
            #expect(columns.map { $0["primary_key"] as? Bool } == [true, false, false, false])
            #expect(columns.map { $0["nullable"] as? Bool } == [false, true, false, true])

            let dropped = try await harness.request(.delete, "\(harness.base)/tables/\(name)", token: harness.workspace.update)
            #expect(dropped.status == .noContent, "\(dropped.text)")
            let droppedAgain = try await harness.request(.delete, "\(harness.base)/tables/\(name)", token: harness.workspace.update)
            try expectError(droppedAgain, 404, "table_not_found")
        }
    }
}
