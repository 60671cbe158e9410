import NIOCore
import PGWire
import SluiceModel

/// One workspace query on one event loop: leases a server connection from
/// the loop's pool (the same pool wire clients use), writes the whole batch
/// in one flush, feeds the answers to a `WorkspaceQueryMachine` and performs
/// what it says. Confined to `pool.eventLoop`; `completion` runs once, there.
final class WorkspaceQueryRun: UpstreamConnectionDelegate {
    typealias Completion = (Result<QueryResult, WorkspaceQueryFailure>) -> Void

    /// Sets what the statement's output depends on, for this transaction only
    /// (`is_local`): nothing outlives the batch's implicit transaction.
    static let settingsSQL = """
        SELECT pg_catalog.set_config('statement_timeout', $1, true), \
        pg_catalog.set_config('DateStyle', 'ISO, MDY', true), \
        pg_catalog.set_config('TimeZone', 'UTC', true), \
        pg_catalog.set_config('IntervalStyle', 'postgres', true)
        """

    /// Past the statement timeout, how long the server gets before the
    /// connection is closed under it.
    static let watchdogMargin: TimeAmount = .seconds(5)

    private let pool: UpstreamPool
    private let credential: ProxyCredential
    private let query: WorkspaceQuery
    private let decision: GateDecision
    private var completion: Completion?
    private var machine: WorkspaceQueryMachine?
    private var connection: UpstreamConnection?
    private var watchdog: Scheduled<Void>?
    private var started: NIODeadline?
    private var elapsed: Double?
    /// Holds the run while it waits on the network (the connection's delegate is weak).
    private var keepAlive: WorkspaceQueryRun?

    init(pool: UpstreamPool, credential: ProxyCredential, query: WorkspaceQuery, decision: GateDecision, completion: @escaping Completion) {
        self.pool = pool
        self.credential = credential
        self.query = query
        self.decision = decision
        self.completion = completion
    }

    func start() {
        keepAlive = self
        pool.lease(credential) { [self] result in
            switch result {
            case .success(let connection):
                run(on: connection)
            case .failure(let error):
                finish(.failure(.unavailable(Self.leaseFailure(error, user: query.user))))
            }
        }
    }

    static func leaseFailure(_ error: UpstreamPool.LeaseError, user: ClientUser) -> QueryErrorDetail {
        switch error {
        case .waitTimeout(let waited, let cause):
            QueryErrorDetail(
                sqlstate: "53300",
                message: "no server connection for \(user) became free within query_wait_timeout (\(waited))",
                hint: cause.hint
            )
        case .pool(.waitTimeout(let waited)):
            QueryErrorDetail(
                sqlstate: "53300",
                message: "no server connection for \(user) became free within query_wait_timeout (\(waited))",
                hint: "Retry shortly."
            )
        case .pool(.queueFull):
            QueryErrorDetail(sqlstate: "53300", message: "too many requests are waiting for a server connection for \(user)")
        case .pool(.shutdown):
            QueryErrorDetail(sqlstate: "57P03", message: "the proxy is shutting down")
        case .pool(.connectFailed), .connect:
            QueryErrorDetail(
                sqlstate: "08006", message: "the workspace database server is unavailable",
                hint: "The workspace database server could not be reached; retry shortly."
            )
        }
    }

    // MARK: Running

    private func run(on connection: UpstreamConnection) {
        guard connection.isOpen else {
            pool.release(connection, reusable: false)
            finish(.failure(.unavailable(QueryErrorDetail(sqlstate: "08006", message: "the server connection was lost before the statement was sent"))))
            return
        }
        var changesSession = false
        if case .forwardChangingSession = decision { changesSession = true }
        let resets = !connection.appliedSettings.isEmpty
        machine = WorkspaceQueryMachine(configuration: .init(
            maxRows: max(0, query.maxRows),
            responseByteLimit: max(0, query.responseByteLimit),
            resetsSettings: resets,
            changesSession: changesSession,
            suspendedCommand: WorkspaceQueryMachine.suspendedCommand(for: query.sql)
        ))
        self.connection = connection
        connection.attach(self)
        // A client that left under backpressure may have left reading off.
        connection.setAutoRead(true)

        var buffer = ByteBufferAllocator().buffer(capacity: 256 + query.sql.utf8.count)
        if resets {
            // Settings another client's session left (transaction pooling):
            // the next such client re-applies its own from `appliedSettings`.
            FrontendMessage.query("RESET ALL").write(into: &buffer)
            connection.appliedSettings = [:]
        }
        let timeout = Self.milliseconds(query.timeout)
        FrontendMessage.parse(Parse(name: "", query: Self.settingsSQL, parameterTypes: [25])).write(into: &buffer)
        FrontendMessage.bind(Bind(parameters: [Self.text("\(timeout)")])).write(into: &buffer)
        FrontendMessage.execute(Execute(portal: "", maxRows: 0)).write(into: &buffer)
        let (types, values) = Self.parameters(query.parameters)
        FrontendMessage.parse(Parse(name: "", query: query.sql, parameterTypes: types)).write(into: &buffer)
        FrontendMessage.bind(Bind(parameters: values)).write(into: &buffer)
        FrontendMessage.describe(Describe(kind: .portal, name: "")).write(into: &buffer)
        // One row more than kept: exactly `maxRows` rows is not truncated,
        // and the server still stops producing right after the limit.
        FrontendMessage.execute(Execute(portal: "", maxRows: Int32(clamping: max(0, query.maxRows) + 1))).write(into: &buffer)
        FrontendMessage.sync.write(into: &buffer)
        // The unnamed statement is ours now: a wire client that bound its own
        // on this connection must parse it again.
        connection.unnamedOwner = nil

        let margin = Self.watchdogMargin
        watchdog = pool.eventLoop.assumeIsolated().scheduleTask(in: .milliseconds(Int64(timeout)) + margin) { [self] in
            watchdog = nil
            if let action = machine?.timerFired() { perform(action) }
        }
        started = .now()
        connection.write(buffer)
        connection.flush()
    }

