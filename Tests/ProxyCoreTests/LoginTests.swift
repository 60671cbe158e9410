import PGWire
import SluiceTestSupport
import Testing

extension ProxyTests {
    /// A client logs in with SCRAM and is greeted the way the server would greet it.
    @Suite struct Login {
        @Test func selectOneAsTheServerUser() async throws {
            try await ProxyHarness.run { proxy in
                let (client, greeting) = try await proxy.login()
                #expect(try await client.simpleQuery("SELECT 1").firstValue == "1")
                #expect(try await client.simpleQuery("SELECT current_user").firstValue == proxy.upstream.user)
                #expect(greeting.messages.last == .readyForQuery(.idle))
            }
        }

        @Test func greetingCarriesTheServerParameters() async throws {
            try await ProxyHarness.run { proxy in
                let (client, greeting) = try await proxy.login()
                let version = try #require(greeting.parameters["server_version"])
                #expect(version.hasPrefix(try #require(try await client.simpleQuery("SHOW server_version").firstValue)))
                #expect(greeting.parameters["client_encoding"] == "UTF8")
                #expect(greeting.parameters["integer_datetimes"] == "on")
            }
        }

        /// The key is the proxy's own: a client must not be able to signal the
        /// server process directly (and a pooled process is not the client's).
        @Test func backendKeyIsNotTheServerProcess() async throws {
            try await ProxyHarness.run { proxy in
                let (client, greeting) = try await proxy.login()
                let key = try #require(greeting.backendKey)
                let pid = try #require(try await client.simpleQuery("SELECT pg_backend_pid()").firstValue.flatMap { Int32($0) })
                #expect(pid != key.processID)
            }
        }

        @Test func startupParametersReachTheServer() async throws {
            try await ProxyHarness.run { proxy in
                let (client, greeting) = try await proxy.login(
                    parameters: [StartupParameter(name: "application_name", value: "sluice-tests")]
                )
                #expect(try await client.simpleQuery("SHOW application_name").firstValue == "sluice-tests")
                #expect(greeting.parameters["application_name"] == "sluice-tests")
            }
        }

        @Test func databaseMayBeOmitted() async throws {
            try await ProxyHarness.run { proxy in
                let (client, _) = try await proxy.login(database: nil)
                #expect(try await client.simpleQuery("SELECT 2").firstValue == "2")
            }
        }

        @Test func otherDatabaseNamesAreRefused() async throws {
            try await ProxyHarness.run { proxy in
                let fields = try await proxy.loginFailure(database: "postgres")
                #expect(fields.severity == "FATAL")
                #expect(fields.sqlState == "3D000")
                #expect(fields.message == "database \"postgres\" does not exist")
            }
        }
    }
}
