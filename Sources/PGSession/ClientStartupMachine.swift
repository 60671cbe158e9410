import NIOCore
import PGWire

/// The client side of a proxied session from the first byte to the moment it
/// is handed a server connection: TLS offer, StartupMessage, SCRAM, and the
/// greeting. A value with one method per event; each returns the actions the
/// channel handler must perform, in order. No I/O happens here.
public struct ClientStartupMachine: Sendable {
    public struct Configuration: Sendable {
        /// Whether the proxy can answer an SSLRequest with `S`.
        public var tlsAvailable: Bool
        /// Refuse clients that do not ask for TLS (when it is available).
        public var tlsRequired: Bool
        public init(tlsAvailable: Bool, tlsRequired: Bool) {
            self.tlsAvailable = tlsAvailable
            self.tlsRequired = tlsRequired
        }
    }

    public enum Action: Sendable, Equatable {
        /// Write one raw byte (the answer to SSLRequest / GSSENCRequest).
        case sendByte(UInt8)
        /// Insert the TLS handler now; report `tlsEstablished` when done.
        case startTLS
        case send(BackendMessage)
        /// Forward a cancel for the key and close this connection.
        case cancel(CancelRequest)
        /// Look up the verifier for the user; report `credentialsResolved`.
        case resolveCredentials(user: String, parameters: StartupParameters)
        /// Authentication succeeded: get a server connection; report `upstreamReady` or `upstreamFailed`.
        case acquireUpstream(user: String, parameters: StartupParameters)
        /// Send the error (FATAL) and close.
        case fail(ErrorFields)
        case close
    }

    /// `indirect`: the SCRAM exchange's state is boxed, so a session that is
    /// `ready` does not carry its size inline (memory per idle client).
    private indirect enum State: Sendable {
        case awaitingFirstPacket(tls: Bool, channelBinding: [UInt8]?)
        case negotiatingTLS
        case resolving(parameters: StartupParameters, tls: Bool, channelBinding: [UInt8]?)
        case awaitingSASLInitial(SCRAMServer, parameters: StartupParameters, tls: Bool)
        case awaitingSASLFinal(SCRAMServer, parameters: StartupParameters)
        case awaitingUpstream(parameters: StartupParameters)
        case ready
        case closed
    }

    private var state: State = .awaitingFirstPacket(tls: false, channelBinding: nil)
    /// The hint of a failed password check (`credentialsResolved`), if any.
    private var failureHint: String?
    private let configuration: Configuration

    public init(configuration: Configuration) {
        self.configuration = configuration
    }

    /// True once the session is in the message phase.
    public var isReady: Bool {
        if case .ready = state { return true }
        return false
    }

    /// True while the client is expected to send a password message (`p`).
    public var expectsPasswordMessage: PasswordPhase? {
        switch state {
        case .awaitingSASLInitial: .saslInitial
        case .awaitingSASLFinal: .sasl
        default: nil
        }
    }

    public enum PasswordPhase: Sendable { case saslInitial, sasl }

    /// True before the StartupMessage: the next bytes are a startup-phase packet.
    public var expectsStartupPacket: Bool {
        if case .awaitingFirstPacket = state { return true }
        return false
    }

    public static func passwordFailed(user: String, hint: String? = nil) -> ErrorFields {
        .make(severity: "FATAL", sqlState: "28P01", message: "password authentication failed for user \"\(user)\"", hint: hint)
    }

    // MARK: Events

    public mutating func packetReceived(_ packet: StartupPacket) -> [Action] {
        guard case .awaitingFirstPacket(let tls, let binding) = state else {
            return protocolViolation("unexpected startup packet")
        }
        switch packet {
        case .sslRequest:
            if tls { return protocolViolation("SSLRequest received on an encrypted connection") }
            if configuration.tlsAvailable {
                state = .negotiatingTLS
                return [.sendByte(UInt8(ascii: "S")), .startTLS]
            }
            return [.sendByte(UInt8(ascii: "N"))]
        case .gssEncRequest:
            return [.sendByte(UInt8(ascii: "N"))]
        case .cancel(let request):
            state = .closed
            return [.cancel(request), .close]
        case .startup(let message):
            return startupReceived(message, tls: tls, channelBinding: binding)
        }
    }

    /// The TLS handshake finished; `channelBinding` is `tls-server-end-point` data.
    public mutating func tlsEstablished(channelBinding: [UInt8]?) -> [Action] {
        guard case .negotiatingTLS = state else { return protocolViolation("unexpected TLS handshake") }
        state = .awaitingFirstPacket(tls: true, channelBinding: channelBinding)
        return []
    }

