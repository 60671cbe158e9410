import NIOCore

/// `Execute` ('E'): runs a portal.
public struct Execute: Sendable, Equatable {
    /// Empty means the unnamed portal.
    public var portal: String
    /// Row limit; zero (and, as PostgreSQL treats them, negative values) means no limit.
    /// Kept verbatim so that forwarding does not change the message.
    public var maxRows: Int32

    public init(portal: String = "", maxRows: Int32 = 0) {
        self.portal = portal
        self.maxRows = maxRows
    }

    init(reader: inout PayloadReader) throws(PGWireError) {
        self.portal = try reader.readCString("portal name")
        self.maxRows = try reader.readInteger(as: Int32.self, "row limit")
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.pgWriteCString(self.portal)
        buffer.writeInteger(self.maxRows)
    }
}
