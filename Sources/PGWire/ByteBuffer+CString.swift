import NIOCore

/// NUL-terminated ("C") strings, the only string encoding the PostgreSQL protocol uses.
///
/// NIO ships `readNullTerminatedString`, but it decodes leniently (invalid UTF-8 becomes
/// U+FFFD) and happily writes strings that contain NUL. Both are wrong for a proxy: lenient
/// decoding would let two different byte sequences map to the same identifier and would make
/// re-encoding silently alter queries, and an embedded NUL would end the field early so the
/// peer parses the following bytes as *other* fields. These variants are strict instead; the
/// `pg` prefix keeps them from clashing with NIO's and postgres-nio's helpers.
extension ByteBuffer {
    /// Reads a NUL-terminated UTF-8 string and consumes its terminator.
    ///
    /// - Returns: `nil`, without moving the reader index, if the readable bytes contain no NUL
    ///   or the bytes before it are not valid UTF-8.
    public mutating func pgReadCString() -> String? {
        guard case .success(let string, let consumed) = self.pgPeekCString() else {
            return nil
        }
        self.moveReaderIndex(forwardBy: consumed)
        return string
    }

    /// Writes `string` as UTF-8 followed by a NUL terminator.
    ///
    /// If `string` itself contains NUL, only the part before it is written: that is exactly
    /// what any C peer would read, and it keeps the rest of the string from being interpreted
    /// as further protocol fields.
    ///
    /// - Returns: the number of bytes written, terminator included.
    @discardableResult
    public mutating func pgWriteCString(_ string: String) -> Int {
        let utf8 = string.utf8
        let written: Int
        if let nul = utf8.firstIndex(of: 0) {
            written = self.writeBytes(utf8[..<nul])
        } else {
            written = self.writeString(string)
        }
        return written + self.writeInteger(UInt8(0))
    }

    /// Outcome of looking for a C string at the reader index, distinguishing the two failure
    /// modes so that decoders can report which one happened.
    enum CStringPeek {
        case success(String, consumed: Int)
        case missingTerminator
        case invalidUTF8
    }

    /// Locates and validates the C string at the reader index without consuming it.
    func pgPeekCString() -> CStringPeek {
        let view = self.readableBytesView
        guard let nul = view.firstIndex(of: 0) else {
            return .missingTerminator
        }
        let bytes = view[view.startIndex..<nul]
        // `String(validating:as:)` needs macOS 15; decoding leniently and comparing the result
        // with the input is equivalent, because any repair changes the bytes.
        let string = String(decoding: bytes, as: UTF8.self)
        guard string.utf8.elementsEqual(bytes) else {
            return .invalidUTF8
        }
        return .success(string, consumed: bytes.count + 1)
    }
}
