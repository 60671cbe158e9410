import NIOCore

/// A typed message sent by a client after the startup packet.
public enum FrontendMessage: Sendable, Equatable {
    case bind(Bind)  // 'B'
    case close(Close)  // 'C'
    case copyData(ByteBuffer)  // 'd'
    case copyDone  // 'c'
    case copyFail(message: String)  // 'f'
    case describe(Describe)  // 'D'
    case execute(Execute)  // 'E'
    case flush  // 'H'
    case functionCall(FunctionCall)  // 'F'
    case parse(Parse)  // 'P'
    case query(String)  // 'Q'
    case sync  // 'S'
    case terminate  // 'X'
    /// 'p' as the first SASL message: the chosen mechanism and the optional initial response.
    case saslInitialResponse(mechanism: String, data: ByteBuffer?)
    /// 'p' for later SASL messages (and GSSAPI/SSPI tokens, which share the raw layout).
    case saslResponse(ByteBuffer)
    /// 'p' carrying a cleartext or MD5-hashed password.
    case password(String)

    /// What a 'p' message means.
    ///
    /// The protocol reuses one type byte for several unrelated layouts and relies on the
    /// receiver remembering which authentication request it sent, so decoding needs that
    /// context from the caller.
    public enum PasswordContext: Sendable {
        case saslInitial
        case sasl
        case password
    }

    /// The message's type byte.
    var id: UInt8 {
        switch self {
        case .bind: return UInt8(ascii: "B")
        case .close: return UInt8(ascii: "C")
        case .copyData: return UInt8(ascii: "d")
        case .copyDone: return UInt8(ascii: "c")
        case .copyFail: return UInt8(ascii: "f")
        case .describe: return UInt8(ascii: "D")
        case .execute: return UInt8(ascii: "E")
        case .flush: return UInt8(ascii: "H")
        case .functionCall: return UInt8(ascii: "F")
        case .parse: return UInt8(ascii: "P")
        case .query: return UInt8(ascii: "Q")
        case .sync: return UInt8(ascii: "S")
        case .terminate: return UInt8(ascii: "X")
        case .saslInitialResponse, .saslResponse, .password: return UInt8(ascii: "p")
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
        case .bind(let bind):
            bind.writePayload(into: &buffer)
        case .close(let close):
            close.writePayload(into: &buffer)
        case .copyData(let data), .saslResponse(let data):
            buffer.writeImmutableBuffer(data)
        case .copyFail(let message):
            buffer.pgWriteCString(message)
        case .describe(let describe):
            describe.writePayload(into: &buffer)
        case .execute(let execute):
            execute.writePayload(into: &buffer)
        case .functionCall(let call):
            call.writePayload(into: &buffer)
        case .parse(let parse):
            parse.writePayload(into: &buffer)
        case .query(let query):
            buffer.pgWriteCString(query)
        case .saslInitialResponse(let mechanism, let data):
            buffer.pgWriteCString(mechanism)
            buffer.pgWriteNullableValue(data)
        case .password(let password):
            buffer.pgWriteCString(password)
        case .copyDone, .flush, .sync, .terminate:
            break
        }
    }
}
