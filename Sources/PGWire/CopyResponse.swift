import NIOCore

/// The body shared by `CopyInResponse` ('G'), `CopyOutResponse` ('H') and
/// `CopyBothResponse` ('W'), which differ only in their type byte.
public struct CopyResponse: Sendable, Equatable {
    /// Overall format: 0 text, 1 binary.
    public var format: Int8
    /// Per-column format codes (all 0 when `format` is 0).
    public var columnFormats: [Int16]

    public init(format: Int8, columnFormats: [Int16]) {
        self.format = format
        self.columnFormats = columnFormats
    }

    init(reader: inout PayloadReader) throws(PGWireError) {
        self.format = try reader.readInteger(as: Int8.self, "copy format")
        self.columnFormats = try reader.readFormatCodes("column format code")
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(self.format)
        buffer.pgWriteFormatCodes(self.columnFormats)
    }
}
