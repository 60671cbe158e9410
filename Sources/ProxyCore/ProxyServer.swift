import Logging
import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import NIOSSL
import ServiceLifecycle
import SluiceModel

/// The PostgreSQL listener: accepts clients and runs one
/// `ClientConnectionHandler` per connection on the connection's event loop,
/// with that loop's pool of server connections.
///
/// Shutdown (SIGTERM/SIGINT through ServiceLifecycle): stop accepting, let
/// sessions end for `shutdownGracePeriod`, then end the rest with 57P01.
public final class ProxyServer: Service, Sendable {
    private let configuration: ProxyConfiguration
    private let credentials: CredentialProvider
    private let gate: StatementGate
    private let group: MultiThreadedEventLoopGroup
    private let logger: Logger
    private let upstreamTLS: NIOSSLContext?
    private let cancels: CancelRegistry
    private let sessions = SessionRegistry()
    private let boundAddress = NIOLockedValueBoxAddress()
    /// The per-loop pools while `run()` runs (nil before and after): wire
    /// clients and `execute` share them.
    private let pools = NIOLockedValueBox<[ObjectIdentifier: NIOLoopBound<UpstreamPool>]?>(nil)

    public init(
        configuration: ProxyConfiguration,
        credentials: CredentialProvider,
        gate: StatementGate = AllowAllGate(),
        group: MultiThreadedEventLoopGroup,
        upstreamTLS: NIOSSLContext? = nil,
        logger: Logger
    ) {
        self.configuration = configuration
        self.credentials = credentials
        self.gate = gate
        self.group = group
        self.logger = logger
        self.upstreamTLS = upstreamTLS
        self.cancels = CancelRegistry(routing: configuration.cancelRouting)
    }

    /// One pool per event loop, created on its loop (it is confined to it).
    private func makePools() async throws -> [ObjectIdentifier: NIOLoopBound<UpstreamPool>] {
        var pools: [ObjectIdentifier: NIOLoopBound<UpstreamPool>] = [:]
        let configuration = self.configuration
        let upstreamTLS = self.upstreamTLS
        let logger = self.logger
        let loops = Array(group.makeIterator())
        for (index, loop) in loops.enumerated() {
            let share = configuration.upstreamConnectionLimit.map { limit in
                max(1, limit / loops.count + (index < limit % loops.count ? 1 : 0))
            }
            pools[ObjectIdentifier(loop)] = try await loop.submit {
                NIOLoopBound(
                    UpstreamPool(
                        eventLoop: loop, configuration: configuration.pool, upstreamLimit: share, tlsContext: upstreamTLS,
                        maxMessageLength: configuration.maxMessageLength, logger: logger
                    ),
                    eventLoop: loop
                )
            }.get()
        }
        return pools
    }

    /// Ends every open session of `user` (after a password rotation with
    /// `terminate_sessions`): each gets FATAL 57P01 with `message`.
    @discardableResult
    public func terminateSessions(of user: ClientUser, message: String) -> Int {
        sessions.end(user: user, message: message)
    }

    /// Open sessions of `user` (metrics, tests).
    public func sessionCount(of user: ClientUser) -> Int {
        sessions.count(of: user)
    }

    /// Event loops (threads) serving at least one client session now.
    public var eventLoopsInUse: Int {
        sessions.eventLoopsInUse
    }

    /// The address actually bound (port 0 picks a free port), once listening.
    public var localAddress: SocketAddress? { boundAddress.value }

