import NIOCore

/// `BackendKeyData` ('K'): the key a client must present in a `CancelRequest` for this session.
///
/// Separate from `CancelRequest` because it travels in the other direction and inside a
/// typed message, but convertible, since a proxy hands out one and later receives the other.
public struct BackendKeyData: Sendable, Equatable, Hashable {
    public var processID: Int32
    public var secretKey: Int32

    public init(processID: Int32, secretKey: Int32) {
        self.processID = processID
        self.secretKey = secretKey
    }

    /// The `CancelRequest` a client holding this key would send.
    public var cancelRequest: CancelRequest {
        CancelRequest(processID: self.processID, secretKey: self.secretKey)
    }

    /// Only the protocol 3.0 layout (a 4-byte secret) is accepted; 3.2's longer keys leave
    /// trailing bytes and are therefore reported as malformed.
    init(reader: inout PayloadReader) throws(PGWireError) {
        self.processID = try reader.readInteger(as: Int32.self, "process ID")
        self.secretKey = try reader.readInteger(as: Int32.self, "secret key")
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(self.processID)
        buffer.writeInteger(self.secretKey)
    }
}
