import NIOCore

/// `Parse` ('P'): creates a prepared statement.
///
/// The piece of the extended protocol a transaction-pooling proxy cares most about, since
/// named statements are per-backend state that must be tracked or re-created.
public struct Parse: Sendable, Equatable {
    /// Empty means the unnamed statement.
    public var name: String
    public var query: String
    /// Parameter type OIDs; 0 leaves the type unspecified. May be shorter than the number of
    /// placeholders in the query.
    public var parameterTypes: [UInt32]

    public init(name: String = "", query: String, parameterTypes: [UInt32] = []) {
        self.name = name
        self.query = query
        self.parameterTypes = parameterTypes
    }

    init(reader: inout PayloadReader) throws(PGWireError) {
        self.name = try reader.readCString("statement name")
        self.query = try reader.readCString("query string")
        let count = try reader.readCount("parameter type", minimumElementSize: 4)
        var types: [UInt32] = []
        types.reserveCapacity(count)
        for _ in 0..<count {
            types.append(try reader.readInteger(as: UInt32.self, "parameter type"))
        }
        self.parameterTypes = types
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.pgWriteCString(self.name)
        buffer.pgWriteCString(self.query)
        buffer.pgWriteCount(self.parameterTypes.count)
        for type in self.parameterTypes {
            buffer.writeInteger(type)
        }
    }
}
