/// Whether a `Close` or `Describe` targets a prepared statement or a portal. On the wire it is
/// a single byte, 'S' or 'P'; shared by both messages because the encoding is identical.
public enum PreparedObjectKind: UInt8, Sendable, Hashable {
    case statement = 0x53  // 'S'
    case portal = 0x50  // 'P'

    init(reader: inout PayloadReader) throws(PGWireError) {
        let byte = try reader.readInteger(as: UInt8.self, "target kind")
        guard let kind = PreparedObjectKind(rawValue: byte) else {
            throw reader.malformed("invalid target kind \(byte), expected 'S' or 'P'")
        }
        self = kind
    }
}
