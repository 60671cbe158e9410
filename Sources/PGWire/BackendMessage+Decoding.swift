import NIOCore

extension BackendMessage {
    /// Decodes a frame received from a server.
    ///
    /// The whole payload must be consumed: trailing bytes are reported as malformed rather than
    /// ignored, because they mean the server and we disagree about the message layout.
    ///
    /// - Throws: `.unknownMessageType` for ids a server may not send, `.malformed` otherwise.
    public init(frame: Frame) throws(PGWireError) {
        var reader = PayloadReader(frame.payload, messageType: frame.id)
        switch frame.id {
        case UInt8(ascii: "R"):
            self = .authentication(try Authentication(reader: &reader))
        case UInt8(ascii: "K"):
            self = .backendKeyData(try BackendKeyData(reader: &reader))
        case UInt8(ascii: "2"):
            self = .bindComplete
        case UInt8(ascii: "3"):
            self = .closeComplete
        case UInt8(ascii: "C"):
            self = .commandComplete(try reader.readCString("command tag"))
        case UInt8(ascii: "d"):
            self = .copyData(reader.readRemaining())
        case UInt8(ascii: "c"):
            self = .copyDone
        case UInt8(ascii: "G"):
            self = .copyInResponse(try CopyResponse(reader: &reader))
        case UInt8(ascii: "H"):
            self = .copyOutResponse(try CopyResponse(reader: &reader))
        case UInt8(ascii: "W"):
            self = .copyBothResponse(try CopyResponse(reader: &reader))
        case UInt8(ascii: "D"):
            self = .dataRow(try DataRow(reader: &reader))
        case UInt8(ascii: "I"):
            self = .emptyQueryResponse
        case UInt8(ascii: "E"):
            self = .errorResponse(try ErrorFields(reader: &reader))
        case UInt8(ascii: "V"):
            self = .functionCallResponse(try reader.readNullableValue("function result"))
        case UInt8(ascii: "v"):
            self = try Self.decodeNegotiateProtocolVersion(&reader)
        case UInt8(ascii: "n"):
            self = .noData
        case UInt8(ascii: "N"):
            self = .noticeResponse(try ErrorFields(reader: &reader))
        case UInt8(ascii: "A"):
            self = .notificationResponse(
                processID: try reader.readInteger(as: Int32.self, "process ID"),
                channel: try reader.readCString("channel name"),
                payload: try reader.readCString("notification payload")
            )
        case UInt8(ascii: "t"):
            self = .parameterDescription(try Self.decodeParameterTypes(&reader))
        case UInt8(ascii: "S"):
            self = .parameterStatus(
                name: try reader.readCString("parameter name"),
                value: try reader.readCString("parameter value")
            )
        case UInt8(ascii: "1"):
            self = .parseComplete
        case UInt8(ascii: "s"):
            self = .portalSuspended
        case UInt8(ascii: "Z"):
            self = .readyForQuery(try TransactionStatus(reader: &reader))
        case UInt8(ascii: "T"):
            self = .rowDescription(try RowDescription(reader: &reader).fields)
        default:
            throw .unknownMessageType(frame.id)
        }
        try reader.finish()
    }

    private static func decodeNegotiateProtocolVersion(_ reader: inout PayloadReader) throws(PGWireError) -> BackendMessage {
        let newestMinor = try reader.readInteger(as: Int32.self, "newest minor version")
        let count = try reader.readInt32Count("option", minimumElementSize: 1)
        var options: [String] = []
        options.reserveCapacity(count)
        for _ in 0..<count {
            options.append(try reader.readCString("option name"))
        }
        return .negotiateProtocolVersion(newestMinor: newestMinor, unrecognizedOptions: options)
    }

    private static func decodeParameterTypes(_ reader: inout PayloadReader) throws(PGWireError) -> [UInt32] {
        let count = try reader.readCount("parameter type", minimumElementSize: 4)
        var types: [UInt32] = []
        types.reserveCapacity(count)
        for _ in 0..<count {
            types.append(try reader.readInteger(as: UInt32.self, "parameter type"))
        }
        return types
    }
}
