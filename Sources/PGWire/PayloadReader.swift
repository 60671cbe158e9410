import NIOCore

/// Reads the fields of one message payload, turning every shortfall into `PGWireError.malformed`.
///
/// Funnelling all reads through one type means a message decoder cannot forget a bounds check,
/// and counts are checked against the bytes actually present before anything is allocated, so
/// a hostile count cannot make us reserve memory the payload could never fill.
struct PayloadReader {
    private var buffer: ByteBuffer
    /// The type byte reported in errors; `nil` for startup packets.
    let messageType: UInt8?

    init(_ buffer: ByteBuffer, messageType: UInt8?) {
        self.buffer = buffer
        self.messageType = messageType
    }

    /// Bytes not yet consumed.
    var remaining: Int {
        self.buffer.readableBytes
    }

    func malformed(_ reason: String) -> PGWireError {
        .malformed(messageType: self.messageType, reason: reason)
    }

    mutating func readInteger<T: FixedWidthInteger>(as type: T.Type = T.self, _ field: String) throws(PGWireError) -> T {
        guard let value = self.buffer.readInteger(as: T.self) else {
            throw self.malformed("truncated \(field)")
        }
        return value
    }

    mutating func readCString(_ field: String) throws(PGWireError) -> String {
        switch self.buffer.pgPeekCString() {
        case .success(let string, let consumed):
            self.buffer.moveReaderIndex(forwardBy: consumed)
            return string
        case .missingTerminator:
            throw self.malformed("missing NUL terminator in \(field)")
        case .invalidUTF8:
            throw self.malformed("invalid UTF-8 in \(field)")
        }
    }

    /// Reads an Int16 element count.
    ///
    /// PostgreSQL and libpq both read these counts as *unsigned* 16-bit values (up to 65535
    /// bind parameters are legal), so we do too. `minimumElementSize` is the smallest number of
    /// bytes one element can occupy; a count the remaining payload cannot hold is rejected here.
    mutating func readCount(_ field: String, minimumElementSize: Int) throws(PGWireError) -> Int {
        let count = Int(try self.readInteger(as: UInt16.self, "\(field) count"))
        try self.checkCount(count, field, minimumElementSize: minimumElementSize)
        return count
    }

    /// Reads a signed Int32 element count, rejecting negative values.
    mutating func readInt32Count(_ field: String, minimumElementSize: Int) throws(PGWireError) -> Int {
        let count = Int(try self.readInteger(as: Int32.self, "\(field) count"))
        guard count >= 0 else {
            throw self.malformed("negative \(field) count \(count)")
        }
        try self.checkCount(count, field, minimumElementSize: minimumElementSize)
        return count
    }

    private func checkCount(_ count: Int, _ field: String, minimumElementSize: Int) throws(PGWireError) {
        // Division instead of multiplication: no overflow is possible whatever the count.
        guard count <= self.remaining / max(minimumElementSize, 1) else {
            throw self.malformed("\(field) count \(count) exceeds the payload")
        }
    }

    /// Reads exactly `length` bytes as a slice of the payload (no copy).
    mutating func readSlice(length: Int, _ field: String) throws(PGWireError) -> ByteBuffer {
        guard length >= 0, let slice = self.buffer.readSlice(length: length) else {
            throw self.malformed("truncated \(field)")
        }
        return slice
    }

    /// Reads an Int32 length followed by that many bytes; length -1 means SQL NULL.
    mutating func readNullableValue(_ field: String) throws(PGWireError) -> ByteBuffer? {
        let length = Int(try self.readInteger(as: Int32.self, "\(field) length"))
        if length == -1 {
            return nil
        }
        guard length >= 0 else {
            throw self.malformed("invalid \(field) length \(length)")
        }
        guard length <= self.remaining else {
            throw self.malformed("\(field) length \(length) exceeds the payload")
        }
        return try self.readSlice(length: length, field)
    }

    /// Consumes everything that is left (for messages whose last field is "the rest").
    mutating func readRemaining() -> ByteBuffer {
        self.buffer.readSlice(length: self.buffer.readableBytes) ?? ByteBuffer()
    }

    /// Requires the payload to be fully consumed: trailing bytes mean the peer and we disagree
    /// about the layout, and continuing would mean guessing.
    func finish() throws(PGWireError) {
        guard self.remaining == 0 else {
            throw self.malformed("\(self.remaining) unexpected trailing byte(s)")
        }
    }
}

extension PayloadReader {
    /// Reads a UInt16 count followed by that many Int16 format codes.
    mutating func readFormatCodes(_ field: String) throws(PGWireError) -> [Int16] {
        let count = try self.readCount(field, minimumElementSize: 2)
        var codes: [Int16] = []
        codes.reserveCapacity(count)
        for _ in 0..<count {
            codes.append(try self.readInteger(as: Int16.self, field))
        }
        return codes
    }
}