    public func run() async throws {
        let configuration = self.configuration
        let credentials = self.credentials
        let gate = self.gate
        let pools = try await makePools()
        self.pools.withLockedValue { $0 = pools }
        let cancels = self.cancels
        let sessions = self.sessions
        let logger = self.logger
        // One set of dependencies per loop, shared by its sessions.
        var shared: [ObjectIdentifier: NIOLoopBound<ClientConnectionHandler.Dependencies>] = [:]
        for (id, pool) in pools {
            let loop = pool.eventLoop
            shared[id] = try await loop.submit {
                NIOLoopBound(
                    ClientConnectionHandler.Dependencies(
                        configuration: configuration, credentials: credentials, gate: gate,
                        pool: pool.value, cancels: cancels, sessions: sessions, logger: logger
                    ),
                    eventLoop: loop
                )
            }.get()
        }
        let dependencies = shared
        let server = try await ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.backlog, value: 1024)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .childChannelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            // A client's requests are small: a channel keeps its receive buffer
            // between reads, so start it small (it grows with the traffic).
            .childChannelOption(
                ChannelOptions.recvAllocator,
                value: AdaptiveRecvByteBufferAllocator(minimum: 64, initial: 256, maximum: 65_536)
            )
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let dependencies = dependencies[ObjectIdentifier(channel.eventLoop)] else {
                        throw ChannelError.ioOnClosedChannel
                    }
                    let handler = ClientConnectionHandler(dependencies: dependencies.value)
                    try channel.pipeline.syncOperations.addHandler(handler)
                }
            }
            .bind(host: configuration.host, port: configuration.port)
            .get()
        boundAddress.set(server.localAddress)
        logger.info("proxy listening", metadata: ["address": "\(server.localAddress.map { "\($0)" } ?? "?")"])

        await withTaskCancellationOrGracefulShutdownHandler {
            try? await server.closeFuture.get()
        } onCancelOrGracefulShutdown: {
            server.close(promise: nil)
        }
        // Let open sessions finish, up to the grace period (not when cancelled).
        let deadline = ContinuousClock.now + .nanoseconds(configuration.shutdownGracePeriod.nanoseconds)
        while sessions.count > 0, ContinuousClock.now < deadline, !Task.isCancelled {
            do { try await Task.sleep(for: .milliseconds(50)) } catch { break }
        }
        if sessions.count > 0 {
            logger.info("ending sessions still open at the shutdown deadline", metadata: ["sessions": "\(sessions.count)"])
            sessions.terminateAll()
            try? await Task.sleep(for: .milliseconds(200))
        }
        self.pools.withLockedValue { $0 = nil }
        for pool in pools.values {
            try? await pool.eventLoop.submit { pool.value.shutdown() }.get()
        }
        logger.info("proxy stopped")
    }
}

extension ProxyServer: WorkspaceQueryExecutor {
    /// Runs an agent tool's statement as `query.user` on a server connection
    /// of the same pools wire clients use (one event loop's, picked by the
    /// group), after the gate's `judgeTool`. See `WorkspaceQueryRun` for the
    /// batch and what becomes of the connection.
    public func execute(_ query: WorkspaceQuery) async throws(WorkspaceQueryFailure) -> QueryResult {
        let decision = gate.judgeTool(sql: query.sql, user: query.user)
        if case .deny(let fields, _) = decision {
            throw .denied(WorkspaceQueryMachine.detail(fields))
        }
        if query.sql.utf8.contains(0) {
            // The wire cannot carry it (a NUL ends the statement's text).
            throw .denied(QueryErrorDetail(sqlstate: "22021", message: "invalid byte sequence for encoding \"UTF8\": 0x00"))
        }
        let loop = group.next()
        guard let pool = pools.withLockedValue({ $0?[ObjectIdentifier(loop)] }) else {
            throw .unavailable(QueryErrorDetail(sqlstate: "57P03", message: "the proxy is not running"))
        }
        let credential: ProxyCredential
        switch await credentials.credential(forUser: query.user.description) {
        case .found(let found):
            credential = found
        case .notFound:
            throw .unavailable(QueryErrorDetail(sqlstate: "28000", message: "the workspace role is not known"))
        case .unavailable(let reason):
            logger.warning("credential store unavailable for a workspace query", metadata: ["user": "\(query.user)", "error": "\(reason)"])
            throw .unavailable(QueryErrorDetail(
                sqlstate: "08006", message: "the workspace's credentials could not be read",
                hint: "The control store is unavailable; retry shortly."
            ))
        }
        let result: Result<QueryResult, WorkspaceQueryFailure> = await withCheckedContinuation { continuation in
            loop.execute {
                let run = WorkspaceQueryRun(pool: pool.value, credential: credential, query: query, decision: decision) { result in
                    continuation.resume(returning: result)
                }
                run.start()
            }
        }
        return try result.get()
    }
}

/// A tiny lock-protected optional address (set once when bound).
final class NIOLockedValueBoxAddress: Sendable {
    private let box = NIOLockedValueBox<SocketAddress?>(nil)
    var value: SocketAddress? { box.withLockedValue { $0 } }
    func set(_ address: SocketAddress?) { box.withLockedValue { $0 = address } }
}
