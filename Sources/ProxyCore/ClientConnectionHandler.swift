import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import PGSession
import PGWire
import SQLPolicy
import SluiceModel

/// One client connection to the proxy, from its first byte to its close.
///
/// Startup and authentication are decided by `ClientStartupMachine` (a value);
/// this handler performs its actions and, once the client is authenticated,
/// forwards messages both ways as raw frames. It decodes only what it must:
/// the envelope of each client message (for the gate and for `Terminate`)
/// and, from the server, `ReadyForQuery` and `ParameterStatus`.
final class ClientConnectionHandler: ChannelInboundHandler, UpstreamConnectionDelegate {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    /// What every session of one event loop shares: one object per loop,
    /// so a connection holds a pointer to it, not a copy (memory per idle client).
    final class Dependencies {
        let configuration: ProxyConfiguration
        let credentials: CredentialProvider
        let gate: StatementGate
        let pool: UpstreamPool
        let cancels: CancelRegistry
        let sessions: SessionRegistry
        let logger: Logger
        /// Nil when `cacheUnnamedStatements` is off.
        let unnamedStatements: UnnamedStatementCache?
        /// Transaction pooling: logins greeted without a server round trip.
        let greetings = GreetingCache()
        /// Storage the loop's sessions reuse for the tracker's completions of
        /// each server message (taken out while in use: a nested use allocates).
        var completionScratch: [ResponseTracker<FlowToken>.Completion] = []

        init(
            configuration: ProxyConfiguration, credentials: CredentialProvider, gate: StatementGate,
            pool: UpstreamPool, cancels: CancelRegistry, sessions: SessionRegistry, logger: Logger
        ) {
            self.configuration = configuration
            self.credentials = credentials
            self.gate = gate
            self.pool = pool
            self.cancels = cancels
            self.sessions = sessions
            self.logger = logger
            self.unnamedStatements = configuration.cacheUnnamedStatements ? UnnamedStatementCache() : nil
        }
    }

    private let deps: Dependencies
    private var machine: ClientStartupMachine
    private var context: ChannelHandlerContext?
    private var cumulation: ByteBuffer?
    private var stitcher: FrameStitcher
    /// Messages for the client written but not yet handed to the channel (joined when adjacent).
    private var outbound = WriteRun()
    private var closing = false

    // Authentication
    private var credential: ProxyCredential?
    private var authTimer: Scheduled<Void>?
    private var partialTimer: Scheduled<Void>?
    private var lastProgress = NIODeadline.now()

    // Message phase
    private var user: ClientUser?
    private var mode: PoolMode = .session
    private var upstream: UpstreamConnection?
    /// The request id of a lease in flight (its pool key follows from `credential`).
    private var pendingLease: Int?
    private var proxyKey: BackendKeyData?
    /// Every message sent to the server and what it still owes, in order.
    private var tracker = ResponseTracker<FlowToken>()
    /// Extended-protocol messages sent since the last Sync: a batch is open.
    private var batchOpen = false
    /// Transaction pooling: client messages waiting for a server connection.
    private var queue = LeaseQueue()
    /// Inside `channelRead`: frames written now are flushed by `channelReadComplete`.
    private var reading = false
    /// The error of the client Query now at the head, if one came (for DISCARD ALL bookkeeping).
    private var headQueryFailed = false
    /// Transaction pooling: the client's session settings, to read back and replay.
    private var session = ClientSessionSettings()
    /// Transaction pooling: the client's prepared statements as it sees them.
    private var book = ClientStatementBook()
    private var idleInTransactionTimer: Scheduled<Void>?
    /// Transaction pooling: the extended-protocol messages of the batch being
    /// sent and of batches awaiting their ReadyForQuery, kept (as slices) so a
    /// Bind that fails with "cached plan must not change result type" after DDL
    /// can be re-prepared and retried once, transparently, when that is safe.
    private var batchLog: [(frame: Frame, raw: ByteBuffer)] = []
    private var batchSequence = 0
    private var batchStartedIdle = true
    /// The open batch began with every earlier one answered, outside a failed
    /// transaction: the server takes any Parse in it (until one of its own
    /// messages fails, after which it skips the rest).
    private var batchStartedHealthy = true
    /// Whether the client bound its unnamed portal since its last simple Query.
    private var unnamedPortal = UnnamedPortal()
    /// Session pooling: startup settings to give back when the transaction ends.
    private var restoreAtTransactionEnd = false
    /// The Bind being handled names the unnamed portal.
    private var bindingUnnamedPortal = false
    private var loggedBatches: [Int: (frames: [(frame: Frame, raw: ByteBuffer)], startedIdle: Bool)] = [:]
    private var retriedBatches: Set<Int> = []
    private var replaying = false
    private var swallowSyncAnswers = 0
    /// The upstream reported a forbidden setting: never pool it again.
    private var upstreamTainted = false
    private var transactionStatus = UInt8(ascii: "I")
    private var sessionID: Int?
    private var serverEndedSession = false
    /// Denial reasons in the order they are reported (`DenialReason` is
    /// declared in policy.md's order of precedence).
    private static let denialPrecedence = DenialReason.allCases.map(\.rawValue)
    /// Every message type a client may send after startup (protocol 3.0).
    private static let frontendMessageTypes: Set<UInt8> = Set("BCdcfDEHFPQSX".utf8)
    private var metrics: ProxyMetrics { ProxyMetrics.shared }

    init(dependencies: Dependencies) {
        self.deps = dependencies
        self.stitcher = FrameStitcher(maxLength: dependencies.configuration.maxMessageLength)
        self.machine = ClientStartupMachine(configuration: .init(
            tlsAvailable: dependencies.configuration.tls != nil,
            // Required without a certificate (refused by the configuration): fail closed.
            tlsRequired: dependencies.configuration.tlsRequired
        ))
    }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        metrics.clientConnectionsTotal.increment()
        metrics.clientConnectionsOpen.increment()
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        sessionID = deps.sessions.add(eventLoop: context.eventLoop) { bound.value.shutdownNow() }
        authTimer = context.eventLoop.assumeIsolated().scheduleTask(in: deps.configuration.authTimeout) { [self] in
            guard !machine.isReady, !closing else { return }
            fatal(.make(severity: "FATAL", sqlState: "08P01", message: "authentication timed out"))
        }
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        metrics.clientConnectionsOpen.decrement()
        authTimer?.cancel()
        partialTimer?.cancel()
        if let proxyKey { deps.cancels.unregister(processID: proxyKey.processID) }
        if let sessionID { deps.sessions.remove(sessionID) }
        if let request = pendingLease, let credential {
            pendingLease = nil
            deps.pool.cancelLease(key: UpstreamPool.key(for: credential), request: request)
        }
        releaseUpstream()
        closing = true
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if closing { return }
        if machine.isReady {
            // Message phase: frames are slices of the read; no copy but a cut frame's own bytes.
            if let leftover = cumulation {
                cumulation = nil
                stitcher.prepend(leftover)
            }
            reading = true
            defer { reading = false }
            do {
                try stitcher.feed(&incoming) { frame, raw in
                    handleMessage(frame: frame, raw: raw)
                    return !closing
                }
            } catch {
                metrics.protocolErrors.increment()
                fatal(.make(severity: "FATAL", sqlState: error.sqlState, message: error.description))
                return
            }
            if stitcher.pendingBytes > 0 && !closing {
                lastProgress = .now()
                armPartialTimer()
            }
            return
        }
        if var existing = cumulation, existing.readableBytes > 0 {
            existing.writeBuffer(&incoming)
            incoming = existing
        }
        cumulation = nil
        do {
            while !closing {
                if machine.expectsStartupPacket {
                    guard let packet = try StartupPacket.decode(from: &incoming) else { break }
                    handleStartupPacket(packet, remaining: incoming.readableBytes)
                } else if machine.isReady {
                    guard let (frame, raw) = try Frame.decodeRaw(from: &incoming, maxLength: deps.configuration.maxMessageLength) else { break }
                    handleMessage(frame: frame, raw: raw)
                } else {
                    guard let frame = try Frame.decode(from: &incoming, maxLength: PGWireLimits.maxStartupPacketLength) else { break }
                    handleAuthenticationMessage(frame)
                }
            }
        } catch {
            metrics.protocolErrors.increment()
            fatal(.make(severity: "FATAL", sqlState: error.sqlState, message: error.description))
            return
        }
        if incoming.readableBytes > 0 && !closing {
            cumulation = incoming.slice()
            lastProgress = .now()
            armPartialTimer()
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        upstream?.flush()
        context.fireChannelReadComplete()
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        // Backpressure: stop reading from the server while the client cannot keep up.
        upstream?.setAutoRead(context.channel.isWritable)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            perform(machine.tlsEstablished(channelBinding: deps.configuration.tls?.channelBinding))
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        deps.logger.debug("client connection error", metadata: ["error": "\(error)"])
        closing = true
        context.close(promise: nil)
    }

