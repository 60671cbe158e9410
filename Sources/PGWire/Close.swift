import NIOCore

/// `Close` ('C'): releases a prepared statement or portal.
public struct Close: Sendable, Equatable {
    public typealias Kind = PreparedObjectKind

    public var kind: Kind
    /// Empty means the unnamed statement or portal.
    public var name: String

    public init(kind: Kind, name: String) {
        self.kind = kind
        self.name = name
    }

    init(reader: inout PayloadReader) throws(PGWireError) {
        self.kind = try Kind(reader: &reader)
        self.name = try reader.readCString("name")
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(self.kind.rawValue)
        buffer.pgWriteCString(self.name)
    }
}