    private func perform(_ action: WorkspaceQueryMachine.Action) {
        guard let connection else { return }
        switch action {
        case .refuseCopyIn:
            var buffer = ByteBufferAllocator().buffer(capacity: 64)
            FrontendMessage.copyFail(message: "COPY FROM STDIN is not supported here").write(into: &buffer)
            FrontendMessage.sync.write(into: &buffer)
            connection.write(buffer)
            connection.flush()
        case .lookUpTypes(let oids):
            markElapsed()
            var buffer = ByteBufferAllocator().buffer(capacity: 192)
            let array = "{" + oids.map { String($0) }.joined(separator: ",") + "}"
            FrontendMessage.parse(Parse(name: "", query: WorkspaceQueryMachine.typeLookupSQL, parameterTypes: [1028])).write(into: &buffer)
            FrontendMessage.bind(Bind(parameters: [Self.text(array)])).write(into: &buffer)
            FrontendMessage.execute(Execute(portal: "", maxRows: 0)).write(into: &buffer)
            FrontendMessage.sync.write(into: &buffer)
            connection.write(buffer)
            connection.flush()
        case .finish(let result, let release):
            markElapsed()
            watchdog?.cancel()
            watchdog = nil
            self.connection = nil
            switch release {
            case .reuse(let cleanup):
                if case .forwardChangingSession(let clears, _, _) = decision {
                    // Cleaned with RESET ALL below; DISCARD/DEALLOCATE may have dropped statements.
                    connection.appliedSettings = [:]
                    if clears { connection.forgetSessionState() }
                }
                pool.release(connection, reusable: true, cleanup: cleanup)
            case .close:
                pool.release(connection, reusable: false)
            case .none:
                // Closed: the pool already took it back.
                connection.detach()
            }
            switch result {
            case .success(var answer):
                answer.elapsedMilliseconds = elapsed ?? 0
                finish(.success(answer))
            case .failure(let failure):
                finish(.failure(failure))
            }
        }
    }

    private func markElapsed() {
        guard elapsed == nil, let started else { return }
        elapsed = Double((NIODeadline.now() - started).nanoseconds) / 1_000_000
    }

    private func finish(_ result: Result<QueryResult, WorkspaceQueryFailure>) {
        keepAlive = nil
        guard let completion else { return }
        self.completion = nil
        completion(result)
    }

    // MARK: UpstreamConnectionDelegate

    func upstream(_ connection: UpstreamConnection, received frame: Frame, raw: ByteBuffer) {
        guard connection === self.connection, let action = machine?.frameReceived(frame) else { return }
        perform(action)
    }

    func upstreamReadComplete(_ connection: UpstreamConnection) {}

    func upstreamClosed(_ connection: UpstreamConnection) {
        guard connection === self.connection, let action = machine?.connectionClosed() else { return }
        perform(action)
    }

    /// The batch is small and answers are consumed as they come (only kept
    /// rows are held, within the byte limit): nothing to throttle.
    func upstreamWritabilityChanged(_ connection: UpstreamConnection, writable: Bool) {}

    // MARK: Encoding

    /// `statement_timeout` in milliseconds, at least 1 (0 would mean none).
    static func milliseconds(_ duration: Duration) -> Int {
        let (seconds, attoseconds) = duration.components
        guard seconds >= 0 else { return 1 }
        let milliseconds = seconds.multipliedReportingOverflow(by: 1000)
        guard !milliseconds.overflow else { return Int(Int32.max) }
        let total = milliseconds.partialValue.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        guard !total.overflow else { return Int(Int32.max) }
        return Int(min(max(total.partialValue, 1), Int64(Int32.max)))
    }

    /// The parameter type OIDs and text-format values of `parameters`.
    ///
    /// A string goes unspecified (OID 0), as a quoted literal would: the
    /// server types it from its use, so `uuid_column = :id` or
    /// `created_at > :since` work, where `text` has no such operator.
    /// Numbers and booleans carry their type (`LIMIT :n`, `:a + :b`).
    static func parameters(_ parameters: [QueryParameter]) -> (types: [UInt32], values: [ByteBuffer?]) {
        var types: [UInt32] = []
        var values: [ByteBuffer?] = []
        for parameter in parameters {
            switch parameter {
            case .string(let value):
                types.append(0)
                values.append(text(value))
            case .integer(let value):
                types.append(20)
                values.append(text(String(value)))
            case .number(let value):
                types.append(1700)
                values.append(text(value))
            case .boolean(let value):
                types.append(16)
                values.append(text(value ? "true" : "false"))
            case .null:
                types.append(0)
                values.append(nil)
            }
        }
        return (types, values)
    }

    private static func text(_ value: String) -> ByteBuffer {
        ByteBuffer(string: value)
    }
}
