import Crypto
import NIOCore
import PGWire

/// Logging in to the upstream server as a workspace role: StartupMessage,
/// SCRAM-SHA-256 (or MD5/cleartext when the server asks and the caller allows),
/// then the server's ParameterStatus set and BackendKeyData until the first
/// ReadyForQuery. A value; the handler performs its actions.
public struct UpstreamStartupMachine: Sendable {
    public struct Credentials: Sendable {
        public var user: String
        public var database: String
        public var password: String
        /// Keys derived earlier for this password, reused when the server's salt matches.
        public var cachedKeys: SCRAMClient.Keys?

        public init(user: String, database: String, password: String, cachedKeys: SCRAMClient.Keys? = nil) {
            self.user = user
            self.database = database
            self.password = password
            self.cachedKeys = cachedKeys
        }
    }

    public enum Action: Sendable, Equatable {
        case sendStartup(StartupMessage)
        case send(FrontendMessage)
        /// Logged in: the connection is idle and usable.
        case ready(parameterStatus: [ParameterStatusEntry], backendKey: BackendKeyData?, derivedKeys: SCRAMClient.Keys?)
        case fail(UpstreamFailure)
    }

    public struct ParameterStatusEntry: Sendable, Equatable {
        public var name: String
        public var value: String
    }

    public enum UpstreamFailure: Error, Equatable, Sendable {
        /// The server refused us (its ErrorResponse).
        case server(ErrorFields)
        /// The server misbehaved or asked for something we do not do.
        case protocolError(String)
    }

    private enum State: Sendable {
        case initial
        case authenticating(SCRAMClient?)
        case awaitingSCRAMFinal(SCRAMClient, SCRAMClient.Keys)
        case awaitingReady
        case ready
        case failed
    }

    private var state: State = .initial
    private let credentials: Credentials
    private let clientNonce: String
    private var parameterStatus: [ParameterStatusEntry] = []
    private var backendKey: BackendKeyData?
    private var derivedKeys: SCRAMClient.Keys?

    public init(credentials: Credentials, clientNonce: String) {
        self.credentials = credentials
        self.clientNonce = clientNonce
    }

    public mutating func start() -> [Action] {
        state = .authenticating(nil)
        let message = StartupMessage(parameters: [
            StartupParameter(name: "user", value: credentials.user),
            StartupParameter(name: "database", value: credentials.database),
            // Nothing else: a server connection's settings start at the server's
            // defaults, which is what `RESET` gives a client that set none at startup.
        ])
        return [.sendStartup(message)]
    }

    public mutating func received(_ message: BackendMessage) -> [Action] {
        switch (state, message) {
        case (_, .errorResponse(let fields)):
            state = .failed
            return [.fail(.server(fields))]
        case (.authenticating, .authentication(.sasl(let mechanisms))):
            guard mechanisms.contains(SCRAMServer.mechanism) else {
                return fail("upstream offers no SASL mechanism we support: \(mechanisms.joined(separator: ", "))")
            }
            let client = SCRAMClient(clientNonce: clientNonce)
            state = .authenticating(client)
            var data = ByteBufferAllocator().buffer(capacity: 64)
            data.writeBytes(client.clientFirstMessage)
            return [.send(.saslInitialResponse(mechanism: SCRAMServer.mechanism, data: data))]
        case (.authenticating(.some(var client)), .authentication(.saslContinue(let payload))):
            let serverFirst: SCRAMClient.ServerFirst
            switch client.parseServerFirst(Array(payload.readableBytesView)) {
            case .success(let parsed): serverFirst = parsed
            case .failure(let failure): return fail("invalid SCRAM server-first message: \(failure)")
            }
            let keys: SCRAMClient.Keys
            if let cached = credentials.cachedKeys, cached.salt == serverFirst.salt, cached.iterations == serverFirst.iterations {
                keys = cached
            } else {
                keys = SCRAMClient.Keys(password: credentials.password, salt: serverFirst.salt, iterations: serverFirst.iterations)
            }
            let final = client.clientFinalMessage(serverFirst: serverFirst, keys: keys)
            state = .awaitingSCRAMFinal(client, keys)
            var data = ByteBufferAllocator().buffer(capacity: final.count)
            data.writeBytes(final)
            return [.send(.saslResponse(data))]
        case (.awaitingSCRAMFinal(let client, let keys), .authentication(.saslFinal(let payload))):
            switch client.verifyServerFinal(Array(payload.readableBytesView)) {
            case .success:
                derivedKeys = keys
                state = .authenticating(nil)
                return []
            case .failure(let failure):
                return fail("upstream SCRAM verification failed: \(failure)")
            }
        case (.authenticating, .authentication(.md5Password(let salt))):
            let inner = Insecure.MD5.hash(data: Array((credentials.password + credentials.user).utf8))
            let innerHex = Array(Self.hex(Array(inner)).utf8)
            var saltBytes: [UInt8] = []
            withUnsafeBytes(of: salt.bigEndian) { saltBytes.append(contentsOf: $0) }
            let outer = Insecure.MD5.hash(data: innerHex + saltBytes)
            return [.send(.password("md5" + Self.hex(Array(outer))))]
        case (.authenticating, .authentication(.cleartextPassword)):
            return [.send(.password(credentials.password))]
        case (.authenticating, .authentication(.ok)):
            state = .awaitingReady
            return []
        case (.awaitingReady, .parameterStatus(let name, let value)):
            parameterStatus.removeAll { $0.name == name }
            parameterStatus.append(ParameterStatusEntry(name: name, value: value))
            return []
        case (.awaitingReady, .backendKeyData(let key)):
            backendKey = key
            return []
        case (.awaitingReady, .noticeResponse), (.authenticating, .noticeResponse):
            return []
        case (.awaitingReady, .negotiateProtocolVersion), (.authenticating, .negotiateProtocolVersion):
            return []
        case (.awaitingReady, .readyForQuery):
            state = .ready
            return [.ready(parameterStatus: parameterStatus, backendKey: backendKey, derivedKeys: derivedKeys)]
        default:
            return fail("unexpected message from upstream during startup")
        }
    }

    private mutating func fail(_ reason: String) -> [Action] {
        state = .failed
        return [.fail(.protocolError(reason))]
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef".utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * 2)
        for byte in bytes {
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
