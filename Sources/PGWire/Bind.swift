import NIOCore

/// `Bind` ('B'): creates a portal from a prepared statement and parameter values.
public struct Bind: Sendable, Equatable {
    /// The portal to create; empty means the unnamed portal.
    public var portal: String
    /// The prepared statement to bind; empty means the unnamed statement.
    public var statement: String
    /// Zero codes (all text), one code (applies to all), or one per parameter: 0 text, 1 binary.
    public var parameterFormats: [Int16]
    /// Parameter values as raw bytes; `nil` is SQL NULL (length -1 on the wire).
    public var parameters: [ByteBuffer?]
    /// Result column format codes, with the same zero/one/many convention.
    public var resultFormats: [Int16]

    public init(
        portal: String = "",
        statement: String = "",
        parameterFormats: [Int16] = [],
        parameters: [ByteBuffer?] = [],
        resultFormats: [Int16] = []
    ) {
        self.portal = portal
        self.statement = statement
        self.parameterFormats = parameterFormats
        self.parameters = parameters
        self.resultFormats = resultFormats
    }

    init(reader: inout PayloadReader) throws(PGWireError) {
        self.portal = try reader.readCString("portal name")
        self.statement = try reader.readCString("statement name")
        self.parameterFormats = try reader.readFormatCodes("parameter format code")

        let count = try reader.readCount("parameter", minimumElementSize: 4)
        var parameters: [ByteBuffer?] = []
        parameters.reserveCapacity(count)
        for _ in 0..<count {
            parameters.append(try reader.readNullableValue("parameter value"))
        }
        self.parameters = parameters

        self.resultFormats = try reader.readFormatCodes("result format code")
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.pgWriteCString(self.portal)
        buffer.pgWriteCString(self.statement)
        buffer.pgWriteFormatCodes(self.parameterFormats)
        buffer.pgWriteCount(self.parameters.count)
        for parameter in self.parameters {
            buffer.pgWriteNullableValue(parameter)
        }
        buffer.pgWriteFormatCodes(self.resultFormats)
    }
}
