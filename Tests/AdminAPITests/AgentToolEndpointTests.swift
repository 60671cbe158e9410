import Foundation
import HTTPTypes
import Testing

/// `POST /api/v2/tools/query_customer_db` against the real proxy and server.
@Suite(.enabled(if: TestDatabase.enabled, "set SLUICE_TEST_UPSTREAM_URL to a PostgreSQL superuser URL"))
struct AgentToolEndpointTests {
    static let path = "/api/v2/tools/query_customer_db"

    @Test func aReadAnswersTypedRows() async throws {
        try await ToolHarness.run { harness in
            let response = try await harness.request(.post, Self.path, token: harness.workspace.view, json: [
                "sql": """
                    SELECT 1 AS i, 2.50::numeric AS n, true AS b, NULL::text AS z, 'x'::text AS t,
                           '{"a": [1, 2]}'::jsonb AS j, ARRAY[1, 2] AS arr,
                           '2024-01-02 03:04:05+00'::timestamptz AS ts
                    """,
            ])
            #expect(response.status == .ok, "\(response.text)")
            let body = try response.object
            #expect(body["command"] as? String == "SELECT")
            #expect(body["row_count"] as? Int == 1)
            #expect(body["truncated"] as? Bool == false)
            #expect(body["elapsed_ms"] is Double || body["elapsed_ms"] is Int)
            let columns = try #require(body["columns"] as? [[String: Any]])
            #expect(columns.map { $0["name"] as? String } == ["i", "n", "b", "z", "t", "j", "arr", "ts"])
            let row = try #require((body["rows"] as? [[Any]])?.first)
            #expect(row[0] as? Int == 1)
            #expect((row[1] as? NSNumber)?.doubleValue == 2.5)
            #expect(row[2] as? Bool == true)
            #expect(row[3] is NSNull)
            #expect(row[4] as? String == "x")
            #expect(((row[5] as? [String: Any])?["a"] as? [Int]) == [1, 2])
            #expect(row[6] as? [Int] == [1, 2])
            #expect((row[7] as? String)?.hasPrefix("2024-01-02T03:04:05") == true, "\(row[7])")
        }
    }

    @Test func moreThanOneStatementIsDenied() async throws {
        try await ToolHarness.run { harness in
            let response = try await harness.request(.post, Self.path, token: harness.workspace.update, json: ["sql": "SELECT 1; SELECT 2"])
            let error = try expectError(response, 403, "policy_denied")
            #expect(error["sqlstate"] as? String == "42601")
            #expect(error["message"] as? String == "query_customer_db accepts a single SQL statement.")
        }
    }

    @Test func aWriteOutsideStorageIsDeniedEvenWithAnUpdateKey() async throws {
        try await ToolHarness.run { harness in
            let response = try await harness.request(.post, Self.path, token: harness.workspace.update, json: [
                "sql": "INSERT INTO dl_meta.tenant_settings (key, value) VALUES ('a', 'b')",
            ])
            let error = try expectError(response, 403, "policy_denied")
            #expect(error["sqlstate"] as? String == "42501")
            #expect(error["message"] as? String == "Customer DB writes are only allowed for schema-qualified storage tables.")
        }
    }

    @Test func aStorageWriteNeedsAnUpdateKey() async throws {
        try await ToolHarness.run { harness in
            let table = ToolHarness.unique("notes")
            try await harness.sql("CREATE TABLE storage.\(table) (id int)")
            let denied = try await harness.request(.post, Self.path, token: harness.workspace.view, json: [
                "sql": "INSERT INTO storage.\(table) VALUES (1)",
            ])
            try expectError(denied, 403, "forbidden")
            let allowed = try await harness.request(.post, Self.path, token: harness.workspace.update, json: [
                "sql": "INSERT INTO storage.\(table) VALUES (1), (2)",
            ])
            #expect(allowed.status == .ok, "\(allowed.text)")
            #expect(try allowed.object["command"] as? String == "INSERT")
            #expect(try allowed.object["row_count"] as? Int == 2)
            let read = try await harness.request(.post, Self.path, token: harness.workspace.view, json: ["sql": "SELECT count(*) FROM storage.\(table)"])
            #expect((try read.object["rows"] as? [[Int]]) == [[2]], "\(read.text)")
            try await harness.sql("DROP TABLE storage.\(table)")
        }
    }

