import PGWire
import SluiceTestSupport
import Testing

extension ProxyTests {
    /// The test client against PostgreSQL itself, without the proxy: checks
    /// the client (its SCRAM, its framing) and records what the real server
    /// does, which the proxy tests hold the proxy to.
    @Suite struct DirectServer {
        @Test func clientLogsInAndQueries() async throws {
            let server = try TestPostgres.require()
            let (client, greeting) = try await RawWireClient.login(
                host: server.host, port: server.port, user: server.user, password: server.password, database: server.database
            )
            #expect(try await client.simpleQuery("SELECT 1").firstValue == "1")
            // A real server's key is its process: what the proxy must not hand out.
            let key = try #require(greeting.backendKey)
            #expect(try await client.simpleQuery("SELECT pg_backend_pid()").firstValue == "\(key.processID)")
            #expect(greeting.parameters["client_encoding"] == "UTF8")
            // The baseline for the streaming tests: the client alone reads this in well under a second.
            let tally = try await client.tallyQuery(ProxyTests.Streaming.rowSQL, timeout: .seconds(90))
            #expect(tally.dataRows == ProxyTests.Streaming.rows)
            await client.terminate()
        }

        /// The proxy's 28P01 says what the server's says.
        @Test func wrongPasswordMatchesTheServer() async throws {
            let server = try TestPostgres.require()
            let client = try await RawWireClient.connect(host: server.host, port: server.port)
            let attempt = await client.startupTranscript(user: server.user, password: "wrong", database: server.database)
            await client.close()
            // The exchange the proxy mirrors: SASL offer, server-first, then the error in place of SASLFinal.
            #expect(attempt.messages.count == 3)
            let fields = try #require(attempt.messages.errors.first)
            #expect(fields.severity == "FATAL")
            #expect(fields.sqlState == "28P01")
            #expect(fields.message == "password authentication failed for user \"\(server.user)\"")
        }
    }
}
