import NIOCore
import NIOPosix
import PGSession
import PGWire

/// A PostgreSQL client that speaks the wire protocol byte by byte, for tests
/// that must see exactly what a server (or the proxy) sends, and send what no
/// well-behaved driver would: bad lengths, stalls, unknown message types.
///
/// Encoding and decoding use PGWire's own codec and SCRAM uses PGSession's
/// `SCRAMClient`, so the client checks the proxy against the same definitions
/// the proxy is built on; the real PostgreSQL server keeps both honest.
/// Every read has a deadline, and a read that times out leaves the
/// connection usable.
public final class RawWireClient: Sendable {
    public static let defaultTimeout: Duration = .seconds(10)

    /// The SCRAM mechanism the client speaks (no channel binding: no TLS here).
    static let mechanism = "SCRAM-SHA-256"

    public let channel: Channel
    private let inbox: NIOLoopBound<WireInbox>

    private init(channel: Channel, inbox: NIOLoopBound<WireInbox>) {
        self.channel = channel
        self.inbox = inbox
    }

    // MARK: Connecting

    /// Opens a TCP connection; nothing is sent yet.
    public static func connect(
        host: String,
        port: Int,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: Duration = .seconds(5)
    ) async throws -> RawWireClient {
        let channel = try await ClientBootstrap(group: group)
            .connectTimeout(TimeAmount(timeout))
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(WireInbox())
                }
            }
            .connect(host: host, port: port)
            .get()
        let inbox = try await channel.eventLoop.submit {
            NIOLoopBound(try channel.pipeline.syncOperations.handler(type: WireInbox.self), eventLoop: channel.eventLoop)
        }.get()
        return RawWireClient(channel: channel, inbox: inbox)
    }

    /// Connects and logs in (`startup`), the common case.
    public static func login(
        host: String,
        port: Int,
        user: String,
        password: String,
        database: String? = nil,
        parameters: [StartupParameter] = [],
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        timeout: Duration = defaultTimeout
    ) async throws -> (client: RawWireClient, outcome: StartupOutcome) {
        let client = try await connect(host: host, port: port, group: group)
        do {
            let outcome = try await client.startup(
                user: user, password: password, database: database, parameters: parameters, timeout: timeout
            )
            return (client, outcome)
        } catch {
            await client.close()
            throw error
        }
    }

    /// Sends a CancelRequest for `key` on a connection of its own, as drivers
    /// do, and waits (briefly) for the peer to close it.
    public static func cancel(
        host: String,
        port: Int,
        key: BackendKeyData,
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws {
        let client = try await connect(host: host, port: port, group: group)
        try await client.send(.cancel(key.cancelRequest))
        _ = try? await client.readUntilClosed(timeout: .seconds(5))
        await client.close()
    }

    // MARK: Sending

    public func send(_ bytes: ByteBuffer) async throws {
        try await channel.writeAndFlush(bytes)
    }

    public func send(bytes: [UInt8]) async throws {
        try await send(ByteBuffer(bytes: bytes))
    }

    /// Sends the messages in one write (one TCP segment when they fit).
    public func send(_ messages: [FrontendMessage]) async throws {
        var buffer = channel.allocator.buffer(capacity: 64)
        for message in messages {
            message.write(into: &buffer)
        }
        try await send(buffer)
    }

    public func send(_ message: FrontendMessage) async throws {
        try await send([message])
    }

    public func send(_ packet: StartupPacket) async throws {
        var buffer = channel.allocator.buffer(capacity: 64)
        packet.write(into: &buffer)
        try await send(buffer)
    }

    // MARK: Reading

    /// Runs a read on the event loop. `makeExtract` builds the extraction
    /// closure there, so the closure may keep state across attempts without
    /// being `Sendable`.
    private func read<Value: Sendable>(
        _ what: String,
        timeout: Duration,
        _ makeExtract: @escaping @Sendable () -> (inout ByteBuffer, Bool) throws -> Value?
    ) async throws -> Value {
        let deadline = NIODeadline.now() + TimeAmount(timeout)
        let inbox = self.inbox
        return try await channel.eventLoop.flatSubmit {
            inbox.value.read(on: inbox.eventLoop, deadline: deadline, waitingFor: what, makeExtract())
        }.get()
    }

    private static func decodeFrame(_ buffer: inout ByteBuffer) throws -> Frame? {
        try Frame.decode(from: &buffer, maxLength: PGWireLimits.defaultMaxMessageLength)
    }

    /// One raw byte: the answer to SSLRequest or GSSENCRequest.
    public func readByte(timeout: Duration = defaultTimeout) async throws -> UInt8 {
        try await read("a one-byte answer", timeout: timeout) {
            { buffer, _ in buffer.readInteger(as: UInt8.self) }
        }
    }

    /// The next message, undecoded.
    public func readFrame(timeout: Duration = defaultTimeout) async throws -> Frame {
        try await read("a message", timeout: timeout) {
            { buffer, _ in try Self.decodeFrame(&buffer) }
        }
    }

    /// The next message.
    public func readMessage(timeout: Duration = defaultTimeout) async throws -> BackendMessage {
        try BackendMessage(frame: try await readFrame(timeout: timeout))
    }

    /// Messages up to and including the next ReadyForQuery. If the peer
    /// closes first after an ErrorResponse (a FATAL ends a session without
    /// ReadyForQuery), that error is thrown as `RawWireError.server`.
    public func readUntilReadyForQuery(timeout: Duration = defaultTimeout) async throws -> [BackendMessage] {
        let frames = try await read("ReadyForQuery", timeout: timeout) {
            var frames: [Frame] = []
            return { buffer, closed in
                while let frame = try Self.decodeFrame(&buffer) {
                    frames.append(frame)
                    if frame.id == UInt8(ascii: "Z") { return frames }
                }
                if closed, let error = frames.last(where: { $0.id == UInt8(ascii: "E") }),
                   case .errorResponse(let fields) = try BackendMessage(frame: error) {
                    throw RawWireError.server(fields)
                }
                return nil
            }
        }
        return try frames.map { try BackendMessage(frame: $0) }
    }

    /// Every message until the peer closes the connection; a trailing
    /// partial message is dropped. Fails with `timedOut` if it stays open.
    public func readUntilClosed(timeout: Duration = defaultTimeout) async throws -> [BackendMessage] {
        let frames = try await read("the connection to close", timeout: timeout) {
            var frames: [Frame] = []
            return { buffer, closed in
                while let frame = try Self.decodeFrame(&buffer) {
                    frames.append(frame)
                }
                return closed ? frames : nil
            }
        }
        return try frames.map { try BackendMessage(frame: $0) }
    }

    /// True once the peer has closed the connection.
    public var isClosed: Bool {
        get async {
            let inbox = self.inbox
            return (try? await channel.eventLoop.submit { inbox.value.isClosed }.get()) ?? true
        }
    }

    // MARK: Conversations

    /// Sends SSLRequest and returns the answer byte (`S` or `N`).
    public func requestSSL(timeout: Duration = defaultTimeout) async throws -> UInt8 {
        try await send(.sslRequest)
        return try await readByte(timeout: timeout)
    }

    /// Sends the StartupMessage, authenticates with SCRAM-SHA-256 and reads
    /// the greeting up to ReadyForQuery. An ErrorResponse at any step is
    /// thrown as `RawWireError.server`.
    public func startup(
        user: String,
        password: String,
        database: String? = nil,
        parameters: [StartupParameter] = [],
        timeout: Duration = defaultTimeout
    ) async throws -> StartupOutcome {
        var transcript: [BackendMessage] = []
        return try await startup(
            user: user, password: password, database: database, parameters: parameters, timeout: timeout,
            transcript: &transcript
        )
    }

    /// Like `startup`, but returns every message the peer sent, in order,
    /// and how the attempt ended: for tests that compare refusals step by
    /// step (an unknown user must be led through the same exchange as a
    /// wrong password).
    public func startupTranscript(
        user: String,
        password: String,
        database: String? = nil,
        timeout: Duration = defaultTimeout
    ) async -> (messages: [BackendMessage], error: (any Error)?) {
        var transcript: [BackendMessage] = []
        do {
            _ = try await startup(
                user: user, password: password, database: database, parameters: [], timeout: timeout, transcript: &transcript
            )
            return (transcript, nil)
        } catch {
            return (transcript, error)
        }
    }

    private func startup(
        user: String,
        password: String,
        database: String?,
        parameters: [StartupParameter],
        timeout: Duration,
        transcript: inout [BackendMessage]
    ) async throws -> StartupOutcome {
        var all = [StartupParameter(name: "user", value: user)]
        if let database { all.append(StartupParameter(name: "database", value: database)) }
        all += parameters
        try await send(.startup(StartupMessage(parameters: all)))
        try await authenticate(password: password, timeout: timeout, transcript: &transcript)
        return try await readGreeting(timeout: timeout, transcript: &transcript)
    }

    private func authenticate(password: String, timeout: Duration, transcript: inout [BackendMessage]) async throws {
        guard case .sasl(let mechanisms) = try await nextAuthentication(timeout: timeout, transcript: &transcript) else {
            throw RawWireError.unexpected("the server did not ask for SASL authentication")
        }
        guard mechanisms.contains(Self.mechanism) else {
            throw RawWireError.unexpected("SASL mechanisms \(mechanisms) lack \(Self.mechanism)")
        }
        var generator = SystemRandomNumberGenerator()
        var scram = SCRAMClient(clientNonce: SCRAMPrimitives.makeNonce(using: &generator))
        try await send(.saslInitialResponse(mechanism: Self.mechanism, data: ByteBuffer(bytes: scram.clientFirstMessage)))

        guard case .saslContinue(let serverFirstData) = try await nextAuthentication(timeout: timeout, transcript: &transcript) else {
            throw RawWireError.unexpected("expected SASLContinue")
        }
        let serverFirst: SCRAMClient.ServerFirst
        switch scram.parseServerFirst(Array(serverFirstData.readableBytesView)) {
        case .success(let parsed): serverFirst = parsed
        case .failure(let failure): throw RawWireError.scram("server-first-message: \(failure)")
        }
        let keys = SCRAMClient.Keys(password: password, salt: serverFirst.salt, iterations: serverFirst.iterations)
        let clientFinal = scram.clientFinalMessage(serverFirst: serverFirst, keys: keys)
        try await send(.saslResponse(ByteBuffer(bytes: clientFinal)))

        guard case .saslFinal(let serverFinal) = try await nextAuthentication(timeout: timeout, transcript: &transcript) else {
            throw RawWireError.unexpected("expected SASLFinal")
        }
        if case .failure(let failure) = scram.verifyServerFinal(Array(serverFinal.readableBytesView)) {
            throw RawWireError.scram("server-final-message: \(failure)")
        }
        guard case .ok = try await nextAuthentication(timeout: timeout, transcript: &transcript) else {
            throw RawWireError.unexpected("expected AuthenticationOk")
        }
    }

    /// The next Authentication message, skipping notices and
    /// NegotiateProtocolVersion; an ErrorResponse is thrown.
    private func nextAuthentication(timeout: Duration, transcript: inout [BackendMessage]) async throws -> Authentication {
        while true {
            let message = try await readMessage(timeout: timeout)
            transcript.append(message)
            switch message {
            case .authentication(let authentication): return authentication
            case .errorResponse(let fields): throw RawWireError.server(fields)
            case .noticeResponse, .negotiateProtocolVersion: continue
            default: throw RawWireError.unexpected("\(message) during authentication")
            }
        }
    }

    private func readGreeting(timeout: Duration, transcript: inout [BackendMessage]) async throws -> StartupOutcome {
        let messages: [BackendMessage]
        do {
            messages = try await readUntilReadyForQuery(timeout: timeout)
        } catch RawWireError.server(let fields) {
            transcript.append(.errorResponse(fields))
            throw RawWireError.server(fields)
        }
        transcript += messages
        var outcome = StartupOutcome(parameters: [:], backendKey: nil, messages: messages)
        for message in messages {
            switch message {
            case .parameterStatus(let name, let value): outcome.parameters[name] = value
            case .backendKeyData(let key): outcome.backendKey = key
            case .errorResponse(let fields): throw RawWireError.server(fields)
            default: break
            }
        }
        return outcome
    }

    /// Sends a simple Query and returns every message up to ReadyForQuery
    /// (errors included: they are results here, not failures).
    public func simpleQuery(_ sql: String, timeout: Duration = defaultTimeout) async throws -> [BackendMessage] {
        try await send(.query(sql))
        return try await readUntilReadyForQuery(timeout: timeout)
    }

    /// Like `simpleQuery`, for results too large to keep: DataRow and
    /// CopyData are counted, not decoded.
    public func tallyQuery(_ sql: String, timeout: Duration = defaultTimeout) async throws -> QueryTally {
        try await send(.query(sql))
        return try await readTally(timeout: timeout)
    }

    /// Reads (counting rows) up to the next ReadyForQuery.
    public func readTally(timeout: Duration = defaultTimeout) async throws -> QueryTally {
        try await read("ReadyForQuery", timeout: timeout) {
            var tally = QueryTally()
            return { buffer, closed in
                while let frame = try Self.decodeFrame(&buffer) {
                    switch frame.id {
                    case UInt8(ascii: "D"):
                        tally.dataRows += 1
                    case UInt8(ascii: "d"):
                        tally.copyDataMessages += 1
                        tally.copyDataBytes += frame.payload.readableBytes
                    default:
                        tally.messages.append(try BackendMessage(frame: frame))
                        if frame.id == UInt8(ascii: "Z") { return tally }
                    }
                }
                if closed, let error = tally.error { throw RawWireError.server(error) }
                return nil
            }
        }
    }

    // MARK: Ending

    /// Sends Terminate and closes, ignoring errors (the peer may be gone).
    public func terminate() async {
        try? await send(.terminate)
        await close()
    }

    /// Closes the connection without a word.
    public func close() async {
        try? await channel.close()
    }
}