    @Test func searchPathIsRefused() async throws {
        try await ToolHarness.run { harness in
            let response = try await harness.request(.post, Self.path, token: harness.workspace.update, json: ["sql": "SET search_path TO storage"])
            let error = try expectError(response, 403, "policy_denied")
            #expect(error["message"] as? String == "SET search_path is not supported; schema-qualify table names instead.")
        }
    }

    @Test func aServerErrorIs400WithItsSQLState() async throws {
        try await ToolHarness.run { harness in
            let response = try await harness.request(.post, Self.path, token: harness.workspace.view, json: ["sql": "SELECT 1 / 0"])
            let error = try expectError(response, 400, "sql_error")
            #expect(error["sqlstate"] as? String == "22012")
        }
    }

    @Test func fiftyThousandRowsAnswerTheFirstThousandTruncated() async throws {
        try await ToolHarness.run { harness in
            let started = ContinuousClock.now
            let response = try await harness.request(.post, Self.path, token: harness.workspace.view, json: [
                "sql": "SELECT g, repeat('x', 20) AS pad FROM generate_series(1, 50000) g",
            ])
            let elapsed = ContinuousClock.now - started
            #expect(response.status == .ok, "\(response.text.prefix(300))")
            let body = try response.object
            #expect((body["rows"] as? [[Any]])?.count == 1000)
            #expect(body["truncated"] as? Bool == true)
            #expect(elapsed < .seconds(5), "took \(elapsed)")
            // The same pooled connection answers the next statement correctly.
            let next = try await harness.request(.post, Self.path, token: harness.workspace.view, json: ["sql": "SELECT 42 AS answer"])
            #expect((try next.object["rows"] as? [[Int]]) == [[42]], "\(next.text)")
        }
    }

    @Test func maxRowsIsBounded() async throws {
        try await ToolHarness.run { harness in
            let small = try await harness.request(.post, Self.path, token: harness.workspace.view, json: [
                "sql": "SELECT g FROM generate_series(1, 10) g", "max_rows": 3,
            ])
            #expect((try small.object["rows"] as? [[Int]]) == [[1], [2], [3]])
            #expect(try small.object["truncated"] as? Bool == true)
            let exact = try await harness.request(.post, Self.path, token: harness.workspace.view, json: [
                "sql": "SELECT g FROM generate_series(1, 3) g", "max_rows": 3,
            ])
            #expect(try exact.object["truncated"] as? Bool == false, "\(exact.text)")
            let tooMany = try await harness.request(.post, Self.path, token: harness.workspace.view, json: ["sql": "SELECT 1", "max_rows": 10001])
            try expectError(tooMany, 422, "validation_failed")
        }
    }

    @Test func explainAnswersRows() async throws {
        try await ToolHarness.run { harness in
            let response = try await harness.request(.post, Self.path, token: harness.workspace.view, json: ["sql": "EXPLAIN SELECT * FROM dl_resolved.people"])
            #expect(response.status == .ok, "\(response.text)")
            let body = try response.object
            #expect(body["command"] as? String == "EXPLAIN")
            #expect(((body["columns"] as? [[String: Any]])?.first?["name"] as? String) == "QUERY PLAN")
            #expect(((body["rows"] as? [[Any]])?.count ?? 0) > 0)
        }
    }

    @Test func aStatementTimeoutIsAnError() async throws {
        try await ToolHarness.run { harness in
            let response = try await harness.request(.post, Self.path, token: harness.workspace.view, json: ["sql": "SELECT pg_sleep(3)", "timeout_ms": 200])
            let error = try expectError(response, 400, "sql_error")
            #expect(error["sqlstate"] as? String == "57014")
        }
    }

    @Test func anotherWorkspacesKeyCannotNameThisOne() async throws {
        try await ToolHarness.run { harness in
            let response = try await harness.request(.post, Self.path, token: "sluice_bogus", json: ["sql": "SELECT 1"])
            try expectError(response, 401, "unauthorized")
            let tools = try await harness.request(.get, "/v1/someone_else/tools", token: harness.workspace.view)
            try expectError(tools, 404, "workspace_not_found")
        }
    }
}