    /// The verifier of the user, or a decoy and `userIsReal: false`.
    /// `failureHint`: added to the 28P01 if the proof fails (why a user name
    /// cannot be anyone's; it must depend on the name's text alone).
    public mutating func credentialsResolved(verifier: SCRAMVerifier, userIsReal: Bool, serverNonce: String,
                                             failureHint: String? = nil) -> [Action] {
        guard case .resolving(let parameters, let tls, let binding) = state else { return [] }
        self.failureHint = failureHint
        let scram = SCRAMServer(verifier: verifier, userIsReal: userIsReal, channelBinding: binding, serverNonce: serverNonce)
        state = .awaitingSASLInitial(scram, parameters: parameters, tls: tls)
        return [.send(.authentication(.sasl(mechanisms: SCRAMServer.mechanisms(tls: binding != nil))))]
    }

    public mutating func saslInitialReceived(mechanism: String, data: [UInt8]) -> [Action] {
        guard case .awaitingSASLInitial(var scram, let parameters, _) = state else {
            return protocolViolation("unexpected SASL message")
        }
        switch scram.receiveClientFirst(mechanism: mechanism, data: data) {
        case .continue(let serverFirst):
            state = .awaitingSASLFinal(scram, parameters: parameters)
            return [.send(.authentication(.saslContinue(Self.buffer(serverFirst))))]
        case .success:
            return protocolViolation("unexpected SCRAM state")
        case .failure(let failure):
            return scramFailed(failure, user: parameters.user)
        }
    }

    public mutating func saslResponseReceived(data: [UInt8]) -> [Action] {
        guard case .awaitingSASLFinal(var scram, let parameters) = state else {
            return protocolViolation("unexpected SASL message")
        }
        switch scram.receiveClientFinal(data: data) {
        case .success(let serverFinal):
            state = .awaitingUpstream(parameters: parameters)
            return [
                .send(.authentication(.saslFinal(Self.buffer(serverFinal)))),
                .send(.authentication(.ok)),
                .acquireUpstream(user: parameters.user, parameters: parameters),
            ]
        case .continue:
            return protocolViolation("unexpected SCRAM state")
        case .failure(let failure):
            return scramFailed(failure, user: parameters.user)
        }
    }

    /// The server connection is ready: greet the client as the server would.
    public mutating func upstreamReady(parameterStatus: [(name: String, value: String)], backendKey: BackendKeyData) -> [Action] {
        guard case .awaitingUpstream = state else { return [] }
        state = .ready
        var actions: [Action] = parameterStatus.map { .send(.parameterStatus(name: $0.name, value: $0.value)) }
        actions.append(.send(.backendKeyData(backendKey)))
        actions.append(.send(.readyForQuery(.idle)))
        return actions
    }

    public mutating func upstreamFailed(_ error: ErrorFields) -> [Action] {
        state = .closed
        return [.fail(error)]
    }

    /// A message arrived that is not valid in the current phase.
    public mutating func protocolViolation(_ reason: String) -> [Action] {
        state = .closed
        return [.fail(.make(severity: "FATAL", sqlState: "08P01", message: reason))]
    }

    // MARK: Helpers

    private static func buffer(_ bytes: [UInt8]) -> ByteBuffer {
        var buffer = ByteBufferAllocator().buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        return buffer
    }

    private mutating func startupReceived(_ message: StartupMessage, tls: Bool, channelBinding: [UInt8]?) -> [Action] {
        if configuration.tlsRequired && !tls {
            state = .closed
            return [.fail(.make(severity: "FATAL", sqlState: "28000", message: "this proxy accepts only TLS connections (use sslmode=require)"))]
        }
        let parameters: StartupParameters
        switch StartupParameters.parse(message) {
        case .success(let parsed): parameters = parsed
        case .failure(.missingUser):
            state = .closed
            return [.fail(.make(severity: "FATAL", sqlState: "28000", message: "no PostgreSQL user name specified in startup packet"))]
        case .failure(.invalidOptions(let reason)):
            state = .closed
            return [.fail(.make(severity: "FATAL", sqlState: "42501", message: "invalid options startup parameter: \(reason)"))]
        }
        var actions: [Action] = []
        if message.protocolMinor > 0 || !parameters.unrecognizedProtocolOptions.isEmpty {
            // We speak 3.0, like PostgreSQL 15: say so, then carry on.
            actions.append(.send(.negotiateProtocolVersion(newestMinor: 0, unrecognizedOptions: parameters.unrecognizedProtocolOptions)))
        }
        state = .resolving(parameters: parameters, tls: tls, channelBinding: channelBinding)
        actions.append(.resolveCredentials(user: parameters.user, parameters: parameters))
        return actions
    }

    private mutating func scramFailed(_ failure: SCRAMServer.Failure, user: String) -> [Action] {
        state = .closed
        switch failure {
        case .authenticationFailed:
            return [.fail(Self.passwordFailed(user: user, hint: failureHint))]
        case .malformed(let reason):
            return [.fail(.make(severity: "FATAL", sqlState: "08P01", message: reason))]
        }
    }
}