    // MARK: Startup phase

    private func handleStartupPacket(_ packet: StartupPacket, remaining: Int) {
        if case .sslRequest = packet, remaining > 0, deps.configuration.tls != nil {
            // Bytes sent after SSLRequest before our answer would be read as
            // plaintext in the TLS session: refuse them (CVE-2021-23214 class).
            fatal(.make(severity: "FATAL", sqlState: "08P01", message: "received unencrypted data after SSL request"))
            return
        }
        perform(machine.packetReceived(packet))
    }

    private func handleAuthenticationMessage(_ frame: Frame) {
        guard frame.id == UInt8(ascii: "p"), let phase = machine.expectsPasswordMessage else {
            if frame.id == UInt8(ascii: "X") { closeQuietly(); return }
            perform(machine.protocolViolation("expected SASL response, got message type \(Self.printable(frame.id))"))
            return
        }
        do {
            switch phase {
            case .saslInitial:
                guard case .saslInitialResponse(let mechanism, let data) = try FrontendMessage(frame: frame, passwordContext: .saslInitial) else {
                    perform(machine.protocolViolation("expected SASL initial response"))
                    return
                }
                perform(machine.saslInitialReceived(mechanism: mechanism, data: data.map { Array($0.readableBytesView) } ?? []))
            case .sasl:
                guard case .saslResponse(let data) = try FrontendMessage(frame: frame, passwordContext: .sasl) else {
                    perform(machine.protocolViolation("expected SASL response"))
                    return
                }
                perform(machine.saslResponseReceived(data: Array(data.readableBytesView)))
            }
        } catch {
            fatal(.make(severity: "FATAL", sqlState: "08P01", message: error.description))
        }
    }

