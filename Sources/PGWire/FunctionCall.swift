import NIOCore

/// `FunctionCall` ('F'): the legacy fast-path function call interface.
///
/// Rarely used, but still sent by some drivers (large objects), so a proxy must at least be
/// able to recognise it.
public struct FunctionCall: Sendable, Equatable {
    /// The OID of the function, as sent (the protocol declares it Int32).
    public var objectID: Int32
    /// Argument format codes, with the zero/one/many convention of `Bind`.
    public var argumentFormats: [Int16]
    /// Argument values; `nil` is SQL NULL.
    public var arguments: [ByteBuffer?]
    /// Format of the result: 0 text, 1 binary.
    public var resultFormat: Int16

    public init(objectID: Int32, argumentFormats: [Int16] = [], arguments: [ByteBuffer?] = [], resultFormat: Int16 = 0) {
        self.objectID = objectID
        self.argumentFormats = argumentFormats
        self.arguments = arguments
        self.resultFormat = resultFormat
    }

    init(reader: inout PayloadReader) throws(PGWireError) {
        self.objectID = try reader.readInteger(as: Int32.self, "function OID")
        self.argumentFormats = try reader.readFormatCodes("argument format code")
        let count = try reader.readCount("argument", minimumElementSize: 4)
        var arguments: [ByteBuffer?] = []
        arguments.reserveCapacity(count)
        for _ in 0..<count {
            arguments.append(try reader.readNullableValue("argument value"))
        }
        self.arguments = arguments
        self.resultFormat = try reader.readInteger(as: Int16.self, "result format code")
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(self.objectID)
        buffer.pgWriteFormatCodes(self.argumentFormats)
        buffer.pgWriteCount(self.arguments.count)
        for argument in self.arguments {
            buffer.pgWriteNullableValue(argument)
        }
        buffer.writeInteger(self.resultFormat)
    }
}
