import Logging
import NIOCore
import NIOSSL
import NIOTLS
import PGSession
import PGWire

/// The session a server connection is lent to receives its frames through this.
protocol UpstreamConnectionDelegate: AnyObject {
    /// One whole server message: `raw` is its bytes (header included) to forward as is.
    func upstream(_ connection: UpstreamConnection, received frame: Frame, raw: ByteBuffer)
    func upstreamReadComplete(_ connection: UpstreamConnection)
    func upstreamClosed(_ connection: UpstreamConnection)
    func upstreamWritabilityChanged(_ connection: UpstreamConnection, writable: Bool)
}

/// One connection to an upstream PostgreSQL server, logged in as a workspace
/// role. Lives on one event loop; it is the last handler of its channel.
///
/// Between sessions it belongs to the pool; while lent, every server frame
/// goes to the delegate untouched, except that `ParameterStatus` is also
/// recorded so the next session's greeting tells the truth.
final class UpstreamConnection: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    enum ConnectError: Error, CustomStringConvertible {
        case server(ErrorFields)
        case protocolError(String)
        case closed
        case tlsRefused

        var description: String {
            switch self {
            case .server(let fields): fields.message ?? "upstream refused the connection"
            case .protocolError(let reason): reason
            case .closed: "upstream closed the connection"
            case .tlsRefused: "upstream does not accept TLS"
            }
        }
    }

    private enum Phase {
        case negotiatingTLS
        case authenticating(UpstreamStartupMachine)
        case idle
        case attached
        case internalQuery(error: ErrorFields?, completion: (Result<Void, ConnectError>) -> Void)
        case closed
    }

    let id: Int
    let key: PoolKey
    let createdAt: NIODeadline
    var lastUsed: NIODeadline
    private(set) var parameterStatus: [(name: String, value: String)] = []
    private(set) var backendKey: BackendKeyData?
    private(set) var derivedKeys: SCRAMClient.Keys?
    weak var delegate: UpstreamConnectionDelegate?

    // Session state of this server connection, as transaction pooling needs it.
    /// Statements prepared here under their shared names, with a use counter for LRU eviction.
    var prepared: [String: UInt64] = [:]
    /// Parses sent but not yet answered: the client's batch each was sent in.
    var preparing: [String: Int] = [:]
    private var useCounter: UInt64 = 0
    /// Session-level settings in effect here (name → SQL value), beyond the role's defaults.
    var appliedSettings: [String: String] = [:]
    /// CancelRequests for this connection's backend not yet taken by the
    /// server (see `UpstreamPool.cancel`); while any is, it is not pooled.
    var cancelsInFlight = 0
    /// A release that waits for those cancels.
    var releaseAfterCancels: (reusable: Bool, cleanup: String?)?
    /// Which client's unnamed statement this connection holds (client id, parse sequence).
    var unnamedOwner: (client: ObjectIdentifier, sequence: Int)? {
        didSet { unnamedOwnerUnconfirmedBatch = nil }
    }
    /// While the Parse that made `unnamedOwner` so is not answered: the
    /// client's batch it was sent in. Only that batch may rely on it (an error
    /// before it skips it, and a later batch finds no such statement).
    var unnamedOwnerUnconfirmedBatch: Int?

    /// Whether a shared statement is prepared here, or its Parse is on the
    /// way in batch `batch` (where, if it fails, the server skips whatever
    /// needs it; a Parse of an earlier batch may yet fail, and a message of a
    /// later one prepares the statement again); a prepared one counts as used
    /// now (for LRU eviction).
    func holdsStatement(_ name: String, batch: Int) -> Bool {
        if let index = prepared.index(forKey: name) {
            useCounter += 1
            prepared.values[index] = useCounter
            return true
        }
        return preparing[name] == batch
    }

    /// The server answered the Parse of a shared statement: prepared here.
    func statementPrepared(_ name: String) {
        preparing[name] = nil
        useCounter += 1
        prepared[name] = useCounter
    }

    /// The Parse of a shared statement failed or was skipped (after the Close
    /// sent before it): the statement is not here.
    func statementGone(_ name: String) {
        preparing[name] = nil
        prepared[name] = nil
    }

    /// Forget all session state (after DISCARD ALL, or when unsure).
    func forgetSessionState() {
        prepared.removeAll()
        preparing.removeAll()
        appliedSettings.removeAll()
        unnamedOwner = nil
    }

    private var phase: Phase
    private var context: ChannelHandlerContext?
    private var stitcher: FrameStitcher
    /// Client messages written but not yet handed to the channel (joined when adjacent).
    private var outbound = WriteRun()
    private let maxMessageLength: Int
    private var startupMachine: UpstreamStartupMachine
    private let tlsContext: NIOSSLContext?
    private var readyCallback: ((Result<Void, ConnectError>) -> Void)?
    private let logger: Logger

    init(
        id: Int, key: PoolKey, credentials: UpstreamStartupMachine.Credentials,
        tlsContext: NIOSSLContext?, maxMessageLength: Int, logger: Logger
    ) {
        self.id = id
        self.key = key
        let now = NIODeadline.now()
        self.createdAt = now
        self.lastUsed = now
        self.maxMessageLength = maxMessageLength
        self.stitcher = FrameStitcher(maxLength: maxMessageLength)
        var generator = SystemRandomNumberGenerator()
        self.startupMachine = UpstreamStartupMachine(credentials: credentials, clientNonce: SCRAMPrimitives.makeNonce(using: &generator))
        self.tlsContext = key.target.tls ? tlsContext : nil
        self.phase = key.target.tls ? .negotiatingTLS : .authenticating(startupMachine)
        self.logger = logger
    }

    var channel: Channel? { context?.channel }
    var isOpen: Bool { if case .closed = phase { return false } else { return true } }
    var isWritable: Bool { context?.channel.isWritable ?? false }

    // MARK: Channel events

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelActive(context: ChannelHandlerContext) {
        if case .negotiatingTLS = phase {
            var buffer = context.channel.allocator.buffer(capacity: 8)
            StartupPacket.sslRequest.write(into: &buffer)
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        } else {
            startAuthentication(context: context)
        }
    }

    private func startAuthentication(context: ChannelHandlerContext) {
        var machine = startupMachine
        let actions = machine.start()
        phase = .authenticating(machine)
        perform(actions, context: context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var incoming = unwrapInboundIn(data)
        if case .negotiatingTLS = phase {
            guard let answer = incoming.readInteger(as: UInt8.self) else { return }
            guard answer == UInt8(ascii: "S"), let tlsContext, incoming.readableBytes == 0 else {
                finishStartup(.failure(.tlsRefused), context: context)
                return
            }
            do {
                let handler = try NIOSSLClientHandler(context: tlsContext, serverHostname: key.target.host.isIPAddress ? nil : key.target.host)
                try context.pipeline.syncOperations.addHandler(handler, position: .first)
            } catch {
                finishStartup(.failure(.protocolError("TLS setup failed: \(error)")), context: context)
            }
            return
        }
        do {
            try stitcher.feed(&incoming) { frame, raw in
                handle(frame: frame, raw: raw, context: context)
                if case .closed = phase { return false }
                return true
            }
        } catch {
            logger.warning("upstream sent an invalid message", metadata: ["error": "\(error)"])
            fail(.protocolError("invalid message from upstream: \(error)"), context: context)
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if case .attached = phase { delegate?.upstreamReadComplete(self) }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case .negotiatingTLS = phase, let tlsEvent = event as? TLSUserEvent, case .handshakeCompleted = tlsEvent {
            startAuthentication(context: context)
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        if case .attached = phase { delegate?.upstreamWritabilityChanged(self, writable: context.channel.isWritable) }
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        logger.debug("upstream connection error", metadata: ["error": "\(error)"])
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let previous = phase
        phase = .closed
        switch previous {
        case .negotiatingTLS, .authenticating:
            finishStartup(.failure(.closed), context: context)
        case .internalQuery(_, let completion):
            completion(.failure(.closed))
        case .attached:
            delegate?.upstreamClosed(self)
        case .idle, .closed:
            break
        }
        onClose?(self)
        onClose = nil
    }

    /// Told once when the connection closes, whatever its phase (the pool listens).
    var onClose: ((UpstreamConnection) -> Void)?

    // MARK: Frames

    private func handle(frame: Frame, raw: ByteBuffer, context: ChannelHandlerContext) {
        switch phase {
        case .authenticating(var machine):
            let message: BackendMessage
            do { message = try BackendMessage(frame: frame) } catch {
                fail(.protocolError("invalid message from upstream: \(error)"), context: context)
                return
            }
            let actions = machine.received(message)
            phase = .authenticating(machine)
            perform(actions, context: context)
        case .attached:
            if frame.id == UInt8(ascii: "S") { recordParameterStatus(frame) }
            delegate?.upstream(self, received: frame, raw: raw)
        case .internalQuery(let error, let completion):
            switch frame.id {
            case UInt8(ascii: "S"):
                recordParameterStatus(frame)
            case UInt8(ascii: "E"):
                if case .errorResponse(let fields)? = try? BackendMessage(frame: frame) {
                    phase = .internalQuery(error: fields, completion: completion)
                }
            case UInt8(ascii: "Z"):
                phase = .idle
                if let error {
                    completion(.failure(.server(error)))
                } else {
                    var payload = frame.payload
                    let status = payload.readInteger(as: UInt8.self)
                    completion(status == UInt8(ascii: "I") ? .success(()) : .failure(.protocolError("transaction left open")))
                }
            default:
                break
            }
        case .idle:
            // Asynchronous messages between sessions: notices, parameter changes.
            if frame.id == UInt8(ascii: "S") { recordParameterStatus(frame) }
            if frame.id == UInt8(ascii: "E") {
                // FATAL from the server (e.g. terminated by an administrator).
                context.close(promise: nil)
            }
        case .negotiatingTLS, .closed:
            break
        }
    }

    private func recordParameterStatus(_ frame: Frame) {
        guard case .parameterStatus(let name, let value)? = try? BackendMessage(frame: frame) else { return }
        if let index = parameterStatus.firstIndex(where: { $0.name == name }) {
            parameterStatus[index].value = value
        } else {
            parameterStatus.append((name, value))
        }
    }

    private func perform(_ actions: [UpstreamStartupMachine.Action], context: ChannelHandlerContext) {
        for action in actions {
            switch action {
            case .sendStartup(let message):
                var buffer = context.channel.allocator.buffer(capacity: 128)
                StartupPacket.startup(message).write(into: &buffer)
                context.writeAndFlush(NIOAny(buffer), promise: nil)
            case .send(let message):
                var buffer = context.channel.allocator.buffer(capacity: 128)
                message.write(into: &buffer)
                context.writeAndFlush(NIOAny(buffer), promise: nil)
            case .ready(let status, let key, let keys):
                parameterStatus = status.map { ($0.name, $0.value) }
                backendKey = key
                derivedKeys = keys
                phase = .idle
                finishStartup(.success(()), context: context)
            case .fail(let failure):
                switch failure {
                case .server(let fields): fail(.server(fields), context: context)
                case .protocolError(let reason): fail(.protocolError(reason), context: context)
                }
            }
        }
    }

    private var startupResult: Result<Void, ConnectError>?

    /// `callback` runs once when the login finished (or failed).
    func whenReady(_ callback: @escaping (Result<Void, ConnectError>) -> Void) {
        if let startupResult {
            callback(startupResult)
        } else {
            readyCallback = callback
        }
    }

    private func finishStartup(_ result: Result<Void, ConnectError>, context: ChannelHandlerContext) {
        guard startupResult == nil else { return }
        startupResult = result
        if case .failure = result {
            phase = .closed
            context.close(promise: nil)
        }
        if let callback = readyCallback {
            readyCallback = nil
            callback(result)
        }
    }

    private func fail(_ error: ConnectError, context: ChannelHandlerContext) {
        if startupResult == nil {
            finishStartup(.failure(error), context: context)
        } else {
            context.close(promise: nil)
        }
    }

    // MARK: Use by sessions and the pool

    /// Lend the connection to a session: from now on frames go to `delegate`.
    func attach(_ delegate: UpstreamConnectionDelegate) {
        self.delegate = delegate
        phase = .attached
    }

    /// Take the connection back from its session.
    func detach() {
        delegate = nil
        if case .attached = phase { phase = .idle }
        lastUsed = .now()
    }

    /// Writes a client's message as is; the caller flushes. Messages that
    /// follow each other in one read leave as one slice (`WriteRun`).
    func write(_ raw: ByteBuffer) {
        outbound.write(raw, to: context)
    }

    func flush() {
        outbound.drain(to: context)
        context?.flush()
    }

    /// Whether the channel reads on its own (NIO's default; only `setAutoRead` changes it).
    private var autoRead = true

    /// Called at every lease (with the client's writability): a no-op unless it
    /// changes something, as setting a channel option costs a future each time.
    func setAutoRead(_ enabled: Bool) {
        guard enabled != autoRead, let context else { return }
        autoRead = enabled
        if let options = context.channel.syncOptions, (try? options.setOption(ChannelOptions.autoRead, value: enabled)) != nil {
            return
        }
        _ = context.channel.setOption(ChannelOptions.autoRead, value: enabled)
    }

    /// Runs one simple query for the proxy itself (reset, ping, settings) and
    /// swallows its answers, recording ParameterStatus.
    func runInternal(_ sql: String, completion: @escaping (Result<Void, ConnectError>) -> Void) {
        guard let context, case .idle = phase else {
            completion(.failure(.closed))
            return
        }
        phase = .internalQuery(error: nil, completion: completion)
        // A simple Query drops the server's unnamed statement, whoever's it was.
        unnamedOwner = nil
        outbound.drain(to: context)
        var buffer = context.channel.allocator.buffer(capacity: sql.utf8.count + 6)
        FrontendMessage.query(sql).write(into: &buffer)
        context.writeAndFlush(NIOAny(buffer), promise: nil)
    }

    func close() {
        guard let context else { return }
        if case .closed = phase { return }
        if case .idle = phase {
            outbound.drain(to: context)
            var buffer = context.channel.allocator.buffer(capacity: 5)
            FrontendMessage.terminate.write(into: &buffer)
            context.writeAndFlush(NIOAny(buffer), promise: nil)
        }
        context.close(promise: nil)
    }
}

extension String {
    /// True for a literal IPv4 or IPv6 address (not valid as a TLS SNI host name).
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