    private func perform(_ actions: [ClientStartupMachine.Action]) {
        guard let context else { return }
        // Consecutive messages (the greeting is a dozen ParameterStatus, then
        // BackendKeyData and ReadyForQuery) go out in one buffer and one write.
        var out: ByteBuffer?
        func flushOut() {
            guard let buffer = out else { return }
            out = nil
            outbound.drain(to: context)
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        }
        defer { flushOut() }
        for action in actions where !closing {
            switch action {
            case .sendByte(let byte):
                var buffer = out ?? context.channel.allocator.buffer(capacity: 1)
                out = nil  // unique, so writing does not copy
                buffer.writeInteger(byte)
                out = buffer
            case .startTLS:
                guard let tls = deps.configuration.tls else { continue }
                // The 'S' answer leaves in plain text, before the TLS handler is in place.
                flushOut()
                do {
                    try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context), position: .first)
                } catch {
                    fatal(.make(severity: "FATAL", sqlState: "08P01", message: "could not start TLS"))
                }
            case .send(let message):
                var buffer = out ?? context.channel.allocator.buffer(capacity: 256)
                out = nil
                message.write(into: &buffer)
                out = buffer
            case .cancel(let request):
                metrics.cancelRequests.increment()
                switch deps.cancels.route(request) {
                case .local:
                    deps.cancels.cancel(request)
                case .peer(let peer):
                    CancelForwarder.forward(request, to: peer, on: context.eventLoop, logger: deps.logger)
                case .unknown(let instance):
                    // No address for that number: dropped, as a wrong key is.
                    deps.logger.debug("cancel request for an unknown Sluice instance", metadata: ["instance": "\(instance)"])
                }
            case .fail(let fields):
                if fields.sqlState == "28P01" { metrics.authFailures.increment() }
                flushOut()
                fatal(fields)
            case .close:
                flushOut()
                closeQuietly()
            case .resolveCredentials(let user, _):
                // These may answer the client at once: what is queued goes first.
                flushOut()
                resolve(user: user)
            case .acquireUpstream(_, let parameters):
                flushOut()
                acquireUpstream(parameters: parameters)
            }
        }
    }

    private func resolve(user: String) {
        guard let context else { return }
        if let cached = deps.credentials.cachedCredential(forUser: user) {
            // Answered a moment ago: no hop to a task and back to this loop.
            credentialResolved(cached, user: user)
            return
        }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let provider = deps.credentials
        let loop = context.eventLoop
        Task {
            let credential = await provider.credential(forUser: user)
            loop.execute { bound.value.credentialResolved(credential, user: user) }
        }
    }

    private func credentialResolved(_ lookup: CredentialLookup, user: String) {
        guard !closing else { return }
        let credential: ProxyCredential?
        switch lookup {
        case .found(let found): credential = found
        case .notFound: credential = nil
        case .unavailable(let reason):
            deps.logger.warning("credential lookup failed", metadata: ["error": "\(reason)"])
            fatal(.make(severity: "FATAL", sqlState: "08006", message: "authentication is temporarily unavailable: the control store cannot be reached",
                        hint: "Retry shortly."))
            return
        }
        self.credential = credential
        var generator = SystemRandomNumberGenerator()
        let nonce = SCRAMPrimitives.makeNonce(using: &generator)
        if let credential {
            perform(machine.credentialsResolved(verifier: credential.verifier, userIsReal: true, serverNonce: nonce))
        } else {
            let decoy = SCRAMVerifier.decoy(user: user, secret: deps.configuration.decoySecret)
            perform(machine.credentialsResolved(verifier: decoy, userIsReal: false, serverNonce: nonce,
                                                failureHint: Self.malformedUserHint(user)))
        }
    }

    /// Why a user name cannot be anyone's (pitfalls.md: say which part of
    /// `customer.<workspace>` is malformed), for the hint of its login failure.
    /// The text alone is wrong, so saying how reveals nothing about which
    /// workspaces exist; the exchange and the 28P01 stay those of an unknown
    /// workspace or role and of a wrong password (operations.md), and an
    /// unknown role, which operations.md names among those, gets no hint.
    static func malformedUserHint(_ user: String) -> String? {
        guard case .failure(let problem) = ClientUser.parse(user) else { return nil }
        switch problem {
        case .missingDot, .malformedWorkspace:
            return "\(problem) (connect as customer.<workspace> or runtime.<workspace>, as the revealed URI says)"
        case .unknownRole:
            return nil
        }
    }

    private func acquireUpstream(parameters: StartupParameters) {
        guard let credential else {
            fatal(ClientStartupMachine.passwordFailed(user: parameters.user))
            return
        }
        self.user = credential.user
        self.session = ClientSessionSettings(startup: parameters.settings)
        if parameters.database != "customer_db" {
            // policy.md: the startup message is judged, and `database` must be
            // `customer_db` (left out, it would default to the user name, as
            // in PostgreSQL): the policy's denial (reason other), and a detail.
            let named = parameters.database.map { "database \"\($0)\" is not served here" } ?? "no database was named"
            fatal(.make(severity: "FATAL", sqlState: Denial.other.sqlState, message: Denial.other.message,
                        detail: "\(named); workspace databases are reached as customer_db.", hint: Denial.other.hint))
            return
        }
        switch parameters.proxyOptions["sluice.pooling"] {
        // A pooled URI carries no switch: transaction pooling is the default.
        case "session": mode = .session
        case nil, "transaction": mode = .transaction
        case .some(let other):
            fatal(.make(severity: "FATAL", sqlState: "22023", message: "invalid value for sluice.pooling: \"\(other)\"",
                        hint: "Use session or transaction."))
            return
        }
        var judged: [(String, String)] = parameters.settings.map { ($0.name, $0.value) }
        if let replication = parameters.replication { judged.append(("replication", replication)) }
        if let options = parameters.rejectedOptions { judged.append(("options", options)) }
        // policy.md: the reason reported is the first that applies of syntax,
        // search_path, write, other, whatever order the parameters came in.
        var denial: (fields: ErrorFields, rank: Int)?
        for (name, value) in judged {
            if case .deny(let fields, let reason) = deps.gate.judgeStartupParameter(name: name, value: value, user: credential.user, mode: mode) {
                let rank = Self.denialPrecedence.firstIndex(of: reason) ?? Self.denialPrecedence.count
                if rank < denial?.rank ?? Int.max { denial = (fields, rank) }
            }
        }
        if var fields = denial?.fields {
            fields.setSeverity("FATAL")
            fatal(fields)
            return
        }
        let greetingKey = mode == .transaction ? GreetingCache.Key(credential: credential, settings: parameters.settings) : nil
        if let greetingKey, deps.pool.hasOpenConnection(for: credential),
           let parameterStatus = deps.greetings.greeting(for: greetingKey, now: .now()) {
            // The same login succeeded a moment ago and the server is reachable
            // (a down server is reported at login, 08006): no server connection needed now.
            if let denied = deniedParameterStatus(parameterStatus, user: credential.user) {
                fatal(denied)
                return
            }
            completeLogin(parameterStatus: parameterStatus)
            return
        }
        var answered = false
        let lease = deps.pool.lease(credential) { [self] result in
            answered = true
            pendingLease = nil
            switch result {
            case .success(let connection):
                if closing {
                    deps.pool.release(connection, reusable: true)
                    return
                }
                prepare(connection, greetingKey: greetingKey)
            case .failure(let error):
                deps.logger.warning("no server connection for client", metadata: ["user": "\(credential.user)", "error": "\(error)"])
                perform(machine.upstreamFailed(leaseFailure(error, user: credential.user)))
            }
        }
        if !answered { pendingLease = lease.1 }
    }

    /// Applies the client's startup settings on the server connection, then
    /// greets the client (and, under transaction pooling, remembers the greeting).
    private func prepare(_ connection: UpstreamConnection, greetingKey: GreetingCache.Key?) {
        let greet = { [self] in
            guard !closing, context != nil else {
                deps.pool.release(connection, reusable: true)
                return
            }
            if let user, let denied = deniedParameterStatus(connection.parameterStatus, user: user) {
                deps.pool.release(connection, reusable: false)
                fatal(denied)
                return
            }
            connection.appliedSettings = session.values
            attach(connection)
            if let greetingKey { deps.greetings.record(connection.parameterStatus, for: greetingKey, now: .now()) }
            completeLogin(parameterStatus: connection.parameterStatus)
        }
        var commands: [String] = []
        // Settings another client left (transaction pooling) go first.
        if !connection.appliedSettings.isEmpty { commands.append("RESET ALL") }
        // Raw values, as PostgreSQL applies startup parameters (see `ClientSessionSettings.setConfig`).
        if let startup = session.commands(from: [:]) { commands.append(startup) }
        guard !commands.isEmpty else {
            greet()
            return
        }
        connection.runInternal(commands.joined(separator: "; ")) { [self] result in
            switch result {
            case .success:
                greet()
            case .failure(let error):
                connection.appliedSettings = [:]
                deps.pool.release(connection, reusable: true)
                if let greetingKey { deps.greetings.forget(greetingKey) }
                if case .server(var fields) = error {
                    fields.setSeverity("FATAL")
                    perform(machine.upstreamFailed(fields))
                } else {
                    perform(machine.upstreamFailed(.make(severity: "FATAL", sqlState: "08006", message: "upstream server unavailable: \(error)")))
                }
            }
        }
    }

    private func deniedParameterStatus(_ parameterStatus: [(name: String, value: String)], user: ClientUser) -> ErrorFields? {
        parameterStatus.lazy.compactMap { status -> ErrorFields? in
            if case .deny(let fields, _) = self.deps.gate.judgeParameterStatus(name: status.name, value: status.value, user: user) { return fields }
            return nil
        }.first
    }

    /// The session is established: a cancel key, the greeting, and (transaction
    /// pooling) the server connection, if any, goes back until the first statement.
    private func completeLogin(parameterStatus: [(name: String, value: String)]) {
        guard !closing, let context else { return }
        let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
        let loop = context.eventLoop
        let key = deps.cancels.register { loop.execute { bound.value.cancelRequested() } }
        proxyKey = key
        if let sessionID, let user {
            deps.sessions.authenticated(sessionID, user: user) { message in
                loop.execute { bound.value.fatal(.make(severity: "FATAL", sqlState: "57P01", message: message)) }
            }
        }
        authTimer?.cancel()
        authTimer = nil
        perform(machine.upstreamReady(parameterStatus: parameterStatus, backendKey: key))
        releaseIfIdle()
    }

    // MARK: Message phase

    private func handleMessage(frame: Frame, raw: ByteBuffer) {
        let id = frame.id
        if id == UInt8(ascii: "X") {
            closeQuietly()
            return
        }
        guard Self.frontendMessageTypes.contains(id) else {
            metrics.protocolErrors.increment()
            fatal(.make(severity: "FATAL", sqlState: "08P01", message: "invalid frontend message type \(id)"))
            return
        }
        idleInTransactionTimer?.cancel()
        idleInTransactionTimer = nil
        switch queue.arrived(frame, raw: raw, attached: upstream != nil) {
        case .process:
            if let upstream { process(frame: frame, raw: raw, on: upstream) }
        case .requestLease:
            // Transaction pooling: held until a server connection is ours.
            requestLease()
        case .pauseReading:
            _ = context?.channel.setOption(ChannelOptions.autoRead, value: false)
        case .held, .skip:
            break
        case .answerReady:
            send(.readyForQuery(TransactionStatus(rawValue: transactionStatus) ?? .idle))
            flushClient()
        }
    }

    /// One client message on the attached server connection.
    private func process(frame: Frame, raw: ByteBuffer, on upstream: UpstreamConnection) {
        guard let user else { return }
        let pooled = mode == .transaction
        if !replaying, dependsOnEarlierBatch(frame) {
            // What it names exists or not depending on an answer still to come.
            queue.waitForAnswers(frame, raw: raw)
            return
        }
        if pooled && !replaying && Self.extendedMessageTypes.contains(frame.id) {
            if batchLog.isEmpty {
                batchStartedIdle = transactionStatus == UInt8(ascii: "I") && tracker.isIdle
                batchStartedHealthy = tracker.isIdle && transactionStatus != UInt8(ascii: "E")
            }
            batchLog.append((frame, raw))
        }
        switch frame.id {
        case UInt8(ascii: "Q"):
            var payload = frame.payload
            guard let sql = payload.pgReadCString(), payload.readableBytes == 0 else {
                fatal(.make(severity: "FATAL", sqlState: "08P01", message: "invalid Query message"))
                return
            }
            // A simple Query drops the unnamed statement, answered or refused alike,
            // and runs in the unnamed portal.
            if pooled { book.simpleQuery() }
            unnamedPortal.simpleQuery()
            var token = FlowToken()
            var restore: String?
            switch deps.gate.judge(sql: sql, user: user, mode: mode) {
            case .deny(let fields, _):
                poison(.query(Self.poisonText), kind: .query, error: fields, on: upstream)
                return
            case .deallocate(let name, let denial):
                deallocate(name, denial: denial, frame: frame, raw: raw, on: upstream)
                return
            case .forwardChangingSession(let clears, let custom, let resets):
                if let refusal = session.willChange(customNames: custom) {
                    poison(.query(Self.poisonText), kind: .query, error: refusal, on: upstream)
                    return
                }
                if resets {
                    session.mayReset()
                    restore = session.restoreStatement()
                }
                token.changesSession = true
                token.clearsStatements = clears
            case .forward:
                break
            }
            // A simple Query destroys the unnamed statement.
            upstream.unnamedOwner = nil
            upstream.write(raw)
            tracker.sent(.query, origin: .client, token: token)
            if let restore {
                // Startup settings the Query may have reset come back at once, in its
                // transaction (a block's next statements see them, as on a direct
                // connection; a failed block refuses it, and a rolled-back reset leaves
                // nothing to give back). Its ParameterStatus is the client's.
                var follow = FlowToken()
                follow.reportsSettings = true
                sendProxy(.query(restore), kind: .query, token: follow, on: upstream)
            }
        case UInt8(ascii: "P"):
            let parse: Parse
            do {
                guard case .parse(let decoded) = try FrontendMessage(frame: frame) else { return }
                parse = decoded
            } catch {
                fatal(.make(severity: "FATAL", sqlState: "08P01", message: error.description))
                return
            }
            batchOpen = true
            var changes = false
            var clears = false
            switch deps.gate.judge(sql: parse.query, user: user, mode: mode) {
            case .deallocate(let target, let fields):
                guard pooled, book.has(target), parse.name.isEmpty || !book.has(parse.name) else {
                    refuse(parse, error: fields, pooled: pooled, on: upstream)
                    return
                }
                // `DEALLOCATE name` of one of the client's protocol-level
                // statements: a statement the proxy answers itself (see
                // `ClientStatementBook.deallocation(of:)`); nothing reaches the server.
                var statement = ClientStatement(parse: parse)
                statement.deallocates = target
                var token = FlowToken()
                if parse.name.isEmpty {
                    token.unnamedSequence = book.parsedUnnamed(parse, shared: statement, batch: batchSequence)
                } else {
                    token.statementID = book.add(statement, as: parse.name, batch: batchSequence)
                    token.clientStatement = parse.name
                }
                token.emit = .parseComplete
                synthesize(.parse, token: token)
                return
            case .deny(let fields, _):
                // The server fails a stand-in Parse itself, so it skips to Sync and
                // rolls back the batch's implicit transaction exactly as on any error.
                refuse(parse, error: fields, pooled: pooled, on: upstream)
                return
            case .forwardChangingSession(let clearsStatements, let custom, let resets):
                if let refusal = session.willChange(customNames: custom) {
                    refuse(parse, error: refusal, pooled: pooled, on: upstream)
                    return
                }
                if resets {
                    session.mayReset()
                    // Session pooling: given back when its transaction ends (see `restoreStartupSettings`).
                    if !pooled { restoreAtTransactionEnd = true }
                }
                changes = true
                clears = clearsStatements
            case .forward:
                break
            }
            if changes { session.changed() }
            guard pooled else {
                upstream.write(raw)
                tracker.sent(.parse, origin: .client, token: FlowToken())
                return
            }
            if parse.name.isEmpty {
                // Shared only where a retry after DDL is always possible: a batch
                // of its own implicit transaction, nothing executed before it.
                if batchStartedIdle, !replaying, !batchLog.contains(where: { $0.frame.id == UInt8(ascii: "E") }),
                   var shared = deps.unnamedStatements?.promotion(for: parse) {
                    shared.clearsStatements = clears
                    shared.changesSession = changes
                    var token = FlowToken()
                    token.unnamedSequence = book.parsedUnnamed(parse, shared: shared, batch: batchSequence, clearsStatements: clears,
                                                               changesSession: changes)
                    prepareForClient(shared, token: token, on: upstream)
                    return
                }
                let sequence = book.parsedUnnamed(parse, shared: nil, batch: batchSequence, clearsStatements: clears,
                                                  changesSession: changes)
                upstream.unnamedOwner = (ObjectIdentifier(self), sequence)
                upstream.unnamedOwnerUnconfirmedBatch = batchSequence
                upstream.write(raw)
                var token = FlowToken()
                token.unnamedSequence = sequence
                token.serverUnnamed = sequence
                tracker.sent(.parse, origin: .client, token: token)
                return
            }
            if book.has(parse.name) {
                parseUnderTakenName(parse, on: upstream)
                return
            }
            let configuration = deps.configuration
            guard book.fits(parse, limit: configuration.maxClientStatements, byteLimit: configuration.maxClientStatementBytes) else {
                poison(.parse(Self.poisonParse), kind: .parse, error: .make(
                    severity: "ERROR", sqlState: "54000",
                    message: "too many prepared statements for one client (at most \(configuration.maxClientStatements), "
                        + "\(configuration.maxClientStatementBytes >> 20) MiB of text)",
                    hint: "Close or DEALLOCATE statements the client no longer uses."
                ), on: upstream)
                return
            }
            var statement = ClientStatement(parse: parse)
            statement.clearsStatements = clears
            statement.changesSession = changes
            var token = FlowToken()
            token.statementID = book.add(statement, as: parse.name, batch: batchSequence)
            token.clientStatement = parse.name
            prepareForClient(statement, token: token, on: upstream)
        case UInt8(ascii: "B"):
            batchOpen = true
            // The portal's name comes first: empty, the unnamed portal.
            bindingUnnamedPortal = frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt8.self) == 0
            guard pooled else {
                upstream.write(raw)
                sentBind(FlowToken())
                return
            }
            var payload = frame.payload
            guard let portal = payload.pgReadCString(), let name = payload.pgReadCString() else {
                fatal(.make(severity: "FATAL", sqlState: "08P01", message: "invalid Bind message"))
                return
            }
            let target = book.target(ofStatement: name, batch: batchSequence)
            switch target {
            case .shared(let statement, _) where statement.changesSession:
                // Run again in a later transaction: read the settings back after it too.
                session.changed()
            case .serverUnnamed where book.unnamed?.changesSession == true:
                session.changed()
            default:
                break
            }
            if book.bound(portal: portal, to: target) != nil {
                // A proxy-answered DEALLOCATE.
                var token = FlowToken()
                token.emit = .bindComplete
                if bindingUnnamedPortal { token.unnamedPortalTicket = unnamedPortal.bindSent(batch: batchSequence) }
                synthesize(.bind, token: token)
                return
            }
            switch target {
            case .missing(let error):
                poison(.parse(Self.poisonParse), kind: .parse, error: error, on: upstream)
            case .serverUnnamed:
                ensureUnnamed(on: upstream)
                upstream.write(raw)
                sentBind(FlowToken())
            case .shared(let statement, let parsedInBatch):
                bindShared(statement, named: name, portal: portal, parameters: payload, parsedInBatch: parsedInBatch, on: upstream)
            }
        case UInt8(ascii: "D"):
            batchOpen = true
            var payload = frame.payload
            guard let kind = payload.readInteger(as: UInt8.self), let name = payload.pgReadCString() else {
                fatal(.make(severity: "FATAL", sqlState: "08P01", message: "invalid Describe message"))
                return
            }
            let isStatement = kind == UInt8(ascii: "S")
            if !isStatement, name.isEmpty, !unnamedPortal.mayUse(inBatch: batchSequence) {
                // What the server holds under that name is a simple Query's leftover
                // (see `UnnamedPortal`); the client has no unnamed portal.
                refuseUnboundUnnamedPortal(on: upstream)
                return
            }
            if pooled && isStatement {
                switch book.target(ofStatement: name, batch: batchSequence) {
                case .missing(let error):
                    poison(.parse(Self.poisonParse), kind: .parse, error: error, on: upstream)
                    return
                case .serverUnnamed:
                    ensureUnnamed(on: upstream)
                    upstream.write(raw)
                case .shared(let statement, _) where statement.deallocates != nil:
                    synthesizeDeallocateDescription(ofStatement: true)
                    return
                case .shared(let statement, _):
                    ensurePrepared(statement, on: upstream)
                    upstream.write(Self.encode(.describe(Describe(kind: .statement, name: statement.serverName))))
                }
            } else if pooled && book.deallocates(portal: name) {
                synthesizeDeallocateDescription(ofStatement: false)
                return
            } else {
                upstream.write(raw)
            }
            tracker.sent(isStatement ? .describeStatement : .describePortal, origin: .client, token: FlowToken())
        case UInt8(ascii: "E"):
            batchOpen = true
            var token = FlowToken()
            if pooled, book.inspectsExecute {
                // Rare: the portal's name is read only while such a portal is bound.
                var payload = frame.payload
                switch book.executed(portal: payload.pgReadCString() ?? "") {
                case .deallocateMissing(let target):
                    poison(.parse(Self.poisonParse), kind: .parse, error: .make(
                        severity: "ERROR", sqlState: "26000", message: "prepared statement \"\(target)\" does not exist"
                    ), on: upstream)
                    return
                case .deallocate(let target):
                    token.emit = .commandComplete("DEALLOCATE")
                    token.deallocates = target
                    synthesize(.execute, token: token)
                    return
                case .forward(let clears):
                    token.clearsStatements = clears
                }
            }
            if frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt8.self) == 0, !unnamedPortal.mayUse(inBatch: batchSequence) {
                // The client bound no unnamed portal since its last simple Query:
                // what the server has under that name is the Query's own, which a
                // failed utility statement in a transaction block leaves behind
                // with freed statements, and PostgreSQL 15 crashes running it.
                refuseUnboundUnnamedPortal(on: upstream)
                return
            }
            upstream.write(raw)
            tracker.sent(.execute, origin: .client, token: token)
        case UInt8(ascii: "C"):
            batchOpen = true
            var payload = frame.payload
            guard let kind = payload.readInteger(as: UInt8.self), let name = payload.pgReadCString() else {
                fatal(.make(severity: "FATAL", sqlState: "08P01", message: "invalid Close message"))
                return
            }
            if pooled && kind == UInt8(ascii: "S") {
                // The server-side statement is shared (or, unnamed, perhaps
                // another client's): only the client's own record goes.
                var token = FlowToken()
                token.closeSequence = book.close(name, batch: batchSequence)
                token.emit = .closeComplete
                synthesize(.close, token: token)
                return
            }
            upstream.write(raw)
            tracker.sent(.close, origin: .client, token: FlowToken())
        case UInt8(ascii: "S"):
            batchOpen = false
            upstream.write(raw)
            var token = FlowToken()
            if pooled && !replaying {
                loggedBatches[batchSequence] = (batchLog, batchStartedIdle)
                token.batch = batchSequence
                batchLog = []
            }
            if !replaying { batchSequence += 1 }
            tracker.sent(.sync, origin: .client, token: token)
        case UInt8(ascii: "F"):
            if case .deny(let fields, _) = deps.gate.judgeFunctionCall(user: user, mode: mode) {
                poison(.query(Self.poisonText), kind: .query, error: fields, on: upstream)
                return
            }
            upstream.write(raw)
            tracker.sent(.query, origin: .client, token: FlowToken())
        default:
            // Flush, CopyData, CopyDone, CopyFail: no answer of their own.
            upstream.write(raw)
        }
    }

    /// Messages of the extended protocol (a batch ends at Sync).
    static let extendedMessageTypes: Set<UInt8> = Set("PBDECHS".utf8)

    /// A Bind failed with 0A000 after DDL changed a statement's result type.
    /// Retried once when nothing of the batch reached the client and the
    /// batch ran in its own implicit transaction (nothing else was undone).
    private func retryAfterPlanChange(_ token: FlowToken, fields: ErrorFields, on upstream: UpstreamConnection) -> Bool {
        guard fields.sqlState == "0A000", let name = token.boundStatement, let batch = token.batch, let index = token.logIndex,
              !retriedBatches.contains(batch) else { return false }
        let open = batch == batchSequence
        // Whatever happens next, the old preparation is stale.
        upstream.prepared[name] = nil
        guard let logged = open ? (batchLog, batchStartedIdle) : loggedBatches[batch], logged.1,
              index < logged.0.count,
              !logged.0[..<index].contains(where: { $0.frame.id == UInt8(ascii: "E") }),
              // Only a client that asks for the row description again, or that
              // parsed the statement in this batch, can take rows of the new
              // shape; others (asyncpg) handle 0A000 themselves.
              token.parsedInBatch || logged.0[(index + 1)...].contains(where: { $0.frame.id == UInt8(ascii: "D") })
        else { return false }
        retriedBatches.insert(batch)
        replaying = true
        defer { replaying = false }
        if open {
            // The server skips until a Sync: give it one of ours, then replay.
            sendProxy(.sync, kind: .sync, on: upstream)
        } else {
            swallowSyncAnswers += 1
        }
        for (frame, raw) in logged.0[index...] {
            process(frame: frame, raw: raw, on: upstream)
        }
        upstream.flush()
        return true
    }

    /// The Describe of a proxy-answered DEALLOCATE: no parameters, no rows.
    private func synthesizeDeallocateDescription(ofStatement: Bool) {
        var token = FlowToken()
        if ofStatement {
            token.emit = .parameterDescription([])
            synthesize(.describeStatement, token: token)
        }
        token.emit = .noData
        synthesize(ofStatement ? .describeStatement : .describePortal, token: token)
    }

    /// Answers a client's Parse of a statement that is shared on the server:
    /// prepared there under its shared name if this connection lacks it (the
    /// server's ParseComplete is the client's), else answered by the proxy.
    private func prepareForClient(_ statement: ClientStatement, token: FlowToken, on upstream: UpstreamConnection) {
        guard upstream.holdsStatement(statement.serverName, batch: batchSequence) else {
            sendSharedParse(statement, origin: .client, token: token, on: upstream)
            return
        }
        guard batchStartedHealthy || replaying else {
            // In a failed transaction the server refuses the Parse (25P02) unless
            // it is COMMIT or ROLLBACK, and after an earlier batch still to be
            // answered the state is not known: it decides, under a name of the
            // proxy's own, closed again at once.
            sendProxy(.close(Close(kind: .statement, name: Self.checkName)), kind: .close, on: upstream)
            upstream.write(Self.encode(.parse(Parse(name: Self.checkName, query: statement.parse.query,
                                                    parameterTypes: statement.parse.parameterTypes))))
            tracker.sent(.parse, origin: .client, token: token)
            sendProxy(.close(Close(kind: .statement, name: Self.checkName)), kind: .close, on: upstream)
            return
        }
        // The client's own notes ride on the answer (a skipped answer forgets the name).
        var answer = token
        answer.emit = .parseComplete
        synthesize(.parse, token: answer)
    }

    /// A client's Bind of a shared statement: prepared on this connection first
    /// if needed, then the same message with the statement renamed (the
    /// parameters are copied as bytes, not decoded).
    private func bindShared(_ statement: ClientStatement, named clientName: String, portal: String, parameters: ByteBuffer, parsedInBatch: Bool,
                            on upstream: UpstreamConnection) {
        ensurePrepared(statement, on: upstream)
        var rewritten = ByteBufferAllocator().buffer(capacity: parameters.readableBytes + portal.utf8.count + 48)
        rewritten.writeInteger(UInt8(ascii: "B"))
        let lengthIndex = rewritten.writerIndex
        rewritten.writeInteger(Int32(0))
        rewritten.pgWriteCString(portal)
        rewritten.pgWriteCString(statement.serverName)
        rewritten.writeImmutableBuffer(parameters)
        rewritten.setInteger(Int32(rewritten.writerIndex - lengthIndex), at: lengthIndex)
        upstream.write(rewritten)
        var token = FlowToken()
        token.boundStatement = statement.serverName
        token.boundName = clientName
        token.parsedInBatch = parsedInBatch
        token.batch = batchSequence
        token.logIndex = batchLog.count - 1
        sentBind(token)
    }

    /// Text that fails in the server's parser, before anything runs.
    static let poisonText = "sluice_policy_denial !"
    /// A named stand-in, so a failing Parse never clobbers the unnamed statement.
    static let poisonName = "sluice_policy_denial"
    static let poisonParse = Parse(name: poisonName, query: poisonText, parameterTypes: [])

    static func encode(_ message: FrontendMessage) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        message.write(into: &buffer)
        return buffer
    }

    /// Sends a message the server rejects at parse time in place of a refused
    /// one, and remembers to answer its error with `error`.
    private func poison(_ message: FrontendMessage, kind: ResponseTracker<FlowToken>.Kind, error: ErrorFields,
                        on upstream: UpstreamConnection, token: FlowToken = FlowToken()) {
        if kind == .query { upstream.unnamedOwner = nil }
        upstream.write(Self.encode(message))
        var token = token
        token.denial = error
        tracker.sent(kind, origin: .client, token: token)
    }

    /// A client's Parse refused by the proxy. A failing Parse of the unnamed
    /// statement leaves the client none (the server drops it before parsing),
    /// unless an earlier error of the batch skips it; under transaction pooling
    /// the stand-in is named, so the server's own unnamed statement (perhaps
    /// another client's) stays and the client's record says none.
    private func refuse(_ parse: Parse, error: ErrorFields, pooled: Bool, on upstream: UpstreamConnection) {
        var token = FlowToken()
        var standIn = Self.poisonParse
        if parse.name.isEmpty {
            if pooled {
                token.unnamedSequence = book.parsedUnnamed(parse, shared: nil, batch: batchSequence)
            } else {
                // The connection is the client's alone: its unnamed statement goes as it would.
                standIn = Parse(name: "", query: Self.poisonText, parameterTypes: [])
            }
        }
        poison(.parse(standIn), kind: .parse, error: error, on: upstream, token: token)
    }

    private func sendProxy(_ message: FrontendMessage, kind: ResponseTracker<FlowToken>.Kind, token: FlowToken = FlowToken(), on upstream: UpstreamConnection) {
        // The proxy's own simple Query (settings, read-back) drops the server's unnamed statement too.
        if kind == .query { upstream.unnamedOwner = nil }
        upstream.write(Self.encode(message))
        tracker.sent(kind, origin: .proxy, token: token)
    }

    /// Prepares the client's statement on this connection under its shared
    /// name if it is not there yet (answers swallowed; an error is shown).
    private func ensurePrepared(_ statement: ClientStatement, on upstream: UpstreamConnection) {
        guard !upstream.holdsStatement(statement.serverName, batch: batchSequence) else { return }
        sendSharedParse(statement, origin: .proxy, token: FlowToken(), on: upstream)
    }

    /// Prepares a shared statement on this connection: `Close` first (harmless
    /// if absent, and safe if the server has it while we think not), then the
    /// `Parse` under the shared name, answered to `origin`.
    private func sendSharedParse(_ statement: ClientStatement, origin: ResponseTracker<FlowToken>.Origin, token: FlowToken,
                                 on upstream: UpstreamConnection) {
        evictIfNeeded(upstream)
        sendProxy(.close(Close(kind: .statement, name: statement.serverName)), kind: .close, on: upstream)
        upstream.preparing[statement.serverName] = batchSequence
        upstream.write(Self.encode(.parse(Parse(name: statement.serverName, query: statement.parse.query,
                                                parameterTypes: statement.parse.parameterTypes))))
        var token = token
        token.serverStatement = statement.serverName
        tracker.sent(.parse, origin: origin, token: token)
    }

    /// A client's `Parse` under a name it already has. The server parses and
    /// analyses the text, and refuses it in an aborted transaction, before it
    /// finds the name taken, so the server answers: the text goes under a name
    /// this connection holds (a shared statement of the proxy's own), and fails
    /// where and as the client's `Parse` would on a direct connection (42P05
    /// then names the client's statement).
    private func parseUnderTakenName(_ parse: Parse, on upstream: UpstreamConnection) {
        let taken = ClientStatement(parse: Self.takenNameParse)
        ensurePrepared(taken, on: upstream)
        upstream.write(Self.encode(.parse(Parse(name: taken.serverName, query: parse.query, parameterTypes: parse.parameterTypes))))
        var token = FlowToken()
        token.boundStatement = taken.serverName
        token.boundName = parse.name
        tracker.sent(.parse, origin: .client, token: token)
    }

    /// The name under which the server checks a Parse of a statement the connection holds.
    static let checkName = "sluice_check"
    /// The statement whose shared name `parseUnderTakenName` uses: a transaction-ending
    /// one, which the server prepares even in a failed transaction.
    static let takenNameParse = Parse(name: "", query: "ROLLBACK", parameterTypes: [])

    /// Replays the client's unnamed statement when this connection holds someone else's.
    private func ensureUnnamed(on upstream: UpstreamConnection) {
        guard let unnamed = book.unnamed else { return }
        if let owner = upstream.unnamedOwner, owner.client == ObjectIdentifier(self), owner.sequence == unnamed.sequence,
           upstream.unnamedOwnerUnconfirmedBatch.map({ $0 == batchSequence }) ?? true {
            return
        }
        var token = FlowToken()
        token.showsError = true
        token.serverUnnamed = unnamed.sequence
        sendProxy(.parse(unnamed.parse), kind: .parse, token: token, on: upstream)
        upstream.unnamedOwner = (ObjectIdentifier(self), unnamed.sequence)
        upstream.unnamedOwnerUnconfirmedBatch = batchSequence
    }

    /// Keeps each connection's statement cache bounded (least recently used go).
    private func evictIfNeeded(_ upstream: UpstreamConnection) {
        let limit = deps.configuration.maxPreparedStatementsPerConnection
        guard upstream.prepared.count >= limit else { return }
        let victims = upstream.prepared.sorted { $0.value < $1.value }.prefix(upstream.prepared.count - limit + 1)
        for (name, _) in victims {
            upstream.prepared[name] = nil
            sendProxy(.close(Close(kind: .statement, name: name)), kind: .close, on: upstream)
        }
    }

    // MARK: Transaction pooling: leases

    private func requestLease() {
        guard mode == .transaction, upstream == nil, let credential, context != nil else { return }
        var answered = false
        let lease = deps.pool.lease(credential) { [self] result in
            answered = true
            pendingLease = nil
            switch result {
            case .success(let connection):
                if closing {
                    deps.pool.release(connection, reusable: true, cleanup: nil)
                    return
                }
                attach(connection)
                applySettings(on: connection)
                let leased = queue.leased()
                // Through the queue again: one of them may have to wait for the
                // answers to the ones before it, and the rest then wait behind it.
                for (frame, raw) in leased.frames where !closing {
                    handleMessage(frame: frame, raw: raw)
                }
                // Inside a read, the rest of the read joins these frames and
                // channelReadComplete flushes them all in one write.
                if !reading { upstream?.flush() }
                if leased.resumeReading && !queue.readingPaused { resumeReading() }
                if leased.cancel { cancelRequested() }
            case .failure(let error):
                var fields = leaseFailure(error, user: credential.user)
                if case .waitTimeout = error, proxyKey != nil {
                    // Mid-session: an error for what was waiting, as the server would
                    // give one; the session goes on and its next message tries again.
                    fields.setSeverity("ERROR")
                    let failed = queue.leaseFailed(with: fields, status: TransactionStatus(rawValue: transactionStatus) ?? .idle)
                    failed.answers.forEach(send)
                    flushClient()
                    if failed.resumeReading { resumeReading() }
                } else {
                    fatal(fields)
                }
            }
        }
        // Served at once (an idle connection): nothing to wait for.
        if !answered { pendingLease = lease.1 }
    }

    private func resumeReading() {
        if let context { _ = context.channel.setOption(ChannelOptions.autoRead, value: context.channel.isWritable) }
    }

    private func leaseFailure(_ error: UpstreamPool.LeaseError, user: ClientUser) -> ErrorFields {
        switch error {
        case .waitTimeout(let waited, let cause):
            return .make(severity: "FATAL", sqlState: "53300",
                         message: "no server connection for \(user) became free within query_wait_timeout (\(waited))",
                         hint: cause.hint)
        case .pool(.waitTimeout(let waited)):
            return .make(severity: "FATAL", sqlState: "53300",
                         message: "no server connection for \(user) became free within query_wait_timeout (\(waited))")
        case .pool(.queueFull):
            return .make(severity: "FATAL", sqlState: "53300", message: "too many clients are waiting for a server connection for \(user)")
        default:
            return .make(severity: "FATAL", sqlState: "08006", message: "upstream server unavailable: \(error)",
                         hint: "The workspace database server could not be reached; retry shortly.")
        }
    }

    private func attach(_ connection: UpstreamConnection) {
        upstream = connection
        session.leaseStarted()
        connection.attach(self)
        if let context { connection.setAutoRead(context.channel.isWritable) }
        transactionStatus = UInt8(ascii: "I")
    }

    /// Makes the connection's session settings the client's, in one round trip.
    private func applySettings(on connection: UpstreamConnection) {
        guard let commands = session.commands(from: connection.appliedSettings) else { return }
        var token = FlowToken()
        token.restoreSettings = connection.appliedSettings
        connection.appliedSettings = session.values
        sendProxy(.query(commands), kind: .query, token: token, on: connection)
    }

    /// Session pooling, after a transaction in which an extended-protocol
    /// statement may have taken startup settings back to the server's
    /// default (a simple Query's are given back right after it): gives them
    /// back, with their `ParameterStatus` for the client. Through the
    /// extended protocol, under a statement and portal of the proxy's own:
    /// here the server's unnamed statement is the client's, and a simple
    /// Query would drop it. (Transaction pooling gives them back in the
    /// settings read-back instead.)
    private func restoreStartupSettings(on upstream: UpstreamConnection) {
        guard let restore = session.restoreStatement() else { return }
        var token = FlowToken()
        token.reportsSettings = true
        let name = Self.restoreName
        sendProxy(.close(Close(kind: .statement, name: name)), kind: .close, token: token, on: upstream)
        sendProxy(.parse(Parse(name: name, query: restore, parameterTypes: [])), kind: .parse, token: token, on: upstream)
        sendProxy(.bind(Bind(portal: name, statement: name)), kind: .bind, token: token, on: upstream)
        sendProxy(.execute(Execute(portal: name)), kind: .execute, token: token, on: upstream)
        sendProxy(.close(Close(kind: .statement, name: name)), kind: .close, token: token, on: upstream)
        sendProxy(.sync, kind: .sync, token: token, on: upstream)
        upstream.flush()
    }

    /// The statement and portal `restoreStartupSettings` uses.
    static let restoreName = "sluice_restore_settings"

    /// `DEALLOCATE name` in transaction pooling: the client's protocol-level
    /// statement lives under a shared name on the server, so the proxy
    /// forgets the client's name and answers as the server would
    /// (`CommandComplete DEALLOCATE`); a name that is not one of them is
    /// refused with the policy's denial, with the server's error semantics.
    /// Sent behind earlier messages, it waits for their answers first (one of
    /// them may be the statement's `Parse`, which may yet fail).
    private func deallocate(_ name: String, denial: ErrorFields, frame: Frame, raw: ByteBuffer, on upstream: UpstreamConnection) {
        guard mode == .transaction, book.has(name), !batchOpen else {
            poison(.query(Self.poisonText), kind: .query, error: denial, on: upstream)
            return
        }
        guard tracker.isIdle else {
            queue.waitForAnswers(frame, raw: raw)
            return
        }
        let status = TransactionStatus(rawValue: transactionStatus) ?? .idle
        if status == .failed {
            send(.errorResponse(.make(
                severity: "ERROR", sqlState: "25P02",
                message: "current transaction is aborted, commands ignored until end of transaction block"
            )))
        } else {
            book.remove(name)
            send(.commandComplete("DEALLOCATE"))
        }
        send(.readyForQuery(status))
        flushClient()
        releaseIfIdle()
    }

    /// Returns the server connection at a transaction boundary (transaction pooling).
    private func releaseIfIdle() {
        guard let upstream, !closing else { return }
        guard tracker.isIdle, !batchOpen, !queue.isWaiting else { return }
        if transactionStatus != UInt8(ascii: "I") {
            armIdleInTransactionTimer()
            return
        }
        guard mode == .transaction else {
            if restoreAtTransactionEnd {
                restoreAtTransactionEnd = false
                restoreStartupSettings(on: upstream)
            }
            return
        }
        if let readback = session.takeReadback() {
            // Read the session settings back: exact whatever ROLLBACK, RESET or set_config did.
            var token = FlowToken()
            token.captureSettings = true
            token.reportsSettings = readback.restoresStartup
            sendProxy(.query(readback.query), kind: .query, token: token, on: upstream)
            upstream.flush()
            return
        }
        // The connection's read-complete will not reach us once it is released.
        flushClient()
        self.upstream = nil
        deps.pool.release(upstream, reusable: !upstreamTainted, cleanup: takeSettingsCleanup(upstream))
        upstreamTainted = false
    }

    /// The cleanup a connection needs before anyone else gets it (see
    /// `ClientSessionSettings.takeCleanup`); it then holds no settings.
    private func takeSettingsCleanup(_ connection: UpstreamConnection) -> String? {
        guard let cleanup = session.takeCleanup() else { return nil }
        connection.appliedSettings = [:]
        return cleanup
    }

    private func armIdleInTransactionTimer() {
        let timeout = deps.configuration.idleInTransactionTimeout
        guard idleInTransactionTimer == nil, timeout > .zero, let context else { return }
        idleInTransactionTimer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout) { [self] in
            idleInTransactionTimer = nil
            guard tracker.isIdle, !batchOpen, transactionStatus != UInt8(ascii: "I") else { return }
            fatal(.make(severity: "FATAL", sqlState: "25P03", message: "terminating connection due to idle-in-transaction timeout"))
        }
    }

    // MARK: Server messages

    func upstream(_ connection: UpstreamConnection, received frame: Frame, raw: ByteBuffer) {
        let id = frame.id
        let headKind = tracker.headKind
        // The head's token, read only for the messages that need it (a copy per
        // message is measurable). A Query's error and a DataRow leave the head in place.
        let head = (id == UInt8(ascii: "E") || id == UInt8(ascii: "D")) ? tracker.headToken : nil
        var completions = takeCompletionScratch()
        defer { returnCompletionScratch(&completions) }
        let disposition = tracker.received(id, into: &completions)
        var forward = disposition == .forward
        switch id {
        case UInt8(ascii: "E"):
            if let failed = completions.lazy.compactMap({ completion -> FlowToken? in
                if case .failed(let entry) = completion { return entry.token }
                return nil
            }).first {
                if let denial = failed.denial {
                    send(.errorResponse(denial))
                    forward = false
                } else if failed.boundStatement != nil, case .errorResponse(let fields)? = try? BackendMessage(frame: frame),
                          retryAfterPlanChange(failed, fields: fields, on: connection) {
                    forward = false
                } else if failed.serverStatement != nil || failed.showsError {
                    // A statement we prepared for the client failed: the client's
                    // own Bind would have; show it the server's error.
                    forward = true
                } else if let shared = failed.boundStatement, let name = failed.boundName,
                          case .errorResponse(var fields)? = try? BackendMessage(frame: frame),
                          let message = fields.message, message.contains("\"\(shared)\"") {
                    // "bind message supplies 0 parameters, but prepared statement ... requires 1":
                    // the statement as the client named it.
                    fields.setMessage(message.replacing("\"\(shared)\"", with: "\"\(name)\""))
                    send(.errorResponse(fields))
                    forward = false
                }
            } else if headKind == .query {
                headQueryFailed = true
                if let denial = head?.denial {
                    // The stand-in Query's error: answer with the policy's.
                    send(.errorResponse(denial))
                    forward = false
                }
            }
            if forward, case .errorResponse(let fields)? = try? BackendMessage(frame: frame),
               fields.severity == "FATAL" || fields.severity == "PANIC" {
                // The server is ending the session and says why; that is the client's last word.
                serverEndedSession = true
            }
        case UInt8(ascii: "Z"):
            transactionStatus = frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt8.self) ?? transactionStatus
            if headKind == .sync, swallowSyncAnswers > 0, disposition == .forward {
                // The ReadyForQuery of a batch we replayed: the replay's own comes later.
                swallowSyncAnswers -= 1
                forward = false
            }
        case UInt8(ascii: "S"):
            if !forward, tracker.headToken?.reportsSettings == true { forward = true }
            if forward, let user, case .parameterStatus(let name, let value)? = try? BackendMessage(frame: frame),
               case .deny(let fields, _) = deps.gate.judgeParameterStatus(name: name, value: value, user: user) {
                upstreamTainted = true
                fatal(fields)
                return
            }
        case UInt8(ascii: "D"):
            if let head, head.captureSettings, case .dataRow(let row)? = try? BackendMessage(frame: frame),
               row.columns.count == 2, var nameBuffer = row.columns[0], var valueBuffer = row.columns[1],
               let name = nameBuffer.readString(length: nameBuffer.readableBytes),
               let value = valueBuffer.readString(length: valueBuffer.readableBytes) {
                session.readBack(name: name, value: value)
            }
        default:
            break
        }
        if forward { writeToClient(raw) }
        performCompletions(completions)
        resumeIfAnswered()
        releaseIfIdle()
    }

    /// A client's Bind went to the server (one the proxy refused never
    /// reaches it, and leaves the unnamed portal as it was).
    private func sentBind(_ token: FlowToken) {
        var token = token
        if bindingUnnamedPortal { token.unnamedPortalTicket = unnamedPortal.bindSent(batch: batchSequence) }
        tracker.sent(.bind, origin: .client, token: token)
    }

    /// The name of the statement a `Parse` (named), `Bind`, or `Describe` or
    /// `Close` of a statement names (empty: the unnamed one), read in place.
    private static func statementName(in frame: Frame) -> String? {
        var payload = frame.payload
        switch frame.id {
        case UInt8(ascii: "P"):
            guard let name = payload.pgReadCString(), !name.isEmpty else { return nil }
            return name
        case UInt8(ascii: "B"):
            guard payload.pgReadCString() != nil else { return nil }
            return payload.pgReadCString()
        case UInt8(ascii: "D"), UInt8(ascii: "C"):
            guard payload.readInteger(as: UInt8.self) == UInt8(ascii: "S") else { return nil }
            return payload.pgReadCString()
        default:
            return nil
        }
    }

    /// Whether a held message still waits for answers to earlier messages.
    private func waitsForAnswers(_ frame: Frame) -> Bool {
        if frame.id == UInt8(ascii: "Q") { return !tracker.isIdle }
        return dependsOnEarlierBatch(frame)
    }

    /// A message naming a statement whose `Parse` or `Close` an earlier batch
    /// sent, or the unnamed portal bound there, before that answer came. (The
    /// names are read only when such an answer is owed: rarely.)
    private func dependsOnEarlierBatch(_ frame: Frame) -> Bool {
        if unnamedPortal.waits(inBatch: batchSequence), Self.usesUnnamedPortal(frame) { return true }
        // A stored property, not `anyPending(before:)`: see `earliestPending`.
        guard mode == .transaction, let earliest = book.earliestPending, earliest < batchSequence,
              let name = Self.statementName(in: frame) else { return false }
        return book.waits(onStatement: name, batch: batchSequence)
    }

    /// An `Execute` or `Describe` of an unnamed portal the client did not bind
    /// (see `UnnamedPortal`): the server's error, without the server.
    private func refuseUnboundUnnamedPortal(on upstream: UpstreamConnection) {
        poison(.parse(Self.poisonParse), kind: .parse, error: .make(
            severity: "ERROR", sqlState: "34000", message: "portal \"\" does not exist"
        ), on: upstream)
    }

    /// An `Execute` or `Describe` of the unnamed portal (see `UnnamedPortal`).
    private static func usesUnnamedPortal(_ frame: Frame) -> Bool {
        let payload = frame.payload
        switch frame.id {
        case UInt8(ascii: "E"):
            return payload.getInteger(at: payload.readerIndex, as: UInt8.self) == 0
        case UInt8(ascii: "D"):
            return payload.getInteger(at: payload.readerIndex, as: UInt8.self) == UInt8(ascii: "P")
                && payload.getInteger(at: payload.readerIndex + 1, as: UInt8.self) == 0
        default:
            return false
        }
    }

    /// Handles the messages that waited for answers, once they came.
    private func resumeIfAnswered() {
        guard let first = queue.firstWaitingForAnswers, !waitsForAnswers(first.frame) else { return }
        let held = queue.answersArrived()
        for (frame, raw) in held.frames where !closing {
            handleMessage(frame: frame, raw: raw)
        }
        if held.resumeReading && !queue.readingPaused && !closing { resumeReading() }
        // Not sent from a client read: its read-complete flushes nothing for these.
        upstream?.flush()
    }

    /// The loop's reused completions array, taken out while in use (a nested
    /// use finds it empty and allocates its own): none is allocated per message.
    private func takeCompletionScratch() -> [ResponseTracker<FlowToken>.Completion] {
        var completions: [ResponseTracker<FlowToken>.Completion] = []
        swap(&completions, &deps.completionScratch)
        return completions
    }

    private func returnCompletionScratch(_ completions: inout [ResponseTracker<FlowToken>.Completion]) {
        completions.removeAll(keepingCapacity: true)
        swap(&completions, &deps.completionScratch)
    }

    /// An answer the proxy gives itself, in order; performed now if it is due.
    private func synthesize(_ kind: ResponseTracker<FlowToken>.Kind, token: FlowToken) {
        var completions = takeCompletionScratch()
        defer { returnCompletionScratch(&completions) }
        tracker.synthesize(kind, token: token, into: &completions)
        performCompletions(completions)
    }

    private func performCompletions(_ completions: [ResponseTracker<FlowToken>.Completion]) {
        for completion in completions {
            switch completion {
            case .answered(let entry):
                if let ticket = entry.token.unnamedPortalTicket { unnamedPortal.answered(ticket: ticket, bound: true) }
                if let sequence = entry.token.serverUnnamed, let upstream, upstream.unnamedOwner?.sequence == sequence,
                   upstream.unnamedOwner?.client == ObjectIdentifier(self) {
                    upstream.unnamedOwnerUnconfirmedBatch = nil
                }
                if let name = entry.token.clientStatement { book.parseAnswered(name) }
                if entry.kind == .sync, let batch = entry.token.batch {
                    loggedBatches[batch] = nil
                    retriedBatches.remove(batch)
                }
                if let name = entry.token.serverStatement { upstream?.statementPrepared(name) }
                if entry.token.changesSession { session.changed() }
                if entry.token.clearsStatements {
                    // The server dropped them all, whoever's they were.
                    upstream?.prepared.removeAll()
                    upstream?.unnamedOwner = nil
                    // A Query is answered even when it failed; an Execute only on success.
                    if entry.kind != .query || !headQueryFailed {
                        book.clearAll()
                    }
                }
                if entry.token.captureSettings && !headQueryFailed {
                    upstream?.appliedSettings = session.readbackSucceeded()
                } else if entry.token.captureSettings {
                    // What the connection holds now is not known: never pooled again.
                    upstreamTainted = true
                }
                if let restore = entry.token.restoreSettings, headQueryFailed {
                    upstream?.appliedSettings = restore
                }
                if entry.kind == .query { headQueryFailed = false }
                if let sequence = entry.token.unnamedSequence { book.unnamedAnswered(sequence) }
            case .failed(let entry), .skipped(let entry):
                if let ticket = entry.token.unnamedPortalTicket { unnamedPortal.answered(ticket: ticket, bound: false) }
                // Skipped after an earlier error, or failed: the server has no such
                // unnamed statement, and the next Bind of it replays it again.
                if let sequence = entry.token.serverUnnamed, let owner = upstream?.unnamedOwner,
                   owner.client == ObjectIdentifier(self), owner.sequence == sequence {
                    upstream?.unnamedOwner = nil
                }
                if let name = entry.token.serverStatement { upstream?.statementGone(name) }
                // A statement the server never prepared is not the client's either.
                if let name = entry.token.clientStatement { book.parseFailed(name, id: entry.token.statementID) }
                if let sequence = entry.token.closeSequence { book.closeSkipped(sequence) }
                if let sequence = entry.token.unnamedSequence {
                    if case .failed = completion {
                        book.unnamedFailed(sequence)
                    } else if book.unnamedSkipped(sequence) {
                        // The server kept its previous unnamed statement, whoever's it
                        // is: the next Bind prepares the client's first.
                        upstream?.unnamedOwner = nil
                    }
                }
                if let restore = entry.token.restoreSettings { upstream?.appliedSettings = restore }
                if entry.kind == .query { headQueryFailed = false }
            case .emit(let entry):
                if let ticket = entry.token.unnamedPortalTicket { unnamedPortal.answered(ticket: ticket, bound: true) }
                if let name = entry.token.clientStatement { book.parseAnswered(name) }
                if let sequence = entry.token.closeSequence { book.closeAnswered(sequence) }
                if let sequence = entry.token.unnamedSequence { book.unnamedAnswered(sequence) }
                if let name = entry.token.deallocates { book.remove(name) }
                if let message = entry.token.emit { send(message) }
            }
        }
    }

    func upstreamReadComplete(_ connection: UpstreamConnection) {
        flushClient()
    }

    func upstreamWritabilityChanged(_ connection: UpstreamConnection, writable: Bool) {
        _ = context?.channel.setOption(ChannelOptions.autoRead, value: writable)
    }

    func upstreamClosed(_ connection: UpstreamConnection) {
        guard upstream === connection else { return }
        upstream = nil
        if serverEndedSession {
            flushClient()
            closeQuietly()
            return
        }
        if mode == .transaction && !closing {
            // The transaction is lost, the session is not: end what the client
            // waits for with an error, and its next transaction gets a fresh connection.
            let dropped = tracker.reset()
            book.connectionLost()
            batchOpen = false
            batchLog = []
            loggedBatches = [:]
            swallowSyncAnswers = 0
            transactionStatus = UInt8(ascii: "I")
            send(.errorResponse(.make(severity: "ERROR", sqlState: "08006",
                                      message: "server connection lost; the transaction was rolled back",
                                      hint: "Retry the transaction.")))
            for entry in dropped where entry.kind == .sync || entry.kind == .query {
                if case .client = entry.origin { send(.readyForQuery(.idle)) }
            }
            flushClient()
            resumeIfAnswered()
            return
        }
        fatal(.make(severity: "FATAL", sqlState: "08006", message: "server connection lost",
                    hint: "The workspace database server closed the connection; reconnect."))
    }

    /// A CancelRequest with this session's key arrived (on this loop).
    private func cancelRequested() {
        // Only while a query of this client runs: a late cancel must not hit
        // whatever the server connection does next.
        if upstream == nil, queue.cancelRequested() {
            // The query waits for a server connection: cancelled once it is sent.
            return
        }
        guard let upstream, !tracker.isIdle else { return }
        deps.pool.cancel(upstream)
    }

    // MARK: Ending

    /// The client is leaving: give the server connection back clean.
    private func releaseUpstream() {
        idleInTransactionTimer?.cancel()
        guard let connection = upstream else { return }
        upstream = nil
        let quiet = tracker.isIdle && !batchOpen && !upstreamTainted
        switch mode {
        case .session:
            deps.pool.release(connection, reusable: quiet && transactionStatus == UInt8(ascii: "I"), cleanup: "DISCARD ALL")
        case .transaction:
            if !quiet || session.changedSinceReadback {
                // Mid-query, or settings we have not read back: not worth the risk.
                deps.pool.release(connection, reusable: false)
            } else if transactionStatus == UInt8(ascii: "I") {
                deps.pool.release(connection, reusable: true, cleanup: takeSettingsCleanup(connection))
            } else {
                deps.pool.release(connection, reusable: true, cleanup: "ROLLBACK")
            }
        }
    }

    private func send(_ message: BackendMessage) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        message.write(into: &buffer)
        writeToClient(buffer)
    }

    /// Every write to the client goes through `outbound` (or drains it
    /// first): frames forwarded back to back leave as one slice (`WriteRun`).
    private func writeToClient(_ bytes: ByteBuffer) {
        outbound.write(bytes, to: context)
    }

    private func flushClient() {
        outbound.drain(to: context)
        context?.flush()
    }

    /// Sends an error and closes once it is written.
    fileprivate func fatal(_ fields: ErrorFields) {
        guard let context, !closing else { return }
        closing = true
        releaseUpstream()
        outbound.drain(to: context)
        var buffer = context.channel.allocator.buffer(capacity: 128)
        BackendMessage.errorResponse(fields).write(into: &buffer)
        context.writeAndFlush(NIOAny(buffer)).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    private func closeQuietly() {
        guard let context, !closing else { return }
        closing = true
        releaseUpstream()
        context.close(promise: nil)
    }

    /// Shutdown deadline reached: tell the client, as the server would, and close.
    private func shutdownNow() {
        fatal(.make(severity: "FATAL", sqlState: "57P01", message: "terminating connection due to administrator command"))
    }

    private func armPartialTimer() {
        guard partialTimer == nil, let context else { return }
        let timeout = deps.configuration.partialMessageTimeout
        partialTimer = context.eventLoop.assumeIsolated().scheduleTask(deadline: lastProgress + timeout) { [self] in
            partialTimer = nil
            guard !closing, (cumulation?.readableBytes ?? 0) > 0 || stitcher.pendingBytes > 0 else { return }
            if NIODeadline.now() >= lastProgress + timeout {
                fatal(.make(severity: "FATAL", sqlState: "08P01", message: "incomplete message from client: no data for \(timeout.nanoseconds / 1_000_000_000) s"))
            } else {
                armPartialTimer()
            }
        }
    }

    // MARK: Printing

    static func printable(_ id: UInt8) -> String {
        (0x21...0x7E).contains(id) ? "'\(Character(Unicode.Scalar(id)))'" : "0x\(String(id, radix: 16))"
    }
}

extension ErrorFields {
    /// Rewrites both severity fields (`S` and `V`).
    mutating func setSeverity(_ severity: String) {
        fields = fields.map { field in
            if field.code == UInt8(ascii: "S") || field.code == UInt8(ascii: "V") {
                return Field(code: field.code, value: severity)
            }
            return field
        }
    }

    /// Rewrites the message field (`M`).
    mutating func setMessage(_ message: String) {
        fields = fields.map { field in
            field.code == UInt8(ascii: "M") ? Field(code: field.code, value: message) : field
        }
    }
}
