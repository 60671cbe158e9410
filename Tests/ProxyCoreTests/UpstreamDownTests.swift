import NIOCore
import NIOPosix
import ProxyCore
import SluiceTestSupport
import Testing

extension ProxyTests {
    /// When the workspace's server cannot be reached, the client is told so
    /// (after authenticating), not left waiting.
    @Suite struct UpstreamDown {
        /// A port on 127.0.0.1 where nothing listens: bound, read, released.
        static func deadPort() async throws -> Int {
            let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .bind(host: "127.0.0.1", port: 0)
                .get()
            let port = channel.localAddress?.port
            try await channel.close()
            return try #require(port)
        }

        @Test func unreachableUpstreamIs08006() async throws {
            let port = try await Self.deadPort()
            let credentials: (TestPostgres) throws -> any ProxyCore.CredentialProvider = { upstream in
                InMemoryCredentials(entries: [
                    ProxyFixture.user: .found(try ProxyFixture.credential(upstream: upstream, port: port)),
                ])
            }
            try await ProxyHarness.run(credentials: credentials) { proxy in
                let start = ContinuousClock.now
                let fields = try await proxy.loginFailure()
                #expect(fields.severity == "FATAL")
                #expect(fields.sqlState == "08006")
                let message = fields.message ?? ""
                #expect(message.contains("upstream") && message.contains(ProxyFixture.upstreamName), "message: \(message)")
                #expect(ContinuousClock.now - start < .seconds(10))
            }
        }

        /// pitfalls.md: plain TCP accepted where TLS was required. The test
        /// server runs without SSL, so it answers the proxy's SSLRequest with
        /// 'N': the login fails rather than going on in plain text.
        @Test func upstreamThatRefusesTLSIsNeverUsedInPlainText() async throws {
            let postgres = try TestPostgres.require()
            let probe = try await RawWireClient.connect(host: postgres.host, port: postgres.port)
            let answer = try await probe.requestSSL()
            await probe.close()
            try #require(answer == UInt8(ascii: "N"), "the test server must run without SSL for this test")
            let credentials: (TestPostgres) throws -> any ProxyCore.CredentialProvider = { upstream in
                InMemoryCredentials(entries: [
                    ProxyFixture.user: .found(try ProxyFixture.credential(upstream: upstream, tls: true)),
                ])
            }
            try await ProxyHarness.run(credentials: credentials) { proxy in
                let fields = try await proxy.loginFailure()
                #expect(fields.severity == "FATAL")
                #expect(fields.sqlState == "08006")
                #expect(fields.message?.contains("does not accept TLS") == true, "\(fields)")
            }
        }
    }
}
