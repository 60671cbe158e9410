import NIOCore

/// The body of an `Authentication` ('R') message: a request for, or the outcome of, one step
/// of authentication, selected by an Int32 code.
public enum Authentication: Sendable, Equatable {
    case ok  // 0
    case kerberosV5  // 2
    case cleartextPassword  // 3
    /// The salt is the 4 bytes following the code, read big-endian; hash with
    /// `withUnsafeBytes(of: salt.bigEndian)` to get the bytes as they were on the wire.
    case md5Password(salt: UInt32)  // 5
    case gss  // 7
    case gssContinue(ByteBuffer)  // 8
    case sspi  // 9
    /// The mechanisms the server offers, in its order of preference.
    case sasl(mechanisms: [String])  // 10
    case saslContinue(ByteBuffer)  // 11
    case saslFinal(ByteBuffer)  // 12

    private var code: Int32 {
        switch self {
        case .ok: return 0
        case .kerberosV5: return 2
        case .cleartextPassword: return 3
        case .md5Password: return 5
        case .gss: return 7
        case .gssContinue: return 8
        case .sspi: return 9
        case .sasl: return 10
        case .saslContinue: return 11
        case .saslFinal: return 12
        }
    }

    /// Decodes the code and its data. Code 6 (SCM credentials) has been gone since PostgreSQL
    /// 9.1 and, like any unknown code, is reported as malformed.
    init(reader: inout PayloadReader) throws(PGWireError) {
        let code = try reader.readInteger(as: Int32.self, "authentication code")
        switch code {
        case 0: self = .ok
        case 2: self = .kerberosV5
        case 3: self = .cleartextPassword
        case 5: self = .md5Password(salt: try reader.readInteger(as: UInt32.self, "MD5 salt"))
        case 7: self = .gss
        case 8: self = .gssContinue(reader.readRemaining())
        case 9: self = .sspi
        case 10: self = .sasl(mechanisms: try Self.readMechanisms(&reader))
        case 11: self = .saslContinue(reader.readRemaining())
        case 12: self = .saslFinal(reader.readRemaining())
        default: throw reader.malformed("unknown authentication code \(code)")
        }
    }

    /// Mechanism names are C strings ending with an empty one.
    private static func readMechanisms(_ reader: inout PayloadReader) throws(PGWireError) -> [String] {
        var mechanisms: [String] = []
        while true {
            guard reader.remaining > 0 else {
                throw reader.malformed("missing SASL mechanism list terminator")
            }
            let mechanism = try reader.readCString("SASL mechanism")
            if mechanism.isEmpty {
                return mechanisms
            }
            mechanisms.append(mechanism)
        }
    }

    func writePayload(into buffer: inout ByteBuffer) {
        buffer.writeInteger(self.code)
        switch self {
        case .md5Password(let salt):
            buffer.writeInteger(salt)
        case .gssContinue(let data), .saslContinue(let data), .saslFinal(let data):
            buffer.writeImmutableBuffer(data)
        case .sasl(let mechanisms):
            // An empty name would be read as the list terminator, so it cannot be sent.
            for mechanism in mechanisms where !mechanism.isEmpty {
                buffer.pgWriteCString(mechanism)
            }
            buffer.writeInteger(UInt8(0))
        case .ok, .kerberosV5, .cleartextPassword, .gss, .sspi:
            break
        }
    }
}
