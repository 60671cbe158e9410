/// The key identifying a backend for query cancellation, as sent in a `CancelRequest` packet.
///
/// `Hashable` because a proxy keeps a table from the keys it hands to clients to the real
/// backends behind them.
public struct CancelRequest: Sendable, Equatable, Hashable {
    public var processID: Int32
    public var secretKey: Int32

    public init(processID: Int32, secretKey: Int32) {
        self.processID = processID
        self.secretKey = secretKey
    }
}
