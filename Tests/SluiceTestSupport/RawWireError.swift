import PGWire

/// What a `RawWireClient` operation can end with besides its answer.
public enum RawWireError: Error, CustomStringConvertible, Sendable {
    /// Nothing (or not enough) arrived before the deadline.
    case timedOut(waitingFor: String)
    /// The peer closed the connection before the awaited message arrived.
    case closed(waitingFor: String)
    /// The server answered with an ErrorResponse where the client expected progress.
    case server(ErrorFields)
    /// A message that makes no sense at this point of the conversation.
    case unexpected(String)
    /// The SCRAM exchange could not be completed on the client side.
    case scram(String)
    /// A second read was started while one was still waiting (a test bug).
    case concurrentRead

    public var description: String {
        switch self {
        case .timedOut(let what): "timed out waiting for \(what)"
        case .closed(let what): "connection closed while waiting for \(what)"
        case .server(let fields):
            "server error \(fields.severity ?? "?") \(fields.sqlState ?? "?"): \(fields.message ?? "")"
        case .unexpected(let what): "unexpected: \(what)"
        case .scram(let what): "SCRAM: \(what)"
        case .concurrentRead: "two concurrent reads on one RawWireClient"
        }
    }

    /// The ErrorResponse fields when the failure is a server error.
    public var serverError: ErrorFields? {
        if case .server(let fields) = self { return fields }
        return nil
    }
}
