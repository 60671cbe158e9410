import NIOCore

/// The packet that opens a regular session: protocol version plus run-time parameters.
///
/// Parameters are kept as an ordered list, duplicates included, because PostgreSQL applies
/// them in order and a proxy that re-sends them must not change their meaning.
public struct StartupMessage: Sendable, Equatable {
    /// Always 3 for decoded messages; other major versions are rejected while decoding.
    public var protocolMajor: Int
    /// Any minor version is accepted and recorded, so that the proxy can answer with
    /// `NegotiateProtocolVersion` instead of failing.
    public var protocolMinor: Int
    public var parameters: [StartupParameter]

    public init(protocolMinor: Int = 0, parameters: [StartupParameter]) {
        self.protocolMajor = 3
        self.protocolMinor = protocolMinor
        self.parameters = parameters
    }

    /// The first value given for `name`, matching PostgreSQL's lookup of e.g. `user`.
    public subscript(name: String) -> String? {
        self.parameters.first { $0.name == name }?.value
    }

    public var user: String? { self["user"] }

    public var database: String? { self["database"] }

    /// The 32-bit version word: major in the high half, minor in the low half.
    var versionCode: Int32 {
        precondition(
            (0...0xFFFF).contains(self.protocolMajor) && (0...0xFFFF).contains(self.protocolMinor),
            "protocol version out of range"
        )
        return Int32(truncatingIfNeeded: self.protocolMajor << 16 | self.protocolMinor)
    }

    /// Decodes the parameter list that follows the version word.
    init(protocolMajor: Int, protocolMinor: Int, reader: inout PayloadReader) throws(PGWireError) {
        self.init(protocolMinor: protocolMinor, parameters: [])
        self.protocolMajor = protocolMajor
        while true {
            guard reader.remaining > 0 else {
                throw reader.malformed("missing parameter list terminator")
            }
            let name = try reader.readCString("parameter name")
            if name.isEmpty {
                break
            }
            let value = try reader.readCString("value of parameter \"\(name)\"")
            self.parameters.append(StartupParameter(name: name, value: value))
        }
        try reader.finish()
    }

    /// Writes the version word, the parameters and the terminating NUL (no length prefix).
    ///
    /// Parameters with an empty name are skipped: on the wire an empty name *is* the list
    /// terminator, so writing one would silently truncate the list.
    func writeBody(into buffer: inout ByteBuffer) {
        buffer.writeInteger(self.versionCode)
        for parameter in self.parameters where !parameter.name.isEmpty {
            buffer.pgWriteCString(parameter.name)
            buffer.pgWriteCString(parameter.value)
        }
        buffer.writeInteger(UInt8(0))
    }
}
