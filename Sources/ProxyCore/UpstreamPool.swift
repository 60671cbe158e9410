import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PGSession
import PGWire
import SluicePool

/// The server connections of one event loop, one `PoolStateMachine` per
/// (upstream, database, role). Clients are served by connections of their own
/// loop, so forwarding never crosses threads. Confined to `eventLoop`.
final class UpstreamPool {
    enum LeaseError: Error, CustomStringConvertible {
        case pool(PoolError)
        case connect(String)
        /// No connection within the wait timeout, and why (for the client's 53300).
        case waitTimeout(waited: Duration, cause: WaitCause)

        var description: String {
            switch self {
            case .pool(let error): "\(error)"
            case .connect(let reason): reason
            case .waitTimeout(let waited, _): "\(PoolError.waitTimeout(waited: waited))"
            }
        }
    }

    /// Why a wait for a connection timed out: what a client is told in its
    /// 53300 (a pooler that says only "timeout" sends people to the wrong knob).
    enum WaitCause: Equatable {
        /// Every connection the role may have was leased.
        case allBusy(limit: Int)
        /// The upstream server's limit across roles (`upstream_pool_size`) was reached.
        case upstreamLimit(limit: Int)
        /// Connections were being opened and none became ready; the last failure, if any.
        case connecting(lastFailure: String?)

        /// What the client is told to look at.
        var hint: String {
            switch self {
            case .allBusy(let limit):
                "All \(limit) server connections of this workspace role are busy; retry, or raise pool_size."
            case .upstreamLimit(let limit):
                "The database server has its \(limit) connections from this proxy (upstream_pool_size), shared by every "
                    + "workspace role on it; retry, or raise upstream_pool_size."
            case .connecting(let failure):
                "Server connections were being opened and none was ready in time"
                    + (failure.map { " (last failure: \($0))" } ?? "") + "; the database server may be slow or down."
            }
        }
    }

    typealias LeaseCallback = (Result<UpstreamConnection, LeaseError>) -> Void

    /// The pool of one key: its state machine and the objects its IDs name.
    private final class KeyedPool {
        var machine: PoolStateMachine<Int, Int>
        var connections: [Int: UpstreamConnection] = [:]
        var waiters: [Int: LeaseCallback] = [:]
        var credential: ProxyCredential
        var cachedKeys: SCRAMClient.Keys?
        /// Why the last attempt to open a connection failed (cleared by a success).
        var lastConnectFailure: String?
        var timer: Scheduled<Void>?
        var timerDeadline: PoolInstant?

        init(configuration: PoolConfiguration, credential: ProxyCredential) {
            self.machine = PoolStateMachine(configuration: configuration)
            self.credential = credential
        }
    }

    let eventLoop: EventLoop
    private let configuration: PoolConfiguration
    private let tlsContext: NIOSSLContext?
    private let maxMessageLength: Int
    private let logger: Logger
    private let metrics = ProxyMetrics.shared
    private var pools: [PoolKey: KeyedPool] = [:]
    private var nextID = 1
    private var shuttingDown = false
    /// At most this many connections (open or being opened) to one upstream
    /// server from this loop, across its workspace roles; nil: no limit.
    private let upstreamLimit: Int?
    private var upstreamCounts: [UpstreamTarget: Int] = [:]
    /// Pools whose creations were deferred by `upstreamLimit`, oldest first.
    private var deferred: [UpstreamTarget: [PoolKey]] = [:]

    init(
        eventLoop: EventLoop, configuration: PoolConfiguration, upstreamLimit: Int? = nil,
        tlsContext: NIOSSLContext?, maxMessageLength: Int, logger: Logger
    ) {
        self.eventLoop = eventLoop
        self.upstreamLimit = upstreamLimit.map { max(1, $0) }
        self.configuration = configuration
        self.tlsContext = tlsContext
        self.maxMessageLength = maxMessageLength
        self.logger = logger
    }

    static func key(for credential: ProxyCredential) -> PoolKey {
        PoolKey(target: credential.target, database: credential.serverDatabase, user: credential.serverUser)
    }

    private func now() -> PoolInstant {
        PoolInstant(nanoseconds: NIODeadline.now().uptimeNanoseconds)
    }

    private func makeID() -> Int {
        defer { nextID += 1 }
        return nextID
    }

