import Logging
import NIOCore
import NIOPosix
import NIOSSL
import NIOTLS
import PGSession
import PGWire
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

    struct Dependencies {
        var configuration: ProxyConfiguration
        var credentials: CredentialProvider
        var gate: StatementGate
        var pool: UpstreamPool
        var cancels: CancelRegistry
        var sessions: SessionRegistry
        var logger: Logger
    }

    private let deps: Dependencies
    private var machine: ClientStartupMachine
    private var context: ChannelHandlerContext?
    private var cumulation: ByteBuffer?
    private var closing = false

    // Authentication
    private var credential: ProxyCredential?
    private var parameters: StartupParameters?
    private var authTimer: Scheduled<Void>?
    private var partialTimer: Scheduled<Void>?
    private var lastProgress = NIODeadline.now()

    // Message phase
    private var user: ClientUser?
    private var mode: PoolMode = .session
    private var upstream: UpstreamConnection?
    private var pendingLease: (PoolKey, Int)?
    private var proxyKey: BackendKeyData?
    /// Queries and Syncs sent, and ReadyForQuery received: the difference is
    /// what the server still owes.
    private var syncsSent = 0
    private var readyReceived = 0
    private var outstanding: Int { syncsSent - readyReceived }
    /// Denials waiting for the server's error on the poisoned message that
    /// stood in for the denied one, tagged with the ReadyForQuery they precede.
    private var pendingDenials: [(tag: Int, fields: ErrorFields)] = []
    /// The upstream reported a forbidden setting: never pool it again.
    private var upstreamTainted = false
    private var transactionStatus = UInt8(ascii: "I")
    private var sessionID: Int?
    private var serverEndedSession = false
    /// Every message type a client may send after startup (protocol 3.0).
    private static let frontendMessageTypes: Set<UInt8> = Set("BCdcfDEHFPQSX".utf8)
    private let metrics = ProxyMetrics()

    init(dependencies: Dependencies) {
        self.deps = dependencies
        self.machine = ClientStartupMachine(configuration: .init(
            tlsAvailable: dependencies.configuration.tls != nil,
            tlsRequired: dependencies.configuration.tlsRequired && dependencies.configuration.tls != nil
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
        if let (key, request) = pendingLease {
            pendingLease = nil
            deps.pool.cancelLease(key: key, request: request)
        }
        releaseUpstream()
        closing = true
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if closing { return }
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
            cumulation = incoming
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
        for action in actions where !closing {
            switch action {
            case .sendByte(let byte):
                var buffer = context.channel.allocator.buffer(capacity: 1)
                buffer.writeInteger(byte)
                context.writeAndFlush(NIOAny(buffer), promise: nil)
            case .startTLS:
                guard let tls = deps.configuration.tls else { continue }
                do {
                    try context.pipeline.syncOperations.addHandler(NIOSSLServerHandler(context: tls.context), position: .first)
                } catch {
                    fatal(.make(severity: "FATAL", sqlState: "08P01", message: "could not start TLS"))
                }
            case .send(let message):
                var buffer = context.channel.allocator.buffer(capacity: 64)
                message.write(into: &buffer)
                context.writeAndFlush(NIOAny(buffer), promise: nil)
            case .cancel(let request):
                metrics.cancelRequests.increment()
                deps.cancels.cancel(request)
            case .resolveCredentials(let user, _):
                resolve(user: user)
            case .acquireUpstream(_, let parameters):
                acquireUpstream(parameters: parameters)
            case .fail(let fields):
                if fields.sqlState == "28P01" { metrics.authFailures.increment() }
                fatal(fields)
            case .close:
                closeQuietly()
            }
        }
    }

    private func resolve(user: String) {
        guard let context else { return }
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
            perform(machine.credentialsResolved(verifier: decoy, userIsReal: false, serverNonce: nonce))
        }
    }

    private func acquireUpstream(parameters: StartupParameters) {
        guard let credential else {
            fatal(ClientStartupMachine.passwordFailed(user: parameters.user))
            return
        }
        self.parameters = parameters
        self.user = credential.user
        if let database = parameters.database, database != "customer_db" {
            fatal(.make(severity: "FATAL", sqlState: "3D000", message: "database \"\(database)\" does not exist",
                        hint: "Workspace databases are reached as customer_db."))
            return
        }
        switch parameters.proxyOptions["sluice.pooling"] {
        case nil, "session": mode = .session
        case "transaction": mode = .transaction
        case .some(let other):
            fatal(.make(severity: "FATAL", sqlState: "22023", message: "invalid value for sluice.pooling: \"\(other)\"",
                        hint: "Use session or transaction."))
            return
        }
        var judged: [(String, String)] = parameters.settings.map { ($0.name, $0.value) }
        if let replication = parameters.replication { judged.append(("replication", replication)) }
        if let options = parameters.rejectedOptions { judged.append(("options", options)) }
        for (name, value) in judged {
            if case .deny(var fields, _) = deps.gate.judgeStartupParameter(name: name, value: value, user: credential.user, mode: mode) {
                fields.setSeverity("FATAL")
                fatal(fields)
                return
            }
        }
        pendingLease = deps.pool.lease(credential) { [self] result in
            pendingLease = nil
            switch result {
            case .success(let connection):
                if closing {
                    deps.pool.release(connection, reusable: true)
                    return
                }
                prepare(connection)
            case .failure(let error):
                deps.logger.warning("no server connection for client", metadata: ["user": "\(credential.user)", "error": "\(error)"])
                let fields: ErrorFields
                switch error {
                case .pool(.waitTimeout), .pool(.queueFull):
                    fields = .make(severity: "FATAL", sqlState: "53300", message: "no server connection available for \(credential.user): \(error)")
                default:
                    fields = .make(severity: "FATAL", sqlState: "08006", message: "upstream server unavailable: \(error)",
                                   hint: "The workspace database server could not be reached; retry shortly.")
                }
                perform(machine.upstreamFailed(fields))
            }
        }
    }

    /// Applies the client's startup settings on the server connection, then greets the client.
    private func prepare(_ connection: UpstreamConnection) {
        let settings = parameters?.settings ?? []
        let greet = { [self] in
            guard !closing, let context else {
                deps.pool.release(connection, reusable: true)
                return
            }
            if let user, let denied = connection.parameterStatus.lazy.compactMap({ status -> ErrorFields? in
                if case .deny(let fields, _) = self.deps.gate.judgeParameterStatus(name: status.name, value: status.value, user: user) { return fields }
                return nil
            }).first {
                deps.pool.release(connection, reusable: false)
                fatal(denied)
                return
            }
            upstream = connection
            connection.attach(self)
            connection.setAutoRead(context.channel.isWritable)
            let bound = NIOLoopBound(self, eventLoop: context.eventLoop)
            let loop = context.eventLoop
            let key = deps.cancels.register { loop.execute { bound.value.cancelRequested() } }
            proxyKey = key
            authTimer?.cancel()
            authTimer = nil
            perform(machine.upstreamReady(parameterStatus: connection.parameterStatus, backendKey: key))
        }
        guard !settings.isEmpty else {
            greet()
            return
        }
        let sql = settings.map { "SET \(Self.quoteIdentifier($0.name)) TO \(Self.quoteLiteral($0.value))" }.joined(separator: "; ")
        connection.runInternal(sql) { [self] result in
            switch result {
            case .success:
                greet()
            case .failure(let error):
                deps.pool.release(connection, reusable: true)
                if case .server(var fields) = error {
                    fields.setSeverity("FATAL")
                    perform(machine.upstreamFailed(fields))
                } else {
                    perform(machine.upstreamFailed(.make(severity: "FATAL", sqlState: "08006", message: "upstream server unavailable: \(error)")))
                }
            }
        }
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
        guard let upstream, let user else { return }
        switch id {
        case UInt8(ascii: "Q"):
            var payload = frame.payload
            guard let sql = payload.pgReadCString(), payload.readableBytes == 0 else {
                fatal(.make(severity: "FATAL", sqlState: "08P01", message: "invalid Query message"))
                return
            }
            if case .deny(let fields, _) = deps.gate.judge(sql: sql, user: user, mode: mode) {
                sendPoisoned(.query(Self.poisonText), denial: fields, to: upstream)
                syncsSent += 1
                return
            }
            syncsSent += 1
        case UInt8(ascii: "P"):
            let parse: Parse
            do {
                guard case .parse(let decoded) = try FrontendMessage(frame: frame) else { return }
                parse = decoded
            } catch {
                fatal(.make(severity: "FATAL", sqlState: "08P01", message: error.description))
                return
            }
            if case .deny(let fields, _) = deps.gate.judge(sql: parse.query, user: user, mode: mode) {
                // The server fails this Parse itself, so it skips to Sync and
                // rolls back the batch's implicit transaction exactly as on any error.
                sendPoisoned(.parse(Parse(name: parse.name, query: Self.poisonText, parameterTypes: [])), denial: fields, to: upstream)
                return
            }
        case UInt8(ascii: "F"):
            if case .deny(let fields, _) = deps.gate.judgeFunctionCall(user: user, mode: mode) {
                sendPoisoned(.query(Self.poisonText), denial: fields, to: upstream)
                syncsSent += 1
                return
            }
            syncsSent += 1
        case UInt8(ascii: "S"):
            syncsSent += 1
        default:
            break
        }
        upstream.write(raw)
    }

    /// Text that fails in the server's parser, before anything runs; the
    /// marker lets the answer be recognised and replaced by the policy's.
    static let poisonMarker: String = {
        var generator = SystemRandomNumberGenerator()
        return "sluice_policy_denial_" + String(UInt64.random(in: .min ... .max, using: &generator), radix: 16)
    }()
    static var poisonText: String { poisonMarker + " !" }

    private func sendPoisoned(_ message: FrontendMessage, denial: ErrorFields, to upstream: UpstreamConnection) {
        pendingDenials.append((tag: syncsSent, fields: denial))
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        message.write(into: &buffer)
        upstream.write(buffer)
    }

    func upstream(_ connection: UpstreamConnection, received frame: Frame, raw: ByteBuffer) {
        switch frame.id {
        case UInt8(ascii: "E"):
            if case .errorResponse(let fields)? = try? BackendMessage(frame: frame) {
                if !pendingDenials.isEmpty, let message = fields.message, message.contains(Self.poisonMarker) {
                    let denial = pendingDenials.removeFirst()
                    send(.errorResponse(denial.fields))
                    return
                }
                if fields.severity == "FATAL" || fields.severity == "PANIC" {
                    // The server is ending the session and says why; that is the client's last word.
                    serverEndedSession = true
                }
            }
        case UInt8(ascii: "Z"):
            readyReceived += 1
            pendingDenials.removeAll { $0.tag < readyReceived }
            transactionStatus = frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt8.self) ?? transactionStatus
        case UInt8(ascii: "S"):
            if let user, case .parameterStatus(let name, let value)? = try? BackendMessage(frame: frame),
               case .deny(let fields, _) = deps.gate.judgeParameterStatus(name: name, value: value, user: user) {
                upstreamTainted = true
                fatal(fields)
                return
            }
        default:
            break
        }
        context?.write(NIOAny(raw), promise: nil)
    }

    func upstreamReadComplete(_ connection: UpstreamConnection) {
        context?.flush()
    }

    func upstreamWritabilityChanged(_ connection: UpstreamConnection, writable: Bool) {
        _ = context?.channel.setOption(ChannelOptions.autoRead, value: writable)
    }

    func upstreamClosed(_ connection: UpstreamConnection) {
        guard upstream === connection else { return }
        upstream = nil
        if serverEndedSession {
            context?.flush()
            closeQuietly()
            return
        }
        fatal(.make(severity: "FATAL", sqlState: "08006", message: "server connection lost",
                    hint: "The workspace database server closed the connection; reconnect."))
    }

    /// A CancelRequest with this session's key arrived (on this loop).
    private func cancelRequested() {
        // Only while a query of this client runs: a late cancel must not hit
        // whatever the server connection does next.
        guard let upstream, outstanding > 0, let serverKey = upstream.backendKey, let context else { return }
        let target = upstream.key.target
        let request = CancelRequest(processID: serverKey.processID, secretKey: serverKey.secretKey)
        ClientBootstrap(group: context.eventLoop)
            .connectTimeout(.seconds(5))
            .connect(host: target.host, port: target.port)
            .whenSuccess { channel in
                var buffer = channel.allocator.buffer(capacity: 16)
                StartupPacket.cancel(request).write(into: &buffer)
                channel.writeAndFlush(buffer).whenComplete { _ in channel.close(promise: nil) }
            }
    }

    // MARK: Ending

    private func releaseUpstream() {
        guard let connection = upstream else { return }
        upstream = nil
        let reusable = outstanding == 0 && transactionStatus == UInt8(ascii: "I") && !upstreamTainted
        deps.pool.release(connection, reusable: reusable)
    }

    private func send(_ message: BackendMessage) {
        guard let context else { return }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        message.write(into: &buffer)
        context.write(NIOAny(buffer), promise: nil)
    }

    /// Sends an error and closes once it is written.
    private func fatal(_ fields: ErrorFields) {
        guard let context, !closing else { return }
        closing = true
        releaseUpstream()
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
            guard !closing, let pending = cumulation, pending.readableBytes > 0 else { return }
            if NIODeadline.now() >= lastProgress + timeout {
                fatal(.make(severity: "FATAL", sqlState: "08P01", message: "incomplete message from client: no data for \(timeout.nanoseconds / 1_000_000_000) s"))
            } else {
                armPartialTimer()
            }
        }
    }

    // MARK: Quoting

    static func quoteIdentifier(_ name: String) -> String {
        "\"" + name.replacingAll("\"", with: "\"\"") + "\""
    }

    static func quoteLiteral(_ value: String) -> String {
        "'" + value.replacingAll("'", with: "''") + "'"
    }

    static func printable(_ id: UInt8) -> String {
        (0x21...0x7E).contains(id) ? "'\(Character(Unicode.Scalar(id)))'" : "0x\(String(id, radix: 16))"
    }
}

extension String {
    func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        out.reserveCapacity(utf8.count)
        for character in self {
            if character == target { out += replacement } else { out.append(character) }
        }
        return out
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
}
