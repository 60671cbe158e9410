import NIOCore

/// One typed protocol message as it travels on the wire: a type byte and the payload.
///
/// Frames are the unit a proxy forwards. Decoding stops at this level (no interpretation of
/// the payload) so that messages which only need relaying are never parsed, and so that the
/// payload stays a slice of the receive buffer instead of a copy.
public struct Frame: Sendable, Equatable {
    /// The message type byte, e.g. `UInt8(ascii: "Q")`.
    public var id: UInt8
    /// The message body, excluding the type byte and the 4-byte length field.
    public var payload: ByteBuffer

    public init(id: UInt8, payload: ByteBuffer) {
        self.id = id
        self.payload = payload
    }

    /// The number of bytes `write(into:)` produces: type byte, length field and payload.
    public var encodedLength: Int {
        5 + self.payload.readableBytes
    }

    /// Writes the type byte, the Int32 length (payload plus the 4 bytes of the length itself)
    /// and the payload.
    ///
    /// A payload that cannot be described by an Int32 length is a programming error (decoded
    /// frames are bounded far below that), so it traps rather than emitting a corrupt stream.
    public func write(into buffer: inout ByteBuffer) {
        let length = self.payload.readableBytes + 4
        precondition(length <= Int(Int32.max), "PostgreSQL message payload too large to encode")
        buffer.writeInteger(self.id)
        buffer.writeInteger(Int32(truncatingIfNeeded: length))
        buffer.writeImmutableBuffer(self.payload)
    }

    /// Decodes one frame if `buffer` holds a complete one.
    ///
    /// Returns `nil`, leaving `buffer` untouched, when more bytes are needed. The length field
    /// is validated as soon as the 5-byte header is available, so an oversized message is
    /// rejected before its body is buffered. The type byte is not validated: which ids are
    /// legal depends on direction and state, which only higher layers know.
    ///
    /// - Parameter maxLength: the largest acceptable value of the length field (which counts itself).
    /// - Throws: `PGWireError.invalidLength` for lengths below 4, `.messageTooLarge` above `maxLength`.
    public static func decode(from buffer: inout ByteBuffer, maxLength: Int) throws(PGWireError) -> Frame? {
        try self.decodeRaw(from: &buffer, maxLength: maxLength)?.frame
    }

    /// Like `decode(from:maxLength:)`, but also returns the whole message (header included) as
    /// a slice of `buffer`, so a proxy can forward it without re-encoding or copying. The
    /// slice's readable bytes are the message; its capacity runs on to the end of `buffer`'s
    /// written bytes (never written to: the storage is shared), so consecutive messages can
    /// be recognised as adjacent and forwarded as one slice.
    public static func decodeRaw(
        from buffer: inout ByteBuffer,
        maxLength: Int
    ) throws(PGWireError) -> (frame: Frame, raw: ByteBuffer)? {
        let start = buffer.readerIndex
        guard let id = buffer.getInteger(at: start, as: UInt8.self),
            let declared = buffer.getInteger(at: start + 1, as: Int32.self)
        else {
            return nil
        }
        let length = Int(declared)
        guard length >= 4 else {
            throw .invalidLength(length)
        }
        guard length <= maxLength else {
            throw .messageTooLarge(length: length, limit: maxLength)
        }
        // `length` is at most Int32.max, so adding the type byte cannot overflow an Int.
        guard 1 + length <= buffer.writerIndex - start,
            var raw = buffer.getSlice(at: start, length: buffer.writerIndex - start),
            let payload = buffer.getSlice(at: start + 5, length: length - 4)
        else {
            return nil
        }
        // The slice's capacity reaches the end of what `buffer` holds, its
        // readable bytes are the message's: a proxy can tell that the next
        // message follows in memory and write both as one slice.
        raw.moveWriterIndex(to: 1 + length)
        buffer.moveReaderIndex(forwardBy: 1 + length)
        return (Frame(id: id, payload: payload), raw)
    }
}
