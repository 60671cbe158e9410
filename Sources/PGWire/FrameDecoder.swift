import NIOCore

/// Splits a byte stream into `Frame`s, for simple pipelines and tests.
///
/// Only frames, not messages: the meaning of a frame depends on connection state (for example
/// the 'p' message), which a stateless stream decoder cannot know.
public struct FrameDecoder: NIOSingleStepByteToMessageDecoder {
    public typealias InboundOut = Frame

    /// The largest acceptable length field; see `PGWireLimits.defaultMaxMessageLength`.
    private let maxLength: Int

    public init(maxLength: Int = PGWireLimits.defaultMaxMessageLength) {
        self.maxLength = maxLength
    }

    public mutating func decode(buffer: inout ByteBuffer) throws -> Frame? {
        try Frame.decode(from: &buffer, maxLength: self.maxLength)
    }

    /// At EOF an incomplete frame is left in the buffer, so that the surrounding handler
    /// reports it as left-over data instead of this decoder inventing an error.
    public mutating func decodeLast(buffer: inout ByteBuffer, seenEOF: Bool) throws -> Frame? {
        try self.decode(buffer: &buffer)
    }
}
