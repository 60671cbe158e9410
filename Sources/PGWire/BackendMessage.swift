import NIOCore

/// A typed message sent by a server.
public enum BackendMessage: Sendable, Equatable {
    case authentication(Authentication)  // 'R'
    case backendKeyData(BackendKeyData)  // 'K'
    case bindComplete  // '2'
    case closeComplete  // '3'
    case commandComplete(String)  // 'C'
    case copyData(ByteBuffer)  // 'd'
    case copyDone  // 'c'
    case copyInResponse(CopyResponse)  // 'G'
    case copyOutResponse(CopyResponse)  // 'H'
    case copyBothResponse(CopyResponse)  // 'W'
    case dataRow(DataRow)  // 'D'
    case emptyQueryResponse  // 'I'
    case errorResponse(ErrorFields)  // 'E'
    /// The function result; `nil` is SQL NULL.
    case functionCallResponse(ByteBuffer?)  // 'V'
    case negotiateProtocolVersion(newestMinor: Int32, unrecognizedOptions: [String])  // 'v'
    case noData  // 'n'
    case noticeResponse(ErrorFields)  // 'N'
    case notificationResponse(processID: Int32, channel: String, payload: String)  // 'A'
    /// Parameter type OIDs of a prepared statement.
    case parameterDescription([UInt32])  // 't'
    case parameterStatus(name: String, value: String)  // 'S'
    case parseComplete  // '1'
    case portalSuspended  // 's'
    case readyForQuery(TransactionStatus)  // 'Z'
    case rowDescription([RowDescription.Field])  // 'T'

    /// The message's type byte.
    var id: UInt8 {
        switch self {
        case .authentication: return UInt8(ascii: "R")
        case .backendKeyData: return UInt8(ascii: "K")
        case .bindComplete: return UInt8(ascii: "2")
        case .closeComplete: return UInt8(ascii: "3")
        case .commandComplete: return UInt8(ascii: "C")
        case .copyData: return UInt8(ascii: "d")
        case .copyDone: return UInt8(ascii: "c")
        case .copyInResponse: return UInt8(ascii: "G")
        case .copyOutResponse: return UInt8(ascii: "H")
        case .copyBothResponse: return UInt8(ascii: "W")
        case .dataRow: return UInt8(ascii: "D")
        case .emptyQueryResponse: return UInt8(ascii: "I")
        case .errorResponse: return UInt8(ascii: "E")
        case .functionCallResponse: return UInt8(ascii: "V")
        case .negotiateProtocolVersion: return UInt8(ascii: "v")
        case .noData: return UInt8(ascii: "n")
        case .noticeResponse: return UInt8(ascii: "N")
        case .notificationResponse: return UInt8(ascii: "A")
        case .parameterDescription: return UInt8(ascii: "t")
        case .parameterStatus: return UInt8(ascii: "S")
        case .parseComplete: return UInt8(ascii: "1")
        case .portalSuspended: return UInt8(ascii: "s")
        case .readyForQuery: return UInt8(ascii: "Z")
        case .rowDescription: return UInt8(ascii: "T")
        }
    }

    /// Writes the complete message: type byte, length and payload.
    public func write(into buffer: inout ByteBuffer) {
        buffer.pgWriteMessage(id: self.id) { buffer in
            self.writePayload(into: &buffer)
        }
    }

    /// The message as a `Frame`, for code that works at the frame level.
    public var frame: Frame {
        var payload = ByteBufferAllocator().buffer(capacity: 0)
        self.writePayload(into: &payload)
        return Frame(id: self.id, payload: payload)
    }

    private func writePayload(into buffer: inout ByteBuffer) {
        switch self {
        case .authentication(let authentication):
            authentication.writePayload(into: &buffer)
        case .backendKeyData(let key):
            key.writePayload(into: &buffer)
        case .commandComplete(let tag):
            buffer.pgWriteCString(tag)
        case .copyData(let data):
            buffer.writeImmutableBuffer(data)
        case .copyInResponse(let response), .copyOutResponse(let response), .copyBothResponse(let response):
            response.writePayload(into: &buffer)
        case .dataRow(let row):
            row.writePayload(into: &buffer)
        case .errorResponse(let fields), .noticeResponse(let fields):
            fields.writePayload(into: &buffer)
        case .functionCallResponse(let value):
            buffer.pgWriteNullableValue(value)
        case .negotiateProtocolVersion(let newestMinor, let options):
            buffer.writeInteger(newestMinor)
            precondition(options.count <= Int(Int32.max), "too many protocol options")
            buffer.writeInteger(Int32(truncatingIfNeeded: options.count))
            for option in options {
                buffer.pgWriteCString(option)
            }
        case .notificationResponse(let processID, let channel, let payload):
            buffer.writeInteger(processID)
            buffer.pgWriteCString(channel)
            buffer.pgWriteCString(payload)
        case .parameterDescription(let types):
            buffer.pgWriteCount(types.count)
            for type in types {
                buffer.writeInteger(type)
            }
        case .parameterStatus(let name, let value):
            buffer.pgWriteCString(name)
            buffer.pgWriteCString(value)
        case .readyForQuery(let status):
            buffer.writeInteger(status.rawValue)
        case .rowDescription(let fields):
            RowDescription(fields: fields).writePayload(into: &buffer)
        case .bindComplete, .closeComplete, .copyDone, .emptyQueryResponse, .noData, .parseComplete,
            .portalSuspended:
            break
        }
    }
}
