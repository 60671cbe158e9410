import Foundation
import Logging
import NIOCore
import NIOPosix
import PGWire
import ProxyCore
import SluiceModel
import SluiceTestSupport
import Testing

extension ProxyTests {
    /// `ProxyServer.execute`: agent-tool statements on the proxy's own pooled
    /// server connections, against the real PostgreSQL.
    @Suite struct WorkspaceQueries {
        static let user = ClientUser(role: .customer, workspace: WorkspaceID("test")!)

        /// A proxy server running in-process (one event loop unless told
        /// otherwise, so every execute and session shares one pool).
        static func withServer<Result: Sendable>(
            threads: Int = 1,
            gate: StatementGate = AllowAllGate(),
            configure: (inout ProxyConfiguration) -> Void = { _ in },
            _ body: (ProxyServer, TestPostgres) async throws -> Result
        ) async throws -> Result {
            let upstream = try TestPostgres.require()
            var configuration = ProxyConfiguration(
                host: "127.0.0.1", port: 0, shutdownGracePeriod: .seconds(1), decoySecret: ProxyFixture.randomBytes(32)
            )
            configure(&configuration)
            let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
            let server = ProxyServer(
                configuration: configuration, credentials: try ProxyFixture.credentials(upstream: upstream), gate: gate,
                group: group, logger: ProxyHarness.logger
            )
            let running = Task { try await server.run() }
            let outcome: Swift.Result<Result, any Error>
            do {
                let deadline = ContinuousClock.now + .seconds(10)
                while server.localAddress == nil {
                    guard ContinuousClock.now < deadline else { throw TestSupportError("the proxy did not start") }
                    try await Task.sleep(for: .milliseconds(10))
                }
                outcome = .success(try await body(server, upstream))
            } catch {
                outcome = .failure(error)
            }
            running.cancel()
            _ = await running.result
            try? await group.shutdownGracefully()
            return try outcome.get()
        }

        static func query(
            _ sql: String, _ parameters: [QueryParameter] = [], maxRows: Int = 100, timeout: Duration = .seconds(10),
            byteLimit: Int = 1 << 20
        ) -> WorkspaceQuery {
            WorkspaceQuery(user: user, sql: sql, parameters: parameters, maxRows: maxRows, timeout: timeout, responseByteLimit: byteLimit)
        }

        /// The failure `body` threw, or an issue when it succeeded.
        static func failure(_ body: () async throws(WorkspaceQueryFailure) -> QueryResult) async -> WorkspaceQueryFailure? {
            do {
                let result = try await body()
                Issue.record("expected a failure, got \(result)")
                return nil
            } catch {
                return error
            }
        }

        static func pid(_ server: ProxyServer) async throws -> String {
            let result = try await server.execute(query("SELECT pg_backend_pid()"))
            guard case .number(let pid)? = result.rows.first?.first else { throw TestSupportError("no pid in \(result)") }
            return pid
        }

        @Test func largeResultIsCutAtMaxRowsAndTheConnectionIsReused() async throws {
            try await Self.withServer(configure: { $0.pool.maxConnections = 1 }) { server, _ in
                let before = try await Self.pid(server)
                let started = ContinuousClock.now
                let result = try await server.execute(Self.query("SELECT g FROM generate_series(1,50000) g", maxRows: 1000))
                let took = ContinuousClock.now - started
                #expect(result.rows.count == 1000)
                #expect(result.rowCount == 1000)
                #expect(result.truncated)
                #expect(result.command == "SELECT")
                #expect(result.columns == [QueryColumn(name: "g", type: "int4", typeOID: 23)])
                #expect(result.rows.first == [.number("1")])
                #expect(result.rows.last == [.number("1000")])
                #expect(took < .seconds(5), "took \(took)")
                #expect(result.elapsedMilliseconds > 0)
                #expect(try await Self.pid(server) == before)
                let next = try await server.execute(Self.query("SELECT 41 + 1 AS answer"))
                #expect(next.rows == [[.number("42")]])
                #expect(next.columns.map(\.name) == ["answer"])
                #expect(!next.truncated)
            }
        }

