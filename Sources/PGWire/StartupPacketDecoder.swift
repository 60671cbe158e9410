import NIOCore

/// Decodes startup packets (SSLRequest, GSSENCRequest, CancelRequest, StartupMessage) from a
/// byte stream, one per call.
///
/// Packets are never decoded ahead: after an SSLRequest the next bytes may be a TLS handshake,
/// so the owner of the pipeline must be able to swap decoders between any two packets.
public struct StartupPacketDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = StartupPacket

    /// The largest acceptable length field; see `PGWireLimits.maxStartupPacketLength`.
    private let maxLength: Int

    public init(maxLength: Int = PGWireLimits.maxStartupPacketLength) {
        self.maxLength = maxLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> StartupPacket? {
        try StartupPacket.decode(from: &buffer, maxLength: self.maxLength)
    }

    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> StartupPacket? {
        try self.decode(buffer: &buffer)
    }
}
