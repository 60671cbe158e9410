import Foundation
import Logging
import NIOCore
import NIOPosix
import PGWire
import ProxyCore
import ServiceLifecycle
import SluiceTestSupport

/// The proxy running in-process on a free port, in front of the real test
/// PostgreSQL, inside a `ServiceGroup` as the application runs it.
///
/// `run` starts it, hands it to the test and always shuts it down afterwards
/// (closing the clients the test opened first), so a failing test cannot
/// leave a listener or an event loop group behind.
final class ProxyHarness: Sendable {
    let upstream: TestPostgres
    let host: String
    let port: Int
    let configuration: ProxyConfiguration
    let server: ProxyServer
    private let serviceGroup: ServiceGroup
    private let runState: RunState
    private let clients = ClientTracker()

    private init(upstream: TestPostgres, host: String, port: Int, configuration: ProxyConfiguration, server: ProxyServer,
                 serviceGroup: ServiceGroup, runState: RunState) {
        self.upstream = upstream
        self.host = host
        self.port = port
        self.configuration = configuration
        self.server = server
        self.serviceGroup = serviceGroup
        self.runState = runState
    }

    static let logger: Logger = {
        var logger = Logger(label: "sluice.proxy-tests")
        // Quiet unless asked: SLUICETEST_LOG_LEVEL=debug shows the proxy's view.
        let level = ProcessInfo.processInfo.environment["SLUICETEST_LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:))
        logger.logLevel = level ?? .critical
        return logger
    }()

    /// Runs `body` against a fresh proxy.
    ///
    /// - Parameters:
    ///   - threads: event loops of the proxy (1 puts every session on one pool).
    ///   - credentials: the store, given the test server (default: `ProxyFixture.credentials`).
    ///   - configure: adjusts the configuration (timeouts, pool) before start.
    static func run<Result: Sendable>(
        threads: Int = 2,
        credentials: (TestPostgres) throws -> any CredentialProvider = { try ProxyFixture.credentials(upstream: $0) },
        configure: (inout ProxyConfiguration) -> Void = { _ in },
        _ body: (ProxyHarness) async throws -> Result
    ) async throws -> Result {
        let upstream = try TestPostgres.require()
        var configuration = ProxyConfiguration(
            host: "127.0.0.1", port: 0, shutdownGracePeriod: .seconds(2), decoySecret: ProxyFixture.randomBytes(32)
        )
        configure(&configuration)
        let group = MultiThreadedEventLoopGroup(numberOfThreads: threads)
        let server = ProxyServer(configuration: configuration, credentials: try credentials(upstream), group: group, logger: logger)
        let serviceGroup = ServiceGroup(services: [server], logger: logger)
        let runState = RunState()
        let running = Task {
            do {
                try await serviceGroup.run()
                await runState.finish(.success(()))
            } catch {
                await runState.finish(.failure(error))
            }
        }

        let outcome: Swift.Result<Result, any Error>
        do {
            let address = try await waitForAddress(of: server, runState: runState)
            let harness = ProxyHarness(
                upstream: upstream, host: configuration.host, port: address, configuration: configuration,
                server: server, serviceGroup: serviceGroup, runState: runState
            )
            do {
                outcome = .success(try await body(harness))
            } catch {
                outcome = .failure(error)
            }
            await harness.clients.closeAll()
        } catch {
            outcome = .failure(error)
        }

        await serviceGroup.triggerGracefulShutdown()
        var stopError: (any Error)?
        do {
            try await waitUntilStopped(runState, timeout: configuration.shutdownDuration + .seconds(5))
        } catch {
            stopError = error
            running.cancel()
        }
        try? await group.shutdownGracefully()
        let result = try outcome.get()
        if let stopError { throw stopError }
        return result
    }

    /// Polls until the listener is bound (port 0 picks the port).
    private static func waitForAddress(of server: ProxyServer, runState: RunState) async throws -> Int {
        let deadline = ContinuousClock.now + .seconds(10)
        while ContinuousClock.now < deadline {
            if let port = server.localAddress?.port { return port }
            if case .failure(let error)? = await runState.outcome { throw error }
            if await runState.outcome != nil { throw TestSupportError("the proxy stopped before it listened") }
            try await Task.sleep(for: .milliseconds(10))
        }
        throw TestSupportError("the proxy did not start listening within 10 s")
    }

    private static func waitUntilStopped(_ runState: RunState, timeout: Duration) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let outcome = await runState.outcome {
                try outcome.get()
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw TestSupportError("the proxy did not stop within \(timeout)")
    }

    // MARK: For tests

    /// Starts graceful shutdown, as SIGTERM would; returns at once.
    func triggerShutdown() async {
        await serviceGroup.triggerGracefulShutdown()
    }

    /// Waits until the proxy's `run()` has returned (rethrowing its error).
    func waitUntilStopped(timeout: Duration) async throws {
        try await Self.waitUntilStopped(runState, timeout: timeout)
    }

    /// True once the proxy's `run()` has returned.
    var hasStopped: Bool {
        get async { await runState.outcome != nil }
    }

    /// A connection to the proxy with nothing sent yet.
    func connect() async throws -> RawWireClient {
        let client = try await RawWireClient.connect(host: host, port: port)
        await clients.add(client)
        return client
    }

    /// A logged-in session (`customer.test` unless told otherwise).
    func login(
        user: String = ProxyFixture.user,
        password: String = ProxyFixture.password,
        database: String? = ProxyFixture.database,
        parameters: [StartupParameter] = []
    ) async throws -> (client: RawWireClient, outcome: StartupOutcome) {
        let client = try await connect()
        let outcome = try await client.startup(user: user, password: password, database: database, parameters: parameters)
        return (client, outcome)
    }

    /// Every message of a login attempt on a new connection (see
    /// `RawWireClient.startupTranscript`), up to the refusal or ReadyForQuery.
    func transcript(
        user: String = ProxyFixture.user,
        password: String = ProxyFixture.password,
        database: String? = ProxyFixture.database
    ) async -> [BackendMessage] {
        guard let client = try? await connect() else { return [] }
        return await client.startupTranscript(user: user, password: password, database: database).messages
    }

    /// Logs in expecting a refusal, returns the ErrorResponse, and checks
    /// that the proxy then closed the connection (as PostgreSQL does after FATAL).
    func loginFailure(
        user: String = ProxyFixture.user,
        password: String = ProxyFixture.password,
        database: String? = ProxyFixture.database
    ) async throws -> ErrorFields {
        let client = try await connect()
        do {
            _ = try await client.startup(user: user, password: password, database: database)
        } catch let error as RawWireError {
            guard let fields = error.serverError else { throw error }
            let rest = try await client.readUntilClosed(timeout: .seconds(5))
            guard rest.isEmpty else { throw TestSupportError("messages after the FATAL error: \(rest)") }
            return fields
        }
        throw TestSupportError("login as \(user) succeeded but was expected to fail")
    }
}

extension ProxyConfiguration {
    /// The longest a graceful shutdown should take: the grace period and a margin.
    var shutdownDuration: Duration {
        .nanoseconds(shutdownGracePeriod.nanoseconds) + .seconds(1)
    }
}
