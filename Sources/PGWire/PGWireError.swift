/// Everything that can go wrong while decoding the PostgreSQL wire protocol.
///
/// The cases are deliberately coarse: a proxy answers all of them the same way (a FATAL
/// `ErrorResponse` with SQLSTATE 08P01, then closing the connection), so the payloads exist
/// for logging and for tests rather than for recovery.
public enum PGWireError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A length field below the protocol minimum (4 for typed messages, 8 for startup packets),
    /// including negative values.
    case invalidLength(Int)
    /// A length field above the configured limit.
    case messageTooLarge(length: Int, limit: Int)
    /// A typed message whose type byte is not defined for the direction being decoded.
    case unknownMessageType(UInt8)
    /// A message whose payload does not match its layout: truncated fields, missing NUL
    /// terminators, impossible counts, trailing bytes and the like. `messageType` is `nil`
    /// for startup packets, which carry no type byte.
    case malformed(messageType: UInt8?, reason: String)
    /// A startup packet requesting a protocol version we do not speak.
    case unsupportedProtocolVersion(major: Int, minor: Int)

    /// The SQLSTATE to report to the peer: always `08P01` (protocol_violation), because every
    /// case means the byte stream can no longer be trusted.
    public var sqlState: String {
        SQLState.protocolViolation.rawValue
    }

    /// A message suitable for the `M` field of a FATAL `ErrorResponse`.
    public var description: String {
        switch self {
        case .invalidLength(let length):
            return "invalid message length \(length)"
        case .messageTooLarge(let length, let limit):
            return "message length \(length) exceeds the limit of \(limit) bytes"
        case .unknownMessageType(let id):
            return "invalid message type \(Self.describe(messageType: id))"
        case .malformed(let messageType, let reason):
            if let messageType {
                return "malformed message of type \(Self.describe(messageType: messageType)): \(reason)"
            }
            return "invalid startup packet: \(reason)"
        case .unsupportedProtocolVersion(let major, let minor):
            return "unsupported frontend protocol \(major).\(minor): server supports 3.0 to 3.x"
        }
    }

    /// Renders a type byte both as a character (when printable) and numerically, because
    /// hostile input is often not printable and a bare character would hide that.
    private static func describe(messageType id: UInt8) -> String {
        let hex = "0x" + String(id, radix: 16, uppercase: true)
        if id >= 0x21 && id <= 0x7E {
            return "'\(Character(Unicode.Scalar(id)))' (\(hex))"
        }
        return hex
    }
}
