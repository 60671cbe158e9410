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

        /// policy.md: `database` must be `customer_db`; anything else (or
        /// nothing, which PostgreSQL would read as the user name) is the
        /// policy's denial, reason other, as FATAL.
        @Test(arguments: [nil, "postgres", "ws_demo", "Customer_DB"] as [String?])
        func otherDatabaseNamesAreRefused(database: String?) async throws {
            try await ProxyHarness.run { proxy in
                let fields = try await proxy.loginFailure(database: database)
                #expect(fields.severity == "FATAL")
                #expect(fields.sqlState == "42501")
                #expect(fields.message == "Only read statements or schema-qualified storage tables are supported.")
                #expect(fields[UInt8(ascii: "D")]?.contains("customer_db") == true)
            }
        }

        /// pitfalls.md: say which part of `customer.<workspace>` is malformed,
        /// in the hint of the same 28P01 an unknown workspace gets.
        @Test(arguments: [
            ("customer_acme", "the user name must be <role>.<workspace>"),
            ("customer.Acme", "the part after the first dot must match"),
            ("customer.", "the part after the first dot must match"),
        ])
        func malformedUserNamesSayWhichPartIsWrong(user: String, says: String) async throws {
            try await ProxyHarness.run { proxy in
                let fields = try await proxy.loginFailure(user: user)
                #expect(fields.severity == "FATAL")
                #expect(fields.sqlState == "28P01")
                #expect(fields.message == "password authentication failed for user \"\(user)\"")
                #expect(fields[UInt8(ascii: "H")]?.contains(says) == true, "\(fields)")
            }
        }

        /// operations.md: an unknown role looks like an unknown workspace (no hint).
        @Test func unknownRoleGetsNoHint() async throws {
            try await ProxyHarness.run { proxy in
                let fields = try await proxy.loginFailure(user: "admin.test")
                #expect(fields.sqlState == "28P01")
                #expect(fields[UInt8(ascii: "H")] == nil)
            }
        }
    }
}
