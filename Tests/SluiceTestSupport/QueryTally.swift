import PGWire

/// A query's answer with its rows counted instead of kept, so a test can
/// stream hundreds of thousands of rows without decoding or holding them.
public struct QueryTally: Sendable {
    /// Every message except `DataRow` and `CopyData`, in order.
    public var messages: [BackendMessage] = []
    public var dataRows = 0
    public var copyDataMessages = 0
    /// Payload bytes of all `CopyData` messages.
    public var copyDataBytes = 0

    public init() {}

    /// The tag of the last `CommandComplete`, e.g. `SELECT 200000`.
    public var commandTag: String? {
        for message in messages.reversed() {
            if case .commandComplete(let tag) = message { return tag }
        }
        return nil
    }

    /// The first ErrorResponse, if any.
    public var error: ErrorFields? {
        for message in messages {
            if case .errorResponse(let fields) = message { return fields }
        }
        return nil
    }
}
