import NIOCore

/// Encoding helpers shared by the message types.
///
/// Values that cannot be represented on the wire (more than 65535 elements, a value longer
/// than Int32.max) can only come from code building messages by hand, never from decoding,
/// so they trap instead of silently producing a stream the peer would misparse.
extension ByteBuffer {
    /// Writes an element count as the unsigned 16-bit value PostgreSQL reads.
    mutating func pgWriteCount(_ count: Int) {
        precondition(count >= 0 && count <= Int(UInt16.max), "too many elements for a PostgreSQL message: \(count)")
        self.writeInteger(UInt16(truncatingIfNeeded: count))
    }

    /// Writes an Int32 length and the bytes of `value`, or length -1 for SQL NULL.
    mutating func pgWriteNullableValue(_ value: ByteBuffer?) {
        guard let value else {
            self.writeInteger(Int32(-1))
            return
        }
        precondition(value.readableBytes <= Int(Int32.max), "value too large for a PostgreSQL message")
        self.writeInteger(Int32(truncatingIfNeeded: value.readableBytes))
        self.writeImmutableBuffer(value)
    }

    /// Writes a complete typed message: type byte, length placeholder, the body produced by
    /// `body`, then back-fills the length. Avoids encoding the payload into a temporary buffer.
    mutating func pgWriteMessage(id: UInt8, _ body: (inout ByteBuffer) -> Void) {
        self.writeInteger(id)
        let lengthIndex = self.writerIndex
        self.writeInteger(Int32(0))
        body(&self)
        let length = self.writerIndex - lengthIndex
        precondition(length <= Int(Int32.max), "PostgreSQL message payload too large to encode")
        self.setInteger(Int32(truncatingIfNeeded: length), at: lengthIndex)
    }

    /// Writes a count followed by that many Int16 format codes.
    mutating func pgWriteFormatCodes(_ codes: [Int16]) {
        self.pgWriteCount(codes.count)
        for code in codes {
            self.writeInteger(code)
        }
    }
}
