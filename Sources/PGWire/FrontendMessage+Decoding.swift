import NIOCore

extension FrontendMessage {
    /// Decodes a frame received from a client.
    ///
    /// The whole payload must be consumed: trailing bytes are reported as malformed rather than
    /// ignored, because they mean the client and we disagree about the message layout.
    ///
    /// - Parameter passwordContext: how to read a 'p' message; see `PasswordContext`.
    /// - Throws: `.unknownMessageType` for ids a client may not send, `.malformed` otherwise.
    public init(frame: Frame, passwordContext: PasswordContext = .password) throws(PGWireError) {
        var reader = PayloadReader(frame.payload, messageType: frame.id)
        switch frame.id {
        case UInt8(ascii: "B"):
            self = .bind(try Bind(reader: &reader))
        case UInt8(ascii: "C"):
            self = .close(try Close(reader: &reader))
        case UInt8(ascii: "d"):
            self = .copyData(reader.readRemaining())
        case UInt8(ascii: "c"):
            self = .copyDone
        case UInt8(ascii: "f"):
            self = .copyFail(message: try reader.readCString("error message"))
        case UInt8(ascii: "D"):
            self = .describe(try Describe(reader: &reader))
        case UInt8(ascii: "E"):
            self = .execute(try Execute(reader: &reader))
        case UInt8(ascii: "H"):
            self = .flush
        case UInt8(ascii: "F"):
            self = .functionCall(try FunctionCall(reader: &reader))
        case UInt8(ascii: "P"):
            self = .parse(try Parse(reader: &reader))
        case UInt8(ascii: "Q"):
            self = .query(try reader.readCString("query string"))
        case UInt8(ascii: "S"):
            self = .sync
        case UInt8(ascii: "X"):
            self = .terminate
        case UInt8(ascii: "p"):
            self = try Self.decodeAuthenticationResponse(&reader, context: passwordContext)
        default:
            throw .unknownMessageType(frame.id)
        }
        try reader.finish()
    }

    private static func decodeAuthenticationResponse(
        _ reader: inout PayloadReader,
        context: PasswordContext
    ) throws(PGWireError) -> FrontendMessage {
        switch context {
        case .saslInitial:
            let mechanism = try reader.readCString("SASL mechanism")
            let data = try reader.readNullableValue("SASL initial response")
            return .saslInitialResponse(mechanism: mechanism, data: data)
        case .sasl:
            return .saslResponse(reader.readRemaining())
        case .password:
            return .password(try reader.readCString("password"))
        }
    }
}
