import NIOCore

/// A packet a client sends before the first typed message. These carry no type byte and are
/// told apart by the 32-bit code that follows the length.
public enum StartupPacket: Sendable, Equatable {
    /// Asks whether the server will do TLS (code 80877103).
    case sslRequest
    /// Asks whether the server will do GSSAPI encryption (code 80877104).
    case gssEncRequest
    /// Asks to cancel the query running on another connection (code 80877102).
    case cancel(CancelRequest)
    /// Opens a session with protocol 3.x.
    case startup(StartupMessage)

    /// Codes below are `1234 << 16 | n`: a "protocol version" no real server will ever have.
    static let specialMajor = 1234
    static let cancelCode = 5678
    static let sslCode = 5679
    static let gssEncCode = 5680

    /// Decodes one startup packet if `buffer` holds a complete one.
    ///
    /// Returns `nil`, leaving `buffer` untouched, when more bytes are needed. The length is
    /// validated as soon as it is readable so an oversized packet is refused before buffering.
    ///
    /// - Throws: `.invalidLength` below 8 bytes, `.messageTooLarge` above `maxLength`,
    ///   `.unsupportedProtocolVersion` for major versions other than 3 and unknown special
    ///   codes, `.malformed` for a bad layout.
    public static func decode(
        from buffer: inout ByteBuffer,
        maxLength: Int = PGWireLimits.maxStartupPacketLength
    ) throws(PGWireError) -> StartupPacket? {
        guard let declared = buffer.getInteger(at: buffer.readerIndex, as: Int32.self) else {
            return nil
        }
        let length = Int(declared)
        guard length >= 8 else {
            throw .invalidLength(length)
        }
        guard length <= maxLength else {
            throw .messageTooLarge(length: length, limit: maxLength)
        }
        guard let body = buffer.getSlice(at: buffer.readerIndex + 4, length: length - 4) else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: length)

        var reader = PayloadReader(body, messageType: nil)
        // Read as unsigned so that a code with the high bit set yields a large major version
        // rather than a negative one.
        let code = try reader.readInteger(as: UInt32.self, "protocol version")
        let major = Int(code >> 16)
        let minor = Int(code & 0xFFFF)

        if major == Self.specialMajor {
            return try Self.decodeSpecial(minor: minor, reader: &reader)
        }
        guard major == 3 else {
            throw .unsupportedProtocolVersion(major: major, minor: minor)
        }
        return .startup(try StartupMessage(protocolMajor: major, protocolMinor: minor, reader: &reader))
    }

    private static func decodeSpecial(minor: Int, reader: inout PayloadReader) throws(PGWireError) -> StartupPacket {
        let packet: StartupPacket
        switch minor {
        case Self.sslCode:
            packet = .sslRequest
        case Self.gssEncCode:
            packet = .gssEncRequest
        case Self.cancelCode:
            let processID = try reader.readInteger(as: Int32.self, "process ID")
            let secretKey = try reader.readInteger(as: Int32.self, "secret key")
            packet = .cancel(CancelRequest(processID: processID, secretKey: secretKey))
        default:
            throw .unsupportedProtocolVersion(major: Self.specialMajor, minor: minor)
        }
        try reader.finish()
        return packet
    }

    /// Writes the packet including its length prefix.
    public func write(into buffer: inout ByteBuffer) {
        let lengthIndex = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        switch self {
        case .sslRequest:
            buffer.writeInteger(Self.specialCode(Self.sslCode))
        case .gssEncRequest:
            buffer.writeInteger(Self.specialCode(Self.gssEncCode))
        case .cancel(let request):
            buffer.writeInteger(Self.specialCode(Self.cancelCode))
            buffer.writeInteger(request.processID)
            buffer.writeInteger(request.secretKey)
        case .startup(let message):
            message.writeBody(into: &buffer)
        }
        let length = buffer.writerIndex - lengthIndex
        precondition(length <= Int(Int32.max), "startup packet too large to encode")
        buffer.setInteger(Int32(truncatingIfNeeded: length), at: lengthIndex)
    }

    private static func specialCode(_ minor: Int) -> Int32 {
        Int32(Self.specialMajor << 16 | minor)
    }
}