        @Test func typedParametersRoundTrip() async throws {
            try await Self.withServer { server, _ in
                let result = try await server.execute(Self.query(
                    "SELECT $1::text, $2 + 1, $3, $4, $5, pg_typeof($2)::text, pg_typeof($3)::text",
                    [.string("it's \"quoted\" ✓"), .integer(9_007_199_254_740_993), .number("1.50"), .boolean(true), .null]
                ))
                #expect(result.columns.map(\.type) == ["text", "int8", "numeric", "bool", "text", "text", "text"])
                #expect(result.rows == [[
                    .string("it's \"quoted\" ✓"), .number("9007199254740994"), .number("1.50"), .bool(true), .null,
                    .string("bigint"), .string("numeric"),
                ]])
            }
        }

        @Test func valuesOfManyTypes() async throws {
            try await Self.withServer { server, _ in
                let result = try await server.execute(Self.query("""
                    SELECT '2024-01-02 03:04:05.123+00'::timestamptz AS tz, '2024-01-02 03:04:05'::timestamp AS ts,
                           '2024-01-02'::date AS d, '{"a":[1,2]}'::jsonb AS j, ARRAY[1,NULL,3] AS a,
                           ARRAY['x y', 'q"uote', NULL] AS t, ARRAY[[1,2],[3,4]] AS n, 'NaN'::numeric AS nan,
                           '1 day 2 hours'::interval AS i
                    """))
                #expect(result.columns.map(\.type) == ["timestamptz", "timestamp", "date", "jsonb", "_int4", "_text", "_int4", "numeric", "interval"])
                #expect(result.rows == [[
                    .string("2024-01-02T03:04:05.123+00:00"), .string("2024-01-02T03:04:05"), .string("2024-01-02"),
                    .json(#"{"a": [1, 2]}"#), .array([.number("1"), .null, .number("3")]),
                    .array([.string("x y"), .string("q\"uote"), .null]),
                    .array([.array([.number("1"), .number("2")]), .array([.number("3"), .number("4")])]),
                    .string("NaN"), .string("1 day 02:00:00"),
                ]])
            }
        }

        @Test func statementTimeoutIsTheServersAndTheConnectionStaysUsable() async throws {
            try await Self.withServer(configure: { $0.pool.maxConnections = 1 }) { server, _ in
                let before = try await Self.pid(server)
                let failure = await Self.failure { () async throws(WorkspaceQueryFailure) in
                    try await server.execute(Self.query("SELECT pg_sleep(2)", timeout: .milliseconds(200)))
                }
                guard case .server(let detail)? = failure else {
                    Issue.record("unexpected \(String(describing: failure))")
                    return
                }
                #expect(detail.sqlstate == "57014")
                #expect(try await Self.pid(server) == before)
                // The local timeout did not outlive the statement.
                let setting = try await server.execute(Self.query("SELECT current_setting('statement_timeout')"))
                #expect(setting.rows != [[.string("200ms")]], "\(setting.rows)")
            }
        }

        @Test func deniedWriteNeverReachesTheServer() async throws {
            let gate = PolicyGate(logger: ProxyHarness.logger)
            try await Self.withServer(gate: gate) { server, _ in
                let failure = await Self.failure { () async throws(WorkspaceQueryFailure) in
                    try await server.execute(Self.query("INSERT INTO public.x VALUES (1)"))
                }
                guard case .denied(let detail)? = failure else {
                    Issue.record("unexpected \(String(describing: failure))")
                    return
                }
                #expect(detail.sqlstate == "42501")
                // The tool surface also refuses transaction control and several statements.
                for sql in ["BEGIN", "SELECT 1; SELECT 2", "SET work_mem = '1MB'"] {
                    let refused = await Self.failure { () async throws(WorkspaceQueryFailure) in try await server.execute(Self.query(sql)) }
                    guard case .denied? = refused else {
                        Issue.record("\(sql): \(String(describing: refused))")
                        continue
                    }
                }
                // A read passes the same gate.
                let read = try await server.execute(Self.query("SELECT 1 AS one"))
                #expect(read.rows == [[.number("1")]])
            }
        }

        @Test func serverErrorCarriesItsFields() async throws {
            try await Self.withServer { server, _ in
                let failure = await Self.failure { () async throws(WorkspaceQueryFailure) in try await server.execute(Self.query("SELECT 1/0")) }
                guard case .server(let detail)? = failure else {
                    Issue.record("unexpected \(String(describing: failure))")
                    return
                }
                #expect(detail.sqlstate == "22012")
                #expect(detail.message == "division by zero")
                let syntax = await Self.failure { () async throws(WorkspaceQueryFailure) in try await server.execute(Self.query("SELECT FROM WHERE")) }
                guard case .server(let syntaxDetail)? = syntax else {
                    Issue.record("unexpected \(String(describing: syntax))")
                    return
                }
                #expect(syntaxDetail.sqlstate == "42601")
                #expect(syntaxDetail.position != nil)
                let after = try await server.execute(Self.query("SELECT 2"))
                #expect(after.rows == [[.number("2")]])
            }
        }

        @Test func beginLeavesNothingOpen() async throws {
            try await Self.withServer(configure: { $0.pool.maxConnections = 1 }) { server, _ in
                let before = try await Self.pid(server)
                let begun = try await server.execute(Self.query("BEGIN"))
                #expect(begun.command == "BEGIN")
                // Each statement runs in a transaction of its own again.
                let first = try await server.execute(Self.query("SELECT pg_backend_pid(), txid_current()"))
                let second = try await server.execute(Self.query("SELECT pg_backend_pid(), txid_current()"))
                #expect(first.rows.first?.first == .number(before))
                #expect(second.rows.first?.first == .number(before))
                #expect(first.rows.first?.last != second.rows.first?.last)
            }
        }

        @Test func responseByteLimitTruncates() async throws {
            try await Self.withServer { server, _ in
                let result = try await server.execute(Self.query(
                    "SELECT repeat('x', 1000) FROM generate_series(1, 50)", maxRows: 100, byteLimit: 10_000
                ))
                #expect(result.truncated)
                #expect(result.rows.count == 9, "each row is 1,006 payload bytes")
                #expect(result.rowCount == 9)
            }
        }

        @Test func rowCountOfWritesAndDDL() async throws {
            try await Self.withServer { server, _ in
                let table = "wq_t_\(UInt32.random(in: 0 ... .max))"
                #expect(try await server.execute(Self.query("CREATE TABLE \(table) (id int)")).command == "CREATE TABLE")
                let inserted = try await server.execute(Self.query("INSERT INTO \(table) SELECT generate_series(1, 7)"))
                #expect(inserted.command == "INSERT")
                #expect(inserted.rowCount == 7)
                let returning = try await server.execute(Self.query("UPDATE \(table) SET id = id + 1 WHERE id <= $1 RETURNING id", [.integer(3)]))
                #expect(returning.command == "UPDATE")
                #expect(returning.rowCount == 3)
                #expect(returning.rows.count == 3)
                let empty = try await server.execute(Self.query("  "))
                #expect(empty.command == "")
                _ = try await server.execute(Self.query("DROP TABLE \(table)"))
            }
        }

        @Test func typesOutsideTheTableAreLookedUp() async throws {
            try await Self.withServer { server, _ in
                let type = "wq_mood_\(UInt32.random(in: 0 ... .max))"
                _ = try await server.execute(Self.query("CREATE TYPE \(type) AS ENUM ('happy', 'sad')"))
                let result = try await server.execute(Self.query("SELECT 'happy'::\(type) AS m, ARRAY['sad']::\(type)[] AS a"))
                #expect(result.columns.map(\.type) == [type, "_\(type)"])
                #expect(result.rows == [[.string("happy"), .string("{sad}")]])
                _ = try await server.execute(Self.query("DROP TYPE \(type)"))
            }
        }

        @Test func wireClientsUnnamedStatementIsReparsedAfterAToolQuery() async throws {
            try await Self.withServer(configure: { $0.pool.maxConnections = 1 }) { server, upstream in
                let port = try #require(server.localAddress?.port)
                let client = try await RawWireClient.connect(host: "127.0.0.1", port: port)
                _ = try await client.startup(user: ProxyFixture.user, password: ProxyFixture.password, database: ProxyFixture.database)
                try await client.send([.parse(Parse(query: "SELECT 'wire' AS who")), .sync])
                _ = try await client.readUntilReadyForQuery()
                // The tool's batch replaces the unnamed statement on the one server connection.
                #expect(try await server.execute(Self.query("SELECT 'tool'")).rows == [[.string("tool")]])
                try await client.send([.bind(Bind()), .execute(Execute()), .sync])
                let answer = try await client.readUntilReadyForQuery()
                #expect(answer.errors.isEmpty, "\(answer.errors)")
                #expect(answer.firstValue == "wire")
                await client.close()
            }
        }

        @Test func settingsLeftByAWireSessionAreReset() async throws {
            try await Self.withServer(configure: { $0.pool.maxConnections = 1 }) { server, _ in
                let port = try #require(server.localAddress?.port)
                let client = try await RawWireClient.connect(host: "127.0.0.1", port: port)
                _ = try await client.startup(user: ProxyFixture.user, password: ProxyFixture.password, database: ProxyFixture.database)
                #expect(try await client.simpleQuery("SET work_mem = '77MB'").errors.isEmpty)
                let tool = try await server.execute(Self.query("SELECT current_setting('work_mem')"))
                #expect(tool.rows != [[.string("77MB")]])
                // The wire session keeps its setting.
                #expect(try await client.simpleQuery("SHOW work_mem").firstValue == "77MB")
                await client.close()
            }
        }

        @Test func connectionLostMidwayIsUnavailableAndTheNextQueryGetsAFreshOne() async throws {
            try await Self.withServer(configure: { $0.pool.maxConnections = 1 }) { server, _ in
                let before = try await Self.pid(server)
                let lost = await Self.failure { () async throws(WorkspaceQueryFailure) in
                    try await server.execute(Self.query("SELECT pg_terminate_backend(pg_backend_pid())"))
                }
                guard case .unavailable(let detail)? = lost else {
                    Issue.record("unexpected \(String(describing: lost))")
                    return
                }
                #expect(detail.sqlstate == "57P01", "the server's FATAL reason: \(detail)")
                let after = try await Self.pid(server)
                #expect(after != before)
            }
        }

        @Test func unknownRoleAndStoppedServerAreUnavailable() async throws {
            let upstream = try TestPostgres.require()
            let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
            let server = ProxyServer(
                configuration: ProxyConfiguration(port: 0, decoySecret: ProxyFixture.randomBytes(32)),
                credentials: try ProxyFixture.credentials(upstream: upstream), group: group, logger: ProxyHarness.logger
            )
            let notRunning = await Self.failure { () async throws(WorkspaceQueryFailure) in try await server.execute(Self.query("SELECT 1")) }
            guard case .unavailable? = notRunning else {
                Issue.record("unexpected \(String(describing: notRunning))")
                return
            }
            try? await group.shutdownGracefully()

            try await Self.withServer { server, _ in
                let stranger = ClientUser(role: .customer, workspace: WorkspaceID("nobody")!)
                let unknown = await Self.failure { () async throws(WorkspaceQueryFailure) in
                    try await server.execute(WorkspaceQuery(user: stranger, sql: "SELECT 1", maxRows: 1, timeout: .seconds(1), responseByteLimit: 100))
                }
                guard case .unavailable(let detail)? = unknown else {
                    Issue.record("unexpected \(String(describing: unknown))")
                    return
                }
                #expect(detail.sqlstate == "28000")
            }
        }

        @Test func saturatedPoolFailsWith53300() async throws {
            try await Self.withServer(configure: {
                $0.pool.maxConnections = 1
                $0.pool.waitTimeout = .milliseconds(300)
            }) { server, _ in
                async let slow = server.execute(Self.query("SELECT pg_sleep(1.5)"))
                try await Task.sleep(for: .milliseconds(200))
                let waited = await Self.failure { () async throws(WorkspaceQueryFailure) in try await server.execute(Self.query("SELECT 1")) }
                guard case .unavailable(let detail)? = waited else {
                    Issue.record("unexpected \(String(describing: waited))")
                    return
                }
                #expect(detail.sqlstate == "53300")
                _ = try await slow
            }
        }
    }
}