    /// Asks for a server connection; `callback` runs once, on this loop.
    /// Returns a request ID for `cancelLease`.
    @discardableResult
    func lease(_ credential: ProxyCredential, callback: @escaping LeaseCallback) -> (PoolKey, Int) {
        let key = Self.key(for: credential)
        let pool: KeyedPool
        if let existing = pools[key] {
            pool = existing
            if existing.credential.password != credential.password, credential.fetchedAt > existing.credential.fetchedAt {
                // Rotated: new connections log in with the new password (and
                // a session that logged in before the rotation does not bring the old one back).
                existing.credential = credential
                existing.cachedKeys = nil
            }
        } else {
            pool = KeyedPool(configuration: configuration, credential: credential)
            pools[key] = pool
        }
        let request = makeID()
        pool.waiters[request] = callback
        if pool.machine.idleCount == 0 { metrics.poolWaits.increment() }
        let actions = pool.machine.leaseRequested(request, now: now())
        perform(actions, pool: pool, key: key)
        return (key, request)
    }

    func cancelLease(key: PoolKey, request: Int) {
        guard let pool = pools[key], pool.waiters.removeValue(forKey: request) != nil else { return }
        perform(pool.machine.cancelRequest(request), pool: pool, key: key)
    }

    /// Returns a connection. A reusable one is first cleaned with `cleanup`
    /// (`DISCARD ALL` after a session, `ROLLBACK` after a client that left
    /// mid-transaction, nothing between transactions); if that fails it is
    /// closed instead.
    func release(_ connection: UpstreamConnection, reusable: Bool, cleanup: String? = "DISCARD ALL") {
        connection.detach()
        if connection.cancelsInFlight > 0 {
            connection.releaseAfterCancels = (reusable, cleanup)
            return
        }
        guard let pool = pools[connection.key] else {
            connection.close()
            return
        }
        guard reusable, connection.isOpen, !shuttingDown else {
            perform(pool.machine.released(connection.id, reusable: false, now: now()), pool: pool, key: connection.key)
            return
        }
        guard let cleanup else {
            perform(pool.machine.released(connection.id, reusable: true, now: now()), pool: pool, key: connection.key)
            return
        }
        if cleanup.uppercased().hasPrefix("DISCARD") { connection.forgetSessionState() }
        connection.runInternal(cleanup) { [self] result in
            let ok: Bool
            if case .success = result { ok = true } else { ok = false }
            perform(pool.machine.released(connection.id, reusable: ok, now: now()), pool: pool, key: connection.key)
        }
    }

    /// Asks the server to cancel what `connection` runs, with a CancelRequest
    /// on a connection of its own (as a driver sends one). Until the server
    /// has taken it (it closes that connection once the backend is
    /// signalled) or `cancelTimeout` passes, `connection` goes to nobody
    /// else: a cancel that lands after the client's query ended must not
    /// hit the next client's query on the same backend. (PostgreSQL ignores
    /// a cancel that reaches a backend waiting for a command.)
    func cancel(_ connection: UpstreamConnection) {
        guard let serverKey = connection.backendKey else { return }
        connection.cancelsInFlight += 1
        let target = connection.key.target
        let request = CancelRequest(processID: serverKey.processID, secretKey: serverKey.secretKey)
        let timeout = Self.cancelTimeout
        ClientBootstrap(group: eventLoop)
            .connectTimeout(timeout)
            .connect(host: target.host, port: target.port)
            .flatMap { channel -> EventLoopFuture<Void> in
                var buffer = channel.allocator.buffer(capacity: 16)
                StartupPacket.cancel(request).write(into: &buffer)
                channel.writeAndFlush(buffer, promise: nil)
                let giveUp = channel.eventLoop.scheduleTask(in: timeout) { channel.close(promise: nil) }
                return channel.closeFuture.always { _ in giveUp.cancel() }
            }
            .assumeIsolated()
            .whenComplete { [self] _ in
                connection.cancelsInFlight -= 1
                guard connection.cancelsInFlight == 0, let release = connection.releaseAfterCancels else { return }
                connection.releaseAfterCancels = nil
                self.release(connection, reusable: release.reusable, cleanup: release.cleanup)
            }
    }

    /// The longest a server connection is held back for a cancel.
    static let cancelTimeout = TimeAmount.seconds(5)

    /// Stop creating connections, fail waiters, close idle connections.
    func shutdown() {
        shuttingDown = true
        for (key, pool) in pools {
            pool.timer?.cancel()
            perform(pool.machine.shutdown(), pool: pool, key: key)
        }
    }

    var openConnections: Int { pools.values.reduce(0) { $0 + $1.connections.count } }

    /// Whether this role's pool holds an open server connection (idle or
    /// leased): the server was reachable for it a moment ago. When the server
    /// goes away its connections close and this turns false.
    func hasOpenConnection(for credential: ProxyCredential) -> Bool {
        guard let pool = pools[Self.key(for: credential)] else { return false }
        return pool.connections.values.contains { $0.isOpen }
    }

    // MARK: Actions

    private func perform(_ actions: [PoolStateMachine<Int, Int>.Action], pool: KeyedPool, key: PoolKey) {
        for action in actions {
            switch action {
            case .createConnection:
                let target = key.target
                if let limit = upstreamLimit, upstreamCounts[target, default: 0] >= limit {
                    deferCreation(pool: pool, key: key)
                } else {
                    upstreamCounts[target, default: 0] += 1
                    createConnection(pool: pool, key: key)
                }
            case .lease(let id, let request, let healthCheck):
                guard let connection = pool.connections[id] else { continue }
                if healthCheck {
                    connection.runInternal("") { [self] result in
                        switch result {
                        case .success:
                            perform(pool.machine.healthCheckSucceeded(id, request: request, now: now()), pool: pool, key: key)
                            deliver(connection, to: request, pool: pool, key: key)
                        case .failure:
                            connection.close()
                        }
                    }
                } else {
                    deliver(connection, to: request, pool: pool, key: key)
                }
            case .failRequest(let request, let error):
                guard let callback = pool.waiters.removeValue(forKey: request) else { continue }
                if case .connectFailed(let reason) = error {
                    callback(.failure(.connect(reason)))
                } else if case .waitTimeout(let waited) = error {
                    callback(.failure(.waitTimeout(waited: waited, cause: waitCause(pool: pool, key: key))))
                } else {
                    callback(.failure(.pool(error)))
                }
            case .closeConnection(let id):
                pool.connections[id]?.close()
            case .scheduleTimer(let at):
                schedule(at: at, pool: pool, key: key)
            case .shutdownComplete:
                pools[key] = nil
            }
        }
    }

    private func waitCause(pool: KeyedPool, key: PoolKey) -> WaitCause {
        if pool.machine.leasedCount >= configuration.maxConnections {
            return .allBusy(limit: configuration.maxConnections)
        }
        if let limit = upstreamLimit, deferred[key.target]?.contains(key) == true || upstreamCounts[key.target, default: 0] >= limit {
            return .upstreamLimit(limit: limit)
        }
        return .connecting(lastFailure: pool.lastConnectFailure)
    }

    // MARK: The limit per upstream

    /// The upstream is at its limit: the pool's requests wait (up to the
    /// wait timeout), and the connection idle the longest in another pool
    /// of the same upstream is closed to make room, as PgBouncer does for
    /// `max_db_connections`.
    private func deferCreation(pool: KeyedPool, key: PoolKey) {
        perform(pool.machine.creationDeferred(now: now()), pool: pool, key: key)
        var queue = deferred[key.target, default: []]
        if !queue.contains(key) { queue.append(key) }
        deferred[key.target] = queue
        let donor = pools.filter { $0.key.target == key.target && $0.key != key && $0.value.machine.idleCount > 0 }
            .min { $0.key.user < $1.key.user }
        if let (donorKey, donorPool) = donor, let actions = donorPool.machine.evictIdle(now: now()) {
            perform(actions, pool: donorPool, key: donorKey)
        }
    }

    /// A connection to `target` is gone (closed or never opened): give its
    /// place to the oldest pool waiting for one.
    private func connectionGone(_ target: UpstreamTarget) {
        upstreamCounts[target, default: 1] -= 1
        guard let limit = upstreamLimit else { return }
        while upstreamCounts[target, default: 0] < limit, var queue = deferred[target], !queue.isEmpty {
            let key = queue.removeFirst()
            deferred[target] = queue.isEmpty ? nil : queue
            guard let pool = pools[key], pool.machine.hasUnservedWaiters else { continue }
            perform(pool.machine.capacityAvailable(now: now()), pool: pool, key: key)
        }
    }

    private func deliver(_ connection: UpstreamConnection, to request: Int, pool: KeyedPool, key: PoolKey) {
        guard let callback = pool.waiters.removeValue(forKey: request) else {
            // The client left while the lease was in flight.
            perform(pool.machine.released(connection.id, reusable: true, now: now()), pool: pool, key: key)
            return
        }
        callback(.success(connection))
    }

    private func schedule(at deadline: PoolInstant, pool: KeyedPool, key: PoolKey) {
        if let existing = pool.timerDeadline, existing <= deadline, pool.timer != nil { return }
        pool.timer?.cancel()
        pool.timerDeadline = deadline
        let current = now()
        let delay = deadline > current ? Int64(clamping: deadline.nanoseconds - current.nanoseconds) : 0
        pool.timer = eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(delay)) { [self] in
            pool.timer = nil
            pool.timerDeadline = nil
            perform(pool.machine.tick(now: now()), pool: pool, key: key)
        }
    }

    private func createConnection(pool: KeyedPool, key: PoolKey) {
        let id = makeID()
        let credential = pool.credential
        let credentials = UpstreamStartupMachine.Credentials(
            user: credential.serverUser, database: credential.serverDatabase,
            password: credential.password, cachedKeys: pool.cachedKeys
        )
        let loop = eventLoop
        let tlsContext = self.tlsContext
        let maxMessageLength = self.maxMessageLength
        let logger = self.logger
        let readyBox = NIOLoopBound<(UpstreamConnection, Result<Void, UpstreamConnection.ConnectError>) -> Void>({ [self] connection, result in
            switch result {
            case .success:
                if let keys = connection.derivedKeys { pool.cachedKeys = keys }
                pool.lastConnectFailure = nil
                pool.connections[id] = connection
                metrics.serverConnectionsTotal.increment()
                metrics.serverConnectionsOpen.increment()
                connection.onClose = { [self] closed in
                    metrics.serverConnectionsOpen.decrement()
                    pool.connections[closed.id] = nil
                    perform(pool.machine.connectionClosed(closed.id, now: now()), pool: pool, key: key)
                    connectionGone(key.target)
                }
                perform(pool.machine.connectionEstablished(id, now: now()), pool: pool, key: key)
            case .failure(let error):
                metrics.upstreamErrors.increment()
                logger.warning("upstream login failed", metadata: ["upstream": "\(key.target.name)", "error": "\(error)"])
                let failure = Self.describe(error, key: key)
                pool.lastConnectFailure = failure
                perform(pool.machine.connectionFailed(error: failure, now: now()), pool: pool, key: key)
                connectionGone(key.target)
            }
        }, eventLoop: loop)

        ClientBootstrap(group: loop)
            .connectTimeout(.seconds(5))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let connection = UpstreamConnection(
                        id: id, key: key, credentials: credentials, tlsContext: tlsContext,
                        maxMessageLength: maxMessageLength, logger: logger
                    )
                    try channel.pipeline.syncOperations.addHandler(connection)
                }
            }
            .connect(host: key.target.host, port: key.target.port)
            .assumeIsolated()
            .whenComplete { [self] result in
                switch result {
                case .success(let channel):
                    guard let connection = try? channel.pipeline.syncOperations.handler(type: UpstreamConnection.self) else {
                        channel.close(promise: nil)
                        perform(pool.machine.connectionFailed(error: "internal error", now: now()), pool: pool, key: key)
                        connectionGone(key.target)
                        return
                    }
                    connection.whenReady { result in readyBox.value(connection, result) }
                case .failure(let error):
                    metrics.upstreamErrors.increment()
                    logger.warning("upstream unreachable", metadata: ["upstream": "\(key.target.name)", "error": "\(error)"])
                    let failure = "could not connect to the workspace's upstream server (\(key.target.name)): \(error)"
                    pool.lastConnectFailure = failure
                    perform(pool.machine.connectionFailed(error: failure, now: now()), pool: pool, key: key)
                    connectionGone(key.target)
                }
            }
    }

    private static func describe(_ error: UpstreamConnection.ConnectError, key: PoolKey) -> String {
        switch error {
        case .server(let fields):
            "upstream server \(key.target.name) refused the login: \(fields.message ?? "unknown error")"
        default:
            "upstream server \(key.target.name): \(error)"
        }
    }
}
